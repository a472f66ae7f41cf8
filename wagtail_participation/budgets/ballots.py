"""Casting a ballot: the one place where online and paper ballots are checked and stored.

``cast_ballot`` applies the page's ballot rule to the chosen projects, whatever the channel, and
stores the ballot and its choices in one transaction, or nothing at all. One ballot per voter and
envelope is a database constraint; before inserting, the voter's own row is locked so that
concurrent attempts by one voter queue up and get the same clear answer.
"""

import uuid
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from wagtail_participation.codes import CodeError, redeem_code
from wagtail_participation.eligibility import check_eligibility
from wagtail_participation.profiles import profile_for
from wagtail_participation.status import PhaseKind

from .models import (
    BALLOT_STATUSES,
    Ballot,
    BallotChannel,
    BallotChoice,
    BallotKind,
    BudgetProject,
    VotingScope,
)
from .money import format_money


class BallotRefused(Exception):
    """The ballot was not stored; ``messages`` say why, in the resident's language."""

    def __init__(self, messages, code="invalid"):
        self.messages = [str(m) for m in messages]
        self.code = code
        super().__init__("; ".join(self.messages))


money = format_money


# Which envelopes --------------------------------------------------------------------------------


@dataclass
class EnvelopeChoice:
    """The envelopes a voter may vote in, and why they may not vote in others."""

    envelopes: list = field(default_factory=list)
    hint: str = ""


def envelopes_for(page, user=None, has_code=False):
    """The page's envelopes open to this voter under the page's voting scope.

    Holders of a participation code may choose any neighbourhood's envelope: the town checked
    where they live when it handed the code out. Signed-in residents vote in the envelope of the
    neighbourhood in their profile.
    """
    envelopes = page.envelope_list
    town_wide = [e for e in envelopes if e.is_town_wide]
    local = [e for e in envelopes if not e.is_town_wide]
    hint = ""
    if has_code:
        own_local = local
    else:
        profile = profile_for(user)
        neighbourhood_id = profile.neighbourhood_id if profile is not None else None
        own_local = [e for e in local if e.neighbourhood_id == neighbourhood_id]
        if local and not own_local and page.voting_scope != VotingScope.TOWN:
            hint = _(
                "To vote for your neighbourhood's projects, choose your neighbourhood in your "
                "profile."
            )
    if page.voting_scope == VotingScope.TOWN:
        allowed = town_wide or own_local
    elif page.voting_scope == VotingScope.NEIGHBOURHOOD:
        allowed = own_local if local else town_wide
    else:
        allowed = town_wide + own_local
    return EnvelopeChoice(allowed, hint)


# The ballot rule --------------------------------------------------------------------------------


def rule_errors(page, envelope, projects, requested_ids):
    """What is wrong with choosing ``projects`` (looked up from ``requested_ids``) in
    ``envelope``, by the page's ballot rule. An empty list means the choice is valid."""
    errors = []
    if len(set(requested_ids)) != len(requested_ids):
        errors.append(_("A project was chosen twice."))
    found = {p.pk: p for p in projects}
    for requested in dict.fromkeys(requested_ids):
        project = found.get(requested)
        if project is None or project.page_id != page.pk:
            errors.append(_("One of the chosen projects is not part of this budget."))
        elif project.envelope_id != envelope.pk:
            errors.append(
                format_lazy(
                    _("“{title}” is not in the envelope “{envelope}”."),
                    title=project.title,
                    envelope=envelope.display_name,
                )
            )
        elif project.status not in BALLOT_STATUSES:
            errors.append(format_lazy(_("“{title}” is not on the ballot."), title=project.title))
    if errors:
        return errors
    count = len(projects)
    if count < page.min_choices:
        errors.append(
            ngettext_lazy(
                "Choose at least %(count)d project.",
                "Choose at least %(count)d projects.",
                "count",
            )
            % {"count": page.min_choices}
        )
    if page.max_choices and count > page.max_choices:
        errors.append(
            ngettext_lazy(
                "Choose at most %(count)d project.",
                "Choose at most %(count)d projects.",
                "count",
            )
            % {"count": page.max_choices}
        )
    if page.ballot_kind == BallotKind.KNAPSACK:
        total = sum((p.estimated_cost for p in projects), Decimal(0))
        if total > envelope.amount:
            errors.append(
                format_lazy(
                    _(
                        "Your projects cost {total} in all, more than the envelope of "
                        "{amount}. Remove a project."
                    ),
                    total=money(total, page.currency),
                    amount=money(envelope.amount, page.currency),
                )
            )
        minimum = minimum_spend(page, envelope)
        if total < minimum:
            errors.append(
                format_lazy(
                    _(
                        "Your projects cost {total} in all; choose projects worth at least "
                        "{minimum} ({percent}% of the envelope)."
                    ),
                    total=money(total, page.currency),
                    minimum=money(minimum, page.currency),
                    percent=page.min_spend_percent,
                )
            )
    return errors


def minimum_spend(page, envelope):
    if page.ballot_kind != BallotKind.KNAPSACK:
        return Decimal(0)
    return envelope.amount * page.min_spend_percent / 100


def ballot_projects(page, envelope):
    """The projects a voter can choose in ``envelope``, in ballot order."""
    return BudgetProject.objects.filter(
        page=page, envelope=envelope, status__in=BALLOT_STATUSES
    ).order_by("title", "pk")


# Casting -----------------------------------------------------------------------------------


def phase_errors(page, channel, now):
    if channel == BallotChannel.ONLINE and not page.vote_open(now):
        return [_("Voting is not open on this budget.")]
    if channel == BallotChannel.PAPER:
        if not any(p.kind == PhaseKind.VOTE and p.starts_at <= now for p in page.phases):
            return [_("Paper ballots can be entered once the vote has started.")]
    if (
        channel != BallotChannel.IMPORTED
        and page.results.filter(published_at__isnull=False).exists()
    ):
        return [_("The results are published: no more ballots can be added.")]
    return []


def cast_ballot(
    page,
    envelope,
    project_ids,
    *,
    user=None,
    code_text="",
    channel=BallotChannel.ONLINE,
    entered_by=None,
    paper_reference="",
    now=None,
):
    """Check and store one ballot; raises ``BallotRefused`` and stores nothing when it breaks
    a rule. ``user``/``code_text`` identify an online voter; paper ballots are entered by
    ``entered_by`` (staff) and identified by their ``paper_reference`` if they have one."""
    now = now or timezone.now()
    try:
        project_ids = [int(pk) for pk in project_ids]
    except (TypeError, ValueError):
        raise BallotRefused(
            [_("One of the chosen projects is not part of this budget.")], "rule"
        ) from None
    if envelope.page_id != page.pk:
        raise BallotRefused([_("This envelope is not part of this budget.")], "other_envelope")
    errors = phase_errors(page, channel, now)
    if errors:
        raise BallotRefused(errors, "closed")

    if channel == BallotChannel.ONLINE:
        decision = check_eligibility(user, page, code=code_text, now=now)
        if not decision:
            refusal = decision.refusals[0]
            raise BallotRefused([r.reason for r in decision.refusals], refusal.code)
        code = decision.participant.code
        allowed = envelopes_for(page, user, has_code=code is not None).envelopes
        if envelope.pk not in {e.pk for e in allowed}:
            raise BallotRefused([_("You cannot vote in this envelope.")], "envelope_not_allowed")
    else:
        code = None

    # In a fixed order, so that the ballot's choices are stored, and exported, the same way on
    # every database.
    projects = list(BudgetProject.objects.filter(pk__in=project_ids).order_by("pk"))
    errors = rule_errors(page, envelope, projects, project_ids)
    if errors:
        raise BallotRefused(errors, "rule")

    try:
        with transaction.atomic():
            voter_key = lock_voter(page, envelope, user, code, code_text, channel, now)
            ballot = Ballot.objects.create(
                page=page,
                envelope=envelope,
                voter_key=voter_key,
                voter=user if channel == BallotChannel.ONLINE and code is None else None,
                participation_code=code,
                channel=channel,
                paper_reference=paper_reference.strip(),
                entered_by=entered_by,
                created_at=now,
            )
            BallotChoice.objects.bulk_create(
                BallotChoice(ballot=ballot, project=project) for project in projects
            )
    except IntegrityError as error:
        if channel == BallotChannel.PAPER and paper_reference:
            raise BallotRefused(
                [
                    format_lazy(
                        _("Paper ballot number {number} has already been entered."),
                        number=paper_reference,
                    )
                ],
                "paper_duplicate",
            ) from error
        raise BallotRefused(already_voted_message(envelope), "already_voted") from error
    except CodeError as error:
        raise BallotRefused([error.message], f"code_{error.code}") from error
    return ballot


def already_voted_message(envelope):
    return [
        format_lazy(
            _("You have already voted in the envelope “{envelope}”. A ballot cannot be changed."),
            envelope=envelope.display_name,
        )
    ]


def lock_voter(page, envelope, user, code, code_text, channel, now):
    """The voter's key, after locking the row that stands for the voter (a code or a user)."""
    if channel == BallotChannel.PAPER:
        return f"paper:{uuid.uuid4().hex}"
    if code is not None:
        redeemed = redeem_code(code_text, page=page, user=user, now=now)
        return f"code:{redeemed.pk}"
    get_user_model().objects.select_for_update().filter(pk=user.pk).first()
    voter_key = f"user:{user.pk}"
    if Ballot.objects.filter(envelope=envelope, voter_key=voter_key).exists():
        raise IntegrityError("already voted")
    return voter_key


def ballot_of(user, envelope):
    """The signed-in user's ballot in ``envelope``, or None."""
    if user is None or not user.is_authenticated:
        return None
    return (
        Ballot.objects.filter(envelope=envelope, voter_key=f"user:{user.pk}")
        .prefetch_related("projects")
        .first()
    )
