"""Residents' personal data: what each app holds about a resident, exported and erased on demand.

Every app that stores personal data registers it once, usually in its ``AppConfig.ready()``::

    from wagtail_participation.privacy import register_personal_data

    register_personal_data("ballots", export=export_ballots, erase=erase_ballots)

``export(user)`` returns JSON-serialisable data about the resident's own data (dates may be
``datetime`` objects: they are written as ISO 8601). ``erase(user)`` removes or anonymises it
inside the transaction of :func:`anonymise_user`. Things that are counted (ballots, supports,
used participation codes) are kept: their hooks only clear personal fields, so that results and
figures do not change when a resident leaves.

The user row itself is kept on purpose, with every personal field wiped and no usable password:
counts and uniqueness constraints (one ballot per voter) stay intact, and the resident's public
contributions then read "Former participant".
"""

import json
import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.apps import apps
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.exceptions import FieldDoesNotExist
from django.core.mail import send_mail
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django_tasks import task

from .codes import ParticipationCode
from .conf import settings
from .profiles import ParticipantProfile
from .reports import AccountReport

logger = logging.getLogger(__name__)

RESERVED_NAMES = frozenset({"exported_at", "account"})
ANONYMOUS_USERNAME_PREFIX = "former-"
EMAIL_PREFERENCES = ("email_on_replies", "email_on_updates", "email_on_results")


@dataclass(frozen=True)
class PersonalData:
    name: str
    export: object
    erase: object


_registry = {}


def register_personal_data(name, export, erase):
    """Declare personal data kept under ``name``: ``export(user)`` and ``erase(user)``.

    Registering the same name again with the same functions does nothing; with other
    functions it raises ``ValueError``, so that two apps cannot silently hide each other.
    """
    if name in RESERVED_NAMES:
        raise ValueError(f"{name!r} is reserved in the personal data export.")
    if not callable(export) or not callable(erase):
        raise TypeError("export and erase must be callables taking a user.")
    entry = PersonalData(name, export, erase)
    existing = _registry.get(name)
    if existing is not None and existing != entry:
        raise ValueError(f"Personal data {name!r} is already registered.")
    _registry[name] = entry
    return entry


def unregister_personal_data(name):
    """Forget ``name`` (for sites that replace a core hook, and for tests)."""
    return _registry.pop(name, None)


def registered_personal_data():
    """The registered entries, in registration order."""
    return list(_registry.values())


def _iso(value):
    return value.isoformat() if value is not None else None


def _to_json(data):
    """``data`` as plain JSON values (dates become ISO 8601 strings)."""
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


# The core's own personal data ------------------------------------------------------------------


def _profile_or_none(user):
    return ParticipantProfile.objects.select_related("neighbourhood").filter(user=user).first()


def export_profile(user):
    profile = _profile_or_none(user)
    if profile is None:
        return None
    return {
        "public_name": profile.display_name,
        "neighbourhood": profile.neighbourhood.name if profile.neighbourhood else None,
        "lives_in_town": profile.lives_in_town,
        "birth_year": profile.birth_year,
        "terms_accepted_at": _iso(profile.terms_accepted_at),
        "preferences": {name: getattr(profile, name) for name in EMAIL_PREFERENCES},
        "created_at": _iso(profile.created_at),
        "retention_warning_sent_at": _iso(profile.retention_warning_sent_at),
    }


def _wipe_profile(profile):
    profile.display_name = ""
    profile.neighbourhood = None
    profile.birth_year = None
    profile.lives_in_town = False
    for name in EMAIL_PREFERENCES:
        setattr(profile, name, False)


def erase_profile(user):
    profile = _profile_or_none(user)
    if profile is not None:
        _wipe_profile(profile)
        profile.save()


def export_participation_codes(user):
    codes = (
        ParticipationCode.objects.filter(used_by=user)
        .select_related("batch", "used_on_page")
        .order_by("used_at", "pk")
    )
    return [
        {
            "batch": code.batch.label,
            "used_at": _iso(code.used_at),
            "page": code.used_on_page.title if code.used_on_page else None,
        }
        for code in codes
    ]


def erase_participation_codes(user):
    """Nothing to erase: a used code stays used (it was counted), linked to the anonymous row."""


def export_reports(user):
    reports = AccountReport.objects.filter(reporter=user).order_by("created_at", "pk")
    return [{"reason": report.reason, "created_at": _iso(report.created_at)} for report in reports]


def erase_reports(user):
    """Reports stay for the moderators; their author is now an anonymous account."""


register_personal_data("profile", export_profile, erase_profile)
register_personal_data("participation_codes", export_participation_codes, erase_participation_codes)
register_personal_data("reports", export_reports, erase_reports)


# Export --------------------------------------------------------------------------------------


def export_personal_data(user, now=None):
    """Everything the package and its apps hold about ``user``, as JSON-serialisable data."""
    now = now or timezone.now()
    data = {
        "exported_at": now,
        "account": {
            "username": user.get_username(),
            "email": getattr(user, user.get_email_field_name(), "") or "",
            "first_name": getattr(user, "first_name", ""),
            "last_name": getattr(user, "last_name", ""),
            "date_joined": getattr(user, "date_joined", None),
            "last_login": user.last_login,
        },
    }
    for entry in registered_personal_data():
        data[entry.name] = entry.export(user)
    return _to_json(data)


# Anonymisation -------------------------------------------------------------------------------


def _anonymous_username(user_model):
    field = user_model._meta.get_field(user_model.USERNAME_FIELD)
    while True:
        value = f"{ANONYMOUS_USERNAME_PREFIX}{uuid.uuid4().hex[:12]}"
        if isinstance(field, models.EmailField):
            value = f"{value}@anonymised.invalid"
        if field.max_length:
            value = value[: field.max_length]
        if not user_model._default_manager.filter(**{field.name: value}).exists():
            return value


def _wipe_account(user):
    user_model = type(user)
    username_field = user_model.USERNAME_FIELD
    setattr(user, username_field, _anonymous_username(user_model))
    email_field = user.get_email_field_name()
    if email_field != username_field and hasattr(user, email_field):
        setattr(user, email_field, "")
    for name in ("first_name", "last_name"):
        if hasattr(user, name):
            setattr(user, name, "")
    user.set_unusable_password()
    user.is_active = False


def end_sessions(user):
    """Delete ``user``'s sessions stored by ``django.contrib.sessions``; best effort.

    Not needed for safety: a new unusable password changes the session auth hash, so Django
    ends every other session of the account on its next request, whatever the session backend.
    """
    if not apps.is_installed("django.contrib.sessions"):
        return 0
    from django.contrib.sessions.models import Session

    user_id = str(user.pk)
    try:
        # A savepoint: a missing session table (sessions kept in a cache) must not break the
        # caller's transaction on PostgreSQL.
        with transaction.atomic():
            keys = []
            sessions = Session.objects.filter(expire_date__gt=timezone.now()).only(
                "session_key", "session_data"
            )
            for session in sessions.iterator(chunk_size=1000):
                try:
                    decoded = session.get_decoded()
                except Exception:  # noqa: BLE001 - a corrupt session is not ours to judge
                    continue
                if str(decoded.get("_auth_user_id")) == user_id:
                    keys.append(session.session_key)
            if keys:
                Session.objects.filter(session_key__in=keys).delete()
        return len(keys)
    except Exception:  # noqa: BLE001 - e.g. no session table when sessions live in a cache
        logger.warning("Could not delete the sessions of user %s", user.pk, exc_info=True)
        return 0


def anonymise_user(user, now=None):
    """Erase the resident's personal data everywhere and keep an anonymous, unusable account.

    Runs every registered erase hook, then wipes the account (username, e-mail, names,
    password) and the profile, in one transaction. The account's sessions end everywhere.
    """
    now = now or timezone.now()
    user_model = get_user_model()  # not type(user): request.user is a lazy object
    with transaction.atomic():
        locked = user_model._default_manager.select_for_update().get(pk=user.pk)
        for entry in registered_personal_data():
            entry.erase(locked)
        _wipe_account(locked)
        locked.save()
        profile, _created = ParticipantProfile.objects.select_for_update().get_or_create(
            user=locked
        )
        _wipe_profile(profile)
        profile.anonymised_at = now
        profile.save()
        # Inside the transaction: a rollback keeps the sessions along with the account.
        end_sessions(locked)
    # The caller's object now reads like the stored row.
    for field in locked._meta.concrete_fields:
        setattr(user, field.attname, getattr(locked, field.attname))
    user._state.fields_cache["participant_profile"] = profile
    return user


def is_anonymised(user):
    profile = ParticipantProfile.objects.filter(user=user).only("anonymised_at").first()
    return profile is not None and profile.anonymised_at is not None


def _has_field(model, name):
    try:
        model._meta.get_field(name)
    except FieldDoesNotExist:
        return False
    return True


def admin_accounts():
    """Accounts that reach the Wagtail admin: staff, superusers and every editor.

    Wagtail editors need not be staff: the ``wagtailadmin.access_admin`` permission, usually
    given through a group, opens the admin. Their accounts carry the site's history, so neither
    the retention command nor "delete my account" touches them.
    """
    user_model = get_user_model()
    condition = Q(pk__in=[])
    for flag in ("is_staff", "is_superuser"):
        if _has_field(user_model, flag):
            condition |= Q(**{flag: True})
    access_admin = Permission.objects.filter(
        content_type__app_label="wagtailadmin", codename="access_admin"
    )
    if _has_field(user_model, "groups"):
        condition |= Q(groups__permissions__in=access_admin)
    if _has_field(user_model, "user_permissions"):
        condition |= Q(user_permissions__in=access_admin)
    return user_model._default_manager.filter(condition).distinct()


def has_admin_access(user):
    return admin_accounts().filter(pk=user.pk).exists()


# Retention of inactive accounts ---------------------------------------------------------------


def retention_deadline(warned_at):
    """The last day on which signing in keeps an account that was warned at ``warned_at``."""
    return warned_at + timedelta(days=settings.RETENTION_WARNING_DAYS)


def _login_url():
    try:
        path = reverse("participation_accounts:login")
    except NoReverseMatch:
        return ""
    from wagtail.models import Site

    site = Site.objects.filter(is_default_site=True).first()
    return f"{site.root_url}{path}" if site else path


@task()
def send_retention_warning(user_pk):
    """E-mail an inactive resident that their account will be anonymised unless they sign in."""
    user = get_user_model()._default_manager.filter(pk=user_pk).first()
    if user is None:
        return False
    email = getattr(user, user.get_email_field_name(), "")
    profile = ParticipantProfile.objects.filter(user=user).first()
    if (
        not email
        or profile is None
        or profile.anonymised_at
        or not profile.retention_warning_sent_at
    ):
        return False
    context = {
        "user": user,
        "public_name": profile.public_name,
        "site_name": getattr(django_settings, "WAGTAIL_SITE_NAME", ""),
        "retention_days": settings.INACTIVE_ACCOUNT_RETENTION_DAYS,
        "warning_days": settings.RETENTION_WARNING_DAYS,
        "deadline": timezone.localtime(retention_deadline(profile.retention_warning_sent_at)),
        "login_url": _login_url(),
    }
    subject = render_to_string(
        "wagtail_participation/accounts/email/retention_warning_subject.txt", context
    )
    subject = " ".join(subject.split())  # one line: no header injection
    body = render_to_string(
        "wagtail_participation/accounts/email/retention_warning_body.txt", context
    )
    send_mail(subject, body, None, [email])
    return True
