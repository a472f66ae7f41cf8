"""The example site's production settings, with the load test's URLs in front of its own."""

from demo_site.settings_production import *  # noqa: F403

ROOT_URLCONF = "bench_site.urls"
