"""Occurrences of meetings, computed from the rule stored on the page, never stored.

Pure functions on already-fetched ``MeetingPage`` instances: nothing here runs a query, provided
the caller prefetched ``occurrence_changes`` (``ical.public_meetings()`` does), so a month view
or a feed runs the same number of queries for 10 or 1 000 meetings.

Repetition happens in the wall-clock time of the site's time zone (``TIME_ZONE``): the rule is
expanded by ``dateutil.rrule`` on naive local datetimes, and each occurrence is then given the
zone, so a meeting at 18:30 stays at 18:30 after a daylight-saving change (its UTC offset moves
from +01:00 to +02:00 in Paris). The iCalendar feed (``ical.py``) writes the same rule, built
from the same ``recurrence_spec()``, so that calendar applications find the same occurrences.

Rules, as a meeting's editor sees them:

- **weekly**: the weekday of the first meeting, every ``interval`` weeks.
- **monthly_day**: the day of the month of the first meeting, every ``interval`` months. A month
  without that day (the 31st in April, the 30th in February) has no occurrence: the meeting is
  skipped, not moved to the last day of the month, as RFC 5545 does it.
- **monthly_weekday**: the same weekday, the same week of the month as the first meeting: the
  first Tuesday, the third Thursday... A first meeting on a fifth weekday (the 29th to the 31st)
  repeats on the *last* such weekday of each month, since most months have no fifth one. A first
  meeting on a fourth weekday stays on the fourth, even when it was also the last.
- The last occurrence is the last one starting on or before ``repeat_until`` (local date).
- An ``OccurrenceChange`` names an occurrence by the date the rule gives it: a cancelled one is
  kept, marked ``cancelled``; an excluded one is left out, as if the rule skipped it (a meeting
  that does not repeat keeps its only date: the page form refuses to exclude it).
- A meeting with a frequency but no ``repeat_until``, or a ``repeat_until`` before its first day
  (both refused by ``MeetingPage.clean()``), is treated as a meeting that does not repeat.

Occurrences keep the wall-clock duration of the first one. Seconds are kept, microseconds are
dropped (``dateutil`` and iCalendar both drop them), so ``Occurrence.start`` is the value to
store in ``Registration.occurrence_start``.
"""

import calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from dateutil import rrule as du_rrule
from django.utils import timezone

WEEKLY = "weekly"
MONTHLY_DAY = "monthly_day"
MONTHLY_WEEKDAY = "monthly_weekday"

MIN_YEAR = 1900
MAX_YEAR = 2999

_DU_WEEKDAYS = du_rrule.weekdays  # (MO, TU, ..., SU), Monday first like date.weekday()
ICAL_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def site_zone():
    """The site's time zone (``settings.TIME_ZONE``) as a ``zoneinfo.ZoneInfo``."""
    return timezone.get_default_timezone()


def _local_naive(value, zone):
    """An aware datetime as naive wall-clock time of ``zone``, without microseconds."""
    return value.astimezone(zone).replace(tzinfo=None, microsecond=0)


def _aware(naive, zone):
    """A naive wall-clock time of ``zone`` made aware.

    A time skipped by a daylight-saving change (02:30 on the last Sunday of March in Paris)
    becomes the same instant as the wall-clock time before the change (03:30 summer time).
    """
    return naive.replace(tzinfo=zone).astimezone(zone)


@dataclass(frozen=True)
class RecurrenceSpec:
    """What a meeting's repetition means, shared by ``rrule_for()`` and the iCalendar RRULE.

    ``nth`` is the week of the month for ``monthly_weekday`` (1 to 4, or -1 for the last).
    ``until`` is the local date of the last day an occurrence may start on.
    """

    frequency: str
    interval: int
    dtstart: datetime  # naive, local wall-clock time of the site's zone
    until: date
    weekday: int  # 0 = Monday
    monthday: int
    nth: int | None

    @property
    def until_local(self):
        """The end of the ``until`` day, naive local time."""
        return datetime.combine(self.until, time(23, 59, 59))

    @property
    def ical_byday(self):
        """BYDAY of the iCalendar rule: "TU" (weekly) or "1TU", "-1TU" (monthly_weekday)."""
        day = ICAL_WEEKDAYS[self.weekday]
        return day if self.nth is None else f"{self.nth}{day}"


def recurrence_spec(meeting):
    """The meeting's repetition as a ``RecurrenceSpec``, or None when it does not repeat."""
    frequency = meeting.frequency or ""
    if frequency not in (WEEKLY, MONTHLY_DAY, MONTHLY_WEEKDAY):
        return None
    zone = site_zone()
    dtstart = _local_naive(meeting.starts_at, zone)
    until = meeting.repeat_until
    if until is None or until < dtstart.date():
        return None
    nth = None
    if frequency == MONTHLY_WEEKDAY:
        nth = (dtstart.day - 1) // 7 + 1
        if nth == 5:
            nth = -1
    return RecurrenceSpec(
        frequency=frequency,
        interval=max(1, meeting.interval or 1),
        dtstart=dtstart,
        until=until,
        weekday=dtstart.weekday(),
        monthday=dtstart.day,
        nth=nth,
    )


def rrule_for(meeting):
    """A ``dateutil.rrule.rrule`` of the meeting's naive local starts; None if it does not repeat.

    The rule yields naive datetimes in the site's zone; ``occurrences()`` makes them aware.
    """
    spec = recurrence_spec(meeting)
    if spec is None:
        return None
    weekday = _DU_WEEKDAYS[spec.weekday]
    if spec.frequency == WEEKLY:
        return du_rrule.rrule(
            du_rrule.WEEKLY,
            dtstart=spec.dtstart,
            interval=spec.interval,
            byweekday=weekday,
            until=spec.until_local,
        )
    if spec.frequency == MONTHLY_DAY:
        return du_rrule.rrule(
            du_rrule.MONTHLY,
            dtstart=spec.dtstart,
            interval=spec.interval,
            bymonthday=spec.monthday,
            until=spec.until_local,
        )
    return du_rrule.rrule(
        du_rrule.MONTHLY,
        dtstart=spec.dtstart,
        interval=spec.interval,
        byweekday=weekday(spec.nth),
        until=spec.until_local,
    )


@dataclass(frozen=True)
class Occurrence:
    """One occurrence of a meeting.

    ``start`` and ``end`` are aware, in the site's zone. ``original_date`` is the local date the
    rule gives, the one an ``OccurrenceChange`` names. ``cancelled`` is true when the whole
    meeting or this occurrence is cancelled; ``note`` is the editors' note for this occurrence.
    ``index`` counts occurrences from 0, the first meeting.
    """

    meeting: object
    start: datetime
    end: datetime
    original_date: date
    index: int = 0
    cancelled: bool = False
    note: str = ""
    changed: bool = False

    @property
    def key(self):
        """Identifies the occurrence within its meeting, for URLs: "2026-03-03"."""
        return self.original_date.isoformat()

    @property
    def title(self):
        return self.meeting.title


def _changes_by_date(meeting):
    # .all() so that a prefetch_related("occurrence_changes") is used; works on unsaved pages.
    return {change.date: change for change in meeting.occurrence_changes.all()}


def _to_aware(value, zone, name):
    if value is None:
        return None
    if isinstance(value, datetime):
        return timezone.make_aware(value, zone) if timezone.is_naive(value) else value
    if isinstance(value, date):
        return datetime.combine(value, time.min, tzinfo=zone)
    raise TypeError(f"{name} must be a date or a datetime, not {type(value).__name__}")


def _local_starts(meeting, zone, rule):
    """The (index, naive local start) pairs of the meeting, lazily, in order."""
    if rule is None:
        yield 0, _local_naive(meeting.starts_at, zone)
        return
    yield from enumerate(rule)


def _duration(meeting, zone):
    """The wall-clock duration of the first meeting (18:30-20:30 is two hours, DST or not)."""
    duration = _local_naive(meeting.ends_at, zone) - _local_naive(meeting.starts_at, zone)
    if duration <= timedelta(0):  # a meeting ending in the hour repeated in October
        duration = meeting.ends_at - meeting.starts_at
    return duration


def first_span(meeting):
    """Aware ``(start, end)`` of the first occurrence, as the rule and the feed see it."""
    zone = site_zone()
    start = _local_naive(meeting.starts_at, zone)
    return _aware(start, zone), _aware(start + _duration(meeting, zone), zone)


def occurrences(meeting, start=None, end=None, limit=None):
    """The meeting's occurrences overlapping ``[start, end)``, in order, changes applied.

    ``start`` and ``end`` are aware datetimes (naive ones and dates are read in the site's
    zone); None leaves that side open. ``limit`` stops after that many occurrences: give it
    with an open end (the next few meetings), since a series may run for years.
    A meeting that does not repeat has one occurrence.
    Reads ``meeting.occurrence_changes.all()``: prefetch it for many meetings.
    """
    zone = site_zone()
    start = _to_aware(start, zone, "start")
    end = _to_aware(end, zone, "end")
    duration = _duration(meeting, zone)
    # The rule runs on naive local times: look a little wider, then compare aware instants.
    margin = max(duration, timedelta(0)) + timedelta(days=1)
    low = _local_naive(start, zone) - margin if start is not None else None
    high = _local_naive(end, zone) + timedelta(days=1) if end is not None else None
    changes = None
    result = []
    rule = rrule_for(meeting)
    for index, local_start in _local_starts(meeting, zone, rule):
        if limit is not None and len(result) >= limit:
            break
        if high is not None and local_start > high:
            break
        if low is not None and local_start < low:
            continue
        occurrence_start = _aware(local_start, zone)
        occurrence_end = _aware(local_start + duration, zone)
        if start is not None and occurrence_end <= start:
            continue
        if end is not None and occurrence_start >= end:
            continue
        if changes is None:
            changes = _changes_by_date(meeting)
        change = changes.get(local_start.date())
        # Only a series can leave a date out: a single meeting keeps its only date.
        if change is not None and change.excluded and rule is not None:
            continue
        result.append(
            Occurrence(
                meeting=meeting,
                start=occurrence_start,
                end=occurrence_end,
                original_date=local_start.date(),
                index=index,
                cancelled=bool(meeting.cancelled or (change is not None and change.cancelled)),
                note=change.note if change is not None else "",
                changed=change is not None,
            )
        )
    return result


def excluded_starts(meeting):
    """Aware starts of the occurrences editors left out of the series (EXDATE), in order.

    A change naming a date the rule never reaches excludes nothing.
    """
    rule = rrule_for(meeting)
    if rule is None:
        return []
    zone = site_zone()
    starts = []
    for change in _changes_by_date(meeting).values():
        if not change.excluded:
            continue
        day_start = datetime.combine(change.date, time.min)
        for local_start in rule.between(day_start, day_start + timedelta(days=1), inc=True):
            if local_start.date() == change.date:
                starts.append(_aware(local_start, zone))
    return sorted(starts)


def occurrence_on(meeting, day):
    """The meeting's occurrence whose original local date is ``day``, or None."""
    zone = site_zone()
    low = datetime.combine(day, time.min, tzinfo=zone)
    for occurrence in occurrences(meeting, low, low + timedelta(days=2)):
        if occurrence.original_date == day:
            return occurrence
    return None


def sort_key(occurrence):
    return (occurrence.start, occurrence.meeting.title, occurrence.meeting.pk or 0)


def occurrences_between(meetings, start, end):
    """Occurrences of all ``meetings`` overlapping ``[start, end)``, by start, then title."""
    found = []
    for meeting in meetings:
        found.extend(occurrences(meeting, start, end))
    found.sort(key=sort_key)
    return found


def parse_month(year, month):
    """``(year, month)`` as integers from URL parts; ValueError unless 1900-2999 and 1-12."""

    def as_int(value, name):
        if isinstance(value, bool):
            raise ValueError(f"{name} must be a number")
        if isinstance(value, str):
            if not (value.isascii() and value.isdigit()):
                raise ValueError(f"{name} must be a number: {value!r}")
            return int(value)
        if isinstance(value, int):
            return value
        raise ValueError(f"{name} must be a number: {value!r}")

    year = as_int(year, "year")
    month = as_int(month, "month")
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValueError(f"year out of range {MIN_YEAR}-{MAX_YEAR}: {year}")
    if not 1 <= month <= 12:
        raise ValueError(f"month out of range 1-12: {month}")
    return year, month


def month_bounds(year, month):
    """The aware local midnights starting the month and the next one: ``[start, end)``."""
    year, month = parse_month(year, month)
    zone = site_zone()
    next_year, next_month = (year + 1, 1) if month == 12 else (year, month + 1)
    return (
        datetime(year, month, 1, tzinfo=zone),
        datetime(next_year, next_month, 1, tzinfo=zone),
    )


def adjacent_months(year, month):
    """``((year, month) before, (year, month) after)``; None for a side out of range."""
    year, month = parse_month(year, month)
    previous = (year - 1, 12) if month == 1 else (year, month - 1)
    following = (year + 1, 1) if month == 12 else (year, month + 1)
    return (
        previous if previous[0] >= MIN_YEAR else None,
        following if following[0] <= MAX_YEAR else None,
    )


@dataclass(frozen=True)
class GridDay:
    """A day cell of a month view: its date, whether it is in the month, its occurrences."""

    date: date
    in_month: bool
    occurrences: tuple

    @property
    def weekday(self):
        return self.date.weekday()


def month_grid(year, month, occurrences, first_weekday=0):
    """The weeks of a month view: lists of seven ``GridDay``, from ``first_weekday`` (0 Monday).

    Whole weeks, so the first and last may hold days of the neighbouring months (``in_month``
    false), which still show their occurrences. 4 to 6 weeks. An occurrence is listed on the
    local day it starts; each day's occurrences stay in the order given (pass them sorted, as
    ``occurrences_between()`` returns them).
    """
    year, month = parse_month(year, month)
    zone = site_zone()
    by_day = {}
    for occurrence in occurrences:
        by_day.setdefault(occurrence.start.astimezone(zone).date(), []).append(occurrence)
    weeks = calendar.Calendar(first_weekday).monthdatescalendar(year, month)
    return [
        [
            GridDay(date=day, in_month=day.month == month, occurrences=tuple(by_day.get(day, ())))
            for day in week
        ]
        for week in weeks
    ]
