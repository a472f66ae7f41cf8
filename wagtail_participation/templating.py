"""What every public page of the package needs to render inside the site's own layout."""

import secrets

from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import url_has_allowed_host_and_scheme

from .conf import settings


def page_context(**extra):
    """Context for templates extending wagtail_participation/base.html."""
    return {"participation_base_template": settings.BASE_TEMPLATE, **extra}


def render_page(request, template, context=None, status=200):
    return TemplateResponse(request, template, page_context(**(context or {})), status=status)


def page_url(page, request=None):
    return page.get_url(request) or page.url or "/"


def sub_url(page, name, *args, request=None):
    """The URL of one of a routable page's sub-pages."""
    return page_url(page, request) + page.reverse_subpage(name, args=args)


def render_with_page(request, page, template, context=None, status=200):
    """Render with the page's own context (``page``, ``request``, the site's base template)."""
    full_context = page.get_context(request)
    full_context.update(context or {})
    return TemplateResponse(request, template, full_context, status=status)


def safe_next(request, default):
    """The ``next`` URL of the request if it stays on this site, else ``default``."""
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def format_date(moment):
    return date_format(timezone.localtime(moment), "DATE_FORMAT")


def format_moment(moment):
    return date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def phase_window(page, kind, is_open, sentences, now=None, formatter=format_date):
    """Whether the phases of ``kind`` are open and, if not, a sentence saying when they are or
    were. ``sentences`` are the page's own wording: "from_to" and "from" (with ``%(start)s``
    and ``%(end)s``), "closed" (with ``%(end)s``) and "none"."""
    now = now or timezone.now()
    if is_open:
        return {"open": True, "message": ""}
    phases = [phase for phase in page.phases if phase.kind == kind]
    upcoming = [phase for phase in phases if phase.starts_at > now]
    if upcoming:
        phase = upcoming[0]
        dates = {"start": formatter(phase.starts_at)}
        if phase.ends_at:
            dates["end"] = formatter(phase.ends_at)
        message = sentences["from_to" if phase.ends_at else "from"] % dates
    elif phases:
        message = sentences["closed"] % {"end": formatter(phases[-1].ends_at)}
    else:
        message = sentences["none"]
    return {"open": False, "message": message}


# Per-visitor seed of a random order, kept in the session so that pages do not reshuffle.
SHUFFLE_SEED_KEY = "participation_shuffle_seed"


def shuffle_seed(request):
    seed = request.session.get(SHUFFLE_SEED_KEY)
    if not seed:
        seed = secrets.token_hex(8)
        request.session[SHUFFLE_SEED_KEY] = seed
    return seed
