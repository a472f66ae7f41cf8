"""Online voting on a participatory budget: the ballot, its confirmation and the receipt.

Each view takes the ``BudgetPage`` it is served from (see the routes on the page model). The
views only decide what to show: every rule is checked, and the ballot stored, by
``ballots.cast_ballot``, which stores the whole ballot or nothing. A participation code stays in
the session (never in a URL) while its holder votes; the receipts of ballots cast in this
browser are remembered in the session, so that a voter without an account can see them again.
"""

import dataclasses
from decimal import Decimal

from django.db.models import Prefetch, Q
from django.http import Http404, HttpResponseRedirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect

from wagtail_participation.eligibility import account_url, check_eligibility
from wagtail_participation.forms import MAX_ID
from wagtail_participation.models import CodeUse
from wagtail_participation.ratelimit import ratelimit_post
from wagtail_participation.status import PhaseKind
from wagtail_participation.templating import format_moment, page_url, phase_window, sub_url
from wagtail_participation.templating import render_with_page as render

from ..ballots import (
    BallotRefused,
    already_voted_message,
    ballot_projects,
    cast_ballot,
    envelopes_for,
    minimum_spend,
    money,
    rule_errors,
)
from ..models import Ballot, BallotChannel, BallotChoice, BallotKind, BudgetProject

TEMPLATES = "wagtail_participation/budgets/"
CODE_FIELD = "participation_code"
PROJECT_FIELD = "project"
RECEIPTS_SESSION_KEY = "participation_budget_receipts"
# Refusals that the code form on the page answers by itself.
CODE_REFUSALS = ("sign_in_or_code", "code_required")


# URLs and the session ------------------------------------------------------------------------


def vote_url(page, request=None):
    return sub_url(page, "vote", request=request)


def envelope_url(page, envelope, request=None):
    return sub_url(page, "vote_envelope", envelope.pk, request=request)


def receipt_url(page, receipt, request=None):
    return sub_url(page, "vote_receipt", receipt, request=request)


def code_session_key(page):
    return f"participation_budget_code:{page.pk}"


def votes_with_code(request, page):
    """Whether this visitor votes with a participation code rather than with their account."""
    if page.participation_codes == CodeUse.CODE_REQUIRED:
        return True
    return page.participation_codes == CodeUse.ACCOUNT_OR_CODE and not request.user.is_authenticated


def session_code(request, page):
    if not votes_with_code(request, page):
        return ""
    return request.session.get(code_session_key(page), "")


def remembered_receipts(request):
    return request.session.get(RECEIPTS_SESSION_KEY, [])


def remember_receipt(request, ballot):
    request.session[RECEIPTS_SESSION_KEY] = [*remembered_receipts(request), ballot.receipt]


def signed_in_user(request):
    return request.user if request.user.is_authenticated else None


# Whether the vote is open --------------------------------------------------------------------


def vote_window(page, now):
    """Whether the vote is open and, if not, a sentence saying when it opens or closed."""
    sentences = {
        "from_to": _("The vote is not open yet: you can vote from %(start)s to %(end)s."),
        "from": _("The vote is not open yet: you can vote from %(start)s."),
        "closed": _("The vote is closed: it ended on %(end)s."),
        "none": _("No vote is planned on this budget yet."),
    }
    return phase_window(
        page, PhaseKind.VOTE, page.vote_open(now), sentences, now, formatter=format_moment
    )


# Who is voting -------------------------------------------------------------------------------


@dataclasses.dataclass
class Visitor:
    """The visitor as a voter: their eligibility, the envelopes open to them, their ballots."""

    user: object
    code_text: str
    decision: object
    envelopes: list
    hint: str
    code_form: bool

    @property
    def has_code(self):
        return self.decision.participant.code is not None

    def may_vote_in(self, envelope):
        return bool(self.decision) and envelope.pk in {e.pk for e in self.envelopes}


def visitor_for(request, page, now):
    code_text = session_code(request, page)
    user = signed_in_user(request)
    decision = check_eligibility(user, page, code=code_text, now=now)
    choice = envelopes_for(page, user, has_code=decision.participant.code is not None)
    code_form = votes_with_code(request, page) and (
        decision.participant.code is None or not decision
    )
    return Visitor(user, code_text, decision, choice.envelopes, str(choice.hint), code_form)


def refusals_for(visitor, page, request):
    """The visitor's refusals; a sign-in link leads back to the vote, and a refusal that the
    code form on the same page answers is left out when that form is shown."""
    refusals = []
    for refusal in visitor.decision.refusals:
        if visitor.code_form and refusal.code in CODE_REFUSALS:
            continue
        if refusal.code.startswith("sign_in"):
            refusal = dataclasses.replace(
                refusal, action_url=account_url("login", vote_url(page, request))
            )
        refusals.append(refusal)
    return refusals


def ballots_query(request):
    """Ballots of the signed-in user, or cast in this browser with a participation code."""
    query = Q(receipt__in=remembered_receipts(request))
    if request.user.is_authenticated:
        query |= Q(voter=request.user, channel=BallotChannel.ONLINE)
    return query


def with_projects(ballots):
    return ballots.select_related("envelope__neighbourhood").prefetch_related(
        Prefetch(
            "choices",
            queryset=BallotChoice.objects.select_related("project").order_by(
                "project__title", "project__pk"
            ),
        )
    )


def visitor_ballot(request, page, envelope):
    return with_projects(
        Ballot.objects.filter(page=page, envelope=envelope).filter(ballots_query(request))
    ).first()


def visitor_ballots(request, page):
    """The visitor's ballots on ``page``, by envelope."""
    ballots = Ballot.objects.filter(page=page).filter(ballots_query(request))
    return {ballot.envelope_id: ballot for ballot in ballots}


# What a ballot shows -------------------------------------------------------------------------


def rule_sentences(page, envelope):
    """The ballot rule in words."""
    low, high = page.min_choices, page.max_choices
    if high and low == high:
        count_rule = ngettext(
            "Choose exactly %(count)d project.", "Choose exactly %(count)d projects.", high
        ) % {"count": high}
    elif high:
        count_rule = _("Choose between %(min)d and %(max)d projects.") % {"min": low, "max": high}
    else:
        count_rule = ngettext(
            "Choose at least %(count)d project.", "Choose at least %(count)d projects.", low
        ) % {"count": low}
    if page.ballot_kind != BallotKind.KNAPSACK:
        return [count_rule]
    sentences = [
        _("Your choices must fit in %(amount)s.")
        % {"amount": money(envelope.amount, page.currency)}
    ]
    if page.min_spend_percent:
        sentences.append(
            _("Spend at least %(minimum)s (%(percent)s%% of the envelope).")
            % {
                "minimum": money(minimum_spend(page, envelope), page.currency),
                "percent": page.min_spend_percent,
            }
        )
    if high or low > 1:
        sentences.append(count_rule)
    return sentences


def status_templates(page):
    """The sentences of the live status line, with {placeholders} filled in by the server for
    the choices it received, and by ballot.js as the voter ticks boxes."""
    if page.ballot_kind == BallotKind.KNAPSACK:
        return {
            "within": _("Your choices: {total} of {amount}. Left to spend: {left}."),
            "over": _("Your choices: {total}, {over} more than the envelope of {amount}."),
        }
    if page.max_choices:
        return {
            "within": _("Choices left: {left} of {max}."),
            "over": _("Too many choices: {count} chosen, {max} at most."),
        }
    return {"within": _("Projects chosen: {count}."), "over": ""}


def status_line(page, envelope, chosen):
    templates = status_templates(page)
    if page.ballot_kind == BallotKind.KNAPSACK:
        total = sum((p.estimated_cost for p in chosen), Decimal(0))
        values = {
            "total": money(total, page.currency),
            "amount": money(envelope.amount, page.currency),
            "left": money(max(envelope.amount - total, 0), page.currency),
            "over": money(max(total - envelope.amount, 0), page.currency),
        }
        over = total > envelope.amount
    else:
        high = page.max_choices or 0
        values = {"count": len(chosen), "max": high, "left": max(high - len(chosen), 0)}
        over = bool(high) and len(chosen) > high
    return templates["over" if over else "within"].format(**values)


def parse_project_ids(request):
    """The ids of the ticked projects; anything that is not an id stands for no project, which
    the rule refuses as not part of the budget."""
    ids = []
    for value in request.POST.getlist(PROJECT_FIELD):
        try:
            pk = int(value)
        except (TypeError, ValueError):
            pk = 0
        ids.append(pk if 0 < pk <= MAX_ID else 0)
    return ids


def ballot_context(request, page, envelope, chosen_ids, errors=()):
    base = page_url(page, request)
    projects = list(ballot_projects(page, envelope))
    for project in projects:
        project.url = base + page.reverse_subpage("project_detail", args=[project.pk])
        project.cost_display = money(project.estimated_cost, page.currency)
        project.is_chosen = project.pk in chosen_ids
    chosen = [project for project in projects if project.is_chosen]
    return {
        "envelope": envelope,
        "envelope_amount": money(envelope.amount, page.currency),
        "projects": projects,
        "rule_sentences": rule_sentences(page, envelope),
        "status_templates": status_templates(page),
        "status_line": status_line(page, envelope, chosen),
        "is_knapsack": page.ballot_kind == BallotKind.KNAPSACK,
        "errors": [str(error) for error in errors],
        "vote_url": vote_url(page, request),
        "envelope_url": envelope_url(page, envelope, request),
    }


def ballot_summary(page, ballot, request):
    projects = [choice.project for choice in ballot.choices.all()]
    for project in projects:
        project.cost_display = money(project.estimated_cost, page.currency)
    total = sum((p.estimated_cost for p in projects), Decimal(0))
    return {
        "ballot": ballot,
        "chosen_projects": projects,
        "chosen_total": money(total, page.currency),
        "is_knapsack": page.ballot_kind == BallotKind.KNAPSACK,
        "receipt_url": receipt_url(page, ballot.receipt, request),
    }


# Responses -----------------------------------------------------------------------------------


def render_refused(request, page, heading, refusals=(), messages=(), visitor=None, status=403):
    return render(
        request,
        page,
        TEMPLATES + "vote_refused.html",
        {
            "heading": heading,
            "refusals": refusals,
            "messages_list": [str(m) for m in messages],
            "hint": visitor.hint if visitor else "",
            "code_form": visitor.code_form if visitor else False,
            "login_url": account_url("login", vote_url(page, request)),
            "vote_url": vote_url(page, request),
            "page_url": page_url(page, request),
        },
        status=status,
    )


def render_ballot(request, page, envelope, chosen_ids=(), errors=(), status=200):
    context = ballot_context(request, page, envelope, set(chosen_ids), errors)
    return render(request, page, TEMPLATES + "vote_envelope.html", context, status=status)


def render_voted(request, page, envelope, ballot, messages=(), status=200):
    context = {
        "envelope": envelope,
        "already_voted": True,
        "errors": [str(m) for m in messages],
        "vote_url": vote_url(page, request),
        **ballot_summary(page, ballot, request),
    }
    return render(request, page, TEMPLATES + "vote_envelope.html", context, status=status)


def render_confirm(request, page, envelope, projects):
    total = sum((p.estimated_cost for p in projects), Decimal(0))
    for project in projects:
        project.cost_display = money(project.estimated_cost, page.currency)
    context = {
        "envelope": envelope,
        "chosen_projects": projects,
        "chosen_total": money(total, page.currency),
        "envelope_amount": money(envelope.amount, page.currency),
        "is_knapsack": page.ballot_kind == BallotKind.KNAPSACK,
        "rule_sentences": rule_sentences(page, envelope),
        "envelope_url": envelope_url(page, envelope, request),
    }
    return render(request, page, TEMPLATES + "vote_confirm.html", context)


# Start -------------------------------------------------------------------------------------


def code_entry(request, page, now):
    """POST of the code form: keep a usable code in the session, or say what is wrong."""
    code_text = request.POST.get(CODE_FIELD, "").strip()
    if not code_text:
        return _("Enter the participation code the town gave you.")
    decision = check_eligibility(signed_in_user(request), page, code=code_text, now=now)
    code_refusal = next((r for r in decision.refusals if r.code.startswith("code_")), None)
    if code_refusal is not None:
        return str(code_refusal.reason)
    request.session[code_session_key(page)] = code_text
    return ""


@csrf_protect
@ratelimit_post("vote")
@never_cache
def vote_start(request, page):
    now = timezone.now()
    window = vote_window(page, now)
    code_error = ""
    if request.method == "POST" and window["open"] and votes_with_code(request, page):
        code_error = code_entry(request, page, now)
        if not code_error:
            return HttpResponseRedirect(vote_url(page, request))

    ballots = visitor_ballots(request, page)
    visitor = visitor_for(request, page, now) if window["open"] else None
    rows = []
    if visitor is not None and visitor.decision:
        for envelope in visitor.envelopes:
            rows.append({"envelope": envelope, "ballot": ballots.get(envelope.pk)})
        if len(rows) == 1 and rows[0]["ballot"] is None and not visitor.hint:
            return HttpResponseRedirect(envelope_url(page, rows[0]["envelope"], request))
    for row in rows:
        row["amount"] = money(row["envelope"].amount, page.currency)
        row["url"] = envelope_url(page, row["envelope"], request)
        if row["ballot"] is not None:
            row["receipt_url"] = receipt_url(page, row["ballot"].receipt, request)
    shown = {row["envelope"].pk for row in rows}
    other_ballots = [
        {
            "envelope": ballot.envelope,
            "ballot": ballot,
            "receipt_url": receipt_url(page, ballot.receipt, request),
        }
        for ballot in ballots.values()
        if ballot.envelope_id not in shown
    ]
    context = {
        "window": window,
        "visitor": visitor,
        "refusals": refusals_for(visitor, page, request) if visitor else [],
        "code_form": bool(visitor and visitor.code_form),
        "code_error": code_error,
        "code_value": request.POST.get(CODE_FIELD, "") if code_error else "",
        "login_url": account_url("login", vote_url(page, request)),
        "vote_url": vote_url(page, request),
        "rows": rows,
        "other_ballots": other_ballots,
        "hint": visitor.hint if visitor else "",
        "page_url": page_url(page, request),
        "results_url": sub_url(page, "results", request=request) if page.results_published else "",
    }
    return render(
        request,
        page,
        TEMPLATES + "vote_start.html",
        context,
        status=400 if code_error else 200,
    )


# The ballot ----------------------------------------------------------------------------------


def envelope_or_404(page, envelope_pk):
    for envelope in page.envelope_list:
        if envelope.pk == envelope_pk:
            return envelope
    raise Http404


def ballot_gate(request, page, envelope, now):
    """The response for a visitor who cannot vote in ``envelope`` now, or None."""
    status = 403 if request.method == "POST" else 200
    window = vote_window(page, now)
    if not window["open"]:
        return render_refused(
            request, page, _("The vote is not open"), messages=[window["message"]], status=status
        )
    visitor = visitor_for(request, page, now)
    if not visitor.decision:
        return render_refused(
            request,
            page,
            _("You cannot vote at the moment"),
            refusals=refusals_for(visitor, page, request),
            visitor=visitor,
            status=403,
        )
    if not visitor.may_vote_in(envelope):
        return render_refused(
            request,
            page,
            _("You cannot vote in this envelope"),
            messages=[_("You cannot vote in this envelope.")],
            visitor=visitor,
            status=403,
        )
    return None


def review(request, page, envelope, project_ids):
    """Step 1: check the choice against the rule, then ask the voter to confirm it."""
    projects = sorted(
        BudgetProject.objects.filter(pk__in=project_ids), key=lambda p: (p.title, p.pk)
    )
    errors = rule_errors(page, envelope, projects, project_ids)
    if errors:
        return render_ballot(request, page, envelope, project_ids, errors, status=400)
    return render_confirm(request, page, envelope, projects)


def confirm(request, page, envelope, project_ids):
    """Step 2: store the ballot, then send the voter to the receipt (POST/redirect/GET)."""
    code_text = session_code(request, page)
    try:
        ballot = cast_ballot(
            page,
            envelope,
            project_ids,
            user=signed_in_user(request),
            code_text=code_text,
            channel=BallotChannel.ONLINE,
        )
    except BallotRefused as refusal:
        if refusal.code == "already_voted":
            ballot = visitor_ballot(request, page, envelope)
            if ballot is not None:
                return render_voted(request, page, envelope, ballot, refusal.messages, 409)
            return render_refused(
                request, page, _("You have already voted"), messages=refusal.messages, status=409
            )
        return render_ballot(request, page, envelope, project_ids, refusal.messages, status=400)
    remember_receipt(request, ballot)
    if code_text:  # the code is spent: do not keep it longer than needed
        request.session.pop(code_session_key(page), None)
    return HttpResponseRedirect(receipt_url(page, ballot.receipt, request))


@csrf_protect
@ratelimit_post("vote")
@never_cache
def vote_envelope(request, page, envelope_pk):
    envelope = envelope_or_404(page, envelope_pk)
    is_post = request.method == "POST"
    ballot = visitor_ballot(request, page, envelope)
    if ballot is not None:
        messages = []
        if is_post:
            messages = already_voted_message(envelope)
        return render_voted(request, page, envelope, ballot, messages, 409 if is_post else 200)
    gate = ballot_gate(request, page, envelope, timezone.now())
    if gate is not None:
        return gate
    if not is_post:
        return render_ballot(request, page, envelope)
    project_ids = parse_project_ids(request)
    action = request.POST.get("action")
    if action == "change":
        return render_ballot(request, page, envelope, project_ids)
    if action == "confirm":
        return confirm(request, page, envelope, project_ids)
    return review(request, page, envelope, project_ids)


# Receipt -------------------------------------------------------------------------------------


@never_cache
def vote_receipt(request, page, receipt):
    ballot = with_projects(
        Ballot.objects.filter(page=page, receipt=receipt.upper(), channel=BallotChannel.ONLINE)
    ).first()
    if ballot is None:
        raise Http404
    is_voter = request.user.is_authenticated and ballot.voter_id == request.user.pk
    if not is_voter and ballot.receipt not in remembered_receipts(request):
        raise Http404
    context = {
        "envelope": ballot.envelope,
        "vote_url": vote_url(page, request),
        "page_url": page_url(page, request),
        **ballot_summary(page, ballot, request),
    }
    return render(request, page, TEMPLATES + "vote_receipt.html", context)
