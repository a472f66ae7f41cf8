from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminPageForm

PHASES_FORMSET = "participation_phases"


class _PhaseRow:
    """The values of one phase form, shaped like a phase for the overlap check."""

    def __init__(self, form):
        from .models import ProcessPhase

        self.form = form
        self.phase = ProcessPhase(
            kind=form.cleaned_data.get("kind") or "",
            title=form.cleaned_data.get("title") or "",
            starts_at=form.cleaned_data["starts_at"],
            ends_at=form.cleaned_data.get("ends_at"),
        )


class ProcessPageForm(WagtailAdminPageForm):
    """Page form for participatory pages: rejects phases whose periods overlap."""

    def clean(self):
        cleaned_data = super().clean()
        self.check_phase_overlaps()
        return cleaned_data

    def phase_rows(self):
        formset = self.formsets.get(PHASES_FORMSET)
        if formset is None or not formset.is_valid():
            return []
        deleted = set(formset.deleted_forms)
        return [
            _PhaseRow(form)
            for form in formset.forms
            if form not in deleted and form.cleaned_data.get("starts_at")
        ]

    def check_phase_overlaps(self):
        from .models import overlap_message
        from .status import find_overlaps

        rows = self.phase_rows()
        row_of_phase = {id(row.phase): row for row in rows}
        overlaps = find_overlaps([row.phase for row in rows])
        for earlier, later in overlaps:
            message = overlap_message(earlier, later)
            row_of_phase[id(later)].form.add_error("starts_at", message)
        if overlaps:
            self.add_error(None, _("Some phases overlap. Correct their dates, then save again."))
