"""The form residents fill in to submit a project to a participatory budget.

Everything residents type is plain text, stored as typed (line breaks normalised; titles and
names on one line) and escaped wherever it is shown. Costs are checked against the page's
limits and the chosen envelope.
"""

import re

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from taggit.models import Tag

from wagtail_participation.forms import TOO_LONG, OneLineField, PlainTextField
from wagtail_participation.honeypot import HONEYPOT_FIELD, HoneypotFormMixin

from .models import BudgetEnvelope, BudgetProject
from .money import format_money

TITLE_MAX_LENGTH = BudgetProject._meta.get_field("title").max_length
DESCRIPTION_MAX_LENGTH = BudgetProject._meta.get_field("description").max_length
LOCATION_MAX_LENGTH = BudgetProject._meta.get_field("location").max_length
PROPOSER_NAME_MAX_LENGTH = BudgetProject._meta.get_field("proposer_name").max_length

# "15 000", "15,000", "15 000,50", "15000.50": residents type amounts the way they write them.
SPACES = re.compile(r"[\s\u00a0\u202f']")
THOUSANDS_WITH_COMMAS = re.compile(r"^\d{1,3}(,\d{3})+(\.\d{1,2})?$")
DECIMAL_COMMA = re.compile(r"^\d+,\d{1,2}$")


class AmountField(forms.DecimalField):
    def to_python(self, value):
        if isinstance(value, str):
            value = SPACES.sub("", value)
            if THOUSANDS_WITH_COMMAS.match(value):
                value = value.replace(",", "")
            elif DECIMAL_COMMA.match(value):
                value = value.replace(",", ".")
        return super().to_python(value)


class EnvelopeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, envelope):
        return format_lazy(
            _("{name} ({amount})"),
            name=envelope.display_name,
            amount=format_money(envelope.amount, self.currency),
        )


class ProjectForm(HoneypotFormMixin, forms.Form):
    title = OneLineField(
        label=_("Title of the project"),
        max_length=TITLE_MAX_LENGTH,
        help_text=format_lazy(
            _("A few words that say what the project is. At most {limit} characters."),
            limit=TITLE_MAX_LENGTH,
        ),
        error_messages={
            "required": _("Give your project a title."),
            "max_length": TOO_LONG,
        },
    )
    description = PlainTextField(
        label=_("Description"),
        max_length=DESCRIPTION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=format_lazy(
            _(
                "What would be done, where, for whom, and why it matters. "
                "At most {limit} characters."
            ),
            limit=DESCRIPTION_MAX_LENGTH,
        ),
        error_messages={
            "required": _("Describe your project."),
            "max_length": TOO_LONG,
        },
    )
    # Its help text names the page's limits: set in __init__.
    estimated_cost = AmountField(
        label=_("Estimated cost"),
        max_digits=14,
        decimal_places=2,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
        error_messages={
            "required": _("Give an estimate of the cost, even a rough one."),
            "invalid": _("Enter the cost as a number, for example 15000."),
            "max_decimal_places": _("Give the cost in whole units or with cents at most."),
            "max_digits": _("This cost is too large."),
            "max_whole_digits": _("This cost is too large."),
        },
    )
    envelope = EnvelopeChoiceField(
        label=_("Envelope"),
        queryset=BudgetEnvelope.objects.none(),
        widget=forms.RadioSelect,
        empty_label=None,
        help_text=_("The money the project would be paid from: a neighbourhood or the whole town."),
        error_messages={
            "required": _("Choose the envelope the project would be paid from."),
            "invalid_choice": _("Choose one of the envelopes of this budget."),
        },
    )
    themes = forms.ModelMultipleChoiceField(
        label=_("Themes"),
        queryset=Tag.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("Choose among the themes of this budget.")},
    )
    location = OneLineField(
        label=_("Location"),
        max_length=LOCATION_MAX_LENGTH,
        required=False,
        help_text=_("An address or a place, for example “Square Jean Jaurès”."),
        error_messages={"max_length": TOO_LONG},
    )
    proposer_name = OneLineField(
        label=_("Name shown on the project"),
        max_length=PROPOSER_NAME_MAX_LENGTH,
        required=False,
        help_text=_(
            "Your public name, or the name of the group proposing the project, for example a "
            "residents' association. Never your e-mail."
        ),
        error_messages={"max_length": TOO_LONG},
    )

    field_order = [
        "title",
        "description",
        "envelope",
        "estimated_cost",
        "themes",
        "location",
        "proposer_name",
        HONEYPOT_FIELD,
    ]

    def __init__(self, *args, page, themes=(), public_name="", **kwargs):
        super().__init__(*args, **kwargs)
        self.page = page
        self.envelopes = list(page.envelope_list)
        if len(self.envelopes) > 1:
            field = self.fields["envelope"]
            field.queryset = BudgetEnvelope.objects.filter(page=page).select_related(
                "neighbourhood"
            )
            field.currency = page.currency
            # The choices in the page's order, from the list already loaded.
            field.choices = [
                (envelope.pk, field.label_from_instance(envelope)) for envelope in self.envelopes
            ]
        else:
            del self.fields["envelope"]

        limit = self.cost_limit(self.envelopes[0] if len(self.envelopes) == 1 else None)
        if limit is not None:
            self.fields["estimated_cost"].help_text = format_lazy(
                _("In {currency}, taxes included. At most {limit}."),
                currency=page.currency,
                limit=format_money(limit, page.currency),
            )
        else:
            self.fields["estimated_cost"].help_text = format_lazy(
                _("In {currency}, taxes included. At most the amount of the chosen envelope."),
                currency=page.currency,
            )

        themes = list(themes)
        if themes:
            self.fields["themes"].queryset = Tag.objects.filter(
                pk__in=[tag.pk for tag in themes]
            ).order_by("name")
        else:
            del self.fields["themes"]

        if public_name and not self.is_bound:
            self.initial.setdefault("proposer_name", public_name)

    def cost_limit(self, envelope=None):
        """The highest cost allowed: the page's maximum and the envelope's amount, if known."""
        limits = [self.page.max_project_cost] if self.page.max_project_cost else []
        if envelope is not None:
            limits.append(envelope.amount)
        return min(limits) if limits else None

    @property
    def chosen_envelope(self):
        if "envelope" not in self.fields:
            return self.envelopes[0] if self.envelopes else None
        return self.cleaned_data.get("envelope")

    def clean_estimated_cost(self):
        cost = self.cleaned_data["estimated_cost"]
        if cost <= 0:
            raise forms.ValidationError(
                _("The estimated cost must be more than zero."), code="not_positive"
            )
        maximum = self.page.max_project_cost
        if maximum and cost > maximum:
            raise forms.ValidationError(
                format_lazy(
                    _("A project can cost at most {limit}; your estimate is {cost}."),
                    limit=format_money(maximum, self.page.currency),
                    cost=format_money(cost, self.page.currency),
                ),
                code="above_maximum",
            )
        return cost

    def clean(self):
        cleaned_data = super().clean()
        cost = cleaned_data.get("estimated_cost")
        envelope = self.chosen_envelope
        if cost is not None and envelope is not None and cost > envelope.amount:
            self.add_error(
                "estimated_cost",
                forms.ValidationError(
                    format_lazy(
                        _(
                            "The envelope “{envelope}” holds {amount}: a project cannot cost "
                            "more. Your estimate is {cost}."
                        ),
                        envelope=envelope.display_name,
                        amount=format_money(envelope.amount, self.page.currency),
                        cost=format_money(cost, self.page.currency),
                    ),
                    code="above_envelope",
                ),
            )
        return cleaned_data
