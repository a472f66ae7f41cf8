from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    name = "wagtail_participation.meetings"
    label = "participation_meetings"
    verbose_name = _("Committee calendars")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from wagtail.signals import page_published

        from wagtail_participation.outcomes import register_participation

        from .models import MeetingPage
        from .outcomes import meeting_participation
        from .privacy import register
        from .registrations import registrations_follow_the_meeting

        register()
        register_participation("meetings", meeting_participation)
        page_published.connect(
            registrations_follow_the_meeting,
            sender=MeetingPage,
            dispatch_uid="participation_meetings_registrations_follow",
        )
