"""What a committee calendar reports to restitution pages and to "My participation"."""

from datetime import date, datetime, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from wagtail.models import PageViewRestriction

from wagtail_participation import outcomes
from wagtail_participation.meetings.models import (
    CommitteeCalendarPage,
    Registration,
    RegistrationStatus,
)
from wagtail_participation.meetings.outcomes import meeting_participation
from wagtail_participation.outcomes import Figure

from .budget_factories import make_voter
from .conftest import NOW
from .meeting_factories import PARIS, add_meeting, bulk_meetings, first_tuesdays, make_calendar

pytestmark = pytest.mark.django_db

CONFIRMED, WAITING, CANCELLED = (
    RegistrationStatus.CONFIRMED,
    RegistrationStatus.WAITING,
    RegistrationStatus.CANCELLED,
)


def at(month, day, hour=18, minute=30):
    return datetime(2026, month, day, hour, minute, tzinfo=PARIS)


def registration(user, meeting, start, status=CONFIRMED, created=None):
    return Registration.objects.create(
        user=user,
        meeting=meeting,
        occurrence_start=start,
        status=status,
        created_at=created or NOW - timedelta(days=30),
    )


def fresh(page):
    return CommitteeCalendarPage.objects.get(pk=page.pk)


@pytest.fixture
def people(db):
    return {name: make_voter(name) for name in ["alice", "bob", "carol", "dave", "erin", "frank"]}


@pytest.fixture
def calendar(root_page, people, frozen_now):
    """Now is Sunday 15 March 2026, noon.

    Held so far: Meadows (first Tuesdays from 6 January, 3 February cancelled: 6 January and
    3 March, 25 attendees) and the café-débat of 10 March (12 attendees): 3 meetings, 37
    attendees. Not counted: a cancelled walk (99), a draft (50), a meeting restricted to
    signed-in users (7). Still to come: a workshop on 20 March and a drop-in every Friday
    from 20 March (27 March cancelled).
    """
    page = make_calendar(root_page, title="Committees")
    m = {
        "meadows": first_tuesdays(
            page,
            title="Meadows",
            attendee_count=25,
            minutes="<p>We talked.</p>",
            changes=[(date(2026, 2, 3), True)],
        ),
        "cafe": add_meeting(page, title="Café-débat", start=at(3, 10), attendee_count=12),
        "walk": add_meeting(page, title="Walk", start=at(3, 1), cancelled=True, attendee_count=99),
        "draft": add_meeting(page, title="Draft", start=at(3, 2), live=False, attendee_count=50),
        "private": add_meeting(page, title="Private", start=at(3, 4), attendee_count=7),
        "workshop": add_meeting(page, title="Workshop", start=at(3, 20)),
        "dropin": add_meeting(
            page,
            title="Drop-in",
            start=at(3, 20),
            frequency="weekly",
            repeat_until=date(2026, 4, 30),
            changes=[(date(2026, 3, 27), True)],
        ),
    }
    PageViewRestriction.objects.create(page=m["private"], restriction_type="login")
    p = people
    registration(p["alice"], m["meadows"], at(1, 6))
    registration(p["alice"], m["workshop"], at(3, 20))
    registration(p["bob"], m["meadows"], at(3, 3))
    registration(p["bob"], m["cafe"], at(3, 10))
    registration(p["carol"], m["meadows"], at(2, 3))  # the cancelled occurrence
    registration(p["erin"], m["meadows"], at(3, 3), status=CANCELLED)
    registration(p["erin"], m["workshop"], at(3, 20), WAITING, created=NOW - timedelta(days=2))
    registration(p["dave"], m["workshop"], at(3, 20), WAITING, created=NOW - timedelta(days=1))
    registration(p["frank"], m["draft"], at(3, 2))
    registration(p["frank"], m["private"], at(3, 4))
    page.m = m
    return page


@pytest.fixture
def other_calendar(root_page, people, frozen_now):
    """Another calendar: its meetings, attendees and registrations must never leak."""
    page = make_calendar(root_page, title="Other committees")
    past = add_meeting(page, title="Elsewhere", start=at(3, 5), attendee_count=40)
    add_meeting(page, title="Elsewhere soon", start=at(3, 16))
    registration(people["frank"], past, at(3, 5))
    registration(people["dave"], past, at(3, 5))
    return page


class TestCalendarOutcomes:
    def test_figures(self, calendar, other_calendar):
        # participants: alice (6 January) and bob (3 March, 10 March); carol's occurrence was
        # cancelled, alice's workshop has not started, dave and erin wait, frank's meetings
        # are a draft and a private one.
        assert fresh(calendar).outcome_figures() == [
            Figure("participants", 2),
            Figure("meetings", 3),
            Figure("attendees", 37),
        ]
        # Elsewhere: one meeting, 40 attendees, frank and dave.
        assert fresh(other_calendar).outcome_figures() == [
            Figure("participants", 2),
            Figure("meetings", 1),
            Figure("attendees", 40),
        ]

    def test_milestones_are_the_next_five_meetings(self, calendar, other_calendar):
        m = calendar.m
        milestones = fresh(calendar).outcome_milestones()
        # 20 March: drop-in and workshop (by title); 27 March is cancelled; then 3 April,
        # Meadows on 7 April, 10 April. The other calendar's 16 March meeting is not here.
        assert [(m.title, m.date, m.status) for m in milestones] == [
            ("Drop-in", date(2026, 3, 20), "planned"),
            ("Workshop", date(2026, 3, 20), "planned"),
            ("Drop-in", date(2026, 4, 3), "planned"),
            ("Meadows", date(2026, 4, 7), "planned"),
            ("Drop-in", date(2026, 4, 10), "planned"),
        ]
        assert milestones[1].url == m["workshop"].url

    def test_no_decisions_nor_results(self, calendar):
        page = fresh(calendar)
        assert page.outcome_decisions() == []
        assert page.outcome_results() == []

    def test_participant_ids(self, calendar, other_calendar, people):
        # The residents the "participants" figure counts: confirmed places at occurrences
        # held; carol's place is at a cancelled occurrence, which nobody attended.
        assert fresh(calendar).outcome_participant_ids() == {people["alice"].pk, people["bob"].pk}


class TestMyParticipation:
    def items(self, user):
        return [(i.title, i.date, i.outcome) for i in meeting_participation(user)]

    def test_each_resident_sees_only_their_own(self, calendar, other_calendar, people):
        assert self.items(people["alice"]) == [
            ("Meadows", at(1, 6), "Minutes published"),
            ("Workshop", at(3, 20), "Confirmed"),
        ]
        assert self.items(people["bob"]) == [
            ("Meadows", at(3, 3), "Minutes published"),
            ("Café-débat", at(3, 10), "Confirmed"),
        ]
        assert self.items(people["erin"]) == [
            ("Meadows", at(3, 3), "Cancelled"),
            ("Workshop", at(3, 20), "On the waiting list (position 1)"),
        ]
        assert self.items(people["dave"]) == [
            ("Elsewhere", at(3, 5), "Confirmed"),
            ("Workshop", at(3, 20), "On the waiting list (position 2)"),
        ]
        # The draft meeting and the private one are left out, even for those registered.
        assert self.items(people["frank"]) == [("Elsewhere", at(3, 5), "Confirmed")]

    def test_item_details(self, calendar, people):
        [item] = [i for i in meeting_participation(people["dave"]) if i.title == "Workshop"]
        assert item.action == "registration"
        assert str(item.action_label) == "Registration"
        assert item.process_title == "Committees"
        assert item.process_url == calendar.url
        assert item.url == calendar.m["workshop"].url
        assert item.extra == {"status": "waiting", "position": 2}

    def test_unpublished_calendar_is_left_out(self, calendar, other_calendar, people):
        other_calendar.unpublish()  # its meetings are unpublished with it
        assert self.items(people["dave"]) == [
            ("Workshop", at(3, 20), "On the waiting list (position 2)")
        ]

    def test_anonymous_sees_nothing(self, calendar):
        assert meeting_participation(AnonymousUser()) == []

    def test_registered_as_meetings(self):
        assert outcomes._participation_sources["meetings"] is meeting_participation


# Query counts ---------------------------------------------------------------------------------


def bulk_calendar(root_page, size):
    """``size`` meetings, every other one held (today 09:00 minus i days, 3 attendees), the
    others to come; one resident confirmed on each held meeting, and ``regular`` registered
    to every meeting."""
    page = make_calendar(root_page, title=f"Bulk {size}")
    specs = []
    for i in range(size):
        start = at(3, 15, 9, 0) + timedelta(days=i if i % 2 else -i)
        specs.append(
            {
                "title": f"Meeting {i}",
                "starts_at": start,
                "ends_at": start + timedelta(hours=2),
                "attendee_count": 3,
            }
        )
    meetings = bulk_meetings(page, specs)
    users = get_user_model().objects.bulk_create(
        get_user_model()(username=f"bulk-{size}-{i}") for i in range(size + 1)
    )
    regular = users[-1]
    Registration.objects.bulk_create(
        [
            Registration(user=users[i], meeting=m, occurrence_start=m.starts_at)
            for i, m in enumerate(meetings)
        ]
        + [Registration(user=regular, meeting=m, occurrence_start=m.starts_at) for m in meetings]
    )
    return page, regular


# Queries once the sites' root paths are cached: figures: meetings, their changes, view
# restrictions, registrations; milestones: meetings, changes, restrictions, root paths;
# participant ids: as the figures; "My participation": registrations, calendars, root paths.
QUERIES = {"outcome_figures": 4, "outcome_milestones": 4, "outcome_participant_ids": 4}


@pytest.mark.parametrize("size", [10, 1000])
def test_queries_do_not_grow_with_meetings(root_page, frozen_now, django_assert_num_queries, size):
    page, regular = bulk_calendar(root_page, size)
    held = size // 2  # i = 0, 2, 4... started today at 09:00 or before
    assert fresh(page).outcome_figures() == [
        Figure("participants", held + 1),  # one resident per held meeting, and the regular
        Figure("meetings", held),
        Figure("attendees", 3 * held),
    ]
    assert len(fresh(page).outcome_milestones()) == 5
    assert len(fresh(page).outcome_participant_ids()) == held + 1
    for method, queries in QUERIES.items():
        calendar = fresh(page)
        with django_assert_num_queries(queries):
            getattr(calendar, method)()
    with django_assert_num_queries(4):
        assert len(meeting_participation(regular)) == size
