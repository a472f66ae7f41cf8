"""What every public page of the package needs to render inside the site's own layout."""

from django.template.response import TemplateResponse

from .conf import settings


def page_context(**extra):
    """Context for templates extending wagtail_participation/base.html."""
    return {"participation_base_template": settings.BASE_TEMPLATE, **extra}


def render_page(request, template, context=None, status=200):
    return TemplateResponse(request, template, page_context(**(context or {})), status=status)
