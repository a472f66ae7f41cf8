from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PetitionsConfig(AppConfig):
    name = "wagtail_participation.petitions"
    label = "participation_petitions"
    verbose_name = _("Petitions and consultative votes")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from wagtail_participation.outcomes import register_participation

        from .outcomes import items_for_user
        from .privacy import register

        register()
        register_participation("petitions", items_for_user)
