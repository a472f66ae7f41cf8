"""Core: the people of the hostile world, the index page, hidden process pages, the API."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from wagtail.models import GroupPagePermission, PageViewRestriction

from tests.conftest import default_site_root, make_process, phase
from wagtail_participation.models import Neighbourhood, ParticipationIndexPage
from wagtail_participation.profiles import ParticipantProfile

from ..catalogue import LEAK, ResidentText, View
from ..payloads import hostile

STAFF_APPS = (
    "wagtail_participation",
    "participation_consultations",
    "participation_budgets",
    "participation_meetings",
    "participation_restitution",
    "participation_petitions",
)
PAGE_RIGHTS = ("add_page", "change_page", "publish_page")
PASSWORD = "a-long-password-123"


def resident(username, display_name, neighbourhood=None):
    user = get_user_model().objects.create_user(username, f"{username}@example.org", PASSWORD)
    profile, _ = ParticipantProfile.objects.get_or_create(user=user)
    profile.display_name = display_name
    profile.birth_year = 1980
    profile.lives_in_town = True
    profile.neighbourhood = neighbourhood
    profile.accept_terms()
    profile.save()
    return user


def staff(username, pages):
    """Every participation permission, acting on ``pages`` only (Wagtail page permissions)."""
    user = get_user_model().objects.create_user(username, f"{username}@example.org", PASSWORD)
    group = Group.objects.create(name=f"Participation team {username}")
    group.permissions.add(
        Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin"),
        *Permission.objects.filter(content_type__app_label__in=STAFF_APPS),
    )
    for page in pages:
        for codename in PAGE_RIGHTS:
            GroupPagePermission.objects.create(
                group=group,
                page=page,
                permission=Permission.objects.get(
                    content_type__app_label="wagtailcore", codename=codename
                ),
            )
    user.groups.add(group)
    return user


def build(world):
    world.neighbourhood = Neighbourhood.objects.create(name="Centre", slug="centre")
    world.other_neighbourhood = Neighbourhood.objects.create(name="Riverside", slug="riverside")
    home = default_site_root()
    world.index = home.add_child(
        instance=ParticipationIndexPage(title="Participate", slug="participate")
    )
    # Another part of the site, looked after by another team.
    world.elsewhere = home.add_child(
        instance=ParticipationIndexPage(title="Elsewhere", slug="elsewhere")
    )
    world.users = {
        "author": resident("author", hostile(60, "author"), world.neighbourhood),
        "resident": resident("resident", "Other resident", world.neighbourhood),
        "moderator": staff("moderator", [world.index]),
        "other_moderator": staff("other_moderator", [world.elsewhere]),
        "superuser": get_user_model().objects.create_superuser(
            "superuser", "superuser@example.org", PASSWORD
        ),
    }
    # Pages residents must never find: a draft, and one restricted to a staff group.
    world.draft_process = make_process(
        world.index, f"{LEAK} draft process", phases=[phase("information", -1)], live=False
    )
    world.private_process = make_process(
        world.index, f"{LEAK} private process", phases=[phase("information", -1)]
    )
    restriction = PageViewRestriction.objects.create(
        page=world.private_process, restriction_type=PageViewRestriction.GROUPS
    )
    restriction.groups.add(Group.objects.get(name="Participation team moderator"))


VIEWS = [
    View(
        "participation index",
        lambda w: w.index.url,
        params=("status", "neighbourhood", "theme", "kind", "page"),
        shows_resident_text=False,
    ),
    View(
        "pages API",
        lambda w: "/api/v2/pages/",
        params=("search", "type", "fields", "order", "limit", "offset", "child_of"),
        kind="json",
        shows_resident_text=False,
    ),
]

RESIDENT_TEXT = [ResidentText("wagtail_participation.ParticipantProfile.display_name")]
