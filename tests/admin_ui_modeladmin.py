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
    assert menu["Participation"] == [["/admin/wagtail_participation/neighbourhood/"]]
    assert "Snippets" not in menu
