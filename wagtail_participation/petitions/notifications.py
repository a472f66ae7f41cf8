"""E-mails about petitions, sent by background tasks once the transaction commits.

- ``notify_threshold_reached(petition)``: the petition reached its threshold. The filer and the
  signers with an account who asked for news (``email_on_updates``) learn it, and so does the
  petition right's contact address: staff put the petition on the council's agenda.
- ``notify_answered(petition)``: the council answered; the same residents get the link.
- ``notify_review_decision(petition)``: the filer learns the admissibility decision and why.
- ``notify_petition_filed(petition)``: the contact address and the petition reviewers learn
  that a new petition waits for review (or was opened directly).

Call them inside the transaction that makes the change: nothing is sent if it rolls back. The
e-mails are plain text, rendered by the task in the site's language (``LANGUAGE_CODE``), one
message per recipient: residents never see each other's addresses.
"""

import functools
import logging

from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django_tasks import task

from wagtail_participation.staff import may_manage

from .models import Petition, Review, Signature

logger = logging.getLogger(__name__)

EMAIL_TEMPLATES = "wagtail_participation/petitions/email/"
RESIDENT_EVENTS = ("threshold_reached", "answered")


# Helpers ---------------------------------------------------------------------------------------


def render_email(prefix, context):
    """(subject, body) from ``email/<prefix>_subject.txt`` and ``email/<prefix>_body.txt``."""
    subject = render_to_string(f"{EMAIL_TEMPLATES}{prefix}_subject.txt", context)
    body = render_to_string(f"{EMAIL_TEMPLATES}{prefix}_body.txt", context)
    # A subject holds on one line, whatever a resident typed in a title.
    return " ".join(subject.split()), body


def send_each(subject, body, recipients):
    """One message per recipient, never a shared To or BCC."""
    if not recipients:
        return 0
    messages = [EmailMessage(subject, body, None, [address]) for address in recipients]
    return get_connection().send_messages(messages) or 0


def email_of(user):
    return getattr(user, user.get_email_field_name(), "") or ""


def petition_url(petition):
    page = petition.page
    base = page.get_full_url() or ""
    return base + page.reverse_subpage("petition_detail", args=[petition.pk])


def admin_url(petition=None):
    base = (getattr(django_settings, "WAGTAILADMIN_BASE_URL", "") or "").rstrip("/")
    try:
        if petition is not None:
            return base + reverse("participation_petition:edit", args=[petition.pk])
    except NoReverseMatch:
        pass
    try:
        return base + reverse("wagtailadmin_home")
    except NoReverseMatch:
        return ""


def site_name():
    return getattr(django_settings, "WAGTAIL_SITE_NAME", "") or ""


def on_commit(func, *args):
    transaction.on_commit(functools.partial(func.enqueue, *args), robust=True)


def wants_updates(user):
    """An active account with an address, not anonymised, whose profile asks for news."""
    if user is None or not user.is_active or not email_of(user):
        return False
    from wagtail_participation.profiles import ParticipantProfile

    try:
        profile = user.participant_profile
    except ParticipantProfile.DoesNotExist:
        return False
    return bool(profile.email_on_updates) and profile.anonymised_at is None


def resident_emails(petition):
    """Addresses of the filer and of the signers with an account who want news, once each."""
    User = get_user_model()
    signer_ids = Signature.objects.filter(petition=petition, user__isnull=False).values("user_id")
    query = Q(pk__in=signer_ids)
    if petition.filer_id is not None:
        query |= Q(pk=petition.filer_id)
    users = (
        User._default_manager.filter(query, is_active=True)
        .select_related("participant_profile")
        .order_by("pk")
    )
    addresses = []
    for user in users:
        address = email_of(user)
        if wants_updates(user) and address not in addresses:
            addresses.append(address)
    return addresses


def reviewer_emails(page):
    """Addresses of active users who may review the petitions of ``page``: superusers, and
    holders of the "change petition" permission who may edit ``page`` in the page tree."""
    User = get_user_model()
    permission = Permission.objects.filter(
        codename="change_petition", content_type__app_label=Petition._meta.app_label
    )
    users = (
        User._default_manager.filter(is_active=True)
        .filter(
            Q(is_superuser=True)
            | Q(user_permissions__in=permission)
            | Q(groups__permissions__in=permission)
        )
        .distinct()
    )
    return sorted({email_of(user) for user in users if may_manage(user, page)} - {""})


def load(petition_pk):
    return (
        Petition.objects.select_related("page", "filer__participant_profile")
        .filter(pk=petition_pk)
        .first()
    )


def base_context(petition):
    return {
        "petition": petition,
        "page_title": petition.page.title,
        "petition_url": petition_url(petition) if petition.is_public else "",
        "admin_url": admin_url(petition),
        "site_name": site_name(),
    }


# Public functions ------------------------------------------------------------------------------


def notify_threshold_reached(petition):
    """After the commit: the petition reached its threshold (residents and the contact)."""
    on_commit(send_resident_email, petition.pk, "threshold_reached")
    on_commit(send_staff_email, petition.pk, "threshold_reached")


def notify_answered(petition):
    """After the commit: the council answered the petition (residents who want news)."""
    on_commit(send_resident_email, petition.pk, "answered")


def notify_review_decision(petition):
    """After the commit: the filer learns the admissibility decision. True if queued."""
    if petition.filer_id is None or petition.review == Review.PENDING:
        return False
    on_commit(send_review_email, petition.pk)
    return True


def notify_petition_filed(petition):
    """After the commit: the contact address and the reviewers learn of a new petition."""
    on_commit(send_staff_email, petition.pk, "filed")


# Tasks -----------------------------------------------------------------------------------------


@task()
def send_resident_email(petition_pk, event):
    if event not in RESIDENT_EVENTS:
        raise ValueError(f"Unknown event {event!r}")
    petition = load(petition_pk)
    # Checked again when sending: staff may have changed the petition since.
    if petition is None or not petition.is_public:
        return 0
    if event == "answered" and (petition.answered_at is None or not petition.answer.strip()):
        return 0
    if event == "threshold_reached" and petition.threshold_reached_at is None:
        return 0
    recipients = resident_emails(petition)
    if not recipients:
        return 0
    with translation.override(django_settings.LANGUAGE_CODE):
        subject, body = render_email(f"resident_{event}", base_context(petition))
    return send_each(subject, body, recipients)


@task()
def send_review_email(petition_pk):
    petition = load(petition_pk)
    if petition is None or petition.review == Review.PENDING or petition.filer is None:
        return 0
    filer = petition.filer
    if not filer.is_active or not email_of(filer):
        return 0
    from wagtail_participation.profiles import ParticipantProfile

    # The decision concerns the filer's own petition: sent whatever their news settings,
    # but never to an anonymised account.
    try:
        if filer.participant_profile.anonymised_at is not None:
            return 0
    except ParticipantProfile.DoesNotExist:
        pass
    with translation.override(django_settings.LANGUAGE_CODE):
        context = base_context(petition)
        context["admissible"] = petition.review == Review.ADMISSIBLE
        subject, body = render_email("review_decision", context)
    return send_each(subject, body, [email_of(filer)])


@task()
def send_staff_email(petition_pk, event):
    if event not in ("filed", "threshold_reached"):
        raise ValueError(f"Unknown event {event!r}")
    petition = load(petition_pk)
    if petition is None:
        return 0
    recipients = []
    contact = (getattr(petition.page, "contact_email", "") or "").strip()
    if contact:
        recipients.append(contact)
    if event == "filed":
        recipients += [
            address for address in reviewer_emails(petition.page) if address not in recipients
        ]
    if not recipients:
        logger.info("No staff address for petition %s: no e-mail sent (%s)", petition_pk, event)
        return 0
    with translation.override(django_settings.LANGUAGE_CODE):
        context = base_context(petition)
        context["under_review"] = petition.review == Review.PENDING
        subject, body = render_email(f"staff_{event}", context)
    return send_each(subject, body, recipients)
