"""The public pages of a participatory budget's projects: the budget page with its project list,
a project's page, and the form residents submit projects with.

Each view takes the ``BudgetPage`` it is served from (see the routes on the page model). Only
projects the team has started reviewing (``PUBLIC_STATUSES``) are listed or shown, except that a
signed-in proposer sees their own fresh submission. Submitting is a rate-limited POST with CSRF,
stored inside ``transaction.atomic()``.
"""

import random

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import OuterRef, Prefetch, Subquery
from django.db.models.functions import Lower
from django.http import Http404, HttpResponseRedirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect

from wagtail_participation.conf import settings
from wagtail_participation.eligibility import (
    Participant,
    ProfileBasedPolicy,
    Refusal,
    account_url,
    check_eligibility,
    eligibility_policies,
)
from wagtail_participation.models import CodeUse
from wagtail_participation.profiles import profile_for
from wagtail_participation.ratelimit import ratelimit_post
from wagtail_participation.status import PhaseKind
from wagtail_participation.templating import page_url, phase_window, shuffle_seed, sub_url
from wagtail_participation.templating import render_with_page as render

from ..filters import (
    SORT_COST_HIGH,
    SORT_COST_LOW,
    SORT_RANDOM,
    SORT_RECENT,
    SORT_VOTES,
    ProjectFilterSet,
)
from ..models import (
    PUBLIC_STATUSES,
    BallotKind,
    BudgetProject,
    BudgetProjectTheme,
    ImplementationUpdate,
    ProjectStatus,
    ResultsRule,
    VotingScope,
)
from ..money import format_money
from ..project_forms import ProjectForm

TEMPLATES = "wagtail_participation/budgets/"
# The same per-visitor seed as the consultations' random order: kept in the session so that
# pages of the list do not reshuffle.
# Statuses that come with implementation progress.
PROGRESS_STATUSES = (ProjectStatus.IN_PROGRESS, ProjectStatus.DONE)


# Querysets -------------------------------------------------------------------------------------


def public_projects(page):
    if page.pk is None:  # the preview of a page never saved
        return BudgetProject.objects.none()
    return BudgetProject.objects.filter(page=page, status__in=PUBLIC_STATUSES)


def with_card_data(queryset):
    """What a project card shows, in a constant number of queries for any number of rows."""
    latest_update = ImplementationUpdate.objects.filter(project=OuterRef("pk")).order_by(
        "-date", "-pk"
    )
    return (
        queryset.select_related("envelope__neighbourhood")
        .prefetch_related(
            Prefetch(
                "theme_items",
                queryset=BudgetProjectTheme.objects.select_related("tag").order_by("tag__name"),
            )
        )
        .annotate(latest_progress=Subquery(latest_update.values("progress")[:1]))
    )


def results_published(page):
    return page.pk is not None and page.results_published


def published_outcomes(page):
    """Each project's published result (votes, selected, reason…), by project pk."""
    if not results_published(page):
        return {}
    outcomes = {}
    for result in page.published_results:
        for item in result.data.get("projects", []):
            if item.get("pk") is not None:
                outcomes[item["pk"]] = item
    return outcomes


def progress_of(project):
    if project.status not in PROGRESS_STATUSES:
        return None
    if project.latest_progress is not None:
        return project.latest_progress
    return 100 if project.status == ProjectStatus.DONE else None


def decorate(projects, page, request, outcomes):
    """Add what cards show (link, money, themes, progress, votes) without further queries."""
    base = page_url(page, request)
    for project in projects:
        project.url = base + page.reverse_subpage("project_detail", args=[project.pk])
        project.cost_display = format_money(project.estimated_cost, page.currency)
        project.theme_list = [item.tag for item in project.theme_items.all()]
        project.progress = progress_of(project)
        project.progress_id = f"participation-project-{project.pk}-progress"
        project.outcome = outcomes.get(project.pk)
    return projects


# What the budget page explains ------------------------------------------------------------------


def submission_window(page, now=None):
    """Whether residents can submit projects and, if not, a sentence saying when they could."""
    now = now or timezone.now()
    if page.submission_open(now):
        return {"open": True, "message": ""}
    if not page.submissions_by_residents:
        return {"open": False, "message": _("Residents do not submit projects to this budget.")}
    sentences = {
        "from_to": _(
            "Project submission is not open yet: you can submit projects from %(start)s to %(end)s."
        ),
        "from": _("Project submission is not open yet: you can submit projects from %(start)s."),
        "closed": _("Project submission is closed: it ended on %(end)s."),
        "none": _("This budget does not collect projects from residents."),
    }
    return phase_window(page, PhaseKind.CONTRIBUTION, False, sentences, now)


def ballot_rule_sentences(page):
    """The ballot rule in one or two plain sentences."""
    sentences = []
    minimum, maximum = page.min_choices, page.max_choices
    if page.ballot_kind == BallotKind.KNAPSACK:
        sentence = _("Choose projects whose total cost fits in the envelope.")
        if page.min_spend_percent:
            sentence += " " + _("Spend at least %(percent)d%% of it.") % {
                "percent": page.min_spend_percent
            }
        sentences.append(sentence)
    if maximum and minimum == maximum:
        sentences.append(
            ngettext("Choose %(count)d project.", "Choose %(count)d projects.", maximum)
            % {"count": maximum}
        )
    elif maximum:
        sentences.append(
            ngettext(
                "Choose between %(min)d and %(max)d project.",
                "Choose between %(min)d and %(max)d projects.",
                maximum,
            )
            % {"min": minimum, "max": maximum}
        )
    elif minimum > 1:
        sentences.append(
            ngettext(
                "Choose at least %(count)d project.", "Choose at least %(count)d projects.", minimum
            )
            % {"count": minimum}
        )
    elif page.ballot_kind == BallotKind.APPROVAL:
        sentences.append(_("Choose as many projects as you like."))
    envelopes = page.envelope_list if page.pk else []
    if any(e.is_town_wide for e in envelopes) and any(not e.is_town_wide for e in envelopes):
        sentences.append(
            {
                VotingScope.NEIGHBOURHOOD: _(
                    "You vote for the projects of your own neighbourhood's envelope."
                ),
                VotingScope.TOWN: _("You vote for the projects of the town-wide envelope."),
                VotingScope.BOTH: _(
                    "You vote in your neighbourhood's envelope and in the town-wide envelope, "
                    "one ballot in each."
                ),
            }.get(page.voting_scope, "")
        )
    return [s for s in sentences if s]


def results_rule_sentences(page):
    """How votes turn into funded projects, in one or two plain sentences."""
    if page.results_rule == ResultsRule.GREEDY_THRESHOLD and page.vote_threshold:
        return [
            ngettext(
                "Projects with at least %(count)d vote can be funded.",
                "Projects with at least %(count)d votes can be funded.",
                page.vote_threshold,
            )
            % {"count": page.vote_threshold},
            _(
                "Among them, the projects with the most votes are funded first, as long as "
                "money remains in the envelope."
            ),
        ]
    if page.results_rule == ResultsRule.EQUAL_SHARES:
        return [
            _(
                "Each envelope is shared equally among its voters, and each voter's share pays "
                "only for the projects they chose."
            ),
            _(
                "Projects that many voters can pay for together are funded first; the money "
                "left is then used for the next ones."
            ),
        ]
    return [
        _(
            "Projects with the most votes are funded first, as long as money remains in the "
            "envelope."
        )
    ]


def envelope_rows(page):
    envelopes = page.envelope_list if page.pk else list(page.envelopes.all())
    return [
        {
            "envelope": envelope,
            "name": envelope.display_name,
            "amount": format_money(envelope.amount, page.currency),
        }
        for envelope in envelopes
    ]


def budget_context(page, request):
    """What the budget page shows above the projects: money, rules and calls to action."""
    rows = envelope_rows(page)
    total = sum((row["envelope"].amount for row in rows), 0)
    published = results_published(page)
    window = submission_window(page)
    return {
        "envelope_rows": rows,
        "total_display": format_money(total, page.currency),
        "ballot_rule": ballot_rule_sentences(page),
        "results_rule": results_rule_sentences(page),
        "submission_open": window["open"],
        "submission_message": window["message"],
        "vote_open": page.vote_open(),
        "results_published": published,
        "submit_url": sub_url(page, "submit_project", request=request),
        "vote_url": sub_url(page, "vote", request=request),
        "results_url": sub_url(page, "results", request=request),
    }


# List ------------------------------------------------------------------------------------------


def own_submissions(request, page):
    """The signed-in visitor's projects still waiting for review (not public yet)."""
    if page.pk is None or not request.user.is_authenticated:
        return []
    projects = list(
        BudgetProject.objects.filter(
            page=page, proposer=request.user, status=ProjectStatus.SUBMITTED
        ).order_by("-created_at", "-pk")
    )
    base = page_url(page, request)
    for project in projects:
        project.url = base + page.reverse_subpage("project_detail", args=[project.pk])
    return projects


def project_list(request, page):
    public = public_projects(page)
    published = results_published(page)
    filterset = ProjectFilterSet(
        request.GET or None, queryset=public, page=page, results_published=published
    )
    filtered = filterset.qs
    sort = filterset.sort_value
    outcomes = published_outcomes(page)

    if sort in (SORT_RANDOM, SORT_VOTES):
        # The ids only (cheap), put in order in Python, then one page of rows.
        ids = list(filtered.order_by(Lower("title"), "pk").values_list("pk", flat=True))
        if sort == SORT_RANDOM:
            random.Random(f"{shuffle_seed(request)}:{page.pk}").shuffle(ids)
        else:
            ids.sort(key=lambda pk: -(outcomes.get(pk) or {}).get("votes", 0))
        paginator = Paginator(ids, settings.PROJECTS_PAGE_SIZE)
        page_of_results = paginator.get_page(request.GET.get("page"))
        page_ids = list(page_of_results.object_list)
        rows = {row.pk: row for row in with_card_data(public.filter(pk__in=page_ids))}
        projects = [rows[pk] for pk in page_ids if pk in rows]
    else:
        ordering = {
            SORT_COST_LOW: ["estimated_cost", Lower("title"), "pk"],
            SORT_COST_HIGH: ["-estimated_cost", Lower("title"), "pk"],
            SORT_RECENT: ["-created_at", "-pk"],
        }.get(sort, [Lower("title"), "pk"])
        paginator = Paginator(
            with_card_data(filtered).order_by(*ordering), settings.PROJECTS_PAGE_SIZE
        )
        page_of_results = paginator.get_page(request.GET.get("page"))
        projects = list(page_of_results.object_list)

    query_without_page = request.GET.copy()
    query_without_page.pop("page", None)
    context = budget_context(page, request)
    context.update(
        {
            "filter": filterset,
            "filters_applied": filterset.filters_applied,
            "sort": sort,
            "paginator": paginator,
            "page_of_results": page_of_results,
            "projects": decorate(projects, page, request, outcomes),
            "query_without_page": query_without_page.urlencode(),
            "has_any_project": bool(paginator.count)
            or (filterset.filters_applied and public.exists()),
            "own_submissions": own_submissions(request, page),
        }
    )
    return render(request, page, page.get_template(request), context)


# Detail ----------------------------------------------------------------------------------------

RESULT_REASONS = {
    "selected": lambda item, page: _(
        "Funded: with its votes, its turn came while enough money remained in the envelope."
    ),
    "selected_by_completion": lambda item, page: _(
        "Funded with the money left in the envelope once the other projects were chosen."
    ),
    "not_enough_budget": lambda item, page: (
        _("Not funded: when its turn came, %(left)s remained in the envelope, less than its cost.")
        % {"left": format_money(item.get("budget_left_before", 0), page.currency)}
    ),
    "below_threshold": lambda item, page: (
        ngettext(
            "Not funded: it received fewer than %(count)d vote, the minimum to be funded.",
            "Not funded: it received fewer than %(count)d votes, the minimum to be funded.",
            page.vote_threshold,
        )
        % {"count": page.vote_threshold}
    ),
    "not_enough_support": lambda item, page: _(
        "Not funded: its voters' shares of the envelope were not enough to pay for it."
    ),
    "no_votes": lambda item, page: _("Not funded: nobody voted for it."),
}


def outcome_explanation(item, page):
    explain = RESULT_REASONS.get(item.get("reason"))
    return explain(item, page) if explain else ""


def get_visible_project_or_404(request, page, pk):
    """A public project of ``page``, or the visitor's own project waiting for review."""
    if page.pk is None:
        raise Http404
    project = (
        BudgetProject.objects.filter(page=page, pk=pk)
        .select_related("envelope__neighbourhood", "proposer__participant_profile")
        .prefetch_related(
            Prefetch(
                "theme_items",
                queryset=BudgetProjectTheme.objects.select_related("tag").order_by("tag__name"),
            ),
            Prefetch("updates", queryset=ImplementationUpdate.objects.order_by("-date", "-pk")),
        )
        .first()
    )
    if project is None:
        raise Http404
    if project.status in PUBLIC_STATUSES:
        return project
    if (
        project.status == ProjectStatus.SUBMITTED
        and request.user.is_authenticated
        and project.proposer_id == request.user.pk
    ):
        return project
    raise Http404


def project_detail(request, page, pk):
    project = get_visible_project_or_404(request, page, pk)
    updates = list(project.updates.all())
    for update in updates:
        update.progress_id = f"participation-update-{update.pk}-progress"
    project.latest_progress = updates[0].progress if updates else None
    outcomes = published_outcomes(page)
    decorate([project], page, request, outcomes)
    outcome = project.outcome
    context = {
        "project": project,
        "waiting_for_review": project.status == ProjectStatus.SUBMITTED,
        "updates": updates,
        "outcome": outcome,
        "outcome_explanation": outcome_explanation(outcome, page) if outcome else "",
        "list_url": page_url(page, request),
        "results_url": sub_url(page, "results", request=request),
        "vote_url": sub_url(page, "vote", request=request),
        "vote_open": page.vote_open() and project.status == ProjectStatus.ON_BALLOT,
    }
    return render(request, page, TEMPLATES + "project_detail.html", context)


# Submit ----------------------------------------------------------------------------------------


def eligibility_refusals(request, page, next_url):
    """Why the signed-in visitor may not submit a project (an empty list if they may).

    Submitting needs an account: the proposer follows their project and is answered. On a page
    that asks for participation codes, the code is kept for the vote (a code is used once), so
    the account's profile is checked against the page's age and residence rules instead.
    """
    decision = check_eligibility(request.user, page)
    refusals = list(decision.refusals)
    if page.participation_codes == CodeUse.CODE_REQUIRED and all(
        refusal.code == "code_required" for refusal in refusals
    ):
        now = timezone.now()
        participant = Participant(user=request.user, page=page, now=now)
        refusals = [
            refusal
            for policy in eligibility_policies()
            if isinstance(policy, ProfileBasedPolicy)
            for refusal in [policy.refusal(participant, page, now)]
            if refusal is not None
        ]
    return [
        Refusal(r.reason, r.action_label, account_url("login", next_url), r.code)
        if r.code.startswith("sign_in")
        else r
        for r in refusals
    ]


def submission_refusals(request, page, here):
    window = submission_window(page)
    if not window["open"]:
        return [Refusal(window["message"], code="closed")]
    if not page.envelope_list:
        return [Refusal(_("This budget has no envelope yet."), code="no_envelope")]
    if not request.user.is_authenticated:
        return [
            Refusal(
                _("Sign in to submit a project: you can then follow it and read the answer."),
                _("Sign in"),
                account_url("login", here),
                "sign_in",
            )
        ]
    return eligibility_refusals(request, page, here)


@csrf_protect
@ratelimit_post("submit_project")
@never_cache
def submit_project(request, page):
    here = sub_url(page, "submit_project", request=request)
    context = {"list_url": page_url(page, request)}
    refusals = submission_refusals(request, page, here)
    if refusals:
        context.update({"refusals": refusals, "form": None})
        return render(request, page, TEMPLATES + "submit_project.html", context, status=403)

    profile = profile_for(request.user)
    form_kwargs = {
        "page": page,
        "themes": page.theme_tags(),
        "public_name": profile.public_name if profile else "",
    }
    status = 200
    if request.method == "POST":
        form = ProjectForm(request.POST, **form_kwargs)
        if form.is_valid():
            project = create_project(page, request.user, profile, form)
            messages.success(
                request,
                _(
                    "Thank you! Your project was sent. It is waiting for review and will appear "
                    "on the budget page once the team starts reviewing it."
                ),
            )
            return HttpResponseRedirect(
                sub_url(page, "project_detail", project.pk, request=request)
            )
        status = 400
    else:
        form = ProjectForm(**form_kwargs)
    context.update({"form": form, "refusals": []})
    return render(request, page, TEMPLATES + "submit_project.html", context, status=status)


def create_project(page, user, profile, form):
    data = form.cleaned_data
    proposer_name = data.get("proposer_name", "").strip()
    if profile is not None and proposer_name == profile.public_name:
        proposer_name = ""  # shown through the profile, so that a later rename follows
    with transaction.atomic():
        project = BudgetProject.objects.create(
            page=page,
            envelope=form.chosen_envelope,
            title=data["title"],
            description=data["description"],
            estimated_cost=data["estimated_cost"],
            location=data.get("location", ""),
            proposer=user,
            proposer_name=proposer_name,
            status=ProjectStatus.SUBMITTED,
        )
        if data.get("themes"):
            project.themes.set(list(data["themes"]))
    return project
