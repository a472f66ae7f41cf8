"""Budget pages, projects and voters for the budget tests (clock: conftest.NOW)."""

from decimal import Decimal

from django.contrib.auth import get_user_model

from wagtail_participation.budgets.models import (
    BudgetEnvelope,
    BudgetPage,
    BudgetProject,
    ProjectStatus,
)
from wagtail_participation.profiles import ParticipantProfile
from wagtail_participation.status import PhaseKind

from .conftest import make_process, phase

# Phases around NOW: submission and review are over, the vote is open for two more weeks.
VOTE_OPEN = [
    phase(PhaseKind.CONTRIBUTION, -60, -40),
    phase(PhaseKind.DELIBERATION, -40, -10),
    phase(PhaseKind.VOTE, -10, 14),
    phase(PhaseKind.RESULTS, 20),
]
SUBMISSION_OPEN = [
    phase(PhaseKind.CONTRIBUTION, -5, 20),
    phase(PhaseKind.DELIBERATION, 20, 40),
    phase(PhaseKind.VOTE, 40, 60),
]
VOTE_ENDED = [
    phase(PhaseKind.CONTRIBUTION, -90, -60),
    phase(PhaseKind.VOTE, -30, -2),
    phase(PhaseKind.RESULTS, -1),
]


def make_budget(
    parent,
    title="Budget citoyen 2026",
    phases=VOTE_OPEN,
    envelopes=((None, 100000),),
    live=True,
    **fields,
):
    """A budget page; ``envelopes`` are (neighbourhood or None, amount) pairs."""
    page = make_process(parent, title, phases=phases, model=BudgetPage, live=False)
    for name, value in fields.items():
        setattr(page, name, value)
    page.envelopes = [
        BudgetEnvelope(neighbourhood=neighbourhood, amount=Decimal(amount), sort_order=i)
        for i, (neighbourhood, amount) in enumerate(envelopes)
    ]
    page.save()  # gives the envelopes their ids before the revision records them
    page.save_revision().publish() if live else page.save_revision()
    page = BudgetPage.objects.get(pk=page.pk)
    return page


def make_project(page, title, cost, envelope=None, status=ProjectStatus.ON_BALLOT, **fields):
    envelope = envelope or page.envelope_list[0]
    return BudgetProject.objects.create(
        page=page,
        envelope=envelope,
        title=title,
        description=fields.pop("description", f"Description of {title}"),
        estimated_cost=Decimal(cost),
        status=status,
        **fields,
    )


def make_voter(username="voter", neighbourhood=None, birth_year=1980, resident=True):
    """A signed-up resident with a complete profile."""
    user = get_user_model().objects.create_user(
        username, f"{username}@example.org", "a-long-password-123"
    )
    profile, _ = ParticipantProfile.objects.get_or_create(user=user)
    profile.display_name = username.title()
    profile.birth_year = birth_year
    profile.lives_in_town = resident
    profile.neighbourhood = neighbourhood
    profile.accept_terms()
    profile.save()
    return user
