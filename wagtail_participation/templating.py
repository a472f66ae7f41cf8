"""What every public page of the package needs to render inside the site's own layout."""

from django.template.response import TemplateResponse
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
