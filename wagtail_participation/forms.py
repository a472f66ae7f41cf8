from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminPageForm

PHASES_FORMSET = "participation_phases"


class ProcessPageForm(WagtailAdminPageForm):
    """Page form for participatory pages: rejects phases whose periods overlap."""

    def clean(self):
        cleaned_data = super().clean()
        self.check_phase_overlaps()
        return cleaned_data

    def kept_phase_forms(self):
        """Valid phase forms that are not marked for deletion (their instances hold the values)."""
        formset = self.formsets.get(PHASES_FORMSET)
        if formset is None or not formset.is_valid():
            return []
        deleted = formset.deleted_forms
        return [
            form
            for form in formset.forms
            if form not in deleted and form.cleaned_data.get("starts_at")
        ]

    def check_phase_overlaps(self):
        from .models import overlap_message
        from .status import find_overlaps

        forms = self.kept_phase_forms()
        form_of_phase = {id(form.instance): form for form in forms}
        overlaps = find_overlaps([form.instance for form in forms])
        for earlier, later in overlaps:
            form_of_phase[id(later)].add_error("starts_at", overlap_message(earlier, later))
        if overlaps:
            self.add_error(None, _("Some phases overlap. Correct their dates, then save again."))


class PlainTextField(forms.CharField):
    """A text field whose line breaks count as one character, as residents see them."""

    def to_python(self, value):
        value = super().to_python(value)
        return value.replace("\r\n", "\n").replace("\r", "\n")


class OneLineField(PlainTextField):
    """A title or a name: line breaks and runs of spaces become one space, so that it stays on
    one line wherever it goes (a page heading, an e-mail subject, a CSV cell, a `.pb` line)."""

    def to_python(self, value):
        return " ".join(super().to_python(value).split())


TOO_LONG = _(
    "Your text is %(show_value)d characters long; the limit is %(limit_value)d characters."
)


# The largest id a database column holds (PostgreSQL's bigint, SQLite's integer). A larger
# number typed in an address, a filter or a form is found nowhere; handed to the database
# driver, it would be a server error.
MAX_ID = 2**63 - 1


def is_possible_id(value):
    return str(value).isdigit() and int(value) <= MAX_ID


class IdChoiceField(forms.ModelChoiceField):
    """A model chosen by id, where a value that cannot be an id is an invalid choice."""

    def to_python(self, value):
        if value not in self.empty_values and not is_possible_id(value):
            raise ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": value},
            )
        return super().to_python(value)
