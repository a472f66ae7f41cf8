"""E-mails about petitions: threshold reached, answer, admissibility decision, new petition."""

import pytest
from django.core import mail

from wagtail_participation.petitions import notifications, signing
from wagtail_participation.petitions.models import Review

from .conftest import NOW
from .petition_factories import make_petition, make_petition_right, make_resident

pytestmark = pytest.mark.django_db


@pytest.fixture
def right(index_page):
    page = make_petition_right(index_page, threshold=3)
    page.contact_email = "council@town.example"
    page.save()
    return page


def opt_out(user):
    profile = user.participant_profile
    profile.email_on_updates = False
    profile.save()


def recipients():
    return sorted(address for message in mail.outbox for address in message.to)


def test_threshold_reached_by_paper_entry_notifies_residents_and_contact(
    right, frozen_now, django_capture_on_commit_callbacks
):
    filer = make_resident("filer")
    wants, quiet = make_resident("wants"), make_resident("quiet")
    opt_out(quiet)
    petition = make_petition(right, "<b>Trees</b> & shade", filer=filer)
    signing.sign(petition, user=wants, full_name="Ann Wants", birth_year=1980)
    signing.sign(petition, user=quiet, full_name="Quentin Quiet", birth_year=1981)
    assert mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        signing.add_paper_signature(
            petition,
            full_name="Paula Paper",
            birth_year=1970,
            signed_on=NOW.date(),
            entered_by=None,
        )
    petition.refresh_from_db()
    assert petition.threshold_reached_at is not None
    assert recipients() == ["council@town.example", "filer@example.org", "wants@example.org"]
    # One message per recipient, nobody sees another address.
    assert all(len(message.to) == 1 and not message.bcc for message in mail.outbox)
    resident_mail = next(m for m in mail.outbox if m.to == ["wants@example.org"])
    url = right.get_full_url() + right.reverse_subpage("petition_detail", args=[petition.pk])
    assert url in resident_mail.body
    # Plain text: the title as typed, neither escaped nor turned into markup.
    assert "<b>Trees</b> & shade" in resident_mail.body
    assert "&lt;" not in resident_mail.body and "&amp;" not in resident_mail.body
    assert "\n" not in resident_mail.subject


def test_nothing_sent_when_the_transaction_rolls_back(right, frozen_now):
    petition = make_petition(right, filer=make_resident("filer"))
    with pytest.raises(RuntimeError):
        from django.db import transaction

        with transaction.atomic():
            notifications.notify_answered(petition)
            raise RuntimeError
    assert mail.outbox == []


def test_anonymised_and_address_less_accounts_get_nothing(
    right, frozen_now, django_capture_on_commit_callbacks
):
    gone, silent = make_resident("gone"), make_resident("silent")
    profile = gone.participant_profile
    profile.anonymised_at = NOW
    profile.save()
    silent.email = ""
    silent.save()
    petition = make_petition(right, state="answered", filer=gone)
    signing_user = make_resident("reader")
    petition.signatures.create(
        signer_key=f"user:{signing_user.pk}", user=signing_user, channel="online", full_name="R"
    )
    petition.signatures.create(
        signer_key=f"user:{silent.pk}", user=silent, channel="online", full_name="S"
    )
    with django_capture_on_commit_callbacks(execute=True):
        notifications.notify_answered(petition)
    assert recipients() == ["reader@example.org"]


def test_review_decision_reaches_the_filer_with_the_reason(
    right, frozen_now, django_capture_on_commit_callbacks
):
    filer = make_resident("filer")
    opt_out(filer)  # the decision about one's own petition is sent anyway
    petition = make_petition(right, state="under_review", filer=filer)
    petition.review = Review.NOT_ADMISSIBLE
    petition.review_reason = "Outside the <town>'s powers."
    petition.save()
    with django_capture_on_commit_callbacks(execute=True):
        assert notifications.notify_review_decision(petition)
    assert recipients() == ["filer@example.org"]
    assert "Outside the <town>'s powers." in mail.outbox[0].body
    assert "not admissible" in mail.outbox[0].subject


def test_new_petition_reaches_the_contact_and_reviewers(
    right, frozen_now, django_capture_on_commit_callbacks, django_user_model
):
    django_user_model.objects.create_superuser("boss", "boss@town.example", "pw-123456789")
    petition = make_petition(right, state="under_review", filer=make_resident("filer"))
    with django_capture_on_commit_callbacks(execute=True):
        notifications.notify_petition_filed(petition)
    assert recipients() == ["boss@town.example", "council@town.example"]
    assert "waits for review" in mail.outbox[0].subject
