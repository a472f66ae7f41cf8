"""The public results of a participatory budget: the page, results.json and the Pabulib file."""

import itertools
import json
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from wagtail_participation.budgets import pabulib
from wagtail_participation.budgets.models import (
    Ballot,
    BallotChannel,
    BallotChoice,
    BudgetPage,
    ResultsRule,
)
from wagtail_participation.budgets.results import publish_results, results_json, withdraw_results

from .budget_factories import VOTE_ENDED, VOTE_OPEN, make_budget, make_project, make_voter

pytestmark = pytest.mark.django_db

voter_numbers = itertools.count(1)


def vote(page, projects, channel=BallotChannel.ONLINE, envelope=None, voter=None):
    """A stored ballot (the ballot rules are tested with cast_ballot elsewhere)."""
    ballot = Ballot.objects.create(
        page=page,
        envelope=envelope or projects[0].envelope,
        voter_key=f"{channel}:{next(voter_numbers)}",
        voter=voter,
        channel=channel,
    )
    # In the order given: projects.add() goes through a set, whose order follows the ids.
    BallotChoice.objects.bulk_create(BallotChoice(ballot=ballot, project=p) for p in projects)
    return ballot


def fresh(page):
    return BudgetPage.objects.get(pk=page.pk)


def results_url(page):
    return page.url + page.reverse_subpage("results")


def json_url(page):
    return page.url + page.reverse_subpage("results_json")


def pb_url(page):
    return page.url + page.reverse_subpage("export_pb")


@pytest.fixture
def budget(index_page, frozen_now):
    """100 000 EUR; Benches (3 votes: 2 online, 1 on paper) is funded, Fountain (2 votes) no
    longer fits, Trees (1 vote) still fits, Skate park has no vote."""
    page = make_budget(index_page, title="Budget citoyen 2026", phases=VOTE_ENDED)
    benches = make_project(page, "Benches", 60000)
    fountain = make_project(page, "Fountain", 50000)
    trees = make_project(page, "Trees", 30000)
    skate = make_project(page, "Skate park", 20000)
    vote(page, [benches, fountain], voter=make_voter("alice_account"))
    vote(page, [benches, trees])
    vote(page, [benches, fountain], channel=BallotChannel.PAPER)
    page.test_projects = {"benches": benches, "fountain": fountain, "trees": trees, "skate": skate}
    return page


def published(page):
    publish_results(page)
    return fresh(page)


# Before publication -------------------------------------------------------------------------


def test_before_publication_the_page_says_when_results_come_and_shows_no_figure(
    client, index_page, frozen_now
):
    page = make_budget(index_page, phases=VOTE_OPEN)  # results phase 20 days after NOW
    make_project(page, "Benches", 60000)
    response = client.get(results_url(page))
    assert response.status_code == 200
    content = response.content.decode()
    assert "The results are not published yet." in content
    assert "The results will be published on April 4, 2026." in content
    assert "Benches" not in content
    assert "<table" not in content


def test_before_publication_results_json_and_the_pb_file_do_not_exist(client, budget):
    assert client.get(json_url(budget)).status_code == 404
    assert client.get(pb_url(budget)).status_code == 404
    response = client.get(results_url(budget))
    assert "the results will be published once they have been checked" in response.content.decode()


def test_withdrawn_results_are_no_longer_public(client, budget):
    page = published(budget)
    withdraw_results(page)
    page = fresh(page)
    assert client.get(json_url(page)).status_code == 404
    assert client.get(pb_url(page)).status_code == 404
    assert "not published yet" in client.get(results_url(page)).content.decode()


# The results page ---------------------------------------------------------------------------


def table_rows(content):
    """The project rows of the results table, as plain text cells."""
    body = content.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    rows = []
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S):
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        rows.append([re.sub(r"<[^>]+>", "", cell).strip() for cell in cells])
    return rows


def test_results_table_lists_every_project_with_votes_cost_and_why(client, budget):
    page = published(budget)
    content = client.get(results_url(page)).content.decode()
    header = content.split("<thead>", 1)[1].split("</thead>", 1)[0]
    for column in ("Rank", "Project", "Cost", "Votes", "Online", "On paper", "Funded", "Why"):
        assert f'<th scope="col">{column}</th>' in header
    assert table_rows(content) == [
        ["1", "Benches", "60,000 EUR", "3", "2", "1", "Yes",
         "Funded: it fitted in the 100,000 EUR left when its turn came."],
        ["2", "Fountain", "50,000 EUR", "2", "1", "1", "No",
         "Not funded: it costs 50,000 EUR and only 40,000 EUR was left when its turn came."],
        ["3", "Trees", "30,000 EUR", "1", "1", "0", "Yes",
         "Funded: it fitted in the 40,000 EUR left when its turn came."],
        ["4", "Skate park", "20,000 EUR", "0", "0", "0", "No",
         "Not funded: it received no votes."],
    ]  # fmt: skip
    assert "<caption>Projects, in the order the rule considered them</caption>" in content
    project_url = page.url + page.reverse_subpage(
        "project_detail", args=(budget.test_projects["benches"].pk,)
    )
    assert f'<a href="{project_url}">Benches</a>' in content


def test_results_page_gives_totals_online_and_paper_ballots_and_the_rule(client, budget):
    page = published(budget)
    content = client.get(results_url(page)).content.decode()
    assert "Results of “Budget citoyen 2026”" in content
    assert "90,000 EUR" in content  # allocated: Benches and Trees
    assert "2 of 4 projects on the ballot" in content
    assert "3 in all: 2 online, 1 on paper" in content
    assert "Projects are taken in order of votes, most votes first." in content
    assert "When two projects have the same number of votes, the cheaper one comes first" in content


def test_the_chart_draws_one_bar_per_project_and_leaves_the_table_to_screen_readers(client, budget):
    page = published(budget)
    content = client.get(results_url(page)).content.decode()
    svg = content.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert 'aria-hidden="true"' in svg
    assert svg.count("<rect") == 4
    assert 'width="85.00%"' in svg  # Benches, the most votes, has the longest bar
    assert 'width="0.00%"' in svg  # Skate park, no votes
    assert svg.count("✓ funded") == 2
    assert "The table below gives the same figures." in content


def test_the_page_links_to_results_json_and_the_pb_file(client, budget):
    page = published(budget)
    content = client.get(results_url(page)).content.decode()
    assert f'href="{json_url(page)}"' in content
    assert f'href="{pb_url(page)}"' in content
    assert "budget-citoyen-2026.pb" in content


def test_a_threshold_is_explained_and_given_as_the_reason(client, index_page, frozen_now):
    page = make_budget(
        index_page,
        phases=VOTE_ENDED,
        results_rule=ResultsRule.GREEDY_THRESHOLD,
        vote_threshold=2,
    )
    library = make_project(page, "Library", 1000)
    garden = make_project(page, "Garden", 1000)
    vote(page, [library, garden])
    vote(page, [library])
    page = published(page)
    content = client.get(results_url(page)).content.decode()
    assert "A project needs at least 2 votes to be funded." in content
    rows = {row[1]: row for row in table_rows(content)}
    assert rows["Garden"][-1] == "Not funded: fewer votes than the minimum of 2 votes."
    assert rows["Library"][-2] == "Yes"


def test_equal_shares_shows_effective_support_and_explains_the_shares(
    client, index_page, frozen_now
):
    page = make_budget(
        index_page,
        phases=VOTE_ENDED,
        envelopes=((None, 100),),
        results_rule=ResultsRule.EQUAL_SHARES,
    )
    square = make_project(page, "Square", 60)
    playground = make_project(page, "Playground", 40)
    pool = make_project(page, "Pool", 50)
    for _ in range(3):
        vote(page, [square])
    for _ in range(2):
        vote(page, [playground])
    vote(page, [pool])
    page = published(page)
    content = client.get(results_url(page)).content.decode()
    assert '<th scope="col">Effective support</th>' in content
    assert "Method of Equal Shares" in content
    assert "(“add1” completion)" in content
    rows = {row[1]: row for row in table_rows(content)}
    assert rows["Square"][-1] == "Funded in round 1, with an effective support of 3.0 voters."
    assert rows["Square"][-3] == "3.0"
    assert rows["Pool"][-2] == "No"
    assert rows["Pool"][-1].startswith("Not funded: its supporters had only ")
    assert rows["Pool"][-1].endswith("left of their equal shares, less than its cost of 50 EUR.")


def test_several_envelopes_get_a_section_each(client, index_page, neighbourhoods, frozen_now):
    page = make_budget(
        index_page,
        phases=VOTE_ENDED,
        envelopes=((None, 100000), (neighbourhoods["centre"], 20000)),
    )
    town, centre = page.envelope_list
    vote(page, [make_project(page, "Tram stop shelter", 40000, envelope=town)])
    vote(page, [make_project(page, "Centre benches", 5000, envelope=centre)])
    vote(page, [make_project(page, "Centre lights", 30000, envelope=centre)])
    page = published(page)
    content = client.get(results_url(page)).content.decode()
    assert "Envelope: Whole town" in content
    assert "Envelope: Centre" in content
    assert "Projects of the envelope “Centre”, in the order the rule considered them" in content
    assert content.count("<table") == 2
    assert f'href="{pb_url(page)}?envelope={centre.pk}"' in content
    assert "Not funded: it costs 30,000 EUR and only 15,000 EUR was left" in content


def test_the_results_page_costs_the_same_queries_for_many_projects_and_ballots(
    client, index_page, frozen_now, django_assert_max_num_queries
):
    small = make_budget(index_page, title="Small budget", phases=VOTE_ENDED)
    projects = [make_project(small, f"Small {n}", 1000) for n in range(3)]
    vote(small, projects[:2])
    small = published(small)
    client.get(results_url(small))  # fills the site's caches
    with CaptureQueriesContext(connection) as queries:
        assert client.get(results_url(small)).status_code == 200
    small_count = len(queries)

    large = make_budget(index_page, title="Large budget", phases=VOTE_ENDED)
    projects = [make_project(large, f"Large {n}", 1000 + n) for n in range(40)]
    for number in range(150):
        vote(large, projects[number % 40 : number % 40 + 5], channel=BallotChannel.PAPER)
    large = published(large)
    client.get(results_url(large))  # publishing the page emptied the site's caches
    with django_assert_max_num_queries(small_count):
        response = client.get(results_url(large))
    assert response.content.decode().count("<rect") == 40


# results.json ---------------------------------------------------------------------------------


def test_results_json_is_the_published_data_under_its_file_name(client, budget):
    page = published(budget)
    response = client.get(json_url(page))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert 'filename="results.json"' in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data == json.loads(json.dumps(results_json(page)))
    projects = budget.test_projects
    assert data["selected"] == [str(projects["benches"].pk), str(projects["trees"].pk)]
    assert data["spent"] == "90000"
    benches = data["projects"][0]
    assert (benches["votes"], benches["online_votes"], benches["paper_votes"]) == (3, 2, 1)


# The Pabulib file -----------------------------------------------------------------------------


def checker_errors(text):
    from pabulib.checker import Checker

    results = Checker().process_files([text])
    (per_file,) = [v for k, v in results.items() if k not in ("metadata", "summary")]
    return per_file["results"]


def test_the_pb_file_holds_anonymous_ballots_and_the_published_selection(client, budget):
    page = published(budget)
    response = client.get(pb_url(page))
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="budget-citoyen-2026.pb"'
    text = response.content.decode()
    election = pabulib.parse(text)
    projects = budget.test_projects
    ids = {name: str(project.pk) for name, project in projects.items()}
    assert [row["voter_id"] for row in election.votes] == ["1", "2", "3"]
    assert list(election.approvals()) == [
        [ids["benches"], ids["fountain"]],
        [ids["benches"], ids["trees"]],
        [ids["benches"], ids["fountain"]],
    ]
    assert [row["voting_method"] for row in election.votes] == ["internet", "internet", "paper"]
    assert {row["project_id"]: row["selected"] for row in election.projects} == {
        ids["benches"]: "1",
        ids["fountain"]: "0",
        ids["trees"]: "1",
        ids["skate"]: "0",
    }
    assert election.meta["budget"] == "100000"
    assert election.meta["rule"] == "greedy"
    assert election.meta["date_begin"] == "13.02.2026"  # the vote phase: NOW - 30 days
    assert election.meta["date_end"] == "13.03.2026"  # ends at NOW - 2 days, 12:00
    assert election.meta["currency"] == "EUR"
    assert "alice" not in text.lower()
    assert "online:" not in text and "paper:" not in text


def test_the_pb_file_passes_the_pabulib_checker(client, budget):
    page = published(budget)
    findings = checker_errors(client.get(pb_url(page)).content.decode())
    assert findings["errors"] == {}


def test_with_several_envelopes_the_pb_export_asks_which_one(
    client, index_page, neighbourhoods, frozen_now
):
    page = make_budget(
        index_page,
        phases=VOTE_ENDED,
        envelopes=((None, 100000), (neighbourhoods["centre"], 20000)),
    )
    town, centre = page.envelope_list
    vote(page, [make_project(page, "Tram stop shelter", 40000, envelope=town)])
    benches = make_project(page, "Centre benches", 5000, envelope=centre)
    vote(page, [benches])
    page = published(page)

    choice = client.get(pb_url(page))
    assert choice.status_code == 400
    content = choice.content.decode()
    assert f'<a href="{pb_url(page)}?envelope={town.pk}">Whole town</a>' in content
    assert f'<a href="{pb_url(page)}?envelope={centre.pk}">Centre</a>' in content

    response = client.get(pb_url(page), {"envelope": centre.pk})
    assert response.status_code == 200
    assert f'filename="{page.slug}-{centre.pk}.pb"' in response["Content-Disposition"]
    election = pabulib.parse(response.content)
    assert election.meta["subunit"] == "Centre"
    assert election.meta["budget"] == "20000"
    assert [row["project_id"] for row in election.projects] == [str(benches.pk)]

    assert client.get(pb_url(page), {"envelope": 999999}).status_code == 404
    assert client.get(pb_url(page), {"envelope": "centre"}).status_code == 404


def test_projects_off_the_ballot_are_not_in_the_pb_file(client, budget):
    from wagtail_participation.budgets.models import ProjectStatus

    make_project(budget, "Secret draft", 100, status=ProjectStatus.SUBMITTED)
    make_project(
        budget,
        "Refused",
        100,
        status=ProjectStatus.NOT_ADMISSIBLE,
        public_reason="Not on public land.",
    )
    page = published(budget)
    text = client.get(pb_url(page)).content.decode()
    assert "Secret draft" not in text and "Refused" not in text
    assert pabulib.parse(text).meta["num_projects"] == "4"
    assert Decimal(pabulib.parse(text).meta["budget"]) == Decimal(100000)
