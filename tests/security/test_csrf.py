"""Every POST needs the CSRF token; no view opts out."""

from pathlib import Path

import pytest

import wagtail_participation

from .catalogue import CATALOGUE, ids

PACKAGE = Path(wagtail_participation.__file__).parent


@pytest.mark.parametrize("mutation", CATALOGUE.mutations, ids=ids(CATALOGUE.mutations))
def test_a_post_without_the_csrf_token_is_refused(hostile_world, mutation):
    client = hostile_world.client(mutation.allowed, enforce_csrf_checks=True)
    before = mutation.state(hostile_world)

    response = client.post(mutation.url(hostile_world), mutation.data(hostile_world))

    assert response.status_code == 403
    assert mutation.state(hostile_world) == before


def test_no_view_is_exempt_from_csrf_checks():
    exempt = [
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if "csrf_exempt" in path.read_text(encoding="utf-8")
    ]

    assert exempt == []
