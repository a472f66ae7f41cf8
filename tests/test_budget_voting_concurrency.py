"""One ballot per voter and envelope when many app servers receive the same vote at once.

Real threads, each with its own database connection, against PostgreSQL: SQLite has neither
row locks nor concurrent writers, so these tests only run on PostgreSQL.
"""

import threading
from collections import Counter
from datetime import timedelta

import pytest
from django.db import connection

from wagtail_participation.budgets.ballots import BallotRefused, cast_ballot
from wagtail_participation.budgets.models import Ballot, BallotChoice
from wagtail_participation.codes import CodeBatch, ParticipationCode
from wagtail_participation.models import CodeUse

from .budget_factories import make_budget, make_project, make_voter
from .conftest import NOW, index_page_on_default_site

ATTEMPTS = 50

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="concurrent ballots need PostgreSQL: SQLite has no row locks and one writer",
    ),
]


@pytest.fixture
def budget(time_machine):
    """A budget with three projects, built without fixtures: transactional tests flush the
    database, Wagtail's initial site included."""
    time_machine.move_to(NOW, tick=False)
    page = make_budget(index_page_on_default_site(), min_choices=1, max_choices=3)
    page.chosen = [
        make_project(page, title, cost).pk
        for title, cost in [("Benches", 5000), ("Fountain", 30000), ("Trees", 12000)]
    ]
    return page


def cast_at_once(page, **voter):
    """``ATTEMPTS`` threads cast the same ballot at the same moment; their outcomes."""
    envelope = page.envelope_list[0]
    barrier = threading.Barrier(ATTEMPTS)
    outcomes = []

    def attempt():
        from django.db import connection as thread_connection

        try:
            barrier.wait()
            cast_ballot(page, envelope, page.chosen, **voter)
            outcomes.append("cast")
        except BallotRefused as refused:
            outcomes.append(refused.code)
        except Exception as error:  # anything else is a bug the test must show
            outcomes.append(repr(error))
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(ATTEMPTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return Counter(outcomes)


def assert_one_complete_ballot(page):
    ballot = Ballot.objects.get()
    assert sorted(ballot.choices.values_list("project_id", flat=True)) == sorted(page.chosen)
    assert BallotChoice.objects.count() == len(page.chosen)
    return ballot


def test_fifty_attempts_by_one_resident_leave_one_ballot(budget):
    voter = make_voter("amina")
    outcomes = cast_at_once(budget, user=voter)
    assert outcomes == Counter({"cast": 1, "already_voted": ATTEMPTS - 1})
    ballot = assert_one_complete_ballot(budget)
    assert ballot.voter == voter


def test_fifty_attempts_with_one_code_leave_one_ballot(budget):
    budget.participation_codes = CodeUse.ACCOUNT_OR_CODE
    budget.save(update_fields=["participation_codes"])
    _batch, codes = CodeBatch.generate(
        "Town hall", 1, expires_at=NOW + timedelta(days=30), page=budget
    )
    outcomes = cast_at_once(budget, code_text=codes[0])
    # A late thread finds the code used when it checks the voter, an early one when it gets
    # the lock on the code after the winner committed: both say so.
    assert outcomes == Counter({"cast": 1, "code_used": ATTEMPTS - 1})
    ballot = assert_one_complete_ballot(budget)
    code = ParticipationCode.objects.get()
    assert ballot.participation_code == code and ballot.voter is None
    assert code.used_at is not None and code.used_on_page_id == budget.pk
