"""Production settings of the example site: PostgreSQL, Redis, a task worker, several app servers.

    DJANGO_SETTINGS_MODULE=demo_site.settings_production

Read from the environment:

- ``DJANGO_SECRET_KEY`` (required) and ``DJANGO_ALLOWED_HOSTS`` (comma-separated);
- ``DATABASE_URL`` (required): the PostgreSQL primary, ``postgres://user:password@host:port/name``;
- ``DATABASE_REPLICA_URLS`` (optional, comma-separated): read replicas for anonymous visitors'
  page views, see ``demo_site.replicas``;
- ``REDIS_URL`` (required): the shared cache (rate limits, cached fragments), the sessions and the
  task queue, ``redis://host:6379/0``;
- ``PARTICIPATION_PROXY_COUNT``: how many reverse proxies (load balancer, nginx) stand in front
  of the app servers, so that rate limits count the resident's address, not the proxy's.

Run the app servers with ``gunicorn demo_site.wsgi`` and one or more task workers with
``manage.py rqworker default --job-class django_tasks_rq.Job`` (the worker sends the e-mails
and runs the other side effects).
Nothing is kept in a server's memory between requests: any number of app servers can stand
behind the load balancer. See docs/how-to/deploy-at-scale.md.
"""

import os

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from .settings import *  # noqa: F403
from .settings import INSTALLED_APPS, MIDDLEWARE, WAGTAIL_PARTICIPATION


def required(name):
    value = os.environ.get(name, "")
    if not value:
        raise ImproperlyConfigured(
            f"Set {name} in the environment (see demo_site/settings_production.py)."
        )
    return value


DEBUG = False
SECRET_KEY = required("DJANGO_SECRET_KEY")

DATABASES = {
    "default": dj_database_url.parse(
        required("DATABASE_URL"), conn_max_age=60, conn_health_checks=True
    )
}
REPLICA_ALIASES = []
for number, url in enumerate(filter(None, os.environ.get("DATABASE_REPLICA_URLS", "").split(","))):
    alias = f"replica{number + 1}"
    DATABASES[alias] = dj_database_url.parse(url.strip(), conn_max_age=60, conn_health_checks=True)
    DATABASES[alias]["TEST"] = {"MIRROR": "default"}
    REPLICA_ALIASES.append(alias)
if REPLICA_ALIASES:
    DATABASE_ROUTERS = ["demo_site.replicas.ReplicaRouter"]
    MIDDLEWARE = ["demo_site.replicas.ReplicaMiddleware", *MIDDLEWARE]

REDIS_URL = required("REDIS_URL")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "participation",
    },
    # Sessions apart from the page cache, so that clearing one does not sign everybody out.
    "sessions": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "session",
        "TIMEOUT": 14 * 24 * 3600,
    },
}
SESSION_ENGINE = "django.contrib.sessions.backends.cache"
SESSION_CACHE_ALIAS = "sessions"

# Background tasks (e-mails, notices) go to Redis and are run by
# `manage.py rqworker default --job-class django_tasks_rq.Job`.
INSTALLED_APPS = [*INSTALLED_APPS, "django_rq", "django_tasks_rq"]
TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
RQ_QUEUES = {"default": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 600}}

WAGTAIL_PARTICIPATION = {
    **WAGTAIL_PARTICIPATION,
    "PROXY_COUNT": int(os.environ.get("PARTICIPATION_PROXY_COUNT", "0")),
}

# Served over HTTPS by the load balancer.
HTTPS = os.environ.get("DJANGO_HTTPS", "1") == "1"
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = HTTPS
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CSRF_TRUSTED_ORIGINS = [
    origin for origin in os.environ.get("DJANGO_CSRF_TRUSTED_ORIGINS", "").split(",") if origin
]

EMAIL_BACKEND = os.environ.get(
    "DJANGO_EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend"
)
EMAIL_HOST = os.environ.get("DJANGO_EMAIL_HOST", "localhost")
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "participation@localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
