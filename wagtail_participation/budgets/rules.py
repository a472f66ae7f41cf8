"""Which participatory-budget projects are funded: the counting rules.

Pure Python, no Django: the same ballots always give the same result, computed with exact
arithmetic (integers and fractions, never floating point), so anyone can check it by hand or
with another program. Every project gets an explanation: its rank, its votes, the money left
when its turn came and the reason it was or was not funded.

Projects and ballots
    Project ids are strings (other ids are converted with ``str``). Costs and the budget may be
    given as ``int``, ``Decimal``, ``str`` ("1250.50", "1/3") or ``Fraction``; floats are refused
    because they are not exact. Costs must be positive. A ballot is the list of projects one
    voter approved; a project named on a ballot must exist and may appear only once per ballot.
    An empty ballot still counts as a voter (it matters for equal shares, see below).
    A project that nobody voted for is never funded (reason ``no_votes``).

Greedy ("greedy", "greedy-threshold")
    The usual rule of city budgets. Projects are taken in order of votes, most votes first;
    each one is funded if its cost fits in what is left of the budget, otherwise it is skipped
    (``not_enough_budget``) and the next one is tried. With a threshold, a project with fewer
    votes than the threshold is never funded (``below_threshold``); those projects are listed
    after all the others.

    Ties (same number of votes) are broken by taking the cheaper project first, then by project
    id in natural order, where numbers inside ids count as numbers ("9" before "10", "L009"
    before "L010"). This order reproduces the published results of Warszawa-Mokotów 2023 and
    Łódź 2023; in those elections no tie changes which projects are funded.

Method of Equal Shares ("equal-shares")
    The proportional rule of Peters and Skowron, as described on equalshares.net and used in
    Wieliczka (Zielony Milion, 2023). The budget is shared equally among the voters: each voter
    receives a virtual share and may spend it only on projects they voted for. A project can be
    funded only if its supporters can pay for it together from what they have left. The cost is
    split equally among the supporters; a supporter with less money left than the equal part
    pays everything they have and the others pay the rest equally. The largest amount any one
    supporter pays is the project's *payment per supporter*.

    Step by step, the rule funds the project that asks the least from its supporters, then
    deducts the payments and starts again, until no remaining project can be paid for by its
    supporters (``not_enough_support``).

    "The least" depends on ``utilities``:

    * ``"cost"`` (default, the equalshares.net and Wieliczka definition): the project with the
      highest *effective support*, that is the lowest payment per supporter relative to the
      project's cost. A voter is assumed to benefit from a project in proportion to its cost.
    * ``"approval"``: the project with the lowest payment per supporter, whatever its cost.
      Every funded project counts the same for a voter.

    Effective support (``ProjectOutcome.effective_support``) is the cost divided by the payment
    per supporter, at the moment the project was funded: the number of supporters that would
    pay for the project if each of them paid that same amount. It equals the number of votes
    when every supporter could pay an equal part, and is lower when some supporters had
    already spent most of their share on other projects. For example a 50 000 project with 400
    votes asks 125 from each supporter: effective support 400. If 100 of its supporters have
    only 50 left, they pay those 50 and the other 300 pay 150 each: effective support
    50 000 / 150 = 333.33. Projects that were not funded have no effective support;
    ``supporters_money`` tells how much money their supporters still had, in the round where
    that money first fell short of the cost (the figure equalshares.net quotes in its
    explanations: "only 49 998 zł remained for the voters who supported project no. 16, which
    was not enough to cover its cost of 50 000 zł").

    Ties (same effective support, or same payment with approval utilities) are broken as
    equalshares.net recommends: the cheaper project first, then the project with more votes,
    then project id in natural order (equalshares.net leaves that last case to a draw by lot;
    a fixed order keeps the result reproducible). In Wieliczka no tie ever had to be broken.

    Completion ``"add1"`` (default): with the budget shared exactly, equal shares usually
    spends only part of the budget, because some voters' shares cannot be used (for instance a
    voter who voted only for a project that too few others supported). So the method is run
    again with larger shares, as Wieliczka did:

    1. Each voter's share starts at budget / number of voters (1 000 000 PLN / 6 586 voters
       = 151.84 PLN in Wieliczka).
    2. Run the method again with every share raised by 1 currency unit (the total virtual
       budget grows by the number of voters). If the projects it funds still cost no more
       than the real budget, keep that result and repeat; otherwise stop and keep the last
       result that fitted.

    This reproduces Wieliczka 2023 exactly: 164 raises, from 151.84 to 315.84 PLN per voter,
    30 projects funded for 995 079 PLN, and the money figures of the city's explanations.
    Two variants found on equalshares.net do not: rounding the first share down to a whole
    unit gives the same projects with shares of 151 to 315, and the "exhaustive" shortcut of
    its current compute tool (stop as soon as no unfunded project fits in the money left)
    stops at 301.84 PLN with 31 projects for 984 579 PLN (66 and 67 instead of 46). The city's
    page quotes a final share of "313 zł"; its own figures (49 998 zł for project 16) match
    315.84, and every share from 305.84 to 315.84 funds the same 30 projects.

    The method is computed once per raise: about (final share - first share) runs, 165 for
    Wieliczka (about a second). Few voters with a large budget mean many raises.

    Completion ``"add1u"``: as ``"add1"``, then any money left is spent greedily: remaining
    projects by votes (same tie-break as greedy), funded when they fit
    (``selected_by_completion``). Completion ``"none"``: a single run with the exact share.

    If the budget covers every project that received a vote, all of them are funded (every
    rule would fund them), in the order of a run where every voter can pay for everything.

    Wieliczka also applied a "comparison step": the equal-shares result would have been
    replaced by the greedy result if more voters had preferred the greedy one. It kept equal
    shares; this module does not apply that step.

Reading the outcome
    ``Outcome.projects`` lists every project in the order the rule considered it (``rank``):
    for greedy, the vote order (projects below the threshold or without votes last); for equal
    shares, the funded projects in the order they were funded (``round``), then the others by
    votes. ``budget_left_before`` is the real budget minus the cost of the projects funded
    before it; for greedy that is the money left when its turn came, for a project that equal
    shares did not fund it is the money left at the end. ``Outcome.details`` holds the rule's
    settings: the threshold for greedy; for equal shares ``completion``, ``utilities``,
    ``voters``, ``per_voter_start`` and ``per_voter_final`` (the share of each voter before and
    after the completion), ``completion_steps`` (number of raises) and ``everything_fits``
    when the budget covered every project with votes.

JSON (``to_json``)
    Money is written as a string of decimals: whole amounts without decimals ("995079"),
    others rounded to the cent, half up ("151.84"). Effective support is a string with 6
    decimals, rounded half up ("399.000000"). The exact values stay in the ``Outcome``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from fractions import Fraction
from numbers import Rational

RULES = ("greedy", "greedy-threshold", "equal-shares")
REASONS = (
    "selected",
    "selected_by_completion",
    "not_enough_budget",
    "below_threshold",
    "not_enough_support",
    "no_votes",
)
COMPLETIONS = ("add1", "add1u", "none")
UTILITIES = ("cost", "approval")


@dataclass(frozen=True)
class ProjectOutcome:
    project_id: str
    cost: Fraction
    votes: int
    selected: bool
    reason: str
    rank: int
    budget_left_before: Fraction
    effective_support: Fraction | None = None
    round: int | None = None
    supporters_money: Fraction | None = None


@dataclass(frozen=True)
class Outcome:
    rule: str
    budget: Fraction
    spent: Fraction
    selected: list[str]
    projects: list[ProjectOutcome]
    details: dict = field(default_factory=dict)

    def project(self, project_id: str) -> ProjectOutcome:
        for project in self.projects:
            if project.project_id == project_id:
                return project
        raise KeyError(project_id)


# ---------------------------------------------------------------------------------------------
# Input


def to_fraction(value, what: str = "amount") -> Fraction:
    """An exact amount from an int, Decimal, str or Fraction; floats are refused."""
    if isinstance(value, bool) or isinstance(value, float):
        raise ValueError(f"{what} must be exact (int, Decimal, str or Fraction), not {value!r}")
    if isinstance(value, Decimal) and not value.is_finite():
        raise ValueError(f"{what} must be a finite number, not {value!r}")
    if isinstance(value, (int, Rational, Decimal)):
        return Fraction(value)
    if isinstance(value, str):
        try:
            return Fraction(value.strip())
        except ValueError:
            raise ValueError(f"{what} is not a number: {value!r}") from None
    raise ValueError(f"{what} must be an int, Decimal, str or Fraction, not {value!r}")


_DIGITS = re.compile(r"(\d+)", re.ASCII)


def natural_key(project_id: str):
    """Sort key where numbers inside ids compare as numbers: "9" < "10", "L009" < "L010"."""
    parts = tuple(
        (0, int(part)) if part.isdigit() else (1, part)
        for part in _DIGITS.split(project_id)
        if part
    )
    return parts, project_id


def _costs(costs: Mapping) -> dict[str, Fraction]:
    result = {}
    for project_id, cost in costs.items():
        project_id = str(project_id)
        amount = to_fraction(cost, f"cost of project {project_id!r}")
        if amount <= 0:
            raise ValueError(f"cost of project {project_id!r} must be positive, not {cost!r}")
        if project_id in result:
            raise ValueError(f"project {project_id!r} is listed twice")
        result[project_id] = amount
    return result


def _budget(budget) -> Fraction:
    if budget is None:
        raise ValueError("a budget is required")
    amount = to_fraction(budget, "budget")
    if amount < 0:
        raise ValueError(f"budget must not be negative, not {budget!r}")
    return amount


def _ballots(ballots: Iterable[Iterable[str]], costs: Mapping[str, Fraction]) -> list[tuple]:
    result = []
    for number, ballot in enumerate(ballots, start=1):
        if isinstance(ballot, str):
            raise ValueError(f"ballot {number} must be a list of project ids, not a string")
        approved = tuple(str(project_id) for project_id in ballot)
        for project_id in approved:
            if project_id not in costs:
                raise ValueError(f"ballot {number} names an unknown project {project_id!r}")
        if len(set(approved)) != len(approved):
            twice = next(p for p in approved if approved.count(p) > 1)
            raise ValueError(f"ballot {number} names project {twice!r} more than once")
        result.append(approved)
    return result


def _count_votes(ballots: list[tuple], costs: Mapping[str, Fraction]) -> dict[str, int]:
    votes = dict.fromkeys(costs, 0)
    for ballot in ballots:
        for project_id in ballot:
            votes[project_id] += 1
    return votes


def _given_votes(votes: Mapping, costs: Mapping[str, Fraction]) -> dict[str, int]:
    result = dict.fromkeys(costs, 0)
    for project_id, count in votes.items():
        project_id = str(project_id)
        if project_id not in costs:
            raise ValueError(f"votes given for an unknown project {project_id!r}")
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise ValueError(f"votes of project {project_id!r} must be a whole number >= 0")
        result[project_id] = count
    return result


def _vote_order_key(votes: Mapping[str, int], costs: Mapping[str, Fraction]):
    """Greedy order: more votes first, then cheaper, then natural id."""
    return lambda project_id: (-votes[project_id], costs[project_id], natural_key(project_id))


# ---------------------------------------------------------------------------------------------
# Greedy


def greedy(
    costs: Mapping,
    ballots: Iterable[Iterable[str]] | None = None,
    budget=None,
    *,
    votes: Mapping[str, int] | None = None,
    threshold: int = 0,
) -> Outcome:
    """Fund projects by decreasing votes while they fit (see the module docstring)."""
    costs = _costs(costs)
    budget = _budget(budget)
    if (ballots is None) == (votes is None):
        raise ValueError("give either ballots or precomputed votes, not both or neither")
    if isinstance(threshold, bool) or not isinstance(threshold, int) or threshold < 0:
        raise ValueError(f"threshold must be a whole number >= 0, not {threshold!r}")
    if votes is None:
        votes = _count_votes(_ballots(ballots, costs), costs)
    else:
        votes = _given_votes(votes, costs)

    order = sorted(costs, key=_vote_order_key(votes, costs))
    eligible = [p for p in order if votes[p] > 0 and votes[p] >= threshold]
    others = [p for p in order if not (votes[p] > 0 and votes[p] >= threshold)]

    left = budget
    selected, projects = [], []
    for project_id in eligible:
        cost = costs[project_id]
        fits = cost <= left
        projects.append(
            ProjectOutcome(
                project_id=project_id,
                cost=cost,
                votes=votes[project_id],
                selected=fits,
                reason="selected" if fits else "not_enough_budget",
                rank=len(projects) + 1,
                budget_left_before=left,
            )
        )
        if fits:
            selected.append(project_id)
            left -= cost
    for project_id in others:
        projects.append(
            ProjectOutcome(
                project_id=project_id,
                cost=costs[project_id],
                votes=votes[project_id],
                selected=False,
                reason="no_votes" if votes[project_id] == 0 else "below_threshold",
                rank=len(projects) + 1,
                budget_left_before=left,
            )
        )
    details = {"threshold": threshold} if threshold else {}
    return Outcome(
        rule="greedy-threshold" if threshold else "greedy",
        budget=budget,
        spent=budget - left,
        selected=selected,
        projects=projects,
        details=details,
    )


# ---------------------------------------------------------------------------------------------
# Method of Equal Shares


class _Election:
    """Ballots grouped by identical content: voters with the same ballot always have the same
    money left, so the method works on groups (Wieliczka: 6 586 voters, 1 190 groups)."""

    def __init__(self, costs: dict[str, Fraction], ballots: list[tuple]):
        self.ids = sorted(costs, key=natural_key)
        index = {project_id: i for i, project_id in enumerate(self.ids)}
        self.costs = [costs[project_id] for project_id in self.ids]
        self.voters = len(ballots)
        weights: dict[frozenset, int] = {}
        for ballot in ballots:
            key = frozenset(index[project_id] for project_id in ballot)
            weights[key] = weights.get(key, 0) + 1
        self.weights = list(weights.values())
        self.supporters: list[list[int]] = [[] for _ in self.ids]
        for group, ballot in enumerate(weights):
            for project in ballot:
                self.supporters[project].append(group)
        self.votes = [sum(self.weights[g] for g in groups) for groups in self.supporters]
        # Equal shares tie-break (equalshares.net): cheaper, then more votes, then natural id.
        self.tie_key = [
            (self.costs[p], -self.votes[p], natural_key(self.ids[p])) for p in range(len(self.ids))
        ]


@dataclass
class _Run:
    selected: list[int]  # project indexes in selection order
    effective_support: dict[int, Fraction]
    supporters_money: dict[int, Fraction]


def _equal_shares_run(
    election: _Election, share: Fraction, utilities: str, explain: bool = False
) -> _Run:
    """One run of the method with a fixed share per voter.

    Exact and fast: every amount is kept as an integer number of 1/scale currency units, the
    scale growing whenever a payment needs a finer unit; voters are handled in groups that have
    the same money left ("classes"), so a project's supporters are summarised as a few
    (money left, number of voters) pairs.
    """
    costs = election.costs
    supporters = election.supporters
    weights = election.weights
    scale = share.denominator
    for cost in costs:
        scale = math.lcm(scale, cost.denominator)
    cost_units = [int(cost * scale) for cost in costs]
    class_money = [int(share * scale)]  # money left per voter of each class, in units
    group_class = [0] * len(weights)
    zero_class = None

    def money_and_payment(project: int):
        """Money left to the supporters and, if enough, the payment per supporter (as the
        fraction numerator/denominator of units)."""
        per_class: dict[int, int] = {}
        for group in supporters[project]:
            cls = group_class[group]
            per_class[cls] = per_class.get(cls, 0) + weights[group]
        money = sum(class_money[cls] * count for cls, count in per_class.items())
        cost = cost_units[project]
        if money < cost:
            return money, None
        paid, payers = 0, election.votes[project]
        for cls in sorted(per_class, key=class_money.__getitem__):
            left = class_money[cls]
            if cost - paid <= left * payers:  # everyone from here on can pay the equal part
                return money, (cost - paid, payers)
            paid += left * per_class[cls]
            payers -= per_class[cls]
        raise AssertionError("supporters have enough money but no payment was found")

    def score(project: int, payment: tuple[int, int]) -> Fraction:
        numerator, denominator = payment  # payment per supporter = numerator / denominator units
        if utilities == "cost":
            return Fraction(cost_units[project] * denominator, numerator)  # effective support
        return Fraction(denominator * scale, numerator)  # 1 / payment in currency units

    # Scores only go down as voters spend their money, so a project's last score is an upper
    # bound: projects are examined from the best bound down, stopping when no bound can win.
    bound = {
        p: Fraction(election.votes[p]) if utilities == "cost" else election.votes[p] / costs[p]
        for p in range(len(costs))
        if election.votes[p] > 0
    }
    selected: list[int] = []
    effective_support: dict[int, Fraction] = {}
    supporters_money: dict[int, Fraction] = {}

    def drop_unaffordable():
        # Only for the explanation: note each project's money as soon as it falls short.
        for project in list(bound):
            money, payment = money_and_payment(project)
            if payment is None:
                supporters_money[project] = Fraction(money, scale)
                del bound[project]

    if explain:
        drop_unaffordable()
    while bound:
        best = best_score = best_payment = None
        for project in sorted(bound, key=lambda p: (-bound[p], election.tie_key[p])):
            if best is not None and bound[project] < best_score:
                break
            _, payment = money_and_payment(project)
            if payment is None:
                del bound[project]  # its supporters can no longer pay for it
                continue
            bound[project] = current = score(project, payment)
            if (
                best is None
                or current > best_score
                or (current == best_score and election.tie_key[project] < election.tie_key[best])
            ):
                best, best_score, best_payment = project, current, payment
        if best is None:
            break
        del bound[best]
        selected.append(best)
        numerator, denominator = best_payment
        effective_support[best] = Fraction(cost_units[best] * denominator, numerator)
        common = math.gcd(numerator, denominator)
        numerator, denominator = numerator // common, denominator // common
        if denominator > 1:  # the payment needs a finer unit: rescale every amount
            scale *= denominator
            class_money = [money * denominator for money in class_money]
            cost_units = [cost * denominator for cost in cost_units]
        payment_units = numerator
        moved: dict[int, int] = {}  # old class -> class after paying
        for group in supporters[best]:
            cls = group_class[group]
            new = moved.get(cls)
            if new is None:
                left = class_money[cls] - payment_units
                if left > 0:
                    class_money.append(left)
                    new = len(class_money) - 1
                else:
                    if zero_class is None:
                        class_money.append(0)
                        zero_class = len(class_money) - 1
                    new = zero_class
                moved[cls] = new
            group_class[group] = new
        if explain:
            drop_unaffordable()
    return _Run(selected, effective_support, supporters_money)


def equal_shares(
    costs: Mapping,
    ballots: Iterable[Iterable[str]],
    budget,
    *,
    completion: str = "add1",
    utilities: str = "cost",
) -> Outcome:
    """Method of Equal Shares with the "add1" completion (see the module docstring)."""
    if completion not in COMPLETIONS:
        raise ValueError(f"unknown completion {completion!r}; choose one of {COMPLETIONS}")
    if utilities not in UTILITIES:
        raise ValueError(f"unknown utilities {utilities!r}; choose one of {UTILITIES}")
    if ballots is None:
        raise ValueError("equal shares needs the ballots, not only vote counts")
    costs = _costs(costs)
    budget = _budget(budget)
    ballots = _ballots(ballots, costs)
    election = _Election(costs, ballots)
    voted = [p for p in range(len(election.ids)) if election.votes[p] > 0]

    def cost_of(run: _Run) -> Fraction:
        return sum((election.costs[p] for p in run.selected), Fraction(0))

    details: dict = {"completion": completion, "utilities": utilities, "voters": election.voters}
    if not voted:
        run, start, final, steps = _Run([], {}, {}), None, None, 0
    elif sum((election.costs[p] for p in voted), Fraction(0)) <= budget:
        # Everything fits: a share equal to the whole cost lets every supporter pay in full.
        start = final = sum((election.costs[p] for p in voted), Fraction(0))
        run, steps = _equal_shares_run(election, start, utilities, explain=True), 0
        details["everything_fits"] = True
    else:
        start = final = budget / election.voters
        steps = 0
        if completion != "none":
            # Stops: with shares as large as the whole cost, every voted project is funded,
            # and together they cost more than the budget (checked just above).
            while cost_of(_equal_shares_run(election, final + 1, utilities)) <= budget:
                final, steps = final + 1, steps + 1
        run = _equal_shares_run(election, final, utilities, explain=True)
    details.update(per_voter_start=start, per_voter_final=final, completion_steps=steps)

    ids = election.ids
    votes = dict(zip(ids, election.votes, strict=True))
    effective_support = {ids[p]: value for p, value in run.effective_support.items()}
    supporters_money = {ids[p]: value for p, value in run.supporters_money.items()}
    selected = [ids[p] for p in run.selected]
    by_completion: list[str] = []
    order = sorted(costs, key=_vote_order_key(votes, costs))
    if completion == "add1u":
        left = budget - cost_of(run)
        for project_id in order:
            if project_id not in selected and votes[project_id] and costs[project_id] <= left:
                by_completion.append(project_id)
                left -= costs[project_id]

    funded = selected + by_completion
    not_funded = [project_id for project_id in order if project_id not in set(funded)]
    projects = []
    left = budget
    for project_id in funded + not_funded:
        if project_id in effective_support:
            reason = "selected"
        elif project_id in by_completion:
            reason = "selected_by_completion"
        else:
            reason = "not_enough_support" if votes[project_id] else "no_votes"
        projects.append(
            ProjectOutcome(
                project_id=project_id,
                cost=costs[project_id],
                votes=votes[project_id],
                selected=reason.startswith("selected"),
                reason=reason,
                rank=len(projects) + 1,
                budget_left_before=left,
                effective_support=effective_support.get(project_id),
                round=len(projects) + 1 if reason == "selected" else None,
                supporters_money=supporters_money.get(project_id),
            )
        )
        if reason.startswith("selected"):
            left -= costs[project_id]
    return Outcome(
        rule="equal-shares",
        budget=budget,
        spent=budget - left,
        selected=funded,
        projects=projects,
        details=details,
    )


# ---------------------------------------------------------------------------------------------
# Dispatcher and JSON


def compute(rule: str, costs: Mapping, ballots, budget, *, threshold: int = 0, **options):
    """Run the rule named ``rule`` (one of ``RULES``)."""
    if rule not in RULES:
        raise ValueError(f"unknown budget rule {rule!r}; choose one of {', '.join(RULES)}")
    rule = RULES[RULES.index(rule)]  # the plain string, also when given a str enum member
    if rule == "greedy":
        if threshold:
            raise ValueError("the 'greedy' rule has no threshold; use 'greedy-threshold'")
        return greedy(costs, ballots, budget, **options)
    if rule == "greedy-threshold":
        outcome = greedy(costs, ballots, budget, threshold=threshold, **options)
        return replace(outcome, rule=rule, details={"threshold": threshold})
    if threshold:
        raise ValueError("the 'equal-shares' rule has no threshold")
    return equal_shares(costs, ballots, budget, **options)


def _round_half_up(value: Fraction, places: int) -> tuple[int, int]:
    units = math.floor(value * 10**places + Fraction(1, 2))
    return divmod(units, 10**places)


def money_str(value: Fraction) -> str:
    """ "995079" for whole amounts, else rounded to the cent, half up: "151.84"."""
    value = Fraction(value)
    if value.denominator == 1:
        return str(value.numerator)
    whole, cents = _round_half_up(value, 2)
    return f"{whole}.{cents:02d}"


def support_str(value: Fraction) -> str:
    """Effective support with 6 decimals, rounded half up: "333.333333"."""
    whole, millionths = _round_half_up(Fraction(value), 6)
    return f"{whole}.{millionths:06d}"


def to_json(outcome: Outcome) -> dict:
    """A JSON-safe dict of the outcome (formats in the module docstring)."""

    def detail(value):
        return money_str(value) if isinstance(value, Fraction) else value

    return {
        "rule": outcome.rule,
        "budget": money_str(outcome.budget),
        "spent": money_str(outcome.spent),
        "selected": list(outcome.selected),
        "projects": [
            {
                "project_id": project.project_id,
                "cost": money_str(project.cost),
                "votes": project.votes,
                "selected": project.selected,
                "reason": project.reason,
                "rank": project.rank,
                "budget_left_before": money_str(project.budget_left_before),
                "effective_support": None
                if project.effective_support is None
                else support_str(project.effective_support),
                "round": project.round,
                "supporters_money": None
                if project.supporters_money is None
                else money_str(project.supporters_money),
            }
            for project in outcome.projects
        ],
        "details": {key: detail(value) for key, value in outcome.details.items()},
    }
