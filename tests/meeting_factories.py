"""Calendars and meetings for the meetings tests, published as an editor would."""

import itertools
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from wagtail.models import Page

from wagtail_participation.meetings.models import (
    CommitteeCalendarPage,
    MeetingPage,
    OccurrenceChange,
)

PARIS = ZoneInfo("Europe/Paris")
UTC = ZoneInfo("UTC")
# 20 March 2026, 18:30 in Paris: a Friday, after the tests' frozen "now" (conftest.NOW).
FIRST = datetime(2026, 3, 20, 18, 30, tzinfo=PARIS)

_slugs = itertools.count(1)


def make_calendar(parent, title="Committees", slug=None, **fields):
    return parent.add_child(
        instance=CommitteeCalendarPage(
            title=title, slug=slug or f"committees-{next(_slugs)}", **fields
        )
    )


def occurrence_change(day, status=True, note=""):
    """``status``: True for cancelled, False for held (a note), or an ``OccurrenceStatus``."""
    if status is True:
        status = "cancelled"
    elif status is False:
        status = "held"
    return OccurrenceChange(date=day, status=status, note=note)


def add_meeting(parent, title="Committee", start=FIRST, hours=2, changes=(), live=True, **fields):
    """A meeting under ``parent``, saved with a revision and published unless ``live=False``.

    ``changes``: ``(date, status, note)`` or ``(date, status)`` tuples, see
    ``occurrence_change()``.
    """
    fields.setdefault("address", "Town hall, 1 place de la Mairie")
    page = MeetingPage(
        title=title,
        slug=f"meeting-{next(_slugs)}",
        starts_at=start,
        ends_at=start + timedelta(hours=hours),
        **fields,
    )
    page.occurrence_changes = [occurrence_change(*change) for change in changes]
    page.live = live
    parent.add_child(instance=page)
    revision = page.save_revision()
    if live:
        revision.publish()
    return MeetingPage.objects.get(pk=page.pk)


def first_tuesdays(parent, **fields):
    """First Tuesday of every month, 18:30-20:30 Paris time, from 6 January until June 2026."""
    fields.setdefault("title", "Committee of the Meadows")
    return add_meeting(
        parent,
        start=datetime(2026, 1, 6, 18, 30, tzinfo=PARIS),
        frequency="monthly_weekday",
        repeat_until=date(2026, 6, 30),
        **fields,
    )


def bulk_meetings(parent, specs):
    """Live meetings under ``parent``, many at once: one insert per table row, no revision.

    ``specs``: dicts of ``MeetingPage`` fields (``title``, ``starts_at``, ``ends_at``...) plus
    an optional ``changes`` list as for ``add_meeting()``. Builds what ``add_child()`` and a
    publication would store for a page (tree path, URL path, live), as fast as a test with a
    thousand meetings needs; use ``add_meeting()`` wherever revisions matter.
    """
    parent = Page.objects.get(pk=parent.pk)
    last_child = parent.get_last_child()
    step = MeetingPage.steplen
    next_step = int(last_child.path[-step:], 36) + 1 if last_child else 1
    meetings = []
    for offset, spec in enumerate(specs):
        spec = dict(spec)
        changes = spec.pop("changes", ())
        spec.setdefault("address", "Town hall, 1 place de la Mairie")
        slug = f"meeting-{next(_slugs)}"
        meeting = MeetingPage(
            slug=slug,
            path=MeetingPage._get_path(parent.path, parent.depth + 1, next_step + offset),
            depth=parent.depth + 1,
            numchild=0,
            url_path=f"{parent.url_path}{slug}/",
            live=True,
            has_unpublished_changes=False,
            first_published_at=spec["starts_at"],
            last_published_at=spec["starts_at"],
            locale_id=parent.locale_id,
            **spec,
        )
        meeting.save_base()
        rows = [occurrence_change(*change) for change in changes]
        for row in rows:
            row.meeting = meeting
        OccurrenceChange.objects.bulk_create(rows)
        meetings.append(meeting)
    Page.objects.filter(pk=parent.pk).update(numchild=parent.numchild + len(meetings))
    return meetings
