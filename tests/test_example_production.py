"""The example site's production settings and its read-replica router."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.http import HttpResponse
from django.test import RequestFactory, override_settings

ROOT = Path(__file__).resolve().parent.parent
MANAGE = ROOT / "example_site" / "manage.py"
sys.path.insert(0, str(ROOT / "example_site"))

from demo_site.replicas import ReplicaMiddleware, ReplicaRouter  # noqa: E402

PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "demo_site.settings_production",
    "DJANGO_SECRET_KEY": "test-only",
    "DATABASE_URL": "postgres://participation@127.0.0.1:5432/participation",
    "DATABASE_REPLICA_URLS": "postgres://reader@10.0.0.2:5432/participation",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "PARTICIPATION_PROXY_COUNT": "1",
}

SHOW = """
import json
from django.conf import settings
from wagtail_participation.conf import settings as participation
print(json.dumps({
    "debug": settings.DEBUG,
    "cache": settings.CACHES["default"]["BACKEND"],
    "sessions": [settings.SESSION_ENGINE, settings.CACHES[settings.SESSION_CACHE_ALIAS]["BACKEND"]],
    "tasks": settings.TASKS["default"]["BACKEND"],
    "databases": sorted(settings.DATABASES),
    "routers": settings.DATABASE_ROUTERS,
    "proxy_count": participation.PROXY_COUNT,
    "secure_cookies": settings.SESSION_COOKIE_SECURE and settings.CSRF_COOKIE_SECURE,
}))
"""


def manage(*args, env):
    environment = {**os.environ, **env}
    return subprocess.run(
        [sys.executable, str(MANAGE), *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_settings_use_postgresql_redis_and_a_task_queue():
    result = manage("shell", "--no-imports", "-c", SHOW, env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout.strip().splitlines()[-1])
    assert shown == {
        "debug": False,
        "cache": "django.core.cache.backends.redis.RedisCache",
        "sessions": [
            "django.contrib.sessions.backends.cache",
            "django.core.cache.backends.redis.RedisCache",
        ],
        "tasks": "django_tasks_rq.RQBackend",
        "databases": ["default", "replica1"],
        "routers": ["demo_site.replicas.ReplicaRouter"],
        "proxy_count": 1,
        "secure_cookies": True,
    }


def test_production_settings_pass_the_system_checks():
    result = manage("check", "--fail-level", "ERROR", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("missing", ["DJANGO_SECRET_KEY", "DATABASE_URL", "REDIS_URL"])
def test_production_settings_refuse_to_start_without_their_services(missing):
    env = {**PRODUCTION_ENV, missing: ""}
    result = manage("check", env=env)
    assert result.returncode != 0
    assert f"Set {missing} in the environment" in result.stderr


@override_settings(REPLICA_ALIASES=["replica1"])
@pytest.mark.parametrize(
    "method, cookies, expected",
    [
        ("get", {}, "replica1"),
        ("head", {}, "replica1"),
        ("get", {"sessionid": "abc"}, "default"),  # signed in, or voting with a code
        ("post", {}, "default"),
    ],
)
def test_only_anonymous_page_views_read_from_a_replica(method, cookies, expected):
    router = ReplicaRouter()
    seen = []

    def view(request):
        seen.append(router.db_for_read(None))
        return HttpResponse()

    request = getattr(RequestFactory(), method)("/participer/")
    request.COOKIES.update(cookies)
    ReplicaMiddleware(view)(request)

    assert seen == [expected]
    assert router.db_for_write(None) == "default"
    assert router.db_for_read(None) == "default"  # outside a request
