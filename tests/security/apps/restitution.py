"""Restitution: what the hostile world holds and the addresses this app serves.

The restitution page links every participatory page the other apps built under
``world.index`` (found by type when the world is built, so it works whatever they built), the
hidden process pages of the core (a draft and a private one, ``LEAK`` in their titles) and a
draft calendar. It has one block of each type but documents (the test site serves none);
editors' texts carry the payload, and its charts are drawn from page titles and neighbourhood
names. The calendar's figures leave its hidden meetings out: see
``tests/test_restitution_page.py`` for the counts.
"""

from django.contrib.auth import get_user_model
from wagtail.models import Page

from tests.meeting_factories import make_calendar
from wagtail_participation.outcomes import OutcomeSource
from wagtail_participation.restitution.models import RestitutionPage, RestitutionSource
from wagtail_participation.restitution.notifications import notify_participants

from ..catalogue import LEAK, Email, View
from ..payloads import TEXT, hostile


def linked_pages(world):
    """The participatory pages under the world's index, public or not, in tree order."""
    pages = Page.objects.descendant_of(world.index).specific().order_by("path")
    return [page for page in pages if isinstance(page, OutcomeSource)]


def body():
    one_line = hostile(120, "block")
    return [
        ("section", {"heading": one_line, "anchor": "what-we-heard"}),
        ("text", "<p>What we heard.</p>"),
        ("figures", {"heading": one_line, "figures": [], "by_neighbourhood": True}),
        ("decisions", {"heading": one_line, "citizen_only": False, "count": 2}),
        ("decisions", {"heading": one_line, "citizen_only": True, "count": 20}),
        ("budget_results", {"heading": one_line}),
        (
            "chart",
            {
                "title": hostile(150, "chart"),
                "figure": "participants",
                "breakdown": "page",
                "kind": "bar",
                "description": "",
            },
        ),
        (
            "chart",
            {
                "title": hostile(150, "share"),
                "figure": "contributions",
                "breakdown": "neighbourhood",
                "kind": "share",
                "description": TEXT,
            },
        ),
        (
            "timeline",
            {
                "heading": one_line,
                "from_linked_pages": True,
                "steps": [
                    {
                        "title": hostile(150, "step"),
                        "date": None,
                        "status": "planned",
                        "description": TEXT,
                    },
                ],
            },
        ),
        ("quotes", [{"quote": TEXT, "name": hostile(80, "quote"), "context": one_line}]),
        ("you_said_we_did", [{"you_said": TEXT, "we_did": TEXT}]),
    ]


def build(world):
    world.draft_calendar = make_calendar(world.index, title=f"{LEAK} draft calendar")
    world.draft_calendar.unpublish()
    page = RestitutionPage(
        title=hostile(255, "restitution"),
        slug="restitution",
        intro=TEXT,
        body=body(),
        notify_participants=False,  # told by the e-mail entry below, not by the build
    )
    page.sources = [RestitutionSource(page=linked) for linked in linked_pages(world)]
    world.index.add_child(instance=page)
    page.save_revision().publish()
    world.restitution = RestitutionPage.objects.get(pk=page.pk)
    # A restitution not published yet: nowhere to be found.
    draft = RestitutionPage(title=f"{LEAK} draft restitution", slug="draft-restitution")
    draft.sources = [RestitutionSource(page=world.calendar)]
    draft.live = False
    world.index.add_child(instance=draft)


def notify(world):
    """Tell the participants of the restitution's public linked pages; nobody else."""
    RestitutionPage.objects.filter(pk=world.restitution.pk).update(notify_participants=True)
    notify_participants.enqueue(world.restitution.pk)
    told = set(
        get_user_model()
        .objects.filter(pk__in=world.restitution.notices.values("user_id"))
        .values_list("username", flat=True)
    )
    # Registered to hidden meetings only: took part in nothing the public may see.
    assert world.hidden_participant.username not in told, told


VIEWS = [
    View(
        "restitution",
        lambda w: w.restitution.url,
        params=("status", "neighbourhood", "citizen", "decisions_page"),
    ),
    View("restitution decisions page 2", lambda w: w.restitution.url + "?decisions_page=2"),
    View("restitution citizen decisions", lambda w: w.restitution.url + "?citizen=1"),
    View("restitution as resident", lambda w: w.restitution.url, role="resident"),
]

EMAILS = [Email("restitution notice e-mail", notify)]

MUTATIONS = []
BAD_ADDRESSES = []
# Restitution notices hold no text; restitution pages are written by editors.
RESIDENT_TEXT = []
NOT_RESIDENT_TEXT = {}
