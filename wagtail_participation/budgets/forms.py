"""The budget page's admin form: envelopes and ballot rules that make sense together."""

from django.utils.translation import gettext_lazy as _

from wagtail_participation.forms import ProcessPageForm

ENVELOPES_FORMSET = "envelopes"


class BudgetPageForm(ProcessPageForm):
    def clean(self):
        cleaned_data = super().clean()
        self.check_choice_limits(cleaned_data)
        self.check_envelopes()
        return cleaned_data

    def check_choice_limits(self, cleaned_data):
        minimum = cleaned_data.get("min_choices")
        maximum = cleaned_data.get("max_choices")
        if minimum and maximum and maximum < minimum:
            self.add_error(
                "max_choices",
                _("The maximum number of projects cannot be lower than the minimum."),
            )
        if cleaned_data.get("results_rule") == "greedy-threshold" and not cleaned_data.get(
            "vote_threshold"
        ):
            self.add_error(
                "vote_threshold",
                _("Give the minimum number of votes a project needs to be funded."),
            )

    def check_envelopes(self):
        formset = self.formsets.get(ENVELOPES_FORMSET)
        if formset is None or not formset.is_valid():
            return
        deleted = formset.deleted_forms
        seen = {}
        for form in formset.forms:
            instance = form.instance
            if form in deleted:
                if instance.pk and (instance.projects.exists() or instance.ballots.exists()):
                    form.add_error(
                        None,
                        _(
                            "This envelope has projects or ballots: move its projects to "
                            "another envelope before removing it."
                        ),
                    )
                    self.add_error(None, _("An envelope that is still used cannot be removed."))
                continue
            if not form.has_changed() and not instance.pk:
                continue
            key = form.cleaned_data.get("neighbourhood")
            if key in seen:
                form.add_error(
                    "neighbourhood",
                    _("There is already an envelope for the whole town.")
                    if key is None
                    else _("There is already an envelope for this neighbourhood."),
                )
            seen[key] = form
