"""What restitution pages keep about a resident: that they were told about a page, and when."""

from wagtail_participation.privacy import register_personal_data

from .models import RestitutionNotice


def export_notices(user):
    notices = RestitutionNotice.objects.filter(user=user).select_related("restitution")
    return {
        "notified_of": [
            {"restitution": notice.restitution.title, "sent": notice.sent_at} for notice in notices
        ]
    }


def erase_notices(user):
    RestitutionNotice.objects.filter(user=user).delete()


def register():
    register_personal_data("restitution", export_notices, erase_notices)
