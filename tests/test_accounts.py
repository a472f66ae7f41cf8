"""Resident accounts: sign-up and confirmation, log-in and out, password reset, profile, reports."""

import re
import uuid

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from wagtail_participation.accounts import forms as account_forms
from wagtail_participation.accounts.tokens import email_confirmation_token
from wagtail_participation.profiles import ParticipantProfile
from wagtail_participation.reports import AccountReport

User = get_user_model()

SIGNUP_URL = reverse("participation_accounts:signup")
SIGNUP_DONE_URL = reverse("participation_accounts:signup_done")
LOGIN_URL = reverse("participation_accounts:login")
LOGOUT_URL = reverse("participation_accounts:logout")
PROFILE_URL = reverse("participation_accounts:profile")
RESET_URL = reverse("participation_accounts:password_reset")
RESET_DONE_URL = reverse("participation_accounts:password_reset_done")
REPORT_DONE_URL = reverse("participation_accounts:report_done")
CONFIRM_LINK = re.compile(r"http://testserver(/accounts/confirm/[^/\s]+/[^/\s]+/)")
RESET_LINK = re.compile(r"http://testserver(/accounts/password/reset/[^/\s]+/[^/\s]+/)")
PASSWORD = "a long Passphrase 42"
STRONG_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]


@pytest.fixture(autouse=True)
def empty_cache(db):
    """Rate limits count in the cache: start every test with none used."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def post(client, django_capture_on_commit_callbacks):
    """POST with the client and run what waits for the commit (the e-mails)."""

    def do_post(url, data=None, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(url, data or {}, **kwargs)

    return do_post


def signup_data(**overrides):
    data = {
        "email": "alice@example.org",
        "display_name": "Alice B.",
        "password1": PASSWORD,
        "password2": PASSWORD,
        "accept_terms": "on",
        "website": "",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def make_resident(email="bob@example.org", display_name="Bob", active=True, **profile_fields):
    user = User.objects.create_user(
        username=email.lower(), email=email, password=PASSWORD, is_active=active
    )
    profile = ParticipantProfile(user=user, display_name=display_name, **profile_fields)
    profile.accept_terms()
    profile.save()
    return user


def link_in(message, pattern=CONFIRM_LINK):
    match = pattern.search(message.body)
    assert match, message.body
    return match.group(1)


def signed_in_user_id(client):
    return client.session.get("_auth_user_id")


# Sign-up and confirmation ----------------------------------------------------------------------


def test_signup_page_is_accessible(client):
    with override_settings(
        WAGTAIL_PARTICIPATION={
            **django_settings.WAGTAIL_PARTICIPATION,
            "TERMS_URL": "/terms/",
        }
    ):
        response = client.get(SIGNUP_URL)
    content = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Create an account</h1>" in content
    assert '<label for="id_email">E-mail</label>' in content
    assert '<label for="id_display_name">Public name</label>' in content
    assert "need not be your real name" in content
    assert 'aria-describedby="id_display_name_helptext"' in content
    assert "I accept the participation terms" in content
    assert '<a href="/terms/">Read the participation terms</a>' in content
    assert 'name="website"' in content
    assert "csrfmiddlewaretoken" in content


def test_signup_creates_inactive_account_and_confirmation_link_signs_in(client, post, mailoutbox):
    response = post(SIGNUP_URL, signup_data(email="Alice@Example.org"))

    assert response.status_code == 302
    assert response["Location"] == SIGNUP_DONE_URL
    user = User.objects.get()
    assert user.username == "alice@example.org"
    assert user.email == "Alice@example.org"
    assert not user.is_active
    assert user.check_password(PASSWORD)
    profile = user.participant_profile
    assert profile.display_name == "Alice B."
    assert profile.has_accepted_terms
    assert signed_in_user_id(client) is None

    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["Alice@example.org"]
    assert message.subject == "Confirm your e-mail address for Test town"
    link = link_in(message)

    page = client.get(link)
    assert page.status_code == 200
    assert "Confirm my e-mail address" in page.content.decode()
    # The token stays on the site; "no-referrer" would make browsers post with "Origin: null",
    # which the CSRF check refuses (tests/browser/test_journey_consultation.py signs up for real).
    assert page["Referrer-Policy"] == "same-origin"
    user.refresh_from_db()
    assert not user.is_active  # opening the link (a mail scanner may) activates nothing

    response = client.post(link)
    assert response.status_code == 302
    assert response["Location"] == PROFILE_URL
    user.refresh_from_db()
    assert user.is_active
    assert signed_in_user_id(client) == str(user.pk)
    profile_page = client.get(PROFILE_URL).content.decode()
    assert "Your e-mail address is confirmed and you are signed in." in profile_page


def test_signup_done_page(client):
    response = client.get(SIGNUP_DONE_URL)
    assert response.status_code == 200
    assert "<h1>Check your e-mail</h1>" in response.content.decode()


def test_confirmation_link_works_once(client, post, mailoutbox):
    post(SIGNUP_URL, signup_data())
    link = link_in(mailoutbox[0])
    assert client.post(link).status_code == 302
    client.post(LOGOUT_URL)

    for response in (client.get(link), client.post(link)):
        assert response.status_code == 400
        content = response.content.decode()
        assert "invalid, has expired, or was already used" in content
        assert f'href="{LOGIN_URL}"' in content
        assert f'href="{SIGNUP_URL}"' in content
    assert signed_in_user_id(client) is None


def test_bad_confirmation_tokens_are_refused(client, post, mailoutbox):
    post(SIGNUP_URL, signup_data())
    user = User.objects.get()
    uid = link_in(mailoutbox[0]).split("/")[3]
    bad_links = [
        reverse("participation_accounts:confirm_email", args=[uid, "abc-123"]),
        reverse("participation_accounts:confirm_email", args=["notauid", "abc-123"]),
        # A password-reset token of the same account is not a confirmation token.
        reverse(
            "participation_accounts:confirm_email",
            args=[uid, default_token_generator.make_token(user)],
        ),
    ]
    for link in bad_links:
        assert client.get(link).status_code == 400
        assert client.post(link).status_code == 400
    user.refresh_from_db()
    assert not user.is_active
    assert signed_in_user_id(client) is None


def test_confirmation_token_is_bound_to_is_active():
    user = User(pk=1, username="a@example.org", email="a@example.org", is_active=False)
    user.set_password(PASSWORD)
    token = email_confirmation_token.make_token(user)
    assert email_confirmation_token.check_token(user, token)
    assert not default_token_generator.check_token(user, token)
    user.is_active = True
    assert not email_confirmation_token.check_token(user, token)


def test_signup_with_existing_email_answers_the_same_and_creates_nothing(client, post, mailoutbox):
    existing = make_resident("bob@example.org", "Bob")

    new_response = post(SIGNUP_URL, signup_data(email="carol@example.org", display_name="Carol"))
    known_response = post(SIGNUP_URL, signup_data(email="BOB@example.org", display_name="Robert"))

    assert known_response.status_code == new_response.status_code == 302
    assert known_response["Location"] == new_response["Location"] == SIGNUP_DONE_URL
    assert known_response.content == new_response.content
    assert User.objects.filter(email__iexact="bob@example.org").count() == 1
    assert not ParticipantProfile.objects.filter(display_name="Robert").exists()
    existing.refresh_from_db()
    assert existing.check_password(PASSWORD)
    assert existing.participant_profile.display_name == "Bob"

    assert len(mailoutbox) == 2
    already = mailoutbox[1]
    assert already.to == ["bob@example.org"]
    assert already.subject == "You already have an account on Test town"
    assert "http://testserver" + LOGIN_URL in already.body
    assert "http://testserver" + RESET_URL in already.body
    assert not CONFIRM_LINK.search(already.body)


def test_signing_up_again_before_confirming_sends_a_new_link(client, post, mailoutbox):
    post(SIGNUP_URL, signup_data())
    post(SIGNUP_URL, signup_data(display_name="Someone else", password1="x", password2="x"))

    user = User.objects.get()
    assert user.participant_profile.display_name == "Alice B."
    assert user.check_password(PASSWORD)
    assert len(mailoutbox) == 2
    assert client.post(link_in(mailoutbox[1])).status_code == 302
    user.refresh_from_db()
    assert user.is_active


def test_public_name_taken_in_another_case_is_refused(client, post, mailoutbox):
    make_resident("bob@example.org", "Bob Martin")

    response = post(SIGNUP_URL, signup_data(display_name="  bob   MARTIN "))

    assert response.status_code == 200
    content = response.content.decode()
    assert "Another participant already uses this public name." in content
    assert 'role="alert"' in content
    assert 'aria-describedby="id_display_name_helptext id_display_name_error"' in content
    assert 'aria-invalid="true"' in content
    assert not User.objects.filter(email="alice@example.org").exists()
    assert mailoutbox == []


def test_database_constraint_guards_public_names(client, post, mailoutbox, monkeypatch):
    """Two sign-ups racing for one name: the loser gets the form error, nothing half-written."""
    make_resident("bob@example.org", "Bob")
    monkeypatch.setattr(account_forms, "display_name_taken", lambda value, exclude_user=None: False)

    response = post(SIGNUP_URL, signup_data(display_name="BOB"))

    assert response.status_code == 200
    assert "Another participant already uses this public name." in response.content.decode()
    assert not User.objects.filter(email="alice@example.org").exists()
    assert ParticipantProfile.objects.count() == 1
    assert mailoutbox == []


def test_filled_honeypot_is_refused(client, post, mailoutbox):
    response = post(SIGNUP_URL, signup_data(website="http://spam.example"))

    assert response.status_code == 200
    assert "This form could not be sent. Please try again." in response.content.decode()
    assert not User.objects.exists()
    assert not ParticipantProfile.objects.exists()
    assert mailoutbox == []


def test_password_mismatch_is_refused(client, post, mailoutbox):
    response = post(SIGNUP_URL, signup_data(password2=PASSWORD + "!"))

    assert response.status_code == 200
    assert "The two passwords differ." in response.content.decode()
    assert not User.objects.exists()
    assert mailoutbox == []


@override_settings(AUTH_PASSWORD_VALIDATORS=STRONG_VALIDATORS)
def test_weak_passwords_are_refused(client, post, mailoutbox):
    for weak, message in [
        ("short", "This password is too short."),
        ("password123", "This password is too common."),
        ("alice@example.org", "The password is too similar to the"),
    ]:
        response = post(SIGNUP_URL, signup_data(password1=weak, password2=weak))
        assert response.status_code == 200
        assert message in response.content.decode(), weak
    assert not User.objects.exists()
    assert mailoutbox == []


def test_terms_must_be_accepted(client, post):
    response = post(SIGNUP_URL, signup_data(accept_terms=None))

    assert response.status_code == 200
    assert "Accept the participation terms to create an account." in response.content.decode()
    assert not User.objects.exists()


def test_public_name_cannot_be_an_email_address(client, post):
    response = post(SIGNUP_URL, signup_data(display_name="me@example.org"))

    assert "Do not use an e-mail address as your public name" in response.content.decode()
    assert not User.objects.exists()


def test_signed_in_resident_is_sent_from_signup_to_profile(client):
    client.force_login(make_resident())
    response = client.get(SIGNUP_URL)
    assert response.status_code == 302
    assert response["Location"] == PROFILE_URL


def test_signup_rate_limit(client, post, mailoutbox):
    limits = {"default": "30/m", "signup": "2/h"}
    with override_settings(
        WAGTAIL_PARTICIPATION={**django_settings.WAGTAIL_PARTICIPATION, "RATE_LIMITS": limits}
    ):
        first = post(SIGNUP_URL, signup_data(email="a1@example.org", display_name="A1"))
        second = post(SIGNUP_URL, signup_data(email="a2@example.org", display_name="A2"))
        third = post(SIGNUP_URL, signup_data(email="a3@example.org", display_name="A3"))

    assert first.status_code == second.status_code == 302
    assert third.status_code == 429
    assert int(third["Retry-After"]) > 0
    content = third.content.decode()
    assert "<h1>Too many attempts</h1>" in content
    assert not User.objects.filter(email="a3@example.org").exists()
    assert len(mailoutbox) == 2


# Log-in, log-out -------------------------------------------------------------------------------


def test_login_page(client):
    response = client.get(LOGIN_URL)
    content = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Sign in</h1>" in content
    assert '<label for="id_username">E-mail or user name</label>' in content
    assert "Just signed up? Confirm your e-mail address first" in content
    assert f'href="{RESET_URL}"' in content


def test_login_with_email_in_any_case(client):
    user = make_resident("bob@example.org")

    response = client.post(LOGIN_URL, {"username": "Bob@Example.ORG", "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == PROFILE_URL
    assert signed_in_user_id(client) == str(user.pk)


def test_login_with_the_email_of_an_account_with_a_user_name(client, django_user_model):
    user = django_user_model.objects.create_user("alice", "alice@town.example", PASSWORD)

    by_email = client.post(LOGIN_URL, {"username": "Alice@Town.example", "password": PASSWORD})
    assert by_email.status_code == 302
    assert signed_in_user_id(client) == str(user.pk)
    client.post("/accounts/logout/")
    by_name = client.post(LOGIN_URL, {"username": "alice", "password": PASSWORD})
    assert by_name.status_code == 302


def test_login_follows_safe_next_only(client):
    make_resident("bob@example.org")
    data = {"username": "bob@example.org", "password": PASSWORD}

    response = client.post(f"{LOGIN_URL}?next=/participate/", data)
    assert response["Location"] == "/participate/"
    client.post(LOGOUT_URL)
    response = client.post(f"{LOGIN_URL}?next=https://evil.example/", data)
    assert response["Location"] == PROFILE_URL


def test_login_form_carries_next_to_its_post(client):
    """The form posts to the bare login URL: the page a resident came from rides in a field."""
    make_resident("bob@example.org")

    page = client.get(f"{LOGIN_URL}?next=/participate/").content.decode()
    assert f'action="{LOGIN_URL}"' in page
    assert '<input type="hidden" name="next" value="/participate/">' in page

    data = {"username": "bob@example.org", "password": PASSWORD, "next": "/participate/"}
    response = client.post(LOGIN_URL, data)
    assert response["Location"] == "/participate/"


def test_unconfirmed_account_cannot_sign_in(client):
    make_resident("bob@example.org", active=False)

    response = client.post(LOGIN_URL, {"username": "bob@example.org", "password": PASSWORD})

    assert response.status_code == 200
    content = response.content.decode()
    assert "This e-mail address (or user name) and password do not match an account." in content
    assert "Just signed up? Confirm your e-mail address first" in content
    assert signed_in_user_id(client) is None


def test_login_rate_limit(client):
    make_resident("bob@example.org")
    limits = {"default": "30/m", "login": "2/m"}
    with override_settings(
        WAGTAIL_PARTICIPATION={**django_settings.WAGTAIL_PARTICIPATION, "RATE_LIMITS": limits}
    ):
        statuses = [
            client.post(LOGIN_URL, {"username": "bob@example.org", "password": "wrong"}).status_code
            for _ in range(3)
        ]
    assert statuses == [200, 200, 429]


def test_logout_needs_a_post(client):
    user = make_resident()
    client.force_login(user)

    page = client.get(LOGOUT_URL)
    assert page.status_code == 200
    assert "<h1>Sign out</h1>" in page.content.decode()
    assert signed_in_user_id(client) == str(user.pk)

    response = client.post(LOGOUT_URL)
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert signed_in_user_id(client) is None


# Password reset --------------------------------------------------------------------------------


def test_password_reset_answers_the_same_for_known_and_unknown_addresses(client, post, mailoutbox):
    make_resident("bob@example.org")

    known = post(RESET_URL, {"email": "BOB@example.org"})
    assert len(mailoutbox) == 1
    unknown = post(RESET_URL, {"email": "nobody@example.org"})
    assert len(mailoutbox) == 1

    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == RESET_DONE_URL
    assert known.content == unknown.content
    known_page = client.get(known["Location"])
    unknown_page = client.get(unknown["Location"])
    assert known_page.status_code == unknown_page.status_code == 200
    assert known_page.content == unknown_page.content
    assert "If an account uses the address you gave" in known_page.content.decode()
    assert mailoutbox[0].to == ["bob@example.org"]
    assert mailoutbox[0].subject == "Choose a new password for Test town"


def test_password_reset_link_sets_a_new_password(client, post, mailoutbox):
    user = make_resident("bob@example.org")
    post(RESET_URL, {"email": "bob@example.org"})
    link = link_in(mailoutbox[0], RESET_LINK)

    form_page = client.get(link, follow=True)
    assert "<h1>Choose a new password</h1>" in form_page.content.decode()
    set_password_url = form_page.redirect_chain[-1][0]
    new_password = "another long Passphrase 7"
    response = client.post(
        set_password_url, {"new_password1": new_password, "new_password2": new_password}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("participation_accounts:password_reset_complete")
    user.refresh_from_db()
    assert user.check_password(new_password)
    assert "This link does not work" in client.get(link, follow=True).content.decode()


def test_password_reset_rate_limit(client, post, mailoutbox):
    make_resident("bob@example.org")
    limits = {"default": "30/m", "password_reset": "1/h"}
    with override_settings(
        WAGTAIL_PARTICIPATION={**django_settings.WAGTAIL_PARTICIPATION, "RATE_LIMITS": limits}
    ):
        first = post(RESET_URL, {"email": "bob@example.org"})
        second = post(RESET_URL, {"email": "bob@example.org"})
    assert first.status_code == 302
    assert second.status_code == 429
    assert len(mailoutbox) == 1


# Profile ---------------------------------------------------------------------------------------


def profile_data(**overrides):
    data = {
        "display_name": "Bobby",
        "neighbourhood": "",
        "lives_in_town": "on",
        "birth_year": "1990",
        "email_on_replies": "on",
        "email_on_updates": "",
        "email_on_results": "on",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_profile_needs_sign_in(client):
    response = client.get(PROFILE_URL)
    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN_URL}?next={PROFILE_URL}"


def test_profile_page(client):
    user = make_resident(display_name="<b>Bob</b>")
    client.force_login(user)

    response = client.get(PROFILE_URL)

    content = response.content.decode()
    assert response.status_code == 200
    assert "<h1>My profile</h1>" in content
    assert "Other participants see you as:" in content
    assert "&lt;b&gt;Bob&lt;/b&gt;" in content
    assert "<b>Bob</b>" not in content
    assert f'href="{reverse("participation_accounts:data_export")}"' in content
    assert f'href="{reverse("participation_accounts:delete_account")}"' in content
    assert "Download my data" in content
    assert "Delete my account" in content
    # Terms already accepted: no checkbox to accept them again.
    assert 'name="accept_terms"' not in content


def test_profile_edit_saves(client, neighbourhoods):
    user = make_resident()
    client.force_login(user)
    centre = neighbourhoods["centre"]

    response = client.post(PROFILE_URL, profile_data(neighbourhood=str(centre.pk)))

    assert response.status_code == 302
    assert response["Location"] == PROFILE_URL
    profile = ParticipantProfile.objects.get(user=user)
    assert profile.display_name == "Bobby"
    assert profile.neighbourhood == centre
    assert profile.lives_in_town
    assert profile.birth_year == 1990
    assert profile.email_on_replies
    assert not profile.email_on_updates
    assert profile.email_on_results
    assert "Your profile is saved." in client.get(PROFILE_URL).content.decode()


def test_profile_rejects_a_future_birth_year(client):
    user = make_resident()
    client.force_login(user)
    next_year = timezone.localdate().year + 1

    for bad in [str(next_year), "1899", "nineteen"]:
        response = client.post(PROFILE_URL, profile_data(birth_year=bad))
        assert response.status_code == 200
        content = response.content.decode()
        assert f"Enter a year between 1900 and {next_year - 1}, such as 1984." in content
        assert 'aria-describedby="id_birth_year_helptext id_birth_year_error"' in content
    profile = ParticipantProfile.objects.get(user=user)
    assert profile.birth_year is None
    assert profile.display_name == "Bob"


def test_profile_birth_year_is_optional(client):
    user = make_resident(birth_year=1980)
    client.force_login(user)

    assert client.post(PROFILE_URL, profile_data(birth_year="")).status_code == 302
    assert ParticipantProfile.objects.get(user=user).birth_year is None


def test_profile_refuses_a_taken_public_name(client):
    make_resident("carol@example.org", "Carol")
    user = make_resident()
    client.force_login(user)

    response = client.post(PROFILE_URL, profile_data(display_name="CAROL"))

    content = response.content.decode()
    assert "Another participant already uses this public name." in content
    # The page still shows the name others see now, not the refused one.
    assert "<strong>Bob</strong>" in content
    assert ParticipantProfile.objects.get(user=user).display_name == "Bob"


def test_profile_keeps_its_own_name_in_another_case(client):
    user = make_resident(display_name="Bob")
    client.force_login(user)

    assert client.post(PROFILE_URL, profile_data(display_name="BOB")).status_code == 302
    assert ParticipantProfile.objects.get(user=user).display_name == "BOB"


def test_profile_created_on_demand_accepts_terms(client):
    user = User.objects.create_user(username="dan@example.org", email="dan@example.org")
    client.force_login(user)

    page = client.get(PROFILE_URL).content.decode()
    assert 'name="accept_terms"' in page
    assert client.post(PROFILE_URL, profile_data(accept_terms="on")).status_code == 302
    profile = ParticipantProfile.objects.get(user=user)
    assert profile.has_accepted_terms
    assert profile.is_complete


# Reports ---------------------------------------------------------------------------------------


def report_url(profile):
    return reverse("participation_accounts:report_account", args=[profile.public_id])


def test_report_an_account(client, post):
    reported = make_resident("troll@example.org", "Troll")
    reporter = make_resident("bob@example.org", "Bob")
    client.force_login(reporter)
    url = report_url(reported.participant_profile)

    page = client.get(url)
    content = page.content.decode()
    assert page.status_code == 200
    assert "<h1>Report the account of Troll</h1>" in content
    assert '<label for="id_reason">' in content

    response = post(url, {"reason": "Insults under <the> budget project.", "website": ""})

    assert response.status_code == 302
    assert response["Location"] == REPORT_DONE_URL
    report = AccountReport.objects.get()
    assert report.reported == reported
    assert report.reporter == reporter
    assert report.reason == "Insults under <the> budget project."
    done = client.get(REPORT_DONE_URL).content.decode()
    assert "Thank you, the moderators will look at it." in done


def test_report_reason_is_required_and_limited(client):
    reported = make_resident("troll@example.org", "Troll")
    client.force_login(make_resident())
    url = report_url(reported.participant_profile)

    assert "This field is required." in client.post(url, {"reason": ""}).content.decode()
    too_long = client.post(url, {"reason": "x" * 2001}).content.decode()
    assert "Ensure this value has at most 2000 characters" in too_long
    honeypot = client.post(url, {"reason": "Spam", "website": "x"}).content.decode()
    assert "This form could not be sent. Please try again." in honeypot
    assert not AccountReport.objects.exists()


def test_cannot_report_oneself(client):
    user = make_resident()
    client.force_login(user)
    url = report_url(user.participant_profile)

    assert "You cannot report your own account." in client.get(url).content.decode()
    response = client.post(url, {"reason": "Me, myself"})
    assert response.status_code == 200
    assert "You cannot report your own account." in response.content.decode()
    assert not AccountReport.objects.exists()


def test_report_unknown_or_anonymised_account_is_404(client):
    client.force_login(make_resident())
    gone = make_resident("gone@example.org", "Gone")
    ParticipantProfile.objects.filter(user=gone).update(anonymised_at=timezone.now())

    unknown = reverse("participation_accounts:report_account", args=[uuid.uuid4()])
    assert client.get(unknown).status_code == 404
    assert client.post(unknown, {"reason": "x"}).status_code == 404
    assert client.get(report_url(gone.participant_profile)).status_code == 404
    assert not AccountReport.objects.exists()


def test_report_needs_sign_in(client):
    reported = make_resident("troll@example.org", "Troll")
    url = report_url(reported.participant_profile)

    for response in (client.get(url), client.post(url, {"reason": "Insults"})):
        assert response.status_code == 302
        assert response["Location"] == f"{LOGIN_URL}?next={url}"
    assert not AccountReport.objects.exists()


def test_report_rate_limit(client):
    reported = make_resident("troll@example.org", "Troll")
    client.force_login(make_resident())
    url = report_url(reported.participant_profile)
    limits = {"default": "30/m", "report": "1/d"}
    with override_settings(
        WAGTAIL_PARTICIPATION={**django_settings.WAGTAIL_PARTICIPATION, "RATE_LIMITS": limits}
    ):
        first = client.post(url, {"reason": "Insults"})
        second = client.post(url, {"reason": "More insults"})
    assert first.status_code == 302
    assert second.status_code == 429
    assert AccountReport.objects.count() == 1


def test_behind_a_proxy_the_login_limit_counts_each_residents_address(client):
    """With PROXY_COUNT=1 the address the load balancer appended is counted, not the balancer's
    own address (REMOTE_ADDR) and not what the client wrote at the start of the header."""
    make_resident("bob@example.org")
    limits = {"default": "30/m", "login": "2/m"}
    participation = {**django_settings.WAGTAIL_PARTICIPATION, "RATE_LIMITS": limits}

    def attempt(forwarded_for):
        return client.post(
            LOGIN_URL,
            {"username": "bob@example.org", "password": "wrong"},
            REMOTE_ADDR="10.0.0.2",
            HTTP_X_FORWARDED_FOR=forwarded_for,
        ).status_code

    with override_settings(WAGTAIL_PARTICIPATION={**participation, "PROXY_COUNT": 1}):
        first_resident = [attempt(f"{forged}, 203.0.113.7") for forged in ("1.1.1.1", "2.2.2.2")]
        forged_third_try = attempt("3.3.3.3, 203.0.113.7")
        other_resident = attempt("203.0.113.8")
    assert first_resident == [200, 200]
    assert forged_third_try == 429
    assert other_resident == 200

    with override_settings(WAGTAIL_PARTICIPATION=participation):
        # Without PROXY_COUNT every resident shares the balancer's address and its limit.
        assert [attempt("203.0.113.9") for _ in range(3)] == [200, 200, 429]
