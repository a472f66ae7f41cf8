"""A verifiable draw by lot among a consultation's published contributions.

Commit, then reveal:

1. **Announce.** A random seed (64 hexadecimal characters, ``secrets.token_hex(32)``) is stored
   and its SHA-256 is published at once. The seed itself stays secret.
2. **Perform.** Later, the ids of the published contributions are taken as candidates (sorted
   ascending) and :func:`verify` selects the winners from the seed. The seed, the candidates and
   the result are then published: anyone can check that the seed matches the hash announced
   before, and re-run :func:`verify` to get the same result.

The selection is a pure function of the seed, the candidate ids and the number to draw; it is a
public contract documented in ``docs/explanation/draw-by-lot.md``. Do not change it: published
draws must stay reproducible.
"""

import hashlib
import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.log_actions import log

from .models import Draw

ANNOUNCE_ACTION = "wagtail_participation.draw.announce"
PERFORM_ACTION = "wagtail_participation.draw.perform"


class DrawError(Exception):
    """A draw that cannot be performed; the message is meant for the editor."""


class DrawAlreadyPerformed(DrawError):
    pass


def seed_hash(seed):
    """The SHA-256 of the seed's ASCII text, as 64 lowercase hexadecimal characters."""
    return hashlib.sha256(seed.encode("ascii")).hexdigest()


def sort_key(seed, candidate_id):
    """SHA-256 of "<seed>:<id>" (the id in decimal), as lowercase hexadecimal."""
    return hashlib.sha256(f"{seed}:{int(candidate_id)}".encode("ascii")).hexdigest()


def verify(seed, candidate_ids, count):
    """The ids drawn, in draw order: a pure, deterministic function anyone can re-run.

    Each candidate id gets the key ``sha256(seed + ":" + str(id))`` (hexadecimal); candidates
    are sorted by (key, id) and the first ``count`` are drawn. Duplicate ids count once. With
    fewer candidates than ``count``, every candidate is drawn.
    """
    count = int(count)
    if count < 0:
        raise ValueError("count must not be negative")
    ids = sorted({int(candidate_id) for candidate_id in candidate_ids})
    ranked = sorted(ids, key=lambda candidate_id: (sort_key(seed, candidate_id), candidate_id))
    return ranked[:count]


def new_seed():
    return secrets.token_hex(32)


def announce(page, title, count, user=None):
    """Create a draw: its seed stays secret, its hash is public from now on."""
    if int(count) < 1:
        raise DrawError(_("Draw at least one contribution."))
    seed = new_seed()
    with transaction.atomic():
        draw = Draw.objects.create(
            page=page, title=title, count=count, seed=seed, seed_hash=seed_hash(seed)
        )
        # The audit log is read by editors: it records the hash, never the secret seed.
        log(
            draw,
            ANNOUNCE_ACTION,
            user=user,
            data={"page": page.pk, "count": draw.count, "seed_hash": draw.seed_hash},
        )
    return draw


def candidate_ids(page):
    """Ids of the page's published contributions, ascending."""
    return list(page.published_contributions().order_by("pk").values_list("pk", flat=True))


def perform(draw, user=None):
    """Draw the contributions, once. Raises DrawAlreadyPerformed on a second attempt.

    The draw row is locked first: two editors pressing the button at the same time cannot both
    draw (nor draw twice with different candidates).
    """
    with transaction.atomic():
        locked = Draw.objects.select_for_update().select_related("page").get(pk=draw.pk)
        if locked.is_drawn:
            raise DrawAlreadyPerformed(
                _("This draw was already performed on %(date)s; it cannot be performed again.")
                % {"date": timezone.localtime(locked.drawn_at).strftime("%Y-%m-%d %H:%M")}
            )
        if seed_hash(locked.seed) != locked.seed_hash:
            raise DrawError(_("The stored seed does not match the announced hash."))
        candidates = candidate_ids(locked.page)
        locked.candidates = candidates
        locked.result = verify(locked.seed, candidates, locked.count)
        locked.drawn_at = timezone.now()
        locked.save(update_fields=["candidates", "result", "drawn_at"])
        log(
            locked,
            PERFORM_ACTION,
            user=user,
            data={
                "page": locked.page_id,
                "count": locked.count,
                "candidates": len(candidates),
                "result": locked.result,
            },
        )
    # The caller's object now reads like the stored row.
    for field in ("candidates", "result", "drawn_at"):
        setattr(draw, field, getattr(locked, field))
    return draw


def drew_everyone(draw):
    """True when there were no more candidates than contributions to draw."""
    return draw.is_drawn and len(draw.candidates) <= draw.count
