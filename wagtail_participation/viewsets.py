"""Wagtail's own admin (viewsets and snippets) built from the declared admin screens."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.functional import cached_property
from django.utils.module_loading import import_string
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy
from wagtail.search import index
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from . import staff
from .admin_screens import MENU_ICON, MENU_LABEL, MENU_ORDER, admin_screens
from .exports import FormulaSafeCSVMixin

# The views of a screen that list records or show one; each is limited to the pages the member
# of staff may edit when the screen has a ``page_field``.
SCOPED_VIEWS = (
    "index_view_class",
    "edit_view_class",
    "delete_view_class",
    "inspect_view_class",
    "history_view_class",
    "usage_view_class",
)


def export_permission_index_view(base, permission):
    """An index view whose export needs ``permission`` (personal data)."""

    class IndexView(base):
        @cached_property
        def show_export_buttons(self):
            return super().show_export_buttons and self.request.user.has_perm(permission)

        def dispatch(self, request, *args, **kwargs):
            if request.GET.get("export") and not request.user.has_perm(permission):
                raise PermissionDenied
            return super().dispatch(request, *args, **kwargs)

    return IndexView


def page_scoped_view(base, page_field, listing):
    """``base`` limited to the records of pages the member of staff may edit.

    ``listing``: the view lists the model's records (the index view); the others show one
    record (their own querysets, such as a history's log entries, are not the model's).
    """

    class PageScopedView(base):
        if listing:

            def get_base_queryset(self):
                return staff.managed(super().get_base_queryset(), self.request.user, page_field)

        def get_object(self, *args, **kwargs):
            instance = super().get_object(*args, **kwargs)
            if not staff.may_manage(self.request.user, staff.page_of(instance, page_field)):
                raise Http404
            return instance

    PageScopedView.__name__ = base.__name__
    return PageScopedView


class NoCreationPermissionPolicy(ModelPermissionPolicy):
    """Model permissions, except that nobody adds records residents create themselves."""

    def user_has_permission(self, user, action):
        return action != "add" and super().user_has_permission(user, action)

    def user_has_any_permission(self, user, actions):
        return super().user_has_any_permission(user, [a for a in actions if a != "add"])


def build_viewset(screen):
    if screen.wagtail_viewset:
        base = import_string(screen.wagtail_viewset)
    else:
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
        index_view = base.index_view_class
        attrs["index_view_class"] = type(index_view.__name__, (FormulaSafeCSVMixin, index_view), {})
    if screen.ordering:
        attrs["ordering"] = list(screen.ordering)
    if not screen.creatable:
        register_permission_policy(model, NoCreationPermissionPolicy(model))
    if screen.export_permission:
        attrs["index_view_class"] = export_permission_index_view(
            attrs.get("index_view_class", base.index_view_class), screen.export_permission
        )
    if screen.page_field:
        for view in SCOPED_VIEWS:
            attrs[view] = page_scoped_view(
                attrs.get(view, getattr(base, view)),
                screen.page_field,
                listing=view == "index_view_class",
            )
    if not screen.snippet:
        attrs["name"] = f"participation_{model._meta.model_name}"
        attrs["url_prefix"] = f"participation/{model._meta.model_name}"
        attrs.setdefault("form_fields", getattr(base, "form_fields", None) or "__all__")
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
