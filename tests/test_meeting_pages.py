"""Residents' pages of committee calendars: month grid, upcoming and past lists, filters, feeds,
meeting pages."""

import re
from datetime import date, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from icalendar import Calendar
from wagtail.models import PageViewRestriction

from wagtail_participation.meetings.models import (
    CommitteeCalendarPage,
)
from wagtail_participation.meetings.registrations import register

from .budget_factories import make_voter
from .meeting_factories import PARIS, add_meeting, bulk_meetings, make_calendar

pytestmark = pytest.mark.django_db


@pytest.fixture
def calendar_page(root_page):
    return make_calendar(root_page, slug="committees")


def tuesdays(parent, **fields):
    """Every Tuesday at 18:30 in March and April 2026: the clocks change on 29 March."""
    fields.setdefault("title", "Tuesday committee")
    return add_meeting(
        parent,
        start=datetime(2026, 3, 3, 18, 30, tzinfo=PARIS),
        frequency="weekly",
        repeat_until=date(2026, 4, 30),
        **fields,
    )


def month_table(content):
    return content[content.index("<table") : content.index("</table>")]


def cell_of(table, day_iso):
    start = table.index(f'datetime="{day_iso}"')
    return table[start : table.index("</td>", start)]


class TestMonthView:
    def test_recurring_meeting_across_the_spring_change(self, client, calendar_page, frozen_now):
        tuesdays(calendar_page, changes=[(date(2026, 3, 17), True, "Room closed")])
        response = client.get("/committees/2026/3/")
        assert response.status_code == 200
        content = response.content.decode()
        table = month_table(content)
        assert "<caption>Meetings in March 2026</caption>" in table
        assert table.count('scope="col"') == 7
        for day in ("2026-03-03", "2026-03-10", "2026-03-17", "2026-03-24", "2026-03-31"):
            cell = cell_of(table, day)
            # 18:30 in the site's zone before and after the change to summer time.
            assert "6:30 p.m. Tuesday committee" in cell, day
        assert "Cancelled" in cell_of(table, "2026-03-17")
        assert "Cancelled" not in cell_of(table, "2026-03-24")
        assert "Tuesday committee" not in cell_of(table, "2026-03-04")
        # Today is marked in text, not only by style.
        today = cell_of(table, "2026-03-15")
        assert "(today)" in today
        assert 'aria-current="date"' in content
        # The list under the table gives the note of the cancelled occurrence.
        assert "Room closed" in content
        assert 'href="/committees/2026/2/"' in content
        assert 'href="/committees/2026/4/"' in content

    def test_a_left_out_date_is_not_on_the_calendar(self, client, calendar_page, frozen_now):
        tuesdays(calendar_page, changes=[(date(2026, 4, 14), "excluded", "")])
        content = client.get("/committees/2026/4/").content.decode()
        table = month_table(content)
        assert "Tuesday committee" in cell_of(table, "2026-04-07")
        assert "Tuesday committee" not in cell_of(table, "2026-04-14")
        assert "Cancelled" not in content
        feed = client.get("/committees/calendar.ics").content.decode()
        assert "EXDATE;TZID=Europe/Paris:20260414T183000" in feed

    def test_next_month_keeps_the_wall_clock_time(self, client, calendar_page, frozen_now):
        tuesdays(calendar_page)
        table = month_table(client.get("/committees/2026/4/").content.decode())
        assert "6:30 p.m. Tuesday committee" in cell_of(table, "2026-04-28")
        may = client.get("/committees/2026/5/").content.decode()
        # Repetition ends on 30 April; 28 April still shows in May's first week.
        assert "No meeting this month." in may
        assert "Tuesday committee" in cell_of(month_table(may), "2026-04-28")

    def test_weeks_start_on_the_languages_first_day(self, client, calendar_page, frozen_now):
        tuesdays(calendar_page)
        english = month_table(client.get("/committees/2026/3/").content.decode())
        french = month_table(
            client.get("/committees/2026/3/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
        )
        assert re.findall(r'<abbr title="(\w+)"', english)[0] == "Sunday"
        assert re.findall(r'<abbr title="(\w+)"', french)[0] == "lundi"
        assert re.findall(r'datetime="([\d-]+)"', french)[0] == "2026-02-23"

    @pytest.mark.parametrize(
        "url",
        [
            "/committees/2026/13/",
            "/committees/2026/0/",
            "/committees/0/1/",
            "/committees/99999/1/",
            "/committees/abcd/1/",
            "/committees/2026/1x/",
        ],
    )
    def test_bad_month_is_not_found(self, client, calendar_page, url):
        assert client.get(url).status_code == 404


class TestFilters:
    @pytest.fixture
    def town(self, root_page, neighbourhoods, frozen_now):
        town = root_page.add_child(instance=CommitteeCalendarPage(title="Town", slug="town"))
        centre = town.add_child(
            instance=CommitteeCalendarPage(
                title="Centre committee", slug="centre", committee_name="Centre committee"
            )
        )
        centre.neighbourhoods.set([neighbourhoods["centre"]])
        centre.save_revision().publish()
        river = town.add_child(
            instance=CommitteeCalendarPage(title="Riverside committee", slug="riverside")
        )
        river.neighbourhoods.set([neighbourhoods["riverside"]])
        river.save_revision().publish()
        start = datetime(2026, 3, 20, 18, 30, tzinfo=PARIS)
        add_meeting(centre, title="Centre meeting", start=start)
        add_meeting(river, title="River cafe", start=start, kind="cafe_debat")
        return {"town": town, "centre": centre, "river": river}

    def titles(self, response):
        content = response.content.decode()
        return {title for title in ("Centre meeting", "River cafe") if title in content}

    @pytest.mark.parametrize("url", ["/town/", "/town/2026/3/"])
    def test_filters(self, client, town, url):
        assert self.titles(client.get(url)) == {"Centre meeting", "River cafe"}
        assert self.titles(client.get(url + "?neighbourhood=centre")) == {"Centre meeting"}
        assert self.titles(client.get(url + "?kind=cafe_debat")) == {"River cafe"}
        assert self.titles(client.get(url, {"committee": town["river"].pk})) == {"River cafe"}
        assert self.titles(client.get(url + "?neighbourhood=riverside&kind=committee")) == set()

    @pytest.mark.parametrize("url", ["/town/", "/town/2026/3/", "/town/past/"])
    @pytest.mark.parametrize(
        "query",
        ["neighbourhood=nowhere", "kind=party", "committee=abc", "committee=999999", "kind="],
    )
    def test_bad_filter_gives_an_empty_valid_page(self, client, town, url, query):
        response = client.get(f"{url}?{query}")
        assert response.status_code == 200
        if query != "kind=":
            assert self.titles(response) == set()
            assert "These filters are not valid" in response.content.decode()

    def test_bad_filter_gives_an_empty_feed(self, client, town):
        response = client.get("/town/calendar.ics?kind=party")
        assert response.status_code == 200
        assert Calendar.from_ical(response.content).walk("VEVENT") == []

    def test_feed_accepts_the_filters(self, client, town):
        response = client.get("/town/calendar.ics?neighbourhood=centre")
        summaries = [str(e["SUMMARY"]) for e in Calendar.from_ical(response.content).walk("VEVENT")]
        assert summaries == ["Centre meeting (Neighbourhood committee)"]

    @pytest.mark.parametrize("url", ["/town/", "/town/2026/3/", "/town/past/"])
    def test_clearing_filters_stays_on_the_same_view(self, client, town, url):
        content = client.get(url + "?kind=cafe_debat").content.decode()
        assert f'<a href="{url}">Clear filters</a>' in content

    def test_filter_links_are_kept_in_month_links(self, client, town):
        content = client.get("/town/2026/3/?kind=cafe_debat").content.decode()
        assert 'href="/town/2026/4/?kind=cafe_debat"' in content
        assert 'href="/town/calendar/ics/?kind=cafe_debat"' in content


class TestListsAndPrivacy:
    @pytest.fixture
    def meetings(self, calendar_page, frozen_now):
        shown = add_meeting(calendar_page, title="Square meeting")
        add_meeting(calendar_page, title="Draft meeting", live=False)
        private = add_meeting(calendar_page, title="Private meeting")
        PageViewRestriction.objects.create(
            page=private, restriction_type=PageViewRestriction.PASSWORD, password="secret"
        )
        past = add_meeting(
            calendar_page,
            title="Last month's committee",
            start=datetime(2026, 2, 10, 18, 30, tzinfo=PARIS),
            minutes="<p>We agreed on new benches.</p>",
            attendee_count=23,
        )
        return {"shown": shown, "past": past}

    @pytest.mark.parametrize(
        "url",
        ["/committees/", "/committees/2026/3/", "/committees/past/", "/committees/calendar.ics"],
    )
    def test_drafts_and_private_meetings_never_listed(self, client, meetings, url):
        content = client.get(url).content.decode()
        assert "Draft meeting" not in content
        assert "Private meeting" not in content

    def test_upcoming_list(self, client, meetings):
        content = client.get("/committees/").content.decode()
        assert "Square meeting" in content
        assert "Last month&#x27;s committee" not in content
        assert 'href="/committees/2026/6/"' in content  # later months

    def test_past_list_links_to_minutes(self, client, meetings):
        content = client.get("/committees/past/").content.decode()
        assert "Last month&#x27;s committee" in content
        assert f'href="/committees/{meetings["past"].slug}/#minutes"' in content
        assert "Square meeting" not in content


def many_meetings(parent, numbers):
    """Meetings numbered ``numbers`` in March 2026: every other one weekly until June, every
    third one with its first occurrence cancelled."""
    return bulk_meetings(
        parent,
        [
            {
                "title": f"Meeting {number}",
                "starts_at": datetime(2026, 3, 1 + number % 28, 18, 30, tzinfo=PARIS),
                "ends_at": datetime(2026, 3, 1 + number % 28, 20, 30, tzinfo=PARIS),
                "frequency": "weekly" if number % 2 else "",
                "repeat_until": date(2026, 6, 30) if number % 2 else None,
                "changes": [(date(2026, 3, 1 + number % 28), True, "")] if number % 3 == 0 else (),
            }
            for number in numbers
        ],
    )


@pytest.mark.parametrize(
    "url",
    [
        "/committees/",
        "/committees/2026/3/",
        "/committees/past/",
        "/committees/calendar.ics",
        "/committees/2026/3/?kind=committee",
    ],
)
def test_the_same_queries_serve_10_or_1000_meetings(
    client, calendar_page, frozen_now, url, django_assert_num_queries, no_public_cache
):
    many_meetings(calendar_page, range(10))
    client.get(url)  # warm the site and page caches
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    assert len(queries) <= 16  # Wagtail serving, privacy, filters, meetings, changes
    many_meetings(calendar_page, range(10, 1000))
    with django_assert_num_queries(len(queries)):
        response = client.get(url)
    assert response.status_code == 200
    content = response.content.decode()
    if url == "/committees/":
        assert 'rel="next"' in content  # 30 occurrences a page
    elif url == "/committees/past/":
        assert re.search(r"Meeting 13\b", content)  # the most recent first: 14 March
    else:
        assert "Meeting 999" in content
        assert content.count("Meeting 998") >= 1


class TestFiles:
    def test_calendar_ics(self, client, calendar_page, frozen_now):
        tuesdays(calendar_page, changes=[(date(2026, 3, 17), True, "Room closed")])
        add_meeting(calendar_page, title="Draft", live=False)
        response = client.get("/committees/calendar.ics")
        assert response.status_code == 200
        assert response["Content-Type"] == "text/calendar; charset=utf-8"
        events = Calendar.from_ical(response.content).walk("VEVENT")
        assert [str(e["SUMMARY"]) for e in events] == [
            "Tuesday committee (Neighbourhood committee)",
            "Cancelled: Tuesday committee (Neighbourhood committee)",
        ]
        assert client.get("/committees/calendar/ics/").content == response.content

    def test_event_ics(self, client, calendar_page, frozen_now):
        meeting = add_meeting(calendar_page, title="Cafe")
        response = client.get(f"/committees/{meeting.slug}/event.ics")
        assert response.status_code == 200
        assert response["Content-Type"] == "text/calendar; charset=utf-8"
        assert 'filename="event.ics"' in response["Content-Disposition"]
        (event,) = Calendar.from_ical(response.content).walk("VEVENT")
        assert str(event["SUMMARY"]) == "Cafe (Neighbourhood committee)"
        assert event["DTSTART"].dt == datetime(2026, 3, 20, 18, 30, tzinfo=PARIS)

    def test_other_dotted_names_are_not_found(self, client, calendar_page, frozen_now):
        assert client.get("/committees/event.ics").status_code == 404
        meeting = add_meeting(calendar_page, title="Cafe")
        assert client.get(f"/committees/{meeting.slug}/calendar.ics").status_code == 404


class TestMeetingPage:
    def test_recurring_meeting(self, client, calendar_page, frozen_now):
        meeting = add_meeting(
            calendar_page,
            title="Committee of the Meadows",
            start=datetime(2026, 1, 6, 18, 30, tzinfo=PARIS),
            frequency="monthly_weekday",
            repeat_until=date(2026, 6, 30),
            changes=[
                (date(2026, 4, 7), True, "Room closed"),
                (date(2026, 5, 5), False, "Held at the library"),
            ],
            accessibility_notes="Step-free access",
            agenda="<p>Benches on the square</p>",
        )
        content = client.get(f"/committees/{meeting.slug}/").content.decode()
        assert "Every month on the first Tuesday, until June 30, 2026" in content
        next_list = content[content.index("Next meetings") :]
        dates = re.findall(r'datetime="(2026-\d\d-\d\d)T', next_list)
        assert dates[:3] == ["2026-04-07", "2026-05-05", "2026-06-02"]
        assert "Room closed" in next_list and "Cancelled" in next_list
        assert "Held at the library" in next_list
        assert "Step-free access" in content
        assert "Benches on the square" in content
        assert "Town hall, 1 place de la Mairie" in content
        assert f'href="/committees/{meeting.slug}/event/ics/"' in content
        assert "This meeting is cancelled" not in content

    def test_cancelled_meeting_and_online_links(self, client, calendar_page, frozen_now):
        public_link = add_meeting(
            calendar_page,
            title="Live session",
            attendance="online",
            online_url="https://video.example/live",
            cancelled=True,
            cancellation_note="The speaker is ill.",
        )
        content = client.get(f"/committees/{public_link.slug}/").content.decode()
        assert "This meeting is cancelled." in content
        assert "The speaker is ill." in content
        assert 'href="https://video.example/live"' in content
        registered = add_meeting(
            calendar_page,
            title="Members session",
            attendance="online",
            online_url="https://video.example/secret",
            online_link_audience="registered",
            registration="site",
            capacity=1,
        )
        content = client.get(f"/committees/{registered.slug}/").content.decode()
        assert "video.example/secret" not in content
        assert "sent to registered residents" in content
        # A confirmed place shows the link; a place on the waiting list does not.
        confirmed, waiting = make_voter("confirmed"), make_voter("waiting")
        register(registered, registered.starts_at, confirmed)
        register(registered, registered.starts_at, waiting)
        client.force_login(waiting)
        content = client.get(f"/committees/{registered.slug}/").content.decode()
        assert "video.example/secret" not in content
        client.force_login(confirmed)
        content = client.get(f"/committees/{registered.slug}/").content.decode()
        assert 'href="https://video.example/secret"' in content

    def test_after_the_meeting(self, client, calendar_page, root_page, frozen_now):
        related = root_page.add_child(
            instance=CommitteeCalendarPage(title="Benches budget", slug="benches")
        )
        meeting = add_meeting(
            calendar_page,
            title="February committee",
            start=datetime(2026, 2, 10, 18, 30, tzinfo=PARIS),
            minutes="<p>We agreed on new benches.</p>",
            attendee_count=23,
            related_page=related,
        )
        content = client.get(f"/committees/{meeting.slug}/").content.decode()
        assert 'id="minutes"' in content
        assert "We agreed on new benches." in content
        assert "<dd>23</dd>" in content
        assert 'href="/benches/"' in content
        waiting = add_meeting(
            calendar_page,
            title="Other committee",
            start=datetime(2026, 2, 12, 18, 30, tzinfo=PARIS),
        )
        content = client.get(f"/committees/{waiting.slug}/").content.decode()
        assert "The minutes of this meeting are not published yet." in content

    def test_draft_meeting_not_served(self, client, calendar_page, frozen_now):
        draft = add_meeting(calendar_page, title="Draft", live=False)
        assert client.get(f"/committees/{draft.slug}/").status_code == 404
        assert client.get(f"/committees/{draft.slug}/event.ics").status_code == 404
