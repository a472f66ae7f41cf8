from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WagtailParticipationConfig(AppConfig):
    name = "wagtail_participation"
    label = "wagtail_participation"
    verbose_name = _("Participation")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import caching, checks, privacy  # noqa: F401  (system checks, personal data registry)

        caching.connect_signals()
