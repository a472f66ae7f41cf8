"""The meeting page's admin form: changes to occurrences that name real occurrences."""

from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminPageForm

from . import recurrence

CHANGES_FORMSET = "occurrence_changes"
RULE_FIELDS = ("starts_at", "ends_at", "frequency", "interval", "repeat_until")


class MeetingPageForm(WagtailAdminPageForm):
    def clean(self):
        cleaned_data = super().clean()
        self.check_occurrence_changes(cleaned_data)
        return cleaned_data

    def kept_change_forms(self):
        formset = self.formsets.get(CHANGES_FORMSET)
        if formset is None or not formset.is_valid():
            return []
        deleted = formset.deleted_forms
        return [
            form for form in formset.forms if form not in deleted and form.cleaned_data.get("date")
        ]

    def rule_meeting(self, cleaned_data):
        """An unsaved meeting with the rule of the form, to list its occurrences; None when the
        rule itself is invalid (its own errors are shown)."""
        if any(name in self.errors for name in RULE_FIELDS):
            return None
        if not (cleaned_data.get("starts_at") and cleaned_data.get("ends_at")):
            return None
        meeting = self._meta.model(
            **{name: cleaned_data.get(name) for name in RULE_FIELDS if name in cleaned_data}
        )
        meeting.occurrence_changes = []
        return meeting

    def check_occurrence_changes(self, cleaned_data):
        forms = self.kept_change_forms()
        meeting = self.rule_meeting(cleaned_data) if forms else None
        if meeting is None:
            return
        repeats = recurrence.recurrence_spec(meeting) is not None
        for form in forms:
            day = form.cleaned_data["date"]
            status = form.cleaned_data.get("status")
            if recurrence.occurrence_on(meeting, day) is None:
                form.add_error(
                    "date",
                    _("The meeting does not take place on %(date)s.")
                    % {"date": date_format(day, "DATE_FORMAT")},
                )
            elif status == "excluded" and not repeats:
                form.add_error(
                    "status",
                    _(
                        "A meeting that does not repeat cannot leave out its only date: "
                        "mark it cancelled, or unpublish it."
                    ),
                )
            elif status == "held" and not form.cleaned_data.get("note"):
                form.add_error("note", _("Write the note residents will read for this date."))
        if any(form.errors for form in forms):
            self.add_error(None, _("Check the changes to single occurrences."))
