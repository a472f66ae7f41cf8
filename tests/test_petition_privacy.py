"""What petitions and consultative votes keep about a resident: "Download my data" and the
anonymisation of an account."""

import json
from datetime import timedelta

import pytest

from wagtail_participation.petitions import signing
from wagtail_participation.petitions.models import Petition, Signature
from wagtail_participation.petitions.signing import SignatureRefused
from wagtail_participation.petitions.votes import cast_vote
from wagtail_participation.privacy import anonymise_user, export_personal_data

from .conftest import NOW
from .petition_factories import make_petition, make_petition_right, make_resident, make_vote, option

pytestmark = pytest.mark.django_db

YES, NO = "Yes, create it", "No, keep things as they are"


@pytest.fixture
def alice_took_part(index_page, frozen_now):
    alice = make_resident("alice", birth_year=1980)
    right = make_petition_right(index_page, threshold=1000)
    filed = make_petition(right, "Alice's crossing", "open", filer=alice)
    signed = make_petition(right, "Bob's benches", "open")
    signing.sign(signed, user=alice, full_name="Alice Martin", show_name=True)
    vote = make_vote(index_page, options=(YES, NO))
    cast_vote(vote, option(vote, NO).pk, user=alice)
    return alice, filed, signed, vote


def test_the_export_holds_signatures_petitions_and_votes_but_not_the_option(alice_took_part):
    alice, _filed, _signed, vote = alice_took_part
    data = export_personal_data(alice)["petitions"]
    (signature,) = data["signatures"]
    assert signature["petition"] == "Bob's benches"
    assert signature["full_name"] == "Alice Martin"
    assert signature["year_of_birth"] == 1980
    (petition,) = data["petitions_filed"]
    assert petition["title"] == "Alice's crossing"
    (participation,) = data["consultative_votes"]
    assert participation["question"] == vote.question
    everything = json.dumps(export_personal_data(alice), default=str)
    assert NO not in everything and YES not in everything


def test_anonymising_keeps_the_signature_counted_and_erases_the_name(alice_took_part):
    alice, _filed, signed, _vote = alice_took_part
    anonymise_user(alice)
    signature = Signature.objects.get(petition=signed)
    assert signature.full_name == ""
    assert signature.birth_year is None
    assert not signature.show_name
    assert Petition.objects.get(pk=signed.pk).signature_count == 1
    assert signed.page.outcome_figures()[1].value == 1


def test_the_same_person_cannot_sign_again_on_paper_after_anonymisation(alice_took_part):
    alice, _filed, signed, _vote = alice_took_part
    anonymise_user(alice)
    with pytest.raises(SignatureRefused) as refused:
        signing.add_paper_signature(
            signed,
            full_name="MARTIN Alice",
            birth_year=1980,
            signed_on=(NOW - timedelta(days=1)).date(),
            entered_by=make_resident("clerk"),
        )
    assert refused.value.code == "duplicate_person"
    assert Signature.objects.filter(petition=signed).count() == 1
    assert Petition.objects.get(pk=signed.pk).signature_count == 1
