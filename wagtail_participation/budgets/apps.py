from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BudgetsConfig(AppConfig):
    name = "wagtail_participation.budgets"
    label = "participation_budgets"
    verbose_name = _("Participatory budgets")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from wagtail_participation.outcomes import register_participation

        from .outcomes import budget_participation
        from .privacy import register

        register()
        register_participation("budgets", budget_participation)
