"""Meeting registrations in the "Participation" admin menu (see ``admin_views.py``)."""

from wagtail_participation.admin_screens import AdminScreen

VIEWS = "wagtail_participation.meetings.admin_views"

ADMIN_SCREENS = [
    AdminScreen(
        model="participation_meetings.Registration",
        icon="date",
        # Staff see the registrations of the meetings they may edit only.
        page_field="meeting",
        # The resident by their public name only: never their account or e-mail in the list.
        list_display=("meeting", "occurrence_start", "resident_name", "status", "created_at"),
        list_filter=("meeting", "status"),
        # The e-mail is exported: organisers must be able to contact the people coming.
        list_export=(
            "meeting.title",
            "occurrence_start",
            "resident_name",
            "user.email",
            "get_status_display",
            "created_at",
            "cancelled_at",
        ),
        ordering=("occurrence_start", "created_at"),
        wagtail_viewset=f"{VIEWS}.RegistrationViewSet",
        modeladmin_class=f"{VIEWS}.RegistrationModelAdmin",
        extra={
            "inspect_view_fields": [
                "meeting",
                "occurrence_start",
                "status",
                "created_at",
                "cancelled_at",
            ],
        },
    ),
]
