"""What petitions and consultative votes report back (``outcomes.OutcomeSource``) and what a
resident finds of theirs on "My participation".

Only public petitions count (admissible and opened); a consultative vote reports nothing of
its result before the vote has closed. Each function runs a fixed number of queries.
"""

from django.db.models import Count
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext, ngettext

from wagtail_participation.outcomes import Decision, Figure, ParticipationItem

from .models import (
    ConsultativeVotePage,
    Petition,
    PetitionIndexPage,
    PetitionStatus,
    Signature,
    VoteParticipation,
)

# Statuses that are an outcome worth reporting: an open petition is not a decision yet.
DECIDED = {
    PetitionStatus.THRESHOLD_REACHED: "threshold_reached",
    PetitionStatus.ON_AGENDA: "on_agenda",
    PetitionStatus.ANSWERED: "answered",
    PetitionStatus.CLOSED: "closed",
}


def petition_url(page, petition_pk, base=None):
    base = (page.url or "") if base is None else base
    return base + page.reverse_subpage("petition_detail", args=[petition_pk]) if base else ""


# Petitions ------------------------------------------------------------------------------------


def petition_figures(page):
    public = Petition.objects.filter(page=page).public()
    counts = public.aggregate(petitions=Count("pk"))
    signatures = Signature.objects.filter(petition__in=public).count()
    return [Figure("petitions", counts["petitions"]), Figure("signatures", signatures)]


def decision_text(petition):
    status = petition.status
    if status == PetitionStatus.ANSWERED:
        return petition.answer
    if status == PetitionStatus.ON_AGENDA:
        return gettext("On the agenda of the council meeting of %(date)s.") % {
            "date": date_format(petition.council_date, "DATE_FORMAT")
        }
    if status == PetitionStatus.THRESHOLD_REACHED:
        return gettext("%(count)s signatures: the council will put it on its agenda.") % {
            "count": petition.signature_count
        }
    return gettext("%(count)s signatures out of the %(threshold)s needed.") % {
        "count": petition.signature_count,
        "threshold": petition.threshold,
    }


def petition_decisions(page):
    base = page.url or ""
    petitions = (
        Petition.objects.filter(page=page)
        .public()
        .select_related("neighbourhood")
        .order_by("-answered_at", "-threshold_reached_at", "-closes_at", "-pk")
    )
    decisions = []
    for petition in petitions:
        status = petition.status
        if status not in DECIDED:
            continue
        decided_at = petition.answered_at or petition.threshold_reached_at or petition.closes_at
        decisions.append(
            Decision(
                kind="petition",
                title=petition.title,
                status=DECIDED[status],
                status_label=str(PetitionStatus(status).label),
                justification=decision_text(petition),
                citizen=True,
                url=petition_url(page, petition.pk, base),
                neighbourhood=petition.neighbourhood.name if petition.neighbourhood else "",
                decided_at=decided_at,
            )
        )
    decisions.sort(key=lambda d: d.decided_at or timezone.now(), reverse=True)
    return decisions


def petition_participant_ids(page):
    public = Petition.objects.filter(page=page).public()
    signers = Signature.objects.filter(petition__in=public, user__isnull=False)
    filers = public.filter(filer__isnull=False)
    return set(signers.values_list("user_id", flat=True)) | set(
        filers.values_list("filer_id", flat=True)
    )


def petition_summary(page, summary):
    figures = {figure.key: figure.value for figure in petition_figures(page)}
    summary["figures"] = [
        {"label": gettext("Petitions"), "value": figures["petitions"]},
        {"label": gettext("Signatures"), "value": figures["signatures"]},
    ]
    summary["outcomes"] = [
        {"title": d.title, "decision": d.status_label, "justification": d.justification}
        for d in petition_decisions(page)
    ]
    return summary


# Consultative votes ---------------------------------------------------------------------------


def vote_figures(page):
    if not page.results_visible():
        return []
    return [Figure("votes", page.results().votes)]


def result_sentence(tally):
    parts = [
        ngettext(
            "%(label)s: %(percent)s%% (%(votes)s vote)",
            "%(label)s: %(percent)s%% (%(votes)s votes)",
            option.votes,
        )
        % {"label": option.label, "percent": option.percent, "votes": option.votes}
        for option in tally.options
    ]
    sentence = "; ".join(parts)
    if tally.turnout_percent is not None:
        sentence += ". " + gettext("Turnout: %(percent)s%%.") % {"percent": tally.turnout_percent}
    return sentence


def vote_decisions(page):
    if not page.results_visible():
        return []
    tally = page.results()
    leaders = tally.leaders
    if len(leaders) == 1:
        label = gettext("Majority: %(option)s") % {"option": leaders[0].label}
        status = "majority"
    elif leaders:
        label = gettext("Tie")
        status = "tie"
    else:
        label = gettext("No votes")
        status = "no_votes"
    ends = [p.ends_at for p in page.phases if p.kind == "vote" and p.ends_at]
    return [
        Decision(
            kind="vote",
            title=page.question,
            status=status,
            status_label=label,
            justification=result_sentence(tally),
            citizen=False,
            url=page.url or "",
            decided_at=max(ends) if ends else None,
        )
    ]


def vote_participant_ids(page):
    return set(
        VoteParticipation.objects.filter(page=page, user__isnull=False).values_list(
            "user_id", flat=True
        )
    )


def vote_summary(page, summary):
    if page.results_visible():
        tally = page.results()
        summary["figures"] = [{"label": gettext("Votes cast"), "value": tally.votes}]
        summary["outcomes"] = [
            {"title": option.label, "decision": f"{option.percent}%", "justification": ""}
            for option in tally.options
        ]
    return summary


# "My participation" ---------------------------------------------------------------------------


def items_for_user(user):
    """The petitions a resident filed or signed and the consultative votes they took part in,
    on live pages; never what they voted."""
    live_petition_pages = PetitionIndexPage.objects.live().values("pk")
    items = []
    filed = Petition.objects.filter(filer=user, page__in=live_petition_pages).select_related("page")
    signed = Signature.objects.filter(
        user=user, petition__page__in=live_petition_pages
    ).select_related("petition__page")
    for petition in filed:
        public = petition.is_public
        items.append(
            ParticipationItem(
                process_title=petition.page.title,
                process_url=petition.page.url or "",
                action="petition",
                title=petition.title,
                date=petition.created_at,
                outcome=str(petition.get_status_display()),
                url=petition_url(petition.page, petition.pk) if public else "",
            )
        )
    for signature in signed:
        petition = signature.petition
        items.append(
            ParticipationItem(
                process_title=petition.page.title,
                process_url=petition.page.url or "",
                action="signature",
                title=petition.title,
                date=signature.created_at,
                outcome=str(petition.get_status_display()),
                url=petition_url(petition.page, petition.pk),
            )
        )
    votes = (
        VoteParticipation.objects.filter(
            user=user, page__in=ConsultativeVotePage.objects.live().values("pk")
        )
        .select_related("page")
        .prefetch_related("page__participation_phases")
    )
    for participation in votes:
        page = participation.page
        items.append(
            ParticipationItem(
                process_title=page.title,
                process_url=page.url or "",
                action="consultative_vote",
                title=page.question,
                date=participation.created_at,
                outcome=gettext("Results published") if page.results_visible() else "",
                url=page.url or "",
            )
        )
    return items
