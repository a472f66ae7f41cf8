from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import cached_property
from django.utils.text import slugify
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from taggit.models import TaggedItemBase
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.api import APIField
from wagtail.fields import RichTextField
from wagtail.models import Page, TranslatableMixin
from wagtail.search import index

from .caching import PublicCacheMixin
from .forms import ProcessPageForm
from .outcomes import Milestone, OutcomeSource
from .serializers import RichTextHTMLField
from .status import (
    PhaseKind,
    current_phase_at,
    find_overlaps,
    next_phase_at,
    status_at,
)
from .templating import page_context
from .validators import validate_outline


class Neighbourhood(TranslatableMixin, index.Indexed, models.Model):
    """A part of the town that processes, projects and meetings can be attached to."""

    name = models.CharField(_("name"), max_length=100)
    slug = models.SlugField(
        _("slug"),
        max_length=100,
        blank=True,
        help_text=_("Used in web addresses and filters. Left empty, it is made from the name."),
    )
    description = models.TextField(_("description"), blank=True)
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    outline = models.JSONField(
        _("outline"),
        null=True,
        blank=True,
        validators=[validate_outline],
        help_text=_(
            "Optional GeoJSON Polygon or MultiPolygon geometry (longitude, latitude in WGS 84)."
        ),
    )

    panels = [
        FieldPanel("name"),
        FieldPanel("slug"),
        FieldPanel("description"),
        MultiFieldPanel(
            [FieldRowPanel([FieldPanel("latitude"), FieldPanel("longitude")]), "outline"],
            heading=_("Location"),
        ),
    ]
    search_fields = [
        index.SearchField("name"),
        index.AutocompleteField("name"),
        index.SearchField("description"),
        index.AutocompleteField("description"),
    ]

    class Meta(TranslatableMixin.Meta):
        verbose_name = _("neighbourhood")
        verbose_name_plural = _("neighbourhoods")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["locale", "slug"], name="participation_neighbourhood_unique_slug"
            ),
            models.CheckConstraint(
                condition=models.Q(latitude__isnull=True, longitude__isnull=True)
                | models.Q(latitude__isnull=False, longitude__isnull=False),
                name="participation_neighbourhood_point_complete",
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        if not self.slug:
            self.slug = slugify(self.name)[:100]
        if (self.latitude is None) != (self.longitude is None):
            raise ValidationError(
                _("Give both the latitude and the longitude, or neither."),
                code="incomplete_point",
            )
        if self.latitude is not None and not -90 <= self.latitude <= 90:
            raise ValidationError({"latitude": _("A latitude lies between -90 and 90.")})
        if self.longitude is not None and not -180 <= self.longitude <= 180:
            raise ValidationError({"longitude": _("A longitude lies between -180 and 180.")})
        others = Neighbourhood.objects.filter(slug=self.slug)
        if self.locale_id:
            others = others.filter(locale_id=self.locale_id)
        if others.exclude(pk=self.pk).exists():
            raise ValidationError({"slug": _("Another neighbourhood already uses this slug.")})

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = slugify(self.name)[:100]
        super().save(*args, **kwargs)


class ProcessPhase(models.Model):
    """One period of a participatory process: information, contributions, vote, results..."""

    page = ParentalKey(
        "wagtailcore.Page", on_delete=models.CASCADE, related_name="participation_phases"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=PhaseKind.choices)
    title = models.CharField(
        _("title"),
        max_length=120,
        blank=True,
        help_text=_("Left empty, the kind of phase is shown."),
    )
    starts_at = models.DateTimeField(_("start"))
    ends_at = models.DateTimeField(
        _("end"), null=True, blank=True, help_text=_("Leave empty for a phase with no end.")
    )
    description = models.TextField(_("description"), blank=True)

    panels = [
        FieldRowPanel(["kind", "title"]),
        FieldRowPanel(["starts_at", "ends_at"]),
        "description",
    ]

    api_fields = [
        APIField("kind"),
        APIField("display_title"),
        APIField("starts_at"),
        APIField("ends_at"),
        APIField("description"),
    ]

    class Meta:
        verbose_name = _("phase")
        verbose_name_plural = _("phases")
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__isnull=True)
                | models.Q(ends_at__gt=models.F("starts_at")),
                name="participation_phase_ends_after_start",
            )
        ]

    def __str__(self):
        return self.display_title

    @property
    def display_title(self):
        return self.title or self.get_kind_display()

    def period_display(self):
        start = date_format(timezone.localtime(self.starts_at), "DATE_FORMAT")
        if self.ends_at is None:
            return gettext("from %(start)s") % {"start": start}
        end = date_format(timezone.localtime(self.ends_at), "DATE_FORMAT")
        return gettext("%(start)s to %(end)s") % {"start": start, "end": end}

    def clean(self):
        super().clean()
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": _("A phase must end after it starts.")})


class ProcessTheme(TaggedItemBase):
    """Links a participatory page, of any type, to a theme tag."""

    content_object = ParentalKey(
        "wagtailcore.Page", on_delete=models.CASCADE, related_name="participation_theme_items"
    )

    class Meta:
        verbose_name = _("theme")
        verbose_name_plural = _("themes")


def overlap_message(earlier, later):
    return gettext(
        "The phase “%(later)s” (%(later_period)s) overlaps the phase “%(earlier)s” "
        "(%(earlier_period)s). Each phase must end before the next one starts."
    ) % {
        "later": later.display_title,
        "later_period": later.period_display(),
        "earlier": earlier.display_title,
        "earlier_period": earlier.period_display(),
    }


class CodeUse(models.TextChoices):
    ACCOUNTS_ONLY = "accounts", _("Accounts only")
    ACCOUNT_OR_CODE = "account_or_code", _("An account or a participation code")
    CODE_REQUIRED = "code", _("A participation code, with or without an account")


class ParticipatoryProcessMixin(OutcomeSource, models.Model):
    """What every participatory page has: phases, neighbourhoods, themes, impact, contact.

    Concrete pages inherit from this mixin and ``Page`` (in that order) and stay thin. The core
    process interface the restitution pages read is: ``phases``, ``status``, ``current_phase``,
    ``neighbourhoods``, ``theme_tags()``, ``participation_summary()`` and the ``outcome_*``
    methods of ``outcomes.OutcomeSource``.
    """

    summary = models.TextField(
        _("summary"),
        max_length=300,
        blank=True,
        help_text=_("One or two sentences shown in listings and search results."),
    )
    impact_statement = RichTextField(
        _("what contributions will change"),
        features=["bold", "italic", "link", "ol", "ul"],
        help_text=_(
            "Say from the start what residents' contributions can change, and what is already "
            "decided. Required before publishing."
        ),
    )
    neighbourhoods = ParentalManyToManyField(
        "wagtail_participation.Neighbourhood",
        blank=True,
        related_name="%(app_label)s_%(class)s_pages",
        verbose_name=_("neighbourhoods"),
        help_text=_("Leave empty for a process about the whole town."),
    )
    themes = ClusterTaggableManager(
        through="wagtail_participation.ProcessTheme",
        blank=True,
        verbose_name=_("themes"),
    )
    minimum_age = models.PositiveSmallIntegerField(
        _("minimum age"),
        null=True,
        blank=True,
        help_text=_(
            "Residents take part from the year they reach this age. Leave empty for no limit."
        ),
    )
    residents_only = models.BooleanField(
        _("residents of the town only"),
        default=False,
        help_text=_("Residents declare it in their profile; codes can prove it on paper."),
    )
    neighbourhood_residents_only = models.BooleanField(
        _("residents of the chosen neighbourhoods only"), default=False
    )
    participation_codes = models.CharField(
        _("participation codes"),
        max_length=20,
        choices=CodeUse.choices,
        default=CodeUse.ACCOUNTS_ONLY,
    )
    contact_name = models.CharField(_("contact name"), max_length=120, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)

    process_panels = [
        FieldPanel("impact_statement"),
        InlinePanel("participation_phases", heading=_("Phases"), label=_("Phase")),
        MultiFieldPanel(
            [FieldPanel("neighbourhoods", widget=forms.CheckboxSelectMultiple), "themes"],
            heading=_("Neighbourhoods and themes"),
        ),
        MultiFieldPanel(
            [
                FieldRowPanel(["minimum_age", "participation_codes"]),
                "residents_only",
                "neighbourhood_residents_only",
            ],
            heading=_("Who can take part"),
        ),
        MultiFieldPanel(
            ["contact_name", FieldRowPanel(["contact_email", "contact_phone"])],
            heading=_("Contact"),
        ),
    ]

    content_panels = Page.content_panels + ["summary"] + process_panels

    search_fields = Page.search_fields + [
        index.SearchField("summary"),
        index.SearchField("impact_statement"),
        index.RelatedFields("neighbourhoods", [index.SearchField("name")]),
    ]

    api_fields = [
        APIField("summary"),
        APIField("impact_statement", serializer=RichTextHTMLField()),
        APIField("status"),
        APIField("participation_phases"),
        APIField("neighbourhood_names"),
        APIField("theme_names"),
        APIField("minimum_age"),
        APIField("residents_only"),
        APIField("neighbourhood_residents_only"),
        APIField("participation_codes"),
        APIField("contact_name"),
        APIField("contact_email"),
        APIField("contact_phone"),
    ]

    base_form_class = ProcessPageForm

    class Meta:
        abstract = True

    # The process interface -------------------------------------------------------------

    @classmethod
    def participation_kind(cls):
        """The value that identifies this type of process in index filters."""
        return cls._meta.label_lower

    @classmethod
    def participation_kind_label(cls):
        return cls._meta.verbose_name

    @cached_property
    def phases(self):
        return sorted(self.participation_phases.all(), key=lambda p: p.starts_at)

    def status_at(self, now):
        return status_at(self.phases, now)

    @property
    def status(self):
        return self.status_at(timezone.now())

    @property
    def current_phase(self):
        return current_phase_at(self.phases, timezone.now())

    @property
    def next_phase(self):
        return next_phase_at(self.phases, timezone.now())

    def phase_is_open(self, kind, now=None):
        """Whether a phase of ``kind`` is running at ``now``."""
        now = now or timezone.now()
        return any(
            phase.kind == kind
            and phase.starts_at <= now
            and (phase.ends_at is None or now < phase.ends_at)
            for phase in self.phases
        )

    def theme_tags(self):
        prefetched = getattr(self, "_prefetched_objects_cache", {})
        if "participation_theme_items" in prefetched:
            return [item.tag for item in prefetched["participation_theme_items"]]
        return list(self.themes.all())

    @property
    def neighbourhood_names(self):
        return [n.name for n in self.neighbourhoods.all()]

    @property
    def theme_names(self):
        return [tag.name for tag in self.theme_tags()]

    def participation_summary(self):
        """Figures and outcomes for restitution pages; apps add their own.

        ``figures`` are ``{"label", "value"}`` dicts, ``outcomes`` are ``{"title", "decision"}``.
        """
        return {"status": self.status, "figures": [], "outcomes": []}

    def outcome_milestones(self):
        """The phases as milestones: past ones done, the current one in progress, the next
        ones planned. Process types with more to say (implementation updates) extend it."""
        now = timezone.now()
        milestones = []
        for phase in self.phases:
            if phase.ends_at is not None and phase.ends_at <= now:
                status = "done"
            elif phase.starts_at <= now:
                status = "in_progress"
            else:
                status = "planned"
            milestones.append(
                Milestone(
                    title=phase.display_title,
                    date=timezone.localdate(phase.starts_at),
                    status=status,
                    description=phase.description,
                )
            )
        return milestones

    # Validation -------------------------------------------------------------------------

    def clean(self):
        super().clean()
        overlaps = find_overlaps(self.participation_phases.all())
        if overlaps:
            raise ValidationError(overlap_message(*overlaps[0]), code="phase_overlap")

    # Rendering --------------------------------------------------------------------------

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context.update(page_context())
        return context


class ParticipationIndexPage(PublicCacheMixin, Page):
    """Lists every participatory page below it, with filters and pagination."""

    intro = RichTextField(_("introduction"), blank=True, features=["bold", "italic", "link"])

    content_panels = Page.content_panels + ["intro"]
    search_fields = Page.search_fields + [index.SearchField("intro")]
    api_fields = [APIField("intro", serializer=RichTextHTMLField())]

    template = "wagtail_participation/participation_index_page.html"

    class Meta:
        verbose_name = _("participation index")
        verbose_name_plural = _("participation indexes")

    def get_context(self, request, *args, **kwargs):
        from .listing import participation_listing

        context = super().get_context(request, *args, **kwargs)
        context.update(page_context())
        context.update(participation_listing(self, request))
        return context


class InformationProcessPage(PublicCacheMixin, ParticipatoryProcessMixin, Page):
    """A process that informs residents: its phases, what is at stake, whom to contact."""

    body = RichTextField(_("body"), blank=True)

    content_panels = (
        Page.content_panels + ["summary", "body"] + ParticipatoryProcessMixin.process_panels
    )
    search_fields = ParticipatoryProcessMixin.search_fields + [index.SearchField("body")]
    api_fields = ParticipatoryProcessMixin.api_fields + [
        APIField("body", serializer=RichTextHTMLField())
    ]

    parent_page_types = ["wagtail_participation.ParticipationIndexPage"]
    subpage_types = []

    template = "wagtail_participation/information_process_page.html"

    class Meta:
        verbose_name = _("information process")
        verbose_name_plural = _("information processes")


from .codes import CodeBatch, ParticipationCode  # noqa: E402
from .profiles import ParticipantProfile  # noqa: E402
from .reports import AccountReport  # noqa: E402

__all__ = [
    "AccountReport",
    "CodeBatch",
    "CodeUse",
    "ParticipantProfile",
    "ParticipationCode",
    "InformationProcessPage",
    "Neighbourhood",
    "ParticipationIndexPage",
    "ParticipatoryProcessMixin",
    "ProcessPhase",
    "ProcessTheme",
]
