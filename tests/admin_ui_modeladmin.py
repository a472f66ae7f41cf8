"""Admin tests with WAGTAIL_PARTICIPATION["ADMIN_UI"] = "modeladmin".

Not collected by the main run: test_admin.py runs this file in its own process, because the
admin UI is chosen once, when the wagtail_hooks modules load.
"""

import pytest
from django.urls import reverse

from wagtail_participation.conf import settings
from wagtail_participation.models import Neighbourhood

from .admin_menu import main_menu


@pytest.fixture
def editor(django_user_model):
    return django_user_model.objects.create_superuser("editor", "editor@example.org", "pw")


def test_settings_choose_modeladmin():
    assert settings.ADMIN_UI == "modeladmin"


def test_modeladmin_lists_neighbourhoods(client, editor):
    Neighbourhood.objects.create(name="Centre-ville", slug="centre-ville")
    Neighbourhood.objects.create(name="Les Prés", slug="les-pres")
    client.force_login(editor)
    response = client.get(reverse("wagtail_participation_neighbourhood_modeladmin_index"))
    assert response.status_code == 200
    assert "Centre-ville" in response.text and "Les Prés" in response.text


def test_wagtail_snippet_screens_are_not_registered(client, editor):
    client.force_login(editor)
    assert client.get("/admin/snippets/wagtail_participation/neighbourhood/").status_code == 404
    menu = main_menu(client.get(reverse("wagtailadmin_home")).text)
    assert menu["Participation"] == [
        [
            "/admin/wagtail_participation/neighbourhood/",
            "/admin/wagtail_participation/participantprofile/",
            "/admin/wagtail_participation/codebatch/",
            "/admin/wagtail_participation/accountreport/",
            "/admin/participation_consultations/contribution/",
            "/admin/participation_consultations/comment/",
            "/admin/participation_budgets/budgetproject/",
            "/admin/participation_budgets/ballot/",
            "/admin/participation_meetings/registration/",
            "/admin/participation_petitions/petition/",
        ]
    ]
    assert "Snippets" not in menu


def test_modeladmin_generates_codes_as_a_csv(client, editor):
    from datetime import timedelta

    from django.utils import timezone

    from wagtail_participation.codes import CodeBatch, find_code

    client.force_login(editor)
    url = reverse("wagtail_participation_codebatch_modeladmin_create")
    form = client.get(url)
    assert form.status_code == 200
    assert 'name="count"' in form.text
    expires = (timezone.now() + timedelta(days=30)).strftime("%Y-%m-%d %H:%M")
    response = client.post(url, {"label": "Census", "count": "3", "expires_at": expires})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    codes = [line.split(",")[0] for line in response.content.decode().splitlines()[1:]]
    assert len(codes) == 3
    assert find_code(codes[0]).batch == CodeBatch.objects.get(label="Census")


def test_modeladmin_profile_export_needs_the_permission(client, django_user_model):
    from django.contrib.auth.models import Permission

    user = django_user_model.objects.create_user("moderator", "m@town.example", "pw")
    for app_label, codename in [
        ("wagtailadmin", "access_admin"),
        ("wagtail_participation", "view_participantprofile"),
    ]:
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    client.force_login(user)
    url = reverse("wagtail_participation_participantprofile_modeladmin_index")
    assert client.get(url).status_code == 200
    refused = client.get(url, {"export": "csv"})
    assert "text/csv" not in refused.get("Content-Type", "")


def test_modeladmin_staff_see_and_open_the_records_of_their_own_pages_only(
    client, django_user_model, time_machine
):
    """Page permissions say where staff act, in this admin UI too (see staff.py)."""
    from django.contrib.auth.models import Group, Permission
    from wagtail.models import GroupPagePermission

    from wagtail_participation.models import ParticipationIndexPage as Index

    from .budget_factories import make_budget, make_project
    from .conftest import NOW, default_site_root

    time_machine.move_to(NOW, tick=False)
    home = default_site_root()
    ours = home.add_child(instance=Index(title="Ours", slug="ours"))
    theirs = home.add_child(instance=Index(title="Theirs", slug="theirs"))
    our_project = make_project(make_budget(ours, title="Our budget"), "Our benches", 100)
    their_project = make_project(make_budget(theirs, title="Their budget"), "Their trees", 100)
    reviewer = django_user_model.objects.create_user("reviewer", "r@town.example", "pw")
    team = Group.objects.create(name="Our team")
    team.permissions.add(
        Permission.objects.get(codename="access_admin"),
        Permission.objects.get(codename="review_budgetproject"),
    )
    GroupPagePermission.objects.create(
        group=team, page=ours, permission=Permission.objects.get(codename="change_page")
    )
    reviewer.groups.add(team)
    client.force_login(reviewer)

    listing = client.get(reverse("participation_budgets_budgetproject_modeladmin_index"))
    assert "Our benches" in listing.text and "Their trees" not in listing.text
    inspect = "participation_budgets_budgetproject_modeladmin_inspect"
    assert client.get(reverse(inspect, args=[our_project.pk])).status_code == 200
    # wagtail-modeladmin answers "permission denied" by sending staff back to the dashboard.
    refused = client.get(reverse(inspect, args=[their_project.pk]))
    assert (refused.status_code, refused["Location"]) == (302, reverse("wagtailadmin_home"))
    edit = "participation_budgets_budgetproject_modeladmin_edit"
    assert client.get(reverse(edit, args=[their_project.pk])).status_code == 302
