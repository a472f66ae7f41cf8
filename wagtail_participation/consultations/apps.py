from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsultationsConfig(AppConfig):
    name = "wagtail_participation.consultations"
    label = "participation_consultations"
    verbose_name = _("Consultations")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Registers the moderation permission policy before the admin builds its viewsets.
        from . import moderation  # noqa: F401
        from .privacy import register

        register()

        from wagtail_participation.outcomes import register_participation

        from .outcomes import items_for_user

        register_participation("consultations", items_for_user)
