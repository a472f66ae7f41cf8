from django.apps import apps
from django.core.checks import Error, Tags, register
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.utils.module_loading import import_string

from .conf import ADMIN_UI_CHOICES, DEFAULTS, SETTING_NAME, settings

REQUIRED_APPS = [
    "wagtail",
    "wagtail.admin",
    "wagtail.snippets",
    "wagtail.contrib.routable_page",
    "modelcluster",
    "taggit",
    "django_filters",
]

MODELADMIN_CONTRIB_APP = "wagtail_participation.contrib.modeladmin"


def installed_app_names():
    return {app_config.name for app_config in apps.get_app_configs()}


@register(Tags.compatibility)
def check_required_apps(app_configs, **kwargs):
    return required_app_errors(installed_app_names())


def required_app_errors(installed):
    return [
        Error(
            f"wagtail_participation needs {app!r} in INSTALLED_APPS.",
            hint=f"Add {app!r} to INSTALLED_APPS (see the installation tutorial).",
            id="wagtail_participation.E001",
        )
        for app in REQUIRED_APPS
        if app not in installed
    ]


@register(Tags.compatibility)
def check_settings(app_configs, **kwargs):
    return settings_errors(installed_app_names())


def settings_errors(installed):
    errors = []
    if not isinstance(settings.raw_user_settings, dict):
        return [
            Error(
                f"{SETTING_NAME} must be a dict.",
                id="wagtail_participation.E002",
            )
        ]
    for key in settings.unknown_keys():
        errors.append(
            Error(
                f"{SETTING_NAME} has an unknown key {key!r}.",
                hint="Known keys: " + ", ".join(sorted(DEFAULTS)) + ".",
                obj=SETTING_NAME,
                id="wagtail_participation.E003",
            )
        )
    if settings.ADMIN_UI not in ADMIN_UI_CHOICES:
        errors.append(
            Error(
                f"{SETTING_NAME}['ADMIN_UI'] must be one of {', '.join(ADMIN_UI_CHOICES)}, "
                f"not {settings.ADMIN_UI!r}.",
                id="wagtail_participation.E004",
            )
        )
    elif settings.ADMIN_UI == "modeladmin" and MODELADMIN_CONTRIB_APP not in installed:
        errors.append(
            Error(
                f"{SETTING_NAME}['ADMIN_UI'] is 'modeladmin' but {MODELADMIN_CONTRIB_APP!r} "
                "is not in INSTALLED_APPS.",
                hint="pip install 'wagtail-participation[modeladmin]' and add "
                f"'wagtail_modeladmin' and {MODELADMIN_CONTRIB_APP!r} to INSTALLED_APPS.",
                id="wagtail_participation.E005",
            )
        )
    page_size = settings.INDEX_PAGE_SIZE
    if not isinstance(page_size, int) or isinstance(page_size, bool) or page_size < 1:
        errors.append(
            Error(
                f"{SETTING_NAME}['INDEX_PAGE_SIZE'] must be a positive whole number.",
                id="wagtail_participation.E006",
            )
        )
    errors.extend(policy_errors(settings.ELIGIBILITY_POLICIES))
    errors.extend(rate_limit_errors(settings.RATE_LIMITS))
    for key in ("INACTIVE_ACCOUNT_RETENTION_DAYS", "RETENTION_WARNING_DAYS"):
        value = getattr(settings, key)
        if key == "INACTIVE_ACCOUNT_RETENTION_DAYS" and value is None:
            continue
        if not _positive_int(value):
            errors.append(
                Error(
                    f"{SETTING_NAME}[{key!r}] must be a positive whole number of days"
                    + (" or None." if key.startswith("INACTIVE") else "."),
                    id="wagtail_participation.E011",
                )
            )
    for key in (
        "DATA_EXPORT_LINK_MINUTES",
        "REPORTS_TO_HIDE",
        "CONTRIBUTIONS_PAGE_SIZE",
        "PROJECTS_PAGE_SIZE",
        "PETITIONS_PAGE_SIZE",
    ):
        if not _positive_int(getattr(settings, key)):
            errors.append(
                Error(
                    f"{SETTING_NAME}[{key!r}] must be a positive whole number.",
                    id="wagtail_participation.E011",
                )
            )
    for key in ("PROXY_COUNT", "PUBLIC_CACHE_SECONDS"):
        value = getattr(settings, key)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            errors.append(
                Error(
                    f"{SETTING_NAME}[{key!r}] must be a whole number of 0 or more.",
                    id="wagtail_participation.E012",
                )
            )
    return errors


def _positive_int(value):
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


def policy_errors(paths):
    from .eligibility import EligibilityPolicy

    if not isinstance(paths, list | tuple):
        return [
            Error(
                f"{SETTING_NAME}['ELIGIBILITY_POLICIES'] must be a list of dotted paths.",
                id="wagtail_participation.E009",
            )
        ]
    errors = []
    for path in paths:
        try:
            policy = import_string(path)
        except ImportError:
            errors.append(
                Error(
                    f"{SETTING_NAME}['ELIGIBILITY_POLICIES'] names {path!r}, which cannot be "
                    "imported.",
                    id="wagtail_participation.E009",
                )
            )
            continue
        if not (isinstance(policy, type) and issubclass(policy, EligibilityPolicy)):
            errors.append(
                Error(
                    f"{path!r} in {SETTING_NAME}['ELIGIBILITY_POLICIES'] is not a subclass of "
                    "wagtail_participation.eligibility.EligibilityPolicy.",
                    id="wagtail_participation.E009",
                )
            )
    return errors


def rate_limit_errors(limits):
    from .ratelimit import parse_rate

    if not isinstance(limits, dict) or "default" not in limits:
        return [
            Error(
                f"{SETTING_NAME}['RATE_LIMITS'] must be a dict with a 'default' entry.",
                id="wagtail_participation.E010",
            )
        ]
    errors = []
    for group, rate in limits.items():
        try:
            count, _period = parse_rate(rate)
            if count < 1:
                raise ValueError
        except (ValueError, KeyError, AttributeError, TypeError):
            errors.append(
                Error(
                    f"{SETTING_NAME}['RATE_LIMITS'][{group!r}] is {rate!r}; write a count and a "
                    "period, such as '10/m' (periods: s, m, h, d).",
                    id="wagtail_participation.E010",
                )
            )
    return errors


@register(Tags.templates)
def check_base_template(app_configs, **kwargs):
    try:
        get_template(settings.BASE_TEMPLATE)
    except TemplateDoesNotExist:
        return [
            Error(
                f"{SETTING_NAME}['BASE_TEMPLATE'] names {settings.BASE_TEMPLATE!r}, "
                "which no template loader finds.",
                hint="Point it at your site's base template, the one your pages extend.",
                id="wagtail_participation.E007",
            )
        ]
    return []
