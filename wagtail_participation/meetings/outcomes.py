"""What a committee calendar reports back to restitution pages (``outcomes.OutcomeSource``).

``CommitteeCalendarPage.outcome_*`` delegate here. Only live, public meetings of the calendar
count, read once with ``ical.public_meetings()``; occurrences are computed in Python
(``recurrence.py``), so every function runs a fixed number of queries whatever the number of
meetings. A calendar takes no decisions and publishes no results: those keep the defaults.
"""

from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext

from wagtail_participation.outcomes import (
    Figure,
    Milestone,
    ParticipationItem,
    share_site_root_paths,
)

from . import ical, recurrence
from .models import CommitteeCalendarPage, MeetingPage, Registration, RegistrationStatus

UPCOMING_MILESTONES = 5


def calendar_meetings(calendar):
    """The calendar's live, public meetings, their occurrence changes prefetched."""
    return ical.public_meetings(MeetingPage.objects.child_of(calendar))


def held_occurrences(meetings, now):
    """Occurrences that started before ``now`` and were not cancelled."""
    return [
        occurrence
        for meeting in meetings
        for occurrence in recurrence.occurrences(meeting, None, now)
        if not occurrence.cancelled and occurrence.start < now
    ]


def held_participant_ids(calendar, held, now):
    """The accounts with a confirmed registration to one of the ``held`` occurrences."""
    held_starts = {(occurrence.meeting.pk, occurrence.start) for occurrence in held}
    registrations = (
        Registration.objects.filter(
            meeting__in=MeetingPage.objects.child_of(calendar),
            status=RegistrationStatus.CONFIRMED,
            occurrence_start__lt=now,
        )
        .values_list("meeting_id", "occurrence_start", "user_id")
        .distinct()
    )
    return {
        user_id
        for meeting_id, start, user_id in registrations
        if (meeting_id, start) in held_starts
    }


def calendar_figures(calendar):
    """Meetings held so far, their attendees, and the residents registered to them.

    "attendees" adds up the attendance editors recorded on each meeting held (one number per
    meeting page, even for a series); "participants" are the distinct accounts with a
    confirmed registration to an occurrence held so far.
    """
    now = timezone.now()
    held = held_occurrences(calendar_meetings(calendar), now)
    held_meetings = {occurrence.meeting.pk: occurrence.meeting for occurrence in held}
    attendees = sum(meeting.attendee_count or 0 for meeting in held_meetings.values())
    return [
        Figure("participants", len(held_participant_ids(calendar, held, now))),
        Figure("meetings", len(held)),
        Figure("attendees", attendees),
    ]


def next_occurrences(meeting, now, count):
    """The meeting's next ``count`` occurrences starting from ``now``, cancelled ones left out."""
    if meeting.cancelled:
        return []
    cancelled = sum(1 for change in meeting.occurrence_changes.all() if change.cancelled)
    # One more for an occurrence under way, which is not "next".
    found = recurrence.occurrences(meeting, now, None, limit=count + cancelled + 1)
    return [o for o in found if not o.cancelled and o.start >= now][:count]


def calendar_milestones(calendar):
    """The next five meetings, as planned milestones in date order."""
    now = timezone.now()
    upcoming = []
    for meeting in calendar_meetings(calendar):
        upcoming.extend(next_occurrences(meeting, now, UPCOMING_MILESTONES))
    upcoming.sort(key=recurrence.sort_key)
    upcoming = upcoming[:UPCOMING_MILESTONES]
    share_site_root_paths([occurrence.meeting for occurrence in upcoming])
    return [
        Milestone(
            title=occurrence.meeting.title,
            date=timezone.localdate(occurrence.start),
            status="planned",
            description=occurrence.note,
            url=occurrence.meeting.url or "",
        )
        for occurrence in upcoming
    ]


def calendar_participant_ids(calendar):
    """The participants the figures count: confirmed places at occurrences held so far.
    Residents registered only to meetings to come have not taken part yet."""
    now = timezone.now()
    held = held_occurrences(calendar_meetings(calendar), now)
    return held_participant_ids(calendar, held, now)


# "My participation" ---------------------------------------------------------------------------


def waiting_ahead():
    """The number of waiting registrations before the outer one, for its position."""
    ahead = (
        Registration.objects.filter(
            Q(created_at__lt=OuterRef("created_at"))
            | Q(created_at=OuterRef("created_at"), pk__lt=OuterRef("pk")),
            meeting_id=OuterRef("meeting_id"),
            occurrence_start=OuterRef("occurrence_start"),
            status=RegistrationStatus.WAITING,
        )
        .order_by()
        .values("meeting_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(ahead, output_field=IntegerField()), Value(0))


def registration_outcome(registration, now):
    meeting = registration.meeting
    if registration.status == RegistrationStatus.CANCELLED:
        return gettext("Cancelled")
    if registration.occurrence_start < now and meeting.minutes.strip():
        return gettext("Minutes published")
    if registration.status == RegistrationStatus.WAITING:
        return gettext("On the waiting list (position %(position)s)") % {
            "position": registration.ahead + 1
        }
    return gettext("Confirmed")


def meeting_participation(user):
    """The registrations of ``user`` to live, public meetings of live, public calendars, in
    four queries. A meeting restricted to a group is left out, as everywhere else."""
    if user is None or not user.is_authenticated:
        return []
    now = timezone.now()
    registrations = list(
        Registration.objects.filter(user=user, meeting__in=MeetingPage.objects.live().public())
        .select_related("meeting")
        .annotate(ahead=waiting_ahead())
        .order_by("occurrence_start", "pk")
    )
    steplen = MeetingPage.steplen
    calendars = {
        calendar.path: calendar
        for calendar in CommitteeCalendarPage.objects.live().filter(
            path__in={r.meeting.path[:-steplen] for r in registrations}
        )
    }
    registrations = [r for r in registrations if r.meeting.path[:-steplen] in calendars]
    share_site_root_paths(
        [r.meeting for r in registrations] + list(calendars.values()) if registrations else []
    )
    return [registration_item(r, calendars[r.meeting.path[:-steplen]], now) for r in registrations]


def registration_item(registration, calendar, now):
    meeting = registration.meeting
    waiting = registration.status == RegistrationStatus.WAITING
    return ParticipationItem(
        process_title=calendar.title,
        process_url=calendar.url or "",
        action="registration",
        title=meeting.title,
        date=registration.occurrence_start,
        outcome=registration_outcome(registration, now),
        url=meeting.url or "",
        extra={
            "status": registration.status,
            "position": registration.ahead + 1 if waiting else None,
        },
    )
