"""The public pages of a consultation's contributions: list, detail, contribute, support,
comment and report.

Each view takes the ``ConsultationPage`` it is served from (see the routes on the page model).
Only published contributions and comments are ever shown or counted. Every resident write is a
rate-limited POST with CSRF, made inside ``transaction.atomic()`` after locking the row it
depends on, and protected by the models' unique constraints.
"""

import random

from django.conf import settings as django_settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.db.models import Count, F, IntegerField, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_POST

from wagtail_participation.conf import settings
from wagtail_participation.eligibility import Refusal, account_url, check_eligibility
from wagtail_participation.profiles import profile_for
from wagtail_participation.ratelimit import ratelimit_post
from wagtail_participation.status import PhaseKind
from wagtail_participation.templating import (
    page_url,
    phase_window,
    safe_next,
    shuffle_seed,
    sub_url,
)
from wagtail_participation.templating import render_with_page as render

from ..filters import SORT_RANDOM, SORT_SUPPORTED, ContributionFilterSet
from ..forms import CommentForm, ContributionForm, ReportForm
from ..models import (
    Comment,
    CommentStatus,
    ContentReport,
    Contribution,
    ContributionStatus,
    ContributionTheme,
    Moderation,
    Support,
)
from ..notifications import notify_moderators

TEMPLATES = "wagtail_participation/consultations/"


# URLs and rendering ----------------------------------------------------------------------------


def detail_url(page, contribution_pk, request=None):
    return sub_url(page, "contribution_detail", contribution_pk, request=request)


# Querysets -------------------------------------------------------------------------------------


def published_contributions(page):
    if page.pk is None:  # the preview of a page never saved
        return Contribution.objects.none()
    return page.published_contributions()


def visible_comments():
    """Published comments whose thread is visible (a reply to a hidden comment is not)."""
    return Comment.objects.filter(status=CommentStatus.PUBLISHED).filter(
        Q(parent__isnull=True) | Q(parent__status=CommentStatus.PUBLISHED)
    )


def count_of(queryset):
    """A subquery counting ``queryset`` rows per contribution (0 when there are none)."""
    counted = queryset.order_by().values("contribution").annotate(total=Count("pk"))
    return Coalesce(Subquery(counted.values("total"), output_field=IntegerField()), 0)


def with_card_data(queryset):
    """What a contribution card shows, in a constant number of queries for any number of rows."""
    return (
        queryset.select_related("author__participant_profile", "neighbourhood")
        .prefetch_related(
            Prefetch(
                "theme_items",
                queryset=ContributionTheme.objects.select_related("tag").order_by("tag__name"),
            )
        )
        .annotate(
            support_count=count_of(Support.objects.filter(contribution=OuterRef("pk"))),
            comment_count=count_of(visible_comments().filter(contribution=OuterRef("pk"))),
        )
    )


def decorate(contributions, page, request):
    """Add the card's theme list, flag and link, without further queries."""
    base = page_url(page, request)
    threshold = page.support_threshold
    for contribution in contributions:
        contribution.theme_list = [item.tag for item in contribution.theme_items.all()]
        contribution.flagged = bool(threshold) and contribution.support_count >= threshold
        contribution.url = base + page.reverse_subpage(
            "contribution_detail", args=[contribution.pk]
        )
    return contributions


# Phases and eligibility ------------------------------------------------------------------------


def contribution_window(page, now=None):
    """Whether contributions are open and, if not, a sentence saying when they are or were."""
    sentences = {
        "from_to": _(
            "Contributions are not open yet: you can contribute from %(start)s to %(end)s."
        ),
        "from": _("Contributions are not open yet: you can contribute from %(start)s."),
        "closed": _("Contributions are closed: the contribution phase ended on %(end)s."),
        "none": _("This consultation does not collect contributions."),
    }
    return phase_window(page, PhaseKind.CONTRIBUTION, page.contributions_open(now), sentences, now)


def refusals_for(request, page, next_url=None):
    """The eligibility refusals of the signed-in visitor (a sign-in link comes back here)."""
    decision = check_eligibility(request.user, page)
    refusals = []
    for refusal in decision.refusals:
        if refusal.code.startswith("sign_in") and next_url:
            refusal = Refusal(
                refusal.reason,
                refusal.action_label,
                account_url("login", next_url),
                refusal.code,
            )
        refusals.append(refusal)
    return refusals


def refused(request, page, heading, refusals, status=403):
    return render(
        request,
        page,
        TEMPLATES + "refused.html",
        {"heading": heading, "refusals": refusals, "page_url": page_url(page, request)},
        status=status,
    )


def action_refusal(request, page, heading, next_url):
    """A response explaining why the signed-in visitor cannot act now, or None."""
    window = contribution_window(page)
    if not window["open"]:
        return refused(request, page, heading, [Refusal(window["message"], code="closed")])
    refusals = refusals_for(request, page, next_url)
    if refusals:
        return refused(request, page, heading, refusals)
    return None


# List ------------------------------------------------------------------------------------------


def contribution_list(request, page):
    published = published_contributions(page)
    themes = page.theme_tags() if page.pk else []
    filterset = ContributionFilterSet(
        request.GET or None, queryset=published, page=page, themes=themes
    )
    filtered = filterset.qs
    sort = filterset.sort_value
    paginator_size = settings.CONTRIBUTIONS_PAGE_SIZE

    if sort == SORT_RANDOM:
        # The ids only (cheap), shuffled the same way for the same visitor, then one page of rows.
        ids = list(filtered.order_by("pk").values_list("pk", flat=True))
        random.Random(f"{shuffle_seed(request)}:{page.pk}").shuffle(ids)
        paginator = Paginator(ids, paginator_size)
        page_of_results = paginator.get_page(request.GET.get("page"))
        page_ids = list(page_of_results.object_list)
        rows = {row.pk: row for row in with_card_data(published.filter(pk__in=page_ids))}
        contributions = [rows[pk] for pk in page_ids if pk in rows]
    else:
        ordering = [F("published_at").desc(nulls_last=True), "-created_at", "-pk"]
        if sort == SORT_SUPPORTED:
            ordering = ["-support_count"] + ordering
        paginator = Paginator(with_card_data(filtered).order_by(*ordering), paginator_size)
        page_of_results = paginator.get_page(request.GET.get("page"))
        contributions = list(page_of_results.object_list)

    query_without_page = request.GET.copy()
    query_without_page.pop("page", None)
    window = contribution_window(page)
    context = {
        "filter": filterset,
        "filters_applied": filterset.filters_applied,
        "sort": sort,
        "paginator": paginator,
        "page_of_results": page_of_results,
        "contributions": decorate(contributions, page, request),
        "query_without_page": query_without_page.urlencode(),
        "contributions_open": window["open"],
        "contributions_message": window["message"],
        "contribute_url": sub_url(page, "contribute", request=request),
        "has_any_contribution": bool(paginator.count)
        or (filterset.filters_applied and published.exists()),
    }
    return render(request, page, page.get_template(request), context)


# Detail ----------------------------------------------------------------------------------------


def get_published_or_404(page, pk):
    return get_object_or_404(with_card_data(published_contributions(page)), pk=pk)


def comment_threads(contribution):
    """Top-level published comments, each with ``reply_list``: one query for any number."""
    comments = list(
        Comment.objects.filter(contribution=contribution, status=CommentStatus.PUBLISHED)
        .select_related("author__participant_profile")
        .order_by("created_at", "pk")
    )
    threads = [comment for comment in comments if comment.parent_id is None]
    by_pk = {comment.pk: comment for comment in threads}
    for comment in threads:
        comment.reply_list = []
    for comment in comments:
        if comment.parent_id is not None and comment.parent_id in by_pk:
            by_pk[comment.parent_id].reply_list.append(comment)
    return threads


def render_detail(request, page, contribution, comment_form=None, status=200):
    decorate([contribution], page, request)
    window = contribution_window(page)
    signed_in = request.user.is_authenticated
    here = detail_url(page, contribution.pk, request)
    refusals = refusals_for(request, page, here) if signed_in and window["open"] else []
    can_act = window["open"] and signed_in and not refusals
    has_supported = (
        signed_in
        and page.supports_enabled
        and Support.objects.filter(contribution=contribution, user=request.user).exists()
    )
    if comment_form is None and can_act and page.comments_enabled:
        comment_form = CommentForm(contribution=contribution)
    reply_to = None
    if comment_form is not None and comment_form.is_bound:
        reply_to = comment_form.cleaned_data.get("parent")
    context = {
        "contribution": contribution,
        "threads": comment_threads(contribution),
        "comment_form": comment_form,
        "reply_to": reply_to,
        "contributions_open": window["open"],
        "contributions_message": window["message"],
        "can_act": can_act,
        "refusals": refusals,
        "login_url": account_url("login", here),
        "has_supported": has_supported,
        "detail_url": here,
        "list_url": page_url(page, request),
        "support_url": sub_url(page, "support", contribution.pk, request=request),
        "comment_url": sub_url(page, "comment", contribution.pk, request=request),
        "report_url": sub_url(page, "report", contribution.pk, request=request),
    }
    return render(request, page, TEMPLATES + "contribution_detail.html", context, status=status)


def contribution_detail(request, page, pk):
    contribution = get_published_or_404(page, pk)
    return render_detail(request, page, contribution)


# Contribute ------------------------------------------------------------------------------------


def contribution_gate(request, page):
    """None if the visitor may contribute now, else the page that says why not."""
    heading = _("You cannot contribute at the moment")
    window = contribution_window(page)
    if not window["open"]:
        return refused(request, page, heading, [Refusal(window["message"], code="closed")])
    if not request.user.is_authenticated and page.open_to_anonymous:
        return None
    refusals = refusals_for(request, page, sub_url(page, "contribute", request=request))
    if refusals:
        return refused(request, page, heading, refusals)
    return None


@csrf_protect
@ratelimit_post("contribute")
@never_cache
def contribute(request, page):
    gate = contribution_gate(request, page)
    if gate is not None:
        return gate
    signed_in = request.user.is_authenticated
    profile = profile_for(request.user)
    themes = page.theme_tags()
    form_kwargs = {
        "page": page,
        "themes": themes,
        "initial_neighbourhood": profile.neighbourhood_id if profile else None,
    }
    if request.method == "POST":
        form = ContributionForm(request.POST, **form_kwargs)
        if form.is_valid():
            data = form.cleaned_data
            # Without an account, a moderator always reads the contribution first.
            pending = not signed_in or page.moderation == Moderation.PRE
            with transaction.atomic():
                contribution = Contribution.objects.create(
                    page=page,
                    author=request.user if signed_in else None,
                    title=data["title"],
                    body=data["body"],
                    neighbourhood=data.get("neighbourhood"),
                    latitude=data.get("latitude"),
                    longitude=data.get("longitude"),
                    status=ContributionStatus.PENDING if pending else ContributionStatus.PUBLISHED,
                    published_at=None if pending else timezone.now(),
                )
                if data.get("themes"):
                    contribution.themes.set(list(data["themes"]))
                if pending:
                    notify_moderators(contribution, "pending")
            if pending:
                messages.success(
                    request,
                    _("Thank you! Your contribution will appear once a moderator has read it."),
                )
                return HttpResponseRedirect(page_url(page, request))
            messages.success(request, _("Thank you! Your contribution is published."))
            return HttpResponseRedirect(detail_url(page, contribution.pk, request))
        status = 400
    else:
        form = ContributionForm(**form_kwargs)
        status = 200
    return render(
        request,
        page,
        TEMPLATES + "contribute.html",
        {
            "form": form,
            "anonymous": not signed_in,
            "pre_moderation": not signed_in or page.moderation == Moderation.PRE,
            "login_url": account_url("login", sub_url(page, "contribute", request=request)),
            "list_url": page_url(page, request),
        },
        status=status,
    )


# Support ---------------------------------------------------------------------------------------


@require_POST
@csrf_protect
@ratelimit_post("support")
def support(request, page, pk):
    """Support a contribution, or withdraw one's support.

    The button says what it does (``action`` = ``support`` or ``withdraw``), so that a form sent
    twice does not undo itself; without ``action``, the support is toggled.
    """
    contribution = get_object_or_404(published_contributions(page), pk=pk)
    here = detail_url(page, contribution.pk, request)
    if not page.supports_enabled:
        raise Http404
    if not request.user.is_authenticated:
        return redirect_to_login(here)
    refusal = action_refusal(request, page, _("You cannot support contributions now"), here)
    if refusal is not None:
        return refusal
    action = request.POST.get("action", "")
    with transaction.atomic():
        # The contribution's row owns its supports: one resident's requests wait for each other.
        locked = (
            Contribution.objects.select_for_update()
            .filter(pk=contribution.pk, status=ContributionStatus.PUBLISHED)
            .first()
        )
        if locked is None:
            raise Http404
        existing = Support.objects.filter(contribution=locked, user=request.user)
        supported = existing.exists()
        if action not in ("support", "withdraw"):
            action = "withdraw" if supported else "support"
        if action == "withdraw":
            existing.delete()
            message = _("You no longer support this contribution.")
        else:
            message = _("You support this contribution.")
            if not supported:
                try:
                    with transaction.atomic():
                        Support.objects.create(contribution=locked, user=request.user)
                except IntegrityError:
                    pass  # another request of the same resident got there first
    messages.success(request, message)
    return HttpResponseRedirect(safe_next(request, here))


# Comment ---------------------------------------------------------------------------------------


@require_POST
@csrf_protect
@ratelimit_post("comment")
def comment(request, page, pk):
    contribution = get_published_or_404(page, pk)
    here = detail_url(page, contribution.pk, request)
    if not page.comments_enabled:
        raise Http404
    if not request.user.is_authenticated:
        return redirect_to_login(here)
    refusal = action_refusal(request, page, _("You cannot comment now"), here)
    if refusal is not None:
        return refusal
    form = CommentForm(request.POST, contribution=contribution)
    if not form.is_valid():
        return render_detail(request, page, contribution, comment_form=form, status=400)
    parent = form.cleaned_data["parent"]
    with transaction.atomic():
        locked = (
            Contribution.objects.select_for_update()
            .filter(pk=contribution.pk, status=ContributionStatus.PUBLISHED)
            .first()
        )
        if locked is None:
            raise Http404
        if parent is not None and not (
            Comment.objects.filter(pk=parent.pk, status=CommentStatus.PUBLISHED).exists()
        ):
            form.add_error("parent", _("The comment you reply to is no longer available."))
            return render_detail(request, page, contribution, comment_form=form, status=400)
        new_comment = Comment.objects.create(
            contribution=locked,
            parent=parent,
            author=request.user,
            body=form.cleaned_data["body"],
        )
    messages.success(request, _("Your comment is published."))
    return HttpResponseRedirect(f"{here}#comment-{new_comment.pk}")


# Report ----------------------------------------------------------------------------------------


def hide_after_reports(contribution, comment):
    """Hide the reported item once enough distinct residents reported it (under its lock)."""
    reports = ContentReport.objects.filter(
        contribution=contribution, comment=comment, resolved_at__isnull=True
    )
    if reports.values("reporter").distinct().count() < settings.REPORTS_TO_HIDE:
        return False
    with translation.override(django_settings.LANGUAGE_CODE):
        reason = _("Hidden after reports, waiting for a moderator")
    if comment is not None:
        target, hidden_status = comment, CommentStatus.HIDDEN
    else:
        target, hidden_status = contribution, ContributionStatus.HIDDEN
    target.status = hidden_status
    target.moderation_reason = reason
    target.save(update_fields=["status", "moderation_reason"])
    notify_moderators(contribution, "reported", comment)
    return True


@csrf_protect
@ratelimit_post("report")
@never_cache
def report(request, page, pk):
    contribution = get_object_or_404(published_contributions(page), pk=pk)
    here = detail_url(page, contribution.pk, request)
    comment_pk = request.POST.get("comment") or request.GET.get("comment") or ""
    target_comment = None
    if comment_pk:
        if not comment_pk.isdigit():
            raise Http404
        target_comment = get_object_or_404(
            visible_comments().select_related("author__participant_profile"),
            pk=int(comment_pk),
            contribution=contribution,
        )
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())

    already = ContentReport.objects.filter(
        contribution=contribution, comment=target_comment, reporter=request.user
    ).exists()
    form = None
    if not already and request.method == "POST":
        form = ReportForm(request.POST)
        if form.is_valid():
            with transaction.atomic():
                # Lock the reported row: reports on it are counted one after the other.
                if target_comment is not None:
                    locked = (
                        Comment.objects.select_for_update()
                        .filter(pk=target_comment.pk, status=CommentStatus.PUBLISHED)
                        .first()
                    )
                else:
                    locked = (
                        Contribution.objects.select_for_update()
                        .filter(pk=contribution.pk, status=ContributionStatus.PUBLISHED)
                        .first()
                    )
                stored = False
                if locked is not None and not (
                    ContentReport.objects.filter(
                        contribution=contribution, comment=target_comment, reporter=request.user
                    ).exists()
                ):
                    try:
                        with transaction.atomic():
                            ContentReport.objects.create(
                                contribution=contribution,
                                comment=target_comment,
                                reporter=request.user,
                                reason=form.cleaned_data["reason"],
                            )
                        stored = True
                    except IntegrityError:
                        pass  # the same resident's other request stored it
                hidden = stored and hide_after_reports(
                    locked if target_comment is None else contribution,
                    locked if target_comment is not None else None,
                )
            if stored:
                messages.success(request, _("Thank you. The moderators will read your report."))
            else:
                messages.info(
                    request,
                    _("You have already reported this. The moderators will read your report."),
                )
            if hidden and target_comment is None:
                return HttpResponseRedirect(page_url(page, request))
            return HttpResponseRedirect(here)
    elif not already:
        form = ReportForm()
    return render(
        request,
        page,
        TEMPLATES + "report.html",
        {
            "form": form,
            "already_reported": already,
            "contribution": contribution,
            "target_comment": target_comment,
            "detail_url": here,
        },
        status=400 if form is not None and form.is_bound else 200,
    )
