"""What a participatory page reports back: the core interface restitution pages read.

The restitution app never imports the consultations, budgets or meetings apps. It reads any
linked page through the methods of ``OutcomeSource``, which every participatory page type
implements (``ParticipatoryProcessMixin`` inherits it, and so does ``CommitteeCalendarPage``),
and the "My participation" page reads what each installed app registered with
``register_participation()``. A new kind of process implements these methods and needs no
change in the restitution app.

Rules every implementation follows:

- **Only what the public may see counts**: hidden, pending, withdrawn, cancelled or draft
  items are never counted or listed; nothing from another page is ever included.
- **A fixed number of queries**, whatever the number of items (aggregate in the database,
  prefetch related rows): a restitution page runs the same number of queries with 10 or
  1 000 contributions.
- Labels are translated strings (``gettext``), evaluated in the active language.
"""

from dataclasses import dataclass, field
from datetime import date, datetime

from django.apps import apps
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# Figures ------------------------------------------------------------------------------------

# The keys of the figures restitution pages know, in the order they are shown.
FIGURE_LABELS = {
    "participants": _("Participants"),
    "contributions": _("Contributions"),
    "supports": _("Supports"),
    "comments": _("Comments"),
    "responses": _("Questionnaire responses"),
    "projects": _("Projects submitted"),
    "ballots_online": _("Online ballots"),
    "ballots_paper": _("Paper ballots"),
    "meetings": _("Meetings held"),
    "attendees": _("Attendees"),
    "petitions": _("Petitions"),
    "signatures": _("Signatures"),
    "votes": _("Votes cast"),
}


@dataclass(frozen=True)
class Figure:
    """One count about a process, for example 42 contributions.

    ``by_neighbourhood`` gives the part of ``value`` known per neighbourhood, as
    ``(neighbourhood name, count)`` pairs in the neighbourhoods' order; items without a
    neighbourhood are in ``value`` only. Empty when the process does not know neighbourhoods
    for this figure.
    """

    key: str
    value: int
    by_neighbourhood: tuple = ()

    @property
    def label(self):
        return FIGURE_LABELS.get(self.key, self.key)


# Decisions ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Decision:
    """What became of one contribution or project: the official answer and why.

    ``status`` is a stable key ("accepted", "partially_accepted", "rejected", "studied",
    "selected", "not_selected", "in_progress", "done", "not_admissible"...) and
    ``status_label`` its translated label. ``justification`` is plain text. ``citizen`` is
    true when the decision stems from participation (a resident's proposal taken up), which
    restitution pages mark with the citizen label.
    """

    kind: str  # "contribution", "project", "petition" or "vote"
    title: str
    status: str
    status_label: str
    justification: str = ""
    citizen: bool = False
    url: str = ""
    neighbourhood: str = ""
    decided_at: datetime | None = None


# Results ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FundedItem:
    title: str
    cost: object  # Decimal
    url: str = ""


@dataclass(frozen=True)
class EnvelopeResult:
    """The published result of one envelope of a budget: what was funded out of how much."""

    name: str
    amount: object  # Decimal
    spent: object  # Decimal
    currency: str
    selected: tuple = ()  # FundedItem
    results_url: str = ""

    @property
    def spent_percent(self):
        return round(100 * self.spent / self.amount) if self.amount else 0


# Milestones ---------------------------------------------------------------------------------

MILESTONE_STATUSES = {
    "done": _("Done"),
    "in_progress": _("In progress"),
    "planned": _("Planned"),
}


@dataclass(frozen=True)
class Milestone:
    """A step of what happens next: an implementation update, a phase, a meeting."""

    title: str
    date: date | None
    status: str  # a key of MILESTONE_STATUSES
    description: str = ""
    progress: int | None = None  # percent, when known
    url: str = ""

    @property
    def status_label(self):
        return MILESTONE_STATUSES.get(self.status, self.status)


# The interface ------------------------------------------------------------------------------


class OutcomeSource:
    """Methods a participatory page provides to restitution pages; defaults report nothing."""

    def outcome_figures(self):
        """The figures of the process, as a list of ``Figure``, in ``FIGURE_LABELS`` order."""
        return []

    def outcome_decisions(self):
        """Every public decision of the process, as a list of ``Decision``, newest first."""
        return []

    def outcome_results(self):
        """Published results, as a list of ``EnvelopeResult`` (budgets), else []."""
        return []

    def outcome_milestones(self):
        """What happens next, as a list of ``Milestone`` in date order."""
        return []

    def outcome_participant_ids(self):
        """The ids of the accounts that took part (contributed, supported, commented,
        answered, voted online, registered), as a set. Used to notify them of the
        restitution; accounts are filtered for their preferences afterwards."""
        return set()

    def restitution_pages(self):
        """The live, public restitution pages that report on this page, newest first, so that
        residents find what came of the process from the process itself."""
        if not apps.is_installed("wagtail_participation.restitution"):
            return []
        from wagtail_participation.restitution.models import RestitutionPage

        pages = RestitutionPage.objects.live().public().filter(sources__page=self.pk)
        return list(pages.distinct().order_by("-first_published_at"))


def share_site_root_paths(pages):
    """Let ``pages`` share one lookup of the sites' root paths, for their ``url``.

    Without a request, each page looks them up in the cache on its first ``url``: one query
    per page with a database cache. Wagtail keeps them on the page in this attribute.
    """
    if pages:
        from wagtail.models import Site

        paths = Site.get_site_root_paths()
        for page in pages:
            page._wagtail_cached_site_root_paths = paths


# "My participation" -------------------------------------------------------------------------

ACTION_LABELS = {
    "contribution": _("Contribution"),
    "support": _("Support"),
    "comment": _("Comment"),
    "response": _("Questionnaire answered"),
    "project": _("Project proposed"),
    "ballot": pgettext_lazy("my participation", "Vote"),
    "registration": _("Registration"),
    "petition": _("Petition filed"),
    "signature": _("Petition signed"),
    "consultative_vote": _("Consultative vote"),
}


@dataclass(frozen=True)
class ParticipationItem:
    """One thing a resident did, for their "My participation" page, with what became of it."""

    process_title: str
    process_url: str
    action: str  # a key of ACTION_LABELS
    title: str
    date: datetime
    outcome: str = ""  # what became of it, translated, "" when nothing yet
    url: str = ""
    extra: dict = field(default_factory=dict, compare=False)

    @property
    def action_label(self):
        return ACTION_LABELS.get(self.action, self.action)


_participation_sources = {}


def register_participation(name, items_for_user):
    """Register ``items_for_user(user) -> list[ParticipationItem]`` under ``name``.

    Call it from an app's ``AppConfig.ready()``. The items must be the user's own, on live
    pages only, in a fixed number of queries.
    """
    if name in _participation_sources:
        raise ValueError(f"Participation source {name!r} is already registered.")
    _participation_sources[name] = items_for_user


def unregister_participation(name):
    _participation_sources.pop(name, None)


def participation_of(user):
    """Everything ``user`` did, across the registered apps, newest first."""
    items = []
    for items_for_user in _participation_sources.values():
        items.extend(items_for_user(user))
    items.sort(key=lambda item: item.date, reverse=True)
    return items
