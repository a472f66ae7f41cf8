"""wagtail-modeladmin classes built from the declared admin screens."""

from wagtail_modeladmin.options import ModelAdmin, ModelAdminGroup

from wagtail_participation.admin_screens import MENU_ICON, MENU_LABEL, MENU_ORDER, admin_screens


def build_model_admin(screen):
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
    if screen.list_export:
        attrs["list_export"] = screen.list_export
    if screen.ordering:
        attrs["ordering"] = screen.ordering
    return type(f"{model.__name__}ModelAdmin", (ModelAdmin,), attrs)


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
