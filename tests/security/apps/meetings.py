"""Meetings: what the hostile world holds and the addresses this app serves.

Residents write no text here: they register for an occurrence, and their public name shows in
the staff's listings and exports. Editors' texts (titles, addresses, notes) carry the hostile
payload too, a title and an address with line breaks, so the calendar files, e-mails and pages
are checked with it. Hidden meetings (a draft, a private one) carry ``LEAK``.
"""

import io
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.contrib.auth.models import Group
from django.core.management import call_command
from wagtail.models import PageViewRestriction

from tests.meeting_factories import add_meeting, make_calendar
from wagtail_participation.meetings import registrations
from wagtail_participation.meetings.models import Registration, RegistrationStatus

from ..catalogue import LEAK, BadAddress, Email, Mutation, View
from ..payloads import TEXT, hostile

PARIS = ZoneInfo("Europe/Paris")
# The world's clock is Sunday 15 March 2026, 12:00 in Paris (tests.conftest.NOW).
WEEKLY_START = datetime(2026, 3, 10, 18, 30, tzinfo=PARIS)  # Tuesdays, the first one held
NEXT_TUESDAY = datetime(2026, 3, 17, 18, 30, tzinfo=PARIS)
CANCELLED_DAY = date(2026, 3, 24)
EXCLUDED_DAY = date(2026, 3, 31)
EXCLUDED_START = datetime(2026, 3, 31, 18, 30, tzinfo=PARIS)
CANCELLED_START = datetime(2026, 3, 24, 18, 30, tzinfo=PARIS)
FULL_START = datetime(2026, 3, 20, 18, 30, tzinfo=PARIS)
TOMORROW = datetime(2026, 3, 16, 10, 0, tzinfo=PARIS)  # within the reminders' 24 hours
ELSEWHERE_START = datetime(2026, 3, 19, 18, 30, tzinfo=PARIS)
HIDDEN_START = datetime(2026, 3, 4, 18, 30, tzinfo=PARIS)  # Wednesdays, past and to come
HIDDEN_HELD = datetime(2026, 3, 11, 18, 30, tzinfo=PARIS)
LONG_AGO = datetime(2026, 2, 1, 9, 0, tzinfo=PARIS)

# An editor's title and address with line breaks: an injected calendar property or e-mail
# header if written raw.
MULTILINE_TITLE = hostile(120, "meeting") + "\r\nX-INJECTED:1"
ON_SITE = {"registration": "site"}


def register(meeting, start, user, status=RegistrationStatus.CONFIRMED, created=LONG_AGO):
    return Registration.objects.create(
        meeting=meeting, occurrence_start=start, user=user, status=status, created_at=created
    )


def hide_from_public(page, world):
    restriction = PageViewRestriction.objects.create(
        page=page, restriction_type=PageViewRestriction.GROUPS
    )
    restriction.groups.add(Group.objects.get(name="Participation team moderator"))


def build(world):
    author, resident = world.users["author"], world.users["resident"]
    world.calendar = make_calendar(
        world.index,
        title=hostile(255, "calendar"),
        slug="committees",
        committee_name=hostile(150, "committee"),
        contact_name=hostile(120, "contact"),
    )
    world.calendar.neighbourhoods.set([world.neighbourhood])
    world.calendar.save_revision().publish()
    # Every Tuesday until May: held once, then one date cancelled and one left out.
    world.meeting = add_meeting(
        world.calendar,
        title=MULTILINE_TITLE,
        start=WEEKLY_START,
        frequency="weekly",
        repeat_until=date(2026, 5, 31),
        address=TEXT,
        access_notes=TEXT,
        accessibility_notes=TEXT,
        attendee_count=12,
        changes=[
            (CANCELLED_DAY, "cancelled", hostile(255, "cancelled date")),
            (EXCLUDED_DAY, "excluded", f"{LEAK} excluded date"),
            (date(2026, 4, 7), "held", hostile(255, "note")),
        ],
        **ON_SITE,
    )
    world.full_meeting = add_meeting(
        world.calendar, title=hostile(255, "full"), start=FULL_START, capacity=1, **ON_SITE
    )
    world.cancelled_meeting = add_meeting(
        world.calendar,
        title=hostile(255, "cancelled"),
        start=FULL_START + timedelta(days=1),
        cancelled=True,
        cancellation_note=hostile(255, "why"),
        **ON_SITE,
    )
    world.reminded_meeting = add_meeting(
        world.calendar, title=MULTILINE_TITLE, start=TOMORROW, address=TEXT, **ON_SITE
    )
    # What residents must never see: a draft and a private series, both held once already.
    hidden = {"start": HIDDEN_START, "frequency": "weekly", "repeat_until": date(2026, 4, 30)}
    world.draft_meeting = add_meeting(
        world.calendar,
        title=f"{LEAK} draft meeting",
        live=False,
        attendee_count=1000,
        **hidden,
        **ON_SITE,
    )
    world.private_meeting = add_meeting(
        world.calendar, title=f"{LEAK} private meeting", attendee_count=1000, **hidden, **ON_SITE
    )
    hide_from_public(world.private_meeting, world)
    # Another team's calendar.
    world.elsewhere_calendar = make_calendar(world.elsewhere, title="Elsewhere committees")
    world.elsewhere_meeting = add_meeting(
        world.elsewhere_calendar, title="Elsewhere meeting", start=ELSEWHERE_START, **ON_SITE
    )

    world.registration = register(world.meeting, NEXT_TUESDAY, author)
    register(world.meeting, WEEKLY_START, author)  # held: a participant
    register(world.full_meeting, FULL_START, author)
    register(world.reminded_meeting, TOMORROW, author)
    register(world.draft_meeting, HIDDEN_HELD, resident)
    register(world.private_meeting, HIDDEN_HELD, resident)
    # Someone who only went to hidden meetings: no figure counts them, no e-mail finds them.
    from .core import resident as make_resident  # here: core imports the catalogue

    world.hidden_participant = make_resident("hidden", "Hidden participant", world.neighbourhood)
    register(world.draft_meeting, HIDDEN_HELD, world.hidden_participant)
    register(world.private_meeting, HIDDEN_HELD, world.hidden_participant)
    world.resident_registration = register(
        world.meeting, CANCELLED_START + timedelta(days=14), resident
    )
    world.elsewhere_registration = register(world.elsewhere_meeting, ELSEWHERE_START, resident)


# Helpers -------------------------------------------------------------------------------------


def url(page, sub=""):
    return page.url + sub


def occurrence(start):
    return {"occurrence": start.isoformat()}


def all_registrations(world):
    return sorted(
        Registration.objects.values_list("meeting_id", "occurrence_start", "user_id", "status")
    )


def admin(sub=""):
    return lambda w: f"/admin/participation/registration/{sub}"


def send_registration_email(world):
    registrations.register(world.full_meeting, FULL_START, world.users["resident"])


def send_reminders(world):
    call_command("participation_meeting_reminders", stdout=io.StringIO())


CALENDAR_PARAMS = ("neighbourhood", "kind", "committee", "page")
FILTER_PARAMS = ("neighbourhood", "kind", "committee")


VIEWS = [
    View(
        "calendar",
        lambda w: url(w.calendar),
        params=CALENDAR_PARAMS,
        routes=("CommitteeCalendarPage.upcoming", "CommitteeCalendarPage.index_route"),
    ),
    View(
        "calendar month",
        lambda w: url(w.calendar, "2026/3/"),
        params=FILTER_PARAMS,
        routes=("CommitteeCalendarPage.month_view",),
    ),
    View("calendar next month", lambda w: url(w.calendar, "2026/4/"), params=FILTER_PARAMS),
    View(
        "calendar past",
        lambda w: url(w.calendar, "past/"),
        params=CALENDAR_PARAMS,
        routes=("CommitteeCalendarPage.past_meetings",),
    ),
    View(
        "calendar ics",
        lambda w: url(w.calendar, "calendar/ics/"),
        params=FILTER_PARAMS,
        routes=("CommitteeCalendarPage.calendar_ics",),
        kind="ics",
    ),
    View(
        "calendar.ics", lambda w: url(w.calendar, "calendar.ics"), params=FILTER_PARAMS, kind="ics"
    ),
    View(
        "calendar ics by kind",
        lambda w: url(w.calendar, "calendar/ics/?kind=committee"),
        kind="ics",
    ),
    View(
        "meeting",
        lambda w: url(w.meeting),
        routes=("MeetingPage.meeting_detail", "MeetingPage.index_route"),
    ),
    View("meeting as registrant", lambda w: url(w.meeting), role="author"),
    View("meeting full", lambda w: url(w.full_meeting), role="resident"),
    View("meeting cancelled", lambda w: url(w.cancelled_meeting)),
    View(
        "meeting ics",
        lambda w: url(w.meeting, "event/ics/"),
        routes=("MeetingPage.event_ics",),
        kind="ics",
    ),
    View("meeting event.ics", lambda w: url(w.meeting, "event.ics"), kind="ics"),
    View("meeting cancelled ics", lambda w: url(w.cancelled_meeting, "event/ics/"), kind="ics"),
    # Staff: the registrations of the pages they may edit, the resident by public name.
    View(
        "registrations admin",
        admin(),
        params=("meeting", "status", "p", "ordering", "q"),
        role="moderator",
        hidden_ok=True,
    ),
    View("registrations csv", admin("?export=csv"), kind="csv", role="moderator", hidden_ok=True),
    View(
        "registration inspect",
        lambda w: f"/admin/participation/registration/inspect/{w.registration.pk}/",
        role="moderator",
        hidden_ok=True,
    ),
    View("registrations admin superuser", admin(), role="superuser", hidden_ok=True),
]

MUTATIONS = [
    Mutation(
        "meeting register",
        lambda w: url(w.meeting, "register/"),
        lambda w: occurrence(NEXT_TUESDAY),
        all_registrations,
        routes=("MeetingPage.register_for_occurrence",),
        tampered=lambda w: (url(w.meeting, "register/"), occurrence(CANCELLED_START)),
    ),
    Mutation(
        "meeting register excluded date",
        lambda w: url(w.meeting, "register/"),
        lambda w: occurrence(NEXT_TUESDAY),
        all_registrations,
        tampered=lambda w: (url(w.meeting, "register/"), occurrence(EXCLUDED_START)),
    ),
    Mutation(
        "meeting register other meeting's date",
        lambda w: url(w.meeting, "register/"),
        lambda w: occurrence(NEXT_TUESDAY),
        all_registrations,
        tampered=lambda w: (url(w.meeting, "register/"), occurrence(ELSEWHERE_START)),
    ),
    Mutation(
        "meeting register draft",
        lambda w: url(w.meeting, "register/"),
        lambda w: occurrence(NEXT_TUESDAY),
        all_registrations,
        tampered=lambda w: (
            url(w.calendar, w.draft_meeting.slug + "/register/"),
            occurrence(HIDDEN_START + timedelta(days=14)),
        ),
    ),
    Mutation(
        "meeting waiting list",
        lambda w: url(w.full_meeting, "register/"),
        lambda w: occurrence(FULL_START),
        all_registrations,
        tampered=lambda w: (
            url(w.cancelled_meeting, "register/"),
            occurrence(FULL_START + timedelta(days=1)),
        ),
    ),
    Mutation(
        "meeting cancel registration",
        lambda w: url(w.meeting, "register/cancel/"),
        lambda w: occurrence(NEXT_TUESDAY),
        all_registrations,
        allowed="author",
        routes=("MeetingPage.cancel_occurrence_registration",),
        # Another resident's place: the author is not registered at that date.
        tampered=lambda w: (
            url(w.meeting, "register/cancel/"),
            occurrence(w.resident_registration.occurrence_start),
        ),
    ),
]

EMAILS = [
    Email("meeting registration e-mail", send_registration_email),
    Email("meeting reminder e-mail", send_reminders),
]

BAD_ADDRESSES = [
    BadAddress("calendar month 99999/13", lambda w: url(w.calendar, "99999/13/")),
    BadAddress("calendar month 0/0", lambda w: url(w.calendar, "0/0/")),
    BadAddress("calendar month 2026/13", lambda w: url(w.calendar, "2026/13/")),
    BadAddress("calendar month 2026/0", lambda w: url(w.calendar, "2026/0/")),
    BadAddress("calendar month huge", lambda w: url(w.calendar, "99999999999999999999/1/")),
    BadAddress("calendar month 1/1", lambda w: url(w.calendar, "1/1/")),
    BadAddress("calendar month -1/1", lambda w: url(w.calendar, "-1/1/")),
    BadAddress("meeting draft", lambda w: url(w.calendar, w.draft_meeting.slug + "/")),
    BadAddress(
        "meeting of another calendar", lambda w: url(w.calendar, w.elsewhere_meeting.slug + "/")
    ),
    BadAddress(
        "registration inspect elsewhere",
        lambda w: f"/admin/participation/registration/inspect/{w.elsewhere_registration.pk}/",
        role="moderator",
    ),
    BadAddress(
        "registration inspect of another team",
        lambda w: f"/admin/participation/registration/inspect/{w.registration.pk}/",
        role="other_moderator",
    ),
    BadAddress(
        "registration inspect huge",
        admin("inspect/99999999999999999999/"),
        role="moderator",
    ),
    BadAddress("registration inspect negative", admin("inspect/-1/"), role="moderator"),
]

# Registrations hold no text: the resident's public name is the profile's (see core).
RESIDENT_TEXT = []
NOT_RESIDENT_TEXT = {}
