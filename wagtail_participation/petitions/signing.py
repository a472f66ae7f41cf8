"""Signing petitions: online (an account or a participation code), on paper (staff), and
withdrawing a signature.

Every change takes the petition's row lock (``select_for_update``) inside
``transaction.atomic()``, counts the signatures again under that lock and stores the count, so
the count and the moment the threshold was reached are exact with any number of app servers.
The database refuses a second signature by the same signer or the same person
(``Signature``'s unique constraints); a refused signature leaves nothing behind, not even a
used code.
"""

import hashlib
import unicodedata
import uuid
from datetime import datetime, time

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from wagtail_participation.caching import page_changed
from wagtail_participation.codes import CodeError, redeem_code
from wagtail_participation.eligibility import check_eligibility
from wagtail_participation.profiles import profile_for

from .models import Petition, Signature, SignatureChannel


class SignatureRefused(Exception):
    """Why a signature (or its withdrawal) was not stored, in the resident's language."""

    def __init__(self, messages, code="invalid"):
        if isinstance(messages, str) or not isinstance(messages, list | tuple):
            messages = [messages]
        self.messages = [str(message) for message in messages]
        self.code = code
        super().__init__("; ".join(self.messages))


def identity_key(full_name, birth_year):
    """The same key for "Jeanne Dupont" born 1980 and "DUPONT Jeanne" (1980) or "dupont  jeanne":
    a hash of the words without accents or case, in alphabetical order, and the year of birth.
    Hashed so that it stays comparable after the name is erased with the signer's account."""
    decomposed = unicodedata.normalize("NFKD", full_name or "")
    plain = "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()
    words = "".join(char if char.isalnum() else " " for char in plain).split()
    if not words:
        return ""
    plain_key = f"{' '.join(sorted(words))}|{birth_year or ''}"
    return hashlib.sha256(plain_key.encode()).hexdigest()


def closed_message(petition):
    if petition.answered_at is not None:
        return _("The council has answered this petition: it no longer takes signatures.")
    return _("The signature period of this petition has ended.")


def _lock(petition):
    # of=("self",): the page's row stays free for editors and for the other petitions.
    return (
        Petition.objects.select_for_update(of=("self",)).select_related("page").get(pk=petition.pk)
    )


def _recount(locked, now):
    """Store the count of ``locked`` (held under its lock) and whether it reached its
    threshold; True when this change made it reach the threshold."""
    locked.signature_count = locked.signatures.count()
    reached = (
        locked.threshold_reached_at is None
        and locked.threshold
        and locked.signature_count >= locked.threshold
    )
    if reached:
        locked.threshold_reached_at = now
    Petition.objects.filter(pk=locked.pk).update(
        signature_count=locked.signature_count, threshold_reached_at=locked.threshold_reached_at
    )
    page_changed(locked.page_id)
    if reached:
        from .notifications import notify_threshold_reached

        notify_threshold_reached(locked)
    return bool(reached)


def _duplicate_message(petition, signer_key, key):
    if Signature.objects.filter(petition=petition, signer_key=signer_key).exists():
        return _("You have already signed this petition."), "already_signed"
    if signer_key.startswith("paper:"):
        existing = Signature.objects.filter(petition=petition, identity_key=key).first()
        if existing is not None and not existing.full_name:  # erased with the signer's account
            return (
                format_lazy(
                    _(
                        "This person has already signed this petition ({channel}, {date}). "
                        "This paper signature is not counted twice."
                    ),
                    channel=existing.get_channel_display().lower(),
                    date=timezone.localdate(existing.created_at).strftime("%d/%m/%Y"),
                ),
                "duplicate_person",
            )
        if existing is not None:
            return (
                format_lazy(
                    _(
                        "{name} (born {year}) has already signed this petition ({channel}, "
                        "{date}). This paper signature is not counted twice."
                    ),
                    name=existing.full_name,
                    year=existing.birth_year or "?",
                    channel=existing.get_channel_display().lower(),
                    date=timezone.localdate(existing.created_at).strftime("%d/%m/%Y"),
                ),
                "duplicate_person",
            )
    return (
        _(
            "A signature with this name and year of birth is already counted, perhaps on "
            "paper. If it is not yours, contact the town."
        ),
        "duplicate_person",
    )


def _store(locked, signer_key, key, now, **fields):
    try:
        with transaction.atomic():
            return Signature.objects.create(
                petition=locked, signer_key=signer_key, identity_key=key, **fields
            )
    except IntegrityError:
        message, code = _duplicate_message(locked, signer_key, key)
        raise SignatureRefused(message, code) from None


def sign(
    petition, *, user=None, code_text="", full_name="", birth_year=None, show_name=False, now=None
):
    """Sign ``petition`` online, as ``user`` or with the participation code ``code_text``."""
    now = now or timezone.now()
    if not petition.accepts_signatures(now):
        raise SignatureRefused(closed_message(petition), "closed")
    decision = check_eligibility(user, petition.page, code=code_text, now=now)
    if not decision:
        raise SignatureRefused([r.reason for r in decision.refusals], decision.refusals[0].code)
    code = decision.participant.code
    profile = profile_for(user)  # None for a visitor signing with a code only
    if profile is not None and profile.birth_year:
        birth_year = profile.birth_year
    full_name = " ".join((full_name or "").split())
    if not full_name:
        raise SignatureRefused(_("Give your full name."), "full_name")
    if not birth_year:
        raise SignatureRefused(_("Give your year of birth."), "birth_year")
    key = identity_key(full_name, birth_year)
    signed_in = user is not None and user.is_authenticated
    try:
        with transaction.atomic():
            locked = _lock(petition)
            if not locked.accepts_signatures(now):
                raise SignatureRefused(closed_message(locked), "closed")
            if signed_in:
                # One signature per account, whether signed with the account or with a code.
                get_user_model().objects.select_for_update().filter(pk=user.pk).first()
                if Signature.objects.filter(petition=locked, user=user).exists():
                    raise SignatureRefused(
                        _("You have already signed this petition."), "already_signed"
                    )
            if code is not None:
                redeemed = redeem_code(code_text, page=locked.page, user=user, now=now)
                signer_key = f"code:{redeemed.pk}"
                channel = SignatureChannel.CODE
            else:
                redeemed = None
                signer_key = f"user:{user.pk}"
                channel = SignatureChannel.ONLINE
            signature = _store(
                locked,
                signer_key,
                key,
                now,
                user=user if signed_in else None,
                participation_code=redeemed,
                channel=channel,
                full_name=full_name,
                birth_year=birth_year,
                show_name=bool(show_name) and signed_in,
                created_at=now,
            )
            _recount(locked, now)
    except CodeError as error:
        raise SignatureRefused(error.message, f"code_{error.code}") from error
    return signature


def withdraw(petition, user, now=None):
    """Withdraw ``user``'s signature while the petition has not reached its threshold."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = _lock(petition)
        if not locked.accepts_withdrawals(now):
            if locked.accepts_signatures(now):
                raise SignatureRefused(
                    _(
                        "This petition has reached its threshold: its signatures are counted "
                        "for the council and can no longer be withdrawn."
                    ),
                    "threshold_reached",
                )
            raise SignatureRefused(closed_message(locked), "closed")
        deleted, _counts = Signature.objects.filter(
            petition=locked,
            user=user,  # signed with the account or with a code
        ).delete()
        if not deleted:
            raise SignatureRefused(_("You have not signed this petition."), "not_signed")
        _recount(locked, now)


def add_paper_signature(
    petition, *, full_name, birth_year, signed_on, entered_by, paper_reference="", now=None
):
    """Count a signature collected on paper, entered by staff from the sheet."""
    now = now or timezone.now()
    full_name = " ".join((full_name or "").split())
    if not full_name or not birth_year:
        raise SignatureRefused(_("Give the signer's full name and year of birth."), "identity")
    with transaction.atomic():
        locked = _lock(petition)
        if not locked.is_public:
            raise SignatureRefused(_("This petition is not open for signatures."), "not_open")
        if locked.answered_at is not None:
            raise SignatureRefused(closed_message(locked), "closed")
        opened = timezone.localdate(locked.opened_at)
        closes = timezone.localdate(locked.closes_at)
        if not opened <= signed_on <= closes or signed_on > timezone.localdate(now):
            raise SignatureRefused(
                format_lazy(
                    _("The sheet must be dated within the signature period: {start} to {end}."),
                    start=opened.strftime("%d/%m/%Y"),
                    end=closes.strftime("%d/%m/%Y"),
                ),
                "signed_on",
            )
        signed_at = timezone.make_aware(datetime.combine(signed_on, time(12)))
        signature = _store(
            locked,
            f"paper:{uuid.uuid4().hex}",
            identity_key(full_name, birth_year),
            now,
            channel=SignatureChannel.PAPER,
            full_name=full_name,
            birth_year=birth_year,
            paper_reference=(paper_reference or "").strip(),
            entered_by=entered_by,
            created_at=min(signed_at, now),
        )
        _recount(locked, now)
    return signature


def remove_signature(signature, now=None):
    """Remove a signature entered by mistake (staff); the threshold, once reached, stays."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = _lock(signature.petition)
        Signature.objects.filter(pk=signature.pk).delete()
        _recount(locked, now)


def signature_of(petition, user):
    """The signed-in user's own signature of ``petition``, or None."""
    if user is None or not user.is_authenticated:
        return None
    return Signature.objects.filter(petition=petition, user=user).first()
