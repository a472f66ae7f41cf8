from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RestitutionConfig(AppConfig):
    name = "wagtail_participation.restitution"
    label = "participation_restitution"
    verbose_name = _("Restitution")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from wagtail.signals import page_published

        from .models import RestitutionPage
        from .notifications import restitution_published
        from .privacy import register

        register()
        page_published.connect(
            restitution_published,
            sender=RestitutionPage,
            dispatch_uid="participation_restitution_notify",
        )
