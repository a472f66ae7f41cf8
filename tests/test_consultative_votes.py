"""The public side of a consultative vote, as residents use it: the page always says the vote
is consultative, one vote per resident (with an account or a single-use code), no count before
the vote closes, results and turnout afterwards, and a ballot nobody can trace to its voter."""

import uuid
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection, models
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from wagtail.test.utils.form_data import querydict_from_html

from wagtail_participation.codes import CodeBatch
from wagtail_participation.models import CodeUse
from wagtail_participation.petitions.models import VoteBallot, VoteParticipation
from wagtail_participation.petitions.votes import cast_vote
from wagtail_participation.status import PhaseKind

from .conftest import NOW, phase
from .petition_factories import VOTE_ENDED, make_resident, make_vote, option

pytestmark = pytest.mark.django_db

YES, NO, LATER = "Yes, create it", "No, keep things as they are", "Ask again next year"
STATEMENT = (
    "This vote is consultative: its result does not bind the council, which will consider it "
    "and give its decision in public."
)
RESULTS_TABLE = "participation-vote-results"
AFTER_THE_VOTE = NOW + timedelta(days=15)  # VOTE_OPEN ends on day 14


# Fixtures and helpers ----------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def empty_cache(db):
    """Rate limits and public pages live in the cache: start every test with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def vote(index_page, frozen_now):
    return make_vote(
        index_page,
        options=(YES, NO, LATER),
        next_steps="The council debates the result on 12 April and decides.",
        intro="The town asks whether it should create a municipal police force.",
    )


@pytest.fixture
def resident(db):
    return make_resident("ines")


@pytest.fixture
def post(client):
    def do_post(page, data, **kwargs):
        return client.post(page.url + page.reverse_subpage("vote"), data, **kwargs)

    return do_post


def html(response):
    return response.content.decode()


def reload(page):
    return type(page).objects.get(pk=page.pk)


def api_results(client, page):
    response = client.get(f"/api/v2/pages/{page.pk}/", {"fields": "public_results"})
    assert response.status_code == 200
    return response.json()["public_results"]


def add_votes(page, counts):
    """Ballots stored directly, ``counts`` maps option labels to a number of votes."""
    participations, ballots = [], []
    for label, count in counts.items():
        chosen = option(page, label)
        for _ in range(count):
            participations.append(
                VoteParticipation(page=page, voter_key=f"test:{len(participations)}")
            )
            ballots.append(VoteBallot(page=page, option=chosen))
    VoteParticipation.objects.bulk_create(participations)
    VoteBallot.objects.bulk_create(ballots)


# The statement and the page ----------------------------------------------------------------------


def test_the_vote_is_said_to_be_consultative_before_during_and_after(
    client, index_page, time_machine, resident
):
    time_machine.move_to(NOW, tick=False)
    upcoming = make_vote(index_page, "Upcoming", phases=[phase(PhaseKind.VOTE, 5, 12)])
    running = make_vote(index_page, "Running", next_steps="The council decides on 12 April.")
    ended = make_vote(index_page, "Ended", phases=VOTE_ENDED)
    for page in (upcoming, running, ended):
        content = html(client.get(page.url))
        assert STATEMENT in content
    client.force_login(resident)
    content = html(client.get(running.url))
    assert STATEMENT in content
    assert "The council decides on 12 April." in content
    assert content.index(STATEMENT) < content.index("The council decides on 12 April.")
    assert "The council debates the result." in content  # the editors' impact statement
    # Before the vote: when it opens, and no form.
    content = html(client.get(upcoming.url))
    assert "The vote is not open yet: you can vote from" in content
    assert 'name="option"' not in content


def test_the_page_shows_question_options_phases_and_who_may_vote(client, index_page, frozen_now):
    page = make_vote(
        index_page,
        options=(YES, NO),
        minimum_age=16,
        residents_only=True,
        participation_codes=CodeUse.ACCOUNT_OR_CODE,
    )
    content = html(client.get(page.url))
    assert "Should the town create a municipal police force?" in content
    assert "The vote is open until" in content
    assert "Phases" in content
    assert "From the year they turn 16." in content
    assert "Only people who live in the town." in content
    assert "or with a participation code from the town" in content
    assert content.count('type="radio" name="option"') == 2
    assert 'name="code"' in content


def test_visitors_get_a_sign_in_link_and_a_cacheable_page_on_accounts_only_votes(
    client, vote, post
):
    content = html(client.get(vote.url))
    assert "Sign in to vote" in content
    assert 'name="option"' not in content
    assert "csrfmiddlewaretoken" not in content
    response = post(vote, {"option": option(vote, YES).pk})
    assert response.status_code == 302
    assert "login" in response["Location"]
    assert not VoteParticipation.objects.exists() and not VoteBallot.objects.exists()


# Voting once -------------------------------------------------------------------------------------


def test_a_resident_votes_once_and_cannot_vote_again(client, vote, resident, post):
    client.force_login(resident)
    content = html(client.get(vote.url))
    assert content.count('type="radio" name="option"') == 3
    assert 'name="code"' not in content  # accounts only

    response = post(vote, {"option": option(vote, YES).pk}, follow=True)
    content = html(response)
    assert "Your vote is counted." in content
    assert "You have voted. Your choice is secret and cannot be changed." in content
    assert 'name="option"' not in content
    assert VoteParticipation.objects.filter(page=vote, user=resident).count() == 1
    assert list(VoteBallot.objects.values_list("option__label", flat=True)) == [YES]

    response = post(vote, {"option": option(vote, NO).pk}, follow=True)
    assert "You have already voted. A vote cannot be changed." in html(response)
    assert VoteParticipation.objects.count() == 1
    assert list(VoteBallot.objects.values_list("option__label", flat=True)) == [YES]


def test_a_vote_after_the_close_is_refused(client, index_page, time_machine, resident, post):
    time_machine.move_to(NOW, tick=False)
    page = make_vote(index_page, options=(YES, NO))
    time_machine.move_to(AFTER_THE_VOTE, tick=False)
    client.force_login(resident)
    response = post(page, {"option": option(page, YES).pk})
    assert response.status_code == 400
    assert "This vote is not open." in html(response)
    assert not VoteBallot.objects.exists()


@pytest.mark.parametrize("bad", ["", "abc", "999999", "-1", str(2**70), "1.5"])
def test_a_bad_option_is_refused(client, vote, resident, post, bad):
    client.force_login(resident)
    response = post(vote, {"option": bad})
    assert response.status_code == 400
    assert "Choose one of the options." in html(response)
    assert not VoteParticipation.objects.exists() and not VoteBallot.objects.exists()


def test_an_option_of_another_vote_is_refused(client, index_page, vote, resident, post):
    other = make_vote(index_page, "Other vote", options=("Maybe", "Never"))
    client.force_login(resident)
    response = post(vote, {"option": option(other, "Maybe").pk})
    assert response.status_code == 400
    assert "Choose one of the options." in html(response)
    assert not VoteBallot.objects.exists()


def test_the_refusal_is_in_the_residents_language(client, vote, resident, post):
    client.force_login(resident)
    response = post(vote, {"option": "nope"}, HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 400
    content = html(response)
    assert response["Content-Language"] == "fr"
    assert "Qui peut participer" in content  # the page is in French
    assert "Choisissez l&#x27;une des options." in content


# No count before the close -----------------------------------------------------------------------


def test_no_count_nor_turnout_before_the_vote_closes(client, index_page, time_machine, resident):
    time_machine.move_to(NOW, tick=False)
    page = make_vote(index_page, options=(YES, NO), registered_voters=10)
    add_votes(page, {YES: 2, NO: 1})
    cast_vote(page, option(page, YES).pk, user=resident)
    for signed_in in (False, True):
        if signed_in:
            client.force_login(resident)
        content = html(client.get(page.url))
        assert RESULTS_TABLE not in content
        for leak in ("3 votes", "4 votes", "75.0", "40.0", "Turnout", "Total"):
            assert leak not in content
        assert "published once the vote has closed" in content
    assert api_results(client, page) is None

    time_machine.move_to(AFTER_THE_VOTE, tick=False)
    client.logout()
    content = html(client.get(page.url))
    assert RESULTS_TABLE in content
    assert api_results(client, page)["votes"] == 4


def test_results_and_percentages_after_the_close(client, index_page, time_machine):
    time_machine.move_to(NOW, tick=False)
    page = make_vote(index_page, options=(YES, NO, LATER))
    add_votes(page, {YES: 2, NO: 1})
    time_machine.move_to(AFTER_THE_VOTE, tick=False)
    content = html(client.get(page.url))
    assert "<table" in content and "<caption>" in content and 'scope="col"' in content
    assert STATEMENT in content
    assert "66.7%" in content and "33.3%" in content and "0.0%" in content
    assert "2 votes" in content and "1 vote<" in content and "0 votes" in content
    assert "3 votes" in content  # the total
    assert 'value="66.7"' in content  # the bar, beside its text
    assert f"The option with the most votes: “{YES}”, 66.7%." in content
    assert 'name="option"' not in content
    assert "Turnout" not in content  # no number of registered voters given
    assert api_results(client, page) == {
        "votes": 3,
        "registered_voters": None,
        "turnout_percent": None,
        "options": [
            {"label": YES, "votes": 2, "percent": 66.7},
            {"label": NO, "votes": 1, "percent": 33.3},
            {"label": LATER, "votes": 0, "percent": 0.0},
        ],
    }


def test_a_tie_is_said_to_be_a_tie(client, index_page, time_machine):
    time_machine.move_to(NOW, tick=False)
    page = make_vote(index_page, options=(YES, NO, LATER))
    add_votes(page, {YES: 2, NO: 2, LATER: 1})
    time_machine.move_to(AFTER_THE_VOTE, tick=False)
    content = html(client.get(page.url))
    assert f"Tie between “{YES}”, “{NO}”, with 2 votes each." in content
    assert "The option with the most votes" not in content


def test_turnout_with_registered_voters(client, index_page, time_machine):
    time_machine.move_to(NOW, tick=False)
    page = make_vote(index_page, options=(YES, NO), registered_voters=1200)
    add_votes(page, {YES: 200, NO: 100})
    time_machine.move_to(AFTER_THE_VOTE, tick=False)
    content = html(client.get(page.url))
    assert "Turnout: 25.0% of the 1,200 residents who could vote." in content
    assert api_results(client, page)["turnout_percent"] == 25.0


def test_a_closed_vote_without_votes(client, index_page, frozen_now):
    page = make_vote(index_page, options=(YES, NO), phases=VOTE_ENDED)
    content = html(client.get(page.url))
    assert "Nobody voted." in content
    assert "0 votes" in content


# Eligibility -------------------------------------------------------------------------------------


def test_too_young_residents_are_told_before_and_refused(client, index_page, frozen_now, post):
    page = make_vote(index_page, options=(YES, NO), minimum_age=18)
    young = make_resident("young", birth_year=NOW.year - 14)
    client.force_login(young)
    content = html(client.get(page.url))
    assert "open to residents who turn 18" in content
    assert 'name="option"' not in content
    response = post(page, {"option": option(page, YES).pk})
    assert response.status_code == 400
    assert "open to residents who turn 18" in html(response)
    assert not VoteParticipation.objects.exists() and not VoteBallot.objects.exists()


def test_non_residents_are_told_before_and_refused(client, index_page, frozen_now, post):
    page = make_vote(index_page, options=(YES, NO), residents_only=True)
    visitor = make_resident("visitor", resident=False)
    client.force_login(visitor)
    content = html(client.get(page.url))
    assert 'class="participation-refusals"' in content
    assert 'name="option"' not in content
    response = post(page, {"option": option(page, YES).pk})
    assert response.status_code == 400
    assert 'class="participation-errors"' in html(response)
    assert not VoteBallot.objects.exists()
    # A resident of the town votes.
    client.force_login(make_resident("local"))
    assert post(page, {"option": option(page, YES).pk}).status_code == 302
    assert VoteBallot.objects.count() == 1


# Codes -------------------------------------------------------------------------------------------


def test_a_code_votes_once(client, index_page, frozen_now, post):
    page = make_vote(index_page, options=(YES, NO), participation_codes=CodeUse.CODE_REQUIRED)
    _batch, codes = CodeBatch.generate("Town hall", 2, NOW + timedelta(days=30), page=page)
    content = html(client.get(page.url))
    assert 'name="code"' in content and 'name="option"' in content
    # Without a code (and without an account): the sign-in page.
    assert "login" in post(page, {"option": option(page, YES).pk})["Location"]
    assert not VoteBallot.objects.exists()

    response = post(page, {"option": option(page, YES).pk, "code": codes[0]})
    assert response.status_code == 302
    participation = VoteParticipation.objects.get()
    assert participation.user is None and participation.participation_code is not None
    assert VoteBallot.objects.get().option.label == YES

    response = post(page, {"option": option(page, NO).pk, "code": codes[0]})
    assert response.status_code == 400
    assert 'class="participation-errors"' in html(response)
    assert VoteParticipation.objects.count() == 1
    assert list(VoteBallot.objects.values_list("option__label", flat=True)) == [YES]

    # The other code still votes.
    assert post(page, {"option": option(page, NO).pk, "code": codes[1]}).status_code == 302
    assert VoteBallot.objects.count() == 2


def test_a_signed_in_resident_cannot_vote_again_with_a_code(client, index_page, frozen_now, post):
    page = make_vote(index_page, options=(YES, NO), participation_codes=CodeUse.ACCOUNT_OR_CODE)
    _batch, codes = CodeBatch.generate("Town hall", 1, NOW + timedelta(days=30), page=page)
    client.force_login(make_resident("twice"))
    assert post(page, {"option": option(page, YES).pk}).status_code == 302
    post(page, {"option": option(page, YES).pk, "code": codes[0]})
    assert VoteBallot.objects.count() == 1


def test_a_wrong_code_is_refused(client, index_page, frozen_now, post):
    page = make_vote(index_page, options=(YES, NO), participation_codes=CodeUse.ACCOUNT_OR_CODE)
    response = post(page, {"option": option(page, YES).pk, "code": "NOPE-NOPE-NOPE"})
    assert response.status_code == 400
    assert 'class="participation-errors"' in html(response)
    assert not VoteParticipation.objects.exists() and not VoteBallot.objects.exists()


# The secret of the vote --------------------------------------------------------------------------


def test_a_ballot_cannot_be_traced_to_its_voter(client, vote, post):
    fields = {field.name: field for field in VoteBallot._meta.get_fields()}
    assert set(fields) == {"id", "page", "option"}
    assert not any(
        isinstance(field, models.DateField | models.TimeField) for field in fields.values()
    )
    assert fields["page"].related_model is type(vote)
    assert isinstance(fields["id"], models.UUIDField)
    voters = [make_resident(f"secret{n}") for n in range(6)]
    for number, voter in enumerate(voters):
        client.force_login(voter)
        assert post(vote, {"option": option(vote, YES if number % 2 else NO).pk}).status_code == 302
    ballots = list(VoteBallot.objects.all())
    assert len(ballots) == VoteParticipation.objects.count() == 6
    # Random ids: nothing in them tells the order in which residents voted.
    assert all(isinstance(ballot.pk, uuid.UUID) and ballot.pk.version == 4 for ballot in ballots)


# Editors and options -----------------------------------------------------------------------------


def test_options_can_change_before_any_vote_but_not_once_voted(vote, resident):
    page = reload(vote)
    options = list(page.vote_options.all())
    options[2].label = "Decide later"
    page.vote_options = options
    page.full_clean()  # no vote yet: renaming is fine
    page.save()
    page = reload(vote)
    assert page.option_labels == [YES, NO, "Decide later"]

    cast_vote(page, option(page, YES).pk, user=resident)
    page = reload(vote)
    options = list(page.vote_options.all())
    options[0].label = "Yes, of course"
    page.vote_options = options
    with pytest.raises(ValidationError, match=f"Residents have already voted for “{YES}”"):
        page.full_clean()

    page = reload(vote)
    page.vote_options = [o for o in page.vote_options.all() if o.label != YES]
    with pytest.raises(ValidationError, match="cannot be removed or renamed"):
        page.full_clean()

    # An option nobody voted for can still go.
    page = reload(vote)
    page.vote_options = [o for o in page.vote_options.all() if o.label != "Decide later"]
    page.full_clean()


def edit_data(client, page):
    edit_url = reverse("wagtailadmin_pages:edit", args=[page.pk])
    return querydict_from_html(html(client.get(edit_url)), form_id="page-edit-form").dict()


def edit_options(client, page, change):
    """Send the admin edit form of ``page`` as it is, after ``change(data)``."""
    edit_url = reverse("wagtailadmin_pages:edit", args=[page.pk])
    data = querydict_from_html(html(client.get(edit_url)), form_id="page-edit-form")
    data["action-publish"] = "action-publish"
    change(data)
    return client.post(edit_url, data)


def test_the_admin_renames_an_option_before_any_vote(client, vote, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("editor", "e@x.org", "pw"))
    key = label_key(client, vote, LATER)
    response = edit_options(client, vote, lambda data: data.__setitem__(key, "Later"))
    assert response.status_code == 302
    assert reload(vote).option_labels == [YES, NO, "Later"]


def label_key(client, page, label):
    return next(
        key
        for key, value in edit_data(client, page).items()
        if key.endswith("-label") and value == label
    )


@pytest.mark.parametrize("change", ["rename", "remove"])
def test_the_admin_refuses_to_change_a_voted_option(
    client, vote, resident, django_user_model, change
):
    client.force_login(django_user_model.objects.create_superuser("editor", "e@x.org", "pw"))
    cast_vote(vote, option(vote, YES).pk, user=resident)
    key = label_key(client, vote, YES)
    if change == "rename":
        response = edit_options(client, vote, lambda data: data.__setitem__(key, "Yes!"))
    else:
        delete_key = key.replace("-label", "-DELETE")
        response = edit_options(client, vote, lambda data: data.__setitem__(delete_key, "1"))
    assert response.status_code == 200
    assert "Residents have already voted for" in html(response)
    assert reload(vote).option_labels == [YES, NO, LATER]
    assert VoteBallot.objects.get().option.label == YES


def test_a_hostile_label_is_escaped(client, index_page, time_machine, resident):
    time_machine.move_to(NOW, tick=False)
    hostile = "<script>alert(1)</script>"
    page = make_vote(index_page, options=(hostile, NO))
    page.vote_options.filter(label=hostile).update(description=f"Really {hostile}")
    client.force_login(resident)
    content = html(client.get(page.url))
    assert hostile not in content
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in content
    add_votes(page, {hostile: 2, NO: 1})
    time_machine.move_to(AFTER_THE_VOTE, tick=False)
    content = html(client.get(page.url))
    assert hostile not in content
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in content


# Query counts ------------------------------------------------------------------------------------


@pytest.mark.parametrize("when", ["open", "closed"])
def test_page_queries_do_not_grow_with_votes(
    client, index_page, time_machine, resident, no_public_cache, django_assert_max_num_queries, when
):
    time_machine.move_to(NOW, tick=False)
    few_page = make_vote(index_page, "Few votes", options=(YES, NO, LATER))
    many_page = make_vote(index_page, "Many votes", options=(YES, NO, LATER))
    add_votes(few_page, {YES: 2, NO: 1})
    add_votes(many_page, {YES: 150, NO: 100, LATER: 50})
    if when == "closed":
        time_machine.move_to(AFTER_THE_VOTE, tick=False)
    client.force_login(resident)
    for page in (few_page, many_page):
        client.get(page.url)  # warm up the session and site caches
    with CaptureQueriesContext(connection) as few:
        assert client.get(few_page.url).status_code == 200
    with django_assert_max_num_queries(len(few)):
        response = client.get(many_page.url)
    if when == "closed":
        assert "300 votes" in html(response)
    else:
        assert "300 votes" not in html(response)
