import pytest
import time_machine
from django.core.cache import cache
from django.db import transaction

from tests.conftest import NOW

from .catalogue import CATALOGUE, World


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Every app's pages and items, with hostile text in every field residents write.

    Built once per test module inside a transaction rolled back at the end; each test runs in
    its own savepoint, so what one test posts never reaches the next.
    """
    with time_machine.travel(NOW, tick=False), django_db_blocker.unblock():
        with transaction.atomic():
            cache.clear()
            built = World()
            for build in CATALOGUE.builders:
                build(built)
            yield built
            transaction.set_rollback(True)


@pytest.fixture
def hostile_world(world, db):
    """The world, inside the test's own savepoint, with an empty cache (rate limits)."""
    cache.clear()
    return world
