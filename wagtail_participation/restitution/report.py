"""What a restitution page shows, read from its linked pages once per request.

``Restitution`` is built by the page's ``get_context()`` and handed to the blocks. It reads
each linked page only through the core outcome interface, caches what it read for the request,
and keeps out every page the public may not see: a deleted page, a draft or unpublished page, a
page under a view restriction (password, sign-in, groups) on itself or an ancestor. For those,
the page shows a note, and nothing of their data.
"""

from dataclasses import dataclass
from functools import cached_property

from django.core.paginator import Paginator
from django.utils.translation import gettext_lazy as _
from wagtail.models import Page

from wagtail_participation.outcomes import FIGURE_LABELS, Figure, Milestone

DECISION_FILTERS = ("status", "neighbourhood", "citizen")
DECISIONS_PAGE_PARAM = "decisions_page"


@dataclass(frozen=True)
class LinkedPage:
    """A linked page as the public sees it: ``page`` is None when it is not shown."""

    page: object
    note: str = ""

    @property
    def title(self):
        return self.page.title if self.page is not None else ""


class Restitution:
    def __init__(self, restitution_page, request=None):
        self.restitution_page = restitution_page
        self.request = request
        self._read = {}
        self._decision_lists = 0

    # Linked pages ------------------------------------------------------------------------

    @cached_property
    def linked(self):
        links = list(self.restitution_page.sources.all())
        ids = [link.page_id for link in links if link.page_id]
        shown = {
            page.pk: page for page in Page.objects.filter(pk__in=ids).live().public().specific()
        }
        linked = []
        for link in links:
            if link.page_id is None:
                linked.append(LinkedPage(None, _("A linked page was deleted: it is left out.")))
            elif link.page_id in shown:
                linked.append(LinkedPage(shown[link.page_id]))
            else:
                linked.append(LinkedPage(None, _("A linked page is not public: it is left out.")))
        return linked

    @property
    def pages(self):
        """The linked pages the public may see, in the editors' order."""
        return [entry.page for entry in self.linked if entry.page is not None]

    @property
    def notes(self):
        return [entry.note for entry in self.linked if entry.note]

    def read(self, page, method):
        """``page.<method>()``, once per request."""
        key = (page.pk, method)
        if key not in self._read:
            self._read[key] = list(getattr(page, method)())
        return self._read[key]

    def read_all(self, method):
        return [(page, self.read(page, method)) for page in self.pages]

    # Figures -----------------------------------------------------------------------------

    def figures(self, keys=()):
        """The figures of all linked pages added up, in the standard order; ``keys`` narrows
        them. A resident who took part in two linked pages counts in each."""
        totals = {}
        parts = {}
        for _page, figures in self.read_all("outcome_figures"):
            for figure in figures:
                totals[figure.key] = totals.get(figure.key, 0) + figure.value
                by_name = parts.setdefault(figure.key, {})
                for name, count in figure.by_neighbourhood:
                    by_name[name] = by_name.get(name, 0) + count
        order = [key for key in FIGURE_LABELS if key in totals]
        order += [key for key in totals if key not in FIGURE_LABELS]
        if keys:
            order = [key for key in order if key in keys]
        return [
            Figure(key=key, value=totals[key], by_neighbourhood=tuple(parts[key].items()))
            for key in order
        ]

    def figure_by_page(self, key):
        rows = []
        for page, figures in self.read_all("outcome_figures"):
            for figure in figures:
                if figure.key == key:
                    rows.append((page.title, figure.value))
        return rows

    # Decisions ---------------------------------------------------------------------------

    @cached_property
    def decisions(self):
        found = [d for _page, decisions in self.read_all("outcome_decisions") for d in decisions]
        dated = sorted((d for d in found if d.decided_at), key=lambda d: d.decided_at, reverse=True)
        return dated + [d for d in found if not d.decided_at]

    def decision_filters(self):
        """The residents' choice of decisions, from the query string; unknown values match
        nothing, so that a bad link gives an empty list, never an error."""
        query = self.request.GET if self.request is not None else {}
        return {name: query.get(name, "")[:100] for name in DECISION_FILTERS}

    def decision_page(self, citizen_only=False, per_page=20):
        decisions = [d for d in self.decisions if d.citizen or not citizen_only]
        statuses = {}
        neighbourhoods = []
        for decision in decisions:
            statuses.setdefault(decision.status, decision.status_label)
            if decision.neighbourhood and decision.neighbourhood not in neighbourhoods:
                neighbourhoods.append(decision.neighbourhood)
        chosen = self.decision_filters()
        if chosen["status"]:
            decisions = [d for d in decisions if d.status == chosen["status"]]
        if chosen["neighbourhood"]:
            decisions = [d for d in decisions if d.neighbourhood == chosen["neighbourhood"]]
        if chosen["citizen"] == "1":
            decisions = [d for d in decisions if d.citizen]
        paginator = Paginator(decisions, per_page)
        number = self.request.GET.get(DECISIONS_PAGE_PARAM) if self.request is not None else None
        # A report may list decisions twice (all of them, then those from participation): each
        # list needs its own anchor and form ids.
        self._decision_lists += 1
        anchor = "decision-list" + ("" if self._decision_lists == 1 else f"-{self._decision_lists}")
        return {
            "anchor": anchor,
            "page_of_results": paginator.get_page(number),
            "paginator": paginator,
            "statuses": sorted(statuses.items(), key=lambda item: str(item[1])),
            "neighbourhoods": sorted(neighbourhoods),
            "chosen": chosen,
            "filtered": any(chosen.values()),
            "page_param": DECISIONS_PAGE_PARAM,
            "citizen_only": citizen_only,
        }

    # Results, charts, timeline -----------------------------------------------------------

    def results(self):
        return [result for _page, results in self.read_all("outcome_results") for result in results]

    def chart(self, title, key, breakdown, kind, description=""):
        from .charts import bar_chart, share_chart

        if breakdown == "page":
            rows = self.figure_by_page(key)
        else:
            figures = self.figures([key])
            rows = list(figures[0].by_neighbourhood) if figures else []
        make = share_chart if kind == "share" else bar_chart
        return make(title, rows, description=description or "")

    def timeline(self, steps=(), from_linked_pages=True):
        milestones = [
            Milestone(
                title=step["title"],
                date=step["date"],
                status=step["status"],
                description=step["description"] or "",
            )
            for step in steps
        ]
        if from_linked_pages:
            for _page, found in self.read_all("outcome_milestones"):
                milestones.extend(found)
        dated = sorted((m for m in milestones if m.date), key=lambda m: m.date)
        return dated + [m for m in milestones if not m.date]

    # Notifications -----------------------------------------------------------------------

    def participant_ids(self):
        ids = set()
        for page in self.pages:
            ids |= set(page.outcome_participant_ids())
        return ids
