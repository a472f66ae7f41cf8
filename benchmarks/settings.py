"""Settings of the page and result benchmarks: the example site's production settings (PostgreSQL
from DATABASE_URL, Redis from REDIS_URL), with e-mails kept in memory and plain HTTP."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "benchmark-only-not-secret")
os.environ.setdefault("DJANGO_HTTPS", "0")

from demo_site.settings_production import *  # noqa: E402, F403

ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
