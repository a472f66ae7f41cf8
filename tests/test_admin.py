"""Both admin UIs are built from one declaration; only the chosen one is registered."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import NoReverseMatch, reverse

from wagtail_participation.models import Neighbourhood

from .admin_menu import main_menu

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def editor(django_user_model):
    return django_user_model.objects.create_superuser("editor", "editor@example.org", "pw")


@pytest.fixture
def listed(db):
    Neighbourhood.objects.create(name="Centre-ville", slug="centre-ville")
    Neighbourhood.objects.create(name="Les Prés", slug="les-pres")


def test_wagtail_ui_lists_neighbourhoods(client, editor, listed):
    client.force_login(editor)
    url = reverse("wagtailsnippets_wagtail_participation_neighbourhood:list")
    response = client.get(url)
    assert response.status_code == 200
    assert "Centre-ville" in response.text and "Les Prés" in response.text


def test_wagtail_ui_searches_neighbourhoods_by_name_and_description(client, editor, listed):
    Neighbourhood.objects.create(name="Bois-Joli", slug="bois-joli", description="Near the park")
    client.force_login(editor)
    url = reverse("wagtailsnippets_wagtail_participation_neighbourhood:list")
    by_name = client.get(url, {"q": "Centre"})
    assert by_name.status_code == 200
    assert "Centre-ville" in by_name.text and "Les Prés" not in by_name.text
    by_description = client.get(url, {"q": "park"})
    assert by_description.status_code == 200
    assert "Bois-Joli" in by_description.text and "Centre-ville" not in by_description.text


def test_wagtail_ui_exports_and_inspects_neighbourhoods(client, editor, listed):
    client.force_login(editor)
    url = reverse("wagtailsnippets_wagtail_participation_neighbourhood:list")
    response = client.get(url, {"export": "csv"})
    assert response.status_code == 200
    assert b"Centre-ville,centre-ville" in b"".join(response.streaming_content)
    neighbourhood = Neighbourhood.objects.get(slug="les-pres")
    inspect = reverse(
        "wagtailsnippets_wagtail_participation_neighbourhood:inspect", args=[neighbourhood.pk]
    )
    assert client.get(inspect).status_code == 200


def test_participation_menu_appears_once(client, editor):
    client.force_login(editor)
    menu = main_menu(client.get(reverse("wagtailadmin_home")).text)
    assert menu["Participation"] == [
        [
            "/admin/snippets/wagtail_participation/neighbourhood/",
            "/admin/participation/participantprofile/",
            "/admin/participation/codebatch/",
            "/admin/participation/accountreport/",
            "/admin/participation/contribution/",
            "/admin/participation/comment/",
            "/admin/participation/budgetproject/",
            "/admin/participation/ballot/",
            "/admin/participation/registration/",
            "/admin/participation/petition/",
        ]
    ]
    # Grouped under Participation, neighbourhoods are not also listed under Snippets.
    assert "Snippets" not in menu


def test_modeladmin_screens_are_not_registered_in_wagtail_mode(client, editor):
    client.force_login(editor)
    with pytest.raises(NoReverseMatch):
        reverse("wagtail_participation_neighbourhood_modeladmin_index")
    assert client.get("/admin/wagtail_participation/neighbourhood/").status_code == 404


def test_modeladmin_ui_lists_neighbourhoods():
    """Runs tests/admin_ui_modeladmin.py in a process whose settings choose wagtail-modeladmin."""
    env = {**os.environ, "PARTICIPATION_TEST_ADMIN_UI": "modeladmin"}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "tests/admin_ui_modeladmin.py",
            "-q",
            "-p",
            "no:cacheprovider",
            "--create-db",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "6 passed" in result.stdout, result.stdout


def test_editor_creates_a_neighbourhood_and_gets_clear_errors(client, editor):
    client.force_login(editor)
    url = reverse("wagtailsnippets_wagtail_participation_neighbourhood:add")
    assert client.get(url).status_code == 200
    form = {
        "name": "Les Prés",
        "slug": "",
        "description": "",
        "latitude": "50.43",
        "longitude": "",
        "outline": '{"type": "Point", "coordinates": [2.7, 50.4]}',
    }
    refused = client.post(url, form)
    assert refused.status_code == 200
    assert "Give both the latitude and the longitude, or neither." in refused.text
    assert "The outline must be a GeoJSON geometry" in refused.text
    assert not Neighbourhood.objects.exists()

    form.update(longitude="2.77", outline="")
    assert client.post(url, form).status_code == 302
    created = Neighbourhood.objects.get()
    assert created.slug == "les-pres"
    assert created.outline is None


def test_process_edit_page_shows_the_phase_rows(client, editor, index_page):
    from wagtail_participation.status import PhaseKind

    from .conftest import make_process, phase

    page = make_process(index_page, "Market square", [phase(PhaseKind.VOTE, 0, 5, "Big vote")])
    client.force_login(editor)
    response = client.get(reverse("wagtailadmin_pages:edit", args=[page.pk]))
    assert response.status_code == 200
    assert "Big vote" in response.text
    assert "What contributions will change" in response.text
