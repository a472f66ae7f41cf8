"""What the calendars keep about a resident, for "Download my data" and account deletion.

A deleted account gives up its places at meetings still to come, so that residents on the
waiting list move up (and are e-mailed). Registrations for past meetings stay, attached to the
anonymised account: they are the attendance figures of those meetings.
"""

from django.utils import timezone

from wagtail_participation.privacy import register_personal_data

from .models import Registration, RegistrationStatus
from .registrations import cancel_registration


def export_meeting_registrations(user):
    registrations = Registration.objects.filter(user=user).select_related("meeting")
    return {
        "registrations": [
            {
                "meeting": registration.meeting.title,
                "occurrence": registration.occurrence_start,
                "status": registration.status,
                "registered": registration.created_at,
                "cancelled": registration.cancelled_at,
            }
            for registration in registrations
        ]
    }


def give_up_future_places(user):
    now = timezone.now()
    upcoming = Registration.objects.filter(user=user, occurrence_start__gt=now).exclude(
        status=RegistrationStatus.CANCELLED
    )
    for registration in upcoming:
        cancel_registration(registration, now=now)


def register():
    register_personal_data("meetings", export_meeting_registrations, give_up_future_places)
