"""Every mutating endpoint, tried by the wrong people and with tampered ids: refused, and
nothing in the database changes. The rightful user's POST works, so these checks can fail."""

import pytest

from .catalogue import CATALOGUE, ids
from .forms import form_errors, sent_to_login

DENIALS = [(m, role) for m in CATALOGUE.mutations for role in m.denied]
TAMPERED = [m for m in CATALOGUE.mutations if m.tampered]


@pytest.mark.parametrize("mutation", CATALOGUE.mutations, ids=ids(CATALOGUE.mutations))
def test_the_rightful_user_changes_something(
    hostile_world, mutation, django_capture_on_commit_callbacks
):
    before = mutation.state(hostile_world)
    with django_capture_on_commit_callbacks(execute=True):
        response = hostile_world.client(mutation.allowed).post(
            mutation.url(hostile_world), mutation.data(hostile_world)
        )

    assert response.status_code in (200, 302), response.status_code
    assert mutation.state(hostile_world) != before, form_errors(response) or "nothing changed"


@pytest.mark.parametrize("mutation, role", DENIALS, ids=[f"{m} as {role}" for m, role in DENIALS])
def test_the_wrong_people_are_refused(
    hostile_world, mutation, role, django_capture_on_commit_callbacks
):
    before = mutation.state(hostile_world)
    with django_capture_on_commit_callbacks(execute=True):
        response = hostile_world.client(role).post(
            mutation.url(hostile_world), mutation.data(hostile_world)
        )

    assert response.status_code in (403, 404) or sent_to_login(response, role), response.status_code
    assert mutation.state(hostile_world) == before


@pytest.mark.parametrize("mutation", TAMPERED, ids=ids(TAMPERED))
def test_tampered_ids_are_refused(hostile_world, mutation, django_capture_on_commit_callbacks):
    url, data = mutation.tampered(hostile_world)
    before = mutation.state(hostile_world)
    with django_capture_on_commit_callbacks(execute=True):
        response = hostile_world.client(mutation.allowed).post(url, data)

    assert response.status_code in (400, 403, 404) or (
        response.status_code == 200 and form_errors(response)
    ), response.status_code
    assert mutation.state(hostile_world) == before
