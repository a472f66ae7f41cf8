"""Residents' privacy: download my data, delete my account, retention of inactive accounts."""

import json
from datetime import datetime, timedelta
from io import StringIO

import pytest
from django.contrib.auth.models import Group
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from wagtail_participation.codes import CodeBatch, redeem_code
from wagtail_participation.privacy import (
    anonymise_user,
    export_personal_data,
    register_personal_data,
    unregister_personal_data,
)
from wagtail_participation.profiles import ParticipantProfile
from wagtail_participation.reports import AccountReport

from .conftest import NOW

PASSWORD = "correct horse battery staple"
EXPORT_URL = reverse("participation_accounts:data_export")
DELETE_URL = reverse("participation_accounts:delete_account")
DELETED_URL = reverse("participation_accounts:account_deleted")
LOGIN_URL = reverse("participation_accounts:login")


def make_resident(django_user_model, username, neighbourhood=None, **profile_fields):
    user = django_user_model.objects.create_user(
        username,
        f"{username}@example.org",
        PASSWORD,
        first_name=username.capitalize(),
        last_name="Martin",
    )
    ParticipantProfile.objects.create(
        user=user,
        display_name=profile_fields.pop("display_name", f"{username.capitalize()} M."),
        neighbourhood=neighbourhood,
        lives_in_town=True,
        birth_year=1990,
        terms_accepted_at=NOW - timedelta(days=100),
        **profile_fields,
    )
    return user


@pytest.fixture
def alice(db, django_user_model, neighbourhoods):
    return make_resident(django_user_model, "alice", neighbourhoods["centre"])


@pytest.fixture
def bob(db, django_user_model, neighbourhoods):
    return make_resident(django_user_model, "bob", neighbourhoods["riverside"])


def signed_in(user):
    client = Client()
    assert client.login(username=user.get_username(), password=PASSWORD)
    return client


@pytest.fixture
def alice_client(alice):
    return signed_in(alice)


@pytest.fixture
def used_code(alice, root_page):
    batch, codes = CodeBatch.generate(
        "Jean Jaurès school, class 5B", 2, expires_at=NOW + timedelta(days=3650)
    )
    return redeem_code(codes[0], page=root_page, user=alice)


def ask_for_link(client, password=PASSWORD):
    return client.post(EXPORT_URL, {"password": password})


# Export ----------------------------------------------------------------------------------------


def test_export_contains_own_data_and_no_password_hash(alice, bob, used_code):
    AccountReport.objects.create(reported=bob, reporter=alice, reason="Insults in comments")
    AccountReport.objects.create(reported=alice, reporter=bob, reason="Bob's report")

    data = export_personal_data(alice)

    assert data["account"]["username"] == "alice"
    assert data["account"]["email"] == "alice@example.org"
    assert data["account"]["first_name"] == "Alice"
    assert data["account"]["last_name"] == "Martin"
    assert data["account"]["date_joined"]
    assert data["exported_at"]
    profile = data["profile"]
    assert profile["public_name"] == "Alice M."
    assert profile["neighbourhood"] == "Centre"
    assert profile["lives_in_town"] is True
    assert profile["birth_year"] == 1990
    assert profile["terms_accepted_at"]
    assert profile["preferences"] == {
        "email_on_replies": True,
        "email_on_updates": True,
        "email_on_results": True,
    }
    assert profile["created_at"]
    [code] = data["participation_codes"]
    assert code["batch"] == "Jean Jaurès school, class 5B"
    assert code["page"] == used_code.used_on_page.title
    assert datetime.fromisoformat(code["used_at"]) == used_code.used_at
    [report] = data["reports"]
    assert report["reason"] == "Insults in comments"
    assert report["created_at"]

    text = json.dumps(data)
    assert alice.password not in text
    assert "md5$" not in text
    assert used_code.code_hash not in text
    assert "bob" not in text.lower()
    assert "Riverside" not in text


def test_export_hooks_of_other_apps_are_included_and_erased(alice):
    erased = []
    register_personal_data("test_ballots", export=lambda user: [{"ballot": 1}], erase=erased.append)
    try:
        assert export_personal_data(alice)["test_ballots"] == [{"ballot": 1}]
        anonymise_user(alice)
        assert [user.pk for user in erased] == [alice.pk]
    finally:
        unregister_personal_data("test_ballots")
    assert "test_ballots" not in export_personal_data(alice)


def test_register_refuses_reserved_and_clashing_names():
    with pytest.raises(ValueError):
        register_personal_data("account", export=list, erase=list)
    with pytest.raises(ValueError):
        register_personal_data("profile", export=list, erase=list)


# Download my data ------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_login(client, alice, alice_client):
    token_url = ask_for_link(alice_client)["Location"]
    for url in (EXPORT_URL, token_url, DELETE_URL):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(f"{LOGIN_URL}?next=")
    assert client.post(DELETE_URL, {"password": PASSWORD, "confirm": "on"}).status_code == 302
    assert ParticipantProfile.objects.get(user=alice).anonymised_at is None


def test_download_form_asks_for_the_password(alice_client):
    response = alice_client.get(EXPORT_URL)
    assert response.status_code == 200
    assert response.context["participation_base_template"] == "site_base.html"
    html = response.content.decode()
    assert 'type="password"' in html
    assert 'autocomplete="current-password"' in html
    assert 'for="id_password"' in html
    assert "csrfmiddlewaretoken" in html


def test_download_requires_the_right_password(alice_client):
    response = ask_for_link(alice_client, password="wrong")
    assert response.status_code == 200
    assert "This is not your current password" in response.content.decode()
    assert 'aria-invalid="true"' in response.content.decode()
    assert "Location" not in response

    response = ask_for_link(alice_client, password="")
    assert response.status_code == 200
    assert "Location" not in response


def test_download_link_serves_the_data_once(alice_client, alice, frozen_now):
    response = ask_for_link(alice_client)
    assert response.status_code == 302
    token_url = response["Location"]
    assert token_url.startswith("/accounts/profile/data/")

    response = alice_client.get(token_url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"] == (
        'attachment; filename="my-participation-data-2026-03-15.json"'
    )
    assert "no-store" in response["Cache-Control"]
    data = json.loads(response.content)
    assert data["account"]["email"] == "alice@example.org"
    assert data["profile"]["public_name"] == "Alice M."
    assert alice.password not in response.content.decode()

    again = alice_client.get(token_url)
    assert again.status_code == 410
    assert "expired or was already used" in again.content.decode()
    assert "Content-Disposition" not in again


def test_download_link_refused_for_another_signed_in_user(alice_client, bob):
    token_url = ask_for_link(alice_client)["Location"]

    response = signed_in(bob).get(token_url)
    assert response.status_code == 403
    assert "Content-Disposition" not in response
    assert "alice@example.org" not in response.content.decode()

    # Bob's attempt did not spend Alice's link.
    assert alice_client.get(token_url).status_code == 200


def test_download_link_refused_in_another_session_of_the_same_user(alice_client, alice):
    token_url = ask_for_link(alice_client)["Location"]
    assert signed_in(alice).get(token_url).status_code == 403


def test_download_link_expires(alice_client, frozen_now, time_machine):
    token_url = ask_for_link(alice_client)["Location"]
    time_machine.shift(timedelta(minutes=11))
    response = alice_client.get(token_url)
    assert response.status_code == 410
    assert "Ask for a new one from your profile" in response.content.decode()


def test_download_link_within_its_minutes_works(alice_client, frozen_now, time_machine):
    token_url = ask_for_link(alice_client)["Location"]
    time_machine.shift(timedelta(minutes=9))
    assert alice_client.get(token_url).status_code == 200


def test_forged_or_altered_links_are_refused(alice_client):
    token_url = ask_for_link(alice_client)["Location"]
    assert alice_client.get(token_url.rstrip("/") + "x/").status_code == 403
    assert alice_client.get("/accounts/profile/data/not-a-token/").status_code == 403


def test_download_requests_are_rate_limited(alice_client):
    for _attempt in range(5):
        assert ask_for_link(alice_client, password="wrong").status_code == 200
    response = ask_for_link(alice_client)
    assert response.status_code == 429


# Delete my account -----------------------------------------------------------------------------


def test_delete_page_explains_what_is_deleted_and_what_stays(alice_client):
    response = alice_client.get(DELETE_URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "What is deleted" in html
    assert "What stays" in html
    assert "Former participant" in html
    assert 'type="checkbox"' in html
    assert 'for="id_confirm"' in html


@pytest.mark.parametrize(
    "data, error",
    [
        ({"password": PASSWORD}, "Tick this box"),
        ({"password": "wrong", "confirm": "on"}, "This is not your current password"),
        ({"confirm": "on"}, "This field is required"),
    ],
)
def test_delete_requires_password_and_confirmation(alice_client, alice, data, error):
    response = alice_client.post(DELETE_URL, data)
    assert response.status_code == 200
    assert error in response.content.decode()
    alice.refresh_from_db()
    assert alice.email == "alice@example.org"
    assert alice.is_active
    assert ParticipantProfile.objects.get(user=alice).anonymised_at is None


def make_editor(django_user_model, username, **flags):
    """A Wagtail editor: admin access through the Editors group, without being staff."""
    editor = django_user_model.objects.create_user(
        username, f"{username}@example.org", PASSWORD, **flags
    )
    if not flags:
        editor.groups.add(Group.objects.get(name="Editors"))
    return editor


@pytest.mark.parametrize("flags", [{}, {"is_staff": True}, {"is_superuser": True}])
def test_accounts_with_admin_access_are_not_deleted_here(django_user_model, flags):
    editor = make_editor(django_user_model, "editor", **flags)
    client = signed_in(editor)
    assert client.get(DELETE_URL).status_code == 403
    response = client.post(DELETE_URL, {"password": PASSWORD, "confirm": "on"})
    assert response.status_code == 403
    assert "Ask an administrator" in response.content.decode()
    editor.refresh_from_db()
    assert editor.is_active and editor.email == "editor@example.org"


def test_deleting_the_account_erases_personal_data(
    alice_client, alice, bob, used_code, django_user_model
):
    other_session = signed_in(alice)
    report = AccountReport.objects.create(reported=bob, reporter=alice, reason="Spam")
    users_before = django_user_model.objects.count()
    used_at = used_code.used_at

    response = alice_client.post(DELETE_URL, {"password": PASSWORD, "confirm": "on"})
    assert response.status_code == 302
    assert response["Location"] == DELETED_URL

    deleted_page = alice_client.get(DELETED_URL)
    assert deleted_page.status_code == 200
    assert "Your account has been deleted" in deleted_page.content.decode()

    alice.refresh_from_db()
    assert alice.username.startswith("former-")
    assert "alice" not in alice.username
    assert alice.email == ""
    assert alice.first_name == "" and alice.last_name == ""
    assert not alice.has_usable_password()
    assert not alice.is_active

    profile = ParticipantProfile.objects.get(user=alice)
    assert profile.display_name == ""
    assert profile.birth_year is None
    assert profile.neighbourhood is None
    assert profile.lives_in_town is False
    assert not (profile.email_on_replies or profile.email_on_updates or profile.email_on_results)
    assert profile.anonymised_at is not None
    assert profile.public_name == "Former participant"

    # Nobody can sign in, and every session of the account has ended.
    assert not Client().login(username="alice", password=PASSWORD)
    assert not Client().login(username=alice.username, password=PASSWORD)
    for client in (alice_client, other_session):
        response = client.get(EXPORT_URL)
        assert response.status_code == 302
        assert response["Location"].startswith(LOGIN_URL)
    assert not [
        s for s in Session.objects.all() if s.get_decoded().get("_auth_user_id") == str(alice.pk)
    ]

    # What was counted stays counted.
    used_code.refresh_from_db()
    assert used_code.used_at == used_at
    assert used_code.used_by_id == alice.pk
    report.refresh_from_db()
    assert report.reporter_id == alice.pk
    assert django_user_model.objects.count() == users_before

    # Bob is untouched.
    bob.refresh_from_db()
    assert bob.email == "bob@example.org" and bob.is_active


def test_anonymised_export_holds_nothing_personal(alice):
    anonymise_user(alice)
    text = json.dumps(export_personal_data(alice))
    for personal in ("alice", "Alice", "Martin", "example.org", "Centre", "1990"):
        assert personal not in text


def test_existing_session_ends_even_when_session_rows_remain(alice, alice_client):
    """The new unusable password changes the session hash: any session backend is covered."""
    other_session = signed_in(alice)
    saved = list(Session.objects.values_list("session_key", "session_data", "expire_date"))
    anonymise_user(alice)
    for key, data, expires in saved:  # as if sessions lived where we cannot delete them
        Session.objects.update_or_create(
            session_key=key, defaults={"session_data": data, "expire_date": expires}
        )
    assert other_session.get(EXPORT_URL).status_code == 302


# Retention of inactive accounts ----------------------------------------------------------------


@pytest.fixture
def retention(settings):
    settings.WAGTAIL_PARTICIPATION = {
        "BASE_TEMPLATE": "site_base.html",
        "INACTIVE_ACCOUNT_RETENTION_DAYS": 365,
        "RETENTION_WARNING_DAYS": 30,
    }


def aged(user, joined_days_ago, last_login_days_ago=None):
    type(user).objects.filter(pk=user.pk).update(
        date_joined=NOW - timedelta(days=joined_days_ago),
        last_login=None
        if last_login_days_ago is None
        else NOW - timedelta(days=last_login_days_ago),
    )
    user.refresh_from_db()
    return user


def run_retention(capture, *args):
    out = StringIO()
    with capture(execute=True):
        call_command("participation_retention", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def residents(db, django_user_model, frozen_now, retention):
    make = lambda name: make_resident(django_user_model, name)  # noqa: E731
    users = {
        "sleeping": aged(make("sleeping"), 800, 400),
        "never_came_back": aged(make("never"), 400),
        "active": aged(make("active"), 800, 10),
        "new": aged(make("new"), 10),
        "staff": aged(make_editor(django_user_model, "staff", is_staff=True), 800, 400),
        "superuser": aged(make_editor(django_user_model, "root", is_superuser=True), 800, 400),
        "editor": aged(make_editor(django_user_model, "editor"), 800, 400),
    }
    for name in ("staff", "superuser", "editor"):
        ParticipantProfile.objects.create(user=users[name])
    return users


def warned_at(user):
    return ParticipantProfile.objects.get(user=user).retention_warning_sent_at


def test_retention_warns_inactive_accounts_only(
    residents, mailoutbox, django_capture_on_commit_callbacks
):
    output = run_retention(django_capture_on_commit_callbacks)

    assert "warned 2, anonymised 0" in output
    assert sorted(m.to[0] for m in mailoutbox) == ["never@example.org", "sleeping@example.org"]
    assert warned_at(residents["sleeping"]) == NOW
    assert warned_at(residents["never_came_back"]) == NOW
    for name in ("active", "new", "staff", "superuser", "editor"):
        assert warned_at(residents[name]) is None

    message = next(m for m in mailoutbox if m.to == ["sleeping@example.org"])
    assert "\n" not in message.subject
    assert "sign in" in message.subject
    assert "Hello Sleeping M.," in message.body
    assert "http://localhost/accounts/login/" in message.body
    assert "April 14, 2026" in message.body  # 30 days after the warning

    # Running again the same day warns nobody twice.
    assert "warned 0, anonymised 0" in run_retention(django_capture_on_commit_callbacks)
    assert len(mailoutbox) == 2


def test_retention_anonymises_after_the_warning_unless_the_resident_signed_in(
    residents, mailoutbox, django_capture_on_commit_callbacks, time_machine, django_user_model
):
    run_retention(django_capture_on_commit_callbacks)
    users_before = django_user_model.objects.count()

    time_machine.shift(timedelta(days=10))
    assert Client().login(username="never", password=PASSWORD)  # keeps the account
    time_machine.shift(timedelta(days=19))
    assert "warned 0, anonymised 0" in run_retention(django_capture_on_commit_callbacks)

    time_machine.shift(timedelta(days=1))  # 30 days after the warning
    output = run_retention(django_capture_on_commit_callbacks)
    assert "warned 0, anonymised 1" in output

    sleeping = residents["sleeping"]
    sleeping.refresh_from_db()
    assert sleeping.email == "" and not sleeping.is_active
    assert sleeping.username.startswith("former-")
    assert ParticipantProfile.objects.get(user=sleeping).public_name == "Former participant"

    never = residents["never_came_back"]
    never.refresh_from_db()
    assert never.email == "never@example.org" and never.is_active
    assert ParticipantProfile.objects.get(user=never).anonymised_at is None
    for name in ("active", "new", "staff", "superuser", "editor"):
        assert ParticipantProfile.objects.get(user=residents[name]).anonymised_at is None
    assert django_user_model.objects.count() == users_before

    # Anonymised accounts are left alone afterwards.
    time_machine.shift(timedelta(days=400))
    output = run_retention(django_capture_on_commit_callbacks)
    assert "anonymised 0" in output
    assert ParticipantProfile.objects.get(user=sleeping).retention_warning_sent_at == NOW


def test_retention_warns_again_a_resident_who_came_back_then_left(
    residents, mailoutbox, django_capture_on_commit_callbacks, time_machine
):
    run_retention(django_capture_on_commit_callbacks)
    time_machine.shift(timedelta(days=5))
    assert Client().login(username="sleeping", password=PASSWORD)
    time_machine.shift(timedelta(days=366))
    mailoutbox.clear()

    output = run_retention(django_capture_on_commit_callbacks)

    # "never" did not come back; by now "active" and "new" are inactive too.
    assert "warned 3, anonymised 1" in output
    assert sorted(m.to[0] for m in mailoutbox) == [
        "active@example.org",
        "new@example.org",
        "sleeping@example.org",
    ]
    assert warned_at(residents["sleeping"]) == NOW + timedelta(days=371)
    assert ParticipantProfile.objects.get(user=residents["sleeping"]).anonymised_at is None


def test_retention_dry_run_changes_and_sends_nothing(
    residents, mailoutbox, django_capture_on_commit_callbacks, time_machine
):
    output = run_retention(django_capture_on_commit_callbacks, "--dry-run")
    assert "Dry run" in output
    assert "warned 2, anonymised 0" in output
    assert mailoutbox == []
    assert all(warned_at(user) is None for user in residents.values())

    run_retention(django_capture_on_commit_callbacks)
    time_machine.shift(timedelta(days=31))
    mailoutbox.clear()
    output = run_retention(django_capture_on_commit_callbacks, "--dry-run")
    assert "warned 0, anonymised 2" in output
    assert mailoutbox == []
    assert not ParticipantProfile.objects.filter(anonymised_at__isnull=False).exists()
    assert residents["sleeping"].__class__.objects.get(pk=residents["sleeping"].pk).is_active


def test_retention_disabled(residents, settings, mailoutbox, django_capture_on_commit_callbacks):
    settings.WAGTAIL_PARTICIPATION = {
        "BASE_TEMPLATE": "site_base.html",
        "INACTIVE_ACCOUNT_RETENTION_DAYS": None,
    }
    output = run_retention(django_capture_on_commit_callbacks)
    assert "disabled" in output
    assert mailoutbox == []
    assert all(warned_at(user) is None for user in residents.values())
