"""Filters and sorting of a participatory budget's public projects."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _
from taggit.models import Tag

from wagtail_participation.filters import sort_filter, theme_filter

from .models import BudgetEnvelope, BudgetProject, BudgetProjectTheme, ProjectStatus

SORT_TITLE = "title"
SORT_COST_LOW = "cost"
SORT_COST_HIGH = "-cost"
SORT_RECENT = "recent"
SORT_RANDOM = "random"
SORT_VOTES = "votes"
SORT_CHOICES = [
    (SORT_TITLE, _("Title (A to Z)")),
    (SORT_COST_LOW, _("Lowest cost first")),
    (SORT_COST_HIGH, _("Highest cost first")),
    (SORT_RECENT, _("Most recent first")),
    (SORT_RANDOM, _("Random order")),
]
SORT_VOTES_CHOICE = (SORT_VOTES, _("Most votes first"))


class ProjectFilterSet(django_filters.FilterSet):
    """Filter a queryset of the public projects of ``page``; ``sort`` is read by the view.

    A filter is offered only when it gives residents a real choice (two envelopes or more,
    themes in use, two statuses or more), and its options are the ones public projects use.
    """

    envelope = django_filters.ModelChoiceFilter(
        label=_("Envelope"),
        queryset=BudgetEnvelope.objects.none(),
        empty_label=_("All envelopes"),
        method="filter_envelope",
    )
    theme = theme_filter()
    status = django_filters.ChoiceFilter(
        label=_("Status"),
        choices=[],
        empty_label=_("All statuses"),
        method="filter_status",
    )
    sort = sort_filter(SORT_CHOICES)

    class Meta:
        model = BudgetProject
        fields = []

    def __init__(self, data=None, queryset=None, *, page, results_published=False, **kwargs):
        super().__init__(data, queryset, **kwargs)
        self.page = page
        envelopes = page.envelope_list if page.pk else []
        if len(envelopes) > 1:
            self.filters["envelope"].queryset = BudgetEnvelope.objects.filter(
                pk__in=[e.pk for e in envelopes]
            ).select_related("neighbourhood")
        else:
            del self.filters["envelope"]

        # Only tags of public projects: a fresh submission's themes must not leak out.
        themes = list(
            Tag.objects.filter(
                pk__in=BudgetProjectTheme.objects.filter(
                    content_object__in=self.queryset.order_by().values("pk")
                ).values("tag_id")
            ).order_by("name")
        )
        if themes:
            self.filters["theme"].queryset = Tag.objects.filter(pk__in=[t.pk for t in themes])
        else:
            del self.filters["theme"]

        used = set(self.queryset.order_by().values_list("status", flat=True).distinct())
        statuses = [(value, label) for value, label in ProjectStatus.choices if value in used]
        if len(statuses) > 1:
            self.filters["status"].extra["choices"] = statuses
        else:
            del self.filters["status"]

        self.default_sort = SORT_VOTES if results_published else SORT_TITLE
        sort_choices = list(SORT_CHOICES)
        if results_published:
            sort_choices.insert(0, SORT_VOTES_CHOICE)
        self.filters["sort"].extra["choices"] = sort_choices

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
        return value if value in allowed else self.default_sort

    @property
    def filters_applied(self):
        return self.is_bound and any(self.data.get(name) for name in self.filters if name != "sort")

    def filter_envelope(self, queryset, name, value):
        return queryset.filter(envelope=value)

    def filter_theme(self, queryset, name, value):
        return queryset.filter(
            pk__in=BudgetProjectTheme.objects.filter(tag=value).values("content_object_id")
        )

    def filter_status(self, queryset, name, value):
        return queryset.filter(status=value)
