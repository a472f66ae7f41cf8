"""Filters of a committee calendar's meetings: neighbourhood, kind and committee.

The same filter set serves the upcoming list, the month view, the past list and the
``calendar.ics`` feed, read from the query string (``?neighbourhood=centre&kind=cafe_debat``).
Options are built from the calendar's own public content, in a fixed number of queries, and a
value that is not one of them makes the filter set invalid: views then show an empty, valid
result (never a 500, never every meeting as if no filter had been asked for).
"""

import django_filters
from django import forms
from django.db.models.functions import Length, Substr
from django.utils.translation import gettext_lazy as _

from .models import CommitteeCalendarPage, MeetingKind


def calendars_under(calendar):
    """The calendar and the live, public committee calendars nested under it."""
    return (
        CommitteeCalendarPage.objects.descendant_of(calendar, inclusive=True)
        .live()
        .public()
        .order_by("path")
    )


class MeetingFilterSet(django_filters.FilterSet):
    """Filter a queryset of ``MeetingPage`` descendants of ``calendar``.

    - ``neighbourhood``: the slug of a neighbourhood of the meeting's committee calendar;
    - ``kind``: a ``MeetingKind`` value;
    - ``committee``: the id of the calendar (this one or a nested one) the meeting is under.

    A filter is offered only when it gives a real choice.
    """

    neighbourhood = django_filters.ChoiceFilter(
        label=_("Neighbourhood"),
        choices=[],
        empty_label=_("All neighbourhoods"),
        method="filter_neighbourhood",
    )
    kind = django_filters.ChoiceFilter(
        label=_("Kind of meeting"),
        choices=MeetingKind.choices,
        empty_label=_("All kinds"),
        method="filter_kind",
    )
    committee = django_filters.ChoiceFilter(
        label=_("Committee"),
        choices=[],
        empty_label=_("All committees"),
        method="filter_committee",
    )

    class Meta:
        model = CommitteeCalendarPage  # any model: the queryset given is of meetings
        fields = []

    def __init__(self, data=None, queryset=None, *, calendar, **kwargs):
        super().__init__(data, queryset, **kwargs)
        self.calendar = calendar
        self.calendars = list(calendars_under(calendar)) if calendar.pk else []

        committee_choices = [
            (str(page.pk), page.committee_name or page.title) for page in self.calendars
        ]
        if len(committee_choices) > 1:
            self.filters["committee"].extra["choices"] = committee_choices
        else:
            del self.filters["committee"]

        neighbourhoods = {}
        self.calendar_slugs = {}
        if self.calendars:
            through = CommitteeCalendarPage.neighbourhoods.through
            rows = (
                through.objects.filter(
                    committeecalendarpage_id__in=[page.pk for page in self.calendars]
                )
                .order_by("neighbourhood__name")
                .values_list(
                    "committeecalendarpage_id", "neighbourhood__slug", "neighbourhood__name"
                )
            )
            for calendar_id, slug, label in rows:
                neighbourhoods.setdefault(slug, label)
                self.calendar_slugs.setdefault(calendar_id, set()).add(slug)
        if neighbourhoods:
            self.filters["neighbourhood"].extra["choices"] = list(neighbourhoods.items())
        else:
            del self.filters["neighbourhood"]

        for field in self.form.fields.values():
            if isinstance(field.widget, forms.Select):
                field.widget.attrs.setdefault("class", "participation-filter")

    @property
    def filters_applied(self):
        return self.is_bound and any(self.data.get(name) for name in self.filters)

    @property
    def meetings(self):
        """The filtered meetings, or none at all when a value in the URL is not valid."""
        if self.is_bound and not self.is_valid():
            return self.queryset.none()
        return self.qs

    def filter_neighbourhood(self, queryset, name, value):
        step = CommitteeCalendarPage.steplen
        calendar_paths = [
            page.path for page in self.calendars if value in self.calendar_slugs.get(page.pk, ())
        ]
        if not calendar_paths:
            return queryset.none()
        return queryset.annotate(parent_path=Substr("path", 1, Length("path") - step)).filter(
            parent_path__in=calendar_paths
        )

    def filter_kind(self, queryset, name, value):
        return queryset.filter(kind=value)

    def filter_committee(self, queryset, name, value):
        for page in self.calendars:
            if str(page.pk) == value:
                return queryset.filter(path__startswith=page.path)
        return queryset.none()
