"""The list of participatory pages below an index page: filtered, sorted, paginated."""

from collections import defaultdict

from django.core.paginator import Paginator
from django.db.models import (
    Case,
    F,
    Min,
    OuterRef,
    Prefetch,
    Subquery,
    When,
    prefetch_related_objects,
)
from django.utils import timezone
from wagtail.models import Page

from .conf import settings
from .filters import ParticipationFilterSet, participatory_page_models
from .models import ProcessPhase, ProcessTheme
from .status import ProcessStatus, annotate_status, status_rank_expression


def participatory_pages_below(index_page, now=None):
    """Live, public participatory pages below ``index_page``, with their status annotated."""
    models = participatory_page_models()
    if not models:
        return Page.objects.none()
    queryset = Page.objects.live().public().descendant_of(index_page).type(*models)
    first_start = (
        ProcessPhase.objects.filter(page=OuterRef("pk"))
        .values("page")
        .annotate(first=Min("starts_at"))
        .values("first")
    )
    return annotate_status(queryset, now or timezone.now()).annotate(
        participation_status_rank=status_rank_expression(),
        participation_first_start=Subquery(first_start),
    )


def specific_with_related(page_ids):
    """The specific pages, in the given order, with phases, themes and neighbourhoods.

    One query per page type and per relation, whatever the number of pages.
    """
    pages = list(Page.objects.filter(pk__in=page_ids).specific().order_by())
    phases = Prefetch("participation_phases", queryset=ProcessPhase.objects.order_by("starts_at"))
    themes = Prefetch(
        "participation_theme_items", queryset=ProcessTheme.objects.select_related("tag")
    )
    by_model = defaultdict(list)
    for page in pages:
        by_model[type(page)].append(page)
    for model_pages in by_model.values():
        prefetch_related_objects(model_pages, phases, themes, "neighbourhoods")
    position = {page_id: index for index, page_id in enumerate(page_ids)}
    return sorted(pages, key=lambda page: position[page.pk])


def participation_listing(index_page, request):
    """Template context for an index page: the filter form, one page of processes, links."""
    all_processes = participatory_pages_below(index_page)
    filterset = ParticipationFilterSet(request.GET or None, queryset=all_processes)
    ordered = filterset.qs.order_by(
        "participation_status_rank",
        # Upcoming processes soonest first; the others most recently started first.
        Case(
            When(participation_status=ProcessStatus.UPCOMING, then="participation_first_start")
        ).asc(nulls_last=True),
        F("participation_first_start").desc(nulls_last=True),
        "title",
        "pk",
    )
    paginator = Paginator(ordered, settings.INDEX_PAGE_SIZE)
    page_of_results = paginator.get_page(request.GET.get("page"))
    page_ids = [page.pk for page in page_of_results.object_list]
    query_without_page = request.GET.copy()
    query_without_page.pop("page", None)
    return {
        "filter": filterset,
        "filters_applied": any(request.GET.get(name) for name in filterset.filters),
        "paginator": paginator,
        "page_of_results": page_of_results,
        "processes": specific_with_related(page_ids),
        "query_without_page": query_without_page.urlencode(),
        "has_any_process": bool(paginator.count) or all_processes.exists(),
    }
