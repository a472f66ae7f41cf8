from functools import reduce
from operator import or_

import django_filters
from django import forms
from django.db.models import Q
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from taggit.models import Tag
from wagtail.models import Locale, Page, get_page_models

from .models import Neighbourhood, ParticipatoryProcessMixin, ProcessTheme
from .status import ProcessStatus


def participatory_page_models():
    """Every concrete page model that implements the process interface."""
    return [
        model
        for model in get_page_models()
        if issubclass(model, ParticipatoryProcessMixin) and not model._meta.abstract
    ]


def kind_choices():
    return [
        (model.participation_kind(), capfirst(model.participation_kind_label()))
        for model in participatory_page_models()
    ]


def neighbourhood_filter(method="filter_neighbourhood"):
    """A neighbourhood select by slug; its queryset is set when the filter set is built."""
    return django_filters.ModelChoiceFilter(
        label=_("Neighbourhood"),
        queryset=Neighbourhood.objects.none(),
        to_field_name="slug",
        empty_label=_("All neighbourhoods"),
        method=method,
    )


def theme_filter(method="filter_theme"):
    """A theme (tag) select by slug; its queryset is set when the filter set is built."""
    return django_filters.ModelChoiceFilter(
        label=_("Theme"),
        queryset=Tag.objects.none(),
        to_field_name="slug",
        empty_label=_("All themes"),
        method=method,
    )


def _keep_queryset(queryset, name, value):
    return queryset


def sort_filter(choices):
    """A sort select the view reads itself: it validates the value and filters nothing."""
    return django_filters.ChoiceFilter(
        label=_("Sort"), choices=choices, empty_label=None, method=_keep_queryset
    )


class ParticipationFilterSet(django_filters.FilterSet):
    """Filters for a participation index. The queryset is of ``Page`` rows, of any type."""

    status = django_filters.ChoiceFilter(
        label=_("Status"),
        choices=ProcessStatus.choices,
        empty_label=_("All statuses"),
        method="filter_status",
    )
    neighbourhood = neighbourhood_filter()
    theme = theme_filter()
    kind = django_filters.ChoiceFilter(
        label=_("Kind of process"),
        choices=[],
        empty_label=_("All kinds"),
        method="filter_kind",
    )

    class Meta:
        model = Page
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["neighbourhood"].queryset = Neighbourhood.objects.filter(
            locale=Locale.get_active()
        )
        # Only themes of the pages listed here: a draft's themes must not leak out.
        self.filters["theme"].queryset = Tag.objects.filter(
            pk__in=ProcessTheme.objects.filter(
                content_object__in=self.queryset.values("pk")
            ).values("tag_id")
        ).order_by("name")
        self.filters["kind"].extra["choices"] = kind_choices()
        for field in self.form.fields.values():
            if isinstance(field.widget, forms.Select):
                field.widget.attrs.setdefault("class", "participation-filter")

    def filter_status(self, queryset, name, value):
        return queryset.filter(participation_status=value)

    def filter_neighbourhood(self, queryset, name, value):
        matches = [
            Q(pk__in=model.objects.filter(neighbourhoods=value).values("pk"))
            for model in participatory_page_models()
        ]
        return queryset.filter(reduce(or_, matches)) if matches else queryset.none()

    def filter_theme(self, queryset, name, value):
        return queryset.filter(participation_theme_items__tag=value).distinct()

    def filter_kind(self, queryset, name, value):
        for model in participatory_page_models():
            if model.participation_kind() == value:
                return queryset.type(model)
        return queryset.none()
