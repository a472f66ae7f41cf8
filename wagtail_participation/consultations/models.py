"""Consultations: a page that collects residents' contributions, supports, comments and answers."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from modelcluster.fields import ParentalKey
from taggit.managers import TaggableManager
from taggit.models import TaggedItemBase
from wagtail.admin.panels import FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.api import APIField
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.fields import StreamField
from wagtail.models import Orderable, Page
from wagtail.search import index

from wagtail_participation.caching import PublicCacheMixin
from wagtail_participation.models import ParticipatoryProcessMixin
from wagtail_participation.profiles import public_author_name
from wagtail_participation.status import PhaseKind

from .blocks import ConsultationBodyBlock


class Moderation(models.TextChoices):
    PRE = "pre", _("Before publication (pre-moderation)")
    POST = "post", _("After publication (post-moderation)")


class ContributionStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for moderation")
    PUBLISHED = "published", _("Published")
    HIDDEN = "hidden", _("Hidden by a moderator")
    WITHDRAWN = "withdrawn", _("Withdrawn by its author")


class AnswerStatus(models.TextChoices):
    # A context, so that these short words do not replace Wagtail's own (workflow "Rejected").
    NONE = "", pgettext_lazy("official answer", "No answer yet")
    UNDER_STUDY = "under_study", pgettext_lazy("official answer", "Under study")
    ACCEPTED = "accepted", pgettext_lazy("official answer", "Accepted")
    PARTIALLY_ACCEPTED = (
        "partially_accepted",
        pgettext_lazy("official answer", "Partially accepted"),
    )
    REJECTED = "rejected", pgettext_lazy("official answer", "Rejected")


class QuestionKind(models.TextChoices):
    OPEN = "open", _("Open text")
    SINGLE = "single", _("Single choice")
    MULTIPLE = "multiple", _("Multiple choice")
    RANKING = "ranking", _("Ranking")
    YES_NO = "yes_no", _("Yes or no (for or against)")


class ConsultationPage(PublicCacheMixin, RoutablePageMixin, ParticipatoryProcessMixin, Page):
    intro = models.TextField(
        _("introduction"), blank=True, help_text=_("A short paragraph shown above everything.")
    )
    body = StreamField(ConsultationBodyBlock(), blank=True, verbose_name=_("body"))
    open_to_anonymous = models.BooleanField(
        _("anyone may contribute without an account"),
        default=False,
        help_text=_("Contributions without an account are always moderated before publication."),
    )
    moderation = models.CharField(
        _("moderation"), max_length=10, choices=Moderation.choices, default=Moderation.PRE
    )
    max_length = models.PositiveIntegerField(
        _("maximum length of a contribution"),
        default=2000,
        validators=[MinValueValidator(100), MaxValueValidator(20000)],
        help_text=_("In characters."),
    )
    supports_enabled = models.BooleanField(_("residents can support contributions"), default=True)
    support_threshold = models.PositiveIntegerField(
        _("supports that call for an official answer"),
        null=True,
        blank=True,
        help_text=_("A contribution with this many supports is flagged for an official answer."),
    )
    comments_enabled = models.BooleanField(_("residents can comment"), default=True)
    questionnaire_intro = models.TextField(_("questionnaire introduction"), blank=True)

    content_panels = (
        Page.content_panels
        + ["summary", "intro"]
        + ParticipatoryProcessMixin.process_panels[:1]
        + ["body"]
        + ParticipatoryProcessMixin.process_panels[1:]
        + [
            MultiFieldPanel(
                [
                    FieldRowPanel(["moderation", "max_length"]),
                    "open_to_anonymous",
                    FieldRowPanel(["supports_enabled", "support_threshold"]),
                    "comments_enabled",
                ],
                heading=_("Contributions"),
            ),
            MultiFieldPanel(
                [
                    "questionnaire_intro",
                    InlinePanel("questions", label=_("Question"), heading=_("Questions")),
                ],
                heading=_("Questionnaire"),
            ),
        ]
    )
    search_fields = ParticipatoryProcessMixin.search_fields + [
        index.SearchField("intro"),
        index.SearchField("body"),
    ]
    api_fields = ParticipatoryProcessMixin.api_fields + [
        APIField("intro"),
        APIField("body"),
        APIField("published_contribution_count"),
    ]

    parent_page_types = ["wagtail_participation.ParticipationIndexPage"]
    subpage_types = []
    # Served under these names too when the site includes wagtail_participation.urls.
    participation_files = {
        "contributions.csv": "contributions/csv/",
        "contributions.json": "contributions/json/",
    }

    template = "wagtail_participation/consultations/consultation_page.html"

    class Meta:
        verbose_name = _("consultation")
        verbose_name_plural = _("consultations")

    # Phases ------------------------------------------------------------------------------

    def contributions_open(self, now=None):
        return self.phase_is_open(PhaseKind.CONTRIBUTION, now)

    def questionnaire_open(self, now=None):
        return self.contributions_open(now) or self.phase_is_open(PhaseKind.VOTE, now)

    def questionnaire_results_visible(self, now=None):
        """Yes/no results are shown once every phase that accepts answers has ended."""
        now = now or timezone.now()
        answering = [
            phase for phase in self.phases if phase.kind in (PhaseKind.CONTRIBUTION, PhaseKind.VOTE)
        ]
        return bool(answering) and all(
            phase.ends_at is not None and phase.ends_at <= now for phase in answering
        )

    # Figures -----------------------------------------------------------------------------

    def published_contributions(self):
        return self.contributions.filter(status=ContributionStatus.PUBLISHED)

    @property
    def published_contribution_count(self):
        return self.published_contributions().count()

    def participation_summary(self):
        summary = super().participation_summary()
        published = self.published_contributions()
        counts = published.aggregate(
            contributions=Count("pk"),
            answered=Count("pk", filter=~Q(answer_status="")),
            accepted=Count(
                "pk",
                filter=Q(
                    answer_status__in=[
                        AnswerStatus.ACCEPTED,
                        AnswerStatus.PARTIALLY_ACCEPTED,
                    ]
                ),
            ),
        )
        summary["figures"] = [
            {"label": _("Contributions"), "value": counts["contributions"]},
            {
                "label": _("Supports"),
                "value": Support.objects.filter(contribution__in=published).count(),
            },
            {"label": _("Answered contributions"), "value": counts["answered"]},
            {"label": _("Accepted contributions"), "value": counts["accepted"]},
        ]
        summary["outcomes"] = [
            {
                "title": contribution.title,
                "decision": contribution.get_answer_status_display(),
                "justification": contribution.answer_text,
            }
            for contribution in published.exclude(answer_status="").order_by("pk")
        ]
        return summary

    # What restitution pages read (see wagtail_participation.outcomes) ------------------------

    def outcome_figures(self):
        from .outcomes import outcome_figures

        return outcome_figures(self)

    def outcome_decisions(self):
        from .outcomes import outcome_decisions

        return outcome_decisions(self)

    def outcome_participant_ids(self):
        from .outcomes import outcome_participant_ids

        return outcome_participant_ids(self)

    # Sub-pages (views live in views/; see ROUTES there) -------------------------------------

    @path("")
    def contribution_list(self, request):
        from .views.contributions import contribution_list

        return contribution_list(request, self)

    @path("contributions/<int:pk>/")
    def contribution_detail(self, request, pk):
        from .views.contributions import contribution_detail

        return contribution_detail(request, self, pk)

    @path("contribute/")
    def contribute(self, request):
        from .views.contributions import contribute

        return contribute(request, self)

    @path("contributions/<int:pk>/support/")
    def support(self, request, pk):
        from .views.contributions import support

        return support(request, self, pk)

    @path("contributions/<int:pk>/comment/")
    def comment(self, request, pk):
        from .views.contributions import comment

        return comment(request, self, pk)

    @path("contributions/<int:pk>/report/")
    def report(self, request, pk):
        from .views.contributions import report

        return report(request, self, pk)

    @path("questionnaire/")
    def questionnaire(self, request):
        from .views.questionnaire import questionnaire

        return questionnaire(request, self)

    # Wagtail's page URLs allow no dot, so the exports live at contributions/csv/ and /json/;
    # the downloaded files are still named ….csv and ….json.
    @path("contributions/csv/")
    def contributions_csv(self, request):
        from .views.exports import contributions_csv

        return contributions_csv(request, self)

    @path("contributions/json/")
    def contributions_json(self, request):
        from .views.exports import contributions_json

        return contributions_json(request, self)

    @path("draws/<int:pk>/")
    def draw_detail(self, request, pk):
        from .views.draws import draw_detail

        return draw_detail(request, self, pk)


class ContributionTheme(TaggedItemBase):
    content_object = models.ForeignKey(
        "Contribution", on_delete=models.CASCADE, related_name="theme_items"
    )


class Contribution(models.Model):
    page = models.ForeignKey(
        ConsultationPage,
        on_delete=models.CASCADE,
        related_name="contributions",
        verbose_name=_("consultation"),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("author"),
    )
    title = models.CharField(_("title"), max_length=150)
    body = models.TextField(_("text"))
    neighbourhood = models.ForeignKey(
        "wagtail_participation.Neighbourhood",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("neighbourhood"),
    )
    themes = TaggableManager(through=ContributionTheme, blank=True, verbose_name=_("themes"))
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=ContributionStatus.choices,
        default=ContributionStatus.PENDING,
        db_index=True,
    )
    moderation_reason = models.TextField(_("moderation reason"), blank=True)
    created_at = models.DateTimeField(_("submitted"), default=timezone.now)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    answer_status = models.CharField(
        _("official answer"),
        max_length=20,
        choices=AnswerStatus.choices,
        default=AnswerStatus.NONE,
        blank=True,
        db_index=True,
    )
    answer_text = models.TextField(_("public justification"), blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)

    class Meta:
        verbose_name = _("contribution")
        verbose_name_plural = _("contributions")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["page", "status", "-created_at"])]
        permissions = [("moderate_contribution", _("Can moderate and answer contributions"))]

    def __str__(self):
        return self.title

    @property
    def is_public(self):
        return self.status == ContributionStatus.PUBLISHED

    @property
    def author_name(self):
        return public_author_name(self.author)


class Support(models.Model):
    contribution = models.ForeignKey(
        Contribution, on_delete=models.CASCADE, related_name="supports"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("support")
        verbose_name_plural = _("supports")
        constraints = [
            models.UniqueConstraint(
                fields=["contribution", "user"], name="participation_one_support_per_resident"
            )
        ]


class CommentStatus(models.TextChoices):
    PUBLISHED = "published", _("Published")
    HIDDEN = "hidden", _("Hidden by a moderator")


class Comment(models.Model):
    contribution = models.ForeignKey(
        Contribution, on_delete=models.CASCADE, related_name="comments"
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="replies",
        verbose_name=_("in reply to"),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    body = models.TextField(_("comment"), max_length=2000)
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=CommentStatus.choices,
        default=CommentStatus.PUBLISHED,
        db_index=True,
    )
    moderation_reason = models.TextField(_("moderation reason"), blank=True)
    created_at = models.DateTimeField(_("posted"), default=timezone.now)

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["created_at", "pk"]

    def __str__(self):
        return self.body[:60]

    @property
    def author_name(self):
        return public_author_name(self.author)


class ContentReport(models.Model):
    """A resident reporting a contribution or a comment as abusive."""

    contribution = models.ForeignKey(Contribution, on_delete=models.CASCADE, related_name="reports")
    comment = models.ForeignKey(
        Comment, on_delete=models.CASCADE, null=True, blank=True, related_name="reports"
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    reason = models.TextField(_("reason"), max_length=1000)
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        # Two partial indexes rather than nulls_distinct=False, which SQLite lacks.
        constraints = [
            models.UniqueConstraint(
                fields=["reporter", "contribution"],
                condition=Q(comment__isnull=True),
                name="participation_one_report_per_contribution",
            ),
            models.UniqueConstraint(
                fields=["reporter", "comment"],
                condition=Q(comment__isnull=False),
                name="participation_one_report_per_comment",
            ),
        ]


class Question(Orderable):
    page = ParentalKey(ConsultationPage, on_delete=models.CASCADE, related_name="questions")
    kind = models.CharField(_("kind"), max_length=10, choices=QuestionKind.choices)
    text = models.CharField(_("question"), max_length=300)
    help_text = models.CharField(_("help text"), max_length=300, blank=True)
    choices = models.TextField(
        _("choices"),
        blank=True,
        help_text=_("One choice per line, for single, multiple choice and ranking questions."),
    )
    max_choices = models.PositiveSmallIntegerField(
        _("maximum number of choices"),
        null=True,
        blank=True,
        help_text=_("For multiple choice questions. Leave empty for no limit."),
    )
    required = models.BooleanField(_("required"), default=True)

    panels = [
        FieldRowPanel(["kind", "required"]),
        "text",
        "help_text",
        "choices",
        "max_choices",
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("question")
        verbose_name_plural = _("questions")

    def __str__(self):
        return self.text

    @property
    def choice_list(self):
        if self.kind == QuestionKind.YES_NO:
            return ["yes", "no"]  # stable stored values; labels come from the questionnaire
        return [line.strip() for line in self.choices.splitlines() if line.strip()]


class QuestionnaireResponse(models.Model):
    page = models.ForeignKey(
        ConsultationPage, on_delete=models.CASCADE, related_name="questionnaire_responses"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # For a response made with a participation code instead of an account.
    participation_code = models.OneToOneField(
        "wagtail_participation.ParticipationCode",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("questionnaire response")
        verbose_name_plural = _("questionnaire responses")
        constraints = [
            models.UniqueConstraint(
                fields=["page", "user"],
                condition=Q(user__isnull=False),
                name="participation_one_response_per_resident",
            )
        ]


class QuestionAnswer(models.Model):
    response = models.ForeignKey(
        QuestionnaireResponse, on_delete=models.CASCADE, related_name="answers"
    )
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    text = models.TextField(blank=True, max_length=5000)
    # Chosen choices, in order for rankings: a list of strings.
    choices = models.JSONField(default=list, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["response", "question"], name="participation_one_answer_per_question"
            )
        ]


class Draw(models.Model):
    """A verifiable draw by lot among published contributions (commit, then reveal the seed)."""

    page = models.ForeignKey(ConsultationPage, on_delete=models.CASCADE, related_name="draws")
    title = models.CharField(_("title"), max_length=150)
    count = models.PositiveIntegerField(_("number of contributions to draw"))
    seed = models.CharField(max_length=64, editable=False)
    seed_hash = models.CharField(_("SHA-256 of the seed"), max_length=64, editable=False)
    announced_at = models.DateTimeField(_("announced"), default=timezone.now)
    drawn_at = models.DateTimeField(_("drawn"), null=True, blank=True)
    # Ids of the contributions drawn, in draw order, and the ids taking part.
    result = models.JSONField(default=list, blank=True, editable=False)
    candidates = models.JSONField(default=list, blank=True, editable=False)

    class Meta:
        verbose_name = _("draw by lot")
        verbose_name_plural = _("draws by lot")
        ordering = ["-announced_at"]

    def __str__(self):
        return self.title

    @property
    def is_drawn(self):
        return self.drawn_at is not None

    @property
    def public_seed(self):
        """The seed, only once the draw has happened."""
        return self.seed if self.is_drawn else ""
