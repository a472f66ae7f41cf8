"""Participatory budgets: envelopes, projects, ballots and published results.

Everything residents and staff create (projects, ballots, results) lives in its own table with a
foreign key to the page, never in the page's revisions: publishing an old revision of the page
must not bring back an old project status or erase published results.
"""

import secrets
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from taggit.managers import TaggableManager
from taggit.models import TaggedItemBase
from wagtail.admin.panels import FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.api import APIField
from wagtail.blocks import StreamBlock
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.fields import RichTextField, StreamField
from wagtail.images.blocks import ImageBlock
from wagtail.models import Orderable, Page
from wagtail.search import index

from wagtail_participation.caching import PublicCacheMixin
from wagtail_participation.models import ParticipatoryProcessMixin
from wagtail_participation.profiles import public_author_name
from wagtail_participation.serializers import RichTextHTMLField
from wagtail_participation.status import PhaseKind

from .forms import BudgetPageForm

MONEY = {"max_digits": 14, "decimal_places": 2}


class BallotKind(models.TextChoices):
    APPROVAL = "approval", _("Approval: choose between a minimum and a maximum number of projects")
    KNAPSACK = "knapsack", _("Knapsack: the chosen projects must fit in the envelope")


class VotingScope(models.TextChoices):
    NEIGHBOURHOOD = "neighbourhood", _("The envelope of their own neighbourhood")
    TOWN = "town", _("The town-wide envelope")
    BOTH = "both", _("Their neighbourhood's envelope and the town-wide envelope")


class ResultsRule(models.TextChoices):
    GREEDY = "greedy", _("Greedy: most votes first, fund what still fits")
    GREEDY_THRESHOLD = (
        "greedy-threshold",
        _("Greedy among projects reaching a minimum number of votes"),
    )
    EQUAL_SHARES = "equal-shares", _("Method of Equal Shares (with “add1” completion)")


class ProjectStatus(models.TextChoices):
    SUBMITTED = "submitted", pgettext_lazy("budget project", "Submitted")
    UNDER_REVIEW = "under_review", pgettext_lazy("budget project", "Under review")
    ON_BALLOT = "on_ballot", pgettext_lazy("budget project", "On the ballot")
    NOT_ADMISSIBLE = "not_admissible", pgettext_lazy("budget project", "Not admissible")
    SELECTED = "selected", pgettext_lazy("budget project", "Selected")
    NOT_SELECTED = "not_selected", pgettext_lazy("budget project", "Not selected")
    IN_PROGRESS = "in_progress", pgettext_lazy("budget project", "In progress")
    DONE = "done", pgettext_lazy("budget project", "Done")


# Statuses of projects that were on the ballot: only these can receive votes and results.
BALLOT_STATUSES = (
    ProjectStatus.ON_BALLOT,
    ProjectStatus.SELECTED,
    ProjectStatus.NOT_SELECTED,
    ProjectStatus.IN_PROGRESS,
    ProjectStatus.DONE,
)
# Residents see a project once the team has started reviewing it: a fresh submission is not
# public yet (it could be spam or name people); its proposer gets a confirmation instead.
PUBLIC_STATUSES = tuple(s for s in ProjectStatus.values if s != ProjectStatus.SUBMITTED)


class BallotChannel(models.TextChoices):
    ONLINE = "online", _("Online")
    PAPER = "paper", _("Paper")
    IMPORTED = "imported", _("Imported")


class BudgetPage(PublicCacheMixin, RoutablePageMixin, ParticipatoryProcessMixin, Page):
    intro = models.TextField(
        _("introduction"), blank=True, help_text=_("A short paragraph shown above everything.")
    )
    body = RichTextField(_("body"), blank=True)
    currency = models.CharField(
        _("currency"),
        max_length=3,
        default="EUR",
        help_text=_("The three-letter ISO 4217 code, for example EUR."),
    )
    ballot_kind = models.CharField(
        _("kind of ballot"),
        max_length=10,
        choices=BallotKind.choices,
        default=BallotKind.APPROVAL,
    )
    min_choices = models.PositiveSmallIntegerField(
        _("minimum number of projects"), default=1, validators=[MinValueValidator(1)]
    )
    max_choices = models.PositiveSmallIntegerField(
        _("maximum number of projects"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("Leave empty for no maximum."),
    )
    min_spend_percent = models.PositiveSmallIntegerField(
        _("minimum share of the envelope to spend"),
        default=0,
        validators=[MaxValueValidator(100)],
        help_text=_("Knapsack ballots only, in percent of the envelope. 0 for no minimum."),
    )
    voting_scope = models.CharField(
        _("residents vote in"),
        max_length=15,
        choices=VotingScope.choices,
        default=VotingScope.BOTH,
        help_text=_(
            "Which envelopes a resident may vote in; one ballot per envelope. "
            "Holders of participation codes choose their neighbourhood."
        ),
    )
    results_rule = models.CharField(
        _("rule for the results"),
        max_length=20,
        choices=ResultsRule.choices,
        default=ResultsRule.GREEDY,
    )
    vote_threshold = models.PositiveIntegerField(
        _("minimum number of votes"),
        default=0,
        help_text=_("For the greedy rule with a threshold: projects below it are not funded."),
    )
    submissions_by_residents = models.BooleanField(
        _("residents can submit projects"),
        default=True,
        help_text=_("During a phase of kind “Contributions”."),
    )
    max_project_cost = models.DecimalField(
        _("maximum cost of a project"),
        null=True,
        blank=True,
        help_text=_("Leave empty to allow up to the whole envelope."),
        **MONEY,
    )
    # Budgets citoyens are usually open from 16; a school pupils' budget sets 11.
    minimum_age = models.PositiveSmallIntegerField(
        _("minimum age"),
        null=True,
        blank=True,
        default=16,
        help_text=_(
            "Residents take part from the year they reach this age (16 for most budgets, 11 "
            "for a school pupils' budget). Leave empty for no limit."
        ),
    )
    # The META section of an imported Pabulib file, written back when the budget is exported.
    pabulib_meta = models.JSONField(default=dict, blank=True, editable=False)

    content_panels = (
        Page.content_panels
        + ["summary", "intro", "body"]
        + ParticipatoryProcessMixin.process_panels[:2]
        + [
            MultiFieldPanel(
                [
                    "currency",
                    InlinePanel("envelopes", label=_("Envelope"), min_num=1),
                ],
                heading=_("Envelopes"),
            ),
            MultiFieldPanel(
                [
                    "submissions_by_residents",
                    "max_project_cost",
                ],
                heading=_("Project submission"),
            ),
            MultiFieldPanel(
                [
                    "ballot_kind",
                    FieldRowPanel(["min_choices", "max_choices"]),
                    "min_spend_percent",
                    "voting_scope",
                ],
                heading=_("Ballot"),
            ),
            MultiFieldPanel(
                [FieldRowPanel(["results_rule", "vote_threshold"])],
                heading=_("Results"),
            ),
        ]
        + ParticipatoryProcessMixin.process_panels[2:]
    )
    search_fields = ParticipatoryProcessMixin.search_fields + [
        index.SearchField("intro"),
        index.SearchField("body"),
    ]
    api_fields = ParticipatoryProcessMixin.api_fields + [
        APIField("intro"),
        APIField("body", serializer=RichTextHTMLField()),
        APIField("currency"),
        APIField("total_budget"),
        APIField("envelopes"),
        APIField("ballot_kind"),
        APIField("min_choices"),
        APIField("max_choices"),
        APIField("min_spend_percent"),
        APIField("voting_scope"),
        APIField("results_rule"),
        APIField("vote_threshold"),
    ]

    base_form_class = BudgetPageForm
    # Served under these names too when the site includes wagtail_participation.urls.
    participation_files = {"results.json": "results/json/", "export.pb": "export/pb/"}
    parent_page_types = ["wagtail_participation.ParticipationIndexPage"]
    subpage_types = []

    class Meta:
        verbose_name = _("participatory budget")
        verbose_name_plural = _("participatory budgets")

    def get_template(self, request, *args, **kwargs):
        return "wagtail_participation/budgets/budget_page.html"

    # Money and envelopes ---------------------------------------------------------------

    @cached_property
    def envelope_list(self):
        return list(self.envelopes.select_related("neighbourhood").order_by("sort_order", "pk"))

    @property
    def total_budget(self):
        return sum((e.amount for e in self.envelope_list), Decimal(0))

    # Phases ----------------------------------------------------------------------------

    def submission_open(self, now=None):
        return self.submissions_by_residents and self.phase_is_open(PhaseKind.CONTRIBUTION, now)

    def vote_open(self, now=None):
        return self.phase_is_open(PhaseKind.VOTE, now)

    def vote_has_ended(self, now=None):
        now = now or timezone.now()
        votes = [p for p in self.phases if p.kind == PhaseKind.VOTE]
        return bool(votes) and all(p.ends_at is not None and p.ends_at <= now for p in votes)

    def clean(self):
        super().clean()
        if self.pk is None:
            return
        # Publishing an old revision would otherwise drop envelopes added since, with their
        # projects and ballots.
        kept = {envelope.pk for envelope in self.envelopes.all() if envelope.pk}
        used = (
            BudgetEnvelope.objects.filter(page_id=self.pk)
            .exclude(pk__in=kept)
            .filter(Q(projects__isnull=False) | Q(ballots__isnull=False))
            .distinct()
        )
        if used:
            names = ", ".join(str(envelope.display_name) for envelope in used)
            raise ValidationError(
                format_lazy(
                    _(
                        "The envelope {names} has projects or ballots and cannot be removed. "
                        "Move its projects to another envelope first."
                    ),
                    names=names,
                ),
                code="envelope_in_use",
            )

    # Results ---------------------------------------------------------------------------

    @cached_property
    def published_results(self):
        """The published result of each envelope, or an empty list before publication."""
        if self.pk is None:  # the preview of a page never saved
            return []
        return list(
            self.results.filter(published_at__isnull=False)
            .select_related("envelope", "envelope__neighbourhood")
            .order_by("envelope__sort_order", "envelope__pk")
        )

    @property
    def results_published(self):
        return bool(self.published_results)

    # What restitution pages read (outcomes.OutcomeSource), computed in outcomes.py.

    def outcome_figures(self):
        from .outcomes import budget_figures

        return budget_figures(self)

    def outcome_decisions(self):
        from .outcomes import budget_decisions

        return budget_decisions(self)

    def outcome_results(self):
        from .outcomes import budget_results

        return budget_results(self)

    def outcome_milestones(self):
        from .outcomes import budget_milestones

        return budget_milestones(self, super().outcome_milestones())

    def outcome_participant_ids(self):
        from .outcomes import participant_ids

        return participant_ids(self)

    def participation_summary(self):
        from .summary import budget_summary

        summary = super().participation_summary()
        summary.update(budget_summary(self))
        return summary

    # Sub-pages (the views live in views/) ---------------------------------------------

    @path("")
    def project_list(self, request):
        from .views.projects import project_list

        return project_list(request, self)

    @path("projects/<int:pk>/")
    def project_detail(self, request, pk):
        from .views.projects import project_detail

        return project_detail(request, self, pk)

    @path("submit/")
    def submit_project(self, request):
        from .views.projects import submit_project

        return submit_project(request, self)

    @path("vote/")
    def vote(self, request):
        from .views.voting import vote_start

        return vote_start(request, self)

    @path("vote/<int:envelope_pk>/")
    def vote_envelope(self, request, envelope_pk):
        from .views.voting import vote_envelope

        return vote_envelope(request, self, envelope_pk)

    @path("vote/receipt/<str:receipt>/")
    def vote_receipt(self, request, receipt):
        from .views.voting import vote_receipt

        return vote_receipt(request, self, receipt)

    # Not named "results": that is the reverse relation of BudgetResult, which would hide it.
    @path("results/", name="results")
    def results_page(self, request):
        from .views.results import results_page

        return results_page(request, self)

    # Wagtail's page URLs allow no dot: results/json/ and export/pb/ serve results.json and
    # the .pb file under those names.
    @path("results/json/")
    def results_json(self, request):
        from .views.results import results_json

        return results_json(request, self)

    @path("export/pb/")
    def export_pb(self, request):
        from .views.results import export_pb

        return export_pb(request, self)


class BudgetEnvelope(Orderable):
    """Money for one neighbourhood, or for the whole town when no neighbourhood is chosen."""

    page = ParentalKey(BudgetPage, on_delete=models.CASCADE, related_name="envelopes")
    neighbourhood = models.ForeignKey(
        "wagtail_participation.Neighbourhood",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("neighbourhood"),
        help_text=_("Leave empty for the town-wide envelope."),
    )
    name = models.CharField(
        _("name"),
        max_length=120,
        blank=True,
        help_text=_("Defaults to the neighbourhood's name, or “Whole town”."),
    )
    amount = models.DecimalField(
        _("amount"), validators=[MinValueValidator(Decimal("0.01"))], **MONEY
    )

    panels = [FieldRowPanel(["neighbourhood", "amount"]), "name"]
    api_fields = [APIField("display_name"), APIField("amount"), APIField("neighbourhood_id")]

    class Meta(Orderable.Meta):
        verbose_name = _("envelope")
        verbose_name_plural = _("envelopes")
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0), name="participation_envelope_amount_positive"
            )
        ]

    def __str__(self):
        return str(self.display_name)

    @property
    def display_name(self):
        if self.name:
            return self.name
        if self.neighbourhood_id:
            return self.neighbourhood.name
        return _("Whole town")

    @property
    def is_town_wide(self):
        return self.neighbourhood_id is None


class BudgetProjectTheme(TaggedItemBase):
    content_object = models.ForeignKey(
        "BudgetProject", on_delete=models.CASCADE, related_name="theme_items"
    )


class ImageStreamBlock(StreamBlock):
    image = ImageBlock()


class BudgetProject(ClusterableModel):
    page = models.ForeignKey(
        BudgetPage,
        on_delete=models.CASCADE,
        related_name="projects",
        verbose_name=_("participatory budget"),
    )
    envelope = models.ForeignKey(
        BudgetEnvelope,
        on_delete=models.PROTECT,
        related_name="projects",
        verbose_name=_("envelope"),
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), max_length=10000)
    estimated_cost = models.DecimalField(
        _("estimated cost"), validators=[MinValueValidator(Decimal("0.01"))], **MONEY
    )
    themes = TaggableManager(through=BudgetProjectTheme, blank=True, verbose_name=_("themes"))
    location = models.CharField(
        _("location"), max_length=255, blank=True, help_text=_("An address or a place.")
    )
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    images = StreamField(ImageStreamBlock(), blank=True, verbose_name=_("images"))
    proposer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("proposer"),
    )
    proposer_name = models.CharField(
        _("proposed by"),
        max_length=150,
        blank=True,
        help_text=_("The public name shown on the project, for example a residents' association."),
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=ProjectStatus.choices,
        default=ProjectStatus.SUBMITTED,
        db_index=True,
    )
    public_reason = models.TextField(
        _("public review outcome"),
        blank=True,
        help_text=_("Required when the project is not admissible: residents read it."),
    )
    review_notes = models.TextField(
        _("internal review notes"), blank=True, help_text=_("Never shown to residents.")
    )
    # The id the project has in an imported or exported Pabulib file.
    external_id = models.CharField(_("project id in the file"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("submitted"), default=timezone.now)

    class Meta:
        verbose_name = _("budget project")
        verbose_name_plural = _("budget projects")
        ordering = ["page", "pk"]
        permissions = [("review_budgetproject", _("Can review budget projects"))]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="not_admissible") | ~Q(public_reason=""),
                name="participation_project_not_admissible_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(estimated_cost__gt=0), name="participation_project_cost_positive"
            ),
        ]
        indexes = [models.Index(fields=["page", "status"])]

    def __str__(self):
        return self.title

    def clean(self):
        super().clean()
        if self.status == ProjectStatus.NOT_ADMISSIBLE and not self.public_reason.strip():
            raise ValidationError(
                {
                    "public_reason": _(
                        "Say publicly why the project is not admissible: its proposer and "
                        "residents will read it."
                    )
                }
            )
        if self.envelope_id and self.page_id and self.envelope.page_id != self.page_id:
            raise ValidationError({"envelope": _("Choose an envelope of this budget.")})

    @property
    def is_on_ballot(self):
        return self.status in BALLOT_STATUSES

    @property
    def proposer_display(self):
        if self.proposer_name:
            return self.proposer_name
        if self.proposer_id is None:
            return ""
        return public_author_name(self.proposer)

    @property
    def latest_update(self):
        updates = sorted(self.updates.all(), key=lambda u: (u.date, u.pk))
        return updates[-1] if updates else None


class ImplementationUpdate(models.Model):
    project = ParentalKey(BudgetProject, on_delete=models.CASCADE, related_name="updates")
    date = models.DateField(_("date"), default=timezone.localdate)
    text = models.TextField(_("what was done"))
    progress = models.PositiveSmallIntegerField(
        _("progress (%)"), default=0, validators=[MaxValueValidator(100)]
    )
    photos = StreamField(ImageStreamBlock(), blank=True, verbose_name=_("photos"))

    panels = [FieldRowPanel(["date", "progress"]), "text", "photos"]

    class Meta:
        verbose_name = _("implementation update")
        verbose_name_plural = _("implementation updates")
        ordering = ["-date", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(progress__lte=100), name="participation_update_progress_max_100"
            )
        ]

    def __str__(self):
        return f"{self.date}: {self.text[:50]}"


def new_receipt():
    return secrets.token_hex(8).upper()


class Ballot(models.Model):
    """One voter's choices in one envelope, from any channel."""

    page = models.ForeignKey(
        BudgetPage, on_delete=models.CASCADE, related_name="ballots", verbose_name=_("budget")
    )
    envelope = models.ForeignKey(
        BudgetEnvelope, on_delete=models.PROTECT, related_name="ballots", verbose_name=_("envelope")
    )
    # Who voted, as a key that makes "one ballot per voter and envelope" a database rule:
    # "user:<pk>", "code:<pk>", "paper:<random>" or "imported:<voter id in the file>".
    voter_key = models.CharField(max_length=80, editable=False)
    voter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("voter"),
    )
    participation_code = models.ForeignKey(
        "wagtail_participation.ParticipationCode",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    channel = models.CharField(
        _("channel"), max_length=10, choices=BallotChannel.choices, default=BallotChannel.ONLINE
    )
    paper_reference = models.CharField(
        _("paper ballot number"),
        max_length=40,
        blank=True,
        help_text=_("The number written on the paper ballot, so it cannot be entered twice."),
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("entered by"),
    )
    receipt = models.CharField(_("receipt"), max_length=16, default=new_receipt, unique=True)
    created_at = models.DateTimeField(_("cast"), default=timezone.now)
    projects = models.ManyToManyField(
        BudgetProject, through="BallotChoice", related_name="ballots", verbose_name=_("projects")
    )

    class Meta:
        verbose_name = _("ballot")
        verbose_name_plural = _("ballots")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["envelope", "voter_key"], name="participation_one_ballot_per_envelope"
            ),
            models.UniqueConstraint(
                fields=["envelope", "paper_reference"],
                condition=~Q(paper_reference=""),
                name="participation_paper_ballot_entered_once",
            ),
        ]
        indexes = [models.Index(fields=["page", "channel"])]

    def __str__(self):
        return self.receipt


class BallotChoice(models.Model):
    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="choices")
    project = models.ForeignKey(BudgetProject, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["ballot", "project"], name="participation_one_choice_per_project"
            )
        ]


class BudgetResult(models.Model):
    """The computed result of one envelope, kept as computed so that it can be published."""

    page = models.ForeignKey(BudgetPage, on_delete=models.CASCADE, related_name="results")
    envelope = models.OneToOneField(BudgetEnvelope, on_delete=models.CASCADE, related_name="result")
    rule = models.CharField(_("rule"), max_length=20, choices=ResultsRule.choices)
    # rules.to_json() of the outcome, plus online/paper counts per project.
    data = models.JSONField(default=dict)
    computed_at = models.DateTimeField(_("computed"), default=timezone.now)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("budget result")
        verbose_name_plural = _("budget results")

    def __str__(self):
        return f"{self.page} – {self.envelope}"
