"""Open-data files at the addresses people expect: ``…/results.json``, ``…/export.pb``.

Wagtail's page URLs have no dots, so pages serve their files from sub-URLs such as
``results/json/``. Include these patterns just before Wagtail's own to also serve them under
their file names::

    path("", include("wagtail_participation.urls")),
    path("", include(wagtail_urls)),

A page type lists its files in ``participation_files``: ``{"results.json": "results/json/"}``.
The file is served exactly as its sub-URL is, with the same privacy and page-serving hooks.
"""

from django.http import Http404
from django.urls import re_path
from wagtail import views as wagtail_views
from wagtail.models import Site


def page_class_at(request, page_path):
    """The class of the page at ``page_path``, found without caching a route on the request
    (Wagtail caches the first route it finds; the file's own sub-URL is routed next)."""
    site = Site.find_for_request(request)
    if site is None:
        raise Http404
    components = [component for component in page_path.split("/") if component]
    page, _args, _kwargs = site.root_page.localized.specific.route(request, components)
    return type(page)


def serve_file(request, page_path, filename):
    files = getattr(page_class_at(request, page_path), "participation_files", {})
    if filename not in files:
        raise Http404
    return wagtail_views.serve(request, page_path + files[filename])


urlpatterns = [
    re_path(
        r"^(?P<page_path>(?:[\w\-]+/)*)(?P<filename>[\w\-]+\.[a-z]+)$",
        serve_file,
        name="participation_file",
    ),
]
