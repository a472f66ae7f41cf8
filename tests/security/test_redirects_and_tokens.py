"""Redirects stay on the site; downloads are checked against their owner on every request;
expired, used and revoked codes and links are refused."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings as django_settings
from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from tests.conftest import NOW, make_process, phase
from wagtail_participation.accounts.tokens import email_confirmation_token
from wagtail_participation.codes import CodeBatch, CodeError, check_code, redeem_code
from wagtail_participation.conf import settings
from wagtail_participation.consultations.models import (
    ConsultationPage,
    Contribution,
    ContributionStatus,
)

from .apps.accounts import confirm_url, unconfirmed
from .apps.core import PASSWORD
from .outputs import problems_in

ELSEWHERE = (
    "https://evil.example/",
    "//evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "javascript:alert(1)",
    "http:evil.example",
    " https://evil.example",
    "https:///evil.example",
)


def url(name, *args):
    return reverse(f"participation_accounts:{name}", args=args)


def stays_on_site(response, expected):
    location = response["Location"]
    assert response.status_code == 302
    assert location == expected, location


# next= -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("target", ELSEWHERE)
def test_login_never_sends_elsewhere(hostile_world, target):
    client = hostile_world.client()
    page = client.get(url("login"), {"next": target})
    assert "evil.example" not in page.text and "javascript:" not in page.text

    response = client.post(
        url("login") + "?next=x",
        {"username": "author@example.org", "password": PASSWORD, "next": target},
    )

    stays_on_site(response, url("profile"))


def test_login_follows_a_next_on_the_site(hostile_world):
    response = hostile_world.client().post(
        url("login"),
        {"username": "author@example.org", "password": PASSWORD, "next": "/participate/"},
    )

    stays_on_site(response, "/participate/")


@pytest.mark.parametrize("target", ELSEWHERE)
def test_logout_never_sends_elsewhere(hostile_world, target):
    client = hostile_world.client("author")

    response = client.post(url("logout"), {"next": target})

    stays_on_site(response, django_settings.LOGOUT_REDIRECT_URL or "/")
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("target", ELSEWHERE)
def test_signup_ignores_next(hostile_world, target):
    data = {
        "email": "next@example.org",
        "display_name": "Next",
        "password1": "a-much-longer-password-456",
        "password2": "a-much-longer-password-456",
        "accept_terms": "on",
        "next": target,
    }

    response = hostile_world.client().post(url("signup") + f"?next={target}", data)

    stays_on_site(response, url("signup_done"))


@pytest.fixture
def contribution(hostile_world):
    page = make_process(
        hostile_world.index,
        "Redirects",
        [phase("contribution", -1, 10)],
        model=ConsultationPage,
    )
    item = Contribution.objects.create(
        page=page,
        author=hostile_world.users["resident"],
        title="Benches",
        body="More benches.",
        status=ContributionStatus.PUBLISHED,
    )
    return page, item


@pytest.mark.parametrize("target", ELSEWHERE)
def test_support_never_sends_elsewhere(hostile_world, contribution, target):
    page, item = contribution
    detail = page.url + page.reverse_subpage("contribution_detail", args=[item.pk])
    support = page.url + page.reverse_subpage("support", args=[item.pk])

    response = hostile_world.client("author").post(support, {"next": target})

    assert response.status_code == 302
    assert response["Location"].endswith(detail), response["Location"]


# The data export download -------------------------------------------------------------------


def download_link(client):
    response = client.post(url("data_export"), {"password": PASSWORD})
    assert response.status_code == 302
    return response["Location"]


def test_the_owner_downloads_once_and_the_data_is_inert(hostile_world):
    client = hostile_world.client("author")
    link = download_link(client)

    response = client.get(link)

    assert response.status_code == 200
    assert not problems_in(response, "json")
    assert response["Content-Disposition"].startswith("attachment")
    assert client.get(link).status_code == 410


@pytest.mark.parametrize("role", ["resident", "moderator", "superuser"])
def test_another_account_cannot_use_the_link(hostile_world, role):
    link = download_link(owner := hostile_world.client("author"))

    response = hostile_world.client(role).get(link)

    assert response.status_code == 403
    assert "xss-probe" not in response.text
    assert owner.get(link).status_code == 200, "a refused attempt must not spend the link"


def test_anonymous_visitors_are_sent_to_sign_in(hostile_world):
    link = download_link(hostile_world.client("author"))

    response = hostile_world.client().get(link)

    assert response.status_code == 302
    assert response["Location"].startswith(url("login"))


def test_the_link_dies_with_the_session(hostile_world):
    client = hostile_world.client("author")
    link = download_link(client)
    client.post(url("logout"))

    assert client.get(link).status_code == 302  # to the log-in page
    client.post(url("login"), {"username": "author@example.org", "password": PASSWORD})
    assert client.get(link).status_code == 403


def test_the_link_dies_with_the_account(hostile_world):
    client = hostile_world.client("author")
    link = download_link(client)
    client.post(url("delete_account"), {"password": PASSWORD, "confirm": "on"})

    assert client.get(link).status_code == 302
    assert not client.login(username="author@example.org", password=PASSWORD)


def test_an_expired_link_is_refused(hostile_world):
    client = hostile_world.client("author")
    link = download_link(client)

    later = NOW + timedelta(minutes=settings.DATA_EXPORT_LINK_MINUTES, seconds=1)
    with time_machine.travel(later, tick=False):
        response = client.get(link)

    assert response.status_code == 410


def test_a_tampered_link_is_refused(hostile_world):
    client = hostile_world.client("author")
    link = download_link(client)
    token = link.rstrip("/").rsplit("/", 1)[1]
    forged = re.sub(r"^.", lambda m: "A" if m.group() != "A" else "B", token)

    assert client.get(url("data_export_download", forged)).status_code == 403
    assert client.get(link).status_code == 200


# Participation codes ------------------------------------------------------------------------


@pytest.fixture
def batch(hostile_world):
    return CodeBatch.generate("Tokens", 3, NOW + timedelta(days=1), hostile_world.index)


def refusal(plain, page):
    with pytest.raises(CodeError) as refused:
        check_code(plain, page=page)
    return refused.value.code


def test_an_expired_code_is_refused(hostile_world, batch):
    _batch, codes = batch
    with time_machine.travel(NOW + timedelta(days=1), tick=False):
        assert refusal(codes[0], hostile_world.index) == "expired"


def test_a_used_code_is_refused(hostile_world, batch):
    _batch, codes = batch
    redeem_code(codes[0], page=hostile_world.index, user=hostile_world.users["author"])

    assert refusal(codes[0], hostile_world.index) == "used"
    with pytest.raises(CodeError):
        redeem_code(codes[0], page=hostile_world.index, user=hostile_world.users["resident"])


def test_revoked_codes_are_refused(hostile_world, batch):
    code_batch, codes = batch
    code_batch.expires_at = NOW
    code_batch.save()
    assert refusal(codes[0], hostile_world.index) == "expired"

    code_batch.delete()
    assert refusal(codes[1], hostile_world.index) == "unknown"


def test_a_code_of_another_process_is_refused(hostile_world, batch):
    _batch, codes = batch
    assert refusal(codes[0], hostile_world.elsewhere) == "other_page"


# E-mailed links -----------------------------------------------------------------------------


def after_links_expire():
    return time_machine.travel(
        NOW + timedelta(seconds=django_settings.PASSWORD_RESET_TIMEOUT + 1), tick=False
    )


def is_active(user):
    user.refresh_from_db()
    return user.is_active


def test_an_expired_confirmation_link_is_refused(hostile_world):
    user = unconfirmed("late", "Late")
    link = confirm_url(user)

    with after_links_expire():
        assert hostile_world.client().get(link).status_code == 400
        assert hostile_world.client().post(link).status_code == 400

    assert not is_active(user)


def test_a_confirmation_link_works_once(hostile_world):
    user = unconfirmed("once", "Once")
    link = confirm_url(user)

    assert hostile_world.client().post(link).status_code == 302
    assert is_active(user)
    assert hostile_world.client().post(link).status_code == 400


def test_a_password_reset_token_does_not_confirm_an_address(hostile_world):
    user = unconfirmed("crossed", "Crossed")
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    link = url("confirm_email", uid, default_token_generator.make_token(user))

    assert hostile_world.client().post(link).status_code == 400
    assert not is_active(user)
    assert (
        email_confirmation_token.check_token(user, default_token_generator.make_token(user))
        is False
    )


def fresh(user):
    """The stored account: signing in through ``world.client`` changes the shared object."""
    return type(user)._default_manager.get(pk=user.pk)


def reset_link(user):
    user = fresh(user)
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return url("password_reset_confirm", uid, default_token_generator.make_token(user))


def test_an_expired_password_reset_link_is_refused(hostile_world):
    author = hostile_world.users["author"]
    link = reset_link(author)

    with after_links_expire():
        response = hostile_world.client().get(link, follow=True)

    assert response.status_code == 200
    assert not response.context["validlink"]
    assert 'name="new_password1"' not in response.text


def test_a_password_reset_link_works_once(hostile_world):
    author = hostile_world.users["author"]
    link = reset_link(author)
    client = hostile_world.client()
    form = client.get(link)
    assert form.status_code == 302
    new = {"new_password1": "another-long-pass-789", "new_password2": "another-long-pass-789"}

    done = client.post(form["Location"], new)
    assert done.status_code == 302, done.context["form"].errors

    again = hostile_world.client().get(link, follow=True)
    assert not again.context["validlink"]
