"""The example site: migrate, load the demo twice, and answer on its main addresses."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MANAGE = ROOT / "example_site" / "manage.py"

PROBE = """
import json
from django.contrib.auth import get_user_model
from django.test import Client
from wagtail.models import Page
from wagtail_participation.models import Neighbourhood, ProcessPhase
client = Client()
codes = {url: client.get(url).status_code for url in
         ["/", "/participer/", "/participer/place-du-marche/", "/sitemap.xml",
          "/api/v2/pages/", "/admin/login/", "/accounts/login/", "/accounts/signup/",
          "/en/participer/"]}
codes["/admin/"] = client.get("/admin/", follow=True).status_code
logged_in = client.login(username="alice", password="demo1234")
admin = get_user_model().objects.get(username="admin")
print(json.dumps({
    "codes": codes,
    "alice_logs_in": logged_in,
    "admin_is_superuser": admin.is_superuser,
    "pages": Page.objects.count(),
    "neighbourhoods": Neighbourhood.objects.count(),
    "phases": ProcessPhase.objects.count(),
    "french_home": "Participer" in Client().get("/").text,
    "english_index": "processes" in Client().get("/en/participer/").text,
}))
"""


def manage(*args, env):
    return subprocess.run(
        [sys.executable, str(MANAGE), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def probe(env):
    result = manage("shell", "--no-imports", "-c", PROBE, env=env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def example_env(tmp_path_factory):
    database = tmp_path_factory.mktemp("example") / "db.sqlite3"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    result = manage("migrate", "--no-input", env=env)
    assert result.returncode == 0, result.stderr
    return env


def test_demo_loads_twice_and_serves_its_pages(example_env):
    first = manage("participation_demo", env=example_env)
    assert first.returncode == 0, first.stderr
    assert "admin" in first.stdout and "alice" in first.stdout and "bob" in first.stdout
    assert "demo1234" in first.stdout
    after_first = probe(example_env)

    second = manage("participation_demo", env=example_env)
    assert second.returncode == 0, second.stderr
    after_second = probe(example_env)

    assert after_first == after_second, "running the demo again must not duplicate anything"
    assert set(after_first["codes"].values()) == {200}, after_first["codes"]
    assert after_first["alice_logs_in"] and after_first["admin_is_superuser"]
    assert after_first["neighbourhoods"] == 4
    assert after_first["french_home"] and after_first["english_index"]


def test_example_site_passes_its_checks(example_env):
    result = manage("check", "--fail-level", "WARNING", env=example_env)
    assert result.returncode == 0, result.stdout + result.stderr
    result = manage("makemigrations", "--check", "--dry-run", env=example_env)
    assert result.returncode == 0, result.stdout + result.stderr
