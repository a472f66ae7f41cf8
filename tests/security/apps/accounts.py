"""Accounts: sign-up, log-in, password reset, the profile, reports, "my data", and the staff
screens of profiles, account reports and participation codes.

The download of "my data" is bound to the browser session that asked for it, so the generic
tests cannot open it; ``tests/security/test_redirects_and_tokens.py`` checks it (escaped JSON,
owner on every request, expiry), with the ``next=`` redirects and the expired codes and tokens.
"""

import uuid
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from tests.conftest import NOW
from wagtail_participation.accounts.tokens import email_confirmation_token
from wagtail_participation.codes import CodeBatch
from wagtail_participation.privacy import anonymise_user, send_retention_warning
from wagtail_participation.profiles import ParticipantProfile
from wagtail_participation.reports import AccountReport

from ..catalogue import LEAK, BadAddress, Email, Mutation, ResidentText, View
from ..payloads import BREAKOUT, TEXT
from .core import PASSWORD

HUGE = "99999999999999999999"
NEW_EMAIL = "newcomer@example.org"


def url(name, *args):
    return reverse(f"participation_accounts:{name}", args=args)


def admin(screen, view, *args):
    return reverse(f"participation_{screen}:{view}", args=args)


def route(*names):
    return tuple(f"participation_accounts:{name}" for name in names)


def unconfirmed(username, display_name):
    """An account made by sign-up whose address was never confirmed."""
    user = get_user_model().objects.create_user(
        username, f"{username}@example.org", PASSWORD, is_active=False
    )
    profile = ParticipantProfile(user=user, display_name=display_name)
    profile.accept_terms()
    profile.save()
    return user


def confirm_url(user, token_of=None):
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return url("confirm_email", uid, email_confirmation_token.make_token(token_of or user))


def profile_of(world, role):
    return ParticipantProfile.objects.get(user=world.users[role])


def report_url(world, role="author"):
    return url("report_account", profile_of(world, role).public_id)


def send_warning(world):
    profile = profile_of(world, "author")
    profile.retention_warning_sent_at = NOW
    profile.save(update_fields=["retention_warning_sent_at"])
    send_retention_warning.call(world.users["author"].pk)


def sent_to(address):
    return len([m for m in mail.outbox if address in m.to])


def signup_data(email=NEW_EMAIL, name=None):
    return {
        "email": email,
        "display_name": name or f"{BREAKOUT} newcomer",
        "password1": "a-much-longer-password-456",
        "password2": "a-much-longer-password-456",
        "accept_terms": "on",
    }


def code_data(world, page):
    expires = (NOW + timedelta(days=30)).strftime("%Y-%m-%d %H:%M")
    return {"label": "Class 5B", "count": "3", "page": page.pk, "expires_at": expires}


def build(world):
    author, resident = world.users["author"], world.users["resident"]
    # What residents wrote about each other: the names on both sides are hostile in listings.
    world.account_report = AccountReport.objects.create(
        reported=resident, reporter=author, reason=TEXT
    )
    world.report_about_author = AccountReport.objects.create(
        reported=author, reporter=resident, reason=TEXT
    )
    # Never public: a report's reason, and the name of an account never confirmed.
    world.hidden_report = AccountReport.objects.create(
        reported=resident, reporter=author, reason=f"{LEAK} report reason"
    )
    world.unconfirmed = unconfirmed("unconfirmed", f"{LEAK} unconfirmed")
    world.unconfirmed_too = unconfirmed("unconfirmed2", "Second unconfirmed")
    # A former resident: nothing of theirs can be reported any more.
    world.former = anonymise_user(unconfirmed("former", "Former"))
    # Codes of both parts of the site: each team sees and changes its own only.
    world.batch, _ = CodeBatch.generate("Index codes", 2, NOW + timedelta(days=30), world.index)
    world.elsewhere_batch, _ = CodeBatch.generate(
        "Elsewhere codes", 2, NOW + timedelta(days=30), world.elsewhere
    )


VIEWS = [
    View("login", lambda w: url("login"), ("next",), route("login"), shows_resident_text=False),
    View("signup", lambda w: url("signup"), routes=route("signup"), shows_resident_text=False),
    View(
        "signup done",
        lambda w: url("signup_done"),
        routes=route("signup_done"),
        shows_resident_text=False,
    ),
    View(
        "confirm e-mail",
        lambda w: confirm_url(w.unconfirmed_too),
        routes=route("confirm_email"),
        shows_resident_text=False,
    ),
    View(
        "logout",
        lambda w: url("logout"),
        ("next",),
        route("logout"),
        role="author",
        shows_resident_text=False,
    ),
    View(
        "password reset",
        lambda w: url("password_reset"),
        routes=route("password_reset"),
        shows_resident_text=False,
    ),
    View(
        "password reset done",
        lambda w: url("password_reset_done"),
        routes=route("password_reset_done"),
        shows_resident_text=False,
    ),
    View(
        "password reset bad link",
        lambda w: url("password_reset_confirm", "MQ", "x-y"),
        routes=route("password_reset_confirm"),
        shows_resident_text=False,
    ),
    View(
        "password reset complete",
        lambda w: url("password_reset_complete"),
        routes=route("password_reset_complete"),
        shows_resident_text=False,
    ),
    View("profile", lambda w: url("profile"), routes=route("profile"), role="author"),
    View(
        "my participation",
        lambda w: url("my_participation"),
        routes=route("my_participation"),
        role="author",
        shows_resident_text=False,
    ),
    View("report account", report_url, routes=route("report_account"), role="resident"),
    View(
        "report done",
        lambda w: url("report_done"),
        routes=route("report_done"),
        role="resident",
        shows_resident_text=False,
    ),
    # The download itself needs the session that asked for it: test_redirects_and_tokens.py.
    View(
        "data export",
        lambda w: url("data_export"),
        routes=route("data_export", "data_export_download"),
        role="author",
        shows_resident_text=False,
    ),
    View(
        "delete account",
        lambda w: url("delete_account"),
        routes=route("delete_account"),
        role="author",
        shows_resident_text=False,
    ),
    View(
        "account deleted",
        lambda w: url("account_deleted"),
        routes=route("account_deleted"),
        shows_resident_text=False,
    ),
    # Staff.
    View(
        "admin account reports",
        lambda w: admin("accountreport", "index"),
        ("q", "resolved_at", "ordering", "p"),
        role="moderator",
        hidden_ok=True,
    ),
    View(
        "admin account report",
        lambda w: admin("accountreport", "inspect", w.account_report.pk),
        role="moderator",
        hidden_ok=True,
    ),
    View(
        "admin hidden report",
        lambda w: admin("accountreport", "inspect", w.hidden_report.pk),
        role="moderator",
        hidden_ok=True,
        shows_resident_text=False,
    ),
    View(
        "admin profiles",
        lambda w: admin("participantprofile", "index"),
        ("q", "neighbourhood", "lives_in_town", "ordering", "p"),
        role="moderator",
        hidden_ok=True,
    ),
    View(
        "admin profiles csv",
        lambda w: admin("participantprofile", "index") + "?export=csv",
        kind="csv",
        role="moderator",
        hidden_ok=True,
    ),
    View(
        "admin profile",
        lambda w: admin("participantprofile", "inspect", profile_of(w, "author").pk),
        role="moderator",
        hidden_ok=True,
    ),
    View(
        "admin code batches",
        lambda w: admin("codebatch", "index"),
        ("q", "ordering", "p"),
        role="moderator",
        hidden_ok=True,
        shows_resident_text=False,
    ),
]

MUTATIONS = [
    Mutation(
        "signup",
        lambda w: url("signup"),
        lambda w: signup_data(),
        lambda w: get_user_model().objects.filter(email=NEW_EMAIL).count(),
        allowed="anonymous",
        denied=(),
        tampered=lambda w: (url("signup"), signup_data(name=profile_of(w, "author").display_name)),
    ),
    Mutation(
        "confirm e-mail",
        lambda w: confirm_url(w.unconfirmed),
        lambda w: {},
        lambda w: get_user_model().objects.get(pk=w.unconfirmed.pk).is_active,
        allowed="anonymous",
        denied=(),
        tampered=lambda w: (confirm_url(w.unconfirmed, token_of=w.unconfirmed_too), {}),
    ),
    Mutation(
        "login",
        lambda w: url("login"),
        lambda w: {"username": "author@example.org", "password": PASSWORD},
        lambda w: get_user_model().objects.get(pk=w.users["author"].pk).last_login,
        allowed="anonymous",
        denied=(),
    ),
    Mutation(
        "password reset",
        lambda w: url("password_reset"),
        lambda w: {"email": "author@example.org"},
        lambda w: sent_to("author@example.org"),
        allowed="anonymous",
        denied=(),
    ),
    Mutation(
        "profile",
        lambda w: url("profile"),
        lambda w: {"display_name": f"{BREAKOUT} renamed"},
        lambda w: profile_of(w, "author").display_name,
        allowed="author",
        tampered=lambda w: (url("profile"), {"display_name": "Renamed", "neighbourhood": HUGE}),
    ),
    Mutation(
        "report account",
        report_url,
        lambda w: {"reason": TEXT},
        lambda w: AccountReport.objects.count(),
        allowed="resident",
        tampered=lambda w: (report_url(w, "resident"), {"reason": TEXT}),
    ),
    Mutation(
        "delete account",
        lambda w: url("delete_account"),
        lambda w: {"password": PASSWORD, "confirm": "on"},
        lambda w: profile_of(w, "author").anonymised_at,
        allowed="author",
        denied=("anonymous", "moderator"),
    ),
    # Staff. Profiles and account reports belong to no page: any member of staff with the model
    # permission looks after them; residents never.
    Mutation(
        "admin resolve report",
        lambda w: admin("accountreport", "edit", w.account_report.pk),
        lambda w: {"resolved_at": "2026-03-15 12:00"},
        lambda w: AccountReport.objects.get(pk=w.account_report.pk).resolved_at,
        allowed="moderator",
        denied=("anonymous", "resident"),
    ),
    Mutation(
        "admin edit profile",
        lambda w: admin("participantprofile", "edit", profile_of(w, "resident").pk),
        lambda w: {"display_name": "Edited by staff"},
        lambda w: profile_of(w, "resident").display_name,
        allowed="moderator",
        denied=("anonymous", "resident"),
    ),
    Mutation(
        "admin generate codes",
        lambda w: admin("codebatch", "add"),
        lambda w: code_data(w, w.index),
        lambda w: CodeBatch.objects.count(),
        allowed="moderator",
        # A moderator of another part of the site: the tampered page below, refused by the form.
        denied=("anonymous", "resident"),
        tampered=lambda w: (admin("codebatch", "add"), code_data(w, w.elsewhere)),
    ),
    Mutation(
        "admin edit code batch",
        lambda w: admin("codebatch", "edit", w.batch.pk),
        lambda w: {"label": "Renamed", "expires_at": "2026-04-30 12:00"},
        lambda w: CodeBatch.objects.get(pk=w.batch.pk).label,
        allowed="moderator",
        denied=("anonymous", "resident", "other_moderator"),
        tampered=lambda w: (
            admin("codebatch", "edit", w.elsewhere_batch.pk),
            {"label": "Renamed", "expires_at": "2026-04-30 12:00"},
        ),
    ),
]

EMAILS = [
    Email(
        "confirmation",
        lambda w: w.client().post(url("signup"), signup_data()),
        shows_resident_text=False,
    ),
    Email(
        "already registered",
        lambda w: w.client().post(url("signup"), signup_data("author@example.org")),
        shows_resident_text=False,
    ),
    Email(
        "password reset",
        lambda w: w.client().post(url("password_reset"), {"email": "author@example.org"}),
        shows_resident_text=False,
    ),
    Email("retention warning", send_warning),
]

BAD_ADDRESSES = [
    BadAddress(
        "report unknown account", lambda w: url("report_account", uuid.uuid4()), role="resident"
    ),
    BadAddress(
        "report former resident",
        lambda w: url("report_account", profile_of_user(w.former).public_id),
        role="resident",
    ),
    BadAddress(
        "confirm huge uid",
        lambda w: url("confirm_email", urlsafe_base64_encode(HUGE.encode()), "x-y"),
        status=(400,),
    ),
    BadAddress(
        "confirm negative uid",
        lambda w: url("confirm_email", urlsafe_base64_encode(b"-1"), "x-y"),
        status=(400,),
    ),
    BadAddress(
        "password reset huge uid",
        lambda w: url("password_reset_confirm", urlsafe_base64_encode(HUGE.encode()), "x-y"),
        status=(200,),
    ),
    BadAddress(
        "forged data download",
        lambda w: url("data_export_download", "forged:token"),
        role="author",
        status=(403,),
    ),
    BadAddress(
        "admin report huge", lambda w: admin("accountreport", "edit", HUGE), role="moderator"
    ),
    BadAddress(
        "admin report negative",
        lambda w: admin("accountreport", "index") + "inspect/-1/",
        role="moderator",
    ),
    BadAddress(
        "admin profile huge", lambda w: admin("participantprofile", "edit", HUGE), role="moderator"
    ),
    BadAddress(
        "admin other team's batch",
        lambda w: admin("codebatch", "edit", w.elsewhere_batch.pk),
        role="moderator",
    ),
    BadAddress(
        "admin code batch huge", lambda w: admin("codebatch", "edit", HUGE), role="moderator"
    ),
]


def profile_of_user(user):
    return ParticipantProfile.objects.get(user=user)


RESIDENT_TEXT = [
    ResidentText("wagtail_participation.AccountReport.reason", multiline=True),
]

NOT_RESIDENT_TEXT = {
    "wagtail_participation.CodeBatch.label": "written by staff who generate the codes",
    "wagtail_participation.CodeBatch.prefix": "random, made by the package",
    "wagtail_participation.CodeBatch.salt": "random, made by the package",
    "wagtail_participation.ParticipationCode.code_hash": "an HMAC made by the package",
}
