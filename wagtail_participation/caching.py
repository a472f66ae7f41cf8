"""Public pages kept in the shared cache for visitors, thrown away when what they show changes.

What is cached: the whole response of a GET to a participation page (index, process, calendar,
meeting, restitution and their sub-pages), for visitors who are not signed in and carry no
session, when the response is a plain 200 that sets no cookie, uses no CSRF token and is not
marked private. Everything that shows a resident's own state (signed in, or voting with a code,
which keeps a session) is rendered for them and sent with ``Cache-Control: private``.

How it is thrown away: each page has a generation in the cache, keyed by its tree path, and
the cached responses name the generation of their page in their key. Bumping it makes all of
the page's responses stale at once, on every app server; nothing lives in a server's memory.
Bumped at once, and again once the transaction commits:
- for every page, when any page is published, unpublished, moved or deleted, or a
  neighbourhood changes (rare, and an index, a calendar or a restitution shows its children
  or its sources);
- for a page, its parent and the restitution pages that report on it, when residents or staff
  change what it shows: a contribution, support, comment, ballot, project, result,
  registration... (``WATCHED`` below).
Phases open and close with the clock, so a process page is never kept past its next phase
change, and nothing is kept longer than ``PUBLIC_CACHE_SECONDS``.
"""

import hashlib
import uuid
from datetime import timedelta

from django.apps import apps
from django.conf import settings as django_settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.http import HttpResponse
from django.utils import timezone, translation
from django.utils.cache import patch_cache_control, patch_vary_headers

from .conf import settings

GENERATION_TIMEOUT = 7 * 24 * 3600
EVERYTHING = "participation:generation:all"

# Models whose rows show on public pages, with the way from a row to its page's id.
WATCHED = {
    "participation_consultations.Contribution": "page_id",
    "participation_consultations.Support": "contribution.page_id",
    "participation_consultations.Comment": "contribution.page_id",
    "participation_consultations.QuestionnaireResponse": "page_id",
    "participation_consultations.Draw": "page_id",
    "participation_budgets.BudgetProject": "page_id",
    "participation_budgets.ImplementationUpdate": "project.page_id",
    "participation_budgets.Ballot": "page_id",
    "participation_budgets.BudgetResult": "page_id",
    "participation_meetings.Registration": "meeting_id",
    "participation_petitions.Petition": "page_id",
    "participation_petitions.Signature": "petition.page_id",
    "participation_petitions.VoteParticipation": "page_id",
}


def _generation_key(path):
    return f"participation:generation:{path}"


def generation(path):
    """The current generation of the page at ``path`` and of the whole site, as one string."""
    keys = [EVERYTHING, _generation_key(path)]
    found = cache.get_many(keys)
    for key in keys:
        if key not in found:
            # add() keeps a value another server set in the meantime, so all agree on one.
            cache.add(key, uuid.uuid4().hex[:12], GENERATION_TIMEOUT)
            found[key] = cache.get(key)
    return f"{found[EVERYTHING]}.{found[_generation_key(path)]}"


def invalidate_paths(paths):
    cache.set_many(
        {_generation_key(path): uuid.uuid4().hex[:12] for path in paths}, GENERATION_TIMEOUT
    )


def invalidate_everything():
    """Make every cached page stale."""
    cache.set(EVERYTHING, uuid.uuid4().hex[:12], GENERATION_TIMEOUT)


def invalidate_page(page_id):
    """Make the page, its parent and the restitution pages that report on it, or on one of
    its ancestors (a restitution of a calendar counts its meetings' registrations), stale."""
    invalidate_paths(affected_paths(page_id))


def affected_paths(page_id):
    """The tree paths whose cached pages show ``page_id``'s rows.

    Remembered in the cache until the next publication anywhere, which is what can change
    them (a move, a new source of a restitution), so that a ballot costs no query here.
    """
    key = f"participation:paths:{cache.get(EVERYTHING, '')}:{page_id}"
    paths = cache.get(key)
    if paths is None:
        paths = _query_affected_paths(page_id)
        cache.set(key, paths, GENERATION_TIMEOUT)
    return paths


def _query_affected_paths(page_id):
    from wagtail.models import Page

    path = Page.objects.filter(pk=page_id).values_list("path", flat=True).first()
    if path is None:
        return []
    paths = {path, path[: -Page.steplen]}
    try:
        source_model = apps.get_model("participation_restitution", "RestitutionSource")
    except LookupError:  # the restitution app is not installed
        source_model = None
    if source_model is not None:
        lineage = [path[:end] for end in range(Page.steplen, len(path) + 1, Page.steplen)]
        paths |= set(
            source_model.objects.filter(page__path__in=lineage).values_list(
                "restitution__path", flat=True
            )
        )
    return sorted(paths)


# Serving -----------------------------------------------------------------------------------


def may_cache_request(request):
    return (
        settings.PUBLIC_CACHE_SECONDS > 0
        and request.method in ("GET", "HEAD")
        and not getattr(request, "is_preview", False)
        and not _signed_in(request)
        and django_settings.SESSION_COOKIE_NAME not in request.COOKIES
        # A message waiting in its cookie is shown (and the cookie cleared) by the next page.
        and "messages" not in request.COOKIES
    )


def _signed_in(request):
    user = getattr(request, "user", None)
    return user is not None and user.is_authenticated


def may_cache_response(request, response):
    """Whether every visitor may get this response. The session and message cookies are only
    set by middleware after the page is served, so a session or a message written during the
    request is looked at here."""
    cache_control = response.get("Cache-Control", "")
    session = getattr(request, "session", None)
    messages = getattr(request, "_messages", None)
    return (
        response.status_code == 200
        and not getattr(session, "modified", False)
        and not getattr(messages, "added_new", False)
        and not response.streaming
        and not response.cookies
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        and "private" not in cache_control
        and "no-cache" not in cache_control
        and "no-store" not in cache_control
    )


def response_key(request, page):
    address = f"{request.scheme}://{request.get_host()}{request.get_full_path()}"
    address = hashlib.sha256(address.encode()).hexdigest()[:32]
    return (
        f"participation:page:{generation(page.path)}:{page.pk}:"
        f"{translation.get_language()}:{address}"
    )


def seconds_to_keep(page):
    """Until the page's next phase change (or ``next_public_change()``, for pages that have
    one), and never more than PUBLIC_CACHE_SECONDS."""
    seconds = settings.PUBLIC_CACHE_SECONDS
    phases = getattr(page, "phases", None)
    if phases:
        now = timezone.now()
        changes = [
            moment
            for phase in phases
            for moment in (phase.starts_at, phase.ends_at)
            if moment is not None and moment > now
        ]
        if changes:
            seconds = min(seconds, int((min(changes) - now) / timedelta(seconds=1)))
    # Pages whose items change with the clock too (a petition closes) say when.
    next_change = getattr(page, "next_public_change", lambda: None)()
    if next_change is not None:
        seconds = min(seconds, int((next_change - timezone.now()) / timedelta(seconds=1)))
    return max(0, seconds)


class PublicCacheMixin:
    """Serve the page's public GETs from the shared cache (see this module's docstring)."""

    def serve(self, request, *args, **kwargs):
        if not may_cache_request(request):
            response = super().serve(request, *args, **kwargs)
            if _signed_in(request):
                patch_cache_control(response, private=True)
            patch_vary_headers(response, ["Cookie"])
            return response
        key = response_key(request, self)
        stored = cache.get(key)
        if stored is not None:
            content, headers = stored
            response = HttpResponse(content, headers=headers)
            if request.method == "HEAD":
                response.content = b""
            return response
        response = super().serve(request, *args, **kwargs)
        if hasattr(response, "render") and callable(response.render):
            response = response.render()
        patch_vary_headers(response, ["Cookie"])
        if may_cache_response(request, response):
            seconds = seconds_to_keep(self)
            if seconds:
                cache.set(key, (response.content, dict(response.headers)), seconds)
        return response


# Invalidation ------------------------------------------------------------------------------


def _page_id(instance, attribute_path):
    value = instance
    for name in attribute_path.split("."):
        value = getattr(value, name, None)
        if value is None:
            return None
    return value


def page_changed(page_id):
    """Call after changing what a page shows without saving a watched row one by one (an
    ``update()``): its cached copies go now and again on commit, as after a signal."""
    paths = affected_paths(page_id)
    invalidate_paths(paths)
    # Again once committed: a visitor may have cached the old state in between.
    transaction.on_commit(lambda: invalidate_paths(paths), robust=True)


def _on_row_change(sender, instance, **kwargs):
    page_id = _page_id(instance, WATCHED[sender._meta.label])
    if page_id is not None:
        page_changed(page_id)


def _on_everything_change(**kwargs):
    invalidate_everything()
    transaction.on_commit(invalidate_everything, robust=True)


def connect_signals():
    from wagtail.signals import page_published, page_slug_changed, page_unpublished, post_page_move

    for label in WATCHED:
        try:
            model = apps.get_model(label)
        except LookupError:  # that app is not installed
            continue
        post_save.connect(_on_row_change, sender=model, dispatch_uid=f"participation-{label}")
        post_delete.connect(_on_row_change, sender=model, dispatch_uid=f"participation-d-{label}")
    for signal in (page_published, page_unpublished, page_slug_changed, post_page_move):
        signal.connect(_on_everything_change, dispatch_uid="participation-page-change")
    from wagtail.models import Page

    from .models import Neighbourhood

    post_delete.connect(_on_everything_change, sender=Page, dispatch_uid="participation-page-del")
    # Neighbourhood names show on cards, filters and figures of every kind of page.
    for signal in (post_save, post_delete):
        signal.connect(_on_everything_change, sender=Neighbourhood, dispatch_uid="participation-nb")
