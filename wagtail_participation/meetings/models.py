"""Neighbourhood committee calendars: calendar pages, meeting pages, recurrence, registrations.

A meeting is one page, even when it repeats: its recurrence rule is stored on the page and its
occurrences are computed (``recurrence.py``), never stored, except the exceptions editors make
to one occurrence (cancelled, or a note). Registrations are resident data, in their own table.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Orderable, Page
from wagtail.search import index

from wagtail_participation.caching import PublicCacheMixin
from wagtail_participation.outcomes import OutcomeSource

from .forms import MeetingPageForm


class MeetingKind(models.TextChoices):
    COMMITTEE = "committee", _("Neighbourhood committee")
    CAFE_DEBAT = "cafe_debat", _("Café-débat")
    DROP_IN = "drop_in", _("Elected official's drop-in hours")
    PUBLIC_MEETING = "public_meeting", _("Public meeting")
    ONLINE_SESSION = "online_session", _("Online live session")
    WORKSHOP = "workshop", _("Workshop")
    WALK = "walk", _("Exploratory walk")


class Attendance(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    ONLINE = "online", _("Online")
    HYBRID = "hybrid", _("In person and online")


class LinkAudience(models.TextChoices):
    EVERYONE = "everyone", _("Everyone, on the meeting page")
    REGISTERED = "registered", _("Registered residents only")


class Frequency(models.TextChoices):
    NONE = "", _("Does not repeat")
    WEEKLY = "weekly", _("Every week")
    MONTHLY_DAY = "monthly_day", _("Every month, on the same day of the month")
    MONTHLY_WEEKDAY = "monthly_weekday", _("Every month, on the same weekday (e.g. first Tuesday)")


class RegistrationMode(models.TextChoices):
    NONE = "", _("No registration")
    ON_SITE = "site", _("On this site")
    EXTERNAL = "external", _("On another site (link)")


class CommitteeCalendarPage(PublicCacheMixin, RoutablePageMixin, OutcomeSource, Page):
    """A calendar for the whole town or one neighbourhood committee; its children are meetings."""

    committee_name = models.CharField(
        _("committee"),
        max_length=150,
        blank=True,
        help_text=_("For example “Comité de quartier des Prés”. Leave empty for the town."),
    )
    neighbourhoods = ParentalManyToManyField(
        "wagtail_participation.Neighbourhood",
        blank=True,
        related_name="+",
        verbose_name=_("neighbourhoods"),
        help_text=_("Leave empty for a calendar of the whole town."),
    )
    description = RichTextField(_("description"), blank=True)
    contact_name = models.CharField(_("contact name"), max_length=120, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)

    content_panels = Page.content_panels + [
        "committee_name",
        FieldPanel("neighbourhoods"),
        "description",
        MultiFieldPanel(
            ["contact_name", FieldRowPanel(["contact_email", "contact_phone"])],
            heading=_("Contact"),
        ),
    ]
    search_fields = Page.search_fields + [
        index.SearchField("committee_name"),
        index.SearchField("description"),
    ]
    subpage_types = ["participation_meetings.MeetingPage"]
    # Served under this name too when the site includes wagtail_participation.urls.
    participation_files = {"calendar.ics": "calendar/ics/"}

    class Meta:
        verbose_name = _("committee calendar")
        verbose_name_plural = _("committee calendars")

    def get_template(self, request, *args, **kwargs):
        return "wagtail_participation/meetings/calendar_page.html"

    # What restitution pages read (outcomes.OutcomeSource), computed in outcomes.py; a
    # calendar takes no decisions and publishes no results.

    def outcome_figures(self):
        from .outcomes import calendar_figures

        return calendar_figures(self)

    def outcome_milestones(self):
        from .outcomes import calendar_milestones

        return calendar_milestones(self)

    def outcome_participant_ids(self):
        from .outcomes import calendar_participant_ids

        return calendar_participant_ids(self)

    # Sub-pages (the views live in views.py) ---------------------------------------------

    @path("")
    def upcoming(self, request):
        from .views import upcoming

        return upcoming(request, self)

    @path("<int:year>/<int:month>/")
    def month_view(self, request, year, month):
        from .views import month_view

        return month_view(request, self, year, month)

    @path("past/")
    def past_meetings(self, request):
        from .views import past

        return past(request, self)

    # Wagtail's page URLs allow no dot: calendar/ics/ serves calendar.ics.
    @path("calendar/ics/")
    def calendar_ics(self, request):
        from .views import calendar_ics

        return calendar_ics(request, self)


class MeetingPage(PublicCacheMixin, RoutablePageMixin, Page):
    kind = models.CharField(
        _("kind"), max_length=20, choices=MeetingKind.choices, default=MeetingKind.COMMITTEE
    )
    # Aware datetimes; shown and repeated in the site's time zone (TIME_ZONE).
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    attendance = models.CharField(
        _("attendance"), max_length=10, choices=Attendance.choices, default=Attendance.IN_PERSON
    )
    address = models.CharField(_("address"), max_length=255, blank=True)
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    access_notes = models.TextField(_("how to get there"), blank=True)
    accessibility_notes = models.TextField(
        _("accessibility"),
        blank=True,
        help_text=_("Step-free access, induction loop, sign language, childcare…"),
    )
    online_url = models.URLField(_("online link"), blank=True)
    online_link_audience = models.CharField(
        _("online link shown to"),
        max_length=12,
        choices=LinkAudience.choices,
        default=LinkAudience.EVERYONE,
    )
    agenda = RichTextField(_("agenda"), blank=True)
    related_page = models.ForeignKey(
        "wagtailcore.Page",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("related participatory page"),
    )
    cancelled = models.BooleanField(
        _("cancelled"),
        default=False,
        help_text=_("A cancelled meeting stays on the calendar, marked as cancelled."),
    )
    cancellation_note = models.CharField(_("why it is cancelled"), max_length=255, blank=True)

    # Recurrence: the first occurrence is starts_at/ends_at.
    frequency = models.CharField(
        _("repeats"), max_length=20, choices=Frequency.choices, default=Frequency.NONE, blank=True
    )
    interval = models.PositiveSmallIntegerField(
        _("every"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
        help_text=_("1 for every week or month, 2 for every other one…"),
    )
    repeat_until = models.DateField(
        _("until"), null=True, blank=True, help_text=_("The last day an occurrence may fall on.")
    )

    # Registration.
    registration = models.CharField(
        _("registration"),
        max_length=10,
        choices=RegistrationMode.choices,
        default=RegistrationMode.NONE,
        blank=True,
    )
    capacity = models.PositiveIntegerField(
        _("places"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("Leave empty for no limit. When full, residents join a waiting list."),
    )
    external_registration_url = models.URLField(_("registration link"), blank=True)

    # After the meeting.
    minutes = RichTextField(_("minutes"), blank=True)
    attendee_count = models.PositiveIntegerField(_("attendees"), null=True, blank=True)
    documents = StreamField(
        [("document", DocumentChooserBlock())], blank=True, verbose_name=_("documents")
    )
    contributions_summary = RichTextField(
        _("contributions collected"),
        blank=True,
        help_text=_("What residents proposed at the meeting, and where it went."),
    )

    content_panels = Page.content_panels + [
        FieldRowPanel(["kind", "attendance"]),
        FieldRowPanel(["starts_at", "ends_at"]),
        MultiFieldPanel(
            [
                FieldRowPanel(["frequency", "interval", "repeat_until"]),
                InlinePanel("occurrence_changes", label=_("Change to one occurrence")),
            ],
            heading=_("Repeats"),
        ),
        MultiFieldPanel(
            [
                "address",
                FieldRowPanel(["latitude", "longitude"]),
                "access_notes",
                "accessibility_notes",
            ],
            heading=_("Place"),
        ),
        MultiFieldPanel(["online_url", "online_link_audience"], heading=_("Online")),
        "agenda",
        "related_page",
        MultiFieldPanel(
            ["registration", "capacity", "external_registration_url"],
            heading=_("Registration"),
        ),
        FieldRowPanel(["cancelled", "cancellation_note"]),
        MultiFieldPanel(
            ["minutes", "attendee_count", "documents", "contributions_summary"],
            heading=_("After the meeting"),
        ),
    ]
    search_fields = Page.search_fields + [
        index.SearchField("agenda"),
        index.SearchField("address"),
        index.SearchField("minutes"),
        index.FilterField("kind"),
        index.FilterField("starts_at"),
    ]
    parent_page_types = ["participation_meetings.CommitteeCalendarPage"]
    subpage_types = []
    base_form_class = MeetingPageForm
    # Served under this name too when the site includes wagtail_participation.urls.
    participation_files = {"event.ics": "event/ics/"}

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")),
                name="participation_meeting_ends_after_start",
            )
        ]

    def clean(self):
        super().clean()
        errors = {}
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            errors["ends_at"] = _("The meeting must end after it starts.")
        if self.frequency and not self.repeat_until:
            errors["repeat_until"] = _(
                "Say until when the meeting repeats, so that the calendar has an end."
            )
        if (
            self.frequency
            and self.repeat_until
            and self.starts_at
            and self.repeat_until < timezone.localdate(self.starts_at)
        ):
            errors["repeat_until"] = _("The last repetition cannot be before the first meeting.")
        if self.registration == RegistrationMode.EXTERNAL and not self.external_registration_url:
            errors["external_registration_url"] = _("Give the address of the registration page.")
        if self.attendance != Attendance.IN_PERSON and not self.online_url:
            errors["online_url"] = _("Give the link of the online session.")
        if (
            self.attendance != Attendance.IN_PERSON
            and self.online_link_audience == LinkAudience.REGISTERED
            and self.registration == RegistrationMode.NONE
        ):
            errors["online_link_audience"] = _(
                "Without registration, nobody would get the link: show it to everyone, or "
                "open registration."
            )
        if self.attendance != Attendance.ONLINE and not self.address:
            errors["address"] = _("Give the address of the meeting.")
        if errors:
            raise ValidationError(errors)

    @property
    def is_recurring(self):
        return bool(self.frequency)

    def get_template(self, request, *args, **kwargs):
        return "wagtail_participation/meetings/meeting_page.html"

    # Sub-pages (the views live in views.py) ---------------------------------------------

    @path("")
    def meeting_detail(self, request):
        from .views import meeting_detail

        return meeting_detail(request, self)

    # Wagtail's page URLs allow no dot: event/ics/ serves event.ics.
    @path("event/ics/")
    def event_ics(self, request):
        from .views import meeting_ics

        return meeting_ics(request, self)

    @path("register/")
    def register_for_occurrence(self, request):
        from .views import register_view

        return register_view(request, self)

    @path("register/cancel/")
    def cancel_occurrence_registration(self, request):
        from .views import cancel_view

        return cancel_view(request, self)


class OccurrenceStatus(models.TextChoices):
    HELD = "held", _("Takes place, with the note below")
    CANCELLED = "cancelled", _("Cancelled: stays on the calendar, marked as cancelled")
    EXCLUDED = "excluded", _("Not held: left out of the calendar (school holidays…)")


class OccurrenceChange(Orderable):
    """A change to one occurrence of a repeating meeting, found by its original date.

    A cancelled occurrence stays visible, marked as cancelled (STATUS:CANCELLED in the feeds);
    an excluded one is a date the series skips, planned ahead (EXDATE in the feeds).
    """

    meeting = ParentalKey(MeetingPage, on_delete=models.CASCADE, related_name="occurrence_changes")
    date = models.DateField(_("date of the occurrence"))
    status = models.CharField(
        _("this occurrence"),
        max_length=10,
        choices=OccurrenceStatus.choices,
        default=OccurrenceStatus.CANCELLED,
    )
    note = models.CharField(
        _("note"), max_length=255, blank=True, help_text=_("For example “Held at the library”.")
    )

    panels = [FieldRowPanel(["date", "status"]), "note"]

    class Meta(Orderable.Meta):
        verbose_name = _("change to one occurrence")
        verbose_name_plural = _("changes to occurrences")
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "date"], name="participation_one_change_per_occurrence"
            )
        ]

    @property
    def cancelled(self):
        return self.status == OccurrenceStatus.CANCELLED

    @property
    def excluded(self):
        return self.status == OccurrenceStatus.EXCLUDED


class RegistrationStatus(models.TextChoices):
    CONFIRMED = "confirmed", _("Confirmed")
    WAITING = "waiting", _("On the waiting list")
    CANCELLED = "cancelled", _("Cancelled")


class Registration(models.Model):
    """A resident's place at one occurrence of a meeting (its start identifies it)."""

    meeting = models.ForeignKey(MeetingPage, on_delete=models.CASCADE, related_name="registrations")
    occurrence_start = models.DateTimeField(_("occurrence"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=RegistrationStatus.choices,
        default=RegistrationStatus.CONFIRMED,
        db_index=True,
    )
    created_at = models.DateTimeField(_("registered"), default=timezone.now)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("reminded"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        ordering = ["occurrence_start", "created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "occurrence_start", "user"],
                condition=~Q(status="cancelled"),
                name="participation_one_registration_per_occurrence",
            )
        ]
