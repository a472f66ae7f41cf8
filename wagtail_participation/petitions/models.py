"""Petitions (the right of interpellation) and consultative votes.

A ``PetitionIndexPage`` holds the rules a town sets (threshold, signature period, who may sign,
whether residents file petitions and whether they are reviewed first) and lists its
``Petition`` rows. A ``ConsultativeVotePage`` asks residents one question with a few options.

Where a petition stands is derived from what is stored (review, dates, answer) and the clock:
a petition closes when its signature period ends, with no cron job.
"""

import uuid
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Case, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from taggit.managers import TaggableManager
from taggit.models import TaggedItemBase
from wagtail.admin.panels import FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.api import APIField
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.models import Orderable, Page
from wagtail.search import index

from wagtail_participation.caching import PublicCacheMixin
from wagtail_participation.forms import ProcessPageForm
from wagtail_participation.models import ParticipatoryProcessMixin
from wagtail_participation.status import PhaseKind

# Petitions ----------------------------------------------------------------------------------


class PetitionStatus(models.TextChoices):
    UNDER_REVIEW = "under_review", pgettext_lazy("petition status", "Under review")
    OPEN = "open", pgettext_lazy("petition status", "Open for signatures")
    THRESHOLD_REACHED = "threshold_reached", pgettext_lazy("petition status", "Threshold reached")
    ON_AGENDA = "on_agenda", pgettext_lazy("petition status", "On the council's agenda")
    ANSWERED = "answered", pgettext_lazy("petition status", "Answered by the council")
    CLOSED = "closed", pgettext_lazy("petition status", "Closed without reaching the threshold")
    NOT_ADMISSIBLE = "not_admissible", pgettext_lazy("petition status", "Not admissible")


# What residents may see: every status but these two.
HIDDEN_STATUSES = (PetitionStatus.UNDER_REVIEW, PetitionStatus.NOT_ADMISSIBLE)


class Review(models.TextChoices):
    PENDING = "pending", pgettext_lazy("petition review", "Waiting for review")
    ADMISSIBLE = "admissible", pgettext_lazy("petition review", "Admissible")
    NOT_ADMISSIBLE = "not_admissible", pgettext_lazy("petition review", "Not admissible")


class PetitionIndexPage(PublicCacheMixin, RoutablePageMixin, ParticipatoryProcessMixin, Page):
    """The petition right of a town: its rules, and the petitions filed under them.

    Residents file petitions while a phase of kind "contributions" runs (an open-ended phase
    keeps the right open); each petition then collects signatures for its own period.
    """

    intro = models.TextField(
        _("introduction"), blank=True, help_text=_("A short paragraph shown above the petitions.")
    )
    signature_threshold = models.PositiveIntegerField(
        _("signature threshold"),
        default=1000,
        validators=[MinValueValidator(1)],
        help_text=_(
            "Signatures that put a petition on the council's agenda. A petition keeps the "
            "threshold it opened with."
        ),
    )
    signature_period_days = models.PositiveSmallIntegerField(
        _("signature period (days)"),
        default=365,
        validators=[MinValueValidator(1), MaxValueValidator(3660)],
        help_text=_("How long each petition stays open for signatures, from its opening."),
    )
    # The petition right is for adult residents unless the town decides otherwise.
    minimum_age = models.PositiveSmallIntegerField(
        _("minimum age"),
        null=True,
        blank=True,
        default=18,
        help_text=_(
            "Residents take part from the year they reach this age. Leave empty for no limit."
        ),
    )
    residents_only = models.BooleanField(
        _("residents of the town only"),
        default=True,
        help_text=_("Residents declare it in their profile; codes can prove it on paper."),
    )
    residents_may_file = models.BooleanField(
        _("residents may file petitions on the website"), default=True
    )
    review_before_opening = models.BooleanField(
        _("review each petition before it opens"),
        default=True,
        help_text=_(
            "A petition filed by a resident waits for an admissibility decision, with a reason "
            "given to its filer, before it is published and can be signed."
        ),
    )
    petition_max_length = models.PositiveIntegerField(
        _("maximum length of a petition"),
        default=5000,
        validators=[MinValueValidator(200), MaxValueValidator(20000)],
        help_text=_("In characters."),
    )

    content_panels = (
        Page.content_panels
        + ["summary", "intro"]
        + ParticipatoryProcessMixin.process_panels
        + [
            MultiFieldPanel(
                [
                    FieldRowPanel(["signature_threshold", "signature_period_days"]),
                    "residents_may_file",
                    "review_before_opening",
                    "petition_max_length",
                ],
                heading=_("Petition rules"),
            ),
        ]
    )
    search_fields = ParticipatoryProcessMixin.search_fields + [index.SearchField("intro")]
    api_fields = ParticipatoryProcessMixin.api_fields + [
        APIField("intro"),
        APIField("signature_threshold"),
        APIField("signature_period_days"),
        APIField("residents_may_file"),
        APIField("review_before_opening"),
    ]

    parent_page_types = ["wagtail_participation.ParticipationIndexPage"]
    subpage_types = []

    template = "wagtail_participation/petitions/petition_index_page.html"

    class Meta:
        verbose_name = _("petition right")
        verbose_name_plural = _("petition rights")

    def filing_open(self, now=None):
        return self.residents_may_file and self.phase_is_open(PhaseKind.CONTRIBUTION, now)

    def public_petitions(self):
        if self.pk is None:  # the preview of a page never saved
            return Petition.objects.none()
        return self.petitions.public()

    def next_public_change(self):
        """When the next open petition closes: cached copies of the page expire then."""
        if self.pk is None:
            return None
        return (
            self.petitions.public()
            .filter(answered_at__isnull=True, closes_at__gt=timezone.now())
            .order_by("closes_at")
            .values_list("closes_at", flat=True)
            .first()
        )

    def participation_summary(self):
        from .outcomes import petition_summary

        return petition_summary(self, super().participation_summary())

    def outcome_figures(self):
        from .outcomes import petition_figures

        return petition_figures(self)

    def outcome_decisions(self):
        from .outcomes import petition_decisions

        return petition_decisions(self)

    def outcome_participant_ids(self):
        from .outcomes import petition_participant_ids

        return petition_participant_ids(self)

    # Sub-pages (views in views.py) --------------------------------------------------------

    @path("")
    def petition_list(self, request):
        from .views import petition_list

        return petition_list(request, self)

    @path("file/")
    def file_petition(self, request):
        from .views import file_petition

        return file_petition(request, self)

    @path("<int:pk>/")
    def petition_detail(self, request, pk):
        from .views import petition_detail

        return petition_detail(request, self, pk)

    @path("<int:pk>/sign/")
    def sign(self, request, pk):
        from .views import sign

        return sign(request, self, pk)

    @path("<int:pk>/withdraw/")
    def withdraw(self, request, pk):
        from .views import withdraw

        return withdraw(request, self, pk)

    @path("<int:pk>/signatories/")
    def signatories(self, request, pk):
        from .views import signatories

        return signatories(request, self, pk)


class PetitionQuerySet(models.QuerySet):
    def with_status(self, now=None):
        """Annotate ``current_status`` in SQL, by the rules of ``Petition.status_at``."""
        # Python's clock, as ``Petition.status_at``: the two always agree.
        moment = Value(now or timezone.now())
        return self.annotate(
            current_status=Case(
                When(review=Review.NOT_ADMISSIBLE, then=Value(PetitionStatus.NOT_ADMISSIBLE)),
                When(
                    Q(review=Review.PENDING) | Q(opened_at__isnull=True),
                    then=Value(PetitionStatus.UNDER_REVIEW),
                ),
                When(answered_at__isnull=False, then=Value(PetitionStatus.ANSWERED)),
                When(council_date__isnull=False, then=Value(PetitionStatus.ON_AGENDA)),
                When(
                    threshold_reached_at__isnull=False,
                    then=Value(PetitionStatus.THRESHOLD_REACHED),
                ),
                When(closes_at__lte=moment, then=Value(PetitionStatus.CLOSED)),
                default=Value(PetitionStatus.OPEN),
                output_field=models.CharField(),
            )
        )

    def public(self):
        """Petitions residents may see: admissible and opened."""
        return self.filter(review=Review.ADMISSIBLE, opened_at__isnull=False)


class PetitionTheme(TaggedItemBase):
    content_object = models.ForeignKey(
        "Petition", on_delete=models.CASCADE, related_name="theme_items"
    )

    class Meta:
        verbose_name = _("petition theme")
        verbose_name_plural = _("petition themes")


class Petition(models.Model):
    page = models.ForeignKey(
        PetitionIndexPage,
        on_delete=models.CASCADE,
        related_name="petitions",
        verbose_name=_("petition right"),
    )
    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("text"))
    filer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("filed by (account)"),
    )
    filer_name = models.CharField(
        _("filer's public name"),
        max_length=120,
        help_text=_("Shown on the petition: a resident's public name, or a collective's name."),
    )
    themes = TaggableManager(
        through=PetitionTheme, blank=True, verbose_name=_("themes"), related_name="+"
    )
    neighbourhood = models.ForeignKey(
        "wagtail_participation.Neighbourhood",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("neighbourhood"),
    )
    review = models.CharField(
        _("admissibility"), max_length=20, choices=Review.choices, default=Review.PENDING
    )
    review_reason = models.TextField(
        _("reason for the admissibility decision"),
        blank=True,
        help_text=_("Sent to the filer; required when the petition is not admissible."),
    )
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    opened_at = models.DateTimeField(_("opened for signatures"), null=True, blank=True)
    closes_at = models.DateTimeField(_("signatures close"), null=True, blank=True)
    threshold = models.PositiveIntegerField(
        _("signature threshold"),
        null=True,
        blank=True,
        help_text=_("Set from the petition right's rules when the petition opens."),
    )
    signature_count = models.PositiveIntegerField(_("signatures"), default=0, editable=False)
    threshold_reached_at = models.DateTimeField(
        _("threshold reached"), null=True, blank=True, editable=False
    )
    council_date = models.DateField(
        _("council meeting"),
        null=True,
        blank=True,
        help_text=_("The date of the council meeting whose agenda includes the petition."),
    )
    answer = models.TextField(_("council's answer"), blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True, editable=False)
    meetings = models.ManyToManyField(
        "wagtailcore.Page",
        blank=True,
        related_name="+",
        verbose_name=_("linked meetings"),
        help_text=_("Council meetings or debates about the petition."),
    )
    created_at = models.DateTimeField(_("filed"), default=timezone.now)

    objects = PetitionQuerySet.as_manager()

    class Meta:
        verbose_name = _("petition")
        verbose_name_plural = _("petitions")
        ordering = ["-opened_at", "-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(review="not_admissible") | ~Q(review_reason=""),
                name="participation_petition_refusal_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(opened_at__isnull=True)
                | Q(closes_at__isnull=False, threshold__isnull=False),
                name="participation_petition_open_has_period",
            ),
        ]
        indexes = [models.Index(fields=["page", "review", "opened_at"])]

    def __str__(self):
        return self.title

    # Where it stands ---------------------------------------------------------------------

    def status_at(self, now):
        if self.review == Review.NOT_ADMISSIBLE:
            return PetitionStatus.NOT_ADMISSIBLE
        if self.review == Review.PENDING or self.opened_at is None:
            return PetitionStatus.UNDER_REVIEW
        if self.answered_at is not None:
            return PetitionStatus.ANSWERED
        if self.council_date is not None:
            return PetitionStatus.ON_AGENDA
        if self.threshold_reached_at is not None:
            return PetitionStatus.THRESHOLD_REACHED
        if self.closes_at <= now:
            return PetitionStatus.CLOSED
        return PetitionStatus.OPEN

    @property
    def status(self):
        return self.status_at(timezone.now())

    def get_status_display(self):
        return PetitionStatus(self.status).label

    @property
    def is_public(self):
        return self.review == Review.ADMISSIBLE and self.opened_at is not None

    def accepts_signatures(self, now=None):
        """Signatures are taken during the signature period, until the council answers."""
        now = now or timezone.now()
        return self.is_public and self.answered_at is None and now < self.closes_at

    def accepts_withdrawals(self, now=None):
        """A signature may be withdrawn until the threshold is reached: the count that put the
        petition on the council's agenda then stays as it was."""
        return self.accepts_signatures(now) and self.threshold_reached_at is None

    @property
    def progress_percent(self):
        if not self.threshold:
            return 0
        return min(100, 100 * self.signature_count // self.threshold)

    @property
    def signatures_missing(self):
        return max(0, (self.threshold or 0) - self.signature_count)

    def open_now(self, now=None):
        """Open the petition for signatures with its page's current rules (unsaved)."""
        now = now or timezone.now()
        self.review = Review.ADMISSIBLE
        self.opened_at = now
        self.closes_at = now + timedelta(days=self.page.signature_period_days)
        self.threshold = self.page.signature_threshold

    def clean(self):
        super().clean()
        if self.review == Review.NOT_ADMISSIBLE and not self.review_reason.strip():
            raise ValidationError(
                {
                    "review_reason": gettext(
                        "Say why the petition is not admissible: the filer receives this reason."
                    )
                }
            )


class SignatureChannel(models.TextChoices):
    ONLINE = "online", pgettext_lazy("signature channel", "Online, with an account")
    CODE = "code", pgettext_lazy("signature channel", "Online, with a participation code")
    PAPER = "paper", pgettext_lazy("signature channel", "On paper")


class Signature(models.Model):
    """One person's signature of one petition, whatever the channel.

    ``signer_key`` stands for the signer (``user:<id>``, ``code:<id>``, ``paper:<uuid>``) and
    ``identity_key`` for the person (full name and year of birth, normalised): the database
    refuses a second signature with either, so nobody signs twice, online and on paper.
    """

    petition = models.ForeignKey(
        Petition, on_delete=models.CASCADE, related_name="signatures", verbose_name=_("petition")
    )
    signer_key = models.CharField(max_length=64, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("account"),
    )
    participation_code = models.ForeignKey(
        "wagtail_participation.ParticipationCode",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("participation code"),
    )
    channel = models.CharField(_("channel"), max_length=10, choices=SignatureChannel.choices)
    full_name = models.CharField(_("full name"), max_length=150)
    birth_year = models.PositiveSmallIntegerField(
        _("year of birth"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1900), MaxValueValidator(2100)],
    )
    identity_key = models.CharField(max_length=200, blank=True, editable=False)
    show_name = models.BooleanField(_("show my public name among the signatories"), default=False)
    paper_reference = models.CharField(_("sheet reference"), max_length=40, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("entered by"),
    )
    created_at = models.DateTimeField(_("signed"), default=timezone.now)

    class Meta:
        verbose_name = _("signature")
        verbose_name_plural = _("signatures")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["petition", "signer_key"], name="participation_one_signature_per_signer"
            ),
            models.UniqueConstraint(
                fields=["petition", "identity_key"],
                condition=~Q(identity_key=""),
                name="participation_one_signature_per_person",
            ),
        ]

    def __str__(self):
        return f"{self.petition} ({self.get_channel_display()})"


# Consultative votes -------------------------------------------------------------------------


class ConsultativeVoteForm(ProcessPageForm):
    """Refuses, with a message on the form, to remove or rename an option residents voted for
    (the page's ``clean()`` says the same, but too late for the admin form to show it)."""

    def clean(self):
        cleaned_data = super().clean()
        formset = self.formsets.get("vote_options")
        if formset is None or not formset.is_valid() or self.instance.pk is None:
            return cleaned_data
        from .votes import options_changed_after_votes

        deleted = formset.deleted_forms
        kept = [form.instance for form in formset.forms if form not in deleted and form.instance.pk]
        changed = options_changed_after_votes(self.instance, kept)
        if changed:
            self.add_error(None, voted_option_message(changed))
        return cleaned_data


def voted_option_message(label):
    return gettext(
        "Residents have already voted for “%(option)s”: it cannot be removed or renamed."
    ) % {"option": label}


class ConsultativeVotePage(PublicCacheMixin, RoutablePageMixin, ParticipatoryProcessMixin, Page):
    """Residents answer one question (for or against, or a few options) during the vote
    phase; turnout and results appear once every vote phase has ended. The vote is
    consultative: the page says so, whatever the editors write."""

    question = models.CharField(_("question"), max_length=255)
    intro = models.TextField(_("introduction"), blank=True)
    next_steps = models.TextField(
        _("what the council will do with the result"),
        blank=True,
        help_text=_("For example: the council debates the result on 12 March and decides."),
    )
    registered_voters = models.PositiveIntegerField(
        _("residents who may vote"),
        null=True,
        blank=True,
        help_text=_("Optional: shows the turnout as a percentage of them."),
    )

    content_panels = (
        Page.content_panels
        + ["summary", "question", "intro"]
        + [InlinePanel("vote_options", label=_("Option"), heading=_("Options"), min_num=2)]
        + ["next_steps", "registered_voters"]
        + ParticipatoryProcessMixin.process_panels
    )
    search_fields = ParticipatoryProcessMixin.search_fields + [
        index.SearchField("question"),
        index.SearchField("intro"),
    ]
    api_fields = ParticipatoryProcessMixin.api_fields + [
        APIField("question"),
        APIField("intro"),
        APIField("next_steps"),
        APIField("option_labels"),
        APIField("public_results"),
    ]

    parent_page_types = ["wagtail_participation.ParticipationIndexPage"]
    subpage_types = []
    base_form_class = ConsultativeVoteForm

    template = "wagtail_participation/petitions/consultative_vote_page.html"

    class Meta:
        verbose_name = _("consultative vote")
        verbose_name_plural = _("consultative votes")

    def voting_open(self, now=None):
        return self.phase_is_open(PhaseKind.VOTE, now)

    def results_visible(self, now=None):
        """Turnout and results are shown once every vote phase has ended, never before."""
        now = now or timezone.now()
        votes = [phase for phase in self.phases if phase.kind == PhaseKind.VOTE]
        return bool(votes) and all(
            phase.ends_at is not None and phase.ends_at <= now for phase in votes
        )

    @property
    def option_labels(self):
        return [option.label for option in self.vote_options.all()]

    def results(self):
        """The tally, whatever the clock: for staff and for ``public_results``."""
        from .votes import tally

        return tally(self)

    @property
    def public_results(self):
        """The tally once the vote has closed, else None (the API and restitution read it)."""
        if self.pk is None or not self.results_visible():
            return None
        return self.results().as_dict()

    def participation_summary(self):
        from .outcomes import vote_summary

        return vote_summary(self, super().participation_summary())

    def outcome_figures(self):
        from .outcomes import vote_figures

        return vote_figures(self)

    def outcome_decisions(self):
        from .outcomes import vote_decisions

        return vote_decisions(self)

    def outcome_participant_ids(self):
        from .outcomes import vote_participant_ids

        return vote_participant_ids(self)

    def clean(self):
        super().clean()
        options = list(self.vote_options.all())
        if len(options) < 2:
            raise ValidationError(gettext("A vote needs at least two options."), code="options")
        if len({option.label.strip().casefold() for option in options}) != len(options):
            raise ValidationError(gettext("Two options have the same label."), code="options")
        if self.pk:
            from .votes import options_changed_after_votes

            changed = options_changed_after_votes(self, options)
            if changed:
                raise ValidationError(voted_option_message(changed), code="options_voted")

    @path("")
    def vote_page(self, request):
        from .vote_views import vote_page

        return vote_page(request, self)

    @path("vote/")
    def vote(self, request):
        from .vote_views import cast_vote_view

        return cast_vote_view(request, self)


class VoteOption(Orderable):
    page = ParentalKey(ConsultativeVotePage, on_delete=models.CASCADE, related_name="vote_options")
    label = models.CharField(_("label"), max_length=100, help_text=_("For example: For."))
    description = models.TextField(_("description"), blank=True)

    panels = ["label", "description"]

    class Meta(Orderable.Meta):
        verbose_name = _("option")
        verbose_name_plural = _("options")

    def __str__(self):
        return self.label


class VoteParticipation(models.Model):
    """Who voted: one row per voter, with no trace of the option chosen (see ``VoteBallot``)."""

    page = models.ForeignKey(
        ConsultativeVotePage, on_delete=models.CASCADE, related_name="vote_participations"
    )
    voter_key = models.CharField(max_length=64, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    participation_code = models.ForeignKey(
        "wagtail_participation.ParticipationCode",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("vote participation")
        verbose_name_plural = _("vote participations")
        constraints = [
            models.UniqueConstraint(
                fields=["page", "voter_key"], name="participation_one_consultative_vote"
            )
        ]


class VoteBallot(models.Model):
    """What was voted, with no link to who voted and no time: a random id, a page, an option.

    Written in the same transaction as the voter's ``VoteParticipation``, so the two tables
    always hold as many rows, and the secret of the vote is kept even from the database.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    page = models.ForeignKey(
        ConsultativeVotePage, on_delete=models.CASCADE, related_name="vote_ballots"
    )
    # RESTRICT: an option residents voted for cannot be deleted, unless its page goes too.
    option = models.ForeignKey(VoteOption, on_delete=models.RESTRICT, related_name="ballots")

    class Meta:
        verbose_name = _("consultative ballot")
        verbose_name_plural = _("consultative ballots")
