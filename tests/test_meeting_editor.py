"""Editors create meetings in the Wagtail admin: what the page form accepts and refuses."""

from datetime import date, datetime

import pytest
from django.urls import reverse
from wagtail.models import Page
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text, streamfield

from wagtail_participation.meetings import recurrence
from wagtail_participation.meetings.models import CommitteeCalendarPage, MeetingPage

from .meeting_factories import PARIS, make_calendar

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(django_user_model, client):
    user = django_user_model.objects.create_superuser("editor", "editor@town.example", "pw")
    client.force_login(user)
    return user


@pytest.fixture
def calendar_page(root_page):
    return make_calendar(root_page, slug="committees")


def meeting_form(changes=(), **fields):
    """The add form of a first-Tuesday committee, 18:30-20:30 from 6 January to June 2026."""
    data = {
        "title": "Committee of the Meadows",
        "slug": "committee-of-the-meadows",
        "kind": "committee",
        "attendance": "in_person",
        "starts_at": "2026-01-06 18:30",
        "ends_at": "2026-01-06 20:30",
        "frequency": "monthly_weekday",
        "interval": "1",
        "repeat_until": "2026-06-30",
        "occurrence_changes": inline_formset(list(changes)),
        "address": "Salle des Prés, 2 rue des Prés",
        "latitude": "",
        "longitude": "",
        "access_notes": "",
        "accessibility_notes": "",
        "online_url": "",
        "online_link_audience": "everyone",
        "agenda": rich_text("<p>Traffic in the rue des Prés</p>"),
        "related_page": "",
        "registration": "",
        "capacity": "",
        "external_registration_url": "",
        "cancelled": "",
        "cancellation_note": "",
        "minutes": rich_text(""),
        "attendee_count": "",
        "documents": streamfield([]),
        "contributions_summary": rich_text(""),
        "action-publish": "1",
    }
    data.update(fields)
    return nested_form_data(data)


def add(client, calendar_page, **form):
    url = reverse(
        "wagtailadmin_pages:add", args=("participation_meetings", "meetingpage", calendar_page.pk)
    )
    return client.post(url, meeting_form(**form))


def errors_of(response):
    return response.content.decode()


def test_page_tree_rules():
    assert MeetingPage.can_create_at(CommitteeCalendarPage())
    assert not MeetingPage.can_create_at(Page())
    assert MeetingPage.allowed_subpage_models() == []


def test_editor_publishes_a_monthly_committee_with_a_cancelled_and_a_left_out_date(
    client, editor, calendar_page
):
    response = add(
        client,
        calendar_page,
        changes=[
            {"date": "2026-04-07", "status": "excluded", "note": ""},
            {"date": "2026-05-05", "status": "cancelled", "note": "Room closed"},
            {"date": "2026-06-02", "status": "held", "note": "At the library"},
        ],
    )
    assert response.status_code == 302
    meeting = MeetingPage.objects.get(slug="committee-of-the-meadows")
    assert meeting.live
    assert meeting.starts_at == datetime(2026, 1, 6, 18, 30, tzinfo=PARIS)
    found = {o.original_date: o for o in recurrence.occurrences(meeting)}
    assert sorted(found) == [
        date(2026, 1, 6),
        date(2026, 2, 3),
        date(2026, 3, 3),
        date(2026, 5, 5),
        date(2026, 6, 2),
    ]
    assert found[date(2026, 5, 5)].cancelled
    assert found[date(2026, 6, 2)].note == "At the library"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"ends_at": "2026-01-06 18:00"}, "The meeting must end after it starts."),
        ({"ends_at": "2026-01-06 18:30"}, "The meeting must end after it starts."),
        ({"repeat_until": ""}, "Say until when the meeting repeats"),
        ({"repeat_until": "2025-12-31"}, "The last repetition cannot be before the first"),
        ({"interval": "0"}, "Ensure this value is greater than or equal to 1."),
        ({"registration": "external"}, "Give the address of the registration page."),
        ({"attendance": "online"}, "Give the link of the online session."),
        (
            {"attendance": "hybrid", "online_url": "https://visio.example/x", "address": ""},
            "Give the address of the meeting.",
        ),
        ({"capacity": "0"}, "Ensure this value is greater than or equal to 1."),
        (
            {
                "attendance": "online",
                "online_url": "https://visio.example/x",
                "online_link_audience": "registered",
            },
            "Without registration, nobody would get the link",
        ),
    ],
)
def test_an_inconsistent_meeting_is_refused_and_nothing_is_stored(
    client, editor, calendar_page, fields, message
):
    response = add(client, calendar_page, **fields)
    assert response.status_code == 200
    assert message in errors_of(response)
    assert not MeetingPage.objects.exists()


@pytest.mark.parametrize(
    ("change", "fields", "message"),
    [
        (
            {"date": "2026-04-08", "status": "cancelled", "note": ""},
            {},
            "The meeting does not take place on April 8, 2026.",
        ),
        (
            {"date": "2026-07-07", "status": "excluded", "note": ""},
            {},
            "The meeting does not take place on July 7, 2026.",
        ),
        (
            {"date": "2026-01-06", "status": "excluded", "note": ""},
            {"frequency": "", "repeat_until": ""},
            "A meeting that does not repeat cannot leave out its only date",
        ),
        (
            {"date": "2026-03-03", "status": "held", "note": ""},
            {},
            "Write the note residents will read for this date.",
        ),
    ],
)
def test_a_change_to_an_occurrence_that_means_nothing_is_refused(
    client, editor, calendar_page, change, fields, message
):
    response = add(client, calendar_page, changes=[change], **fields)
    assert response.status_code == 200
    content = errors_of(response)
    assert message in content
    assert "Check the changes to single occurrences." in content
    assert not MeetingPage.objects.exists()


def test_two_changes_to_the_same_date_are_refused(client, editor, calendar_page):
    changes = [
        {"date": "2026-03-03", "status": "cancelled", "note": ""},
        {"date": "2026-03-03", "status": "held", "note": "At the library"},
    ]
    response = add(client, calendar_page, changes=changes)
    assert response.status_code == 200
    assert not MeetingPage.objects.exists()
