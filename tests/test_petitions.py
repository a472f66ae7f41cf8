"""The public pages of a petition right, as residents use them: the list, filing a petition,
a petition's page, signing, withdrawing a signature and the signatories."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.models import Page

from wagtail_participation.codes import CodeBatch
from wagtail_participation.models import CodeUse
from wagtail_participation.petitions import signing
from wagtail_participation.petitions.models import Petition, PetitionStatus, Review, Signature

from .conftest import NOW
from .petition_factories import make_petition, make_petition_right, make_resident

pytestmark = pytest.mark.django_db


# Fixtures and helpers --------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def empty_cache(db):
    """Rate limits and public pages live in the cache: start every test with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def right(index_page, frozen_now):
    page = make_petition_right(index_page, threshold=1000, review_before_opening=False)
    page.themes.set(["Mobility", "Green spaces"])
    page.save_revision().publish()
    return type(page).objects.get(pk=page.pk)


@pytest.fixture
def reviewed_right(index_page, frozen_now):
    return make_petition_right(index_page, "Reviewed right", threshold=3)


@pytest.fixture
def resident(db):
    return make_resident("ines")


@pytest.fixture
def post(client, django_capture_on_commit_callbacks):
    def do_post(url, data=None, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(url, data or {}, **kwargs)

    return do_post


def url(page, name="", *args):
    if not name:
        return page.url
    return page.url + page.reverse_subpage(name, args=args)


def html(response):
    return response.content.decode()


def sign(petition, user, full_name=None, birth_year=None, **kwargs):
    return signing.sign(
        petition,
        user=user,
        full_name=full_name or f"{user.username.title()} Fullname",
        birth_year=birth_year,
        **kwargs,
    )


# List ------------------------------------------------------------------------------------------


def test_list_shows_rules_and_only_public_petitions(client, right):
    make_petition(right, "Open one")
    make_petition(right, "Answered one", state="answered")
    make_petition(right, "Closed one", state="closed")
    make_petition(right, "Secret review", state="under_review")
    make_petition(right, "Refused one", state="not_admissible")
    response = client.get(url(right))
    assert response.status_code == 200
    content = html(response)
    for title in ("Open one", "Answered one", "Closed one"):
        assert title in content
    assert "Secret review" not in content
    assert "Refused one" not in content
    assert "When a petition gathers 1000 signatures" in content
    assert "365 days" in content
    assert "from the year you turn 18" in content
    assert "Only people who live in the town may sign." in content
    assert "File a petition" in content
    assert "3 petitions" in content
    assert "0 signatures of 1,000" in content
    assert '<progress max="1000" value="0"' in content


def test_list_without_filing_has_no_file_link(client, index_page, frozen_now):
    page = make_petition_right(index_page, residents_may_file=False)
    assert "File a petition" not in html(client.get(url(page)))


def test_list_filters_by_status_theme_and_neighbourhood(client, right, neighbourhoods):
    centre = neighbourhoods["centre"]
    bus = make_petition(right, "Night buses", neighbourhood=centre)
    bus.themes.set(["Mobility"])
    make_petition(right, "More trees", state="answered")
    make_petition(right, "Hidden centre", state="under_review", neighbourhood=centre)

    content = html(client.get(url(right), {"status": "answered"}))
    assert "More trees" in content and "Night buses" not in content

    content = html(client.get(url(right), {"theme": "mobility"}))
    assert "Night buses" in content and "More trees" not in content

    content = html(client.get(url(right), {"neighbourhood": "centre"}))
    assert "Night buses" in content and "More trees" not in content
    assert "Hidden centre" not in content

    # A hidden status is not a choice: it shows nothing hidden.
    content = html(client.get(url(right), {"status": "under_review"}))
    assert "Hidden centre" not in content


def test_list_is_paginated(client, right, settings):
    settings.WAGTAIL_PARTICIPATION = {
        **getattr(settings, "WAGTAIL_PARTICIPATION", {}),
        "PETITIONS_PAGE_SIZE": 2,
    }
    for number in range(5):
        make_petition(right, f"Petition number {number}")
    first = html(client.get(url(right)))
    third = html(client.get(url(right), {"page": 3}))
    assert first.count('class="participation-card participation-petition"') == 2
    assert third.count('class="participation-card participation-petition"') == 1
    assert "Page 3" in first


def test_list_query_count_does_not_grow(
    client, right, neighbourhoods, no_public_cache, django_assert_max_num_queries
):
    first = make_petition(right, "First", neighbourhood=neighbourhoods["centre"])
    first.themes.set(["Mobility"])
    client.get(url(right))  # warm the site's caches: only the page's own queries count
    with CaptureQueriesContext(connection) as few:
        assert client.get(url(right)).status_code == 200
    for number in range(15):
        petition = make_petition(
            right, f"Petition {number}", neighbourhood=neighbourhoods["riverside"]
        )
        petition.themes.set(["Mobility", "Green spaces"])
    with django_assert_max_num_queries(len(few)):
        response = client.get(url(right))
    assert "16 petitions" in html(response)


# Filing ----------------------------------------------------------------------------------------


def test_filing_needs_an_account(client, right):
    response = client.get(url(right, "file_petition"))
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_filing_is_404_when_closed(client, index_page, frozen_now, resident):
    page = make_petition_right(index_page, residents_may_file=False)
    client.force_login(resident)
    assert client.get(url(page, "file_petition")).status_code == 404


def test_filing_without_review_opens_at_once(client, post, right, resident, neighbourhoods):
    client.force_login(resident)
    assert client.get(url(right, "file_petition")).status_code == 200
    response = post(
        url(right, "file_petition"),
        {
            "title": "Safer crossings",
            "text": "Near the school.",
            "themes": [right.theme_tags()[0].pk],
            "neighbourhood": neighbourhoods["centre"].pk,
        },
    )
    petition = Petition.objects.get()
    assert response.status_code == 302
    assert response["Location"].endswith(f"/{petition.pk}/")
    assert petition.status == PetitionStatus.OPEN
    assert petition.filer == resident and petition.filer_name == "Ines"
    assert petition.threshold == 1000
    client.logout()
    content = html(client.get(url(right)))
    assert "Safer crossings" in content and "Filed by Ines" in content


def test_filing_with_review_stays_hidden_but_for_its_filer(
    client, post, reviewed_right, resident, django_user_model
):
    client.force_login(resident)
    response = post(
        url(reviewed_right, "file_petition"), {"title": "A skate park", "text": "Please."}
    )
    petition = Petition.objects.get()
    assert petition.review == Review.PENDING and petition.status == PetitionStatus.UNDER_REVIEW
    detail = client.get(response["Location"])
    assert detail.status_code == 200
    assert "reviews it before it is published" in html(detail)
    assert "A skate park" in html(detail)

    other = make_resident("other")
    client.force_login(other)
    assert client.get(url(reviewed_right, "petition_detail", petition.pk)).status_code == 404
    assert "A skate park" not in html(client.get(url(reviewed_right)))
    client.logout()
    assert client.get(url(reviewed_right, "petition_detail", petition.pk)).status_code == 404

    reviewer = make_resident("reviewer")
    reviewer.user_permissions.add(Permission.objects.get(codename="change_petition"))
    client.force_login(reviewer)
    assert client.get(url(reviewed_right, "petition_detail", petition.pk)).status_code == 200


def test_not_admissible_reason_shown_to_filer_only(client, reviewed_right, resident):
    petition = make_petition(reviewed_right, "Out of scope", state="not_admissible", filer=resident)
    client.force_login(resident)
    content = html(client.get(url(reviewed_right, "petition_detail", petition.pk)))
    assert "Outside the town&#x27;s powers." in content
    client.force_login(make_resident("other"))
    assert client.get(url(reviewed_right, "petition_detail", petition.pk)).status_code == 404


def test_filing_a_too_long_text_says_so(client, index_page, frozen_now, resident):
    page = make_petition_right(index_page, petition_max_length=200)
    client.force_login(resident)
    response = client.post(url(page, "file_petition"), {"title": "Long", "text": "x" * 250})
    assert response.status_code == 400
    assert "Your text is 250 characters long; the limit is 200 characters." in html(response)
    assert not Petition.objects.exists()


def test_filing_refused_to_an_incomplete_profile(client, right, django_user_model):
    user = django_user_model.objects.create_user("newcomer", "n@example.org", "pw")
    client.force_login(user)
    response = client.get(url(right, "file_petition"))
    assert response.status_code == 403
    assert "public name" in html(response)


# Signing ---------------------------------------------------------------------------------------


def test_sign_requires_sign_in(client, right):
    petition = make_petition(right)
    detail = html(client.get(url(right, "petition_detail", petition.pk)))
    assert "Sign in to sign" in detail
    assert "csrfmiddlewaretoken" not in detail
    response = client.post(url(right, "sign", petition.pk), {"full_name": "Anon Ymous"})
    assert response.status_code == 302 and "login" in response["Location"]
    assert not Signature.objects.exists()


def test_sign_counts_and_shows_progress(client, post, right, resident):
    petition = make_petition(right)
    client.force_login(resident)
    detail = html(client.get(url(right, "petition_detail", petition.pk)))
    assert "Only the town&#x27;s staff see it" in detail
    assert 'name="birth_year"' not in detail  # the profile gives it
    response = post(url(right, "sign", petition.pk), {"full_name": "Inès Martin"})
    assert response.status_code == 302
    petition.refresh_from_db()
    assert petition.signature_count == 1
    content = html(client.get(response["Location"]))
    assert "Your signature is counted." in content
    assert "1 signature of 1,000" in content
    assert "999 signatures still missing." in content
    assert "You signed on" in content
    assert "Withdraw my signature" in content


def test_signing_twice_keeps_one_signature(client, post, right, resident):
    petition = make_petition(right)
    client.force_login(resident)
    post(url(right, "sign", petition.pk), {"full_name": "Inès Martin"})
    response = post(url(right, "sign", petition.pk), {"full_name": "Inès Martin"})
    assert Signature.objects.filter(petition=petition).count() == 1
    assert "You have already signed this petition." in html(client.get(response["Location"]))


def test_withdraw_before_threshold(client, post, right, resident):
    petition = make_petition(right)
    sign(petition, resident)
    client.force_login(resident)
    response = post(url(right, "withdraw", petition.pk))
    petition.refresh_from_db()
    assert petition.signature_count == 0
    content = html(client.get(response["Location"]))
    assert "Your signature is withdrawn." in content
    assert "Sign this petition" in content


def test_threshold_reached_sets_status_and_blocks_withdrawal(
    client, post, reviewed_right, resident
):
    petition = make_petition(reviewed_right)
    for name in ("one", "two"):
        sign(petition, make_resident(name))
    client.force_login(resident)
    post(url(reviewed_right, "sign", petition.pk), {"full_name": "Inès Martin"})
    petition.refresh_from_db()
    assert petition.status == PetitionStatus.THRESHOLD_REACHED
    content = html(client.get(url(reviewed_right, "petition_detail", petition.pk)))
    assert "Threshold reached" in content
    assert "can no longer be withdrawn" in content
    assert "Withdraw my signature" not in content
    response = post(url(reviewed_right, "withdraw", petition.pk))
    assert Signature.objects.filter(petition=petition, user=resident).exists()
    assert "can no longer be withdrawn" in html(client.get(response["Location"]))


def test_petition_closes_after_its_period(client, post, right, resident, time_machine):
    petition = make_petition(right)
    time_machine.move_to(petition.closes_at + timedelta(minutes=1), tick=False)
    client.force_login(resident)
    content = html(client.get(url(right, "petition_detail", petition.pk)))
    assert "Closed without reaching the threshold" in content
    assert "Sign this petition" not in content
    post(url(right, "sign", petition.pk), {"full_name": "Inès Martin"})
    assert not Signature.objects.exists()
    listed = html(client.get(url(right), {"status": "closed"}))
    assert petition.title in listed


def test_minimum_age_refusal_shown_in_advance_and_enforced(client, post, right):
    child = make_resident("child", birth_year=NOW.year - 12)
    petition = make_petition(right)
    client.force_login(child)
    content = html(client.get(url(right, "petition_detail", petition.pk)))
    assert "open to residents who turn 18" in content
    assert "Sign this petition" not in content
    response = post(url(right, "sign", petition.pk), {"full_name": "Child Name"})
    assert response.status_code == 400
    assert not Signature.objects.exists()


def test_full_names_never_public_but_chosen_public_names_are(client, post, right, resident):
    petition = make_petition(right)
    shy = make_resident("shy")
    sign(petition, shy, full_name="Shirley Secret")
    client.force_login(resident)
    post(url(right, "sign", petition.pk), {"full_name": "Ines Hidden-Surname", "show_name": "on"})
    signing.add_paper_signature(
        petition, full_name="Paula Paper", birth_year=1950, signed_on=NOW.date(), entered_by=None
    )
    client.logout()
    cache.clear()
    for page_url in (
        url(right),
        url(right, "petition_detail", petition.pk),
        url(right, "signatories", petition.pk),
    ):
        content = html(client.get(page_url))
        for full_name in ("Shirley Secret", "Hidden-Surname", "Paula Paper"):
            assert full_name not in content
    detail = html(client.get(url(right, "petition_detail", petition.pk)))
    assert "<li>Ines</li>" in detail
    assert "Shy" not in detail
    signatories = html(client.get(url(right, "signatories", petition.pk)))
    assert "Ines" in signatories and "Shy" not in signatories
    assert "2 signatures are counted without a name" in signatories
    assert "1 online with an account, 0 with a participation code and 1 on paper" in signatories


def test_hostile_title_and_text_are_escaped(client, right):
    petition = make_petition(right, "<script>alert(1)</script>", text="<script>x()</script>\nok")
    for page_url in (url(right), url(right, "petition_detail", petition.pk)):
        content = html(client.get(page_url))
        assert "<script>alert(1)</script>" not in content
        assert "<script>x()</script>" not in content
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in content


def test_signing_with_a_code(client, post, index_page, frozen_now):
    page = make_petition_right(index_page, participation_codes=CodeUse.ACCOUNT_OR_CODE)
    petition = make_petition(page)
    _batch, codes = CodeBatch.generate("Town hall", 2, NOW + timedelta(days=30), page=page)
    detail = html(client.get(url(page, "petition_detail", petition.pk)))
    assert 'name="code"' in detail and 'name="birth_year"' in detail
    response = post(
        url(page, "sign", petition.pk),
        {"code": codes[0], "full_name": "Coda Person", "birth_year": "1970"},
    )
    assert response.status_code == 302
    signature = Signature.objects.get()
    assert signature.channel == "code" and signature.user is None
    # The code is used: a second try with it is refused with a message.
    response = post(
        url(page, "sign", petition.pk),
        {"code": codes[0], "full_name": "Other Person", "birth_year": "1971"},
    )
    assert response.status_code == 400
    assert Signature.objects.count() == 1


def test_a_signed_in_resident_signs_with_a_code_and_withdraws(
    client, post, index_page, frozen_now, resident
):
    """The year of birth comes from the profile (the form does not ask for it), and the
    signature is the resident's own: they can withdraw it."""
    page = make_petition_right(index_page, participation_codes=CodeUse.ACCOUNT_OR_CODE)
    petition = make_petition(page)
    _batch, codes = CodeBatch.generate("Town hall", 1, NOW + timedelta(days=30), page=page)
    client.force_login(resident)
    response = post(url(page, "sign", petition.pk), {"code": codes[0], "full_name": "Coda Person"})
    assert response.status_code == 302
    assert Signature.objects.get().channel == "code"
    response = post(url(page, "withdraw", petition.pk))
    assert "Your signature is withdrawn." in html(client.get(response["Location"]))
    petition.refresh_from_db()
    assert petition.signature_count == 0 and not Signature.objects.exists()


def test_same_person_as_a_paper_signature_is_refused(client, post, right):
    petition = make_petition(right)
    signing.add_paper_signature(
        petition,
        full_name="Jeanne Dupont",
        birth_year=1980,
        signed_on=NOW.date(),
        entered_by=None,
    )
    jeanne = make_resident("jeanne", birth_year=1980)
    client.force_login(jeanne)
    response = post(url(right, "sign", petition.pk), {"full_name": "DUPONT Jeanne"})
    assert response.status_code == 400
    assert "A signature with this name and year of birth is already counted" in html(response)
    assert Signature.objects.filter(petition=petition).count() == 1


def test_answered_petition_shows_answer_and_meetings(client, right, index_page):
    petition = make_petition(right, state="answered", answer="We will <b>act</b>.")
    live_meeting = index_page.add_child(instance=Page(title="Council of March", slug="council"))
    draft = index_page.add_child(instance=Page(title="Draft debate", slug="draft", live=False))
    petition.meetings.add(live_meeting, draft)
    content = html(client.get(url(right, "petition_detail", petition.pk)))
    assert "Answered by the council" in content
    assert "We will &lt;b&gt;act&lt;/b&gt;." in content
    assert "Council of March" in content
    assert "Draft debate" not in content
    assert "no longer takes signatures" in content


def test_detail_query_count_does_not_grow(
    client, right, resident, no_public_cache, django_assert_max_num_queries
):
    petition = make_petition(right)
    sign(petition, make_resident("first"), show_name=True)
    client.force_login(resident)
    client.get(url(right, "petition_detail", petition.pk))  # warm the site's caches
    with CaptureQueriesContext(connection) as few:
        assert client.get(url(right, "petition_detail", petition.pk)).status_code == 200
    for number in range(15):
        sign(petition, make_resident(f"signer{number}"), show_name=True)
    with django_assert_max_num_queries(len(few)):
        response = client.get(url(right, "petition_detail", petition.pk))
    assert "16 signatures of 1,000" in html(response)


def test_odd_addresses_and_filters_are_not_errors(client, right):
    petition = make_petition(right)
    assert client.get(url(right, "petition_detail", 2**70)).status_code == 404
    assert client.get(url(right, "signatories", 2**70)).status_code == 404
    response = client.get(url(right), {"status": "bogus", "theme": "nope", "page": "x"})
    assert response.status_code == 200
    assert petition.title in html(response)
    # A hidden petition has no public signatories page either.
    hidden = make_petition(right, "Hidden", state="under_review")
    assert client.get(url(right, "signatories", hidden.pk)).status_code == 404
