"""Casting and counting consultative votes.

Who voted (``VoteParticipation``) and what was voted (``VoteBallot``) are written in one
transaction but never linked: the unique constraint on the participation makes a second vote
impossible, the ballot carries no voter, no time and a random id.
"""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wagtail_participation.caching import page_changed
from wagtail_participation.codes import CodeError, redeem_code
from wagtail_participation.eligibility import check_eligibility

from .models import VoteBallot, VoteOption, VoteParticipation


class VoteRefused(Exception):
    def __init__(self, messages, code="invalid"):
        if isinstance(messages, str) or not isinstance(messages, list | tuple):
            messages = [messages]
        self.messages = [str(message) for message in messages]
        self.code = code
        super().__init__("; ".join(self.messages))


def cast_vote(page, option_id, *, user=None, code_text="", now=None):
    """Store one resident's vote for the option ``option_id`` of ``page``."""
    now = now or timezone.now()
    if not page.voting_open(now):
        raise VoteRefused(_("This vote is not open."), "closed")
    try:
        option = page.vote_options.filter(pk=int(option_id)).first()
    except (TypeError, ValueError):
        option = None
    if option is None:
        raise VoteRefused(_("Choose one of the options."), "option")
    decision = check_eligibility(user, page, code=code_text, now=now)
    if not decision:
        raise VoteRefused([r.reason for r in decision.refusals], decision.refusals[0].code)
    code = decision.participant.code
    signed_in = user is not None and user.is_authenticated
    try:
        with transaction.atomic():
            if signed_in:
                # A resident's votes wait for each other, whether with the account or a code.
                get_user_model().objects.select_for_update().filter(pk=user.pk).first()
                if VoteParticipation.objects.filter(page=page, user=user).exists():
                    raise VoteRefused(already_voted_message(), "already_voted")
            if code is not None:
                redeemed = redeem_code(code_text, page=page, user=user, now=now)
                voter_key = f"code:{redeemed.pk}"
            else:
                redeemed = None
                voter_key = f"user:{user.pk}"
            try:
                with transaction.atomic():
                    VoteParticipation.objects.create(
                        page=page,
                        voter_key=voter_key,
                        user=user if signed_in else None,
                        participation_code=redeemed,
                        created_at=now,
                    )
            except IntegrityError:
                raise VoteRefused(already_voted_message(), "already_voted") from None
            VoteBallot.objects.create(page=page, option=option)
            page_changed(page.pk)
    except CodeError as error:
        raise VoteRefused(error.message, f"code_{error.code}") from error


def already_voted_message():
    return _("You have already voted. A vote cannot be changed.")


def has_voted(page, user):
    """Whether the signed-in ``user`` voted, with their account or with a code."""
    if user is None or not user.is_authenticated:
        return False
    return VoteParticipation.objects.filter(page=page, user=user).exists()


@dataclass(frozen=True)
class OptionResult:
    pk: int
    label: str
    description: str
    votes: int
    percent: float  # of the votes cast, one decimal


@dataclass(frozen=True)
class Tally:
    options: tuple
    votes: int
    registered_voters: int | None

    @property
    def turnout_percent(self):
        if not self.registered_voters:
            return None
        return round(100 * self.votes / self.registered_voters, 1)

    @property
    def leaders(self):
        """The options with the most votes (several on a tie; none without votes)."""
        if not self.votes:
            return ()
        most = max(option.votes for option in self.options)
        return tuple(option for option in self.options if option.votes == most)

    def as_dict(self):
        return {
            "votes": self.votes,
            "registered_voters": self.registered_voters,
            "turnout_percent": self.turnout_percent,
            "options": [
                {"label": option.label, "votes": option.votes, "percent": option.percent}
                for option in self.options
            ],
        }


def tally(page):
    """The votes per option, in the options' order, in two queries."""
    options = list(page.vote_options.annotate(votes=Count("ballots")).order_by("sort_order", "pk"))
    total = sum(option.votes for option in options)
    return Tally(
        options=tuple(
            OptionResult(
                pk=option.pk,
                label=option.label,
                description=option.description,
                votes=option.votes,
                percent=round(100 * option.votes / total, 1) if total else 0.0,
            )
            for option in options
        ),
        votes=VoteParticipation.objects.filter(page=page).count(),
        registered_voters=page.registered_voters,
    )


def options_changed_after_votes(page, options):
    """The label of an option that has votes and is missing or renamed in ``options``."""
    in_form = {option.pk: option.label for option in options if option.pk}
    voted = VoteOption.objects.filter(page_id=page.pk, ballots__isnull=False).distinct()
    for option in voted:
        if in_form.get(option.pk, "").strip() != option.label.strip():
            return option.label
    return ""
