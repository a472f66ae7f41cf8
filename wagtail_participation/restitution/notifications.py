"""Telling participants, once, that the restitution of what they took part in is published.

When a restitution page is published with ``notify_participants``, a background task (queued
after the commit) lists the accounts that took part in its public linked pages, keeps those
that accept e-mails about results, and creates one ``RestitutionNotice`` per person: the
unique constraint makes a second publication, or two at once, add nobody twice. Batches of
notices are then sent by further tasks; each notice is claimed by an update that only one task
can win before its e-mail goes, so that nobody receives it twice.
"""

import functools
import logging

from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django_tasks import task

from .models import RestitutionNotice, RestitutionPage
from .report import Restitution

logger = logging.getLogger(__name__)

BATCH_SIZE = 100
EMAIL_TEMPLATES = "wagtail_participation/restitution/email/"


def restitution_published(sender, instance, **kwargs):
    """``page_published`` receiver: queue the notifications once the publication commits."""
    if instance.notify_participants:
        transaction.on_commit(
            functools.partial(notify_participants.enqueue, instance.pk), robust=True
        )


def recipients(restitution_page):
    """The accounts to tell: took part in a public linked page, active, with an e-mail
    address, and willing to hear about results (their profile says so)."""
    ids = Restitution(restitution_page).participant_ids()
    user_model = get_user_model()
    email_field = user_model.get_email_field_name()
    return (
        user_model._default_manager.filter(
            pk__in=ids,
            is_active=True,
            participant_profile__email_on_results=True,
            participant_profile__anonymised_at__isnull=True,
        )
        .exclude(**{email_field: ""})
        .values_list("pk", flat=True)
    )


@task()
def notify_participants(restitution_pk):
    """Create the notices of a published restitution page and queue their e-mails."""
    page = RestitutionPage.objects.live().filter(pk=restitution_pk).first()
    if page is None or not page.notify_participants:
        return 0
    already = set(page.notices.values_list("user_id", flat=True))
    new = [
        RestitutionNotice(restitution=page, user_id=user_id)
        for user_id in recipients(page)
        if user_id not in already
    ]
    RestitutionNotice.objects.bulk_create(new, ignore_conflicts=True, batch_size=1000)
    pending = list(
        page.notices.filter(sent_at__isnull=True).order_by("pk").values_list("pk", flat=True)
    )
    for start in range(0, len(pending), BATCH_SIZE):
        send_notices.enqueue(pending[start : start + BATCH_SIZE])
    return len(pending)


def claim(notice_pk, now):
    return RestitutionNotice.objects.filter(pk=notice_pk, sent_at__isnull=True).update(sent_at=now)


@task()
def send_notices(notice_pks):
    """E-mail the residents of these notices, each one at most once."""
    now = timezone.now()
    notices = RestitutionNotice.objects.filter(pk__in=notice_pks, sent_at__isnull=True)
    claimed = []
    messages = []
    for notice in notices.select_related("restitution", "user"):
        address = getattr(notice.user, notice.user.get_email_field_name(), "")
        if not address or not claim(notice.pk, now):
            continue
        claimed.append(notice.pk)
        messages.append(notice_email(notice.restitution, address))
    if not messages:
        return 0
    try:
        return get_connection().send_messages(messages) or 0
    except Exception:
        # Release the batch, so that the next publication tries again; the mail server may
        # have taken some of it, which the error does not say.
        RestitutionNotice.objects.filter(pk__in=claimed).update(sent_at=None)
        logger.exception("Restitution notices %s could not be sent.", claimed)
        raise


def notice_email(page, address):
    with translation.override(django_settings.LANGUAGE_CODE):
        context = {
            "page": page,
            "page_url": page.get_full_url() or "",
            "site_name": getattr(django_settings, "WAGTAIL_SITE_NAME", "") or "",
        }
        subject = render_to_string(EMAIL_TEMPLATES + "notice_subject.txt", context)
        body = render_to_string(EMAIL_TEMPLATES + "notice_body.txt", context)
    return EmailMessage(" ".join(subject.split()), body, None, [address])
