"""Registering residents for meetings: places, waiting list, cancellations, e-mails, views."""

import threading
from collections import Counter
from datetime import date, datetime, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from icalendar import Calendar

from wagtail_participation.meetings.models import (
    Registration,
    RegistrationStatus,
)
from wagtail_participation.meetings.registrations import (
    RegistrationRefused,
    cancel_registration,
    register,
    waiting_position,
)
from wagtail_participation.privacy import anonymise_user, export_personal_data

from . import meeting_factories
from .budget_factories import make_voter
from .conftest import NOW, default_site_root
from .meeting_factories import FIRST, PARIS, make_calendar


def add_meeting(parent, **fields):
    """A meeting residents register for on this site, unless ``registration`` says otherwise."""
    fields.setdefault("registration", "site")
    return meeting_factories.add_meeting(parent, **fields)


@pytest.fixture
def calendar_page(root_page):
    return make_calendar(root_page)


@pytest.fixture
def meeting(calendar_page):
    return add_meeting(calendar_page, capacity=2)


@pytest.fixture
def weekly(calendar_page):
    """Every Friday at 18:30 until the end of April, the 27 March occurrence cancelled."""
    return add_meeting(
        calendar_page,
        frequency="weekly",
        repeat_until=date(2026, 4, 30),
        changes=[(date(2026, 3, 27), True)],
    )


_users = iter(range(1, 100_000))


def resident(name=None):
    return make_voter(name or f"resident{next(_users)}")


def refused_code(*args, **kwargs):
    with pytest.raises(RegistrationRefused) as refused:
        register(*args, **kwargs)
    return refused.value.code


# The service -----------------------------------------------------------------------------------


@pytest.mark.django_db
class TestRegister:
    def test_confirmed_while_places_are_left(self, meeting, frozen_now):
        registration = register(meeting, FIRST, resident())
        assert registration.status == RegistrationStatus.CONFIRMED
        assert registration.occurrence_start == FIRST
        assert registration.created_at == NOW

    def test_waiting_list_when_full(self, meeting, frozen_now):
        for _ in range(2):
            register(meeting, FIRST, resident())
        first_waiting = register(meeting, FIRST, resident())
        second_waiting = register(meeting, FIRST, resident())
        assert first_waiting.status == RegistrationStatus.WAITING
        assert second_waiting.status == RegistrationStatus.WAITING
        assert waiting_position(first_waiting) == 1
        assert waiting_position(second_waiting) == 2

    def test_unlimited_meeting_never_waits(self, calendar_page, frozen_now):
        meeting = add_meeting(calendar_page, capacity=None)
        statuses = {register(meeting, FIRST, resident()).status for _ in range(5)}
        assert statuses == {RegistrationStatus.CONFIRMED}

    def test_places_count_per_occurrence(self, weekly, frozen_now):
        weekly.capacity = 1
        weekly.save()
        register(weekly, FIRST, resident())
        later = register(weekly, FIRST + timedelta(days=14), resident())
        assert later.status == RegistrationStatus.CONFIRMED

    def test_double_registration_refused(self, meeting, frozen_now):
        user = resident()
        register(meeting, FIRST, user)
        assert refused_code(meeting, FIRST, user) == "already_registered"
        assert Registration.objects.count() == 1

    def test_register_again_after_cancelling(self, meeting, frozen_now):
        user = resident()
        cancel_registration(register(meeting, FIRST, user))
        assert register(meeting, FIRST, user).status == RegistrationStatus.CONFIRMED

    def test_past_occurrence_refused(self, meeting, time_machine):
        time_machine.move_to(FIRST + timedelta(minutes=1), tick=False)
        assert refused_code(meeting, FIRST, resident()) == "past"
        assert not Registration.objects.exists()

    def test_cancelled_meeting_refused(self, calendar_page, frozen_now):
        meeting = add_meeting(calendar_page, cancelled=True)
        assert refused_code(meeting, FIRST, resident()) == "cancelled"

    def test_cancelled_occurrence_refused(self, weekly, frozen_now):
        cancelled = datetime(2026, 3, 27, 18, 30, tzinfo=PARIS)
        assert refused_code(weekly, cancelled, resident()) == "cancelled"
        # After the change of clocks on 29 March, still at 18:30 local time.
        after_dst = datetime(2026, 4, 3, 18, 30, tzinfo=PARIS)
        assert register(weekly, after_dst, resident()).status == RegistrationStatus.CONFIRMED

    def test_left_out_occurrence_refused(self, calendar_page, frozen_now):
        weekly = add_meeting(
            calendar_page,
            frequency="weekly",
            repeat_until=date(2026, 4, 30),
            changes=[(date(2026, 4, 10), "excluded")],
        )
        left_out = datetime(2026, 4, 10, 18, 30, tzinfo=PARIS)
        assert refused_code(weekly, left_out, resident()) == "unknown_occurrence"
        assert not Registration.objects.exists()

    @pytest.mark.parametrize(
        "start",
        [
            datetime(2026, 3, 20, 18, 0, tzinfo=PARIS),  # right day, wrong time
            datetime(2026, 3, 21, 18, 30, tzinfo=PARIS),  # not a Friday
            datetime(2026, 5, 1, 18, 30, tzinfo=PARIS),  # after repeat_until
            datetime(2026, 3, 20, 18, 30),  # naive
        ],
    )
    def test_unknown_occurrence_refused(self, weekly, frozen_now, start):
        assert refused_code(weekly, start, resident()) == "unknown_occurrence"
        assert not Registration.objects.exists()

    def test_registration_must_be_on_this_site(self, calendar_page, frozen_now):
        for mode, extra in [("", {}), ("external", {"external_registration_url": "https://x.fr"})]:
            meeting = add_meeting(calendar_page, registration=mode, **extra)
            assert refused_code(meeting, FIRST, resident()) == "not_open"

    def test_anonymous_refused(self, meeting, frozen_now):
        from django.contrib.auth.models import AnonymousUser

        assert refused_code(meeting, FIRST, AnonymousUser()) == "sign_in"
        assert refused_code(meeting, FIRST, None) == "sign_in"

    def test_incomplete_profile_refused(self, meeting, frozen_now):
        user = get_user_model().objects.create_user("new", "new@example.org", "pw-123456789")
        assert refused_code(meeting, FIRST, user) == "profile_incomplete"


@pytest.mark.django_db
class TestCancel:
    def test_cancel_confirmed_promotes_the_oldest_waiting(self, meeting, time_machine):
        time_machine.move_to(NOW, tick=False)
        first = register(meeting, FIRST, resident())
        register(meeting, FIRST, resident())
        time_machine.move_to(NOW + timedelta(hours=1), tick=False)
        oldest_waiting = register(meeting, FIRST, resident())
        time_machine.move_to(NOW + timedelta(hours=2), tick=False)
        newest_waiting = register(meeting, FIRST, resident())

        promoted = cancel_registration(first)

        assert promoted.pk == oldest_waiting.pk
        first.refresh_from_db()
        assert first.status == RegistrationStatus.CANCELLED
        assert first.cancelled_at == NOW + timedelta(hours=2)
        oldest_waiting.refresh_from_db()
        newest_waiting.refresh_from_db()
        assert oldest_waiting.status == RegistrationStatus.CONFIRMED
        assert newest_waiting.status == RegistrationStatus.WAITING
        assert waiting_position(newest_waiting) == 1

    def test_cancel_waiting_promotes_nobody(self, meeting, frozen_now):
        for _ in range(2):
            register(meeting, FIRST, resident())
        waiting = register(meeting, FIRST, resident())
        other = register(meeting, FIRST, resident())
        assert cancel_registration(waiting) is None
        other.refresh_from_db()
        assert other.status == RegistrationStatus.WAITING

    def test_cancel_twice_refused(self, meeting, frozen_now):
        registration = register(meeting, FIRST, resident())
        cancel_registration(registration)
        with pytest.raises(RegistrationRefused) as refused:
            cancel_registration(registration)
        assert refused.value.code == "already_cancelled"


# E-mails ---------------------------------------------------------------------------------------


def ics_of(message):
    attachments = [a for a in message.attachments if a[0] == "event.ics"]
    assert len(attachments) == 1
    name, content, mimetype = attachments[0]
    assert mimetype == "text/calendar"
    return Calendar.from_ical(content)


@pytest.mark.django_db
class TestEmails:
    def test_confirmation_with_the_event_attached(
        self, meeting, frozen_now, mailoutbox, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            register(meeting, FIRST, resident("ines"))
        assert len(mailoutbox) == 1
        message = mailoutbox[0]
        assert message.to == ["ines@example.org"]
        assert message.subject == "Registration confirmed: Committee"
        assert "Friday 20 March 2026" in message.body or "March 20, 2026" in message.body
        event = ics_of(message).walk("VEVENT")[0]
        assert str(event["SUMMARY"]).startswith("Committee")

    def test_nothing_sent_before_the_commit(
        self, meeting, frozen_now, mailoutbox, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            register(meeting, FIRST, resident())
        assert mailoutbox == []
        for callback in callbacks:
            callback()
        assert len(mailoutbox) == 1

    def test_waiting_list_then_promotion(
        self, meeting, frozen_now, mailoutbox, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            first = register(meeting, FIRST, resident())
            register(meeting, FIRST, resident())
            register(meeting, FIRST, resident("waiter"))
        waiting_message = mailoutbox[-1]
        assert waiting_message.to == ["waiter@example.org"]
        assert "waiting list, number 1" in waiting_message.body
        assert not waiting_message.attachments
        with django_capture_on_commit_callbacks(execute=True):
            cancel_registration(first)
        promotion = mailoutbox[-1]
        assert promotion.to == ["waiter@example.org"]
        assert promotion.subject == "A place is free for you: Committee"
        ics_of(promotion)


@pytest.mark.django_db
class TestEditorsChangeTheMeeting:
    """Registrations follow what editors publish: a new time, a cancelled or left-out date."""

    def publish(self, meeting, callbacks, **fields):
        for name, value in fields.items():
            setattr(meeting, name, value)
        with callbacks(execute=True):
            meeting.save_revision().publish()

    def test_a_new_time_moves_the_registrations_and_tells_the_residents(
        self, weekly, frozen_now, mailoutbox, django_capture_on_commit_callbacks
    ):
        ines = resident("ines")
        on_20th = register(weekly, FIRST, ines)
        on_3rd = register(weekly, datetime(2026, 4, 3, 18, 30, tzinfo=PARIS), ines)
        mailoutbox.clear()
        self.publish(
            weekly,
            django_capture_on_commit_callbacks,
            starts_at=FIRST + timedelta(minutes=30),
            ends_at=FIRST + timedelta(hours=2, minutes=30),
        )
        on_20th.refresh_from_db()
        on_3rd.refresh_from_db()
        assert on_20th.occurrence_start == datetime(2026, 3, 20, 19, 0, tzinfo=PARIS)
        assert on_3rd.occurrence_start == datetime(2026, 4, 3, 19, 0, tzinfo=PARIS)
        assert {on_20th.status, on_3rd.status} == {RegistrationStatus.CONFIRMED}
        assert [m.subject for m in mailoutbox] == ["New time: Committee"] * 2
        assert "When: Friday March 20, 2026, 7 p.m." in mailoutbox[0].body
        event = ics_of(mailoutbox[0]).walk("VEVENT")[0]
        assert event["DTSTART"].dt.hour == 19

    def test_a_cancelled_or_left_out_date_cancels_its_registrations(
        self, weekly, frozen_now, mailoutbox, django_capture_on_commit_callbacks
    ):
        april_3 = datetime(2026, 4, 3, 18, 30, tzinfo=PARIS)
        april_10 = datetime(2026, 4, 10, 18, 30, tzinfo=PARIS)
        kept = register(weekly, FIRST, resident("kept"))
        cancelled = register(weekly, april_3, resident("ines"))
        left_out = register(weekly, april_10, resident("omar"))
        mailoutbox.clear()
        weekly.occurrence_changes.add(
            meeting_factories.occurrence_change(date(2026, 4, 3), "cancelled"),
            meeting_factories.occurrence_change(date(2026, 4, 10), "excluded"),
        )
        self.publish(weekly, django_capture_on_commit_callbacks)
        for registration in (kept, cancelled, left_out):
            registration.refresh_from_db()
        assert kept.status == RegistrationStatus.CONFIRMED
        assert cancelled.status == left_out.status == RegistrationStatus.CANCELLED
        assert cancelled.cancelled_at == NOW
        assert sorted((m.to[0], m.subject) for m in mailoutbox) == [
            ("ines@example.org", "Cancelled: Committee"),
            ("omar@example.org", "Cancelled: Committee"),
        ]
        assert "will not take place" in mailoutbox[0].body
        assert not mailoutbox[0].attachments
        # Publishing again tells nobody twice.
        mailoutbox.clear()
        self.publish(weekly, django_capture_on_commit_callbacks)
        assert mailoutbox == []

    def test_cancelling_the_meeting_cancels_every_future_registration(
        self, meeting, frozen_now, mailoutbox, django_capture_on_commit_callbacks
    ):
        first = register(meeting, FIRST, resident())
        second = register(meeting, FIRST, resident())
        waiting = register(meeting, FIRST, resident())
        self.publish(meeting, django_capture_on_commit_callbacks, cancelled=True)
        statuses = set(
            Registration.objects.filter(pk__in=[first.pk, second.pk, waiting.pk]).values_list(
                "status", flat=True
            )
        )
        assert statuses == {RegistrationStatus.CANCELLED}

    def test_more_places_move_the_waiting_list_up(
        self, meeting, frozen_now, mailoutbox, django_capture_on_commit_callbacks
    ):
        for _ in range(2):
            register(meeting, FIRST, resident())
        first, second, third = (register(meeting, FIRST, resident()) for _ in range(3))
        mailoutbox.clear()
        self.publish(meeting, django_capture_on_commit_callbacks, capacity=4)
        for registration in (first, second, third):
            registration.refresh_from_db()
        assert [first.status, second.status, third.status] == [
            RegistrationStatus.CONFIRMED,
            RegistrationStatus.CONFIRMED,
            RegistrationStatus.WAITING,
        ]
        assert waiting_position(third) == 1
        assert [m.subject for m in mailoutbox] == ["A place is free for you: Committee"] * 2

    def test_a_waiting_resident_told_of_a_new_time_gets_no_link_nor_event(
        self, calendar_page, frozen_now, mailoutbox, django_capture_on_commit_callbacks
    ):
        online = add_meeting(
            calendar_page,
            capacity=1,
            attendance="hybrid",
            online_url="https://video.example/secret",
            online_link_audience="registered",
        )
        register(online, FIRST, resident("confirmed"))
        register(online, FIRST, resident("waiting"))
        mailoutbox.clear()
        self.publish(
            online,
            django_capture_on_commit_callbacks,
            starts_at=FIRST + timedelta(hours=1),
            ends_at=FIRST + timedelta(hours=3),
        )
        by_address = {m.to[0]: m for m in mailoutbox}
        assert "video.example/secret" in by_address["confirmed@example.org"].body
        assert by_address["confirmed@example.org"].attachments
        assert "video.example/secret" not in by_address["waiting@example.org"].body
        assert not by_address["waiting@example.org"].attachments

    def test_past_registrations_are_left_alone(
        self, meeting, time_machine, django_capture_on_commit_callbacks
    ):
        time_machine.move_to(NOW, tick=False)
        registration = register(meeting, FIRST, resident())
        time_machine.move_to(FIRST + timedelta(hours=3), tick=False)
        self.publish(meeting, django_capture_on_commit_callbacks, cancelled=True)
        registration.refresh_from_db()
        assert registration.status == RegistrationStatus.CONFIRMED


@pytest.mark.django_db
class TestPersonalData:
    def test_registrations_are_in_the_data_export(self, weekly, frozen_now):
        ines = resident("ines")
        register(weekly, FIRST, ines)
        (row,) = export_personal_data(ines)["meetings"]["registrations"]
        assert row["meeting"] == "Committee"
        assert datetime.fromisoformat(row["occurrence"]) == FIRST
        assert row["status"] == "confirmed"

    def test_a_deleted_account_gives_its_place_to_the_waiting_list(
        self, meeting, time_machine, mailoutbox, django_capture_on_commit_callbacks
    ):
        time_machine.move_to(NOW - timedelta(days=30), tick=False)
        earlier = add_meeting(meeting.get_parent(), start=NOW - timedelta(days=7))
        leaving = resident("leaving")
        past = register(earlier, earlier.starts_at, leaving)
        time_machine.move_to(NOW, tick=False)
        place = register(meeting, FIRST, leaving)
        register(meeting, FIRST, resident())
        waiting = register(meeting, FIRST, resident("waiting"))
        mailoutbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            anonymise_user(leaving)
        place.refresh_from_db()
        waiting.refresh_from_db()
        past.refresh_from_db()
        assert place.status == RegistrationStatus.CANCELLED
        assert waiting.status == RegistrationStatus.CONFIRMED
        assert past.status == RegistrationStatus.CONFIRMED  # the attendance figures stay
        assert [m.to for m in mailoutbox] == [["waiting@example.org"]]


# Views -----------------------------------------------------------------------------------------


def meeting_url(meeting):
    return meeting.get_url()


@pytest.mark.django_db
class TestViews:
    def test_page_shows_places_and_sign_in_link_to_anonymous(self, client, meeting, frozen_now):
        response = client.get(meeting_url(meeting))
        html = response.content.decode()
        assert response.status_code == 200
        assert "2 places left" in html
        assert "Sign in to register" in html
        assert 'action="' + meeting_url(meeting) + 'register/"' not in html

    def test_register_then_cancel(self, client, meeting, frozen_now):
        user = resident()
        client.force_login(user)
        html = client.get(meeting_url(meeting)).content.decode()
        assert FIRST.isoformat() in html
        response = client.post(
            meeting_url(meeting) + "register/", {"occurrence": FIRST.isoformat()}
        )
        assert response.status_code == 302
        assert response["Location"].startswith(meeting_url(meeting))
        registration = Registration.objects.get(user=user)
        assert registration.status == RegistrationStatus.CONFIRMED
        html = client.get(meeting_url(meeting)).content.decode()
        assert "You are registered." in html
        assert "1 place left" in html
        response = client.post(
            meeting_url(meeting) + "register/cancel/", {"occurrence": FIRST.isoformat()}
        )
        assert response.status_code == 302
        registration.refresh_from_db()
        assert registration.status == RegistrationStatus.CANCELLED

    def test_waiting_list_shown(self, client, meeting, frozen_now):
        for _ in range(3):
            register(meeting, FIRST, resident())
        user = resident()
        register(meeting, FIRST, user)
        client.force_login(user)
        html = client.get(meeting_url(meeting)).content.decode()
        assert "2 people on the waiting list" in html
        assert "You are on the waiting list (number 2)." in html

    def test_anonymous_post_refused(self, client, meeting, frozen_now):
        response = client.post(
            meeting_url(meeting) + "register/", {"occurrence": FIRST.isoformat()}
        )
        assert response.status_code == 403
        assert "Sign in to register for this meeting." in response.content.decode()
        assert not Registration.objects.exists()

    @pytest.mark.parametrize(
        "value", ["", "yesterday", "2026-03-20T18:30:00", "2026-03-21T18:30:00+01:00"]
    )
    def test_unknown_occurrence_post_refused(self, client, meeting, frozen_now, value):
        client.force_login(resident())
        response = client.post(meeting_url(meeting) + "register/", {"occurrence": value})
        assert response.status_code == 400
        assert "does not take place at that date" in response.content.decode()
        assert not Registration.objects.exists()

    def test_double_post_refused(self, client, meeting, frozen_now):
        client.force_login(resident())
        data = {"occurrence": FIRST.isoformat()}
        client.post(meeting_url(meeting) + "register/", data)
        response = client.post(meeting_url(meeting) + "register/", data)
        assert response.status_code == 409
        assert Registration.objects.count() == 1

    def test_cancel_without_registration(self, client, meeting, frozen_now):
        client.force_login(resident())
        response = client.post(
            meeting_url(meeting) + "register/cancel/", {"occurrence": FIRST.isoformat()}
        )
        assert response.status_code == 400

    def test_registering_is_rate_limited(self, client, meeting, frozen_now, settings):
        settings.WAGTAIL_PARTICIPATION = {
            **settings.WAGTAIL_PARTICIPATION,
            "RATE_LIMITS": {"meeting_registration": "2/h"},
        }
        client.force_login(resident())
        data = {"occurrence": FIRST.isoformat()}
        client.post(meeting_url(meeting) + "register/", data)
        client.post(meeting_url(meeting) + "register/cancel/", data)
        response = client.post(meeting_url(meeting) + "register/", data)
        assert response.status_code == 429
        assert Registration.objects.get().status == RegistrationStatus.CANCELLED

    def test_get_redirects_to_the_page(self, client, meeting, frozen_now):
        response = client.get(meeting_url(meeting) + "register/")
        assert response.status_code == 302

    def test_external_mode_shows_the_link(self, client, calendar_page, frozen_now):
        meeting = add_meeting(
            calendar_page,
            registration="external",
            external_registration_url="https://tickets.example.org/committee",
        )
        html = client.get(meeting_url(meeting)).content.decode()
        assert "https://tickets.example.org/committee" in html
        response = client.post(
            meeting_url(meeting) + "register/", {"occurrence": FIRST.isoformat()}
        )
        assert response.status_code == 400
        assert not Registration.objects.exists()


# Concurrency (PostgreSQL) ----------------------------------------------------------------------

THREADS = 20


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="concurrent registrations need PostgreSQL: SQLite has no row locks and one writer",
)
def test_concurrent_registrations_never_exceed_capacity(time_machine):
    time_machine.move_to(NOW, tick=False)
    meeting = add_meeting(make_calendar(default_site_root()), capacity=5)
    users = [resident(f"racer{number}") for number in range(THREADS)]
    barrier = threading.Barrier(THREADS)
    outcomes = []

    def attempt(user):
        from django.db import connection as thread_connection

        try:
            barrier.wait()
            outcomes.append(register(meeting, FIRST, user).status)
        except RegistrationRefused as refused:
            outcomes.append(refused.code)
        except Exception as error:  # anything else is a bug the test must show
            outcomes.append(repr(error))
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=attempt, args=(user,)) for user in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert Counter(outcomes) == {"confirmed": 5, "waiting": 15}
    statuses = Counter(Registration.objects.values_list("status", flat=True))
    assert statuses == {"confirmed": 5, "waiting": 15}
