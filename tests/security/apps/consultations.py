"""Consultations: what the hostile world holds and the addresses this app serves."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.urls import reverse

from tests.conftest import NOW, make_process, phase
from wagtail_participation.consultations import draw as draws
from wagtail_participation.consultations.models import (
    AnswerStatus,
    Comment,
    CommentStatus,
    ConsultationPage,
    ContentReport,
    Contribution,
    ContributionStatus,
    Draw,
    Question,
    QuestionAnswer,
    QuestionKind,
    QuestionnaireResponse,
    Support,
)
from wagtail_participation.status import PhaseKind

from ..catalogue import LEAK, BadAddress, Email, Mutation, ResidentText, View
from ..payloads import TEXT, hostile
from . import core

HUGE = "99999999999999999999"
# What a resident can post as a title with a crafted request: a line break and a header.
HEADER_TITLE = hostile(100, "title") + "\r\nBcc: victim@example.org"


def consultation(parent, title, live=True):
    page = make_process(
        parent,
        title,
        phases=[phase(PhaseKind.CONTRIBUTION, -1, 10)],
        model=ConsultationPage,
        live=live,
    )
    return page


def contribution(page, author, title, body, status=ContributionStatus.PUBLISHED, **fields):
    published = NOW - timedelta(hours=1) if status == ContributionStatus.PUBLISHED else None
    return Contribution.objects.create(
        page=page,
        author=author,
        title=title,
        body=body,
        status=status,
        published_at=published,
        created_at=NOW - timedelta(days=1),
        **fields,
    )


def build(world):
    author, resident = world.users["author"], world.users["resident"]
    world.consultation = page = consultation(world.index, "Market square")
    world.open_question = Question.objects.create(
        page=page, kind=QuestionKind.OPEN, text="What would you change?", sort_order=0
    )
    world.yes_no_question = Question.objects.create(
        page=page, kind=QuestionKind.YES_NO, text="Should the square be car-free?", sort_order=1
    )
    # Everything the author wrote, published.
    world.contribution = contribution(
        page,
        author,
        hostile(150, "contribution"),
        TEXT,
        neighbourhood=world.neighbourhood,
        answer_status=AnswerStatus.UNDER_STUDY,
        answer_text="Under study by the technical services.",
        answered_at=NOW - timedelta(minutes=30),
    )
    world.comment = Comment.objects.create(
        contribution=world.contribution, author=author, body=TEXT
    )
    world.resident_contribution = contribution(page, resident, "More benches", "Near the fountain.")
    world.report = ContentReport.objects.create(
        contribution=world.resident_contribution, reporter=author, reason=TEXT
    )
    response = QuestionnaireResponse.objects.create(page=page, user=author)
    QuestionAnswer.objects.create(response=response, question=world.open_question, text=TEXT)
    QuestionAnswer.objects.create(
        response=response, question=world.yes_no_question, choices=["yes"]
    )

    # What nobody but the moderators (and their own author, on "my participation") may see.
    leaker = core.resident("leaker", "Someone else", world.neighbourhood)
    leak = f"{LEAK} {hostile(100)}"
    world.pending = contribution(page, leaker, f"{LEAK} pending", leak, ContributionStatus.PENDING)
    world.hidden = contribution(
        page,
        leaker,
        f"{LEAK} hidden",
        leak,
        ContributionStatus.HIDDEN,
        moderation_reason=f"{LEAK} reason",
    )
    world.withdrawn = contribution(
        page, leaker, f"{LEAK} withdrawn", leak, ContributionStatus.WITHDRAWN
    )
    # Residents supported and commented on it before it was hidden.
    Comment.objects.create(contribution=world.hidden, author=resident, body="I agree")
    world.hidden_comment = Comment.objects.create(
        contribution=world.contribution,
        author=leaker,
        body=f"{LEAK} hidden comment",
        status=CommentStatus.HIDDEN,
        moderation_reason="Rude",
    )
    # A published reply under a hidden comment is hidden with its thread.
    Comment.objects.create(
        contribution=world.contribution,
        author=leaker,
        parent=world.hidden_comment,
        body=f"{LEAK} reply to a hidden comment",
    )
    Support.objects.create(contribution=world.hidden, user=resident)
    world.draft_consultation = consultation(world.index, f"{LEAK} draft consultation", live=False)
    contribution(world.draft_consultation, leaker, f"{LEAK} in a draft", leak)

    # A performed draw (among published contributions), and one announced only.
    world.draw = draws.announce(page, "Ideas for the committee", 2)
    draws.perform(world.draw)
    world.announced_draw = draws.announce(page, "Second round", 1)

    # The twin, looked after by another team.
    world.twin = consultation(world.elsewhere, "Harbour")
    world.twin_contribution = contribution(
        world.twin, resident, "Twin idea", "Twin text", ContributionStatus.PENDING
    )
    world.twin_published = contribution(world.twin, resident, "Twin published", "Twin text")
    world.twin_comment = Comment.objects.create(
        contribution=world.twin_published, author=resident, body="Twin comment"
    )
    world.twin_hidden_comment = Comment.objects.create(
        contribution=world.twin_published,
        author=resident,
        body="Twin hidden comment",
        status=CommentStatus.HIDDEN,
        moderation_reason="Rude",
    )
    world.twin_draw = draws.announce(world.twin, "Twin draw", 1)


# Addresses ---------------------------------------------------------------------------------------


def sub(name, *args, page="consultation"):
    """The URL of a sub-page of the world's consultation (or of another page)."""

    def url(w):
        target = getattr(w, page)
        return target.url + target.reverse_subpage(name, args=[a(w) for a in args])

    return url


def pk(name):
    return lambda w: getattr(w, name).pk


def admin(viewset, view, item=None):
    def url(w):
        args = [getattr(w, item).pk] if item else []
        return reverse(f"participation_{viewset}:{view}", args=args)

    return url


def bulk(model, action, item):
    def url(w):
        ids = getattr(w, item).pk
        return (
            reverse("wagtail_bulk_action", args=["participation_consultations", model, action])
            + f"?id={ids}"
        )

    return url


def draws_page(page):
    return lambda w: reverse("participation_draws:page", args=[getattr(w, page).pk])


def perform(draw):
    return lambda w: reverse("participation_draws:perform", args=[getattr(w, draw).pk])


def retarget(url, data=None):
    """A tampered submission: another ``url`` (and ``data``) for the same form."""
    return lambda w: (url(w), data(w) if callable(data) else (data or {}))


def count(model, **filters):
    return lambda w: model.objects.filter(**{k: v(w) for k, v in filters.items()}).count()


def status_of(*names, model=Contribution):
    return lambda w: [
        model.objects.filter(pk=getattr(w, name).pk).values_list("status", flat=True).first()
        for name in names
    ]


def answer_of(*names):
    return lambda w: [
        Contribution.objects.filter(pk=getattr(w, name).pk)
        .values_list("answer_status", "answer_text")
        .first()
        for name in names
    ]


def draws_of(*pages):
    return lambda w: [
        list(Draw.objects.filter(page=getattr(w, p)).values_list("pk", "drawn_at")) for p in pages
    ]


LIST_PARAMS = ("theme", "neighbourhood", "answer", "sort", "page")
ADMIN_PARAMS = ("q", "status", "page", "answer_status", "reported", "ordering", "p")
STAFF = {"role": "moderator", "hidden_ok": True}
STAFF_DENIED = ("anonymous", "resident", "other_moderator")
PAGE = "ConsultationPage."
CONTRIBUTE = {"title": hostile(150), "body": TEXT}
ANSWER = {
    "status": "published",
    "answer_status": "accepted",
    "answer_text": "Done.",
    "moderation_reason": "",
}

VIEWS = [
    View("consultation", sub("contribution_list"), LIST_PARAMS, (PAGE + "index_route",)),
    View("contribution list", sub("contribution_list"), routes=(PAGE + "contribution_list",)),
    View("consultation signed in", sub("contribution_list"), LIST_PARAMS, role="resident"),
    View(
        "contribution",
        sub("contribution_detail", pk("contribution")),
        routes=(PAGE + "contribution_detail",),
    ),
    View(
        "contribution as resident", sub("contribution_detail", pk("contribution")), role="resident"
    ),
    View(
        "contribute form",
        sub("contribute"),
        routes=(PAGE + "contribute",),
        role="author",
        shows_resident_text=False,
    ),
    View(
        "report form",
        sub("report", pk("contribution")),
        ("comment",),
        (PAGE + "report",),
        role="resident",
    ),
    View(
        "report comment form",
        lambda w: sub("report", pk("contribution"))(w) + f"?comment={w.comment.pk}",
        role="resident",
    ),
    View(
        "questionnaire answered",
        sub("questionnaire"),
        routes=(PAGE + "questionnaire",),
        role="author",
    ),
    View("questionnaire form", sub("questionnaire"), role="resident", shows_resident_text=False),
    View(
        "contributions csv",
        sub("contributions_csv"),
        routes=(PAGE + "contributions_csv",),
        kind="csv",
    ),
    View(
        "contributions json",
        sub("contributions_json"),
        routes=(PAGE + "contributions_json",),
        kind="json",
    ),
    View("contributions.csv file", lambda w: w.consultation.url + "contributions.csv", kind="csv"),
    View(
        "contributions.json file", lambda w: w.consultation.url + "contributions.json", kind="json"
    ),
    View("draw", sub("draw_detail", pk("draw")), routes=(PAGE + "draw_detail",)),
    View(
        "my participation as supporter",
        lambda w: reverse("participation_accounts:my_participation"),
        role="resident",
        shows_resident_text=False,
    ),
    # Staff.
    View("admin contributions", admin("contribution", "index"), ADMIN_PARAMS, **STAFF),
    View(
        "admin contributions csv",
        lambda w: admin("contribution", "index")(w) + "?export=csv",
        kind="csv",
        **STAFF,
    ),
    View("admin contribution edit", admin("contribution", "edit", "contribution"), **STAFF),
    View("admin contribution inspect", admin("contribution", "inspect", "contribution"), **STAFF),
    View("admin reported edit", admin("contribution", "edit", "resident_contribution"), **STAFF),
    View(
        "admin hidden inspect",
        admin("contribution", "inspect", "hidden"),
        shows_resident_text=False,
        **STAFF,
    ),
    View("admin contribution history", admin("contribution", "history", "contribution"), **STAFF),
    View(
        "admin comments",
        admin("comment", "index"),
        ("q", "status", "reported", "ordering", "p"),
        **STAFF,
    ),
    View("admin comment edit", admin("comment", "edit", "comment"), **STAFF),
    View("admin comment inspect", admin("comment", "inspect", "comment"), **STAFF),
    View("admin bulk hide", bulk("contribution", "hide", "contribution"), **STAFF),
    View(
        "admin draws",
        lambda w: reverse("participation_draws:index"),
        shows_resident_text=False,
        **STAFF,
    ),
    View("admin draws of page", draws_page("consultation"), shows_resident_text=False, **STAFF),
]

MUTATIONS = [
    Mutation(
        "contribute",
        sub("contribute"),
        lambda w: CONTRIBUTE,
        count(Contribution, page=pk("consultation")),
        tampered=retarget(sub("contribute"), {**CONTRIBUTE, "neighbourhood": HUGE}),
        routes=(PAGE + "contribute",),
    ),
    Mutation(
        "support",
        sub("support", pk("contribution")),
        lambda w: {"action": "support"},
        count(Support),
        tampered=retarget(sub("support", pk("pending")), {"action": "support"}),
        routes=(PAGE + "support",),
    ),
    Mutation(
        "support another page's",
        sub("support", pk("contribution")),
        lambda w: {"action": "support"},
        count(Support),
        tampered=retarget(sub("support", pk("twin_published")), {"action": "support"}),
    ),
    Mutation(
        "comment",
        sub("comment", pk("contribution")),
        lambda w: {"body": TEXT},
        count(Comment),
        tampered=retarget(
            sub("comment", pk("contribution")),
            lambda w: {"body": "Hi", "parent": w.twin_comment.pk},
        ),
        routes=(PAGE + "comment",),
    ),
    Mutation(
        "reply to a hidden comment",
        sub("comment", pk("contribution")),
        lambda w: {"body": "Hi", "parent": w.comment.pk},
        count(Comment),
        tampered=retarget(
            sub("comment", pk("contribution")),
            lambda w: {"body": "Hi", "parent": w.hidden_comment.pk},
        ),
    ),
    Mutation(
        "report",
        sub("report", pk("contribution")),
        lambda w: {"reason": TEXT},
        count(ContentReport),
        tampered=retarget(
            sub("report", pk("contribution")),
            lambda w: {"reason": "x", "comment": w.twin_comment.pk},
        ),
        routes=(PAGE + "report",),
    ),
    Mutation(
        "report comment",
        sub("report", pk("contribution")),
        lambda w: {"reason": TEXT, "comment": w.comment.pk},
        count(ContentReport),
        tampered=retarget(
            sub("report", pk("contribution")),
            lambda w: {"reason": "x", "comment": w.hidden_comment.pk},
        ),
    ),
    Mutation(
        "questionnaire",
        sub("questionnaire"),
        lambda w: {
            f"question_{w.open_question.pk}": TEXT,
            f"question_{w.yes_no_question.pk}": "yes",
        },
        count(QuestionnaireResponse),
        tampered=retarget(
            sub("questionnaire"),
            lambda w: {
                f"question_{w.open_question.pk}": "x",
                f"question_{w.yes_no_question.pk}": "maybe",
            },
        ),
        routes=(PAGE + "questionnaire",),
    ),
    # Staff.
    Mutation(
        "moderate contribution",
        admin("contribution", "edit", "pending"),
        lambda w: {**ANSWER, "answer_status": "", "answer_text": ""},
        status_of("pending", "twin_contribution"),
        allowed="moderator",
        denied=STAFF_DENIED,
        tampered=retarget(
            admin("contribution", "edit", "twin_contribution"),
            {**ANSWER, "answer_status": "", "answer_text": ""},
        ),
    ),
    Mutation(
        "answer contribution",
        admin("contribution", "edit", "contribution"),
        lambda w: ANSWER,
        answer_of("contribution", "twin_published"),
        allowed="moderator",
        denied=STAFF_DENIED,
        tampered=retarget(admin("contribution", "edit", "twin_published"), ANSWER),
    ),
    Mutation(
        "moderate comment",
        admin("comment", "edit", "hidden_comment"),
        lambda w: {"status": "published", "moderation_reason": ""},
        status_of("hidden_comment", "twin_hidden_comment", model=Comment),
        allowed="moderator",
        denied=STAFF_DENIED,
        tampered=retarget(
            admin("comment", "edit", "twin_hidden_comment"),
            {"status": "published", "moderation_reason": ""},
        ),
    ),
    Mutation(
        "delete contribution",
        admin("contribution", "delete", "hidden"),
        lambda w: {},
        count(Contribution),
        allowed="moderator",
        denied=STAFF_DENIED,
        tampered=retarget(admin("contribution", "delete", "twin_contribution")),
    ),
    Mutation(
        "bulk publish contributions",
        bulk("contribution", "publish", "pending"),
        lambda w: {"reason": ""},
        status_of("pending", "twin_contribution"),
        allowed="moderator",
        denied=STAFF_DENIED,
        tampered=retarget(bulk("contribution", "publish", "twin_contribution"), {"reason": ""}),
    ),
    Mutation(
        "bulk hide contributions",
        bulk("contribution", "hide", "contribution"),
        lambda w: {"reason": "Off topic"},
        status_of("contribution", "twin_published"),
        allowed="moderator",
        denied=STAFF_DENIED,
        tampered=retarget(bulk("contribution", "hide", "twin_published"), {"reason": "x"}),
    ),
    Mutation(
        "bulk publish comments",
        bulk("comment", "publish", "hidden_comment"),
        lambda w: {"reason": ""},
        status_of("hidden_comment", "twin_hidden_comment", model=Comment),
        allowed="moderator",
        denied=STAFF_DENIED,
        tampered=retarget(bulk("comment", "publish", "twin_hidden_comment"), {"reason": ""}),
    ),
    Mutation(
        "bulk hide comments",
        bulk("comment", "hide", "comment"),
        lambda w: {"reason": "Off topic"},
        status_of("comment", "twin_comment", model=Comment),
        allowed="moderator",
        denied=STAFF_DENIED,
        tampered=retarget(bulk("comment", "hide", "twin_comment"), {"reason": "x"}),
    ),
    Mutation(
        "announce draw",
        draws_page("consultation"),
        lambda w: {"title": hostile(150), "count": 2},
        draws_of("consultation", "twin"),
        allowed="moderator",
        denied=STAFF_DENIED,
        tampered=retarget(draws_page("twin"), {"title": "x", "count": 1}),
    ),
    Mutation(
        "perform draw",
        perform("announced_draw"),
        lambda w: {},
        draws_of("consultation", "twin"),
        allowed="moderator",
        denied=STAFF_DENIED,
        tampered=retarget(perform("twin_draw")),
    ),
]


# E-mails -----------------------------------------------------------------------------------------


def moderator_client(w):
    return w.client("moderator")


def publish_by_moderator(w):
    """A title with a line break (typed through a crafted request), published by a moderator."""
    item = contribution(
        w.consultation, w.users["author"], HEADER_TITLE, TEXT, ContributionStatus.PENDING
    )
    moderator_client(w).post(
        reverse("participation_contribution:edit", args=[item.pk]),
        {**ANSWER, "answer_status": "", "answer_text": ""},
    )


def answer_by_moderator(w):
    Contribution.objects.filter(pk=w.contribution.pk).update(title=HEADER_TITLE)
    moderator_client(w).post(
        reverse("participation_contribution:edit", args=[w.contribution.pk]),
        {**ANSWER, "answer_text": TEXT},
    )


def contribute_with_header(w):
    client = w.client("author")
    client.post(sub("contribute")(w), {"title": HEADER_TITLE, "body": TEXT})


def report_until_hidden(w):
    Contribution.objects.filter(pk=w.contribution.pk).update(title=HEADER_TITLE)
    for n in range(2):
        reporter = get_user_model().objects.create_user(f"reporter{n}", f"r{n}@example.org")
        ContentReport.objects.create(contribution=w.contribution, reporter=reporter, reason="x")
    w.client("resident").post(sub("report", pk("contribution"))(w), {"reason": TEXT})


def report_comment_until_hidden(w):
    for n in range(2):
        reporter = get_user_model().objects.create_user(f"reporter{n}", f"r{n}@example.org")
        ContentReport.objects.create(
            contribution=w.contribution, comment=w.comment, reporter=reporter, reason="x"
        )
    w.client("resident").post(
        sub("report", pk("contribution"))(w), {"reason": TEXT, "comment": w.comment.pk}
    )


EMAILS = [
    Email("author published", publish_by_moderator),
    Email("author answered", answer_by_moderator),
    Email("moderators pending", contribute_with_header),
    Email("moderators reported", report_until_hidden),
    Email("moderators reported comment", report_comment_until_hidden),
]

BAD_ADDRESSES = [
    BadAddress("contribution of another page", sub("contribution_detail", pk("twin_published"))),
    BadAddress("pending contribution", sub("contribution_detail", pk("pending"))),
    BadAddress(
        "huge contribution", lambda w: sub("contribution_list")(w) + f"contributions/{HUGE}/"
    ),
    BadAddress(
        "negative contribution", lambda w: sub("contribution_list")(w) + "contributions/-1/"
    ),
    BadAddress("draw of another page", sub("draw_detail", pk("twin_draw"))),
    BadAddress("huge draw", lambda w: sub("contribution_list")(w) + f"draws/{HUGE}/"),
    BadAddress(
        "report another page's comment",
        lambda w: sub("report", pk("contribution"))(w) + f"?comment={w.twin_comment.pk}",
        role="resident",
    ),
    BadAddress(
        "report a huge comment",
        lambda w: sub("report", pk("contribution"))(w) + f"?comment={HUGE}",
        role="resident",
    ),
    BadAddress(
        "admin edit of another page's", admin("contribution", "edit", "twin_published"), "moderator"
    ),
    BadAddress(
        "admin inspect of another page's",
        admin("contribution", "inspect", "twin_published"),
        "moderator",
    ),
    BadAddress(
        "admin comment of another page's", admin("comment", "edit", "twin_comment"), "moderator"
    ),
    BadAddress(
        "admin huge contribution",
        lambda w: f"/admin/participation/contribution/edit/{HUGE}/",
        "moderator",
    ),
    BadAddress("admin draws of another page", draws_page("twin"), "moderator", (403, 404)),
    BadAddress(
        "admin draws of a huge page", lambda w: f"/admin/participation/draws/{HUGE}/", "moderator"
    ),
    BadAddress(
        "admin bulk of another page's", bulk("contribution", "hide", "twin_published"), "moderator"
    ),
]

RESIDENT_TEXT = [
    ResidentText("participation_consultations.Contribution.title"),
    ResidentText("participation_consultations.Contribution.body", multiline=True),
    ResidentText("participation_consultations.Comment.body", multiline=True),
    ResidentText("participation_consultations.ContentReport.reason", multiline=True),
    ResidentText("participation_consultations.QuestionAnswer.text", multiline=True),
]
NOT_RESIDENT_TEXT = {
    "participation_consultations.Contribution.moderation_reason": "written by moderators",
    "participation_consultations.Contribution.answer_text": "the official answer, by staff",
    "participation_consultations.Comment.moderation_reason": "written by moderators",
}
