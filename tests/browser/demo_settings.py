"""The example site's settings, with rate limits raised: every browser test comes from 127.0.0.1."""

from demo_site.settings import *  # noqa: F403
from demo_site.settings import WAGTAIL_PARTICIPATION

WAGTAIL_PARTICIPATION = {
    **WAGTAIL_PARTICIPATION,
    "RATE_LIMITS": {"default": "1000/m", "signup": "1000/m", "login": "1000/m"},
}
