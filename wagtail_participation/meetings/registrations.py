"""Registering residents for one occurrence of a meeting, with a waiting list.

``register()`` and ``cancel_registration()`` are the only places where registrations are
written. Both check everything first, then write in one transaction, after locking the
``MeetingPage`` row that owns the capacity: concurrent registrations for the same meeting queue
up on that lock, so the count of confirmed places never goes over ``capacity``. A second
registration of the same resident for the same occurrence is refused, by a check and, in a
race, by the database constraint (``IntegrityError``). A refusal raises ``RegistrationRefused``
and stores nothing.

E-mails (confirmation, waiting list, promotion from the waiting list) are sent by a background
task enqueued when the transaction commits, with the event attached as an iCalendar file.
"""

import functools
import logging
from datetime import timedelta

from django.conf import settings as django_settings
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django_tasks import task

from wagtail_participation.profiles import profile_for

from . import ical, recurrence
from .models import (
    Attendance,
    MeetingPage,
    Registration,
    RegistrationMode,
    RegistrationStatus,
)

logger = logging.getLogger(__name__)

EMAIL_TEMPLATES = "wagtail_participation/meetings/email/"
EMAIL_EVENTS = ("confirmed", "waiting", "promoted", "moved", "called_off")


class RegistrationRefused(Exception):
    """Nothing was stored; ``messages`` say why, in the resident's language."""

    def __init__(self, messages, code="invalid"):
        self.messages = [str(m) for m in messages]
        self.code = code
        super().__init__("; ".join(self.messages))


def refuse(message, code):
    raise RegistrationRefused([message], code)


# Occurrences ---------------------------------------------------------------------------------


def find_occurrence(meeting, occurrence_start):
    """The meeting's occurrence starting at ``occurrence_start`` (aware), or None."""
    if occurrence_start is None or timezone.is_naive(occurrence_start):
        return None
    day = occurrence_start.astimezone(recurrence.site_zone()).date()
    for candidate in (day, day - timedelta(days=1), day + timedelta(days=1)):
        occurrence = recurrence.occurrence_on(meeting, candidate)
        if occurrence is not None and occurrence.start == occurrence_start:
            return occurrence
    return None


def confirmed_count(meeting, occurrence_start):
    return Registration.objects.filter(
        meeting=meeting, occurrence_start=occurrence_start, status=RegistrationStatus.CONFIRMED
    ).count()


def places_left(meeting, occurrence_start):
    """Places left for the occurrence; None when the meeting has no limit."""
    if meeting.capacity is None:
        return None
    return max(0, meeting.capacity - confirmed_count(meeting, occurrence_start))


def waiting_position(registration):
    """1 for the first on the waiting list; None unless ``registration`` is waiting."""
    if registration.status != RegistrationStatus.WAITING:
        return None
    ahead = Registration.objects.filter(
        Q(created_at__lt=registration.created_at)
        | Q(created_at=registration.created_at, pk__lt=registration.pk),
        meeting_id=registration.meeting_id,
        occurrence_start=registration.occurrence_start,
        status=RegistrationStatus.WAITING,
    )
    return ahead.count() + 1


def active_registration(meeting, occurrence_start, user):
    if user is None or not user.is_authenticated:
        return None
    return (
        Registration.objects.filter(meeting=meeting, occurrence_start=occurrence_start, user=user)
        .exclude(status=RegistrationStatus.CANCELLED)
        .first()
    )


# Checks --------------------------------------------------------------------------------------


def check_resident(user):
    if user is None or not user.is_authenticated:
        refuse(_("Sign in to register for this meeting."), "sign_in")
    profile = profile_for(user)
    if profile is None or not profile.is_complete:
        refuse(
            _("Complete your profile (public name and participation terms) to register."),
            "profile_incomplete",
        )


def check_occurrence(meeting, occurrence_start, now):
    """The occurrence, if residents may register for it now; else ``RegistrationRefused``."""
    if meeting.registration != RegistrationMode.ON_SITE:
        refuse(_("Registration is not open on this site for this meeting."), "not_open")
    if meeting.cancelled:
        refuse(_("This meeting is cancelled."), "cancelled")
    occurrence = find_occurrence(meeting, occurrence_start)
    if occurrence is None:
        refuse(_("This meeting does not take place at that date."), "unknown_occurrence")
    if occurrence.cancelled:
        refuse(_("This meeting is cancelled on that date."), "cancelled")
    if occurrence.start <= now:
        refuse(_("This meeting has already started: registration is closed."), "past")
    return occurrence


# Writing -------------------------------------------------------------------------------------


def register(meeting, occurrence_start, user, now=None):
    """Register ``user`` for the occurrence of ``meeting`` starting at ``occurrence_start``.

    Returns the new ``Registration``: confirmed, or waiting when the occurrence is full.
    Raises ``RegistrationRefused`` and stores nothing when a rule is broken.
    """
    now = now or timezone.now()
    occurrence = check_occurrence(meeting, occurrence_start, now)
    check_resident(user)
    if active_registration(meeting, occurrence.start, user) is not None:
        refuse(_("You are already registered for this meeting."), "already_registered")
    try:
        with transaction.atomic():
            locked = MeetingPage.objects.select_for_update().get(pk=meeting.pk)
            if active_registration(locked, occurrence.start, user) is not None:
                raise IntegrityError("already registered")
            status = RegistrationStatus.CONFIRMED
            if locked.capacity is not None:
                if confirmed_count(locked, occurrence.start) >= locked.capacity:
                    status = RegistrationStatus.WAITING
            registration = Registration.objects.create(
                meeting=locked,
                occurrence_start=occurrence.start,
                user=user,
                status=status,
                created_at=now,
            )
            on_commit(send_registration_email, registration.pk, status)
    except IntegrityError as error:
        raise RegistrationRefused(
            [_("You are already registered for this meeting.")], "already_registered"
        ) from error
    return registration


def cancel_registration(registration, now=None):
    """Cancel ``registration``; returns the waiting registration promoted to its place, or None.

    A confirmed registration gives its place to the oldest one on the waiting list, in the same
    transaction; the promoted resident is e-mailed once it commits.
    """
    now = now or timezone.now()
    if registration.status == RegistrationStatus.CANCELLED:
        refuse(_("This registration is already cancelled."), "already_cancelled")
    promoted = None
    with transaction.atomic():
        MeetingPage.objects.select_for_update().get(pk=registration.meeting_id)
        current = Registration.objects.select_for_update().get(pk=registration.pk)
        if current.status == RegistrationStatus.CANCELLED:
            refuse(_("This registration is already cancelled."), "already_cancelled")
        was_confirmed = current.status == RegistrationStatus.CONFIRMED
        current.status = RegistrationStatus.CANCELLED
        current.cancelled_at = now
        current.save(update_fields=["status", "cancelled_at"])
        if was_confirmed and current.occurrence_start > now:
            promoted = (
                Registration.objects.select_for_update()
                .filter(
                    meeting_id=current.meeting_id,
                    occurrence_start=current.occurrence_start,
                    status=RegistrationStatus.WAITING,
                )
                .order_by("created_at", "pk")
                .first()
            )
            if promoted is not None:
                promoted.status = RegistrationStatus.CONFIRMED
                promoted.save(update_fields=["status"])
                on_commit(send_registration_email, promoted.pk, "promoted")
    registration.status = current.status
    registration.cancelled_at = current.cancelled_at
    return promoted


def follow_publication(meeting, now=None):
    """Bring the registrations of ``meeting`` in line with its newly published version.

    Editors may cancel the meeting or one occurrence, leave a date out, move the time or add
    places. Registrations for future occurrences that no longer take place are cancelled,
    those whose occurrence moved (same date, another time) follow it, and the waiting list
    moves up into new places; each resident concerned is e-mailed. Returns ``(moved,
    called_off)`` counts. Past occurrences are left as they were.
    """
    now = now or timezone.now()
    moved = called_off = 0
    with transaction.atomic():
        meeting = (
            MeetingPage.objects.select_for_update()
            .prefetch_related("occurrence_changes")
            .get(pk=meeting.pk)
        )
        active = Registration.objects.filter(meeting=meeting, occurrence_start__gt=now).exclude(
            status=RegistrationStatus.CANCELLED
        )
        for registration in active.select_for_update():
            occurrence = find_occurrence(meeting, registration.occurrence_start)
            if occurrence is None:
                day = registration.occurrence_start.astimezone(recurrence.site_zone()).date()
                occurrence = recurrence.occurrence_on(meeting, day)
                if occurrence is not None and occurrence.start <= now:
                    occurrence = None
                if occurrence is not None and not occurrence.cancelled:
                    registration.occurrence_start = occurrence.start
                    registration.reminded_at = None
                    registration.save(update_fields=["occurrence_start", "reminded_at"])
                    on_commit(send_registration_email, registration.pk, "moved")
                    moved += 1
                    continue
            if occurrence is None or occurrence.cancelled:
                registration.status = RegistrationStatus.CANCELLED
                registration.cancelled_at = now
                registration.save(update_fields=["status", "cancelled_at"])
                on_commit(send_registration_email, registration.pk, "called_off")
                called_off += 1
        promote_waiting(meeting, now)
    return moved, called_off


def promote_waiting(meeting, now):
    """Give the places a larger capacity opened to the waiting list, oldest first.

    Runs inside the caller's transaction, the meeting row locked."""
    waiting = Registration.objects.filter(
        meeting=meeting, occurrence_start__gt=now, status=RegistrationStatus.WAITING
    ).order_by("created_at", "pk")
    starts = set(waiting.values_list("occurrence_start", flat=True))
    for start in sorted(starts):
        free = places_left(meeting, start)
        queue = waiting.filter(occurrence_start=start)
        promoted = list(queue if free is None else queue[:free])
        for registration in promoted:
            registration.status = RegistrationStatus.CONFIRMED
            registration.save(update_fields=["status"])
            on_commit(send_registration_email, registration.pk, "promoted")


def registrations_follow_the_meeting(sender, instance, **kwargs):
    """``page_published`` receiver for meeting pages: see ``follow_publication()``."""
    follow_publication(instance)


# E-mails -------------------------------------------------------------------------------------


def on_commit(func, *args):
    transaction.on_commit(functools.partial(func.enqueue, *args), robust=True)


def email_of(user):
    return getattr(user, user.get_email_field_name(), "") or ""


@task()
def send_registration_email(registration_pk, event):
    """E-mail the resident about their registration, the event attached as ``event.ics``."""
    if event not in EMAIL_EVENTS:
        raise ValueError(f"Unknown event {event!r}")
    registration = (
        Registration.objects.select_related("meeting", "user").filter(pk=registration_pk).first()
    )
    if registration is None:
        return 0
    if (registration.status == RegistrationStatus.CANCELLED) != (event == "called_off"):
        return 0
    address = email_of(registration.user)
    if not address or not registration.user.is_active:
        return 0
    meeting = registration.meeting
    url = meeting.get_full_url() or ""
    with translation.override(django_settings.LANGUAGE_CODE):
        context = {
            "event": event,
            "meeting": meeting,
            "start": registration.occurrence_start.astimezone(recurrence.site_zone()),
            "position": waiting_position(registration),
            "has_place": registration.status == RegistrationStatus.CONFIRMED,
            "online_url": meeting.online_url if meeting.attendance != Attendance.IN_PERSON else "",
            "meeting_url": url,
            "site_name": getattr(django_settings, "WAGTAIL_SITE_NAME", "") or "",
        }
        subject = render_to_string(f"{EMAIL_TEMPLATES}registration_subject.txt", context)
        body = render_to_string(f"{EMAIL_TEMPLATES}registration_body.txt", context)
    message = EmailMessage(" ".join(subject.split()), body, None, [address])
    if registration.status == RegistrationStatus.CONFIRMED:
        message.attach("event.ics", ical.meeting_ics(meeting, url), "text/calendar")
    return get_connection().send_messages([message]) or 0
