"""How a refused POST may be answered."""

from django.conf import settings
from django.shortcuts import resolve_url
from django.urls import reverse


def sent_to_login(response, role):
    """Residents' pages send anonymous visitors to the site's login page; the admin sends
    whoever lacks admin access (anonymous or a resident) to its own."""
    if response.status_code != 302:
        return False
    target = response["Location"].split("?")[0]
    return (role == "anonymous" and target == resolve_url(settings.LOGIN_URL)) or (
        role in ("anonymous", "resident") and target == reverse("wagtailadmin_login")
    )


def form_errors(response):
    """The errors of the bound forms the response shows again (a refused submission)."""
    contexts = response.context
    if contexts is None:
        return []
    if not isinstance(contexts, list):
        contexts = [contexts]
    errors = []
    for context in contexts:
        for layer in context.dicts:
            for item in layer.values():
                if getattr(item, "is_bound", False) and getattr(item, "errors", None):
                    errors.append(item.errors)
    return errors
