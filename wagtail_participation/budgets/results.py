"""From stored ballots to published results, through the pure rules in ``rules.py``.

``compute_results`` reads every ballot of every envelope (all channels together) and runs the
page's rule; ``publish_results`` stores what it computed, marks projects selected or not, and
makes the results public. The JSON shape is the one ``results.json`` and the
``participation_results`` command print.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wagtail_participation import caching

from . import rules
from .models import (
    BALLOT_STATUSES,
    Ballot,
    BallotChoice,
    BudgetProject,
    BudgetResult,
    ProjectStatus,
    ResultsRule,
)


class ResultsError(Exception):
    """Results cannot be computed or published now; the message says why."""


@dataclass
class EnvelopeResult:
    envelope: object
    outcome: object  # rules.Outcome
    projects: dict  # project key -> BudgetProject
    channel_counts: dict  # project key -> {"online": n, "paper": n, "imported": n}
    ballot_count: int


def project_key(project):
    """The project's id in results and Pabulib files: its imported id, else its own pk."""
    return project.external_id or str(project.pk)


def envelope_ballots(envelope):
    """Each ballot of ``envelope`` as the list of its project pks, in two queries.

    A ballot without choices (possible in imported files) still counts as a voter: equal
    shares gives every voter a share of the budget.
    """
    ballot_ids = (
        Ballot.objects.filter(envelope=envelope).order_by("pk").values_list("pk", flat=True)
    )
    ballots = {pk: [] for pk in ballot_ids.iterator(chunk_size=10000)}
    rows = (
        BallotChoice.objects.filter(ballot__envelope=envelope)
        .order_by("ballot_id")
        .values_list("ballot_id", "project_id")
    )
    for ballot_id, project_id in rows.iterator(chunk_size=10000):
        ballots[ballot_id].append(project_id)
    return ballots


def compute_envelope(page, envelope, rule=None):
    rule = rule or page.results_rule
    projects = {
        p.pk: p
        for p in BudgetProject.objects.filter(
            page=page, envelope=envelope, status__in=BALLOT_STATUSES
        )
    }
    keys = {pk: project_key(p) for pk, p in projects.items()}
    ballots = envelope_ballots(envelope)
    approvals = [[keys[pk] for pk in choice if pk in keys] for choice in ballots.values()]
    costs = {keys[pk]: p.estimated_cost for pk, p in projects.items()}
    threshold = page.vote_threshold if rule == ResultsRule.GREEDY_THRESHOLD else 0
    outcome = rules.compute(rule, costs, approvals, envelope.amount, threshold=threshold)
    counts = defaultdict(Counter)
    per_channel = (
        BallotChoice.objects.filter(ballot__envelope=envelope)
        .values_list("project_id", "ballot__channel")
        .annotate(total=Count("pk"))
        .order_by()
    )
    for project_id, channel, total in per_channel:
        if project_id in keys:
            counts[keys[project_id]][channel] += total
    return EnvelopeResult(
        envelope=envelope,
        outcome=outcome,
        projects={keys[pk]: p for pk, p in projects.items()},
        channel_counts={key: dict(c) for key, c in counts.items()},
        ballot_count=len(ballots),
    )


def compute_results(page, rule=None):
    return [compute_envelope(page, envelope, rule) for envelope in page.envelope_list]


def envelope_data(page, result):
    """What is stored and published for one envelope: the rule's outcome with project details."""
    data = rules.to_json(result.outcome)
    data["envelope"] = str(result.envelope.display_name)
    data["currency"] = page.currency
    data["ballots"] = result.ballot_count
    for item in data["projects"]:
        project = result.projects[item["project_id"]]
        counts = result.channel_counts.get(item["project_id"], {})
        item["title"] = project.title
        item["pk"] = project.pk
        item["online_votes"] = counts.get("online", 0)
        item["paper_votes"] = counts.get("paper", 0)
        item["imported_votes"] = counts.get("imported", 0)
    return data


@transaction.atomic
def publish_results(page, user=None, now=None, rule=None, require_vote_ended=True):
    """Compute, store and publish the results of every envelope; mark projects selected."""
    now = now or timezone.now()
    if require_vote_ended and not page.vote_has_ended(now):
        raise ResultsError(_("Results can be published once the vote has ended."))
    if page.results.filter(published_at__isnull=False).exists():
        raise ResultsError(_("The results of this budget are already published."))
    results = compute_results(page, rule)
    selected_pks, considered_pks = set(), set()
    for result in results:
        BudgetResult.objects.update_or_create(
            envelope=result.envelope,
            defaults={
                "page": page,
                "rule": result.outcome.rule,
                "data": envelope_data(page, result),
                "computed_at": now,
                "published_at": now,
                "published_by": user,
            },
        )
        selected = set(result.outcome.selected)
        for key, project in result.projects.items():
            considered_pks.add(project.pk)
            if key in selected:
                selected_pks.add(project.pk)
    undecided = [ProjectStatus.ON_BALLOT, ProjectStatus.SELECTED, ProjectStatus.NOT_SELECTED]
    page.projects.filter(pk__in=selected_pks, status__in=undecided).update(
        status=ProjectStatus.SELECTED
    )
    page.projects.filter(pk__in=considered_pks - selected_pks, status__in=undecided).update(
        status=ProjectStatus.NOT_SELECTED
    )
    page.__dict__.pop("published_results", None)
    caching.page_changed(page.pk)  # the projects' statuses changed with update()
    return results


@transaction.atomic
def withdraw_results(page):
    """Make published results private again (for example after a correction)."""
    page.results.update(published_at=None, published_by=None)
    page.__dict__.pop("published_results", None)
    caching.page_changed(page.pk)


def results_json(page, stored=None):
    """The published (or given) results as one JSON-safe dict covering every envelope."""
    stored = stored if stored is not None else page.published_results
    envelopes = [result.data for result in stored]
    budget = sum((Decimal(e["budget"]) for e in envelopes), Decimal(0))
    spent = sum((Decimal(e["spent"]) for e in envelopes), Decimal(0))
    return {
        "budget_page": page.title,
        "rule": page.results_rule if not envelopes else envelopes[0]["rule"],
        "currency": page.currency,
        "budget": str(budget),
        "spent": str(spent),
        "selected": [key for e in envelopes for key in e["selected"]],
        "projects": [item for e in envelopes for item in e["projects"]],
        "envelopes": envelopes,
    }
