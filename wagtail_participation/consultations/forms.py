"""Residents' forms of a consultation: contribute, comment, report.

Everything residents type is plain text: it is stored as typed (line breaks normalised) and
escaped wherever it is shown.
"""

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from taggit.models import Tag
from wagtail.models import Locale

from wagtail_participation.forms import TOO_LONG, OneLineField, PlainTextField
from wagtail_participation.honeypot import HONEYPOT_FIELD, HoneypotFormMixin
from wagtail_participation.models import Neighbourhood

from .models import Comment, CommentStatus, Contribution

TITLE_MAX_LENGTH = Contribution._meta.get_field("title").max_length
COMMENT_MAX_LENGTH = Comment._meta.get_field("body").max_length
REPORT_MAX_LENGTH = 1000


class ContributionForm(HoneypotFormMixin, forms.Form):
    title = OneLineField(
        label=_("Title"),
        max_length=TITLE_MAX_LENGTH,
        help_text=format_lazy(
            _("One sentence that sums up your idea. At most {limit} characters."),
            limit=TITLE_MAX_LENGTH,
        ),
        error_messages={
            "required": _("Give your contribution a title."),
            "max_length": _(
                "The title is %(show_value)d characters long; the limit is %(limit_value)d "
                "characters."
            ),
        },
    )
    # Replaced in __init__: its limit is the page's.
    body = PlainTextField(label=_("Your contribution"))
    neighbourhood = forms.ModelChoiceField(
        label=_("Neighbourhood"),
        queryset=Neighbourhood.objects.none(),
        required=False,
        empty_label=_("The whole town"),
        help_text=_("The part of the town your contribution is about."),
    )
    themes = forms.ModelMultipleChoiceField(
        label=_("Themes"),
        queryset=Tag.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    latitude = forms.DecimalField(
        label=_("Latitude"),
        required=False,
        max_digits=9,
        decimal_places=6,
        min_value=-90,
        max_value=90,
        help_text=_("In decimal degrees, for example 50.4291."),
        error_messages={
            "min_value": _("A latitude lies between -90 and 90."),
            "max_value": _("A latitude lies between -90 and 90."),
            "invalid": _("Enter the latitude as a decimal number, for example 50.4291."),
        },
    )
    longitude = forms.DecimalField(
        label=_("Longitude"),
        required=False,
        max_digits=9,
        decimal_places=6,
        min_value=-180,
        max_value=180,
        help_text=_("In decimal degrees, for example 2.7806."),
        error_messages={
            "min_value": _("A longitude lies between -180 and 180."),
            "max_value": _("A longitude lies between -180 and 180."),
            "invalid": _("Enter the longitude as a decimal number, for example 2.7806."),
        },
    )

    field_order = [
        "title",
        "body",
        "neighbourhood",
        "themes",
        "latitude",
        "longitude",
        HONEYPOT_FIELD,
    ]

    def __init__(self, *args, page, themes=None, initial_neighbourhood=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.page = page
        limit = page.max_length
        self.fields["body"] = PlainTextField(
            label=_("Your contribution"),
            max_length=limit,
            widget=forms.Textarea(attrs={"rows": 10}),
            help_text=format_lazy(
                _("Explain your idea: what, where, why. At most {limit} characters."),
                limit=limit,
            ),
            error_messages={
                "required": _("Write your contribution."),
                "max_length": TOO_LONG,
            },
        )
        self.order_fields(self.field_order)

        neighbourhoods = page.neighbourhoods.all() if page.pk else Neighbourhood.objects.none()
        if not neighbourhoods.exists():
            neighbourhoods = Neighbourhood.objects.filter(locale=Locale.get_active())
        self.fields["neighbourhood"].queryset = neighbourhoods.order_by("name")
        if initial_neighbourhood is not None and not self.is_bound:
            if any(n.pk == initial_neighbourhood for n in self.fields["neighbourhood"].queryset):
                self.initial["neighbourhood"] = initial_neighbourhood

        themes = list(page.theme_tags()) if themes is None else list(themes)
        if themes:
            self.fields["themes"].queryset = Tag.objects.filter(
                pk__in=[tag.pk for tag in themes]
            ).order_by("name")
        else:
            del self.fields["themes"]

    def clean(self):
        cleaned_data = super().clean()
        latitude = cleaned_data.get("latitude")
        longitude = cleaned_data.get("longitude")
        if "latitude" in cleaned_data and "longitude" in cleaned_data:
            if (latitude is None) != (longitude is None):
                raise forms.ValidationError(
                    _("Give both the latitude and the longitude, or neither."),
                    code="incomplete_point",
                )
        return cleaned_data


class CommentForm(HoneypotFormMixin, forms.Form):
    body = PlainTextField(
        label=_("Your comment"),
        max_length=COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=format_lazy(_("At most {limit} characters."), limit=COMMENT_MAX_LENGTH),
        error_messages={
            "required": _("Write your comment."),
            "max_length": TOO_LONG,
        },
    )
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput)

    field_order = ["body", "parent", HONEYPOT_FIELD]

    def __init__(self, *args, contribution, **kwargs):
        super().__init__(*args, **kwargs)
        self.contribution = contribution

    def clean_parent(self):
        """The published comment answered; a reply to a reply answers its top-level comment."""
        pk = self.cleaned_data.get("parent")
        if pk is None:
            return None
        parent = (
            Comment.objects.select_related("parent")
            .filter(pk=pk, contribution=self.contribution, status=CommentStatus.PUBLISHED)
            .first()
        )
        if parent is not None and parent.parent_id is not None:
            parent = parent.parent
            if parent.status != CommentStatus.PUBLISHED:
                parent = None
        if parent is None:
            raise forms.ValidationError(
                _("The comment you reply to is no longer available."), code="parent_gone"
            )
        return parent


class ReportForm(HoneypotFormMixin, forms.Form):
    reason = PlainTextField(
        label=_("What is wrong?"),
        max_length=REPORT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=format_lazy(
            _(
                "For example insults, personal information, advertising or a message off "
                "topic. At most {limit} characters. The author is not told who reported it."
            ),
            limit=REPORT_MAX_LENGTH,
        ),
        error_messages={
            "required": _("Tell the moderators what is wrong."),
            "max_length": TOO_LONG,
        },
    )

    field_order = ["reason", HONEYPOT_FIELD]
