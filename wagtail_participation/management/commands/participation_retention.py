"""Anonymise residents' accounts left unused, after warning them by e-mail.

Run it once a day (cron, a systemd timer or the task scheduler of the host)::

    python manage.py participation_retention [--dry-run]

With ``INACTIVE_ACCOUNT_RETENTION_DAYS = N`` and ``RETENTION_WARNING_DAYS = W``, an account is
inactive when its last sign-in (or its creation, if it never signed in) is more than N days
old. Accounts that reach the Wagtail admin (staff, superusers, editors) and accounts already
anonymised are left alone.

1. Inactive accounts not warned yet (or warned before their last sign-in) get an e-mail: they
   keep their account just by signing in within W days.
2. Accounts warned at least W days ago that have not signed in since are anonymised.
"""

from datetime import timedelta
from functools import partial

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ...conf import settings
from ...privacy import admin_accounts, anonymise_user, has_admin_access, send_retention_warning
from ...profiles import ParticipantProfile


def _last_activity(user):
    return user.last_login or getattr(user, "date_joined", None)


def _is_inactive(user, cutoff):
    last = _last_activity(user)
    return last is not None and last < cutoff


def _is_exempt(user, profile):
    return (profile is not None and profile.anonymised_at is not None) or has_admin_access(user)


def _needs_warning(user, profile):
    warned_at = profile.retention_warning_sent_at if profile else None
    return warned_at is None or (user.last_login is not None and warned_at < user.last_login)


def _warning_expired(user, profile, warned_before):
    warned_at = profile.retention_warning_sent_at if profile else None
    if warned_at is None or warned_at > warned_before:
        return False
    return user.last_login is None or user.last_login < warned_at


class Command(BaseCommand):
    help = (
        "Warn residents whose account has been unused for INACTIVE_ACCOUNT_RETENTION_DAYS, "
        "then anonymise those who did not sign in within RETENTION_WARNING_DAYS."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Count the accounts that would be warned or anonymised; change and send nothing.",
        )

    def handle(self, *args, dry_run=False, **options):
        retention_days = settings.INACTIVE_ACCOUNT_RETENTION_DAYS
        if retention_days is None:
            self.stdout.write(
                _(
                    "Retention of inactive accounts is disabled "
                    "(INACTIVE_ACCOUNT_RETENTION_DAYS is None): nothing to do."
                )
            )
            return
        self.now = timezone.now()
        self.cutoff = self.now - timedelta(days=retention_days)
        self.warned_before = self.now - timedelta(days=settings.RETENTION_WARNING_DAYS)
        self.user_model = get_user_model()

        # Both lists are taken before anything changes: an account warned in this run is never
        # anonymised in the same run, whatever RETENTION_WARNING_DAYS says.
        to_warn = list(self.accounts_to_warn().values_list("pk", flat=True))
        to_anonymise = list(self.accounts_to_anonymise().values_list("pk", flat=True))

        if dry_run:
            self.stdout.write(
                _(
                    "Dry run, nothing was changed or sent. Would have warned %(warned)d, "
                    "anonymised %(anonymised)d."
                )
                % {"warned": len(to_warn), "anonymised": len(to_anonymise)}
            )
            return

        warned = sum(1 for pk in to_warn if self.warn(pk))
        anonymised = sum(1 for pk in to_anonymise if self.anonymise(pk))
        self.stdout.write(
            _("Retention of inactive accounts: warned %(warned)d, anonymised %(anonymised)d.")
            % {"warned": warned, "anonymised": anonymised}
        )

    # Candidates ---------------------------------------------------------------------------

    def inactive_accounts(self):
        users = self.user_model._default_manager.exclude(
            pk__in=admin_accounts().values("pk")
        ).exclude(participant_profile__anonymised_at__isnull=False)
        inactive = Q(last_login__lt=self.cutoff)
        if hasattr(self.user_model, "date_joined"):
            inactive |= Q(last_login__isnull=True, date_joined__lt=self.cutoff)
        return users.filter(inactive).order_by("pk")

    def accounts_to_warn(self):
        return self.inactive_accounts().filter(
            Q(participant_profile__retention_warning_sent_at__isnull=True)
            | Q(participant_profile__retention_warning_sent_at__lt=F("last_login"))
        )

    def accounts_to_anonymise(self):
        return self.inactive_accounts().filter(
            Q(participant_profile__retention_warning_sent_at__lte=self.warned_before),
            Q(last_login__isnull=True)
            | Q(last_login__lt=F("participant_profile__retention_warning_sent_at")),
        )

    # Actions, each in its own transaction and checked again under the lock ---------------

    def _lock(self, pk):
        user = self.user_model._default_manager.select_for_update().filter(pk=pk).first()
        if user is None:
            return None, None
        profile = ParticipantProfile.objects.select_for_update().filter(user=user).first()
        return user, profile

    def warn(self, pk):
        with transaction.atomic():
            user, profile = self._lock(pk)
            if user is None or _is_exempt(user, profile) or not _is_inactive(user, self.cutoff):
                return False
            if not _needs_warning(user, profile):
                return False
            if profile is None:
                profile = ParticipantProfile.objects.create(user=user)
            profile.retention_warning_sent_at = self.now
            profile.save(update_fields=["retention_warning_sent_at"])
            transaction.on_commit(partial(send_retention_warning.enqueue, user.pk))
        return True

    def anonymise(self, pk):
        with transaction.atomic():
            user, profile = self._lock(pk)
            if user is None or _is_exempt(user, profile) or not _is_inactive(user, self.cutoff):
                return False
            if not _warning_expired(user, profile, self.warned_before):
                return False
            anonymise_user(user, now=self.now)
        return True
