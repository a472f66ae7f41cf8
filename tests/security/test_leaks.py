"""Draft, private, hidden, pending, withdrawn and deleted items never reach residents: not in
lists, search, the API, feeds, exports or figures."""

import pytest

from .catalogue import CATALOGUE, LEAK, ids
from .outputs import body_of

PUBLIC_VIEWS = [view for view in CATALOGUE.views if not view.hidden_ok]


@pytest.mark.parametrize("view", PUBLIC_VIEWS, ids=ids(PUBLIC_VIEWS))
def test_hidden_items_stay_hidden(hostile_world, view):
    response = hostile_world.client(view.role).get(view.url(hostile_world))

    assert response.status_code == 200
    text = body_of(response)
    assert LEAK not in text, text[max(0, text.find(LEAK) - 200) : text.find(LEAK) + 100]


def test_the_world_has_hidden_items_to_find(hostile_world):
    """The staff see what residents must not: proof that the leak checks look at something."""
    seen_by_staff = [
        view
        for view in CATALOGUE.views
        if view.hidden_ok
        and LEAK in body_of(hostile_world.client(view.role).get(view.url(hostile_world)))
    ]

    assert seen_by_staff
