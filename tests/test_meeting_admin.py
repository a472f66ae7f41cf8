"""Meeting registrations in the admin: listed and exported for staff, never edited there."""

import csv
import io
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, Permission
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from wagtail.models import GroupPagePermission, Page

from wagtail_participation.conf import settings
from wagtail_participation.meetings.models import Registration, RegistrationStatus
from wagtail_participation.meetings.reminders import due_registrations, reminder_window

from .budget_factories import make_voter
from .conftest import NOW
from .meeting_factories import FIRST, make_calendar
from .test_meeting_registrations import add_meeting

pytestmark = pytest.mark.skipif(settings.ADMIN_UI != "wagtail", reason="Wagtail's admin UI")


def make_staff(django_user_model, username, *codenames, pages=None):
    """Staff with these model permissions, acting on ``pages`` (the whole tree by default:
    the "Edit" page permission on the root page)."""
    user = django_user_model.objects.create_user(username, f"{username}@town.example", "pw")
    for codename in ("wagtailadmin.access_admin", *codenames):
        app_label, name = codename.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=name)
        )
    group = Group.objects.create(name=f"Pages of {username}")
    for page in pages or [Page.get_first_root_node()]:
        GroupPagePermission.objects.create(
            group=group,
            page=page,
            permission=Permission.objects.get(
                content_type__app_label="wagtailcore", codename="change_page"
            ),
        )
    user.groups.add(group)
    return user


@pytest.fixture
def registrations(root_page):
    calendar = make_calendar(root_page)
    meeting = add_meeting(calendar, title="Green spaces committee")
    other = add_meeting(calendar, title="Traffic committee")
    alice = make_voter("alice")
    bob = make_voter("bob")
    return [
        Registration.objects.create(meeting=meeting, occurrence_start=FIRST, user=alice),
        Registration.objects.create(
            meeting=meeting,
            occurrence_start=FIRST,
            user=bob,
            status=RegistrationStatus.WAITING,
        ),
        Registration.objects.create(meeting=other, occurrence_start=FIRST, user=bob),
    ]


@pytest.fixture
def organiser(django_user_model):
    return make_staff(django_user_model, "organiser", "participation_meetings.view_registration")


def index_url():
    return reverse("participation_registration:index")


def test_organiser_lists_registrations_by_public_name_only(client, organiser, registrations):
    client.force_login(organiser)
    response = client.get(index_url())
    assert response.status_code == 200
    html = response.text
    assert "Alice" in html and "Bob" in html
    assert "Green spaces committee" in html
    assert "alice@example.org" not in html and "bob@example.org" not in html
    # No "Add" button, no edit link.
    assert reverse("participation_registration:add") not in html
    assert reverse("participation_registration:edit", args=[registrations[0].pk]) not in html


def test_listing_filters_by_meeting_and_status(client, organiser, registrations):
    client.force_login(organiser)
    html = client.get(index_url(), {"status": "waiting"}).text
    assert "Bob" in html and "Alice" not in html
    meeting = registrations[2].meeting
    html = client.get(index_url(), {"meeting": meeting.pk}).text
    assert "Bob" in html and "Alice" not in html


def test_export_has_public_name_and_email_for_organisers(client, organiser, registrations):
    client.force_login(organiser)
    response = client.get(index_url(), {"export": "csv"})
    assert response.status_code == 200
    content = b"".join(response.streaming_content).decode()
    rows = list(csv.DictReader(io.StringIO(content)))
    assert len(rows) == 3
    first = rows[0]
    assert first["Resident (public name)"] == "Alice"
    assert first["E-mail"] == "alice@example.org"
    assert first["Meeting"] == "Green spaces committee"
    assert {row["Status"] for row in rows} == {"Confirmed", "On the waiting list"}


def test_nobody_adds_edits_or_deletes_registrations(client, django_user_model, registrations):
    staff = make_staff(
        django_user_model,
        "staff",
        "participation_meetings.view_registration",
        "participation_meetings.add_registration",
        "participation_meetings.change_registration",
        "participation_meetings.delete_registration",
    )
    client.force_login(staff)
    pk = registrations[0].pk
    assert client.get(reverse("participation_registration:add")).status_code in (302, 403)
    assert client.get(reverse("participation_registration:edit", args=[pk])).status_code in (
        302,
        403,
    )
    assert client.post(reverse("participation_registration:delete", args=[pk])).status_code in (
        302,
        403,
    )
    assert Registration.objects.filter(pk=pk).exists()
    assert client.get(reverse("participation_registration:inspect", args=[pk])).status_code == 200


def test_staff_see_the_registrations_of_the_pages_they_may_edit_only(
    client, django_user_model, root_page, registrations
):
    """A neighbourhood team with "Edit" on its own calendar never sees another's registrations."""
    other_calendar = make_calendar(root_page, title="Other committees")
    elsewhere = add_meeting(other_calendar, title="Another team's meeting")
    theirs = Registration.objects.create(
        meeting=elsewhere, occurrence_start=FIRST, user=make_voter("carol")
    )
    team = make_staff(
        django_user_model,
        "team",
        "participation_meetings.view_registration",
        pages=[registrations[0].meeting.get_parent()],
    )
    client.force_login(team)
    listing = client.get(index_url()).content.decode()
    assert "Green spaces committee" in listing and "Another team&#x27;s meeting" not in listing
    response = client.get(index_url(), {"export": "csv"})
    export = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "Green spaces committee" in export and "Another team" not in export
    inspect = "participation_registration:inspect"
    assert client.get(reverse(inspect, args=[registrations[0].pk])).status_code == 200
    assert client.get(reverse(inspect, args=[theirs.pk])).status_code == 404


def test_staff_without_the_permission_cannot_list(client, django_user_model, registrations):
    client.force_login(make_staff(django_user_model, "other"))
    assert client.get(index_url()).status_code in (302, 403)
    assert client.get(index_url(), {"export": "csv"}).status_code in (302, 403)


# Reminders the day before --------------------------------------------------------------------


def run_reminders():
    out = io.StringIO()
    call_command("participation_meeting_reminders", stdout=out)
    return out.getvalue()


@pytest.fixture
def reminded(root_page):
    calendar = make_calendar(root_page)
    meeting = add_meeting(calendar, title="Green spaces committee")
    alice, bob, carol = make_voter("alice"), make_voter("bob"), make_voter("carol")
    for user, status in (
        (alice, RegistrationStatus.CONFIRMED),
        (bob, RegistrationStatus.WAITING),
        (carol, RegistrationStatus.CANCELLED),
    ):
        Registration.objects.create(
            meeting=meeting, occurrence_start=FIRST, user=user, status=status, created_at=NOW
        )
    return meeting


def test_reminder_sent_once_to_confirmed_registrants_by_hourly_runs(reminded, time_machine):
    mail.outbox.clear()
    # Hourly runs from two days before, twice each hour: one reminder, a day ahead.
    run = FIRST.replace(minute=5) - timedelta(hours=48)
    outputs = []
    while run < FIRST:
        time_machine.move_to(run, tick=False)
        outputs.append(run_reminders())
        run_reminders()
        run += timedelta(hours=1)
    assert len(mail.outbox) == 1
    assert (
        outputs.count("1 reminder queued for meetings starting until 2026-03-20T19:05+01:00.\n")
        == 1
    )
    message = mail.outbox[0]
    assert message.to == ["alice@example.org"]
    assert message.subject == "Reminder: Green spaces committee, Friday at 6:30 p.m."
    assert "Place: Town hall" in message.body
    assert Registration.objects.get(user__username="alice").reminded_at == FIRST.replace(
        minute=5
    ) - timedelta(hours=23)


def test_a_skipped_hour_is_caught_up(reminded, time_machine):
    mail.outbox.clear()
    time_machine.move_to(FIRST - timedelta(hours=20), tick=False)
    assert run_reminders().startswith("1 reminder queued")
    assert len(mail.outbox) == 1


def test_no_reminder_for_a_registration_made_the_day_before(reminded, time_machine):
    Registration.objects.filter(user__username="alice").update(
        created_at=FIRST - timedelta(hours=10)
    )
    mail.outbox.clear()
    time_machine.move_to(FIRST - timedelta(hours=5), tick=False)
    assert run_reminders().startswith("0 reminders queued")
    assert mail.outbox == []


def test_no_reminder_for_a_cancelled_meeting(reminded, time_machine):
    time_machine.move_to(NOW, tick=False)
    reminded.cancelled = True
    reminded.save_revision().publish()
    mail.outbox.clear()
    time_machine.move_to(FIRST - timedelta(hours=23, minutes=40), tick=False)
    assert run_reminders().startswith("0 reminders queued")
    assert mail.outbox == []


def test_reminder_window_is_the_next_day():
    start, end = reminder_window(FIRST)
    assert start == FIRST
    assert end == FIRST + timedelta(hours=24)


def test_finding_due_reminders_reads_each_table_once(root_page, django_assert_num_queries):
    calendar = make_calendar(root_page)
    for number in range(5):
        meeting = add_meeting(calendar, title=f"Committee {number}")
        Registration.objects.create(
            meeting=meeting, occurrence_start=FIRST, user=make_voter(f"r{number}"), created_at=NOW
        )
    # Registrations with their meetings, then the meetings' occurrence changes.
    with django_assert_num_queries(2):
        due = due_registrations(FIRST - timedelta(hours=2))
    assert len(due) == 5
