"""The catalogue keeps up with the code: a new route, URL or resident-written field fails here
until its line is added to ``tests/security/apps/<app>.py``."""

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import models
from django.urls import get_resolver
from wagtail.contrib.routable_page.models import RoutablePageMixin
from wagtail.models import Page

from .catalogue import CATALOGUE
from .payloads import TOKEN

PACKAGE = "wagtail_participation"


def package_models():
    return [m for m in apps.get_models() if m.__module__.startswith(PACKAGE)]


def covered_routes():
    entries = CATALOGUE.views + CATALOGUE.mutations
    return {route for entry in entries for route in entry.routes}


def page_routes():
    return {
        f"{model.__name__}.{pattern.name}"
        for model in package_models()
        if issubclass(model, RoutablePageMixin)
        for pattern in model.get_subpage_urls()
    }


def named_urls(namespace):
    resolver = get_resolver().namespace_dict[namespace][1]
    return {f"{namespace}:{name}" for name in resolver.reverse_dict if isinstance(name, str)}


def test_every_route_of_every_page_type_is_in_the_catalogue():
    assert page_routes() - covered_routes() == set()


def test_every_account_address_is_in_the_catalogue():
    assert named_urls("participation_accounts") - covered_routes() == set()


def resident_models():
    user_model = get_user_model()
    return [
        model
        for model in package_models()
        # Pages are written by editors (their owner is the editor who created them).
        if not issubclass(model, Page)
        and any(
            isinstance(f, models.ForeignKey | models.OneToOneField)
            and f.related_model is user_model
            for f in model._meta.get_fields()
            if f.concrete
        )
    ]


def text_fields(model):
    return [
        f"{model._meta.label}.{f.name}"
        for f in model._meta.get_fields()
        if isinstance(f, models.CharField | models.TextField)
        and f.editable
        and not f.choices
        and f.concrete
    ]


def test_every_text_field_of_what_residents_create_is_classified():
    """Each is either poisoned in the hostile world or said not to be written by residents."""
    classified = {entry.field for entry in CATALOGUE.resident_text} | set(
        CATALOGUE.not_resident_text
    )
    unclassified = [
        name for model in resident_models() for name in text_fields(model) if name not in classified
    ]

    assert unclassified == []


@pytest.mark.parametrize("entry", CATALOGUE.resident_text, ids=str)
def test_the_world_holds_hostile_text_in_every_resident_field(hostile_world, entry):
    label, field = entry.field.rsplit(".", 1)
    model = apps.get_model(label)

    assert model._default_manager.filter(**{f"{field}__contains": TOKEN}).exists()
