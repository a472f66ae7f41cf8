"""The public side of a consultative vote: the page (question, phases, who may vote, the form
or the results) and casting a vote.

Each view takes the ``ConsultativeVotePage`` it is served from (see the routes on the page
model). The page always says that the vote is consultative. Nothing about the count (votes,
turnout, results) is shown before every vote phase has ended. Visitors who are not signed in
get a page without a CSRF token on accounts-only votes, so that it can be cached for everyone.
"""

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponseRedirect
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_POST

from wagtail_participation.eligibility import Refusal, account_url, check_eligibility
from wagtail_participation.models import CodeUse
from wagtail_participation.ratelimit import ratelimit_post
from wagtail_participation.status import PhaseKind
from wagtail_participation.templating import format_moment, page_url, phase_window, sub_url
from wagtail_participation.templating import render_with_page as render

from . import votes

CONSULTATIVE_STATEMENT = gettext_lazy(
    "This vote is consultative: its result does not bind the council, which will consider it "
    "and give its decision in public."
)


def codes_accepted(page):
    return page.participation_codes != CodeUse.ACCOUNTS_ONLY


def vote_window(page, now=None):
    """Whether the vote is open and a sentence saying when it opens, closes or closed."""
    now = now or timezone.now()
    is_open = page.voting_open(now)
    if is_open:
        running = [
            phase
            for phase in page.phases
            if phase.kind == PhaseKind.VOTE
            and phase.starts_at <= now
            and (phase.ends_at is None or now < phase.ends_at)
        ]
        ends = [phase.ends_at for phase in running if phase.ends_at is not None]
        if len(ends) == len(running) and ends:
            message = _("The vote is open until %(end)s.") % {"end": format_moment(max(ends))}
        else:
            message = _("The vote is open.")
        return {"open": True, "message": message}
    sentences = {
        "from_to": _("The vote is not open yet: you can vote from %(start)s to %(end)s."),
        "from": _("The vote is not open yet: you can vote from %(start)s."),
        "closed": _("The vote is closed: it ended on %(end)s."),
        "none": _("The dates of the vote will be announced soon."),
    }
    return phase_window(page, PhaseKind.VOTE, False, sentences, now, formatter=format_moment)


def refusals_for(request, page, next_url):
    """The eligibility refusals of the signed-in visitor, said before they try to vote.

    Where codes are accepted, a missing code is not a refusal yet: the form asks for it.
    """
    decision = check_eligibility(request.user, page)
    refusals = []
    for refusal in decision.refusals:
        if refusal.code == "code_required" and codes_accepted(page):
            continue
        if refusal.code.startswith("sign_in"):
            refusal = Refusal(
                refusal.reason,
                refusal.action_label,
                account_url("login", next_url),
                refusal.code,
            )
        refusals.append(refusal)
    return refusals


def votes_text(count):
    return ngettext("%(count)s vote", "%(count)s votes", count) % {
        "count": number_format(count, force_grouping=True)
    }


def percent_text(value):
    return _("%(percent)s%%") % {"percent": number_format(value, decimal_pos=1)}


def results_context(page):
    """What the results show: only ever called once every vote phase has ended."""
    tally = page.results()
    leaders = tally.leaders
    rows = [
        {
            "pk": option.pk,
            "label": option.label,
            "description": option.description,
            "votes": option.votes,
            "votes_text": votes_text(option.votes),
            "percent_text": percent_text(option.percent),
            # For the bar: a plain number, never localised ("52.3", not "52,3").
            "bar_value": f"{option.percent:.1f}",
            "leading": len(leaders) == 1 and option.pk == leaders[0].pk,
        }
        for option in tally.options
    ]
    if not leaders:
        leading_text = _("Nobody voted.")
    elif len(leaders) == 1:
        leading_text = _("The option with the most votes: “%(option)s”, %(percent)s.") % {
            "option": leaders[0].label,
            "percent": percent_text(leaders[0].percent),
        }
    else:
        leading_text = _("Tie between %(options)s, with %(votes)s each.") % {
            "options": ", ".join(f"“{option.label}”" for option in leaders),
            "votes": votes_text(leaders[0].votes),
        }
    turnout = tally.turnout_percent
    return {
        "rows": rows,
        "total_text": votes_text(tally.votes),
        "leading_text": leading_text,
        "turnout_text": (
            _("Turnout: %(percent)s of the %(registered)s residents who could vote.")
            % {
                "percent": percent_text(turnout),
                "registered": number_format(tally.registered_voters, force_grouping=True),
            }
            if turnout is not None
            else ""
        ),
    }


def render_vote_page(request, page, errors=(), chosen="", status=200):
    here = page_url(page, request)
    user = request.user
    signed_in = user.is_authenticated
    window = vote_window(page)
    results_visible = page.pk is not None and page.results_visible()
    options = list(page.vote_options.all())
    voted = False
    refusals = []
    show_form = False
    sign_in_to_vote = False
    if window["open"] and page.pk is not None:
        voted = votes.has_voted(page, user)
        if not voted:
            if signed_in:
                refusals = refusals_for(request, page, here)
                # A code stands for the checks on the profile: where codes are accepted, the
                # form stays, with the refusals said in advance.
                show_form = not refusals or codes_accepted(page)
            elif codes_accepted(page):
                show_form = True
            else:
                sign_in_to_vote = True
    context = {
        "consultative_statement": CONSULTATIVE_STATEMENT,
        "vote_open": window["open"],
        "vote_message": window["message"],
        "options": options,
        "has_voted": voted,
        "refusals": refusals,
        "show_form": show_form,
        "sign_in_to_vote": sign_in_to_vote,
        "codes_accepted": codes_accepted(page),
        "code_required": page.participation_codes == CodeUse.CODE_REQUIRED,
        "errors": list(errors),
        "chosen": str(chosen or ""),
        "login_url": account_url("login", here),
        "vote_url": sub_url(page, "vote", request=request),
        "results_visible": results_visible,
        "results": results_context(page) if results_visible else None,
    }
    return render(request, page, page.get_template(request), context, status=status)


def vote_page(request, page):
    return render_vote_page(request, page)


@require_POST
@csrf_protect
@ratelimit_post("vote")
def cast_vote_view(request, page):
    here = page_url(page, request)
    code_text = request.POST.get("code", "").strip()
    if not request.user.is_authenticated and not (codes_accepted(page) and code_text):
        return redirect_to_login(here)
    chosen = request.POST.get("option", "")
    try:
        votes.cast_vote(page, chosen, user=request.user, code_text=code_text)
    except votes.VoteRefused as refusal:
        if refusal.code == "already_voted":
            for message in refusal.messages:
                messages.error(request, message)
            return HttpResponseRedirect(here)
        return render_vote_page(request, page, errors=refusal.messages, chosen=chosen, status=400)
    messages.success(
        request, _("Your vote is counted. Your choice is secret and cannot be changed.")
    )
    return HttpResponseRedirect(here)
