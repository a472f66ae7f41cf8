"""Residents reporting an abusive account to the moderators."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

REASON_MAX_LENGTH = 2000


class AccountReport(models.Model):
    reported = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("reported account"),
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("reported by"),
    )
    reason = models.TextField(_("reason"), max_length=REASON_MAX_LENGTH)
    created_at = models.DateTimeField(_("reported on"), auto_now_add=True)
    resolved_at = models.DateTimeField(_("resolved on"), null=True, blank=True)

    class Meta:
        verbose_name = _("account report")
        verbose_name_plural = _("account reports")
        ordering = ["-created_at"]

    def __str__(self):
        return str(_("Report #%(number)s") % {"number": self.pk})

    @staticmethod
    def _public_name(user):
        from .profiles import ParticipantProfile

        if user is None:
            return "—"
        try:
            return user.participant_profile.public_name
        except ParticipantProfile.DoesNotExist:
            return str(_("Participant"))

    def _reported_name(self):
        return self._public_name(self.reported)

    _reported_name.short_description = _("reported account")
    reported_name = property(_reported_name)

    def _reporter_name(self):
        return self._public_name(self.reporter)

    _reporter_name.short_description = _("reported by")
    reporter_name = property(_reporter_name)
