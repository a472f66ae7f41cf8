"""Write a participatory budget's projects and ballots as a Pabulib `.pb` file.

    python manage.py participation_export_pabulib PAGE_ID [-o FILE] [--envelope ENVELOPE_ID]

The file holds the projects on the ballot and every ballot, with voters numbered 1, 2, 3... and
no voter data. Once the results are published it has a ``selected`` column with the funded
projects. A `.pb` file has one budget: for a budget with several envelopes, choose one with
``--envelope``. Without ``-o`` the file is written to the standard output.
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from ... import pabulib
from ...open_data import election_for
from .participation_results import page_or_error


class Command(BaseCommand):
    help = "Write a participatory budget's projects and ballots as a Pabulib .pb file."

    def add_arguments(self, parser):
        parser.add_argument("page_id", type=int, help="Id of the budget page.")
        parser.add_argument("-o", "--output", help="File to write (default: standard output).")
        parser.add_argument("--envelope", type=int, help="Id of the envelope to export.")

    def handle(self, *args, **options):
        page = page_or_error(options["page_id"])
        envelopes = {envelope.pk: envelope for envelope in page.envelope_list}
        if options["envelope"] is not None:
            envelope = envelopes.get(options["envelope"])
            if envelope is None:
                raise CommandError(self.envelope_message(page, _("No such envelope.")))
        elif len(envelopes) == 1:
            envelope = next(iter(envelopes.values()))
        else:
            raise CommandError(self.envelope_message(page, _("This budget has several envelopes.")))
        published = {result.envelope_id: result for result in page.published_results}
        selected = published[envelope.pk].data["selected"] if envelope.pk in published else None
        text = pabulib.dumps(election_for(page, envelope, selected=selected))
        if not options["output"]:
            self.stdout.write(text, ending="")
            return
        try:
            with open(options["output"], "w", encoding="utf-8", newline="\n") as file:
                file.write(text)
        except OSError as error:
            raise CommandError(
                _("Cannot write %(path)s: %(error)s")
                % {"path": options["output"], "error": error.strerror or error}
            ) from error

    def envelope_message(self, page, problem):
        choices = ", ".join(
            f"{envelope.pk} ({envelope.display_name})" for envelope in page.envelope_list
        )
        return _("%(problem)s Choose one with --envelope: %(choices)s.") % {
            "problem": problem,
            "choices": choices,
        }
