"""Wagtail's pages API endpoint, hardened against hostile query strings.

Wagtail's own endpoint answers some query strings with a server error: a ``search`` with quotes
or operators on SQLite's full-text index, a NUL byte on PostgreSQL, an ``offset`` beyond the
database's integers. Register this one instead in the site's API router::

    from wagtail_participation.api import PagesAPIViewSet

    api_router.register_endpoint("pages", PagesAPIViewSet)

It answers exactly as Wagtail's does, except that a search is plain words (punctuation is
ignored, as a resident expects from a search box) and an offset above ``MAX_OFFSET`` is a
400 error.
"""

import re

from wagtail.api.v2.utils import BadRequestError
from wagtail.api.v2.views import PagesAPIViewSet as WagtailPagesAPIViewSet

MAX_OFFSET = 1_000_000_000
NOT_A_WORD = re.compile(r"[^\w\s]|\x00")


def plain_words(search):
    return " ".join(NOT_A_WORD.sub(" ", search).split())


class PagesAPIViewSet(WagtailPagesAPIViewSet):
    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        params = request._request.GET
        offset = params.get("offset", "")
        if offset.isdigit() and int(offset) > MAX_OFFSET:
            raise BadRequestError(f"offset must be at most {MAX_OFFSET}")
        if "search" in params:
            params = params.copy()
            params["search"] = plain_words(params["search"])
            request._request.GET = params
