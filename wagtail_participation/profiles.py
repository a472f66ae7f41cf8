"""Participant profiles: what the package knows about a resident beyond their account."""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ParticipantProfile(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="participant_profile",
        verbose_name=_("account"),
    )
    # Identifies the resident in public links (reports) without exposing the account id.
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    display_name = models.CharField(
        _("public name"),
        max_length=60,
        blank=True,
        help_text=_(
            "Shown next to what you write. It need not be your real name; never your e-mail."
        ),
    )
    neighbourhood = models.ForeignKey(
        "wagtail_participation.Neighbourhood",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("neighbourhood where you live"),
    )
    lives_in_town = models.BooleanField(_("I live in the town"), default=False)
    birth_year = models.PositiveSmallIntegerField(
        _("year of birth"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1900), MaxValueValidator(2100)],
        help_text=_("Only used to check age rules, such as a vote open from 16."),
    )
    terms_accepted_at = models.DateTimeField(_("participation terms accepted on"), null=True)
    email_on_replies = models.BooleanField(
        _("E-mail me when someone answers my contributions"), default=True
    )
    email_on_updates = models.BooleanField(
        _("E-mail me news of the processes I took part in"), default=True
    )
    email_on_results = models.BooleanField(_("E-mail me when results are published"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    retention_warning_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    anonymised_at = models.DateTimeField(_("anonymised"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("participant profile")
        verbose_name_plural = _("participant profiles")
        constraints = [
            models.UniqueConstraint(
                Lower("display_name"),
                condition=~models.Q(display_name=""),
                name="participation_profile_unique_display_name",
                violation_error_message=_("Another participant already uses this public name."),
            )
        ]
        permissions = [
            ("export_personal_data", _("Can export residents' personal data")),
        ]

    def __str__(self):
        return self.public_name

    @property
    def public_name(self):
        if self.anonymised_at:
            return str(_("Former participant"))
        return self.display_name or str(_("Participant"))

    @property
    def has_accepted_terms(self):
        return self.terms_accepted_at is not None

    @property
    def is_complete(self):
        """A display name and the participation terms: what every action needs."""
        return bool(self.display_name) and self.has_accepted_terms

    def age_in_year(self, year):
        """The age the resident reaches during ``year`` (only the year of birth is known)."""
        if self.birth_year is None:
            return None
        return year - self.birth_year

    def accept_terms(self, when=None):
        self.terms_accepted_at = when or timezone.now()


def profile_for(user):
    """The profile of a signed-in user, created empty on first use; None for anonymous users."""
    if user is None or not user.is_authenticated:
        return None
    try:
        return user.participant_profile
    except ParticipantProfile.DoesNotExist:
        profile, _created = ParticipantProfile.objects.get_or_create(user=user)
        return profile


def public_author_name(user):
    """The public name of an author, never their account or e-mail."""
    if user is None:
        return str(_("Anonymous resident"))
    try:
        return user.participant_profile.public_name
    except ParticipantProfile.DoesNotExist:
        return str(_("Participant"))
