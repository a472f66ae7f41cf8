from django.apps import apps
from django.core.checks import Error, Tags, register


@register(Tags.compatibility)
def check_modeladmin_installed(app_configs, **kwargs):
    if apps.is_installed("wagtail_modeladmin"):
        return []
    return [
        Error(
            "wagtail_participation.contrib.modeladmin needs 'wagtail_modeladmin' in "
            "INSTALLED_APPS.",
            hint='pip install "wagtail-participation[modeladmin]" and add "wagtail_modeladmin".',
            id="wagtail_participation.E008",
        )
    ]
