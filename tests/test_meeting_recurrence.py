"""Occurrences of repeating meetings, month grids and month URL parts (recurrence.py)."""

from datetime import date, datetime, timedelta

import pytest
from dateutil import rrule as du_rrule
from django.test import override_settings

from wagtail_participation.meetings import recurrence
from wagtail_participation.meetings.models import (
    CommitteeCalendarPage,
    MeetingPage,
)

from .meeting_factories import PARIS, UTC, occurrence_change

pytestmark = pytest.mark.django_db


def meeting(start, end=None, frequency="", interval=1, until=None, changes=(), **fields):
    """An unsaved meeting page (the functions are pure: no database needed for the rule)."""
    page = MeetingPage(
        title=fields.pop("title", "Committee"),
        starts_at=start,
        ends_at=end or start + timedelta(hours=2),
        frequency=frequency,
        interval=interval,
        repeat_until=until,
        address="Town hall",
        **fields,
    )
    page.occurrence_changes = list(changes)
    return page


def first_tuesdays(**fields):
    """First Tuesday of every month, 18:30-20:30 Paris time, from 6 January until June 2026."""
    fields.setdefault("frequency", "monthly_weekday")
    return meeting(
        datetime(2026, 1, 6, 18, 30, tzinfo=PARIS),
        datetime(2026, 1, 6, 20, 30, tzinfo=PARIS),
        until=date(2026, 6, 30),
        **fields,
    )


def local(occurrence):
    return occurrence.start.astimezone(PARIS)


class TestMonthlyWeekday:
    def test_first_tuesday_of_each_month_until_june(self):
        found = recurrence.occurrences(first_tuesdays())
        assert [o.original_date for o in found] == [
            date(2026, 1, 6),
            date(2026, 2, 3),
            date(2026, 3, 3),
            date(2026, 4, 7),
            date(2026, 5, 5),
            date(2026, 6, 2),
        ]
        assert [o.index for o in found] == [0, 1, 2, 3, 4, 5]
        assert all(o.start.weekday() == 1 for o in found)

    def test_wall_clock_time_is_kept_across_the_daylight_saving_change(self):
        found = recurrence.occurrences(first_tuesdays())
        assert {(local(o).hour, local(o).minute) for o in found} == {(18, 30)}
        assert {(o.end.astimezone(PARIS).hour, o.end.minute) for o in found} == {(20, 30)}
        # Winter time until 29 March 2026, summer time after.
        offsets = [o.start.utcoffset() for o in found]
        assert offsets == [timedelta(hours=1)] * 3 + [timedelta(hours=2)] * 3
        assert found[2].start.isoformat() == "2026-03-03T18:30:00+01:00"
        assert found[3].start.isoformat() == "2026-04-07T18:30:00+02:00"
        assert found[3].start.astimezone(UTC).hour == 16
        assert all(o.end - o.start == timedelta(hours=2) for o in found)

    def test_the_until_day_is_included(self):
        page = first_tuesdays()
        page.repeat_until = date(2026, 6, 2)
        assert recurrence.occurrences(page)[-1].original_date == date(2026, 6, 2)
        page.repeat_until = date(2026, 6, 1)
        assert recurrence.occurrences(page)[-1].original_date == date(2026, 5, 5)

    def test_a_fifth_weekday_repeats_on_the_last_one(self):
        # Thursday 29 January 2026 is the fifth and last Thursday of January.
        page = meeting(
            datetime(2026, 1, 29, 19, 0, tzinfo=PARIS),
            frequency="monthly_weekday",
            until=date(2026, 5, 31),
        )
        assert recurrence.recurrence_spec(page).nth == -1
        assert recurrence.recurrence_spec(page).ical_byday == "-1TH"
        assert [o.original_date for o in recurrence.occurrences(page)] == [
            date(2026, 1, 29),
            date(2026, 2, 26),
            date(2026, 3, 26),
            date(2026, 4, 30),
            date(2026, 5, 28),
        ]

    def test_a_fourth_weekday_stays_the_fourth(self):
        # Tuesday 24 February 2026 is both the fourth and the last Tuesday of February.
        page = meeting(
            datetime(2026, 2, 24, 18, 0, tzinfo=PARIS),
            frequency="monthly_weekday",
            until=date(2026, 3, 31),
        )
        assert recurrence.recurrence_spec(page).ical_byday == "4TU"
        assert [o.original_date for o in recurrence.occurrences(page)] == [
            date(2026, 2, 24),
            date(2026, 3, 24),  # not the 31st, the last Tuesday of March
        ]

    def test_every_other_month(self):
        page = first_tuesdays(interval=2)
        assert [o.original_date for o in recurrence.occurrences(page)] == [
            date(2026, 1, 6),
            date(2026, 3, 3),
            date(2026, 5, 5),
        ]


class TestWeekly:
    def test_every_two_weeks(self):
        page = meeting(
            datetime(2026, 3, 11, 10, 0, tzinfo=PARIS),
            frequency="weekly",
            interval=2,
            until=date(2026, 4, 30),
        )
        found = recurrence.occurrences(page)
        assert [o.original_date for o in found] == [
            date(2026, 3, 11),
            date(2026, 3, 25),
            date(2026, 4, 8),
            date(2026, 4, 22),
        ]
        assert [local(o).hour for o in found] == [10, 10, 10, 10]
        assert [o.start.utcoffset().total_seconds() / 3600 for o in found] == [1, 1, 2, 2]

    def test_every_week_across_the_autumn_change(self):
        page = meeting(
            datetime(2026, 10, 18, 18, 30, tzinfo=PARIS),
            frequency="weekly",
            until=date(2026, 11, 1),
        )
        found = recurrence.occurrences(page)
        assert [o.start.isoformat() for o in found] == [
            "2026-10-18T18:30:00+02:00",
            "2026-10-25T18:30:00+01:00",
            "2026-11-01T18:30:00+01:00",
        ]
        assert [o.end - o.start for o in found] == [timedelta(hours=2)] * 3

    def test_rrule_yields_naive_local_times(self):
        page = meeting(
            datetime(2026, 3, 11, 9, 0, tzinfo=UTC),  # 10:00 in Paris
            frequency="weekly",
            until=date(2026, 3, 25),
        )
        rule = recurrence.rrule_for(page)
        assert isinstance(rule, du_rrule.rrule)
        assert list(rule) == [
            datetime(2026, 3, 11, 10, 0),
            datetime(2026, 3, 18, 10, 0),
            datetime(2026, 3, 25, 10, 0),
        ]


class TestMonthlyDay:
    def test_the_31st_skips_the_shorter_months(self):
        page = meeting(
            datetime(2026, 1, 31, 18, 0, tzinfo=PARIS),
            frequency="monthly_day",
            until=date(2026, 8, 31),
        )
        assert [o.original_date for o in recurrence.occurrences(page)] == [
            date(2026, 1, 31),
            date(2026, 3, 31),
            date(2026, 5, 31),
            date(2026, 7, 31),
            date(2026, 8, 31),
        ]

    def test_the_15th_of_every_third_month(self):
        page = meeting(
            datetime(2026, 1, 15, 18, 0, tzinfo=PARIS),
            frequency="monthly_day",
            interval=3,
            until=date(2026, 12, 31),
        )
        assert [o.original_date.month for o in recurrence.occurrences(page)] == [1, 4, 7, 10]


class TestSingleAndInvalidRules:
    def test_a_meeting_that_does_not_repeat_has_one_occurrence(self):
        start = datetime(2026, 3, 20, 18, 0, tzinfo=PARIS)
        page = meeting(start)
        assert recurrence.rrule_for(page) is None
        (only,) = recurrence.occurrences(page)
        assert (only.start, only.end, only.original_date) == (
            start,
            start + timedelta(hours=2),
            date(2026, 3, 20),
        )
        assert only.key == "2026-03-20"
        assert only.title == "Committee"
        assert not only.cancelled

    def test_a_repetition_without_an_end_does_not_repeat(self):
        page = first_tuesdays()
        page.repeat_until = None
        assert recurrence.rrule_for(page) is None
        assert len(recurrence.occurrences(page)) == 1

    def test_a_repetition_ending_before_it_starts_does_not_repeat(self):
        page = first_tuesdays()
        page.repeat_until = date(2025, 12, 31)
        assert len(recurrence.occurrences(page)) == 1

    def test_an_unknown_frequency_does_not_repeat(self):
        assert recurrence.rrule_for(first_tuesdays(frequency="yearly")) is None

    def test_the_time_zone_is_the_sites(self):
        # 18:30 in Paris is 17:30 UTC in winter: in a UTC site the rule repeats 17:30 UTC.
        with override_settings(TIME_ZONE="UTC"):
            found = recurrence.occurrences(first_tuesdays())
            assert {o.start.astimezone(UTC).hour for o in found} == {17}
        found = recurrence.occurrences(first_tuesdays())
        assert {o.start.astimezone(UTC).hour for o in found} == {17, 16}


class TestChanges:
    def test_a_cancelled_occurrence_and_a_note(self):
        page = first_tuesdays(
            changes=[
                occurrence_change(date(2026, 4, 7), True, "Room closed"),
                occurrence_change(date(2026, 5, 5), False, "Held at the library"),
                occurrence_change(date(2026, 5, 6)),  # not an occurrence
            ]
        )
        found = {o.original_date: o for o in recurrence.occurrences(page)}
        assert len(found) == 6
        assert found[date(2026, 4, 7)].cancelled
        assert found[date(2026, 4, 7)].note == "Room closed"
        assert found[date(2026, 4, 7)].changed
        assert not found[date(2026, 5, 5)].cancelled
        assert found[date(2026, 5, 5)].note == "Held at the library"
        assert not found[date(2026, 3, 3)].cancelled
        assert not found[date(2026, 3, 3)].changed
        assert found[date(2026, 3, 3)].note == ""

    def test_an_excluded_occurrence_is_left_out(self):
        page = first_tuesdays(
            changes=[
                occurrence_change(date(2026, 4, 7), "excluded"),
                occurrence_change(date(2026, 5, 5), "cancelled"),
                occurrence_change(date(2026, 5, 6), "excluded"),  # not an occurrence
            ]
        )
        found = recurrence.occurrences(page)
        assert [o.original_date for o in found] == [
            date(2026, 1, 6),
            date(2026, 2, 3),
            date(2026, 3, 3),
            date(2026, 5, 5),
            date(2026, 6, 2),
        ]
        assert [o.index for o in found] == [0, 1, 2, 4, 5]
        assert recurrence.occurrence_on(page, date(2026, 4, 7)) is None
        assert recurrence.excluded_starts(page) == [datetime(2026, 4, 7, 18, 30, tzinfo=PARIS)]
        april = recurrence.month_bounds(2026, 4)
        assert recurrence.occurrences_between([page], *april) == []

    def test_excluded_starts_of_a_meeting_that_does_not_repeat(self):
        page = meeting(
            datetime(2026, 3, 20, 18, 0, tzinfo=PARIS),
            changes=[occurrence_change(date(2026, 3, 20), "excluded")],
        )
        assert recurrence.excluded_starts(page) == []
        (only,) = recurrence.occurrences(page)  # kept: a single meeting cannot lose its date
        assert not only.cancelled

    def test_a_cancelled_meeting_cancels_every_occurrence(self):
        found = recurrence.occurrences(first_tuesdays(cancelled=True))
        assert len(found) == 6
        assert all(o.cancelled for o in found)

    def test_occurrence_on(self):
        page = first_tuesdays(changes=[occurrence_change(date(2026, 2, 3))])
        assert recurrence.occurrence_on(page, date(2026, 2, 3)).cancelled
        assert recurrence.occurrence_on(page, date(2026, 2, 4)) is None
        assert recurrence.occurrence_on(page, date(2026, 7, 7)) is None

    def test_a_change_to_a_meeting_that_does_not_repeat(self):
        page = meeting(
            datetime(2026, 3, 20, 18, 0, tzinfo=PARIS),
            changes=[occurrence_change(date(2026, 3, 20), False, "Bring a pen")],
        )
        assert recurrence.occurrences(page)[0].note == "Bring a pen"


class TestRanges:
    def test_occurrences_in_a_month(self):
        start, end = recurrence.month_bounds(2026, 4)
        assert start == datetime(2026, 4, 1, tzinfo=PARIS)
        assert end == datetime(2026, 5, 1, tzinfo=PARIS)
        found = recurrence.occurrences(first_tuesdays(), start, end)
        assert [o.original_date for o in found] == [date(2026, 4, 7)]
        assert found[0].index == 3

    def test_the_range_is_half_open_and_counts_overlaps(self):
        page = first_tuesdays()
        # An occurrence under way at the range's start is in it; one starting at its end is not.
        found = recurrence.occurrences(
            page,
            datetime(2026, 3, 3, 19, 0, tzinfo=PARIS),
            datetime(2026, 4, 7, 18, 30, tzinfo=PARIS),
        )
        assert [o.original_date for o in found] == [date(2026, 3, 3)]
        found = recurrence.occurrences(
            page,
            datetime(2026, 3, 3, 20, 30, tzinfo=PARIS),  # it has just ended
            datetime(2026, 4, 7, 18, 31, tzinfo=PARIS),
        )
        assert [o.original_date for o in found] == [date(2026, 4, 7)]

    def test_open_ended_ranges_and_dates(self):
        page = first_tuesdays()
        assert len(recurrence.occurrences(page, start=date(2026, 4, 1))) == 3
        assert len(recurrence.occurrences(page, end=date(2026, 4, 1))) == 3
        # A naive datetime is read in the site's zone.
        assert len(recurrence.occurrences(page, start=datetime(2026, 6, 2, 20, 29))) == 1
        assert recurrence.occurrences(page, start=date(2026, 7, 1)) == []
        with pytest.raises(TypeError):
            recurrence.occurrences(page, start="2026-04-01")

    def test_the_next_few_of_a_long_series(self):
        page = meeting(
            datetime(2026, 1, 5, 18, 0, tzinfo=PARIS),
            frequency="weekly",
            until=date(2999, 12, 31),
        )
        found = recurrence.occurrences(page, start=date(2026, 3, 15), limit=3)
        assert [o.original_date for o in found] == [
            date(2026, 3, 16),
            date(2026, 3, 23),
            date(2026, 3, 30),
        ]
        assert recurrence.occurrences(page, limit=0) == []

    def test_occurrences_between_many_meetings_by_start_then_title(self):
        tuesdays = first_tuesdays(title="B committee")
        same_time = first_tuesdays(title="A committee")
        weekly = meeting(
            datetime(2026, 3, 2, 9, 0, tzinfo=PARIS),
            title="Drop-in",
            frequency="weekly",
            until=date(2026, 12, 31),
        )
        start, end = recurrence.month_bounds(2026, 3)
        found = recurrence.occurrences_between([tuesdays, weekly, same_time], start, end)
        assert [(local(o).date().day, o.title) for o in found] == [
            (2, "Drop-in"),
            (3, "A committee"),
            (3, "B committee"),
            (9, "Drop-in"),
            (16, "Drop-in"),
            (23, "Drop-in"),
            (30, "Drop-in"),
        ]


class TestMonthGrid:
    def test_weeks_start_on_monday_and_hold_the_occurrences(self):
        start, end = recurrence.month_bounds(2026, 3)
        found = recurrence.occurrences_between([first_tuesdays()], start, end)
        weeks = recurrence.month_grid(2026, 3, found)
        # March 2026 starts on a Sunday: 6 weeks, from Monday 23 February to Sunday 5 April.
        assert len(weeks) == 6
        assert all(len(week) == 7 for week in weeks)
        assert weeks[0][0].date == date(2026, 2, 23)
        assert weeks[-1][-1].date == date(2026, 4, 5)
        assert {day.weekday for day in weeks[0]} == set(range(7))
        assert all(week[0].date.weekday() == 0 for week in weeks)
        assert not weeks[0][0].in_month
        assert weeks[0][6].in_month and weeks[0][6].date == date(2026, 3, 1)
        tuesday = weeks[1][1]
        assert tuesday.date == date(2026, 3, 3)
        assert [o.title for o in tuesday.occurrences] == ["Committee"]
        assert sum(len(day.occurrences) for week in weeks for day in week) == 1

    @pytest.mark.parametrize(
        ("year", "month", "count"),
        # February 2027 starts on a Monday and has 28 days: 4 weeks.
        [(2026, 4, 5), (2026, 2, 5), (2026, 3, 6), (2026, 6, 5), (2027, 2, 4), (2026, 8, 6)],
    )
    def test_four_to_six_weeks(self, year, month, count):
        weeks = recurrence.month_grid(year, month, [])
        assert len(weeks) == count
        days = [day for week in weeks for day in week if day.in_month]
        assert [d.date.day for d in days] == list(range(1, len(days) + 1))

    def test_weeks_may_start_on_sunday(self):
        weeks = recurrence.month_grid(2026, 3, [], first_weekday=6)
        assert weeks[0][0].date == date(2026, 3, 1)
        assert len(weeks) == 5

    def test_an_occurrence_is_on_its_local_day(self):
        # 23:30 in Paris on 31 March is 21:30 UTC: still the 31st.
        late = meeting(datetime(2026, 3, 31, 23, 30, tzinfo=PARIS), title="Late")
        weeks = recurrence.month_grid(2026, 3, recurrence.occurrences(late))
        (day,) = [d for week in weeks for d in week if d.occurrences]
        assert day.date == date(2026, 3, 31)


class TestMonthURLs:
    @pytest.mark.parametrize(
        ("year", "month", "expected"),
        [
            ("2026", "3", (2026, 3)),
            ("2026", "03", (2026, 3)),
            (1900, 1, (1900, 1)),
            (2999, 12, (2999, 12)),
        ],
    )
    def test_valid(self, year, month, expected):
        assert recurrence.parse_month(year, month) == expected

    @pytest.mark.parametrize(
        ("year", "month"),
        [
            (2026, 0),
            (2026, 13),
            ("2026", "00"),
            (1899, 12),
            (3000, 1),
            ("0", "1"),
            ("twenty", "1"),
            ("2026", "-1"),
            ("2026", " 3"),
            ("2026", "+3"),
            ("2026", "３"),  # a full-width digit
            (2026, None),
            (True, 1),
            (2026.0, 1),
        ],
    )
    def test_invalid(self, year, month):
        with pytest.raises(ValueError):
            recurrence.parse_month(year, month)

    def test_month_bounds_and_adjacent_months(self):
        assert recurrence.month_bounds(2026, 12) == (
            datetime(2026, 12, 1, tzinfo=PARIS),
            datetime(2027, 1, 1, tzinfo=PARIS),
        )
        assert recurrence.adjacent_months(2026, 1) == ((2025, 12), (2026, 2))
        assert recurrence.adjacent_months("2026", "12") == ((2026, 11), (2027, 1))
        assert recurrence.adjacent_months(1900, 1) == (None, (1900, 2))
        assert recurrence.adjacent_months(2999, 12) == ((2999, 11), None)
        with pytest.raises(ValueError):
            recurrence.month_bounds(2026, 13)
        with pytest.raises(ValueError):
            recurrence.month_grid(2026, 13, [])


class TestSavedPages:
    """The same rules on published pages, with the changes read from the database."""

    def test_published_meeting_with_prefetched_changes(self, root_page, django_assert_num_queries):
        calendar = root_page.add_child(
            instance=CommitteeCalendarPage(title="Calendar", slug="calendar")
        )
        page = first_tuesdays(title="Committee of the Meadows", slug="meadows")
        page.occurrence_changes = [occurrence_change(date(2026, 4, 7), True, "Room closed")]
        calendar.add_child(instance=page)
        page.save_revision().publish()
        with django_assert_num_queries(2):
            (fetched,) = MeetingPage.objects.live().prefetch_related("occurrence_changes")
        with django_assert_num_queries(0):
            found = recurrence.occurrences(fetched)
        assert [o.cancelled for o in found] == [False, False, False, True, False, False]
        assert found[0].start == datetime(2026, 1, 6, 18, 30, tzinfo=PARIS)
