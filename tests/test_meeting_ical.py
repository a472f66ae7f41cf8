"""iCalendar feeds of meetings (ical.py), parsed by icalendar, expanded by recurring-ical-events."""

from datetime import date, datetime, timedelta

import pytest
import recurring_ical_events
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from icalendar import Calendar
from wagtail.models import PageViewRestriction

from wagtail_participation.meetings import ical, recurrence
from wagtail_participation.meetings.models import (
    CommitteeCalendarPage,
    MeetingPage,
)

from .meeting_factories import PARIS, UTC, add_meeting, first_tuesdays, make_calendar

pytestmark = pytest.mark.django_db


@pytest.fixture
def calendar_page(root_page):
    return make_calendar(root_page, slug="committees")


@pytest.fixture
def request_():
    return RequestFactory().get("/committees/calendar.ics", HTTP_HOST="localhost")


def feed(request, queryset=None, name="Committees"):
    meetings = list(ical.public_meetings(queryset).order_by("path"))
    return ical.calendar_feed(meetings, name, lambda m: m.get_full_url(request))


def parse(data):
    return Calendar.from_ical(data)


def expand(data, start=date(2026, 1, 1), end=date(2027, 1, 1)):
    events = recurring_ical_events.of(parse(data)).between(start, end)
    return sorted(events, key=lambda e: (e.start, str(e["SUMMARY"])))


def events_of(data):
    return parse(data).walk("VEVENT")


class TestExpansionMatchesTheSite:
    def test_first_tuesdays_across_the_spring_change(self, calendar_page, request_, frozen_now):
        page = first_tuesdays(calendar_page)
        found = expand(feed(request_))
        assert [e.start.astimezone(PARIS).isoformat() for e in found] == [
            "2026-01-06T18:30:00+01:00",
            "2026-02-03T18:30:00+01:00",
            "2026-03-03T18:30:00+01:00",
            "2026-04-07T18:30:00+02:00",
            "2026-05-05T18:30:00+02:00",
            "2026-06-02T18:30:00+02:00",
        ]
        assert [e.end - e.start for e in found] == [timedelta(hours=2)] * 6
        assert [e.start for e in found] == [o.start for o in recurrence.occurrences(page)]
        assert {e["DTSTART"].params["TZID"] for e in found} == {"Europe/Paris"}

    def test_every_meeting_kind_of_rule(self, calendar_page, request_, frozen_now):
        first_tuesdays(
            calendar_page,
            changes=[
                (date(2026, 4, 7), True, "Room closed"),
                (date(2026, 5, 5), False, "Held at the library"),
                (date(2026, 5, 6), True, ""),  # not an occurrence: ignored
            ],
        )
        add_meeting(
            calendar_page,
            title="Drop-in hours",
            kind="drop_in",
            start=datetime(2026, 3, 11, 10, 0, tzinfo=PARIS),
            frequency="weekly",
            interval=2,
            repeat_until=date(2026, 11, 30),
            changes=[(date(2026, 3, 25), True, "")],
        )
        add_meeting(
            calendar_page,
            title="Budget café",
            kind="cafe_debat",
            start=datetime(2026, 1, 31, 19, 0, tzinfo=PARIS),
            frequency="monthly_day",
            repeat_until=date(2026, 12, 31),
        )
        add_meeting(
            calendar_page,
            title="Autumn walk",
            kind="walk",
            start=datetime(2026, 10, 24, 23, 0, tzinfo=PARIS),
            hours=4,  # over the night the clocks go back
        )
        add_meeting(
            calendar_page,
            title="Cancelled series",
            start=datetime(2026, 9, 1, 18, 0, tzinfo=PARIS),
            frequency="weekly",
            repeat_until=date(2026, 9, 22),
            cancelled=True,
        )
        data = feed(request_)
        low = datetime(2026, 1, 1, tzinfo=PARIS)
        high = datetime(2027, 1, 1, tzinfo=PARIS)
        expected = recurrence.occurrences_between(ical.public_meetings(), low, high)
        found = expand(data, low, high)

        def uid(meeting):
            return f"meeting-{meeting.pk}@localhost"

        assert [(str(e["UID"]), e.start, e.end, e.get("STATUS") == "CANCELLED") for e in found] == [
            (uid(o.meeting), o.start, o.end, o.cancelled) for o in expected
        ]
        assert len(found) == 6 + 19 + 7 + 1 + 4
        # Wall-clock times in Paris, whatever the season.
        assert {
            (e.start.astimezone(PARIS).hour, e.start.astimezone(PARIS).minute) for e in found
        } == {(18, 30), (10, 0), (19, 0), (23, 0), (18, 0)}
        offsets = {e.start.astimezone(PARIS).utcoffset() for e in found}
        assert offsets == {timedelta(hours=1), timedelta(hours=2)}

        by_date = {(str(e["SUMMARY"]), e.start.date()): e for e in found}
        cancelled = by_date[
            ("Cancelled: Committee of the Meadows (Neighbourhood committee)", date(2026, 4, 7))
        ]
        assert cancelled["STATUS"] == "CANCELLED"
        assert str(cancelled["DESCRIPTION"]).startswith("Room closed\n\n")
        noted = by_date[("Committee of the Meadows (Neighbourhood committee)", date(2026, 5, 5))]
        assert noted["STATUS"] == "CONFIRMED"
        assert str(noted["DESCRIPTION"]).startswith("Held at the library\n\n")
        walk = by_date[("Autumn walk (Exploratory walk)", date(2026, 10, 24))]
        assert walk.end.astimezone(PARIS) == datetime(2026, 10, 25, 3, 0, tzinfo=PARIS)

    def test_the_rule_is_rfc_5545(self, calendar_page, request_, frozen_now):
        first_tuesdays(calendar_page, changes=[(date(2026, 4, 7), True, "")])
        data = feed(request_)
        assert b"RRULE:FREQ=MONTHLY;UNTIL=20260630T215959Z;BYDAY=1TU\r\n" in data
        assert b"DTSTART;TZID=Europe/Paris:20260106T183000\r\n" in data
        assert b"RECURRENCE-ID;TZID=Europe/Paris:20260407T183000\r\n" in data
        assert b"EXDATE" not in data
        master, override = events_of(data)
        assert "RECURRENCE-ID" not in master
        assert master["UID"] == override["UID"]
        assert override["STATUS"] == "CANCELLED"


class TestCalendar:
    def test_headers_and_time_zone(self, calendar_page, request_, frozen_now):
        first_tuesdays(calendar_page)
        cal = parse(feed(request_, name="Committees, Meadows"))
        assert cal["VERSION"] == "2.0"
        assert cal["PRODID"] == ical.PRODID
        assert cal["X-WR-CALNAME"].to_ical() == b"Committees\\, Meadows"  # escaped text
        assert cal["X-WR-TIMEZONE"] == "Europe/Paris"
        assert b"X-PUBLISHED-TTL:PT1H\r\n" in cal.to_ical()
        assert b"REFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n" in cal.to_ical()
        (zone,) = cal.walk("VTIMEZONE")
        assert zone["TZID"] == "Europe/Paris"
        offsets = {str(sub["TZNAME"]): sub["TZOFFSETTO"].td for sub in zone.subcomponents}
        assert offsets == {"CET": timedelta(hours=1), "CEST": timedelta(hours=2)}
        assert cal.get_missing_tzids() == set()
        # The time zone comes before the events that use it.
        assert [c.name for c in cal.subcomponents] == ["VTIMEZONE", "VEVENT"]

    def test_line_breaks_in_names_add_no_property(self, calendar_page, request_, frozen_now):
        title = "Café\r\nX-INJECTED:1"
        meeting = add_meeting(calendar_page, title=title, address="Hall\r\nX-INJECTED:2")
        for content in (
            ical.meeting_ics(meeting, meeting.get_full_url(request_)),
            ical.calendar_feed([meeting], title, lambda m: "", description=title),
        ):
            cal = parse(content)
            assert not [c for c in cal.walk() if "X-INJECTED" in c]
            assert b"\r\nX-INJECTED" not in content

    def test_an_empty_calendar_is_valid(self, frozen_now):
        cal = parse(ical.calendar_feed([], "Nothing yet", lambda m: ""))
        assert cal.walk("VEVENT") == []
        assert [z["TZID"] for z in cal.walk("VTIMEZONE")] == ["Europe/Paris"]

    def test_uids_are_stable(self, calendar_page, request_, frozen_now):
        one = first_tuesdays(calendar_page, changes=[(date(2026, 2, 3), False, "Note")])
        two = add_meeting(calendar_page, title="Café")
        first = feed(request_)
        second = feed(request_)
        assert first == second
        uids = [str(e["UID"]) for e in events_of(first)]
        assert uids == [
            f"meeting-{one.pk}@localhost",
            f"meeting-{one.pk}@localhost",  # the changed occurrence
            f"meeting-{two.pk}@localhost",
        ]
        # The same UID in the meeting's own .ics, so that calendar applications merge them.
        single = ical.meeting_ics(two, two.get_full_url(request_))
        assert [str(e["UID"]) for e in events_of(single)] == [f"meeting-{two.pk}@localhost"]
        assert parse(single)["X-WR-CALNAME"] == "Café"
        # Without an absolute URL, the domain is given, or the fallback.
        assert ical.meeting_events(two, "/committees/x/", "ville.example")[0]["UID"] == (
            f"meeting-{two.pk}@ville.example"
        )
        assert ical.meeting_events(two, "")[0]["UID"] == f"meeting-{two.pk}@wagtail-participation"

    def test_event_properties(self, calendar_page, request_, frozen_now):
        page = add_meeting(
            calendar_page,
            title="Café-débat",
            kind="cafe_debat",
            latitude="50.423400",
            longitude="2.778300",
            agenda="<p>Budget</p><ul><li>Roads</li><li>Parks &amp; gardens</li></ul>",
        )
        (event,) = events_of(feed(request_))
        url = page.get_full_url(request_)
        assert url.startswith("http://localhost/")
        assert event["URL"] == url
        assert event["SUMMARY"] == "Café-débat"  # the title names the kind already
        assert event["LOCATION"] == "Town hall, 1 place de la Mairie"
        assert (event["GEO"].latitude, event["GEO"].longitude) == (50.4234, 2.7783)
        assert event["DESCRIPTION"] == (
            f"Budget\n- Roads\n- Parks & gardens\n\nMore information: {url}"
        )
        assert event["STATUS"] == "CONFIRMED"
        assert event["CLASS"] == "PUBLIC"
        assert event.categories == ["Café-débat"]
        assert event["DTSTAMP"].dt == frozen_now.astimezone(UTC)
        assert event["LAST-MODIFIED"].dt == frozen_now.astimezone(UTC)
        assert event.start == datetime(2026, 3, 20, 18, 30, tzinfo=PARIS)
        assert event.end == datetime(2026, 3, 20, 20, 30, tzinfo=PARIS)
        assert "RRULE" not in event

    def test_dtstamp_of_an_unpublished_instance_is_now(self, frozen_now):
        page = MeetingPage(
            title="Preview",
            starts_at=datetime(2026, 3, 20, 18, 30, tzinfo=PARIS),
            ends_at=datetime(2026, 3, 20, 20, 30, tzinfo=PARIS),
        )
        (event,) = ical.meeting_events(page, "")
        assert event["DTSTAMP"].dt == frozen_now.astimezone(UTC)
        assert "LAST-MODIFIED" not in event

    def test_an_excluded_date_is_an_exdate_and_a_cancelled_one_an_override(
        self, calendar_page, request_, frozen_now
    ):
        first_tuesdays(
            calendar_page,
            changes=[
                (date(2026, 4, 7), "excluded", ""),
                (date(2026, 5, 5), "cancelled", "Room closed"),
            ],
        )
        data = feed(request_)
        master, override = events_of(data)
        (exdate,) = master["EXDATE"].dts
        assert exdate.dt == datetime(2026, 4, 7, 18, 30, tzinfo=PARIS)
        assert exdate.params["TZID"] == "Europe/Paris"
        assert override["RECURRENCE-ID"].dt == datetime(2026, 5, 5, 18, 30, tzinfo=PARIS)
        assert override["STATUS"] == "CANCELLED"
        found = expand(data)
        assert [e.start.astimezone(PARIS).date() for e in found] == [
            date(2026, 1, 6),
            date(2026, 2, 3),
            date(2026, 3, 3),
            date(2026, 5, 5),
            date(2026, 6, 2),
        ]
        assert [str(e["STATUS"]) for e in found] == ["CONFIRMED"] * 3 + ["CANCELLED", "CONFIRMED"]

    def test_a_cancelled_meeting(self, calendar_page, request_, frozen_now):
        add_meeting(
            calendar_page,
            title="Spring committee",
            cancelled=True,
            cancellation_note="The hall is flooded.",
        )
        (event,) = events_of(feed(request_))
        assert event["STATUS"] == "CANCELLED"
        assert event["SUMMARY"] == "Cancelled: Spring committee (Neighbourhood committee)"
        assert event["DESCRIPTION"].startswith("The hall is flooded.\n\n")

    def test_text_is_escaped_and_round_trips(self, calendar_page, request_, frozen_now):
        title = "Comité des Prés, Nord; séance \\ 1"
        add_meeting(
            calendar_page,
            title=title,
            address="12, rue des Lilas; bât. B",
            agenda="<p>Point one; roads, parks</p><p>Point two &lt;b&gt;</p>",
            changes=[(date(2026, 3, 20), False, "Room 2, first floor;\nlift available")],
        )
        data = feed(request_)
        unfolded = data.replace(b"\r\n ", b"")
        assert "SUMMARY:Comité des Prés\\, Nord\\; séance \\\\ 1".encode() in unfolded
        assert "LOCATION:12\\, rue des Lilas\\; bât. B".encode() in unfolded
        assert b"Point one\\; roads\\, parks\\nPoint two <b>" in unfolded
        (event,) = events_of(data)
        assert event["SUMMARY"] == f"{title} (Neighbourhood committee)"
        assert event["LOCATION"] == "12, rue des Lilas; bât. B"
        description = str(event["DESCRIPTION"])
        assert description.startswith(
            "Room 2, first floor;\nlift available\n\nPoint one; roads, parks\nPoint two <b>\n\n"
        )
        # Folded lines stay within 75 octets.
        assert max(len(line) for line in data.split(b"\r\n")) <= 75


class TestOnlineLink:
    def test_shown_to_everyone(self, calendar_page, request_, frozen_now):
        add_meeting(
            calendar_page,
            title="Live Q&A",
            kind="online_session",
            attendance="online",
            address="",
            online_url="https://video.example/live",
            online_link_audience="everyone",
        )
        (event,) = events_of(feed(request_))
        assert event["LOCATION"] == "https://video.example/live"
        assert "Online: https://video.example/live" in event["DESCRIPTION"]

    def test_hidden_when_for_registered_residents(self, calendar_page, request_, frozen_now):
        add_meeting(
            calendar_page,
            title="Hybrid committee",
            attendance="hybrid",
            online_url="https://video.example/secret-room",
            online_link_audience="registered",
            registration="site",
        )
        data = feed(request_)
        assert b"secret-room" not in data
        (event,) = events_of(data)
        assert "The online link is sent to registered residents." in event["DESCRIPTION"]
        assert event["LOCATION"] == "Town hall, 1 place de la Mairie"

    def test_in_person_meetings_say_nothing_of_it(self, calendar_page, request_, frozen_now):
        add_meeting(calendar_page, online_url="https://video.example/leftover")
        data = feed(request_)
        assert b"leftover" not in data
        assert b"online link" not in data


class TestOnlyPublicMeetings:
    def test_drafts_private_unpublished_and_deleted_meetings_never_appear(
        self, calendar_page, root_page, request_, frozen_now
    ):
        public = add_meeting(calendar_page, title="Public meeting")
        add_meeting(calendar_page, title="Draft meeting", live=False)
        unpublished = add_meeting(calendar_page, title="Unpublished meeting")
        unpublished.unpublish()
        deleted = add_meeting(calendar_page, title="Deleted meeting")
        deleted.delete()
        private = add_meeting(calendar_page, title="Private meeting")
        PageViewRestriction.objects.create(
            page=private, restriction_type=PageViewRestriction.PASSWORD, password="secret"
        )
        private_calendar = root_page.add_child(
            instance=CommitteeCalendarPage(title="Staff", slug="staff")
        )
        add_meeting(private_calendar, title="Meeting in a private calendar")
        PageViewRestriction.objects.create(
            page=private_calendar, restriction_type=PageViewRestriction.LOGIN
        )
        # A published meeting with a newer draft: the feed shows what is published.
        public.title = "Secret draft title"
        public.save_revision()

        data = feed(request_)
        assert [str(e["SUMMARY"]) for e in events_of(data)] == [
            "Public meeting (Neighbourhood committee)"
        ]
        for word in (b"Draft", b"Unpublished", b"Deleted", b"Private", b"private", b"Secret"):
            assert word not in data
        assert list(ical.public_meetings()) == [public]

    def test_public_meetings_narrows_a_queryset(self, calendar_page, root_page, frozen_now):
        other = root_page.add_child(instance=CommitteeCalendarPage(title="Other", slug="other"))
        here = add_meeting(calendar_page, title="Here")
        add_meeting(other, title="There")
        add_meeting(calendar_page, title="Draft", live=False)
        found = ical.public_meetings(MeetingPage.objects.child_of(calendar_page))
        assert list(found) == [here]
        assert "occurrence_changes" in found._prefetch_related_lookups


class TestQueryCount:
    def test_the_feed_runs_the_same_queries_for_10_or_100_meetings(
        self, calendar_page, request_, frozen_now, django_assert_num_queries
    ):
        def add(count):
            for number in range(count):
                if number % 3 == 0:
                    first_tuesdays(
                        calendar_page,
                        title=f"Committee {number}",
                        changes=[
                            (date(2026, 2, 3), True, "Cancelled"),
                            (date(2026, 3, 3), False, "Note"),
                        ],
                    )
                elif number % 3 == 1:
                    add_meeting(
                        calendar_page,
                        title=f"Drop-in {number}",
                        frequency="weekly",
                        repeat_until=date(2026, 12, 31),
                    )
                else:
                    add_meeting(calendar_page, title=f"Café {number}")

        def build():
            meetings = ical.public_meetings(MeetingPage.objects.child_of(calendar_page))
            return ical.calendar_feed(meetings, "Committees", lambda m: m.get_full_url(request_))

        add(10)
        build()  # warm the site-root cache
        with CaptureQueriesContext(connection) as ten:
            data = build()
        assert len(events_of(data)) == 10 + 4 * 2
        add(90)
        with django_assert_num_queries(len(ten.captured_queries)):
            data = build()
        assert len(events_of(data)) == 100 + 34 * 2
        assert len(ten.captured_queries) <= 5
        # Given the fetched meetings, the feed itself runs no query at all.
        meetings = list(ical.public_meetings(MeetingPage.objects.child_of(calendar_page)))
        with django_assert_num_queries(0):
            ical.calendar_feed(meetings, "Committees", lambda m: f"https://x.example/{m.pk}/")

    def test_the_month_runs_the_same_queries_for_10_or_100_meetings(
        self, calendar_page, frozen_now, django_assert_num_queries
    ):
        def add(count):
            for number in range(count):
                first_tuesdays(
                    calendar_page,
                    title=f"Committee {number}",
                    changes=[(date(2026, 3, 3), True, "")],
                )

        def month():
            meetings = ical.public_meetings(MeetingPage.objects.child_of(calendar_page))
            start, end = recurrence.month_bounds(2026, 3)
            found = recurrence.occurrences_between(meetings, start, end)
            return recurrence.month_grid(2026, 3, found)

        add(10)
        with CaptureQueriesContext(connection) as ten:
            month()
        add(90)
        with django_assert_num_queries(len(ten.captured_queries)):
            weeks = month()
        (tuesday,) = [d for w in weeks for d in w if d.date == date(2026, 3, 3)]
        assert len(tuesday.occurrences) == 100
        assert all(o.cancelled for o in tuesday.occurrences)


class TestPlainText:
    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            ("", ""),
            (None, ""),
            ("<p>One</p><p>Two</p>", "One\nTwo"),
            ("<p>A<br/>B</p>", "A\nB"),
            ("<h2>Title</h2><ol><li>x</li><li>y</li></ol>", "Title\n- x\n- y"),
            ('<p><a linktype="page" id="3">the budget</a> &amp; more</p>', "the budget & more"),
            ("<p>  spaced   out  </p>", "spaced out"),
        ],
    )
    def test_html_to_text(self, value, expected):
        assert ical.html_to_text(value) == expected
