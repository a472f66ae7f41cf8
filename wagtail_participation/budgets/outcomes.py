"""What a participatory budget reports back to restitution pages (``outcomes.OutcomeSource``).

``BudgetPage.outcome_*`` delegate here. Only public projects count (a fresh submission is not
public, see ``PUBLIC_STATUSES``); every function runs a fixed number of queries whatever the
number of projects and ballots.
"""

from collections import Counter
from decimal import Decimal

from django.db.models import Count
from django.utils.translation import gettext

from wagtail_participation.outcomes import (
    Decision,
    EnvelopeResult,
    Figure,
    FundedItem,
    Milestone,
    ParticipationItem,
    share_site_root_paths,
)

from .models import (
    PUBLIC_STATUSES,
    Ballot,
    BallotChannel,
    BudgetProject,
    BudgetResult,
    ImplementationUpdate,
    ProjectStatus,
)

FUNDED_STATUSES = (ProjectStatus.SELECTED, ProjectStatus.IN_PROGRESS, ProjectStatus.DONE)
# Being on the ballot is not a decision yet; a fresh submission is not public.
DECIDED_STATUSES = (
    *FUNDED_STATUSES,
    ProjectStatus.NOT_SELECTED,
    ProjectStatus.NOT_ADMISSIBLE,
)


# URLs -----------------------------------------------------------------------------------------


def page_url(page):
    return page.url or ""


def project_url(page, project_pk, base=None):
    base = page_url(page) if base is None else base
    if not base:
        return ""
    return base + page.reverse_subpage("project_detail", args=[project_pk])


def results_url(page, base=None):
    base = page_url(page) if base is None else base
    return base + page.reverse_subpage("results") if base else ""


# Figures --------------------------------------------------------------------------------------


def by_neighbourhood(envelopes, counts):
    """``(neighbourhood name, count)`` pairs by neighbourhood name; the town-wide envelope, which
    belongs to no neighbourhood, is left out."""
    totals = {}
    local = [e for e in envelopes if not e.is_town_wide]
    for envelope in sorted(local, key=lambda e: (e.neighbourhood.name, e.neighbourhood_id)):
        name = envelope.neighbourhood.name
        totals[name] = totals.get(name, 0) + counts.get(envelope.pk, 0)
    return tuple(totals.items())


def public_projects(page):
    return BudgetProject.objects.filter(page=page, status__in=PUBLIC_STATUSES)


def participant_ids(page):
    """Accounts that proposed a public project or cast an online ballot, in one query."""
    proposers = (
        public_projects(page)
        .filter(proposer__isnull=False)
        .values_list("proposer_id", flat=True)
        .order_by()
    )
    voters = (
        Ballot.objects.filter(page=page, voter__isnull=False)
        .values_list("voter_id", flat=True)
        .order_by()
    )
    return set(proposers.union(voters))


def anonymous_voter_count(page):
    """Voters without an account: one per participation code (a code voting in two envelopes
    keeps its key), one per paper ballot, one per voter of an imported file, one per deleted
    account."""
    return Ballot.objects.filter(page=page, voter__isnull=True).aggregate(
        n=Count("voter_key", distinct=True)
    )["n"]


def budget_figures(page):
    """Participants, public projects, online and paper ballots, in five queries.

    **Participants** are the accounts that proposed a public project or voted online, plus
    the voters without an account (participation codes, paper ballots, imported files), which
    cannot be matched with accounts: a resident who proposed a project and voted on paper
    counts twice. **Imported** ballots (a Pabulib file, usually from another online voting
    platform) are counted with the online ones; code ballots are cast online too.
    Projects and ballots are also given per neighbourhood, by their envelope.
    """
    envelopes = page.envelope_list
    projects = dict(
        public_projects(page).values_list("envelope_id").annotate(n=Count("pk")).order_by()
    )
    online, paper = Counter(), Counter()
    ballots = (
        Ballot.objects.filter(page=page)
        .values_list("envelope_id", "channel")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for envelope_id, channel, count in ballots:
        (paper if channel == BallotChannel.PAPER else online)[envelope_id] += count
    participants = len(participant_ids(page)) + anonymous_voter_count(page)
    return [
        Figure("participants", participants),
        Figure("projects", sum(projects.values()), by_neighbourhood(envelopes, projects)),
        Figure("ballots_online", sum(online.values()), by_neighbourhood(envelopes, online)),
        Figure("ballots_paper", sum(paper.values()), by_neighbourhood(envelopes, paper)),
    ]


# Decisions ------------------------------------------------------------------------------------


def budget_decisions(page):
    """Decided public projects: the publication of the results dates the vote's decisions;
    a review (not admissible) has no date. Newest first, then in submission order."""
    published = {result.envelope_id: result.published_at for result in page.published_results}
    base = page_url(page)
    projects = (
        page.projects.filter(status__in=DECIDED_STATUSES)
        .select_related("envelope__neighbourhood")
        .order_by("pk")
    )
    decisions = [
        Decision(
            kind="project",
            title=project.title,
            status=project.status,
            status_label=str(project.get_status_display()),
            justification=project.public_reason,
            citizen=project.proposer_id is not None and project.status in FUNDED_STATUSES,
            url=project_url(page, project.pk, base),
            neighbourhood=project.envelope.neighbourhood.name
            if project.envelope.neighbourhood_id
            else "",
            decided_at=None
            if project.status == ProjectStatus.NOT_ADMISSIBLE
            else published.get(project.envelope_id),
        )
        for project in projects
    ]
    # Reversed sorts are stable: undated decisions stay last, in submission order.
    decisions.sort(
        key=lambda d: d.decided_at.timestamp() if d.decided_at else float("-inf"), reverse=True
    )
    return decisions


# Results --------------------------------------------------------------------------------------


def budget_results(page):
    """One ``EnvelopeResult`` per envelope once results are published, from what was published
    (the results page shows the same)."""
    stored = page.published_results
    if not stored:
        return []
    base = page_url(page)
    return [envelope_result(page, result, base) for result in stored]


def envelope_result(page, result, base):
    data = result.data
    funded = tuple(
        FundedItem(
            title=item["title"],
            cost=money(item["cost"]),
            url=project_url(page, item["pk"], base),
        )
        for item in data["projects"]
        if item["selected"]
    )
    return EnvelopeResult(
        name=data.get("envelope") or str(result.envelope.display_name),
        amount=money(data["budget"]),
        spent=sum((item.cost for item in funded), money(0)),
        currency=data.get("currency") or page.currency,
        selected=funded,
        results_url=results_url(page, base),
    )


def money(value):
    return Decimal(value)


# Milestones -----------------------------------------------------------------------------------


def budget_milestones(page, phase_milestones):
    """The phases, then the implementation updates of funded projects, in date order."""
    base = page_url(page)
    updates = (
        ImplementationUpdate.objects.filter(project__page=page, project__status__in=FUNDED_STATUSES)
        .select_related("project")
        .order_by("date", "pk")
    )
    milestones = list(phase_milestones) + [
        Milestone(
            title=update.project.title,
            date=update.date,
            status="done" if update.project.status == ProjectStatus.DONE else "in_progress",
            description=update.text,
            progress=update.progress,
            url=project_url(page, update.project_id, base),
        )
        for update in updates
    ]
    # A stable sort: on the same day, a phase comes before an update.
    milestones.sort(key=lambda milestone: milestone.date)
    return milestones


# "My participation" ---------------------------------------------------------------------------


def project_outcome(project):
    label = str(project.get_status_display())
    if project.status == ProjectStatus.NOT_ADMISSIBLE and project.public_reason:
        return gettext("%(status)s: %(reason)s") % {
            "status": label,
            "reason": project.public_reason,
        }
    return label


def ballot_outcome(ballot):
    funded = [p.title for p in ballot.projects.all() if p.status in FUNDED_STATUSES]
    if not funded:
        return gettext("None of the projects you chose was funded.")
    return gettext("Funded: %(projects)s") % {"projects": ", ".join(funded)}


def budget_participation(user):
    """The projects ``user`` proposed and the ballots they cast online with their account, on
    live budgets, in at most five queries. Ballots cast with a participation code or on paper
    are not linked to an account and are not listed."""
    if user is None or not user.is_authenticated:
        return []
    projects = list(
        BudgetProject.objects.filter(proposer=user, page__live=True)
        .select_related("page")
        .order_by("pk")
    )
    ballots = list(
        Ballot.objects.filter(voter=user, page__live=True)
        .select_related("page", "envelope__neighbourhood")
        .prefetch_related("projects")
        .order_by("pk")
    )
    published = set(
        BudgetResult.objects.filter(
            envelope__in=[ballot.envelope_id for ballot in ballots], published_at__isnull=False
        ).values_list("envelope_id", flat=True)
        if ballots
        else ()
    )
    share_site_root_paths([item.page for item in projects + ballots])
    return [project_item(project) for project in projects] + [
        ballot_item(ballot, ballot.envelope_id in published) for ballot in ballots
    ]


def project_item(project):
    return ParticipationItem(
        process_title=project.page.title,
        process_url=page_url(project.page),
        action="project",
        title=project.title,
        date=project.created_at,
        outcome=project_outcome(project),
        url=project_url(project.page, project.pk),
        extra={"status": project.status},
    )


def ballot_item(ballot, results_published):
    page = ballot.page
    return ParticipationItem(
        process_title=page.title,
        process_url=page_url(page),
        action="ballot",
        title=gettext("Vote: %(envelope)s") % {"envelope": ballot.envelope.display_name},
        date=ballot.created_at,
        outcome=ballot_outcome(ballot) if results_published else "",
        url=results_url(page) if results_published else page_url(page),
        extra={"receipt": ballot.receipt},
    )
