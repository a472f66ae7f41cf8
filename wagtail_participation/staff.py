"""Which participatory pages a member of staff looks after.

A staff right has two parts. A model permission says *what* someone may do: moderate
contributions, review budget projects, enter paper ballots, see meeting registrations. Wagtail's
page permissions say *where*: a member of staff acts only on the items of the pages they may
edit in the page tree (the "Edit" page permission on the page or one of its ancestors).
Superusers act everywhere.

A city gives its participation team "Edit" on the participation section, and a neighbourhood
team "Edit" on its own subtree: the neighbourhood team then never sees, moderates or exports
another team's contributions, projects, ballots or registrations.
"""

from functools import reduce

from wagtail.models import Page
from wagtail.permission_policies.pages import PagePermissionPolicy

MANAGE_ACTION = "change"


def _page_policy():
    return PagePermissionPolicy()


def managed_pages(user):
    """The pages whose participation items ``user`` may act on (all of them for superusers)."""
    return _page_policy().instances_user_has_any_permission_for(user, {MANAGE_ACTION})


def may_manage(user, page):
    """Whether ``user`` may act on the participation items of ``page``."""
    if page is None or not (user.is_authenticated and user.is_active):
        return False
    if user.is_superuser:
        return True
    if not isinstance(page, Page):
        page = Page.objects.get(pk=page)
    return _page_policy().user_has_permission_for_instance(user, MANAGE_ACTION, page)


def page_of(instance, page_field):
    """The page an item belongs to, following ``page_field`` ("page", "contribution__page")."""
    return reduce(lambda obj, name: getattr(obj, name, None), page_field.split("__"), instance)


def managed(queryset, user, page_field="page"):
    """``queryset`` limited to the items of pages ``user`` may manage."""
    if not (user.is_authenticated and user.is_active):
        return queryset.none()
    if user.is_superuser:
        return queryset
    return queryset.filter(**{f"{page_field}__in": managed_pages(user).values("pk")})


class PageScopedPolicyMixin:
    """Mixed into a model permission policy: instance rights also need the item's page.

    ``page_field`` is the path from the model to its participatory page.
    """

    page_field = "page"

    def user_has_permission_for_instance(self, user, action, instance):
        return super().user_has_permission_for_instance(user, action, instance) and may_manage(
            user, page_of(instance, self.page_field)
        )

    def user_has_any_permission_for_instance(self, user, actions, instance):
        return any(
            self.user_has_permission_for_instance(user, action, instance) for action in actions
        )

    def instances_user_has_any_permission_for(self, user, actions):
        return managed(
            super().instances_user_has_any_permission_for(user, actions), user, self.page_field
        )
