"""The list of participatory pages below an index page: filtered, sorted, paginated."""

from collections import defaultdict

from django.core.paginator import Paginator
from django.db.models import Min, OuterRef, Prefetch, Subquery
from django.utils import timezone
from wagtail.models import Page

from .conf import settings
from .filters import ParticipationFilterSet, participatory_page_models
from .models import ProcessPhase, ProcessTheme
from .status import annotate_status, status_rank_expression


def participatory_pages_below(index_page, now=None):
    """Live, public participatory pages below ``index_page``, with their status annotated."""
    now = now or timezone.now()
    models = participatory_page_models()
    queryset = Page.objects.none()
    if models:
        queryset = Page.objects.live().public().descendant_of(index_page).type(*models)
    first_start = (
        ProcessPhase.objects.filter(page=OuterRef("pk"))
        .values("page")
        .annotate(first=Min("starts_at"))
        .values("first")
    )
    return annotate_status(queryset, now).annotate(
        participation_status_rank=status_rank_expression(),
        participation_first_start=Subquery(first_start),
    )


def with_related(pages):
    """Specific pages with their phases, themes and neighbourhoods, a few queries in all."""
    pages = list(pages)
    phases = Prefetch("participation_phases", queryset=ProcessPhase.objects.order_by("starts_at"))
    themes = Prefetch(
        "participation_theme_items", queryset=ProcessTheme.objects.select_related("tag")
    )
    by_model = defaultdict(list)
    for page in pages:
        by_model[type(page)].append(page)
    for model_pages in by_model.values():
        from django.db.models import prefetch_related_objects

        prefetch_related_objects(model_pages, phases, themes, "neighbourhoods")
    return pages


def participation_listing(index_page, request):
    filterset = ParticipationFilterSet(
        request.GET or None, queryset=participatory_pages_below(index_page)
    )
    queryset = filterset.qs.order_by(
        "participation_status_rank", "-participation_first_start", "title", "pk"
    )
    paginator = Paginator(queryset, settings.INDEX_PAGE_SIZE)
    page_of_results = paginator.get_page(request.GET.get("page"))
    statuses = {page.pk: page.participation_status for page in page_of_results.object_list}
    specific_pages = with_related(Page.objects.filter(pk__in=list(statuses)).specific().order_by())
    order = list(statuses)
    specific_pages.sort(key=lambda page: order.index(page.pk))
    query_without_page = request.GET.copy()
    query_without_page.pop("page", None)
    return {
        "filter": filterset,
        "filters_applied": any(
            value for key, value in request.GET.items() if key in filterset.filters
        ),
        "paginator": paginator,
        "page_of_results": page_of_results,
        "processes": specific_pages,
        "query_without_page": query_without_page.urlencode(),
        "has_any_process": participatory_pages_below(index_page).exists()
        if not paginator.count
        else True,
    }
