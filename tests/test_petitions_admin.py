"""The staff side of petitions: listing, review, answer, paper signatures, vote results."""

import pytest
from django.core import mail
from django.urls import reverse

from wagtail_participation.conf import settings as participation_settings
from wagtail_participation.petitions import signing
from wagtail_participation.petitions.models import Petition, Review, SignatureChannel

from .conftest import NOW
from .petition_factories import (
    VOTE_ENDED,
    make_petition,
    make_petition_right,
    make_resident,
    make_vote,
)
from .test_meeting_admin import make_staff

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(participation_settings.ADMIN_UI != "wagtail", reason="Wagtail's admin UI"),
]

INDEX = "participation_petition:index"
EDIT = "participation_petition:edit"


@pytest.fixture
def right(index_page):
    return make_petition_right(index_page, threshold=3, signature_period_days=90)


def form_data(petition, **changes):
    data = {
        "title": petition.title,
        "text": petition.text,
        "filer_name": petition.filer_name,
        "themes": "",
        "neighbourhood": "",
        "review": petition.review,
        "review_reason": petition.review_reason,
        "council_date": "",
        "answer": petition.answer,
    }
    data.update(changes)
    return data


def paper_url(petition):
    return reverse("participation_petitions_admin:paper_signatures", args=[petition.pk])


# Listing ---------------------------------------------------------------------------------------


def test_list_filter_search_inspect_as_superuser(admin_client, right, frozen_now):
    make_petition(right, "Trees on the square")
    make_petition(right, "Night buses", state="under_review")
    response = admin_client.get(reverse(INDEX))
    assert response.status_code == 200
    assert b"Trees on the square" in response.content and b"Night buses" in response.content
    assert paper_url(Petition.objects.get(title="Night buses")) in response.content.decode()
    response = admin_client.get(reverse(INDEX), {"status": "under_review"})
    assert b"Night buses" in response.content and b"Trees on the square" not in response.content
    response = admin_client.get(reverse(INDEX), {"q": "buses"})
    assert b"Night buses" in response.content and b"Trees on the square" not in response.content
    petition = Petition.objects.get(title="Trees on the square")
    response = admin_client.get(reverse("participation_petition:inspect", args=[petition.pk]))
    assert response.status_code == 200 and b"Trees on the square" in response.content
    assert paper_url(petition) in response.content.decode()
    edit = admin_client.get(reverse(EDIT, args=[petition.pk])).content.decode()
    assert paper_url(petition) in edit
    export = admin_client.get(reverse(INDEX), {"export": "csv"})
    assert b"Trees on the square" in b"".join(export.streaming_content)


def test_staff_without_permission_is_denied(client, django_user_model, right, frozen_now):
    petition = make_petition(right)
    client.force_login(make_staff(django_user_model, "clerk"))
    assert client.get(reverse(INDEX)).status_code in (302, 403)
    assert client.get(reverse(EDIT, args=[petition.pk])).status_code in (302, 403)
    response = client.get(paper_url(petition))
    assert response.status_code in (302, 403) and b"Paper signatures" not in response.content


# Review and answer -----------------------------------------------------------------------------


def test_admissible_review_opens_with_the_page_rules(
    admin_client, right, frozen_now, django_capture_on_commit_callbacks
):
    filer = make_resident("filer")
    petition = make_petition(right, "Night buses", state="under_review", filer=filer)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse(EDIT, args=[petition.pk]), form_data(petition, review=Review.ADMISSIBLE)
        )
    assert response.status_code == 302
    petition.refresh_from_db()
    assert petition.opened_at == NOW and petition.reviewed_at == NOW
    assert (petition.closes_at - petition.opened_at).days == 90
    assert petition.threshold == 3
    assert petition.is_public
    assert [m.to for m in mail.outbox] == [["filer@example.org"]]


def test_not_admissible_needs_a_reason_then_notifies_the_filer(
    admin_client, right, frozen_now, django_capture_on_commit_callbacks
):
    petition = make_petition(right, state="under_review", filer=make_resident("filer"))
    url = reverse(EDIT, args=[petition.pk])
    response = admin_client.post(url, form_data(petition, review=Review.NOT_ADMISSIBLE))
    assert response.status_code == 200
    assert "Say why the petition is not admissible" in response.content.decode()
    petition.refresh_from_db()
    assert petition.review == Review.PENDING and mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            url,
            form_data(petition, review=Review.NOT_ADMISSIBLE, review_reason="Not the town's."),
        )
    assert response.status_code == 302
    petition.refresh_from_db()
    assert petition.reviewed_at == NOW and petition.opened_at is None
    assert [m.to for m in mail.outbox] == [["filer@example.org"]]
    assert "Not the town's." in mail.outbox[0].body


def test_answer_sets_answered_at_once_and_emails_who_wants_news(
    admin_client, right, frozen_now, django_capture_on_commit_callbacks, time_machine
):
    petition = make_petition(right)
    wants, quiet = make_resident("wants"), make_resident("quiet")
    profile = quiet.participant_profile
    profile.email_on_updates = False
    profile.save()
    signing.sign(petition, user=wants, full_name="Ann Wants", birth_year=1980)
    signing.sign(petition, user=quiet, full_name="Quentin Quiet", birth_year=1981)
    petition.refresh_from_db()
    url = reverse(EDIT, args=[petition.pk])
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(url, form_data(petition, answer="The council agrees."))
    petition.refresh_from_db()
    assert petition.answered_at == NOW
    assert petition.signature_count == 2  # not taken from the form
    assert [m.to for m in mail.outbox] == [["wants@example.org"]]
    time_machine.shift(3600)
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(url, form_data(petition, answer="The council agrees, really."))
    petition.refresh_from_db()
    assert petition.answered_at == NOW and len(mail.outbox) == 1


# Paper signatures ------------------------------------------------------------------------------


def paper(**changes):
    data = {
        "full_name": "Paula Paper",
        "birth_year": "1970",
        "signed_on": NOW.date().isoformat(),
        "paper_reference": "S-12",
    }
    data.update(changes)
    return data


def test_paper_signature_added_counted_and_deleted(admin_client, right, frozen_now):
    petition = make_petition(right)
    response = admin_client.post(paper_url(petition), paper())
    assert response.status_code == 302
    petition.refresh_from_db()
    assert petition.signature_count == 1
    signature = petition.signatures.get()
    assert signature.channel == SignatureChannel.PAPER and signature.paper_reference == "S-12"
    page = admin_client.get(paper_url(petition)).content.decode()
    assert "Paula Paper" in page
    delete_url = reverse(
        "participation_petitions_admin:delete_paper_signature", args=[petition.pk, signature.pk]
    )
    assert admin_client.get(delete_url).status_code == 200
    assert petition.signatures.count() == 1  # GET only asks
    assert admin_client.post(delete_url).status_code == 302
    petition.refresh_from_db()
    assert petition.signature_count == 0 and not petition.signatures.exists()


def test_duplicate_paper_signature_is_refused(admin_client, right, frozen_now):
    petition = make_petition(right)
    signing.sign(petition, user=make_resident("jeanne"), full_name="Jeanne Dupont", birth_year=1980)
    response = admin_client.post(
        paper_url(petition), paper(full_name="DUPONT  Jeanne", birth_year="1980")
    )
    assert response.status_code == 200
    assert "has already signed this petition" in response.content.decode()
    petition.refresh_from_db()
    assert petition.signature_count == 1
    assert not petition.signatures.filter(channel=SignatureChannel.PAPER).exists()


def test_paper_entry_reaching_the_threshold_notifies(
    admin_client, right, frozen_now, django_capture_on_commit_callbacks
):
    petition = make_petition(right, filer=make_resident("filer"))
    for number, name in enumerate(["Ann One", "Bob Two"]):
        signing.add_paper_signature(
            petition,
            full_name=name,
            birth_year=1970 + number,
            signed_on=NOW.date(),
            entered_by=None,
        )
    assert mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(paper_url(petition), paper())
    petition.refresh_from_db()
    assert petition.threshold_reached_at == NOW
    assert [m.to for m in mail.outbox] == [["filer@example.org"]]


# Consultative votes ----------------------------------------------------------------------------


def test_vote_results_only_after_the_vote(admin_client, index_page, frozen_now):
    running = make_vote(index_page)
    ended = make_vote(index_page, title="Ended", phases=VOTE_ENDED)
    url = reverse("participation_petitions_admin:vote_results", args=[running.pk])
    response = admin_client.get(url)
    assert response.status_code == 200
    assert b"once every vote phase has ended" in response.content
    assert admin_client.get(url, {"export": "csv"}).status_code == 404
    url = reverse("participation_petitions_admin:vote_results", args=[ended.pk])
    export = admin_client.get(url, {"export": "csv"})
    assert export.status_code == 200 and b"For" in export.content


def test_staff_create_a_petition_filed_on_paper(admin_client, right, frozen_now):
    data = form_data(
        Petition(title="Bike lanes", text="Paint them.", filer_name="Cyclists' club"),
        page=str(right.pk),
        review=Review.ADMISSIBLE,
    )
    response = admin_client.post(reverse("participation_petition:add"), data)
    assert response.status_code == 302
    petition = Petition.objects.get(title="Bike lanes")
    assert petition.filer is None and petition.filer_name == "Cyclists' club"
    assert petition.opened_at == NOW and petition.threshold == 3 and petition.is_public


def test_signature_staff_of_another_team_do_not_see_the_petition(
    client, django_user_model, index_page, right, frozen_now
):
    from .petition_factories import make_petition_right as make_right

    other = make_right(index_page, title="Other town right")
    petition = make_petition(right)
    clerk = make_staff(
        django_user_model,
        "clerk",
        "participation_petitions.add_signature",
        "participation_petitions.delete_signature",
        pages=[other],
    )
    client.force_login(clerk)
    assert client.get(paper_url(petition)).status_code == 404
    mine = make_petition(other, "Ours")
    assert client.get(paper_url(mine)).status_code == 200
    assert client.post(paper_url(mine), paper()).status_code == 302
    assert mine.signatures.get().entered_by == clerk


def test_review_answer_and_paper_entries_are_logged(admin_client, right, frozen_now):
    from wagtail.models import ModelLogEntry

    petition = make_petition(right, state="under_review")
    admin_client.post(
        reverse(EDIT, args=[petition.pk]), form_data(petition, review=Review.ADMISSIBLE)
    )
    petition.refresh_from_db()
    admin_client.post(paper_url(petition), paper())
    signature = petition.signatures.get()
    admin_client.post(
        reverse(
            "participation_petitions_admin:delete_paper_signature",
            args=[petition.pk, signature.pk],
        )
    )
    admin_client.post(reverse(EDIT, args=[petition.pk]), form_data(petition, answer="Yes."))
    actions = set(
        ModelLogEntry.objects.filter(object_id=str(petition.pk)).values_list("action", flat=True)
    )
    assert {
        "wagtail_participation.petition.review",
        "wagtail_participation.petition.answer",
        "wagtail_participation.petition.paper_signature",
        "wagtail_participation.petition.signature_removed",
    } <= actions
    history = admin_client.get(reverse("participation_petition:history", args=[petition.pk]))
    assert "Paper signature entered (sheet S-12)" in history.content.decode()


def test_an_opened_petition_cannot_go_back_to_review(admin_client, right, frozen_now):
    petition = make_petition(right)
    response = admin_client.post(
        reverse(EDIT, args=[petition.pk]), form_data(petition, review=Review.PENDING)
    )
    assert response.status_code == 200
    assert "cannot wait for review again" in response.content.decode()
    petition.refresh_from_db()
    assert petition.review == Review.ADMISSIBLE
