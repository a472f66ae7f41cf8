"""Wagtail's own admin (viewsets and snippets) built from the declared admin screens."""

from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.search import index
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from .admin_screens import MENU_ICON, MENU_LABEL, MENU_ORDER, admin_screens


def build_viewset(screen):
    base = SnippetViewSet if screen.snippet else ModelViewSet
    model = screen.get_model()
    attrs = {
        "model": model,
        "icon": screen.icon,
        "menu_label": screen.menu_label,
        "list_display": list(screen.list_display),
        "list_filter": list(screen.list_filter),
        "inspect_view_enabled": screen.inspect,
        **screen.extra,
    }
    # An indexed model is searched through its search index (all its search_fields); naming
    # fields here would make SQLite's full-text backend look for columns it does not have.
    if screen.search_fields and not issubclass(model, index.Indexed):
        attrs["search_fields"] = list(screen.search_fields)
    if screen.list_export:
        attrs["list_export"] = list(screen.list_export)
    if screen.ordering:
        attrs["ordering"] = list(screen.ordering)
    if not screen.snippet:
        attrs["name"] = f"participation_{model._meta.model_name}"
        attrs["form_fields"] = "__all__"
    return type(f"{model.__name__}ViewSet", (base,), attrs)


def build_viewset_group():
    items = tuple(build_viewset(screen) for screen in admin_screens())
    return type(
        "ParticipationViewSetGroup",
        (SnippetViewSetGroup,),
        {
            "items": items,
            "menu_label": MENU_LABEL,
            "menu_icon": MENU_ICON,
            "menu_order": MENU_ORDER,
        },
    )()
