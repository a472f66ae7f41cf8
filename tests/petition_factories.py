"""Petition rights, petitions and consultative votes for the tests (clock: conftest.NOW).

Residents who sign or vote are ``budget_factories.make_voter`` (adult residents with a complete
profile), re-exported here as ``make_resident``.
"""

from datetime import timedelta

from wagtail_participation.models import ProcessPhase
from wagtail_participation.petitions.models import (
    ConsultativeVotePage,
    Petition,
    PetitionIndexPage,
    Review,
    VoteOption,
)
from wagtail_participation.status import PhaseKind

from .budget_factories import make_voter
from .conftest import NOW, make_process, phase

make_resident = make_voter

# Filing is open (an open-ended contribution phase keeps the petition right open).
FILING_OPEN = [phase(PhaseKind.CONTRIBUTION, -30)]
# The vote runs around NOW for two more weeks.
VOTE_OPEN = [phase(PhaseKind.INFORMATION, -20, -10), phase(PhaseKind.VOTE, -10, 14)]
# The vote ended two days before NOW.
VOTE_ENDED = [phase(PhaseKind.INFORMATION, -40, -30), phase(PhaseKind.VOTE, -30, -2)]


def _publish(page, live):
    page.save()
    revision = page.save_revision()
    if live:
        revision.publish()
    return type(page).objects.get(pk=page.pk)


def make_petition_right(
    parent, title="Right of interpellation", phases=FILING_OPEN, threshold=10, live=True, **fields
):
    """A petition index page with ``threshold`` signatures; other rules from ``fields``."""
    page = make_process(parent, title, phases=phases, model=PetitionIndexPage, live=False)
    page.signature_threshold = threshold
    for name, value in fields.items():
        setattr(page, name, value)
    return _publish(page, live)


def make_petition(
    page,
    title="A petition",
    state="open",
    *,
    filer=None,
    filer_name="",
    neighbourhood=None,
    answer="",
    council_date=None,
    text="",
    opened=None,
):
    """A petition of ``page`` in ``state``: "under_review", "not_admissible", "open",
    "threshold_reached", "on_agenda", "answered" or "closed" (its period over at NOW).

    Signatures are not created here: sign with ``signing.sign`` for a count, or set
    ``signature_count`` for a figure nobody will recount.
    """
    petition = Petition(
        page=page,
        title=title,
        text=text or f"The text of {title}.",
        filer=filer,
        filer_name=filer_name or (filer.username.title() if filer else "A collective"),
        neighbourhood=neighbourhood,
        created_at=NOW - timedelta(days=40),
    )
    if state == "not_admissible":
        petition.review = Review.NOT_ADMISSIBLE
        petition.review_reason = "Outside the town's powers."
        petition.reviewed_at = NOW - timedelta(days=35)
    elif state != "under_review":
        if opened is None:
            opened = NOW - timedelta(
                days=page.signature_period_days + 5 if state == "closed" else 30
            )
        petition.open_now(opened)
        petition.reviewed_at = opened
        if state in ("threshold_reached", "on_agenda", "answered"):
            petition.threshold_reached_at = NOW - timedelta(days=10)
            petition.signature_count = petition.threshold
        if state in ("on_agenda", "answered"):
            petition.council_date = council_date or (NOW + timedelta(days=20)).date()
        if state == "answered":
            petition.answer = answer or "The council agrees and will act."
            petition.answered_at = NOW - timedelta(days=2)
    petition.save()
    return petition


def make_vote(
    parent,
    title="Municipal police",
    question="Should the town create a municipal police force?",
    options=("For", "Against"),
    phases=VOTE_OPEN,
    live=True,
    **fields,
):
    """A consultative vote page with ``options`` (labels, in order)."""
    page = ConsultativeVotePage(
        title=title,
        question=question,
        impact_statement="<p>The council debates the result.</p>",
        summary=f"Summary of {title}",
        **fields,
    )
    page.participation_phases = [
        ProcessPhase(kind=p.kind, title=p.title, starts_at=p.starts_at, ends_at=p.ends_at)
        for p in phases
    ]
    page.vote_options = [VoteOption(label=label, sort_order=i) for i, label in enumerate(options)]
    page.live = live
    parent.add_child(instance=page)
    return _publish(page, live)


def option(page, label):
    return page.vote_options.get(label=label)
