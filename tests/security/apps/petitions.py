"""Petitions and consultative votes: what the hostile world holds and the addresses they serve.

Under ``world.index``: a petition right (``petition_right``) with a public petition the author
filed and signed (``petition``), an answered one, one under review and one not admissible (both
``LEAK``: only their filer and the staff may see them), a paper signature, an open consultative
vote the author voted in and a closed one with its results. Under ``world.elsewhere`` (another
team's part of the site): a twin petition right and vote, for the tampered ids. Full names of
signers are hostile too: only the staff's paper-signature screen may show them, escaped.
"""

from datetime import date

from django.urls import reverse

from tests.conftest import NOW, phase
from tests.petition_factories import make_petition, make_petition_right, make_vote
from wagtail_participation.petitions import signing, votes
from wagtail_participation.petitions.models import (
    Petition,
    Signature,
    VoteBallot,
    VoteParticipation,
)
from wagtail_participation.petitions.notifications import (
    notify_answered,
    notify_review_decision,
)
from wagtail_participation.status import PhaseKind

from ..catalogue import LEAK, BadAddress, Email, Mutation, ResidentText, View
from ..payloads import TEXT, hostile
from . import core

HUGE = "99999999999999999999"
RIGHT = "PetitionIndexPage."
VOTE = "ConsultativeVotePage."
STAFF = {"role": "moderator", "hidden_ok": True}
STAFF_DENIED = ("anonymous", "resident", "other_moderator")


def petition(page, title, text, filer=None, state="open", **fields):
    return make_petition(page, title, state, filer=filer, text=text, **fields)


def build(world):
    author = world.users["author"]
    world.petition_right = right = make_petition_right(
        world.index, hostile(255, "petition right"), threshold=5
    )
    world.petition = petition(
        right,
        hostile(200, "petition"),
        TEXT,
        filer=author,
        filer_name=hostile(120, "filer"),
        neighbourhood=world.neighbourhood,
    )
    signing.sign(
        world.petition, user=author, full_name=hostile(150, "signer"), show_name=True, now=NOW
    )
    world.paper_signature = signing.add_paper_signature(
        world.petition,
        full_name=hostile(150, "paper"),
        birth_year=1970,
        signed_on=date(2026, 3, 14),
        paper_reference=hostile(40, "sheet"),
        entered_by=world.users["moderator"],
        now=NOW,
    )
    world.answered_petition = petition(
        right, "Answered petition", "Please answer.", state="answered", answer=TEXT
    )
    leaker = core.resident("petition_leaker", "Someone filing", world.neighbourhood)
    world.review_petition = petition(
        right, f"{LEAK} under review", f"{LEAK} text", filer=leaker, state="under_review"
    )
    world.refused_petition = petition(
        right,
        f"{LEAK} not admissible",
        f"{LEAK} text",
        filer=leaker,
        state="not_admissible",
    )
    Petition.objects.filter(pk=world.refused_petition.pk).update(review_reason=f"{LEAK} reason")
    world.twin_right = twin = make_petition_right(world.elsewhere, "Another team's right")
    world.twin_petition = petition(twin, "Another team's petition", "Elsewhere.")

    world.vote = make_vote(
        world.index, hostile(255, "vote"), hostile(255, "question"), (hostile(100, "for"), "No")
    )
    votes.cast_vote(world.vote, world.vote.vote_options.first().pk, user=author, now=NOW)
    world.closed_vote = make_vote(
        world.index,
        "Municipal police?",
        options=(hostile(100, "yes"), "No"),
        phases=[phase(PhaseKind.VOTE, -10, -1)],
    )
    world.twin_vote = make_vote(world.elsewhere, "Another team's vote")


def sub(name, *args, page="petition_right"):
    def url(w):
        target = getattr(w, page)
        return target.url + target.reverse_subpage(name, args=[a(w) for a in args])

    return url


def pk(name):
    return lambda w: getattr(w, name).pk


def retarget(url, data=None):
    return lambda w: (url(w), data(w) if callable(data) else (data or {}))


def count(model, **filters):
    return lambda w: model.objects.filter(**{k: v(w) for k, v in filters.items()}).count()


def votes_cast(w):
    return (VoteParticipation.objects.count(), VoteBallot.objects.count())


def petition_state(*names):
    fields = ("review", "opened_at", "answer", "answered_at", "signature_count")
    return lambda w: [
        list(Petition.objects.filter(pk=getattr(w, name).pk).values_list(*fields)) for name in names
    ]


def admin_petition(view, item=None):
    def url(w):
        args = [getattr(w, item).pk] if item else []
        return reverse(f"participation_petition:{view}", args=args)

    return url


def paper_url(item):
    return lambda w: reverse("participation_petitions_admin:paper_signatures", args=[pk(item)(w)])


def vote_results_url(item):
    return lambda w: reverse("participation_petitions_admin:vote_results", args=[pk(item)(w)])


def edit_data(w, item, **changes):
    petition = getattr(w, item)
    data = {
        "title": petition.title,
        "text": petition.text,
        "filer_name": petition.filer_name,
        "themes": "",
        "neighbourhood": petition.neighbourhood_id or "",
        "review": petition.review,
        "review_reason": petition.review_reason,
        "council_date": "",
        "answer": petition.answer,
    }
    data.update(changes)
    return data


def send_answer(world):
    """The council answers the author's petition: its signers with an account are told."""
    Petition.objects.filter(pk=world.petition.pk).update(answer=TEXT, answered_at=NOW)
    world.petition.refresh_from_db()
    notify_answered(world.petition)


def send_review(world):
    notify_review_decision(world.petition)


SIGN = {"full_name": "Other Resident", "show_name": "on"}
PAPER = {"full_name": "Paper Signer", "birth_year": "1985", "signed_on": "2026-03-14"}

VIEWS = [
    View(
        "petition right",
        sub("petition_list"),
        params=("status", "theme", "neighbourhood", "page"),
        routes=(RIGHT + "index_route", RIGHT + "petition_list"),
    ),
    View("petition right as resident", sub("petition_list"), role="resident"),
    View("petition", sub("petition_detail", pk("petition")), routes=(RIGHT + "petition_detail",)),
    View("petition as signer", sub("petition_detail", pk("petition")), role="author"),
    View("petition as resident", sub("petition_detail", pk("petition")), role="resident"),
    View(
        "petition answered",
        sub("petition_detail", pk("answered_petition")),
        shows_resident_text=False,
    ),
    View(
        "petition signatories",
        sub("signatories", pk("petition")),
        params=("page",),
        routes=(RIGHT + "signatories",),
    ),
    View(
        "file petition form",
        sub("file_petition"),
        routes=(RIGHT + "file_petition",),
        role="resident",
        shows_resident_text=False,
    ),
    View(
        "consultative vote",
        lambda w: w.vote.url,
        routes=(VOTE + "index_route", VOTE + "vote_page"),
        shows_resident_text=False,
    ),
    View(
        "consultative vote as voter", lambda w: w.vote.url, role="author", shows_resident_text=False
    ),
    View(
        "consultative vote as resident",
        lambda w: w.vote.url,
        role="resident",
        shows_resident_text=False,
    ),
    View("consultative vote results", lambda w: w.closed_vote.url, shows_resident_text=False),
    # Staff.
    View(
        "admin petitions",
        admin_petition("index"),
        params=("q", "page", "status", "neighbourhood", "ordering", "p"),
        **STAFF,
    ),
    View(
        "admin petitions csv",
        lambda w: admin_petition("index")(w) + "?export=csv",
        kind="csv",
        **STAFF,
    ),
    View("admin petition edit", admin_petition("edit", "petition"), **STAFF),
    View("admin petition inspect", admin_petition("inspect", "petition"), **STAFF),
    View(
        "admin petition under review",
        admin_petition("edit", "review_petition"),
        shows_resident_text=False,
        **STAFF,
    ),
    View("admin paper signatures", paper_url("petition"), **STAFF),
    View(
        "admin vote results",
        vote_results_url("closed_vote"),
        shows_resident_text=False,
        **STAFF,
    ),
]

MUTATIONS = [
    Mutation(
        "file petition",
        sub("file_petition"),
        lambda w: {"title": hostile(200), "text": TEXT},
        count(Petition),
        tampered=retarget(
            sub("file_petition"), {"title": "x", "text": "Long enough text.", "neighbourhood": HUGE}
        ),
        routes=(RIGHT + "file_petition",),
    ),
    Mutation(
        "sign petition",
        sub("sign", pk("petition")),
        lambda w: SIGN,
        count(Signature),
        tampered=retarget(sub("sign", pk("review_petition")), SIGN),
        routes=(RIGHT + "sign",),
    ),
    Mutation(
        "sign a petition not admissible",
        sub("sign", pk("petition")),
        lambda w: SIGN,
        count(Signature),
        tampered=retarget(sub("sign", pk("refused_petition")), SIGN),
    ),
    Mutation(
        "sign another right's petition",
        sub("sign", pk("petition")),
        lambda w: SIGN,
        count(Signature),
        tampered=retarget(sub("sign", pk("twin_petition")), SIGN),
    ),
    Mutation(
        "withdraw signature",
        sub("withdraw", pk("petition")),
        lambda w: {},
        count(Signature),
        allowed="author",
        tampered=retarget(sub("withdraw", pk("twin_petition"))),
        routes=(RIGHT + "withdraw",),
    ),
    Mutation(
        "consultative vote",
        lambda w: w.vote.url + w.vote.reverse_subpage("vote"),
        lambda w: {"option": w.vote.vote_options.last().pk},
        votes_cast,
        tampered=lambda w: (
            w.vote.url + w.vote.reverse_subpage("vote"),
            {"option": w.twin_vote.vote_options.first().pk},
        ),
        routes=(VOTE + "vote",),
    ),
    # Staff.
    Mutation(
        "review petition",
        admin_petition("edit", "review_petition"),
        lambda w: edit_data(w, "review_petition", review="admissible"),
        petition_state("review_petition", "twin_petition"),
        allowed="moderator",
        denied=STAFF_DENIED,
        tampered=lambda w: (
            admin_petition("edit", "twin_petition")(w),
            edit_data(w, "twin_petition", answer="Tampered answer"),
        ),
    ),
    Mutation(
        "answer petition",
        admin_petition("edit", "petition"),
        lambda w: edit_data(w, "petition", answer=TEXT),
        petition_state("petition", "twin_petition"),
        allowed="moderator",
        denied=STAFF_DENIED,
        tampered=lambda w: (
            admin_petition("edit", "twin_petition")(w),
            edit_data(w, "twin_petition", answer="Tampered answer"),
        ),
    ),
    Mutation(
        "paper signature",
        paper_url("petition"),
        lambda w: PAPER,
        count(Signature),
        allowed="moderator",
        denied=STAFF_DENIED,
        tampered=retarget(paper_url("twin_petition"), PAPER),
    ),
    Mutation(
        "delete paper signature",
        lambda w: reverse(
            "participation_petitions_admin:delete_paper_signature",
            args=[w.petition.pk, w.paper_signature.pk],
        ),
        lambda w: {},
        count(Signature),
        allowed="moderator",
        denied=STAFF_DENIED,
        tampered=lambda w: (
            reverse(
                "participation_petitions_admin:delete_paper_signature",
                args=[w.twin_petition.pk, w.paper_signature.pk],
            ),
            {},
        ),
    ),
]

EMAILS = [
    Email("petition answered e-mail", send_answer),
    Email("petition review e-mail", send_review),
]

BAD_ADDRESSES = [
    BadAddress("petition under review", sub("petition_detail", pk("review_petition"))),
    BadAddress(
        "petition under review as resident",
        sub("petition_detail", pk("review_petition")),
        role="resident",
    ),
    BadAddress("petition not admissible", sub("petition_detail", pk("refused_petition"))),
    BadAddress("petition of another right", sub("petition_detail", pk("twin_petition"))),
    BadAddress("petition huge", lambda w: w.petition_right.url + HUGE + "/"),
    BadAddress("signatories under review", sub("signatories", pk("review_petition"))),
    BadAddress(
        "admin petition of another team",
        admin_petition("edit", "petition"),
        role="other_moderator",
    ),
    BadAddress("paper signatures of another team", paper_url("petition"), role="other_moderator"),
    BadAddress(
        "paper signatures huge",
        lambda w: f"/admin/participation/petitions/{HUGE}/paper-signatures/",
        role="moderator",
    ),
]

RESIDENT_TEXT = [
    ResidentText("participation_petitions.Petition.title"),
    ResidentText("participation_petitions.Petition.text", multiline=True),
    ResidentText("participation_petitions.Petition.filer_name"),
    ResidentText("participation_petitions.Signature.full_name"),
]
NOT_RESIDENT_TEXT = {
    "participation_petitions.Petition.review_reason": "written by the staff",
    "participation_petitions.Petition.answer": "the council's answer, written by the staff",
    "participation_petitions.Signature.paper_reference": "typed by the staff from the sheet",
}
