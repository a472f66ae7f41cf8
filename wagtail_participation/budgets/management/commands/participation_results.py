"""Count the ballots of a participatory budget and print the result, published or not.

    python manage.py participation_results PAGE_ID [--rule RULE] [--format text|json]

The result is computed again from the stored ballots with the page's rule (or ``--rule``); it
is not stored or published. ``--format json`` prints the shape of the public results.json:
``rule``, ``budget``, ``spent``, ``selected`` (project ids as in a Pabulib file: the imported id,
else the project's number) and ``projects``, then one entry per envelope.
"""

import json
from types import SimpleNamespace

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from ...models import BudgetPage, ResultsRule
from ...results import compute_results, envelope_data, results_json

COLUMNS = ("rank", "project_id", "title", "cost", "votes", "funded", "reason")
TITLE_WIDTH = 40


def page_or_error(page_id):
    page = BudgetPage.objects.filter(pk=page_id).first()
    if page is None:
        raise CommandError(_("There is no participatory budget with id %(id)s.") % {"id": page_id})
    return page


def text_table(rows):
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(
            str(value).ljust(width) for value, width in zip(row, widths, strict=True)
        ).rstrip()
        for row in rows
    ]


def shorten(text):
    return text if len(text) <= TITLE_WIDTH else text[: TITLE_WIDTH - 1] + "…"


class Command(BaseCommand):
    help = "Count a participatory budget's ballots and print the result (not published)."

    def add_arguments(self, parser):
        parser.add_argument("page_id", type=int, help="Id of the budget page.")
        parser.add_argument(
            "--rule",
            choices=ResultsRule.values,
            help="Count with this rule instead of the page's own.",
        )
        parser.add_argument("--format", choices=("text", "json"), default="text")

    def handle(self, *args, **options):
        page = page_or_error(options["page_id"])
        computed = compute_results(page, options["rule"])
        stored = [SimpleNamespace(data=envelope_data(page, result)) for result in computed]
        data = results_json(page, stored=stored)
        if options["format"] == "json":
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
            return
        for envelope in data["envelopes"]:
            self.write_envelope(envelope)

    def write_envelope(self, envelope):
        currency = envelope["currency"]
        self.stdout.write(
            _("%(envelope)s: rule %(rule)s, %(ballots)s ballots")
            % {
                "envelope": envelope["envelope"],
                "rule": envelope["rule"],
                "ballots": envelope["ballots"],
            }
        )
        self.stdout.write(
            _("Budget %(budget)s %(currency)s, spent %(spent)s %(currency)s on %(count)d projects")
            % {
                "budget": envelope["budget"],
                "spent": envelope["spent"],
                "currency": currency,
                "count": len(envelope["selected"]),
            }
        )
        rows = [COLUMNS]
        for item in envelope["projects"]:
            rows.append(
                (
                    item["rank"],
                    item["project_id"],
                    shorten(item["title"]),
                    item["cost"],
                    item["votes"],
                    _("yes") if item["selected"] else _("no"),
                    item["reason"],
                )
            )
        for line in text_table(rows):
            self.stdout.write(line)
        self.stdout.write("")
