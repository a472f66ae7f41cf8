"""E-mails about contributions, sent by background tasks once the transaction commits.

For moderators:

- ``notify_moderators(contribution, reason="pending" | "reported", comment=None)``: a
  contribution waits for moderation, or a contribution or comment was hidden after reports.

For the author of a contribution, if their profile says ``email_on_replies``:

- ``notify_author_published(contribution)``: a moderator published it;
- ``notify_author_answered(contribution)``: it received an official answer.

Call them inside the transaction that makes the change: nothing is sent if it rolls back. The
e-mails are plain text, rendered by the task in the site's language (``LANGUAGE_CODE``): the
task does not know the language of the person who will read them.
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

from .models import Comment, Contribution, ContributionStatus

logger = logging.getLogger(__name__)

EMAIL_TEMPLATES = "wagtail_participation/consultations/email/"
MODERATION_REASONS = ("pending", "reported")
AUTHOR_EVENTS = ("published", "answered")


# Helpers ---------------------------------------------------------------------------------------


def render_email(prefix, context):
    """(subject, body) from ``email/<prefix>_subject.txt`` and ``email/<prefix>_body.txt``."""
    subject = render_to_string(f"{EMAIL_TEMPLATES}{prefix}_subject.txt", context)
    body = render_to_string(f"{EMAIL_TEMPLATES}{prefix}_body.txt", context)
    # A subject holds on one line, whatever a resident typed in a title.
    return " ".join(subject.split()), body


def send_each(subject, body, recipients):
    """One message per recipient: moderators do not see each other's addresses."""
    if not recipients:
        return 0
    messages = [EmailMessage(subject, body, None, [address]) for address in recipients]
    return get_connection().send_messages(messages) or 0


def email_of(user):
    return getattr(user, user.get_email_field_name(), "") or ""


def contribution_url(contribution):
    page = contribution.page
    base = page.get_full_url() or ""
    return base + page.reverse_subpage("contribution_detail", args=[contribution.pk])


def admin_url():
    base = getattr(django_settings, "WAGTAILADMIN_BASE_URL", "") or ""
    try:
        return base.rstrip("/") + reverse("wagtailadmin_home")
    except NoReverseMatch:
        return ""


def site_name():
    return getattr(django_settings, "WAGTAIL_SITE_NAME", "") or ""


def moderator_emails(page):
    """Addresses of active users who may moderate the contributions of ``page``.

    Superusers, and moderators who may edit ``page`` in the page tree: another team's
    moderators are not told about this page's contributions (see ``wagtail_participation.staff``).
    """
    User = get_user_model()
    permission = Permission.objects.filter(
        codename="moderate_contribution",
        content_type__app_label=Contribution._meta.app_label,
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


def on_commit(func, *args):
    transaction.on_commit(functools.partial(func.enqueue, *args), robust=True)


# Moderators ------------------------------------------------------------------------------------


def notify_moderators(contribution, reason="pending", comment=None):
    """Tell moderators, after the commit, that ``contribution`` (or ``comment``) needs them."""
    if reason not in MODERATION_REASONS:
        raise ValueError(f"Unknown moderation reason {reason!r}")
    on_commit(
        send_moderation_email, contribution.pk, reason, comment.pk if comment is not None else None
    )


@task()
def send_moderation_email(contribution_pk, reason, comment_pk=None):
    contribution = (
        Contribution.objects.select_related("page", "author__participant_profile")
        .filter(pk=contribution_pk)
        .first()
    )
    if contribution is None:
        return 0
    comment = None
    if comment_pk is not None:
        comment = (
            Comment.objects.select_related("author__participant_profile")
            .filter(pk=comment_pk)
            .first()
        )
        if comment is None:
            return 0
    recipients = moderator_emails(contribution.page)
    if not recipients:
        logger.warning("Nobody can moderate contributions: no e-mail sent for %s", contribution_pk)
        return 0
    with translation.override(django_settings.LANGUAGE_CODE):
        context = {
            "contribution": contribution,
            "comment": comment,
            "page_title": contribution.page.title,
            "contribution_url": contribution_url(contribution)
            if contribution.status == ContributionStatus.PUBLISHED
            else "",
            "admin_url": admin_url(),
            "site_name": site_name(),
        }
        subject, body = render_email(f"moderation_{reason}", context)
    return send_each(subject, body, recipients)


# Authors ---------------------------------------------------------------------------------------


def author_wants_emails(contribution):
    author = contribution.author
    if author is None or not author.is_active or not email_of(author):
        return False
    from wagtail_participation.profiles import ParticipantProfile

    try:
        profile = author.participant_profile
    except ParticipantProfile.DoesNotExist:
        return False
    return profile.email_on_replies and profile.anonymised_at is None


def notify_author_published(contribution):
    """E-mail the author that a moderator published their contribution. True if queued."""
    return _notify_author(contribution, "published")


def notify_author_answered(contribution):
    """E-mail the author that their contribution got an official answer. True if queued."""
    return _notify_author(contribution, "answered")


def _notify_author(contribution, event):
    if not author_wants_emails(contribution):
        return False
    on_commit(send_author_email, contribution.pk, event)
    return True


@task()
def send_author_email(contribution_pk, event):
    if event not in AUTHOR_EVENTS:
        raise ValueError(f"Unknown event {event!r}")
    contribution = (
        Contribution.objects.select_related("page", "author__participant_profile")
        .filter(pk=contribution_pk)
        .first()
    )
    # Checked again when sending: the author may have changed their mind, or the moderators.
    if (
        contribution is None
        or contribution.status != ContributionStatus.PUBLISHED
        or not author_wants_emails(contribution)
        or (event == "answered" and not contribution.answer_status)
    ):
        return 0
    with translation.override(django_settings.LANGUAGE_CODE):
        context = {
            "contribution": contribution,
            "public_name": contribution.author_name,
            "page_title": contribution.page.title,
            "contribution_url": contribution_url(contribution),
            "answer_label": contribution.get_answer_status_display(),
            "site_name": site_name(),
        }
        subject, body = render_email(f"author_{event}", context)
    return send_each(subject, body, [email_of(contribution.author)])
