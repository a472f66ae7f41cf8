"""Admin screens, declared once and built for either admin UI.

Each app lists its screens in an ``admin_screens.py`` module with ``AdminScreen`` declarations
in a module-level ``ADMIN_SCREENS`` list. ``WAGTAIL_PARTICIPATION["ADMIN_UI"]`` chooses who
builds them: Wagtail's viewsets and snippets (``viewsets.py``, the default) or
wagtail-modeladmin (``wagtail_participation.contrib.modeladmin``). Only one is registered, so
the "Participation" menu never appears twice.
"""

from dataclasses import dataclass, field

from django.apps import apps
from django.utils.module_loading import module_has_submodule
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

MENU_LABEL = _("Participation")
MENU_ICON = "group"
MENU_ORDER = 250


@dataclass(frozen=True)
class AdminScreen:
    model: str  # "app_label.ModelName"
    icon: str = "folder-open-inverse"
    list_display: tuple = ("__str__",)
    list_filter: tuple = ()
    search_fields: tuple = ()
    list_export: tuple = ()
    ordering: tuple = ()
    # Snippets get Wagtail's snippet features (revisions, locales, choosers) in the Wagtail UI.
    snippet: bool = False
    inspect: bool = True
    # Exporting the listing needs this permission ("app_label.codename"), for personal data.
    export_permission: str = ""
    # False for records that only residents create (profiles, reports): no "Add" button.
    creatable: bool = True
    # Path from the model to its participatory page ("page", "contribution__page"): staff then
    # see and act on the records of pages they may edit only (see ``staff.py``).
    page_field: str = ""
    # Dotted paths of base classes with custom views, one per admin UI.
    wagtail_viewset: str = ""
    modeladmin_class: str = ""
    extra: dict = field(default_factory=dict)

    def get_model(self):
        return apps.get_model(self.model)

    @property
    def menu_label(self):
        return capfirst(self.get_model()._meta.verbose_name_plural)


ADMIN_SCREENS = [
    AdminScreen(
        model="wagtail_participation.Neighbourhood",
        icon="site",
        list_display=("name", "slug", "locale"),
        list_filter=("locale",),
        search_fields=("name", "description"),
        list_export=("name", "slug", "description", "latitude", "longitude"),
        ordering=("name",),
        snippet=True,
    ),
    AdminScreen(
        model="wagtail_participation.ParticipantProfile",
        icon="user",
        list_display=("display_name", "neighbourhood", "created_at", "anonymised_at"),
        list_filter=("neighbourhood", "lives_in_town"),
        search_fields=("display_name",),
        list_export=(
            "display_name",
            "user.email",
            "neighbourhood",
            "lives_in_town",
            "birth_year",
            "terms_accepted_at",
            "created_at",
            "anonymised_at",
        ),
        export_permission="wagtail_participation.export_personal_data",
        ordering=("-created_at",),
        creatable=False,
        extra={
            "form_fields": ["display_name", "neighbourhood", "lives_in_town", "birth_year"],
            # The account (its e-mail) only appears in the permission-protected export.
            "inspect_view_fields": [
                "display_name",
                "neighbourhood",
                "lives_in_town",
                "birth_year",
                "terms_accepted_at",
                "created_at",
                "anonymised_at",
            ],
        },
    ),
    AdminScreen(
        model="wagtail_participation.CodeBatch",
        icon="key",
        list_display=("label", "prefix", "size", "used_count", "expires_at", "page", "created_at"),
        search_fields=("label", "prefix"),
        ordering=("-created_at",),
        # Batches without a process are valid everywhere: superusers only see and change them.
        page_field="page",
        wagtail_viewset="wagtail_participation.code_admin.CodeBatchViewSet",
        modeladmin_class="wagtail_participation.contrib.modeladmin.code_admin.CodeBatchModelAdmin",
    ),
    AdminScreen(
        model="wagtail_participation.AccountReport",
        icon="warning",
        list_display=("reported_name", "reporter_name", "created_at", "resolved_at"),
        list_filter=("resolved_at",),
        search_fields=("reason",),
        ordering=("-created_at",),
        creatable=False,
        extra={
            "form_fields": ["resolved_at"],
            "inspect_view_fields": [
                "reported_name",
                "reporter_name",
                "reason",
                "created_at",
                "resolved_at",
            ],
        },
    ),
]


def admin_screens():
    """Every app's declared screens, in INSTALLED_APPS order."""
    screens = []
    for app_config in apps.get_app_configs():
        if not module_has_submodule(app_config.module, "admin_screens"):
            continue
        module = __import__(f"{app_config.name}.admin_screens", fromlist=["ADMIN_SCREENS"])
        # Another package may have a module of the same name: keep only our declarations.
        screens.extend(
            screen
            for screen in getattr(module, "ADMIN_SCREENS", [])
            if isinstance(screen, AdminScreen)
        )
    return screens
