"""Every GET parameter of every public view, tried with quotes, SQL, script and huge values:
never a server error, never reflected raw, and never more database work than a normal visit."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from .catalogue import CATALOGUE, ids
from .outputs import body_of, raw_fragments
from .payloads import PARAMETER_VALUES

VIEWS_WITH_PARAMETERS = [view for view in CATALOGUE.views if view.params]
# A hostile value may cost a query or two more than the plain page (a filter looked up and
# refused); it must never cost a query per item.
EXTRA_QUERIES = 3


def attempt(client, url, params):
    """(status, body, queries) of one GET, or the exception it raised as its status."""
    with CaptureQueriesContext(connection) as queries:
        try:
            response = client.get(url, params)
        except Exception as error:  # noqa: BLE001 - every error is a finding, reported below
            return f"{type(error).__name__}: {error}", "", len(queries)
    return response.status_code, body_of(response), len(queries)


@pytest.mark.parametrize("view", VIEWS_WITH_PARAMETERS, ids=ids(VIEWS_WITH_PARAMETERS))
def test_hostile_parameters_are_answered_safely(hostile_world, view):
    client = hostile_world.client(view.role)
    client.raise_request_exception = True
    url = view.url(hostile_world)
    _status, _body, plain_queries = attempt(client, url, {})
    tries = [{param: value} for param in view.params for value in PARAMETER_VALUES]
    tries.append(dict.fromkeys(view.params, "x" * 5000))

    problems = []
    for params in tries:
        status, body, queries = attempt(client, url, params)
        shown = repr(params)[:90]
        if not isinstance(status, int) or status >= 500:
            problems.append(f"{shown}: {status}")
            continue
        if status not in (200, 301, 302, 400, 404):
            problems.append(f"{shown}: unexpected status {status}")
        if view.kind == "html":
            problems += [f"{shown}: reflected raw {context}" for context in raw_fragments(body)]
        if queries > plain_queries + EXTRA_QUERIES:
            problems.append(f"{shown}: {queries} queries, {plain_queries} for the plain page")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("address", CATALOGUE.bad_addresses, ids=ids(CATALOGUE.bad_addresses))
def test_tampered_addresses_are_not_found(hostile_world, address):
    client = hostile_world.client(address.role)
    status, _body, _queries = attempt(client, address.url(hostile_world), {})

    assert status in address.status
