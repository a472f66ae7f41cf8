"""The budget's figures and outcomes for restitution pages (the core process interface)."""

from django.utils.translation import gettext_lazy as _

from .models import BALLOT_STATUSES, ProjectStatus


def budget_summary(page):
    projects = list(page.projects.order_by("pk"))
    figures = [
        {"label": _("Projects submitted"), "value": len(projects)},
        {
            "label": _("Projects on the ballot"),
            "value": sum(p.status in BALLOT_STATUSES for p in projects),
        },
        {"label": _("Ballots"), "value": page.ballots.count()},
    ]
    outcomes = []
    if page.results_published:
        funded = [
            p
            for p in projects
            if p.status in (ProjectStatus.SELECTED, ProjectStatus.IN_PROGRESS, ProjectStatus.DONE)
        ]
        figures.append({"label": _("Projects funded"), "value": len(funded)})
        outcomes = [
            {
                "title": p.title,
                "decision": p.get_status_display(),
                "justification": p.public_reason,
            }
            for p in projects
            if p.status in BALLOT_STATUSES or p.status == ProjectStatus.NOT_ADMISSIBLE
        ]
    return {"figures": figures, "outcomes": outcomes}
