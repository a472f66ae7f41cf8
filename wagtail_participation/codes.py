"""Single-use participation codes, generated in batches by staff and stored as salted hashes.

A code reads ``PREFIX-XXXXX-XXXXX``. The prefix names its batch (and so its salt); the rest is
random. Only an HMAC-SHA256 of the normalised code is stored, keyed with the batch's salt and
the site's SECRET_KEY: a copy of the database alone does not let anyone try codes offline.
Rotating SECRET_KEY keeps codes valid while the old key stays in SECRET_KEY_FALLBACKS.
"""

import secrets

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

# No 0/O, 1/I/L, 2/Z, 5/S, 8/B: codes are typed from paper.
ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
PREFIX_LENGTH = 4
GROUP_LENGTH = 5
GROUPS = 2
MAX_BATCH_SIZE = 10000


class CodeError(Exception):
    """A code that cannot be used, with the reason to show the resident."""

    def __init__(self, message, code):
        super().__init__(message)
        self.message = message
        self.code = code


def _random(length):
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def normalise(plain):
    return "".join(ch for ch in (plain or "").upper() if ch.isalnum())


def format_code(prefix, secret):
    groups = [secret[i : i + GROUP_LENGTH] for i in range(0, len(secret), GROUP_LENGTH)]
    return "-".join([prefix, *groups])


class CodeBatch(models.Model):
    label = models.CharField(
        _("label"),
        max_length=120,
        help_text=_("Who the codes are for, for example “Jean Jaurès school, class 5B”."),
    )
    prefix = models.CharField(_("prefix"), max_length=PREFIX_LENGTH, unique=True, editable=False)
    salt = models.CharField(max_length=64, editable=False)
    # Deleting the process deletes its codes: they must not become valid everywhere.
    page = models.ForeignKey(
        "wagtailcore.Page",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("process"),
        help_text=_("Leave empty for codes valid on every process that accepts codes."),
    )
    size = models.PositiveIntegerField(_("number of codes"), editable=False)
    expires_at = models.DateTimeField(_("expires"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("created by"),
    )

    class Meta:
        verbose_name = _("batch of participation codes")
        verbose_name_plural = _("participation codes")
        ordering = ["-created_at"]

    def __str__(self):
        return self.label

    def hash(self, plain, secret=None):
        return salted_hmac(
            f"wagtail_participation.codes.{self.salt}",
            normalise(plain),
            secret=secret,
            algorithm="sha256",
        ).hexdigest()

    def candidate_hashes(self, plain):
        """The code's hash under the current secret key and every fallback key."""
        secrets_in_use = [None, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
        return [self.hash(plain, secret) for secret in secrets_in_use]

    @property
    def used_count(self):
        return self.codes.filter(used_at__isnull=False).count()

    @classmethod
    @transaction.atomic
    def generate(cls, label, count, expires_at, page=None, created_by=None):
        """Create a batch and return it with its plain codes, which are never stored."""
        if not 1 <= count <= MAX_BATCH_SIZE:
            raise ValueError(f"A batch holds between 1 and {MAX_BATCH_SIZE} codes.")
        while True:
            prefix = _random(PREFIX_LENGTH)
            if not cls.objects.filter(prefix=prefix).exists():
                break
        batch = cls.objects.create(
            label=label,
            prefix=prefix,
            salt=secrets.token_hex(16),
            page=page,
            size=count,
            expires_at=expires_at,
            created_by=created_by,
        )
        plain_codes = set()
        while len(plain_codes) < count:
            plain_codes.add(format_code(prefix, _random(GROUP_LENGTH * GROUPS)))
        plain_codes = sorted(plain_codes)
        ParticipationCode.objects.bulk_create(
            ParticipationCode(batch=batch, code_hash=batch.hash(code)) for code in plain_codes
        )
        return batch, plain_codes


class ParticipationCode(models.Model):
    batch = models.ForeignKey(CodeBatch, on_delete=models.CASCADE, related_name="codes")
    code_hash = models.CharField(max_length=64, editable=False)
    used_at = models.DateTimeField(_("used"), null=True, blank=True)
    used_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("used by"),
    )
    used_on_page = models.ForeignKey(
        "wagtailcore.Page",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("used on"),
    )

    class Meta:
        verbose_name = _("participation code")
        verbose_name_plural = _("participation codes")
        constraints = [
            models.UniqueConstraint(
                fields=["batch", "code_hash"], name="participation_code_unique_hash"
            )
        ]

    def __str__(self):
        return f"{self.batch.prefix}-…"


def find_code(plain):
    """The stored code matching ``plain``, or None."""
    normalised = normalise(plain)
    batch = CodeBatch.objects.filter(prefix=normalised[:PREFIX_LENGTH]).first()
    if batch is None:
        return None
    return (
        batch.codes.filter(code_hash__in=batch.candidate_hashes(normalised))
        .select_related("batch")
        .first()
    )


def check_code(plain, page=None, now=None):
    """The code if it could be used now on ``page``; raises CodeError saying why not."""
    now = now or timezone.now()
    code = find_code(plain)
    if code is None:
        raise CodeError(
            _("This participation code does not exist. Check how you typed it."), "unknown"
        )
    if code.batch.expires_at <= now:
        raise CodeError(_("This participation code has expired."), "expired")
    if code.batch.page_id and page is not None and code.batch.page_id != page.pk:
        raise CodeError(_("This participation code is for another process."), "other_page")
    if code.used_at is not None:
        raise CodeError(_("This participation code has already been used."), "used")
    return code


def redeem_code(plain, page=None, user=None, now=None):
    """Use a code once, for ``page``: safe when several servers try the same code at once.

    Call it inside the transaction that stores the participation, so that a failed write
    leaves the code unused.
    """
    now = now or timezone.now()
    code = check_code(plain, page=page, now=now)
    with transaction.atomic():
        locked = ParticipationCode.objects.select_for_update().get(pk=code.pk)
        if locked.used_at is not None:
            raise CodeError(_("This participation code has already been used."), "used")
        updated = ParticipationCode.objects.filter(pk=code.pk, used_at__isnull=True).update(
            used_at=now,
            used_by=user if user is not None and user.is_authenticated else None,
            used_on_page=page,
        )
        if updated != 1:  # SQLite has no row locks: the conditional update decides
            raise CodeError(_("This participation code has already been used."), "used")
    code.refresh_from_db()
    return code
