"""Participatory budgets as open data: Pabulib elections in and out of the site.

``import_election`` turns a parsed Pabulib file (``pabulib.Election``) into a new, published
BudgetPage with its projects, one town-wide envelope, the file's ballots and published results.
``election_for`` does the reverse for one envelope of a page: the projects on the ballot and the
ballots, with anonymous voter ids (1, 2, 3... in the order the ballots were stored) and no voter
data, ready for ``pabulib.dumps``.

The META section of an imported file is kept on the page (``pabulib_meta``) and written back on
export, so that a file imported and exported again keeps its description, country, unit,
edition, comment and the exact name of its rule.
"""

from datetime import datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings as django_settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from taggit.models import Tag

from wagtail_participation.conf import settings as participation_settings
from wagtail_participation.models import ProcessPhase
from wagtail_participation.status import PhaseKind

from . import pabulib, rules
from .models import (
    BALLOT_STATUSES,
    MONEY,
    Ballot,
    BallotChannel,
    BallotChoice,
    BallotKind,
    BudgetEnvelope,
    BudgetPage,
    BudgetProject,
    BudgetProjectTheme,
    ProjectStatus,
    ResultsRule,
    VotingScope,
)
from .results import project_key, publish_results

BATCH_SIZE = 5000
TITLE_LENGTH = BudgetProject._meta.get_field("title").max_length
TAG_LENGTH = Tag._meta.get_field("name").max_length
VOTER_KEY_PREFIX = "imported:"
VOTER_KEY_LENGTH = Ballot._meta.get_field("voter_key").max_length
DATE_FORMAT = "%d.%m.%Y"
CENT = Decimal("0.01")
LARGEST_AMOUNT = Decimal(10) ** (MONEY["max_digits"] - MONEY["decimal_places"])
# Pabulib's name for each of our rules, when the page has no imported name of its own.
PABULIB_RULE = {
    ResultsRule.GREEDY: "greedy",
    ResultsRule.GREEDY_THRESHOLD: "greedy-threshold",
    ResultsRule.EQUAL_SHARES: "equalshares/add1",
}
# Pabulib requires a country; it accepts "Worldwide" when no country applies.
UNKNOWN_COUNTRY = "Worldwide"


class OpenDataError(Exception):
    """The election cannot be imported or exported; the message says why."""


# Import ---------------------------------------------------------------------------------------


def file_threshold(meta):
    threshold = meta.get("min_project_score_threshold") or "0"
    if not threshold.isdigit():
        raise OpenDataError(
            _("min_project_score_threshold must be a whole number, found '%(value)s'.")
            % {"value": threshold}
        )
    return int(threshold)


def rule_from_meta(meta):
    """Our rule and vote threshold for the META ``rule`` of a Pabulib file."""
    name = meta.get("rule", "")
    if name == "greedy":
        return ResultsRule.GREEDY, 0
    if name == "greedy-threshold":
        return ResultsRule.GREEDY_THRESHOLD, file_threshold(meta)
    # "equalshares", "equalshares/add1" and their "-comparison" variants: our Method of Equal
    # Shares always completes with "add1" and makes no comparison step.
    if name.startswith("equalshares"):
        return ResultsRule.EQUAL_SHARES, 0
    raise OpenDataError(
        _(
            "The file's rule '%(rule)s' is not one this site can apply (greedy, "
            "greedy-threshold, equalshares...). Choose one with --rule."
        )
        % {"rule": name}
    )


def parse_date(meta, key):
    value = meta.get(key, "")
    if not value:
        return None
    try:
        return datetime.strptime(value, DATE_FORMAT).date()
    except ValueError:
        if len(value) == 4 and value.isdigit():  # the format also allows a bare year
            return datetime(int(value), 1, 1).date()
        raise OpenDataError(
            _("%(key)s must be a date written dd.mm.yyyy, found '%(value)s'.")
            % {"key": key, "value": value}
        ) from None


def vote_period(meta, now):
    """The vote phase: from date_begin to the end of date_end, or the day before ``now``."""
    zone = timezone.get_current_timezone()
    begin, end = parse_date(meta, "date_begin"), parse_date(meta, "date_end")
    if begin is None or end is None or end < begin:
        return now - timedelta(days=1), now
    starts_at = datetime.combine(begin, time.min, tzinfo=zone)
    ends_at = datetime.combine(end + timedelta(days=1), time.min, tzinfo=zone)
    return starts_at, ends_at


def page_title(meta):
    parts = [meta.get("unit"), meta.get("subunit"), meta.get("instance")]
    title = " ".join(part for part in parts if part)
    return title or _("Imported participatory budget")


def decimal_or_none(text, places=6):
    if not text:
        return None
    try:
        return Decimal(text).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    except ArithmeticError:
        return None


def themes_of(project):
    names = [name.strip() for name in project.get("category", "").split(",")]
    return [name[:TAG_LENGTH] for name in names if name]


def one_line(text):
    """``text`` on one line: a line break typed in a title must not start a line of the file
    (the format quotes it, but many readers of `.pb` files read line by line)."""
    return " ".join(str(text).split())


def shortened(text, length):
    return text if len(text) <= length else text[: length - 1] + "…"


def create_page(election, parent, rule, threshold, now):
    meta = election.meta
    vote_starts, vote_ends = vote_period(meta, now)
    max_length = election.max_length
    page = BudgetPage(
        title=shortened(page_title(meta), 255),
        summary=shortened(meta.get("description", ""), 300),
        impact_statement=format_html(
            "<p>{}</p>",
            _(
                "This participatory budget was imported from an open data file in the Pabulib "
                "format: the vote is over and the results are those of the file's ballots."
            ),
        ),
        currency=(election.currency or "EUR")[:3],
        ballot_kind=BallotKind.APPROVAL,
        min_choices=max(election.min_length or 1, 1),
        max_choices=max_length or None,
        voting_scope=VotingScope.TOWN,
        results_rule=rule,
        vote_threshold=threshold,
        submissions_by_residents=False,
        pabulib_meta=dict(meta),
    )
    page.participation_phases = [
        ProcessPhase(kind=PhaseKind.VOTE, starts_at=vote_starts, ends_at=vote_ends),
        ProcessPhase(kind=PhaseKind.RESULTS, starts_at=vote_ends),
    ]
    page.envelopes = [BudgetEnvelope(amount=election.budget, sort_order=0)]
    parent.add_child(instance=page)
    page.save_revision().publish()
    return BudgetPage.objects.get(pk=page.pk)


def create_projects(page, envelope, election):
    """The file's projects, on the ballot; returns {file project id: project pk}."""
    projects = []
    for row in election.projects:
        project_id = row["project_id"]
        name = row.get("name") or _("Project %(id)s") % {"id": project_id}
        projects.append(
            BudgetProject(
                page=page,
                envelope=envelope,
                title=shortened(name, TITLE_LENGTH),
                description=row.get("description") or name,
                estimated_cost=Decimal(row["cost"]),
                latitude=decimal_or_none(row.get("latitude")),
                longitude=decimal_or_none(row.get("longitude")),
                status=ProjectStatus.ON_BALLOT,
                external_id=project_id,
            )
        )
    BudgetProject.objects.bulk_create(projects)
    if any(project.pk is None for project in projects):  # databases that return no pks
        pks = dict(BudgetProject.objects.filter(page=page).values_list("external_id", "pk"))
    else:
        pks = {project.external_id: project.pk for project in projects}
    add_themes(election, pks)
    return pks


def add_themes(election, pks):
    wanted = {row["project_id"]: themes_of(row) for row in election.projects}
    names = {name for themes in wanted.values() for name in themes}
    tags = {tag.name: tag for tag in Tag.objects.filter(name__in=names)}
    for name in sorted(names - set(tags)):
        tags[name] = Tag.objects.create(name=name)
    BudgetProjectTheme.objects.bulk_create(
        BudgetProjectTheme(content_object_id=pks[project_id], tag=tags[name])
        for project_id, themes in wanted.items()
        for name in dict.fromkeys(themes)
    )


def create_ballots(page, envelope, election, project_pks, now):
    """The file's ballots, in batches: they were checked when the file was read."""
    votes = election.votes
    approvals = list(election.approvals())
    for start in range(0, len(votes), BATCH_SIZE):
        ballots = [
            Ballot(
                page=page,
                envelope=envelope,
                voter_key=VOTER_KEY_PREFIX + vote["voter_id"],
                channel=BallotChannel.IMPORTED,
                created_at=now,
            )
            for vote in votes[start : start + BATCH_SIZE]
        ]
        Ballot.objects.bulk_create(ballots)
        if any(ballot.pk is None for ballot in ballots):  # databases that return no pks
            pks = dict(
                Ballot.objects.filter(
                    envelope=envelope, voter_key__in=[b.voter_key for b in ballots]
                ).values_list("voter_key", "pk")
            )
            for ballot in ballots:
                ballot.pk = pks[ballot.voter_key]
        BallotChoice.objects.bulk_create(
            (
                BallotChoice(ballot_id=ballot.pk, project_id=project_pks[project_id])
                for ballot, approved in zip(
                    ballots, approvals[start : start + BATCH_SIZE], strict=True
                )
                for project_id in approved
            ),
            batch_size=BATCH_SIZE,
        )


def refresh_statistics():
    """Let PostgreSQL see how big the ballot tables have just become.

    The rows were added inside this transaction, so autovacuum cannot have counted them; with
    statistics of nearly empty tables the planner may join ballots and choices with a nested
    loop, and counting the results then ran for over 18 minutes instead of one second in a
    test run.
    """
    if connection.vendor != "postgresql":
        return
    tables = ", ".join(
        connection.ops.quote_name(model._meta.db_table) for model in (Ballot, BallotChoice)
    )
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {tables}")


def check_importable(election):
    too_long = [
        vote["voter_id"]
        for vote in election.votes
        if len(VOTER_KEY_PREFIX + vote["voter_id"]) > VOTER_KEY_LENGTH
    ]
    if too_long:
        raise OpenDataError(
            _("The voter id '%(id)s' is too long (at most %(length)d characters).")
            % {"id": too_long[0], "length": VOTER_KEY_LENGTH - len(VOTER_KEY_PREFIX)}
        )
    if any(len(row["project_id"]) > 64 for row in election.projects):
        raise OpenDataError(_("A project id is longer than 64 characters."))
    amounts = [(_("the budget"), election.budget)] + [
        (_("the cost of project '%(id)s'") % {"id": row["project_id"]}, Decimal(row["cost"]))
        for row in election.projects
    ]
    for what, amount in amounts:
        if amount >= LARGEST_AMOUNT or amount != amount.quantize(CENT):
            raise OpenDataError(
                _(
                    "%(what)s (%(amount)s) cannot be stored: amounts have at most 2 decimals "
                    "and 12 digits before them."
                )
                % {"what": what, "amount": amount}
            )


@transaction.atomic
def import_election(election, parent, *, rule=None, now=None):
    """A new published BudgetPage under ``parent`` holding ``election`` and its published
    results, computed with the file's rule (or ``rule``, one of ResultsRule)."""
    now = now or timezone.now()
    if rule is None:
        rule, threshold = rule_from_meta(election.meta)
    else:
        threshold = file_threshold(election.meta) if rule == ResultsRule.GREEDY_THRESHOLD else 0
    check_importable(election)
    page = create_page(election, parent, rule, threshold, now)
    envelope = page.envelope_list[0]
    project_pks = create_projects(page, envelope, election)
    create_ballots(page, envelope, election, project_pks, now)
    refresh_statistics()
    publish_results(page, now=now, require_vote_ended=False)
    return page


# Export ---------------------------------------------------------------------------------------


def amount_text(amount):
    """ "400000" for whole amounts, else "1250.50"."""
    amount = Decimal(amount)
    if amount == amount.to_integral_value():
        return str(amount.quantize(Decimal(1)))
    return str(amount.quantize(CENT))


def coordinate_text(value):
    return "" if value is None else str(value.normalize())


def export_rule(page):
    imported = page.pabulib_meta.get("rule", "")
    try:
        if rule_from_meta({"rule": imported})[0] == page.results_rule:
            return imported
    except OpenDataError:
        pass
    return PABULIB_RULE[page.results_rule]


def vote_dates(page):
    """date_begin and date_end of the vote phases, as Pabulib writes them (dd.mm.yyyy)."""
    votes = [p for p in page.phases if p.kind == PhaseKind.VOTE]
    if not votes:
        return {}
    begin = min(p.starts_at for p in votes)
    ends = [p.ends_at for p in votes if p.ends_at is not None]
    # A phase ends at midnight after its last day: that day is the last day of the vote.
    end = max(ends) - timedelta(microseconds=1) if ends else begin
    return {
        "date_begin": timezone.localtime(begin).strftime(DATE_FORMAT),
        "date_end": timezone.localtime(end).strftime(DATE_FORMAT),
    }


def country():
    return participation_settings.OPEN_DATA_COUNTRY or UNKNOWN_COUNTRY


def town_name(page):
    site = page.get_site()
    return (
        (site and site.site_name) or getattr(django_settings, "WAGTAIL_SITE_NAME", "") or page.title
    )


def export_meta(page, envelope, several_envelopes):
    meta = dict(page.pabulib_meta)
    meta.setdefault("description", one_line(page.title))
    meta.setdefault("country", country())
    meta.setdefault("unit", one_line(town_name(page)))
    if several_envelopes:
        meta["subunit"] = one_line(envelope.display_name)
    dates = vote_dates(page)
    meta.setdefault("instance", (dates.get("date_begin") or "")[-4:] or str(page.pk))
    meta.update(dates)
    meta["budget"] = amount_text(envelope.amount)
    meta["vote_type"] = "approval"
    meta["rule"] = export_rule(page)
    meta.pop("min_project_score_threshold", None)
    if page.results_rule == ResultsRule.GREEDY_THRESHOLD:
        meta["min_project_score_threshold"] = str(page.vote_threshold)
    meta["min_length"] = str(page.min_choices)
    meta.pop("max_length", None)
    if page.max_choices:
        meta["max_length"] = str(page.max_choices)
    meta["currency"] = page.currency
    meta.setdefault("language", page.locale.language_code.split("-")[0])
    return meta


def envelope_projects(page, envelope):
    return list(
        BudgetProject.objects.filter(page=page, envelope=envelope, status__in=BALLOT_STATUSES)
        .prefetch_related("theme_items__tag")
        .order_by("pk")
    )


def envelope_votes(envelope, keys):
    """Each ballot of the envelope as (channel, [project ids in the file]), in stored order."""
    choices = {}
    rows = (
        BallotChoice.objects.filter(ballot__envelope=envelope)
        .order_by("ballot_id", "pk")
        .values_list("ballot_id", "project_id")
    )
    for ballot_id, project_pk in rows.iterator(chunk_size=10000):
        if project_pk in keys:
            choices.setdefault(ballot_id, []).append(keys[project_pk])
    ballots = Ballot.objects.filter(envelope=envelope).order_by("pk").values_list("pk", "channel")
    return [(channel, choices.get(pk, [])) for pk, channel in ballots.iterator(chunk_size=10000)]


VOTING_METHOD = {BallotChannel.ONLINE: "internet", BallotChannel.PAPER: "paper"}


def election_for(page, envelope=None, selected=None):
    """The Pabulib election of one envelope of ``page`` (the only one by default).

    ``selected`` is the list of the funded project ids (as in ``results.project_key``), for
    the ``selected`` column; without it the column is left out.
    """
    envelopes = page.envelope_list
    if envelope is None:
        if len(envelopes) != 1:
            raise OpenDataError(_("This budget has several envelopes: choose one."))
        envelope = envelopes[0]
    projects = envelope_projects(page, envelope)
    keys = {project.pk: project_key(project) for project in projects}
    votes = envelope_votes(envelope, keys)
    counts = dict.fromkeys(keys.values(), 0)
    for _channel, approved in votes:
        for key in approved:
            counts[key] += 1
    has_coordinates = any(p.latitude is not None for p in projects)
    chosen = set(selected or ())
    # Most votes first, ties in our greedy order (cheaper, then natural id), as Pabulib files
    # usually list projects: the Pabulib checker, which reads ties in file order, then
    # verifies a greedy result with the same tie-break as ours.
    projects.sort(
        key=lambda p: (-counts[keys[p.pk]], p.estimated_cost, rules.natural_key(keys[p.pk]))
    )
    project_rows = []
    for project in projects:
        key = keys[project.pk]
        row = {
            "project_id": key,
            "cost": amount_text(project.estimated_cost),
            "votes": counts[key],
            "name": one_line(project.title),
            "category": ",".join(one_line(item.tag.name) for item in project.theme_items.all()),
        }
        if selected is not None:
            row["selected"] = int(key in chosen)
        if has_coordinates:
            row["latitude"] = coordinate_text(project.latitude)
            row["longitude"] = coordinate_text(project.longitude)
        project_rows.append(row)
    # The channel is not personal data, and Pabulib has a column for it; imported ballots do
    # not say how they were cast, so the column is left out when there are any.
    with_method = bool(votes) and all(channel in VOTING_METHOD for channel, _v in votes)
    vote_rows = []
    for number, (channel, approved) in enumerate(votes, start=1):
        row = {"voter_id": number, "vote": approved}
        if with_method:
            row["voting_method"] = VOTING_METHOD[channel]
        vote_rows.append(row)
    meta = export_meta(page, envelope, several_envelopes=len(envelopes) > 1)
    return pabulib.build(meta, project_rows, vote_rows)


def export_filename(page, envelope=None):
    if envelope is None or len(page.envelope_list) == 1:
        return f"{page.slug}.pb"
    return f"{page.slug}-{envelope.pk}.pb"
