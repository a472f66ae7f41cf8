from django import template
from django.urls import translate_url

register = template.Library()


@register.simple_tag(takes_context=True)
def translated_url(context, language_code):
    """The address of the current page in another language (its /en/ or unprefixed twin).

    Plain links rather than Django's set_language form: they need no CSRF token, so the page
    stays the same for every visitor and can be served from the shared cache.
    """
    request = context["request"]
    return translate_url(request.get_full_path(), language_code)
