"""What petitions and consultative votes report back through the core outcome interface:
figures, decisions and results a restitution page reads, and "My participation"."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from wagtail_participation.outcomes import Figure, participation_of
from wagtail_participation.petitions import signing
from wagtail_participation.petitions.models import Petition, Signature, SignatureChannel
from wagtail_participation.petitions.votes import cast_vote
from wagtail_participation.restitution.models import RestitutionPage, RestitutionSource

from .conftest import NOW
from .petition_factories import (
    make_petition,
    make_petition_right,
    make_resident,
    make_vote,
    option,
)

pytestmark = pytest.mark.django_db

STATES = ["under_review", "not_admissible", "open", "threshold_reached", "on_agenda", "answered"]
YES, NO = "Yes, create it", "No, keep things as they are"


def paper_signatures(petition, count, start=0):
    """``count`` paper signatures stored directly (also on petitions that refuse them), and
    the petition's count set to match."""
    Signature.objects.bulk_create(
        Signature(
            petition=petition,
            signer_key=f"paper:{petition.pk}-{n}",
            channel=SignatureChannel.PAPER,
            full_name=f"Signer {n}",
            birth_year=1970,
            identity_key=signing.identity_key(f"Signer {n}", 1970),
        )
        for n in range(start, start + count)
    )
    Petition.objects.filter(pk=petition.pk).update(
        signature_count=Signature.objects.filter(petition=petition).count()
    )


def petitions_in_every_state(right):
    petitions = {state: make_petition(right, f"Petition {state}", state) for state in STATES}
    petitions["closed"] = make_petition(right, "Petition closed", "closed")
    for number, petition in enumerate(petitions.values(), start=1):
        paper_signatures(petition, number)  # 1 for under_review ... 7 for closed
    return petitions


def restitution(index_page, *pages):
    page = RestitutionPage(
        title="What came of it", slug="what-came-of-it", notify_participants=False
    )
    page.body = [
        ("figures", {"heading": "", "figures": [], "by_neighbourhood": True}),
        ("decisions", {"heading": "", "citizen_only": False, "count": 50}),
    ]
    page.sources = [RestitutionSource(page=linked) for linked in pages]
    index_page.add_child(instance=page)
    page.save_revision().publish()
    return RestitutionPage.objects.get(pk=page.pk)


class TestPetitionFigures:
    def test_only_public_petitions_and_their_signatures_count(self, index_page, frozen_now):
        right = make_petition_right(index_page)
        petitions_in_every_state(right)
        other = make_petition_right(index_page, title="Another right")
        paper_signatures(make_petition(other, "Elsewhere"), 50)
        # Public: open 3, threshold_reached 4, on_agenda 5, answered 6, closed 7.
        assert right.outcome_figures() == [Figure("petitions", 5), Figure("signatures", 25)]


class TestPetitionDecisions:
    def test_decided_petitions_with_the_councils_answer(self, index_page, frozen_now):
        right = make_petition_right(index_page)
        petitions = petitions_in_every_state(right)
        Petition.objects.filter(pk=petitions["answered"].pk).update(
            answer="The council will build the crossing in May."
        )
        decisions = {d.title: d for d in right.outcome_decisions()}
        assert set(decisions) == {
            "Petition threshold_reached",
            "Petition on_agenda",
            "Petition answered",
            "Petition closed",
        }
        assert {d.status for d in decisions.values()} == {
            "threshold_reached",
            "on_agenda",
            "answered",
            "closed",
        }
        answered = decisions["Petition answered"]
        assert answered.justification == "The council will build the crossing in May."
        assert answered.kind == "petition" and answered.citizen
        assert answered.url.endswith(f"/{petitions['answered'].pk}/")
        assert "7 signatures out of the 10 needed." == decisions["Petition closed"].justification

    def test_under_review_and_not_admissible_petitions_are_never_listed(
        self, index_page, frozen_now
    ):
        right = make_petition_right(index_page)
        make_petition(right, "Waiting", "under_review")
        make_petition(right, "Refused", "not_admissible")
        make_petition(right, "Still open", "open")
        assert right.outcome_decisions() == []
        assert right.outcome_figures() == [Figure("petitions", 1), Figure("signatures", 0)]


class TestConsultativeVote:
    def test_nothing_is_reported_before_the_vote_closes(self, index_page, frozen_now):
        page = make_vote(index_page, options=(YES, NO))
        cast_vote(page, option(page, YES).pk, user=make_resident("early"))
        assert page.outcome_figures() == []
        assert page.outcome_decisions() == []
        assert page.public_results is None

    def test_the_tally_once_the_vote_has_closed(self, index_page, time_machine):
        time_machine.move_to(NOW, tick=False)
        page = make_vote(index_page, options=(YES, NO), registered_voters=10)
        residents = [make_resident(f"elector{n}") for n in range(3)]
        for n, resident in enumerate(residents):
            cast_vote(page, option(page, YES if n < 2 else NO).pk, user=resident)
        time_machine.move_to(NOW + timedelta(days=15), tick=False)  # the vote ended on day 14
        page = type(page).objects.get(pk=page.pk)
        assert page.outcome_figures() == [Figure("votes", 3)]
        (decision,) = page.outcome_decisions()
        assert decision.status == "majority"
        assert decision.status_label == f"Majority: {YES}"
        assert decision.kind == "vote" and not decision.citizen
        assert f"{YES}: 66.7% (2 votes)" in decision.justification
        assert f"{NO}: 33.3% (1 vote)" in decision.justification
        assert "Turnout: 30.0%." in decision.justification
        assert page.public_results == {
            "votes": 3,
            "registered_voters": 10,
            "turnout_percent": 30.0,
            "options": [
                {"label": YES, "votes": 2, "percent": 66.7},
                {"label": NO, "votes": 1, "percent": 33.3},
            ],
        }


class TestRestitutionPage:
    def build(self, index_page, time_machine, petitions):
        time_machine.move_to(NOW, tick=False)
        right = make_petition_right(index_page)
        for number in range(petitions):
            make_petition(right, f"Answered {number}", "answered", answer=f"Answer {number}.")
        make_petition(right, "Hidden refusal", "not_admissible")
        make_petition(right, "Hidden review", "under_review")
        vote = make_vote(index_page, options=(YES, NO))
        for n in range(3):
            cast_vote(vote, option(vote, YES if n < 2 else NO).pk, user=make_resident(f"v{n}"))
        page = restitution(index_page, right, vote)
        time_machine.move_to(NOW + timedelta(days=15), tick=False)
        return page, right

    def test_figures_and_decisions_of_petitions_and_votes(self, client, index_page, time_machine):
        page, _right = self.build(index_page, time_machine, petitions=2)
        response = client.get(page.url)
        assert response.status_code == 200
        content = response.content.decode()
        assert "<dt>Petitions</dt><dd>2</dd>" in content
        assert "<dt>Votes cast</dt><dd>3</dd>" in content
        assert "Answered 0" in content and "Answer 0." in content
        assert "Answered 1" in content and "Answer 1." in content
        assert "Should the town create a municipal police force?" in content
        assert f"Majority: {YES}" in content
        assert "Hidden refusal" not in content and "Hidden review" not in content

    def test_the_same_queries_for_2_or_30_petitions(
        self, client, index_page, time_machine, no_public_cache
    ):
        page, right = self.build(index_page, time_machine, petitions=2)
        client.get(page.url)
        with CaptureQueriesContext(connection) as few:
            assert client.get(page.url).status_code == 200
        for number in range(2, 30):
            make_petition(right, f"Answered {number}", "answered", answer=f"Answer {number}.")
        with CaptureQueriesContext(connection) as many:
            response = client.get(page.url)
        assert "Answered 29" in response.content.decode()
        assert len(many.captured_queries) == len(few.captured_queries)


class TestMyParticipation:
    def test_a_filed_petition_a_signature_and_a_vote_without_the_option(
        self, client, index_page, frozen_now
    ):
        alice = make_resident("alice")
        right = make_petition_right(index_page)
        filed = make_petition(right, "Alice's crossing", "open", filer=alice)
        other = make_petition(right, "Bob's benches", "open")
        signing.sign(other, user=alice, full_name="Alice Martin")
        vote = make_vote(index_page, options=(YES, NO))
        cast_vote(vote, option(vote, NO).pk, user=alice)
        make_petition(right, "Not mine", "open", filer=make_resident("bob"))

        items = {item.action: item for item in participation_of(alice)}
        assert set(items) == {"petition", "signature", "consultative_vote"}
        assert items["petition"].title == "Alice's crossing"
        assert items["petition"].url.endswith(f"/{filed.pk}/")
        assert items["signature"].title == "Bob's benches"
        assert items["consultative_vote"].title == vote.question
        assert items["consultative_vote"].outcome == ""  # results not published yet
        for item in items.values():
            assert NO not in repr(item) and YES not in repr(item)

        client.force_login(alice)
        content = client.get(reverse("participation_accounts:my_participation")).content.decode()
        assert "Alice&#x27;s crossing" in content and "Bob&#x27;s benches" in content
        assert vote.question in content
        assert NO not in content and YES not in content
        assert "Not mine" not in content
