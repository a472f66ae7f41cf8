"""Residents' forms of a petition right: file a petition, sign one, filter the list.

Everything residents type is plain text: stored as typed (line breaks normalised) and escaped
wherever it is shown.
"""

from django import forms
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from taggit.models import Tag
from wagtail.models import Locale

from wagtail_participation.forms import TOO_LONG, OneLineField, PlainTextField
from wagtail_participation.honeypot import HONEYPOT_FIELD, HoneypotFormMixin
from wagtail_participation.models import CodeUse, Neighbourhood

from .models import HIDDEN_STATUSES, Petition, PetitionStatus, Signature

TITLE_MAX_LENGTH = Petition._meta.get_field("title").max_length
FULL_NAME_MAX_LENGTH = Signature._meta.get_field("full_name").max_length

# The statuses residents may filter on: every status a public petition can have.
PUBLIC_STATUSES = [
    (value, label) for value, label in PetitionStatus.choices if value not in HIDDEN_STATUSES
]


def page_neighbourhoods(page):
    """The page's neighbourhoods, or every neighbourhood of the active locale if it has none."""
    neighbourhoods = page.neighbourhoods.all() if page.pk else Neighbourhood.objects.none()
    if not neighbourhoods.exists():
        neighbourhoods = Neighbourhood.objects.filter(locale=Locale.get_active())
    return neighbourhoods.order_by("name")


class PetitionForm(HoneypotFormMixin, forms.Form):
    title = OneLineField(
        label=_("Title"),
        max_length=TITLE_MAX_LENGTH,
        help_text=format_lazy(
            _("One sentence that says what you ask the council. At most {limit} characters."),
            limit=TITLE_MAX_LENGTH,
        ),
        error_messages={
            "required": _("Give your petition a title."),
            "max_length": _(
                "The title is %(show_value)d characters long; the limit is %(limit_value)d "
                "characters."
            ),
        },
    )
    # Replaced in __init__: its limit is the page's.
    text = PlainTextField(label=_("Your petition"))
    themes = forms.ModelMultipleChoiceField(
        label=_("Themes"),
        queryset=Tag.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    neighbourhood = forms.ModelChoiceField(
        label=_("Neighbourhood"),
        queryset=Neighbourhood.objects.none(),
        required=False,
        empty_label=_("The whole town"),
        help_text=_("The part of the town your petition is about."),
    )

    field_order = ["title", "text", "themes", "neighbourhood", HONEYPOT_FIELD]

    def __init__(self, *args, page, **kwargs):
        super().__init__(*args, **kwargs)
        self.page = page
        limit = page.petition_max_length
        self.fields["text"] = PlainTextField(
            label=_("Your petition"),
            max_length=limit,
            widget=forms.Textarea(attrs={"rows": 12}),
            help_text=format_lazy(
                _(
                    "What you ask the council, and why. Signers read it before they sign. "
                    "At most {limit} characters."
                ),
                limit=limit,
            ),
            error_messages={
                "required": _("Write the text of your petition."),
                "max_length": TOO_LONG,
            },
        )
        self.order_fields(self.field_order)
        themes = list(page.theme_tags()) if page.pk else []
        if themes:
            self.fields["themes"].queryset = Tag.objects.filter(
                pk__in=[tag.pk for tag in themes]
            ).order_by("name")
        else:
            del self.fields["themes"]
        self.fields["neighbourhood"].queryset = page_neighbourhoods(page)


class SignatureForm(HoneypotFormMixin, forms.Form):
    """A signature: the signer's full name (seen by staff only), their year of birth when their
    profile does not give it, whether to show their public name, and a code where accepted."""

    full_name = OneLineField(
        label=_("Your full name"),
        max_length=FULL_NAME_MAX_LENGTH,
        help_text=_(
            "Only the town's staff see it, to check that nobody signs twice, online and on "
            "paper. It is never published."
        ),
        error_messages={
            "required": _("Give your full name."),
            "max_length": _(
                "The name is %(show_value)d characters long; the limit is %(limit_value)d "
                "characters."
            ),
        },
    )
    birth_year = forms.IntegerField(
        label=_("Your year of birth"),
        help_text=_("Only used to check the minimum age and that nobody signs twice."),
        error_messages={
            "required": _("Give your year of birth."),
            "invalid": _("Enter the year of birth as four digits, for example 1980."),
        },
    )
    show_name = forms.BooleanField(
        label=_("Show my public name among the signatories"),
        required=False,
        help_text=_("Otherwise your signature is counted without any name."),
    )
    code = forms.CharField(
        label=_("Participation code"),
        max_length=40,
        help_text=_("The code the town handed you on paper, for example at the town hall."),
        error_messages={"required": _("Enter your participation code.")},
    )

    def __init__(self, *args, page, user=None, profile=None, **kwargs):
        super().__init__(*args, **kwargs)
        signed_in = user is not None and user.is_authenticated
        if profile is not None and profile.birth_year:
            del self.fields["birth_year"]
        else:
            this_year = timezone.localdate().year
            field = self.fields["birth_year"]
            field.min_value, field.max_value = 1900, this_year
            field.validators = []
            field.widget.attrs.update({"min": 1900, "max": this_year, "inputmode": "numeric"})
        if signed_in:
            if profile is not None:
                self.fields["show_name"].label = format_lazy(
                    _("Show my public name ({name}) among the signatories"),
                    name=profile.public_name,
                )
        else:
            del self.fields["show_name"]
        codes = getattr(page, "participation_codes", CodeUse.ACCOUNTS_ONLY)
        if codes == CodeUse.ACCOUNTS_ONLY:
            del self.fields["code"]
        else:
            # Without an account, or where the page asks for one, the code is what identifies.
            self.fields["code"].required = codes == CodeUse.CODE_REQUIRED or not signed_in
            self.fields["code"].widget.attrs["autocomplete"] = "off"

    def clean_birth_year(self):
        year = self.cleaned_data.get("birth_year")
        this_year = timezone.localdate().year
        if year is not None and not 1900 <= year <= this_year:
            raise forms.ValidationError(
                _("Enter a year of birth between %(first)s and %(last)s."),
                code="birth_year",
                params={"first": 1900, "last": this_year},
            )
        return year


class PetitionFilterForm(forms.Form):
    """Filters of the public list: status, theme (the page's), neighbourhood (by slug)."""

    status = forms.ChoiceField(label=_("Status"), required=False)
    theme = forms.ChoiceField(label=_("Theme"), required=False)
    neighbourhood = forms.ChoiceField(label=_("Neighbourhood"), required=False)

    def __init__(self, *args, themes=(), neighbourhoods=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("All statuses"))] + PUBLIC_STATUSES
        self.tags_by_slug = {tag.slug: tag for tag in themes}
        if themes:
            self.fields["theme"].choices = [("", _("All themes"))] + [
                (tag.slug, tag.name) for tag in sorted(themes, key=lambda tag: tag.name.lower())
            ]
        else:
            del self.fields["theme"]
        self.neighbourhoods_by_slug = {n.slug: n for n in neighbourhoods}
        if neighbourhoods:
            self.fields["neighbourhood"].choices = [("", _("All neighbourhoods"))] + [
                (n.slug, n.name) for n in neighbourhoods
            ]
        else:
            del self.fields["neighbourhood"]
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "participation-filter")

    def filter(self, queryset):
        """``queryset`` filtered by the valid values; an invalid value filters nothing."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        if data.get("status"):
            queryset = queryset.filter(current_status=data["status"])
        tag = self.tags_by_slug.get(data.get("theme") or "")
        if tag is not None:
            queryset = queryset.filter(theme_items__tag=tag)
        neighbourhood = self.neighbourhoods_by_slug.get(data.get("neighbourhood") or "")
        if neighbourhood is not None:
            queryset = queryset.filter(neighbourhood=neighbourhood)
        return queryset

    @property
    def applied(self):
        return self.is_bound and any(self.data.get(name) for name in self.fields)
