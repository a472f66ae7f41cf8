"""What a participatory budget reports to restitution pages and to "My participation"."""

import itertools
from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from wagtail_participation import outcomes
from wagtail_participation.budgets.models import (
    Ballot,
    BallotChannel,
    BallotChoice,
    BudgetPage,
    BudgetProject,
    ImplementationUpdate,
    ProjectStatus,
)
from wagtail_participation.budgets.outcomes import budget_participation
from wagtail_participation.budgets.results import publish_results
from wagtail_participation.outcomes import Figure

from .budget_factories import VOTE_ENDED, make_budget, make_project, make_voter

pytestmark = pytest.mark.django_db

keys = itertools.count(1)


def vote(page, envelope, projects, channel=BallotChannel.ONLINE, voter=None, key=None):
    ballot = Ballot.objects.create(
        page=page,
        envelope=envelope,
        voter_key=key or (f"user:{voter.pk}" if voter else f"{channel}:{next(keys)}"),
        voter=voter,
        channel=channel,
    )
    ballot.projects.add(*projects)
    return ballot


def fresh(page):
    return BudgetPage.objects.get(pk=page.pk)


def project_url(page, project):
    return page.url + page.reverse_subpage("project_detail", args=[project.pk])


@pytest.fixture
def people(db):
    return {name: make_voter(name) for name in ["alice", "bob", "carol", "dave", "erin", "frank"]}


@pytest.fixture
def budget(index_page, neighbourhoods, people, frozen_now):
    """Envelopes Centre 50 000, Riverside 30 000 and the whole town 100 000.

    Projects (public unless said): Centre: Benches 20 000 (alice), Fountain 40 000 (bob);
    Riverside: Trees 10 000 (staff, no proposer), Skate park (erin, still submitted: not
    public); town: Library (carol, not admissible), Bike lanes 60 000 (alice).
    Ballots: Centre: alice, bob, code 1 (online); Riverside: paper 1, imported voter 7;
    town: code 1 again, dave (online), paper 2.
    """
    centre, riverside = neighbourhoods["centre"], neighbourhoods["riverside"]
    page = make_budget(
        index_page,
        phases=VOTE_ENDED,
        envelopes=((centre, 50000), (riverside, 30000), (None, 100000)),
    )
    env_centre, env_riverside, env_town = page.envelope_list
    p = {
        "benches": make_project(page, "Benches", 20000, env_centre, proposer=people["alice"]),
        "fountain": make_project(page, "Fountain", 40000, env_centre, proposer=people["bob"]),
        "trees": make_project(page, "Trees", 10000, env_riverside),
        "skate": make_project(
            page,
            "Skate park",
            5000,
            env_riverside,
            status=ProjectStatus.SUBMITTED,
            proposer=people["erin"],
        ),
        "library": make_project(
            page,
            "Library",
            500000,
            env_town,
            status=ProjectStatus.NOT_ADMISSIBLE,
            public_reason="Beyond the envelope.",
            proposer=people["carol"],
        ),
        "bikes": make_project(page, "Bike lanes", 60000, env_town, proposer=people["alice"]),
    }
    vote(page, env_centre, [p["benches"], p["fountain"]], voter=people["alice"])
    vote(page, env_centre, [p["benches"]], voter=people["bob"])
    vote(page, env_centre, [p["benches"], p["fountain"]], key="code:1")
    vote(page, env_riverside, [p["trees"]], channel=BallotChannel.PAPER)
    vote(page, env_riverside, [p["trees"]], channel=BallotChannel.IMPORTED, key="imported:7")
    vote(page, env_town, [p["bikes"]], key="code:1")
    vote(page, env_town, [p["bikes"]], voter=people["dave"])
    vote(page, env_town, [p["bikes"]], channel=BallotChannel.PAPER)
    page.p = p
    return page


@pytest.fixture
def other_budget(index_page, people, frozen_now):
    """Another budget: frank's project, his ballot and a paper ballot must never leak."""
    page = make_budget(index_page, title="Other budget", phases=VOTE_ENDED)
    envelope = page.envelope_list[0]
    project = make_project(page, "Elsewhere", 1000, envelope, proposer=people["frank"])
    vote(page, envelope, [project], voter=people["frank"])
    vote(page, envelope, [project], channel=BallotChannel.PAPER)
    ImplementationUpdate.objects.create(project=project, date=date(2026, 3, 1), text="Other")
    publish_results(page)
    return page


@pytest.fixture
def published(budget, other_budget):
    """Greedy results: Centre funds Benches (3 votes), then Fountain no longer fits in the
    30 000 left; Riverside funds Trees; the town funds Bike lanes. Then Benches is done and
    Bike lanes in progress, with implementation updates (and one on Fountain, not funded)."""
    publish_results(budget)
    p = budget.p
    BudgetProject.objects.filter(pk=p["benches"].pk).update(status=ProjectStatus.DONE)
    BudgetProject.objects.filter(pk=p["bikes"].pk).update(status=ProjectStatus.IN_PROGRESS)
    for project, day, text, progress in [
        (p["bikes"], date(2026, 3, 15), "Paint", 40),
        (p["benches"], date(2026, 2, 20), "Installed", 100),
        (p["bikes"], date(2026, 3, 1), "Works ordered", 10),
        (p["fountain"], date(2026, 3, 2), "Never", 0),
    ]:
        ImplementationUpdate.objects.create(project=project, date=day, text=text, progress=progress)
    page = fresh(budget)
    page.p = p
    return page


def ids(*users):
    return {user.pk for user in users}


class TestFigures:
    def test_every_figure(self, budget, other_budget, people):
        figures = fresh(budget).outcome_figures()
        # participants: accounts alice, bob, carol (proposers of public projects; erin's is
        # still submitted) and dave (online voter) = 4, plus code 1 (two ballots, one key),
        # two paper ballots and imported voter 7 = 4; frank is on the other budget.
        # projects: Benches, Fountain, Trees, Library, Bike lanes (not Skate park) = 5.
        # online: alice, bob, code 1 in Centre; imported 7 in Riverside; code 1, dave in town.
        assert figures == [
            Figure("participants", 8),
            Figure("projects", 5, (("Centre", 2), ("Riverside", 1))),
            Figure("ballots_online", 6, (("Centre", 3), ("Riverside", 1))),
            Figure("ballots_paper", 2, (("Centre", 0), ("Riverside", 1))),
        ]
        assert [str(f.label) for f in figures] == [
            "Participants",
            "Projects submitted",
            "Online ballots",
            "Paper ballots",
        ]

    def test_town_only_budget_has_no_breakdown(self, other_budget):
        # frank proposed and voted online (1 account) + one paper ballot.
        assert fresh(other_budget).outcome_figures() == [
            Figure("participants", 2),
            Figure("projects", 1),
            Figure("ballots_online", 1),
            Figure("ballots_paper", 1),
        ]

    def test_participant_ids(self, budget, other_budget, people):
        assert fresh(budget).outcome_participant_ids() == ids(
            people["alice"], people["bob"], people["carol"], people["dave"]
        )


class TestBeforeResults:
    def test_only_the_review_is_decided(self, budget, other_budget):
        page = fresh(budget)
        [library] = page.outcome_decisions()
        assert library.title == "Library"
        assert library.status == "not_admissible"
        assert library.status_label == "Not admissible"
        assert library.justification == "Beyond the envelope."
        assert library.citizen is False
        assert library.decided_at is None
        assert library.neighbourhood == ""
        assert page.outcome_results() == []

    def test_milestones_are_the_phases(self, budget):
        milestones = fresh(budget).outcome_milestones()
        assert [(str(m.title), m.date, m.status) for m in milestones] == [
            ("Contributions", date(2025, 12, 15), "done"),
            ("Vote", date(2026, 2, 13), "done"),
            ("Results", date(2026, 3, 14), "in_progress"),
        ]

    def test_ballots_have_no_outcome_yet(self, budget, people):
        [ballot] = [i for i in budget_participation(people["alice"]) if i.action == "ballot"]
        assert ballot.title == "Vote: Centre"
        assert ballot.outcome == ""
        assert ballot.url == budget.url


class TestAfterResults:
    def test_decisions(self, published, frozen_now):
        page, p = published, published.p
        decisions = page.outcome_decisions()
        # Decided by the results (in submission order), then the review, which has no date.
        assert [
            (d.title, d.status, str(d.status_label), d.citizen, d.neighbourhood) for d in decisions
        ] == [
            ("Benches", "done", "Done", True, "Centre"),
            ("Fountain", "not_selected", "Not selected", False, "Centre"),
            ("Trees", "selected", "Selected", False, "Riverside"),
            ("Bike lanes", "in_progress", "In progress", True, ""),
            ("Library", "not_admissible", "Not admissible", False, ""),
        ]
        assert {d.kind for d in decisions} == {"project"}
        assert decisions[0].url == project_url(page, p["benches"])
        assert decisions[0].decided_at == frozen_now
        assert decisions[-1].justification == "Beyond the envelope."

    def test_results(self, published):
        page, p = published, published.p
        results = page.outcome_results()
        results_url = page.url + "results/"
        assert [(r.name, r.amount, r.spent, r.currency, r.results_url) for r in results] == [
            ("Centre", Decimal(50000), Decimal(20000), "EUR", results_url),
            ("Riverside", Decimal(30000), Decimal(10000), "EUR", results_url),
            ("Whole town", Decimal(100000), Decimal(60000), "EUR", results_url),
        ]
        assert [[(f.title, f.cost, f.url) for f in r.selected] for r in results] == [
            [("Benches", Decimal(20000), project_url(page, p["benches"]))],
            [("Trees", Decimal(10000), project_url(page, p["trees"]))],
            [("Bike lanes", Decimal(60000), project_url(page, p["bikes"]))],
        ]
        assert results[0].spent_percent == 40

    def test_milestones_merge_phases_and_updates(self, published):
        page, p = published, published.p
        milestones = page.outcome_milestones()
        # Fountain was not funded: its update is left out; so is the other budget's.
        assert [(str(m.title), m.date, m.status, m.progress) for m in milestones] == [
            ("Contributions", date(2025, 12, 15), "done", None),
            ("Vote", date(2026, 2, 13), "done", None),
            ("Benches", date(2026, 2, 20), "done", 100),
            ("Bike lanes", date(2026, 3, 1), "in_progress", 10),
            ("Results", date(2026, 3, 14), "in_progress", None),
            ("Bike lanes", date(2026, 3, 15), "in_progress", 40),
        ]
        assert milestones[2].description == "Installed"
        assert milestones[2].url == project_url(page, p["benches"])


class TestMyParticipation:
    def items(self, user):
        return sorted(
            (i.action, i.title, i.outcome, i.process_title) for i in budget_participation(user)
        )

    def test_each_resident_sees_only_their_own(self, published, people):
        budget = "Budget citoyen 2026"
        assert self.items(people["alice"]) == [
            ("ballot", "Vote: Centre", "Funded: Benches", budget),
            ("project", "Benches", "Done", budget),
            ("project", "Bike lanes", "In progress", budget),
        ]
        assert self.items(people["bob"]) == [
            ("ballot", "Vote: Centre", "Funded: Benches", budget),
            ("project", "Fountain", "Not selected", budget),
        ]
        assert self.items(people["carol"]) == [
            ("project", "Library", "Not admissible: Beyond the envelope.", budget),
        ]
        assert self.items(people["erin"]) == [("project", "Skate park", "Submitted", budget)]
        assert self.items(people["frank"]) == [
            ("ballot", "Vote: Whole town", "Funded: Elsewhere", "Other budget"),
            ("project", "Elsewhere", "Selected", "Other budget"),
        ]

    def test_urls_and_dates(self, published, people, frozen_now):
        page, p = published, published.p
        items = {i.title: i for i in budget_participation(people["alice"])}
        assert items["Benches"].url == project_url(page, p["benches"])
        assert items["Benches"].process_url == page.url
        assert items["Benches"].date == p["benches"].created_at
        assert items["Vote: Centre"].url == page.url + "results/"
        assert str(items["Vote: Centre"].action_label) == "Vote"

    def test_no_funded_choice(self, published, people):
        page = published
        ballot = Ballot.objects.get(page=page, voter=people["bob"])
        BallotChoice.objects.filter(ballot=ballot).delete()
        ballot.projects.add(page.p["fountain"])
        [item] = [i for i in budget_participation(people["bob"]) if i.action == "ballot"]
        assert item.outcome == "None of the projects you chose was funded."

    def test_unpublished_budget_is_left_out(self, published, people):
        published.unpublish()
        assert self.items(people["alice"]) == []
        assert len(self.items(people["frank"])) == 2

    def test_anonymous_sees_nothing(self, published):
        from django.contrib.auth.models import AnonymousUser

        assert budget_participation(AnonymousUser()) == []

    def test_registered_as_budgets(self):
        assert outcomes._participation_sources["budgets"] is budget_participation


# Query counts ---------------------------------------------------------------------------------


def bulk_budget(index_page, size):
    """A budget with ``size`` projects, proposers, online ballots and paper ballots, and an
    implementation update for each project, all created with bulk_create."""
    page = make_budget(index_page, title=f"Bulk {size}", phases=VOTE_ENDED)
    envelope = page.envelope_list[0]
    users = get_user_model().objects.bulk_create(
        get_user_model()(username=f"bulk-{size}-{i}") for i in range(size)
    )
    projects = BudgetProject.objects.bulk_create(
        BudgetProject(
            page=page,
            envelope=envelope,
            title=f"Project {i}",
            description="-",
            estimated_cost=Decimal(10),
            status=ProjectStatus.ON_BALLOT,
            proposer=user,
        )
        for i, user in enumerate(users)
    )
    ballots = Ballot.objects.bulk_create(
        [
            Ballot(
                page=page,
                envelope=envelope,
                voter=u,
                voter_key=f"user:{u.pk}",
                receipt=f"O{size}-{i}",
            )
            for i, u in enumerate(users)
        ]
        + [
            Ballot(
                page=page,
                envelope=envelope,
                voter_key=f"paper:{i}",
                channel=BallotChannel.PAPER,
                receipt=f"P{size}-{i}",
            )
            for i in range(size)
        ]
    )
    BallotChoice.objects.bulk_create(
        BallotChoice(ballot=ballot, project=projects[i % size]) for i, ballot in enumerate(ballots)
    )
    publish_results(page)
    ImplementationUpdate.objects.bulk_create(
        ImplementationUpdate(project=project, text="Started", progress=10) for project in projects
    )
    return fresh(page), users[0]


def count_queries(func):
    with CaptureQueriesContext(connection) as context:
        func()
    return len(context.captured_queries)


def all_outcomes(page):
    return [
        page.outcome_figures(),
        page.outcome_decisions(),
        page.outcome_results(),
        page.outcome_milestones(),
        page.outcome_participant_ids(),
    ]


# Queries of each method once the sites' root paths are cached: figures: envelopes, projects
# and ballots per envelope, account ids, anonymous voters; decisions: results, root paths,
# projects; results: results, root paths; milestones: phases, root paths, updates; participant
# ids: one union; "My participation": projects, ballots and their choices, results, root paths.
QUERIES = {
    "outcome_figures": 5,
    "outcome_decisions": 3,
    "outcome_results": 2,
    "outcome_milestones": 3,
    "outcome_participant_ids": 1,
}


@pytest.mark.parametrize("size", [10, 1000])
def test_queries_do_not_grow_with_projects_and_ballots(
    index_page, frozen_now, django_assert_num_queries, size
):
    page, user = bulk_budget(index_page, size)
    # Every project fits (cost 10 each) and is funded: the budget reports ``size`` of each.
    figures, decisions, results, milestones, participant_ids = all_outcomes(fresh(page))
    assert figures[0] == Figure("participants", 2 * size)
    assert figures[2] == Figure("ballots_online", size)
    assert len(decisions) == size
    assert len(results[0].selected) == size
    assert len(milestones) == size + 3  # and the three phases of VOTE_ENDED
    assert len(participant_ids) == size
    for method, queries in QUERIES.items():
        page = fresh(page)
        with django_assert_num_queries(queries):
            getattr(page, method)()
    # The same resident proposed every project: still five queries.
    BudgetProject.objects.filter(page=page).update(proposer=user)
    with django_assert_num_queries(5):
        assert len(budget_participation(user)) == size + 1
