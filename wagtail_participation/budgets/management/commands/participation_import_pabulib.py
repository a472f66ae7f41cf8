"""Import a Pabulib `.pb` file as a new participatory budget with its published results.

    python manage.py participation_import_pabulib Poland_Lodz_2023.pb [--parent PAGE_ID]

The command creates a published budget page under the participation index ``--parent`` (by
default the first one of the site) with the file's projects, one town-wide envelope holding the
file's budget, every ballot of the file, a vote phase from ``date_begin`` to ``date_end`` and a
results phase. It computes the results with the file's rule (or ``--rule``) and publishes them.
The file is read and checked first; a file with a mistake creates nothing and the error names
its line. The last line printed is ``page_id=<id>``, for scripts.
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from wagtail_participation.models import ParticipationIndexPage

from ... import pabulib
from ...models import ResultsRule
from ...open_data import OpenDataError, import_election


def index_page(parent_id):
    if parent_id is None:
        parent = ParticipationIndexPage.objects.order_by("path").first()
        if parent is None:
            raise CommandError(
                _(
                    "There is no participation index page to put the budget under: create one "
                    "in the admin, or give the parent page with --parent PAGE_ID."
                )
            )
        return parent
    parent = ParticipationIndexPage.objects.filter(pk=parent_id).first()
    if parent is None:
        raise CommandError(
            _("Page %(id)s is not a participation index page: budgets can only go under one.")
            % {"id": parent_id}
        )
    return parent


class Command(BaseCommand):
    help = "Import a Pabulib .pb file as a new participatory budget with published results."

    def add_arguments(self, parser):
        parser.add_argument("file", help="The .pb file to import.")
        parser.add_argument(
            "--parent",
            type=int,
            help="Id of the participation index page to create the budget under "
            "(default: the first one).",
        )
        parser.add_argument(
            "--rule",
            choices=ResultsRule.values,
            help="Count with this rule instead of the one named in the file.",
        )

    def handle(self, *args, **options):
        try:
            election = pabulib.parse_file(options["file"])
        except OSError as error:
            raise CommandError(
                _("Cannot read %(path)s: %(error)s")
                % {"path": options["file"], "error": error.strerror or error}
            ) from error
        except pabulib.PabulibError as error:
            raise CommandError(f"{options['file']}, {error}") from error
        parent = index_page(options["parent"])
        try:
            page = import_election(election, parent, rule=options["rule"])
        except OpenDataError as error:
            raise CommandError(str(error)) from error
        result = page.published_results[0].data
        self.stdout.write(
            _(
                "Imported “%(title)s”: %(projects)d projects, %(ballots)d ballots. Rule "
                "%(rule)s: %(funded)d projects funded for %(cost)s %(currency)s of "
                "%(budget)s."
            )
            % {
                "title": page.title,
                "projects": len(election.projects),
                "ballots": len(election.votes),
                "rule": result["rule"],
                "funded": len(result["selected"]),
                "cost": result["spent"],
                "budget": result["budget"],
                "currency": page.currency,
            }
        )
        self.stdout.write(f"page_id={page.pk}")
