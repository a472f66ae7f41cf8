"""Races on votes and quotas: many app servers receive the same resident's action at once.

Each race starts every attempt together (real threads, one database connection each) with
every resident trying **twice**. Exactly one row per resident survives, limits hold and the
counts residents see stay exact. PostgreSQL only: SQLite has no row locks and one writer, so CI
runs these in its PostgreSQL pass. Petitions (issue 11) add their signature race here.
"""

import threading
from collections import Counter
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client

from tests.budget_factories import make_budget, make_project, make_voter
from tests.conftest import NOW, default_site_root, index_page_on_default_site, make_process, phase
from tests.meeting_factories import FIRST, add_meeting, make_calendar
from wagtail_participation.budgets.ballots import BallotRefused, cast_ballot
from wagtail_participation.budgets.models import Ballot, BallotChoice
from wagtail_participation.codes import CodeBatch, CodeError, ParticipationCode, redeem_code
from wagtail_participation.consultations.models import (
    ConsultationPage,
    Contribution,
    ContributionStatus,
    Support,
)
from wagtail_participation.meetings.models import Registration, RegistrationStatus
from wagtail_participation.meetings.registrations import RegistrationRefused, register

RESIDENTS = 6
TRIES_EACH = 2

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="races need PostgreSQL: SQLite has no row locks and one writer",
    ),
]


def at_once(attempts):
    """Run the callables together, each in its own thread; their outcomes, counted."""
    barrier = threading.Barrier(len(attempts))
    outcomes = []

    def run(attempt):
        from django.db import connection as thread_connection

        try:
            barrier.wait()
            outcomes.append(attempt())
        except (BallotRefused, RegistrationRefused, CodeError) as refused:
            outcomes.append(f"refused: {refused.code}")
        except Exception as error:  # anything else is a bug the test must show
            outcomes.append(repr(error))
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=run, args=(attempt,)) for attempt in attempts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return Counter(outcomes)


def twice_each(residents, action):
    return [lambda r=r: action(r) for r in residents for _ in range(TRIES_EACH)]


@pytest.fixture
def frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


def test_supports_one_row_per_resident_and_the_count_shown_is_exact(frozen):
    page = make_process(
        index_page_on_default_site(),
        "Race",
        [phase("contribution", -1, 10)],
        model=ConsultationPage,
    )
    idea = Contribution.objects.create(
        page=page, title="Benches", body="More benches", status=ContributionStatus.PUBLISHED
    )
    residents = [make_voter(f"supporter{n}") for n in range(RESIDENTS)]
    support_url = f"{page.url}contributions/{idea.pk}/support/"

    def support(user):
        client = Client()
        client.force_login(user)
        return client.post(support_url, {"action": "support"}).status_code

    outcomes = at_once(twice_each(residents, support))

    assert outcomes == {302: RESIDENTS * TRIES_EACH}
    assert Support.objects.filter(contribution=idea).count() == RESIDENTS
    shown = Client().get(f"{page.url}contributions/{idea.pk}/").content.decode()
    assert f"{RESIDENTS} residents support this contribution." in shown


def test_ballots_one_complete_ballot_per_voter(frozen):
    page = make_budget(index_page_on_default_site(), min_choices=1, max_choices=2)
    chosen = [make_project(page, title, cost).pk for title, cost in [("A", 100), ("B", 200)]]
    envelope = page.envelope_list[0]
    voters = [make_voter(f"voter{n}") for n in range(RESIDENTS)]

    outcomes = at_once(
        twice_each(voters, lambda user: cast_ballot(page, envelope, chosen, user=user) and "cast")
    )

    assert outcomes == {"cast": RESIDENTS, "refused: already_voted": RESIDENTS}
    assert Ballot.objects.count() == RESIDENTS
    assert BallotChoice.objects.count() == RESIDENTS * len(chosen)


def test_a_code_votes_once_and_is_used_once(frozen):
    page = make_budget(index_page_on_default_site(), participation_codes="code")
    chosen = [make_project(page, "A", 100).pk]
    envelope = page.envelope_list[0]
    _, codes = CodeBatch.generate("Race", 1, expires_at=NOW + timedelta(days=30), page=page)

    outcomes = at_once(
        [lambda: cast_ballot(page, envelope, chosen, code_text=codes[0]) and "cast"] * 8
    )

    assert outcomes["cast"] == 1
    assert Ballot.objects.count() == 1
    assert ParticipationCode.objects.filter(used_at__isnull=False).count() == 1


def test_a_code_is_redeemed_once():
    _, codes = CodeBatch.generate("Race", 1, expires_at=NOW + timedelta(days=3650))

    outcomes = at_once([lambda: redeem_code(codes[0]) and "redeemed"] * 8)

    assert outcomes == {"redeemed": 1, "refused: used": 7}


def test_registrations_one_per_resident_and_never_over_capacity(frozen):
    meeting = add_meeting(make_calendar(default_site_root()), capacity=3, registration="site")
    residents = [make_voter(f"attendee{n}") for n in range(RESIDENTS)]

    outcomes = at_once(twice_each(residents, lambda user: register(meeting, FIRST, user).status))

    assert outcomes == {
        "confirmed": 3,
        "waiting": RESIDENTS - 3,
        "refused: already_registered": RESIDENTS,
    }
    statuses = Counter(Registration.objects.values_list("status", flat=True))
    assert statuses == {RegistrationStatus.CONFIRMED: 3, RegistrationStatus.WAITING: RESIDENTS - 3}
    assert Registration.objects.values("user").distinct().count() == RESIDENTS
