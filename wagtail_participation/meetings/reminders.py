"""A reminder e-mail the day before, for residents with a confirmed place.

Nothing records that a reminder was sent (the models have no field for it, and a cache would
not be shared between servers). Instead the window is fixed by the clock: a run during the hour
``H`` reminds the registrations for occurrences starting in ``[H + 24 h, H + 25 h)``. Run
``manage.py participation_meeting_reminders`` once every hour (cron, systemd timer): hourly
runs tile time exactly, so each occurrence is reminded once. Running it twice in the same hour
sends the reminders twice; skipping an hour skips that hour's reminders.

The e-mails are sent by a background task (``django_tasks``), one per registration, which
checks again that the place is still confirmed.
"""

from datetime import timedelta

from django.conf import settings as django_settings
from django.core.mail import EmailMessage, get_connection
from django.utils import timezone, translation
from django.utils.formats import date_format, time_format
from django.utils.translation import gettext as _
from django_tasks import task

from . import recurrence
from .models import Registration, RegistrationStatus
from .registrations import email_of, find_occurrence

LEAD_TIME = timedelta(hours=24)
WINDOW = timedelta(hours=1)


def reminder_window(now=None):
    """The occurrence starts reminded by a run at ``now``: ``[start, end)``."""
    hour = (now or timezone.now()).replace(minute=0, second=0, microsecond=0)
    start = hour + LEAD_TIME
    return start, start + WINDOW


def due_registrations(now=None):
    """Confirmed registrations for occurrences in the window that still take place."""
    start, end = reminder_window(now)
    registrations = Registration.objects.filter(
        status=RegistrationStatus.CONFIRMED,
        occurrence_start__gte=start,
        occurrence_start__lt=end,
        meeting__live=True,
    ).select_related("meeting")
    due = []
    for registration in registrations:
        meeting = registration.meeting
        if meeting.cancelled:
            continue
        occurrence = find_occurrence(meeting, registration.occurrence_start)
        if occurrence is None or occurrence.cancelled:
            continue
        due.append(registration)
    return due


def send_reminders(now=None):
    """Enqueue one reminder per due registration; returns how many were enqueued."""
    due = due_registrations(now)
    for registration in due:
        send_reminder_email.enqueue(registration.pk)
    return len(due)


@task()
def send_reminder_email(registration_pk):
    registration = (
        Registration.objects.select_related("meeting", "user").filter(pk=registration_pk).first()
    )
    if registration is None or registration.status != RegistrationStatus.CONFIRMED:
        return 0
    address = email_of(registration.user)
    if not address or not registration.user.is_active:
        return 0
    meeting = registration.meeting
    start = registration.occurrence_start.astimezone(recurrence.site_zone())
    url = meeting.get_full_url() or ""
    with translation.override(django_settings.LANGUAGE_CODE):
        subject = _("Reminder: %(title)s tomorrow") % {"title": meeting.title}
        lines = [
            _("You are registered for the meeting “%(title)s”.") % {"title": meeting.title},
            "",
            f"{_('When')}: {date_format(start, 'l')} {date_format(start, 'DATE_FORMAT')}, "
            f"{time_format(start, 'TIME_FORMAT')}",
        ]
        if meeting.address:
            lines.append(f"{_('Place')}: {meeting.address}")
        if meeting.online_url:
            lines.append(f"{_('Online')}: {meeting.online_url}")
        if url:
            lines += ["", url]
        lines += [
            "",
            _(
                "If you cannot come, cancel your registration on the meeting page so that "
                "someone else can take your place."
            ),
        ]
        site_name = getattr(django_settings, "WAGTAIL_SITE_NAME", "") or ""
        if site_name:
            lines += ["", site_name]
    message = EmailMessage(subject, "\n".join(lines) + "\n", None, [address])
    return get_connection().send_messages([message]) or 0
