from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    name = "wagtail_participation.meetings"
    label = "participation_meetings"
    verbose_name = _("Committee calendars")
    default_auto_field = "django.db.models.BigAutoField"
