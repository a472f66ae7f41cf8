"""Online voting on a participatory budget, as residents use it: the ballot, its confirmation,
the receipt, and every way a ballot is refused without storing anything."""

import html
import re
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django.utils.formats import number_format

from wagtail_participation.budgets.ballots import BallotRefused, cast_ballot
from wagtail_participation.budgets.models import (
    Ballot,
    BallotChoice,
    ProjectStatus,
)
from wagtail_participation.codes import CodeBatch, ParticipationCode, redeem_code
from wagtail_participation.models import CodeUse

from .budget_factories import (
    SUBMISSION_OPEN,
    VOTE_ENDED,
    make_budget,
    make_project,
    make_voter,
)
from .conftest import NOW

APPROVAL_PROJECTS = [
    ("Benches", 5000),
    ("Bike racks", 8000),
    ("Fountain", 30000),
    ("Library shelves", 60000),
]
KNAPSACK_PROJECTS = [("Park", 60000), ("Trees", 30000), ("Pond", 20000), ("Murals", 15000)]


# Fixtures and helpers --------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def empty_cache(db):
    """Rate limits count in the cache: start every test with none used."""
    cache.clear()
    yield
    cache.clear()


def with_projects(page, projects, envelope=None):
    page.p = {title: make_project(page, title, cost, envelope=envelope) for title, cost in projects}
    return page


@pytest.fixture
def approval(index_page, frozen_now):
    """Choose between 1 and 3 projects in a 100 000 EUR town-wide envelope."""
    page = make_budget(index_page, min_choices=1, max_choices=3)
    return with_projects(page, APPROVAL_PROJECTS)


@pytest.fixture
def knapsack(index_page, frozen_now):
    """The chosen projects must fit in 100 000 EUR and spend at least half of it."""
    page = make_budget(
        index_page,
        title="Budget vert",
        ballot_kind="knapsack",
        min_choices=1,
        max_choices=None,
        min_spend_percent=50,
    )
    return with_projects(page, KNAPSACK_PROJECTS)


@pytest.fixture
def voter(db):
    return make_voter("amina")


@pytest.fixture
def voter_client(client, voter):
    client.force_login(voter)
    return client


def vote_url(page):
    return page.url + "vote/"


def envelope_url(page, envelope=None):
    envelope = envelope or page.envelope_list[0]
    return f"{page.url}vote/{envelope.pk}/"


def ids(page, *titles):
    return [page.p[title].pk for title in titles]


def post_ballot(client, page, project_ids, action="review", envelope=None):
    return client.post(envelope_url(page, envelope), {"project": project_ids, "action": action})


def text(response):
    return html.unescape(response.content.decode())


def stored():
    return Ballot.objects.count(), BallotChoice.objects.count()


def money(amount):
    """The way amounts read in the current language, e.g. "100,000 EUR"."""
    return f"{number_format(amount, decimal_pos=0, force_grouping=True)} EUR"


def checked_ids(response):
    return {
        int(pk)
        for pk in re.findall(
            r'<input type="checkbox" name="project" value="(\d+)"[^>]* checked', text(response)
        )
    }


# Happy paths -----------------------------------------------------------------------------------


def test_approval_ballot_from_form_to_receipt(voter_client, voter, approval):
    response = voter_client.get(envelope_url(approval))
    assert response.status_code == 200
    page_html = text(response)
    assert "Choose between 1 and 3 projects." in page_html
    assert '<fieldset id="ballot-projects"' in page_html
    assert "<legend>Projects of “Whole town” (envelope: 100,000 EUR)</legend>" in page_html
    assert page_html.count('type="checkbox" name="project"') == 4
    assert "Benches</strong> – 5,000 EUR" in page_html
    assert "Description of Benches" in page_html
    assert f'href="{approval.url}projects/{approval.p["Benches"].pk}/"' in page_html
    assert 'role="status"' in page_html and "Choices left: 3 of 3." in page_html
    assert "ballot.js" in page_html

    chosen = ids(approval, "Benches", "Fountain")
    response = post_ballot(voter_client, approval, chosen)
    assert response.status_code == 200
    confirm_html = text(response)
    assert "Check your choices before you vote" in confirm_html
    assert "Benches" in confirm_html and "Fountain" in confirm_html
    assert "Bike racks" not in confirm_html
    assert "35,000 EUR" in confirm_html  # the total
    for pk in chosen:
        assert f'<input type="hidden" name="project" value="{pk}">' in confirm_html
    assert "Confirm my vote" in confirm_html and "Change my choices" in confirm_html
    assert stored() == (0, 0)

    response = post_ballot(voter_client, approval, chosen, action="confirm")
    assert response.status_code == 302
    ballot = Ballot.objects.get()
    assert response["Location"] == f"{approval.url}vote/receipt/{ballot.receipt}/"
    assert ballot.voter == voter and ballot.channel == "online"
    assert ballot.envelope == approval.envelope_list[0]
    assert sorted(ballot.choices.values_list("project_id", flat=True)) == sorted(chosen)

    receipt = voter_client.get(response["Location"])
    assert receipt.status_code == 200
    receipt_html = text(receipt)
    assert ballot.receipt in receipt_html
    assert "Whole town" in receipt_html and "Benches" in receipt_html
    assert "Keep your receipt number" in receipt_html and "cannot be changed" in receipt_html
    assert "March 15, 2026" in receipt_html

    again = voter_client.get(envelope_url(approval))
    assert again.status_code == 200
    assert "You have already voted in this envelope." in text(again)
    assert 'name="project"' not in text(again)
    assert ballot.receipt in text(again)


def test_knapsack_ballot_shows_the_running_total_and_is_cast(voter_client, voter, knapsack):
    response = voter_client.get(envelope_url(knapsack))
    page_html = text(response)
    assert "Your choices must fit in 100,000 EUR." in page_html
    assert "Spend at least 50,000 EUR (50% of the envelope)." in page_html
    assert "Your choices: 0 EUR of 100,000 EUR. Left to spend: 100,000 EUR." in page_html
    assert 'data-kind="knapsack"' in page_html and 'data-amount="100000.00"' in page_html
    assert 'data-cost="60000.00"' in page_html

    chosen = ids(knapsack, "Park", "Trees")
    confirm_html = text(post_ballot(voter_client, knapsack, chosen))
    assert "90,000 EUR (envelope: 100,000 EUR)" in confirm_html

    response = post_ballot(voter_client, knapsack, chosen, action="confirm")
    assert response.status_code == 302
    ballot = Ballot.objects.get()
    assert sorted(p.pk for p in ballot.projects.all()) == sorted(chosen)


def test_change_my_choices_brings_the_ballot_back_with_the_choices_kept(voter_client, approval):
    chosen = ids(approval, "Benches", "Library shelves")
    response = post_ballot(voter_client, approval, chosen, action="change")
    assert response.status_code == 200
    assert checked_ids(response) == set(chosen)
    assert "Choices left: 1 of 3." in text(response)
    assert stored() == (0, 0)


def test_the_vote_page_leads_straight_to_the_only_envelope(voter_client, approval):
    response = voter_client.get(vote_url(approval))
    assert response.status_code == 302
    assert response["Location"] == envelope_url(approval)


def test_ballot_posts_need_the_csrf_token(voter, approval):
    client = Client(enforce_csrf_checks=True)
    client.force_login(voter)
    response = post_ballot(client, approval, ids(approval, "Benches"), action="confirm")
    assert response.status_code == 403
    assert stored() == (0, 0)


def test_ballot_and_code_posts_are_rate_limited(client, code_budget, codes):
    limits = {"default": "30/m", "vote": "2/m"}
    with override_settings(
        WAGTAIL_PARTICIPATION={**django_settings.WAGTAIL_PARTICIPATION, "RATE_LIMITS": limits}
    ):
        answers = [enter_code(client, code_budget, "ACDE-FGHJK-MNPQR") for _ in range(2)]
        answers.append(enter_code(client, code_budget, codes[0]))
        answers.append(post_ballot(client, code_budget, ids(code_budget, "Benches"), "confirm"))
    assert [answer.status_code for answer in answers] == [400, 400, 429, 429]
    assert stored() == (0, 0)
    assert not ParticipationCode.objects.filter(used_at__isnull=False).exists()


# Refusals of the rule, through the views and through cast_ballot ------------------------------


def assert_refused_directly(page, project_ids, message, code, user, envelope=None, **kwargs):
    envelope = envelope or page.envelope_list[0]
    with pytest.raises(BallotRefused) as refused:
        cast_ballot(page, envelope, project_ids, user=user, **kwargs)
    assert message in refused.value.messages
    assert refused.value.code == code
    assert stored() == (0, 0)


def assert_refused_by_the_views(client, page, project_ids, message, envelope=None):
    for action in ("review", "confirm"):  # the confirmation step checks again
        response = post_ballot(client, page, project_ids, action=action, envelope=envelope)
        assert response.status_code == 400, action
        page_html = text(response)
        assert 'role="alert"' in page_html
        assert f'<a href="#ballot-projects">{message}</a>' in page_html
        assert '<fieldset id="ballot-projects"' in page_html
        assert stored() == (0, 0)
    return response


def test_too_many_projects(voter_client, voter, approval):
    chosen = ids(approval, "Benches", "Bike racks", "Fountain", "Library shelves")
    message = "Choose at most 3 projects."
    response = assert_refused_by_the_views(voter_client, approval, chosen, message)
    assert checked_ids(response) == set(chosen)  # the choices are kept
    assert "Too many choices: 4 chosen, 3 at most." in text(response)
    assert_refused_directly(approval, chosen, message, "rule", voter)


def test_too_few_projects(voter_client, voter, approval):
    message = "Choose at least 1 project."
    assert_refused_by_the_views(voter_client, approval, [], message)
    assert_refused_directly(approval, [], message, "rule", voter)


def test_over_the_envelope(voter_client, voter, knapsack):
    chosen = ids(knapsack, "Park", "Trees", "Pond")
    message = (
        "Your projects cost 110,000 EUR in all, more than the envelope of 100,000 EUR. "
        "Remove a project."
    )
    response = assert_refused_by_the_views(voter_client, knapsack, chosen, message)
    assert checked_ids(response) == set(chosen)
    assert "Your choices: 110,000 EUR, 10,000 EUR more than the envelope of 100,000 EUR." in text(
        response
    )
    assert_refused_directly(knapsack, chosen, message, "rule", voter)


def test_under_the_minimum_spend(voter_client, voter, knapsack):
    chosen = ids(knapsack, "Murals")
    message = (
        "Your projects cost 15,000 EUR in all; choose projects worth at least 50,000 EUR "
        "(50% of the envelope)."
    )
    assert_refused_by_the_views(voter_client, knapsack, chosen, message)
    assert_refused_directly(knapsack, chosen, message, "rule", voter)


def test_a_project_from_another_budget(voter_client, voter, approval, index_page):
    other = make_budget(index_page, title="Another budget")
    stranger = make_project(other, "Elsewhere", 1000)
    chosen = [approval.p["Benches"].pk, stranger.pk]
    message = "One of the chosen projects is not part of this budget."
    assert_refused_by_the_views(voter_client, approval, chosen, message)
    assert_refused_directly(approval, chosen, message, "rule", voter)


def test_something_that_is_not_a_project(voter_client, approval):
    response = voter_client.post(
        envelope_url(approval), {"project": ["abc", "99999999999999999999999"], "action": "confirm"}
    )
    assert response.status_code == 400
    assert "One of the chosen projects is not part of this budget." in text(response)
    assert stored() == (0, 0)


def test_a_project_from_another_envelope(client, index_page, neighbourhoods, frozen_now):
    page = make_budget(
        index_page, envelopes=((None, 100000), (neighbourhoods["centre"], 40000)), max_choices=3
    )
    town, centre = page.envelope_list
    square = make_project(page, "Town square", 20000, envelope=town)
    playground = make_project(page, "Centre playground", 10000, envelope=centre)
    user = make_voter("centre-voter", neighbourhood=neighbourhoods["centre"])
    client.force_login(user)
    chosen = [square.pk, playground.pk]
    message = "“Centre playground” is not in the envelope “Whole town”."
    page.p = {}
    assert_refused_by_the_views(client, page, chosen, message, envelope=town)
    assert_refused_directly(page, chosen, message, "rule", user, envelope=town)


@pytest.mark.parametrize("status", [ProjectStatus.NOT_ADMISSIBLE, ProjectStatus.SUBMITTED])
def test_a_project_that_is_not_on_the_ballot(voter_client, voter, approval, status):
    project = make_project(
        approval, "Car park", 9000, status=status, public_reason="Not a public space."
    )
    response = voter_client.get(envelope_url(approval))
    assert "Car park" not in text(response)
    chosen = [approval.p["Benches"].pk, project.pk]
    message = "“Car park” is not on the ballot."
    assert_refused_by_the_views(voter_client, approval, chosen, message)
    assert_refused_directly(approval, chosen, message, "rule", voter)


# Refusals of the vote itself -----------------------------------------------------------------


@pytest.mark.parametrize(
    "phases, message",
    [
        (
            SUBMISSION_OPEN,
            "The vote is not open yet: you can vote from April 24, 2026, noon to May 14, 2026, "
            "noon.",
        ),
        (VOTE_ENDED, "The vote is closed: it ended on March 13, 2026, noon."),
    ],
    ids=["before", "after"],
)
def test_outside_the_vote_phase(client, index_page, frozen_now, voter, phases, message):
    page = with_projects(make_budget(index_page, phases=phases), APPROVAL_PROJECTS)
    client.force_login(voter)
    start = client.get(vote_url(page))
    assert start.status_code == 200
    assert message in text(start)
    assert 'name="project"' not in text(start)

    ballot_page = client.get(envelope_url(page))
    assert ballot_page.status_code == 200
    assert message in text(ballot_page) and 'name="project"' not in text(ballot_page)

    response = post_ballot(client, page, ids(page, "Benches"), action="confirm")
    assert response.status_code == 403
    assert message in text(response)
    assert stored() == (0, 0)
    assert_refused_directly(
        page, ids(page, "Benches"), "Voting is not open on this budget.", "closed", voter
    )


def test_anyone_can_read_when_the_vote_closed(client, index_page, frozen_now):
    page = make_budget(index_page, phases=VOTE_ENDED)
    response = client.get(vote_url(page))
    assert response.status_code == 200
    assert "The vote is closed" in text(response)


def test_too_young(client, index_page, frozen_now):
    page = with_projects(make_budget(index_page, minimum_age=16), APPROVAL_PROJECTS)
    child = make_voter("young", birth_year=2015)
    client.force_login(child)
    message = (
        "This process is open to residents who turn 16 in 2026 or earlier. "
        "You can take part in processes from 2031."
    )
    start = client.get(vote_url(page))
    assert start.status_code == 200 and message in text(start)
    assert "Vote in “Whole town”" not in text(start)
    response = post_ballot(client, page, ids(page, "Benches"), action="confirm")
    assert response.status_code == 403 and message in text(response)
    assert stored() == (0, 0)
    assert_refused_directly(page, ids(page, "Benches"), message, "too_young", child)


def test_not_a_resident(client, index_page, frozen_now):
    page = with_projects(make_budget(index_page, residents_only=True), APPROVAL_PROJECTS)
    visitor = make_voter("visitor", resident=False)
    client.force_login(visitor)
    message = "This process is for residents of the town. If you live here, say so in your profile."
    start = text(client.get(vote_url(page)))
    assert message in start and "Complete my profile" in start
    response = post_ballot(client, page, ids(page, "Benches"), action="confirm")
    assert response.status_code == 403 and message in text(response)
    assert stored() == (0, 0)
    assert_refused_directly(page, ids(page, "Benches"), message, "not_resident", visitor)


def test_a_neighbourhood_envelope_that_is_not_theirs(
    client, index_page, neighbourhoods, frozen_now
):
    page = make_budget(
        index_page,
        voting_scope="neighbourhood",
        envelopes=((neighbourhoods["centre"], 40000), (neighbourhoods["riverside"], 40000)),
    )
    centre, riverside = page.envelope_list
    make_project(page, "Centre benches", 5000, envelope=centre)
    quay = make_project(page, "Riverside quay", 5000, envelope=riverside)
    resident = make_voter("centre-resident", neighbourhood=neighbourhoods["centre"])
    client.force_login(resident)

    start = client.get(vote_url(page))
    assert start.status_code == 302 and start["Location"] == envelope_url(page, centre)
    ballot_page = client.get(envelope_url(page, riverside))
    assert ballot_page.status_code == 403
    assert "You cannot vote in this envelope." in text(ballot_page)
    response = post_ballot(client, page, [quay.pk], action="confirm", envelope=riverside)
    assert response.status_code == 403
    assert "You cannot vote in this envelope." in text(response)
    assert stored() == (0, 0)
    page.p = {}
    assert_refused_directly(
        page,
        [quay.pk],
        "You cannot vote in this envelope.",
        "envelope_not_allowed",
        resident,
        envelope=riverside,
    )


def test_a_second_ballot_in_the_same_envelope(voter_client, voter, approval):
    first = ids(approval, "Benches")
    assert post_ballot(voter_client, approval, first, action="confirm").status_code == 302
    before = stored()
    message = "You have already voted in the envelope “Whole town”. A ballot cannot be changed."
    for action in ("review", "confirm"):
        response = post_ballot(voter_client, approval, ids(approval, "Fountain"), action=action)
        assert response.status_code == 409
        assert message in text(response)
        assert stored() == before
    with pytest.raises(BallotRefused) as refused:
        cast_ballot(approval, approval.envelope_list[0], ids(approval, "Fountain"), user=voter)
    assert refused.value.code == "already_voted" and message in refused.value.messages
    assert stored() == before
    assert list(Ballot.objects.get().choices.values_list("project_id", flat=True)) == first


def test_an_anonymous_visitor_is_asked_to_sign_in(client, approval):
    response = client.get(vote_url(approval))
    assert response.status_code == 200
    assert "Sign in to take part." in text(response)
    assert "/accounts/login/?next=" in text(response)
    assert "participation_code" not in text(response)
    response = post_ballot(client, approval, ids(approval, "Benches"), action="confirm")
    assert response.status_code == 403
    assert stored() == (0, 0)


# Participation codes ---------------------------------------------------------------------------


@pytest.fixture
def code_budget(approval):
    approval.participation_codes = CodeUse.ACCOUNT_OR_CODE
    approval.save(update_fields=["participation_codes"])
    return approval


@pytest.fixture
def codes(code_budget):
    _batch, plain = CodeBatch.generate(
        "Town hall", 3, expires_at=NOW + timedelta(days=30), page=code_budget
    )
    return plain


def enter_code(client, page, code):
    return client.post(vote_url(page), {"participation_code": code})


def test_voting_with_a_code_without_an_account(client, code_budget, codes):
    start = text(client.get(vote_url(code_budget)))
    assert "enter the participation code the town gave you" in start
    assert 'name="participation_code"' in start

    response = enter_code(client, code_budget, codes[0].lower())
    assert response.status_code == 302
    assert response["Location"] == vote_url(code_budget)  # the code stays out of the address
    assert client.get(vote_url(code_budget))["Location"] == envelope_url(code_budget)

    chosen = ids(code_budget, "Bike racks", "Fountain")
    assert "Check your choices" in text(post_ballot(client, code_budget, chosen))
    response = post_ballot(client, code_budget, chosen, action="confirm")
    assert response.status_code == 302
    assert codes[0] not in response["Location"]

    ballot = Ballot.objects.get()
    code = ParticipationCode.objects.get(used_at__isnull=False)
    assert ballot.voter is None and ballot.participation_code == code
    assert code.used_on_page_id == code_budget.pk
    assert sorted(ballot.choices.values_list("project_id", flat=True)) == sorted(chosen)

    receipt = client.get(response["Location"])
    assert receipt.status_code == 200 and ballot.receipt in text(receipt)
    assert "You have already voted" in text(client.get(envelope_url(code_budget)))
    assert ballot.receipt in text(client.get(vote_url(code_budget)))

    other_browser = Client()
    assert other_browser.get(response["Location"]).status_code == 404


def test_a_code_ballot_that_breaks_the_rule_leaves_the_code_unused(client, code_budget, codes):
    enter_code(client, code_budget, codes[0])
    too_many = ids(code_budget, "Benches", "Bike racks", "Fountain", "Library shelves")
    response = post_ballot(client, code_budget, too_many, action="confirm")
    assert response.status_code == 400
    assert "Choose at most 3 projects." in text(response)
    assert stored() == (0, 0)
    assert not ParticipationCode.objects.filter(used_at__isnull=False).exists()

    envelope = code_budget.envelope_list[0]
    with pytest.raises(BallotRefused):
        cast_ballot(code_budget, envelope, too_many, code_text=codes[0])
    assert not ParticipationCode.objects.filter(used_at__isnull=False).exists()


def test_a_wrong_code(client, code_budget, codes):
    message = "This participation code does not exist. Check how you typed it."
    response = enter_code(client, code_budget, "ACDE-FGHJK-MNPQR")
    assert response.status_code == 400
    assert message in text(response)
    assert 'aria-invalid="true"' in text(response)
    assert post_ballot(client, code_budget, ids(code_budget, "Benches"), "confirm").status_code == (
        403
    )
    assert stored() == (0, 0)
    with pytest.raises(BallotRefused) as refused:
        cast_ballot(
            code_budget, code_budget.envelope_list[0], ids(code_budget, "Benches"), code_text="nope"
        )
    assert refused.value.code == "code_unknown" and message in refused.value.messages
    assert stored() == (0, 0)
    assert not ParticipationCode.objects.filter(used_at__isnull=False).exists()


def test_a_used_code(client, code_budget, codes):
    message = "This participation code has already been used."
    redeem_code(codes[0], page=code_budget)
    response = enter_code(client, code_budget, codes[0])
    assert response.status_code == 400 and message in text(response)
    with pytest.raises(BallotRefused) as refused:
        cast_ballot(
            code_budget,
            code_budget.envelope_list[0],
            ids(code_budget, "Benches"),
            code_text=codes[0],
        )
    assert refused.value.code == "code_used" and message in refused.value.messages
    assert stored() == (0, 0)


def test_a_code_used_in_another_browser_during_the_vote(client, code_budget, codes):
    enter_code(client, code_budget, codes[0])
    other_browser = Client()
    enter_code(other_browser, code_budget, codes[0])
    assert (
        post_ballot(other_browser, code_budget, ids(code_budget, "Benches"), "confirm").status_code
        == 302
    )

    response = post_ballot(client, code_budget, ids(code_budget, "Fountain"), action="confirm")
    assert response.status_code == 403
    assert "This participation code has already been used." in text(response)
    assert 'name="participation_code"' in text(response)  # another code can be entered
    assert stored() == (1, 1)
    assert ParticipationCode.objects.filter(used_at__isnull=False).count() == 1


def test_codes_are_not_offered_on_an_accounts_only_budget(client, approval, codes):
    approval.participation_codes = CodeUse.ACCOUNTS_ONLY
    approval.save(update_fields=["participation_codes"])
    response = enter_code(client, approval, codes[0])
    assert response.status_code == 200
    assert "Sign in to take part." in text(response)
    assert 'name="participation_code"' not in text(response)
    assert not ParticipationCode.objects.filter(used_at__isnull=False).exists()


# Receipts --------------------------------------------------------------------------------------


def test_a_receipt_is_only_shown_to_its_voter(voter_client, approval, client):
    post_ballot(voter_client, approval, ids(approval, "Benches"), action="confirm")
    ballot = Ballot.objects.get()
    url = f"{approval.url}vote/receipt/{ballot.receipt}/"
    assert voter_client.get(url).status_code == 200
    assert voter_client.get(url.replace(ballot.receipt, ballot.receipt.lower())).status_code == 200
    assert Client().get(url).status_code == 404
    someone_else = Client()
    someone_else.force_login(make_voter("someone"))
    assert someone_else.get(url).status_code == 404
    assert voter_client.get(f"{approval.url}vote/receipt/0000000000000000/").status_code == 404


# Voting scope "both" -----------------------------------------------------------------------


def test_one_ballot_in_the_town_envelope_and_one_in_their_neighbourhood(
    client, index_page, neighbourhoods, frozen_now
):
    page = make_budget(
        index_page,
        voting_scope="both",
        envelopes=(
            (None, 100000),
            (neighbourhoods["centre"], 40000),
            (neighbourhoods["riverside"], 40000),
        ),
    )
    town, centre, riverside = page.envelope_list
    square = make_project(page, "Town square", 20000, envelope=town)
    playground = make_project(page, "Centre playground", 10000, envelope=centre)
    make_project(page, "Riverside quay", 10000, envelope=riverside)
    resident = make_voter("both", neighbourhood=neighbourhoods["centre"])
    client.force_login(resident)

    start = text(client.get(vote_url(page)))
    assert "Vote in “Whole town”" in start and "Vote in “Centre”" in start
    assert "Riverside" not in start
    assert "100,000 EUR" in start and "40,000 EUR" in start

    page.p = {}
    assert post_ballot(client, page, [square.pk], "confirm", envelope=town).status_code == 302
    start = text(client.get(vote_url(page)))
    assert "Vote in “Whole town”" not in start and "Vote in “Centre”" in start
    assert Ballot.objects.get().receipt in start
    assert post_ballot(client, page, [playground.pk], "confirm", envelope=centre).status_code == 302
    assert Ballot.objects.filter(voter=resident).count() == 2
    assert {b.envelope_id for b in Ballot.objects.all()} == {town.pk, centre.pk}
    response = post_ballot(client, page, [square.pk], "confirm", envelope=town)
    assert response.status_code == 409
    assert Ballot.objects.count() == 2


def test_a_code_gives_one_ballot_whatever_the_envelopes(
    client, index_page, neighbourhoods, frozen_now
):
    """A code is used once: its holder picks one envelope, even where residents with an
    account vote town-wide and in their neighbourhood (voting scope "both")."""
    page = make_budget(
        index_page,
        voting_scope="both",
        participation_codes=CodeUse.ACCOUNT_OR_CODE,
        envelopes=((None, 100000), (neighbourhoods["centre"], 40000)),
    )
    town, centre = page.envelope_list
    square = make_project(page, "Town square", 20000, envelope=town)
    playground = make_project(page, "Centre playground", 10000, envelope=centre)
    _batch, plain = CodeBatch.generate("Kiosk", 1, expires_at=NOW + timedelta(days=30), page=page)
    enter_code(client, page, plain[0])
    start = text(client.get(vote_url(page)))
    assert "Your participation code gives you one ballot: choose the envelope" in start
    assert "Vote in “Whole town”" in start and "Vote in “Centre”" in start

    page.p = {}
    assert post_ballot(client, page, [square.pk], "confirm", envelope=town).status_code == 302
    response = post_ballot(client, page, [playground.pk], "confirm", envelope=centre)
    assert response.status_code == 403
    assert stored() == (1, 1)


# Performance and language -------------------------------------------------------------------


def test_ballot_query_count_does_not_grow_with_projects(
    voter_client, approval, django_assert_max_num_queries
):
    make_project(approval, "Fifth", 1000)
    voter_client.get(envelope_url(approval))  # the site root paths, the session
    with CaptureQueriesContext(connection) as few:
        response = voter_client.get(envelope_url(approval))
    assert text(response).count('name="project"') == 5

    for n in range(35):
        make_project(approval, f"Project {n:02d}", 1000 + n)
    with django_assert_max_num_queries(len(few)):
        response = voter_client.get(envelope_url(approval))
    assert text(response).count('name="project"') == 40


def test_the_vote_in_french(client, voter, approval):
    start = text(client.get(vote_url(approval), HTTP_ACCEPT_LANGUAGE="fr"))
    assert "Connectez-vous pour participer." in start
    assert "Qui peut participer" in start

    client.force_login(voter)
    response = client.get(envelope_url(approval), HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 200
    with translation.override("fr"):
        assert money(100000) in text(response)
        assert money(100000) != "100,000 EUR"
    chosen = ids(approval, "Benches")
    confirm = client.post(
        envelope_url(approval), {"project": chosen, "action": "review"}, HTTP_ACCEPT_LANGUAGE="fr"
    )
    assert confirm.status_code == 200
    response = client.post(
        envelope_url(approval), {"project": chosen, "action": "confirm"}, HTTP_ACCEPT_LANGUAGE="fr"
    )
    assert response.status_code == 302
    receipt = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="fr")
    assert receipt.status_code == 200 and Ballot.objects.get().receipt in text(receipt)
