"""Races on votes and quotas: many app servers receive the same resident's action at once.

Each race starts every attempt together (real threads, one database connection each) with
every resident trying **twice**. Exactly one row per resident survives, limits hold and the
counts residents see stay exact. PostgreSQL only: SQLite has no row locks and one writer, so CI
runs these in its PostgreSQL pass. Petitions and consultative votes (issue 11) race here too.
"""

import importlib
import threading
from collections import Counter
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.db.models import Count
from django.test import Client

from tests.budget_factories import make_budget, make_project, make_voter
from tests.conftest import NOW, default_site_root, index_page_on_default_site, make_process, phase
from tests.meeting_factories import FIRST, add_meeting, make_calendar
from tests.petition_factories import make_petition, make_petition_right, make_resident, make_vote
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
from wagtail_participation.petitions import signing
from wagtail_participation.petitions.models import (
    Petition,
    Signature,
    SignatureChannel,
    VoteBallot,
    VoteParticipation,
)
from wagtail_participation.petitions.signing import SignatureRefused
from wagtail_participation.petitions.votes import VoteRefused, cast_vote

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
        except (
            BallotRefused,
            RegistrationRefused,
            CodeError,
            SignatureRefused,
            VoteRefused,
        ) as refused:
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


# Petitions and consultative votes (issue 11) -------------------------------------------------

SIGNERS = 20
THRESHOLD = 10


def count_and_rows(petition):
    """The stored count and the signature rows, read in one statement (one snapshot)."""
    return (
        Petition.objects.filter(pk=petition.pk)
        .annotate(rows=Count("signatures"))
        .values_list("signature_count", "rows")
        .get()
    )


def sign_as(petition, user):
    signing.sign(petition, user=user, full_name=f"{user.username} Martin")
    return "signed"


@pytest.fixture
def committed_notifications(monkeypatch):
    """The petitions whose threshold notification was enqueued by a committed transaction.

    Wraps the real ``notify_threshold_reached`` (it still runs) and records the call once the
    transaction that made it commits."""
    notifications = importlib.import_module("wagtail_participation.petitions.notifications")
    original = notifications.notify_threshold_reached
    committed = []

    def counting(petition):
        original(petition)
        transaction.on_commit(lambda: committed.append(petition.pk))

    monkeypatch.setattr(notifications, "notify_threshold_reached", counting)
    return committed


def test_signatures_one_per_resident_and_the_threshold_reached_once(
    frozen, committed_notifications
):
    right = make_petition_right(index_page_on_default_site(), threshold=THRESHOLD)
    petition = make_petition(right, "Safer crossings")
    residents = [make_resident(f"signer{n}") for n in range(SIGNERS)]

    outcomes = at_once(twice_each(residents, lambda user: sign_as(petition, user)))

    assert outcomes == {"signed": SIGNERS, "refused: already_signed": SIGNERS}
    assert Signature.objects.filter(petition=petition).count() == SIGNERS
    assert Signature.objects.values("user").distinct().count() == SIGNERS
    petition.refresh_from_db()
    assert petition.signature_count == SIGNERS
    assert petition.threshold_reached_at == NOW
    assert committed_notifications == [petition.pk]


def test_signing_and_withdrawing_at_once_keeps_the_count_exact(frozen):
    right = make_petition_right(index_page_on_default_site(), threshold=1000)
    petition = make_petition(right, "Safer crossings")
    for n in range(3):
        sign_as(petition, make_resident(f"steady{n}"))
    flipper = make_resident("flipper")
    snapshots = []

    def flip(action):
        try:
            if action == "sign":
                return sign_as(petition, flipper)
            signing.withdraw(petition, flipper)
            return "withdrawn"
        finally:
            snapshots.append(count_and_rows(petition))

    outcomes = at_once([lambda a=a: flip(a) for a in ["sign", "withdraw"] * 8])

    # Every attempt either did its action or was refused for the state it found.
    assert set(outcomes) <= {
        "signed",
        "withdrawn",
        "refused: already_signed",
        "refused: not_signed",
    }
    assert len(snapshots) == 16
    assert all(count == rows for count, rows in snapshots), snapshots
    count, rows = count_and_rows(petition)
    assert count == rows == 3 + Signature.objects.filter(user=flipper).count()
    assert outcomes["signed"] - outcomes["withdrawn"] == rows - 3


def test_a_code_signs_once_and_is_used_once(frozen):
    right = make_petition_right(index_page_on_default_site(), participation_codes="account_or_code")
    petition = make_petition(right, "Safer crossings")
    _, codes = CodeBatch.generate("Race", 1, expires_at=NOW + timedelta(days=30), page=right)

    def sign_with_code():
        signing.sign(petition, code_text=codes[0], full_name="Jeanne Dupont", birth_year=1980)
        return "signed"

    outcomes = at_once([sign_with_code] * 8)

    assert outcomes == {"signed": 1, "refused: code_used": 7}
    assert Signature.objects.get().channel == SignatureChannel.CODE
    assert ParticipationCode.objects.filter(used_at__isnull=False).count() == 1
    assert count_and_rows(petition) == (1, 1)


def test_a_paper_signature_entered_while_the_same_person_signs_online_counts_once(frozen):
    right = make_petition_right(index_page_on_default_site(), threshold=1000)
    petitions = [make_petition(right, f"Petition {n}") for n in range(5)]
    staff = make_resident("clerk")
    jeanne = make_resident("jeanne", birth_year=1980)

    def online(petition):
        signing.sign(petition, user=jeanne, full_name="Jeanne Dupont")
        return "signed"

    def paper(petition):
        signing.add_paper_signature(
            petition,
            full_name="DUPONT  Jeanne",
            birth_year=1980,
            signed_on=(NOW - timedelta(days=1)).date(),
            entered_by=staff,
        )
        return "entered"

    attempts = []
    for petition in petitions:
        attempts += [lambda p=petition: online(p), lambda p=petition: paper(p)]
    outcomes = at_once(attempts)

    assert outcomes["signed"] + outcomes["entered"] == len(petitions)
    assert outcomes["refused: duplicate_person"] == len(petitions)
    for petition in petitions:
        assert Signature.objects.filter(petition=petition).count() == 1
        assert count_and_rows(petition) == (1, 1)


def test_consultative_votes_one_participation_and_one_ballot_per_resident(frozen):
    page = make_vote(index_page_on_default_site())
    choices = list(page.vote_options.values_list("pk", flat=True))
    residents = [make_resident(f"elector{n}") for n in range(SIGNERS)]

    def vote(user):
        cast_vote(page, choices[user.pk % 2], user=user)
        return "cast"

    outcomes = at_once(twice_each(residents, vote))

    assert outcomes == {"cast": SIGNERS, "refused: already_voted": SIGNERS}
    assert VoteParticipation.objects.filter(page=page).count() == SIGNERS
    assert VoteParticipation.objects.values("user").distinct().count() == SIGNERS
    assert VoteBallot.objects.filter(page=page).count() == SIGNERS
    assert page.results().votes == sum(option.votes for option in page.results().options)
