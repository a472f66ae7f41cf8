"""Public exports of a consultation's published contributions, as CSV and JSON.

Only published contributions, and no personal data: the author appears under their public
name. Column names are fixed English keys (the same in both formats) so that scripts, and the
``participation_redraw`` command, can rely on them whatever the site's language.
"""

import csv
import json
from datetime import UTC

from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import HttpResponse
from django.utils import timezone

from wagtail_participation.exports import neutralise_formula

from ..models import Support
from .contributions import visible_comments

FIELDS = [
    "id",
    "title",
    "text",
    "author",
    "neighbourhood",
    "themes",
    "created",
    "published",
    "supports",
    "comments",
    "answer_status",
    "answer_text",
]


def _count(queryset):
    """A correlated subquery counting rows per contribution, without multiplying rows."""
    counted = (
        queryset.filter(contribution=OuterRef("pk"))
        .order_by()
        .values("contribution")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def export_queryset(page):
    """Published contributions of ``page`` with everything the export needs, in two queries."""
    return (
        page.published_contributions()
        .select_related("author__participant_profile", "neighbourhood")
        .prefetch_related("themes")
        .annotate(
            support_count=_count(Support.objects.all()),
            # The same count as the contribution pages: no reply under a hidden comment.
            comment_count=_count(visible_comments()),
        )
        .order_by("pk")
    )


def _iso(value):
    if value is None:
        return ""
    return value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def export_rows(page):
    for contribution in export_queryset(page):
        yield {
            "id": contribution.pk,
            "title": contribution.title,
            "text": contribution.body,
            "author": contribution.author_name,
            "neighbourhood": contribution.neighbourhood.name if contribution.neighbourhood else "",
            "themes": sorted(theme.name for theme in contribution.themes.all()),
            "created": _iso(contribution.created_at),
            "published": _iso(contribution.published_at),
            "supports": contribution.support_count,
            "comments": contribution.comment_count,
            "answer_status": contribution.answer_status,
            "answer_text": contribution.answer_text,
        }


def contributions_csv(request, page):
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{page.slug}-contributions.csv"'
    writer = csv.writer(response)
    writer.writerow(FIELDS)
    for row in export_rows(page):
        row["themes"] = "; ".join(row["themes"])
        writer.writerow([neutralise_formula(row[field]) for field in FIELDS])
    return response


def contributions_json(request, page):
    data = {
        "consultation": {"title": page.title, "url": page.get_full_url(request)},
        "exported_at": _iso(timezone.now()),
        "contributions": list(export_rows(page)),
    }
    return HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
