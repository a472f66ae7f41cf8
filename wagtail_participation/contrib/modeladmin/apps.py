from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ParticipationModelAdminConfig(AppConfig):
    name = "wagtail_participation.contrib.modeladmin"
    label = "wagtail_participation_modeladmin"
    verbose_name = _("Participation (modeladmin)")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import checks  # noqa: F401  (registers the system checks)
