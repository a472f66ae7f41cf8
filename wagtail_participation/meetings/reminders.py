"""A reminder e-mail the day before, for residents with a confirmed place.

Run ``manage.py participation_meeting_reminders`` every hour (cron, systemd timer). Each run
reminds the confirmed registrations whose occurrence starts within the next 24 hours and that
were not reminded yet, then records it (``Registration.reminded_at``): running the command
twice, or on two servers at once, never sends a reminder twice, and a run that was skipped is
caught up by the next one. A resident who registered less than a day before the meeting gets no
reminder: their confirmation is recent enough.

The e-mails are sent by a background task (``django_tasks``), one per registration, which
checks again that the place is still confirmed.
"""

from datetime import timedelta

from django.conf import settings as django_settings
from django.core.mail import EmailMessage, get_connection
from django.db.models import F
from django.utils import timezone, translation
from django.utils.formats import date_format, time_format
from django.utils.translation import gettext as _
from django_tasks import task

from . import recurrence
from .models import Attendance, Registration, RegistrationStatus
from .registrations import email_of, find_occurrence

LEAD_TIME = timedelta(hours=24)


def reminder_window(now=None):
    """The occurrence starts a run at ``now`` reminds: ``(start, end]``."""
    now = now or timezone.now()
    return now, now + LEAD_TIME


def due_registrations(now=None):
    """Confirmed registrations not reminded yet, for occurrences in the window that still take
    place."""
    start, end = reminder_window(now)
    registrations = (
        Registration.objects.filter(
            status=RegistrationStatus.CONFIRMED,
            reminded_at__isnull=True,
            occurrence_start__gt=start,
            occurrence_start__lte=end,
            created_at__lt=F("occurrence_start") - LEAD_TIME,
            meeting__live=True,
        )
        .select_related("meeting")
        .prefetch_related("meeting__occurrence_changes")
    )
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
    """Enqueue one reminder per due registration; returns how many were enqueued.

    Each registration is claimed by an update that only succeeds once, so that concurrent runs
    share the work instead of both sending it.
    """
    now = now or timezone.now()
    sent = 0
    for registration in due_registrations(now):
        claimed = Registration.objects.filter(pk=registration.pk, reminded_at__isnull=True).update(
            reminded_at=now
        )
        if claimed:
            send_reminder_email.enqueue(registration.pk)
            sent += 1
    return sent


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
        subject = _("Reminder: %(title)s, %(day)s at %(time)s") % {
            "title": meeting.title,
            "day": date_format(start, "l"),
            "time": time_format(start, "TIME_FORMAT"),
        }
        lines = [
            _("You are registered for the meeting “%(title)s”.") % {"title": meeting.title},
            "",
            _("When: %(day)s %(date)s, %(time)s")
            % {
                "day": date_format(start, "l"),
                "date": date_format(start, "DATE_FORMAT"),
                "time": time_format(start, "TIME_FORMAT"),
            },
        ]
        if meeting.address:
            lines.append(_("Place: %(address)s") % {"address": meeting.address})
        if meeting.online_url and meeting.attendance != Attendance.IN_PERSON:
            lines.append(_("Online: %(url)s") % {"url": meeting.online_url})
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
    # A title with a line break would add a header, or make sending fail: one line.
    message = EmailMessage(" ".join(subject.split()), "\n".join(lines) + "\n", None, [address])
    return get_connection().send_messages([message]) or 0
