"""Re-run a draw by lot and print its result, to check a published draw.

From the public CSV export of a consultation (its "id" column lists the candidates)::

    python manage.py participation_redraw --seed SEED --count 5 --csv park-contributions.csv \
        --expected-hash HASH

From a list of candidate ids, as shown on the draw's public page::

    python manage.py participation_redraw --seed SEED --count 5 --ids 3,8,12,15

From a draw stored in this site's database (its candidates, count, announced hash and, once
performed, its seed and result)::

    python manage.py participation_redraw --draw 7

The command prints the SHA-256 of the seed and the ids drawn, in order. It stops with an error
when the seed does not match the expected hash, and, with --draw, when the result differs from
the stored one.
"""

import csv
import re

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from ...draw import seed_hash, verify
from ...models import Draw

HEX_HASH = re.compile(r"^[0-9a-f]{64}$")


def read_csv_ids(path):
    """The ids of the "id" column of a contributions export (a spreadsheet may add a BOM)."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            if not reader.fieldnames or "id" not in reader.fieldnames:
                raise CommandError(
                    _("%(path)s has no “id” column: use the CSV export of the consultation.")
                    % {"path": path}
                )
            ids = []
            for line, row in enumerate(reader, start=2):
                value = (row.get("id") or "").strip()
                if not value.isdigit():
                    raise CommandError(
                        _("%(path)s, line %(line)d: “%(value)s” is not a contribution id.")
                        % {"path": path, "line": line, "value": value}
                    )
                ids.append(int(value))
            return ids
    except OSError as error:
        raise CommandError(
            _("Cannot read %(path)s: %(error)s") % {"path": path, "error": error}
        ) from error


def parse_ids(text):
    ids = []
    for part in re.split(r"[\s,;]+", text.strip()):
        if not part:
            continue
        if not part.isdigit():
            raise CommandError(_("“%(value)s” is not a contribution id.") % {"value": part})
        ids.append(int(part))
    return ids


class Command(BaseCommand):
    help = (
        "Re-run a draw by lot from its seed and candidates (a CSV export, a list of ids or a "
        "stored draw); print the seed's SHA-256 and the ids drawn, in order."
    )

    def add_arguments(self, parser):
        parser.add_argument("--seed", help="The seed revealed after the draw.")
        parser.add_argument("--count", type=int, help="How many contributions to draw.")
        source = parser.add_mutually_exclusive_group(required=True)
        source.add_argument(
            "--csv", metavar="FILE", help="The consultation's contributions.csv export."
        )
        source.add_argument("--ids", help="Candidate contribution ids, separated by commas.")
        source.add_argument(
            "--draw", type=int, metavar="PK", help="A draw stored in this site's database."
        )
        parser.add_argument(
            "--expected-hash",
            help="The SHA-256 announced before the draw; the seed must match it.",
        )

    def handle(self, *args, seed=None, count=None, expected_hash=None, **options):
        draw = None
        if options["draw"] is not None:
            draw = Draw.objects.filter(pk=options["draw"]).first()
            if draw is None:
                raise CommandError(_("There is no draw %(pk)s.") % {"pk": options["draw"]})
            candidates = draw.candidates
            if not draw.is_drawn:
                raise CommandError(
                    _("Draw %(pk)s has not been performed yet: it has no candidates to re-run.")
                    % {"pk": draw.pk}
                )
            seed = seed or draw.public_seed
            count = draw.count if count is None else count
            expected_hash = expected_hash or draw.seed_hash
        elif options["csv"]:
            candidates = read_csv_ids(options["csv"])
        else:
            candidates = parse_ids(options["ids"])

        if not seed:
            raise CommandError(_("Give the seed revealed after the draw with --seed."))
        seed = seed.strip()
        if not seed.isascii():
            raise CommandError(_("The seed must be ASCII text (64 hexadecimal characters)."))
        if count is None or count < 1:
            raise CommandError(_("Give the number of contributions to draw with --count."))

        computed_hash = seed_hash(seed)
        self.stdout.write(_("SHA-256 of the seed: %(hash)s") % {"hash": computed_hash})
        if expected_hash is not None:
            expected = expected_hash.strip().lower()
            if not HEX_HASH.match(expected):
                raise CommandError(_("The expected hash must be 64 hexadecimal characters."))
            if computed_hash != expected:
                raise CommandError(
                    _(
                        "The seed does not match the expected hash: its SHA-256 is %(computed)s, "
                        "not %(expected)s."
                    )
                    % {"computed": computed_hash, "expected": expected}
                )
            self.stdout.write(_("The seed matches the expected hash."))

        result = verify(seed, candidates, count)
        candidate_count = len(set(candidates))
        self.stdout.write(_("Candidates: %(count)d") % {"count": candidate_count})
        if candidate_count <= count:
            self.stdout.write(
                _("No more candidates than contributions to draw: all of them are drawn.")
            )
        self.stdout.write(_("Drawn, in order:"))
        self.stdout.write(" ".join(str(pk) for pk in result))

        if draw is not None:
            if result != draw.result:
                raise CommandError(
                    _("This differs from the stored result of draw %(pk)s: %(stored)s.")
                    % {"pk": draw.pk, "stored": " ".join(str(pk) for pk in draw.result)}
                )
            self.stdout.write(_("Same result as the stored draw %(pk)s.") % {"pk": draw.pk})
