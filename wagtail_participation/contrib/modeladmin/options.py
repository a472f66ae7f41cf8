"""wagtail-modeladmin classes built from the declared admin screens."""

from django.core.exceptions import PermissionDenied
from django.utils.module_loading import import_string
from wagtail_modeladmin.helpers import PermissionHelper
from wagtail_modeladmin.options import ModelAdmin, ModelAdminGroup

from wagtail_participation import staff
from wagtail_participation.admin_screens import MENU_ICON, MENU_LABEL, MENU_ORDER, admin_screens
from wagtail_participation.exports import FormulaSafeCSVMixin


def export_permission_admin(base, permission):
    """A ModelAdmin whose export needs ``permission`` (personal data)."""

    class IndexView(base.index_view_class):
        def dispatch(self, request, *args, **kwargs):
            if request.GET.get("export") and not request.user.has_perm(permission):
                raise PermissionDenied
            return super().dispatch(request, *args, **kwargs)

    class PermissionModelAdmin(base):
        index_view_class = IndexView

        def get_list_export(self, request):
            if not request.user.has_perm(permission):
                return ()
            return super().get_list_export(request)

    return PermissionModelAdmin


class NoCreationPermissionHelper(PermissionHelper):
    def user_can_create(self, user):
        return False


def page_scoped_admin(base, page_field):
    """A ModelAdmin whose staff see and act on the records of pages they may edit only."""

    class ScopedPermissionHelper(base.permission_helper_class or PermissionHelper):
        def _on_managed_page(self, user, obj):
            return staff.may_manage(user, staff.page_of(obj, page_field))

        def user_can_inspect_obj(self, user, obj):
            return super().user_can_inspect_obj(user, obj) and self._on_managed_page(user, obj)

        def user_can_edit_obj(self, user, obj):
            return super().user_can_edit_obj(user, obj) and self._on_managed_page(user, obj)

        def user_can_delete_obj(self, user, obj):
            return super().user_can_delete_obj(user, obj) and self._on_managed_page(user, obj)

    class PageScopedModelAdmin(base):
        permission_helper_class = ScopedPermissionHelper

        def get_queryset(self, request):
            return staff.managed(super().get_queryset(request), request.user, page_field)

    return PageScopedModelAdmin


def build_model_admin(screen):
    base = import_string(screen.modeladmin_class) if screen.modeladmin_class else ModelAdmin
    if screen.export_permission:
        base = export_permission_admin(base, screen.export_permission)
    if screen.page_field:
        base = page_scoped_admin(base, screen.page_field)
    model = screen.get_model()
    attrs = {
        "model": model,
        "menu_label": screen.menu_label,
        "menu_icon": screen.icon,
        "list_display": screen.list_display,
        "list_filter": screen.list_filter,
        "search_fields": screen.search_fields,
        "inspect_view_enabled": screen.inspect,
    }
    if not screen.creatable:
        attrs["permission_helper_class"] = type(
            "NoCreationPermissionHelper",
            (NoCreationPermissionHelper, base.permission_helper_class or PermissionHelper),
            {},
        )
    if "inspect_view_fields" in screen.extra:
        attrs["inspect_view_fields"] = screen.extra["inspect_view_fields"]
    if screen.list_export:
        attrs["list_export"] = screen.list_export
        index_view = base.index_view_class
        attrs["index_view_class"] = type(index_view.__name__, (FormulaSafeCSVMixin, index_view), {})
    if screen.ordering:
        attrs["ordering"] = screen.ordering
    if "form_fields" in screen.extra:
        fields = set(screen.extra["form_fields"])
        attrs["form_fields_exclude"] = [
            f.name for f in model._meta.get_fields() if f.concrete and f.name not in fields
        ]
    return type(f"{model.__name__}ModelAdmin", (base,), attrs)


def build_model_admin_group():
    return type(
        "ParticipationModelAdminGroup",
        (ModelAdminGroup,),
        {
            "menu_label": MENU_LABEL,
            "menu_icon": MENU_ICON,
            "menu_order": MENU_ORDER,
            "items": tuple(build_model_admin(screen) for screen in admin_screens()),
        },
    )
