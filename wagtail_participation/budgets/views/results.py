"""The public results of a participatory budget, as a page, as results.json and as a Pabulib file.

Everything shown comes from the results stored when the team published them
(``BudgetResult.data``): nothing is counted again on a visit, so the page costs the same few
queries whatever the number of projects and ballots. Before publication the page says when the
results are expected and the two files answer 404.

The Pabulib export covers one envelope, because a `.pb` file has a single budget: a budget with
one envelope is exported at ``export/pb/``; with several envelopes ``export/pb/?envelope=<id>``
chooses one, and ``export/pb/`` alone answers 400 with a link to each envelope's file.
"""

import json
from decimal import Decimal

from django.db.models import Count
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from wagtail_participation.status import PhaseKind
from wagtail_participation.templating import page_url
from wagtail_participation.templating import render_with_page as render

from .. import pabulib
from ..models import Ballot, BallotChannel, ResultsRule
from ..open_data import election_for, export_filename
from ..project_forms import format_money
from ..results import results_json as results_data

TEMPLATES = "wagtail_participation/budgets/"
# The chart: one row per project (its name above its bar); the longest bar takes this share
# of the width, leaving room for the number of votes after it.
CHART_ROW, BAR_WIDTH = 42, 85


def expected_publication(page, now=None):
    """A sentence saying when the results are expected, from the page's phases."""
    now = now or timezone.now()
    results = [p for p in page.phases if p.kind == PhaseKind.RESULTS]
    upcoming = [p for p in results if p.starts_at > now]
    if upcoming:
        day = date_format(timezone.localtime(upcoming[0].starts_at), "DATE_FORMAT")
        return _("The results will be published on %(date)s.") % {"date": day}
    if page.vote_open(now):
        return _("The results will be published once the vote has ended and been counted.")
    if page.vote_has_ended(now):
        return _("The vote has ended: the results will be published once they have been checked.")
    return _("The results will be published after the vote.")


def reason_text(item, data):
    """Why a project was or was not funded, in words."""
    currency = data["currency"]
    reason = item["reason"]
    if reason == "selected":
        if item.get("effective_support") is not None:
            return _(
                "Funded in round %(round)s, with an effective support of %(support)s voters."
            ) % {"round": item["round"], "support": support_text(item["effective_support"])}
        return _("Funded: it fitted in the %(left)s left when its turn came.") % {
            "left": format_money(item["budget_left_before"], currency)
        }
    if reason == "selected_by_completion":
        return _("Funded with the money equal shares had left unspent.")
    if reason == "not_enough_budget":
        return _("Not funded: it costs %(cost)s and only %(left)s was left when its turn came.") % {
            "cost": format_money(item["cost"], currency),
            "left": format_money(item["budget_left_before"], currency),
        }
    if reason == "below_threshold":
        threshold = data.get("details", {}).get("threshold", 0)
        return ngettext(
            "Not funded: fewer votes than the minimum of %(threshold)d vote.",
            "Not funded: fewer votes than the minimum of %(threshold)d votes.",
            threshold,
        ) % {"threshold": threshold}
    if reason == "not_enough_support":
        if item.get("supporters_money") is not None:
            return _(
                "Not funded: its supporters had only %(money)s left of their equal shares, "
                "less than its cost of %(cost)s."
            ) % {
                "money": format_money(item["supporters_money"], currency),
                "cost": format_money(item["cost"], currency),
            }
        return _("Not funded: its supporters could not pay for it from their equal shares.")
    if reason == "no_votes":
        return _("Not funded: it received no votes.")
    return reason


def support_text(value):
    """Effective support to one decimal, in the active language's format."""
    return number_format(Decimal(value), decimal_pos=1)


def chart_rows(items):
    """Each project's name and bar in the chart, positions given as SVG attribute text (never
    localised: "12,5" would break the drawing)."""
    most = max((item["votes"] for item in items), default=0) or 1
    rows = []
    for number, item in enumerate(items):
        top = CHART_ROW * number
        width = BAR_WIDTH * item["votes"] / most
        rows.append(
            {
                "label_y": str(top + 15),
                "bar_y": str(top + 21),
                "value_y": str(top + 33),
                "width": f"{width:.2f}%",
                "value_x": f"{width + 1:.2f}%",
                "item": item,
            }
        )
    return rows


def rule_explanation(data, page):
    """Sentences explaining the rule used for one envelope, with its figures."""
    details = data.get("details", {})
    currency = data["currency"]
    tie_greedy = _(
        "When two projects have the same number of votes, the cheaper one comes first; if they "
        "also cost the same, the one with the smaller project number."
    )
    if data["rule"] in (ResultsRule.GREEDY, ResultsRule.GREEDY_THRESHOLD):
        sentences = [
            _(
                "Projects are taken in order of votes, most votes first. Each project is funded "
                "if its cost fits in what is left of the envelope; if it does not, it is "
                "skipped and the next project is tried."
            )
        ]
        if data["rule"] == ResultsRule.GREEDY_THRESHOLD:
            threshold = details.get("threshold", 0)
            sentences.append(
                ngettext(
                    "A project needs at least %(threshold)d vote to be funded.",
                    "A project needs at least %(threshold)d votes to be funded.",
                    threshold,
                )
                % {"threshold": threshold}
            )
        sentences.append(tie_greedy)
        return sentences
    sentences = [
        _(
            "Method of Equal Shares: the envelope is shared equally among the voters, and each "
            "voter can spend their share only on projects they voted for. Step by step, the "
            "project whose supporters can pay for it most easily is funded, its cost shared "
            "equally among its supporters (those with less money left pay what they have, the "
            "others the rest). It stops when no project can be paid for by its supporters."
        ),
        _(
            "The effective support of a funded project is the number of supporters who would "
            "pay for it if each paid the largest amount one supporter paid: it equals its "
            "votes when every supporter paid the same share, and is lower when some had "
            "already spent most of their share on other projects."
        ),
    ]
    start, final = details.get("per_voter_start"), details.get("per_voter_final")
    if start and final:
        sentences.append(
            _(
                "Each of the %(voters)s voters started with %(start)s; to spend as much of the "
                "envelope as possible, the share was raised by one unit at a time up to "
                "%(final)s while the projects funded still fitted in the envelope "
                "(“add1” completion)."
            )
            % {
                "voters": details.get("voters", data.get("ballots")),
                "start": format_money(start, currency),
                "final": format_money(final, currency),
            }
        )
    sentences.append(
        _(
            "When two projects are equally easy to pay for, the cheaper one comes first, then "
            "the one with more votes, then the one with the smaller project number."
        )
    )
    return sentences


def channel_totals(page):
    """{envelope pk: {channel: number of ballots}}, in one query."""
    totals = {}
    rows = (
        Ballot.objects.filter(page=page)
        .values_list("envelope_id", "channel")
        .annotate(count=Count("pk"))
        .order_by()
    )
    for envelope_pk, channel, count in rows:
        totals.setdefault(envelope_pk, {})[channel] = count
    return totals


def envelope_context(page, result, base_url, channels, several):
    data = result.data
    items = [dict(item) for item in data["projects"]]
    for item in items:
        item["reason_text"] = reason_text(item, data)
        item["cost_text"] = format_money(item["cost"], data["currency"])
        if item.get("effective_support") is not None:
            item["support_text"] = support_text(item["effective_support"])
        item["url"] = base_url + page.reverse_subpage("project_detail", args=(item["pk"],))
    pb_url = base_url + page.reverse_subpage("export_pb")
    if several:
        pb_url += f"?envelope={result.envelope_id}"
    budget, spent = Decimal(data["budget"]), Decimal(data["spent"])
    return {
        "pk": result.envelope_id,
        "name": data.get("envelope") or str(result.envelope.display_name),
        "data": data,
        "projects": items,
        "chart": chart_rows(items),
        "chart_height": str(CHART_ROW * len(items)),
        "budget": format_money(budget, data["currency"]),
        "spent": format_money(spent, data["currency"]),
        "left": format_money(budget - spent, data["currency"]),
        "funded": len(data["selected"]),
        "ballots": data.get("ballots", 0),
        "online": channels.get(BallotChannel.ONLINE, 0),
        "paper": channels.get(BallotChannel.PAPER, 0),
        "imported": channels.get(BallotChannel.IMPORTED, 0),
        "show_imported": any(item.get("imported_votes") for item in items),
        "equal_shares": data["rule"] == ResultsRule.EQUAL_SHARES,
        "rule_explanation": rule_explanation(data, page),
        "pb_url": pb_url,
    }


def results_page(request, page):
    stored = page.published_results
    base_url = page_url(page, request)
    context = {"published": bool(stored), "back_url": base_url}
    if not stored:
        context["expected"] = expected_publication(page)
        return render(request, page, TEMPLATES + "results.html", context)
    totals = channel_totals(page)
    several = len(stored) > 1
    envelopes = [
        envelope_context(page, result, base_url, totals.get(result.envelope_id, {}), several)
        for result in stored
    ]
    currency = page.currency
    budget = sum((Decimal(e["data"]["budget"]) for e in envelopes), Decimal(0))
    spent = sum((Decimal(e["data"]["spent"]) for e in envelopes), Decimal(0))
    context.update(
        envelopes=envelopes,
        several_envelopes=several,
        total_budget=format_money(budget, currency),
        total_spent=format_money(spent, currency),
        total_funded=sum(e["funded"] for e in envelopes),
        total_projects=sum(len(e["projects"]) for e in envelopes),
        total_ballots=sum(e["ballots"] for e in envelopes),
        published_at=stored[0].published_at,
        json_url=base_url + page.reverse_subpage("results_json"),
        pb_url=base_url + page.reverse_subpage("export_pb"),
    )
    return render(request, page, TEMPLATES + "results.html", context)


def results_json(request, page):
    if not page.published_results:
        raise Http404(_("The results are not published yet."))
    response = HttpResponse(
        json.dumps(results_data(page), ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = content_disposition_header(False, "results.json")
    return response


def export_pb(request, page):
    stored = {result.envelope_id: result for result in page.published_results}
    if not stored:
        raise Http404(_("The results are not published yet."))
    chosen = request.GET.get("envelope")
    if chosen is None and len(page.envelope_list) > 1:
        base_url = page_url(page, request) + page.reverse_subpage("export_pb")
        choices = [
            {"name": envelope.display_name, "url": f"{base_url}?envelope={envelope.pk}"}
            for envelope in page.envelope_list
            if envelope.pk in stored
        ]
        return render(
            request,
            page,
            TEMPLATES + "results_export.html",
            {"choices": choices, "back_url": page_url(page, request)},
            status=400,
        )
    if chosen is None:
        envelope = page.envelope_list[0]
    else:
        envelope = next((e for e in page.envelope_list if str(e.pk) == chosen), None)
    if envelope is None or envelope.pk not in stored:
        raise Http404(_("This budget has no published results for this envelope."))
    election = election_for(page, envelope, selected=stored[envelope.pk].data["selected"])
    response = HttpResponse(pabulib.dumps(election), content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(
        True, export_filename(page, envelope)
    )
    return response
