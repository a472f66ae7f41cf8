"""The blocks of a restitution page.

Blocks fed by live data (figures, decisions, budget results, charts, timeline) read the linked
pages through the ``Restitution`` of the page being rendered (``report.py``), which the page's
context provides as ``restitution``: each linked page is read once per request, whatever the
number of blocks.
"""

import uuid

from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.documents.blocks import DocumentChooserBlock

from wagtail_participation.outcomes import FIGURE_LABELS, MILESTONE_STATUSES

TEMPLATES = "wagtail_participation/blocks/restitution/"
FIGURE_CHOICES = list(FIGURE_LABELS.items())


def restitution_of(parent_context):
    return (parent_context or {}).get("restitution")


class SectionBlock(blocks.StructBlock):
    """A section heading of the report: "What we heard", "What we decided and why"..."""

    heading = blocks.CharBlock(label=_("heading"), max_length=120, form_classname="title")
    anchor = blocks.CharBlock(
        label=_("anchor"),
        max_length=40,
        required=False,
        help_text=_("For links to this section, for example “what-we-heard”."),
    )

    class Meta:
        icon = "title"
        label = _("Section heading")
        template = TEMPLATES + "section.html"


class FiguresBlock(blocks.StructBlock):
    heading = blocks.CharBlock(label=_("heading"), max_length=120, required=False)
    figures = blocks.MultipleChoiceBlock(
        label=_("figures"),
        choices=FIGURE_CHOICES,
        required=False,
        help_text=_("Leave empty to show every figure the linked pages have."),
    )
    by_neighbourhood = blocks.BooleanBlock(
        label=_("show the figures by neighbourhood"), required=False, default=True
    )

    class Meta:
        icon = "table"
        label = _("Participation figures")
        template = TEMPLATES + "figures.html"

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context)
        restitution = restitution_of(parent_context)
        context["figures"] = restitution.figures(value["figures"]) if restitution else []
        return context


class DecisionsBlock(blocks.StructBlock):
    heading = blocks.CharBlock(label=_("heading"), max_length=120, required=False)
    citizen_only = blocks.BooleanBlock(
        label=_("only decisions that stem from participation"), required=False
    )
    count = blocks.IntegerBlock(
        label=_("how many to show"),
        default=20,
        min_value=1,
        max_value=200,
        help_text=_("Residents can filter them and see the others page by page."),
    )

    class Meta:
        icon = "tick-inverse"
        label = _("Decisions")
        template = TEMPLATES + "decisions.html"

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context)
        restitution = restitution_of(parent_context)
        if restitution is not None:
            context["decisions"] = restitution.decision_page(
                citizen_only=value["citizen_only"], per_page=value["count"]
            )
        return context


class BudgetResultsBlock(blocks.StructBlock):
    heading = blocks.CharBlock(label=_("heading"), max_length=120, required=False)

    class Meta:
        icon = "list-ol"
        label = _("Budget results")
        template = TEMPLATES + "budget_results.html"

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context)
        restitution = restitution_of(parent_context)
        context["results"] = restitution.results() if restitution else []
        return context


class ChartBlock(blocks.StructBlock):
    title = blocks.CharBlock(label=_("title"), max_length=150)
    figure = blocks.ChoiceBlock(label=_("figure"), choices=FIGURE_CHOICES)
    breakdown = blocks.ChoiceBlock(
        label=_("split by"),
        choices=[
            ("neighbourhood", _("Neighbourhood")),
            ("page", _("Linked page")),
        ],
        default="neighbourhood",
    )
    kind = blocks.ChoiceBlock(
        label=_("chart"),
        choices=[("bar", _("Bars")), ("share", _("Shares of the total"))],
        default="bar",
    )
    description = blocks.TextBlock(
        label=_("description"),
        required=False,
        help_text=_(
            "What the chart shows, for people who cannot see it. Left empty, the "
            "figures are read out."
        ),
    )

    class Meta:
        icon = "order"
        label = _("Chart")
        template = TEMPLATES + "chart.html"

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context)
        restitution = restitution_of(parent_context)
        context["chart"] = (
            restitution.chart(
                value["title"],
                value["figure"],
                value["breakdown"],
                value["kind"],
                value["description"],
            )
            if restitution
            else None
        )
        return context


class StepBlock(blocks.StructBlock):
    title = blocks.CharBlock(label=_("title"), max_length=150)
    date = blocks.DateBlock(label=_("date"), required=False)
    status = blocks.ChoiceBlock(
        label=_("status"), choices=list(MILESTONE_STATUSES.items()), default="planned"
    )
    description = blocks.TextBlock(label=_("description"), required=False)

    class Meta:
        icon = "date"
        label = _("Step")


class TimelineBlock(blocks.StructBlock):
    heading = blocks.CharBlock(label=_("heading"), max_length=120, required=False)
    from_linked_pages = blocks.BooleanBlock(
        label=_("include the steps of the linked pages"),
        required=False,
        default=True,
        help_text=_("Their phases, meetings to come and implementation updates."),
    )
    steps = blocks.ListBlock(StepBlock(), label=_("steps"), default=[])

    class Meta:
        icon = "history"
        label = _("Timeline")
        template = TEMPLATES + "timeline.html"

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context)
        restitution = restitution_of(parent_context)
        context["milestones"] = (
            restitution.timeline(value["steps"], value["from_linked_pages"]) if restitution else []
        )
        return context


class QuoteBlock(blocks.StructBlock):
    quote = blocks.TextBlock(label=_("quote"), max_length=1000)
    name = blocks.CharBlock(
        label=_("public name"),
        max_length=80,
        required=False,
        help_text=_(
            "The name the resident shows on the site, never their full name or e-mail. Leave "
            "empty for “A resident”."
        ),
    )
    context = blocks.CharBlock(
        label=_("where it was said"),
        max_length=150,
        required=False,
        help_text=_("For example “Café-débat of 12 March”."),
    )

    class Meta:
        icon = "openquote"
        label = _("Quote")


class YouSaidWeDidRowBlock(blocks.StructBlock):
    you_said = blocks.TextBlock(label=_("you said"), max_length=1000)
    we_did = blocks.TextBlock(label=_("we did"), max_length=1000)

    class Meta:
        icon = "arrow-right"
        label = _("You said, we did")


class RestitutionBodyBlock(blocks.StreamBlock):
    section = SectionBlock()
    text = blocks.RichTextBlock(
        label=_("Text"),
        features=["h3", "bold", "italic", "link", "ol", "ul", "document-link"],
        template=TEMPLATES + "text.html",
    )
    figures = FiguresBlock()
    decisions = DecisionsBlock()
    budget_results = BudgetResultsBlock()
    chart = ChartBlock()
    timeline = TimelineBlock()
    quotes = blocks.ListBlock(
        QuoteBlock(),
        icon="openquote",
        label=_("Residents' words"),
        template=TEMPLATES + "quotes.html",
    )
    you_said_we_did = blocks.ListBlock(
        YouSaidWeDidRowBlock(),
        icon="arrow-right",
        label=_("You said, we did"),
        template=TEMPLATES + "you_said_we_did.html",
    )
    documents = blocks.ListBlock(
        DocumentChooserBlock(label=_("document")),
        icon="doc-full",
        label=_("Documents"),
        template=TEMPLATES + "documents.html",
    )


# The standard report structure new restitution pages start from ----------------------------

STANDARD_SECTIONS = [
    ("context", _("Context and question asked")),
    ("how-people-took-part", _("How people took part")),
    ("what-we-heard", _("What we heard")),
    ("what-we-decided", _("What we decided and why")),
    ("what-happens-next", _("What happens next")),
]


def standard_structure():
    """The blocks of a new restitution page: the five sections of the standard report, each
    with the blocks that usually serve it. Editors reorder, remove or add blocks.

    Each block gets its id now: without one, the editor's form would give every block the
    same element ids, and screen readers would announce every block as the first."""
    sections = dict(STANDARD_SECTIONS)

    def section(anchor):
        return ("section", {"heading": str(sections[anchor]), "anchor": anchor})

    blocks = [
        section("context"),
        ("text", ""),
        section("how-people-took-part"),
        ("figures", {"heading": "", "figures": [], "by_neighbourhood": True}),
        section("what-we-heard"),
        ("quotes", []),
        ("you_said_we_did", []),
        section("what-we-decided"),
        ("decisions", {"heading": "", "citizen_only": False, "count": 20}),
        section("what-happens-next"),
        ("timeline", {"heading": "", "from_linked_pages": True, "steps": []}),
    ]
    return [{"type": kind, "value": value, "id": str(uuid.uuid4())} for kind, value in blocks]
