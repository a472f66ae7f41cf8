"""Filters and sorting of a consultation's published contributions."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _
from taggit.models import Tag

from wagtail_participation.filters import neighbourhood_filter, sort_filter, theme_filter
from wagtail_participation.models import Neighbourhood

from .models import AnswerStatus, Contribution, ContributionTheme

# The filter value for "no official answer yet" (the stored value is the empty string).
NO_ANSWER = "none"

SORT_RECENT = "recent"
SORT_SUPPORTED = "supported"
SORT_RANDOM = "random"
SORT_CHOICES = [
    (SORT_RECENT, _("Most recent first")),
    (SORT_SUPPORTED, _("Most supported first")),
    (SORT_RANDOM, _("Random order")),
]


def answer_choices():
    return [(NO_ANSWER, _("No answer yet"))] + [
        (value, label) for value, label in AnswerStatus.choices if value
    ]


class ContributionFilterSet(django_filters.FilterSet):
    """Filter a queryset of published contributions of ``page``; ``sort`` is read by the view."""

    theme = theme_filter()
    neighbourhood = neighbourhood_filter()
    answer = django_filters.ChoiceFilter(
        label=_("Official answer"),
        choices=answer_choices,
        empty_label=_("All contributions"),
        method="filter_answer",
    )
    sort = sort_filter(SORT_CHOICES)

    class Meta:
        model = Contribution
        fields = []

    def __init__(self, data=None, queryset=None, *, page, themes=None, **kwargs):
        super().__init__(data, queryset, **kwargs)
        self.page = page
        themes = list(page.theme_tags()) if themes is None else list(themes)
        if themes:
            self.filters["theme"].queryset = Tag.objects.filter(
                pk__in=[tag.pk for tag in themes]
            ).order_by("name")
        else:
            del self.filters["theme"]
        # Only neighbourhoods that published contributions mention: no filter leads to nothing.
        self.filters["neighbourhood"].queryset = Neighbourhood.objects.filter(
            pk__in=self.queryset.order_by().values("neighbourhood_id")
        ).order_by("name")
        if not page.supports_enabled:
            self.filters["sort"].extra["choices"] = [
                choice for choice in SORT_CHOICES if choice[0] != SORT_SUPPORTED
            ]
        for field in self.form.fields.values():
            if isinstance(field.widget, forms.Select):
                field.widget.attrs.setdefault("class", "participation-filter")

    @property
    def sort_value(self):
        allowed = {value for value, _label in self.filters["sort"].extra["choices"]}
        value = ""
        if self.is_bound:
            self.form.is_valid()
            value = self.form.cleaned_data.get("sort") or ""
        return value if value in allowed else SORT_RECENT

    @property
    def filters_applied(self):
        return self.is_bound and any(self.data.get(name) for name in self.filters if name != "sort")

    def filter_theme(self, queryset, name, value):
        return queryset.filter(
            pk__in=ContributionTheme.objects.filter(tag=value).values("content_object_id")
        )

    def filter_neighbourhood(self, queryset, name, value):
        return queryset.filter(neighbourhood=value)

    def filter_answer(self, queryset, name, value):
        if value == NO_ANSWER:
            return queryset.filter(answer_status=AnswerStatus.NONE)
        return queryset.filter(answer_status=value)
