"""The public page of a draw by lot: the announced hash, then the seed and the result."""

from django.shortcuts import get_object_or_404

from wagtail_participation.templating import render_page

from ..draw import drew_everyone
from ..models import Draw


def drawn_entries(page, draw):
    """The drawn ids in draw order, each with its contribution while it is still published.

    A contribution hidden or withdrawn since the draw keeps its place and id, without its title.
    """
    published = {
        contribution.pk: contribution
        for contribution in page.published_contributions()
        .filter(pk__in=draw.result)
        .only("pk", "title")
    }
    base_url = page.url or ""
    return [
        {
            "rank": rank,
            "id": contribution_id,
            "contribution": published.get(contribution_id),
            "url": f"{base_url}contributions/{contribution_id}/",
        }
        for rank, contribution_id in enumerate(draw.result, start=1)
    ]


def draw_detail(request, page, pk):
    draw = get_object_or_404(Draw, pk=pk, page=page)
    context = {
        "page": page,
        "draw": draw,
        "drawn": drawn_entries(page, draw) if draw.is_drawn else [],
        "drew_everyone": drew_everyone(draw),
        "csv_url": (page.url or "") + page.reverse_subpage("contributions_csv"),
        "candidate_list": ", ".join(str(pk) for pk in draw.candidates),
    }
    return render_page(request, "wagtail_participation/consultations/draw_detail.html", context)
