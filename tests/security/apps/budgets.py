"""Budgets: what the hostile world holds and the addresses this app serves.

Under ``world.index``: ``budget`` (vote open, a town-wide and a neighbourhood envelope),
``call`` (project submission open), ``closed`` (vote over, results not published yet),
``results`` (results published) and a draft budget; ``twin_budget`` lives under ``world.elsewhere``
(another team's page) for the tampered ids. Hidden: fresh submissions (the only status residents
do not see), the draft, internal review notes, and the identity of a voter whose name says LEAK.
"""

from django.urls import reverse
from wagtail.test.utils.form_data import inline_formset, nested_form_data, streamfield

from tests.budget_factories import (
    SUBMISSION_OPEN,
    VOTE_ENDED,
    VOTE_OPEN,
    make_budget,
    make_project,
)
from wagtail_participation.budgets.admin_views import ballots_fingerprint
from wagtail_participation.budgets.ballots import cast_ballot
from wagtail_participation.budgets.models import (
    Ballot,
    BallotChannel,
    BudgetProject,
    ProjectStatus,
)
from wagtail_participation.budgets.results import publish_results

from ..catalogue import LEAK, BadAddress, Mutation, ResidentText, View
from ..payloads import TEXT, hostile
from .core import resident

STAFF = ("anonymous", "resident", "other_moderator")
HUGE = "99999999999999999999"


def hostile_project(page, envelope, author, label):
    return make_project(
        page,
        hostile(200, label),
        1000,
        envelope=envelope,
        description=TEXT,
        location=hostile(255, "location"),
        proposer=author,
        proposer_name=hostile(150, "proposer"),
        review_notes=f"{LEAK} internal review notes",
    )


def hidden_project(page, proposer, label):
    """A fresh submission: nobody but its proposer and the staff may see it."""
    return make_project(
        page,
        f"{LEAK} {label}",
        500,
        status=ProjectStatus.SUBMITTED,
        description=f"{LEAK} not reviewed yet",
        location=f"{LEAK} somewhere",
        proposer=proposer,
        proposer_name=f"{LEAK} proposer",
    )


def vote(page, envelope, projects, user):
    return cast_ballot(page, envelope, [p.pk for p in projects], user=user)


def paper(page, envelope, projects, reference):
    return cast_ballot(
        page,
        envelope,
        [p.pk for p in projects],
        channel=BallotChannel.PAPER,
        paper_reference=reference,
    )


def build(world):
    author = world.users["author"]
    # A voter whose identity must never come out of a ballot, and who proposed hidden projects.
    world.budget_stranger = resident(f"{LEAK}voter", f"{LEAK} voter", world.neighbourhood)
    stranger = world.budget_stranger

    # Voting now, in a town-wide and a neighbourhood envelope.
    world.budget = make_budget(
        world.index,
        "Budget citoyen",
        phases=VOTE_OPEN,
        envelopes=((None, 100000), (world.neighbourhood, 50000)),
    )
    world.town, world.centre = world.budget.envelope_list
    world.project = hostile_project(world.budget, world.town, author, "project")
    world.centre_project = make_project(world.budget, "Benches", 2000, envelope=world.centre)
    world.unvoted_project = make_project(world.budget, "Street lights", 3000)
    world.hidden_project = hidden_project(world.budget, stranger, "fresh submission")
    world.ballot = vote(world.budget, world.town, [world.project], author)
    world.stranger_ballot = vote(world.budget, world.town, [world.project], stranger)
    world.paper_ballot = paper(world.budget, world.town, [world.project], "P-1")

    # Collecting projects now.
    world.call = make_budget(
        world.index,
        "Budget citoyen 2027",
        phases=SUBMISSION_OPEN,
        envelopes=((None, 100000), (world.neighbourhood, 50000)),
    )
    world.call_town = world.call.envelope_list[0]
    hidden_project(world.call, stranger, "idea")

    # Counted: the vote is over, the team has not published the results yet.
    world.closed = make_budget(world.index, "Budget citoyen 2025", phases=VOTE_ENDED)
    world.closed_project = hostile_project(
        world.closed, world.closed.envelope_list[0], author, "counted"
    )
    paper(world.closed, world.closed.envelope_list[0], [world.closed_project], "C-1")

    # Published: results page, results.json and the .pb file.
    world.results = make_budget(world.index, "Budget citoyen 2024", phases=VOTE_ENDED)
    results_envelope = world.results.envelope_list[0]
    world.results_project = hostile_project(world.results, results_envelope, author, "funded")
    # A title from before titles were kept on one line: it must not break the .pb file.
    world.results_project.title += ';"\r\nX-INJECTED:1;'
    world.results_project.save(update_fields=["title"])
    make_project(world.results, 'Fountain; "old" square', 900_000)
    hidden_project(world.results, stranger, "late submission")
    paper(world.results, results_envelope, [world.results_project], "R-1")
    paper(world.results, results_envelope, [world.results_project], "R-2")
    publish_results(world.results)

    world.draft_budget = make_budget(
        world.index, f"{LEAK} draft budget", phases=VOTE_OPEN, live=False
    )

    # Another team's budget, for tampered ids.
    world.twin_budget = make_budget(world.elsewhere, "Twin budget", phases=VOTE_OPEN)
    world.twin_envelope = world.twin_budget.envelope_list[0]
    world.twin_project = make_project(world.twin_budget, "Twin project", 1000)
    world.twin_paper_ballot = paper(
        world.twin_budget, world.twin_envelope, [world.twin_project], "T-1"
    )


# Addresses -------------------------------------------------------------------------------------


def sub(page_name, route, *args, query=""):
    """The address of a budget's sub-page: ``sub("budget", "vote_envelope", "town")``."""

    def url(w):
        page = getattr(w, page_name)
        values = [getattr(w, a).pk if isinstance(a, str) else a for a in args]
        return page.url + page.reverse_subpage(route, args=values) + query

    return url


def admin(name, *args, query=""):
    def url(w):
        values = [getattr(w, a).pk if isinstance(a, str) else a for a in args]
        return reverse(name, args=values) + query

    return url


def pb_query(w):
    return f"?envelope={w.results.envelope_list[0].pk}"


def project_fields(w, project, **changes):
    """The admin project form, filled in as ``project`` stands, with ``changes``."""
    fields = {
        "envelope": project.envelope_id,
        "title": project.title,
        "description": project.description,
        "estimated_cost": str(project.estimated_cost),
        "themes": "",
        "location": project.location,
        "latitude": "",
        "longitude": "",
        "proposer_name": project.proposer_name,
        "images": streamfield([]),
        "status": project.status,
        "public_reason": project.public_reason,
        "review_notes": project.review_notes,
        "updates": inline_formset([]),
    }
    fields.update(changes)
    return nested_form_data(fields)


def review(w):
    return project_fields(
        w, w.hidden_project, status=ProjectStatus.NOT_ADMISSIBLE, public_reason="Too expensive."
    )


def new_project(page, envelope):
    def data(w):
        return nested_form_data(
            {
                "page": getattr(w, page).pk,
                "envelope": getattr(w, envelope).pk,
                "title": "Bike racks",
                "description": "Near the station.",
                "estimated_cost": "1500",
                "themes": "",
                "location": "",
                "latitude": "",
                "longitude": "",
                "proposer_name": "",
                "images": streamfield([]),
                "status": ProjectStatus.ON_BALLOT,
                "public_reason": "",
                "review_notes": "",
                "updates": inline_formset([]),
            }
        )

    return data


def submission(envelope="call_town"):
    def data(w):
        return {
            "title": "A shaded playground",
            "description": "Trees around the playground.",
            "envelope": getattr(w, envelope).pk,
            "estimated_cost": "5000",
            "location": "Square Jean Jaurès",
            "proposer_name": "Playground friends",
        }

    return data


def ballot_of(*projects):
    return lambda w: {"action": "confirm", "project": [getattr(w, p).pk for p in projects]}


def paper_of(*projects):
    return lambda w: {"paper_reference": "P-2", "projects": [getattr(w, p).pk for p in projects]}


def projects_on(page):
    return lambda w: sorted(
        BudgetProject.objects.filter(page=getattr(w, page)).values_list("pk", "status", "title")
    )


def ballots_on(page):
    return lambda w: sorted(Ballot.objects.filter(page=getattr(w, page)).values_list("pk"))


def published(page):
    return lambda w: getattr(w, page).results.filter(published_at__isnull=False).count()


def project_state(w):
    return sorted(
        BudgetProject.objects.filter(page__in=[w.budget, w.twin_budget]).values_list(
            "pk", "status", "public_reason", "envelope_id", "title"
        )
    )


def tampered(url, data):
    return lambda w: (url(w), data(w))


LIST_PARAMS = ("envelope", "theme", "status", "sort", "page")
PROJECTS_ADMIN = "participation_budgetproject"
BALLOTS_ADMIN = "participation_ballot"
RESULTS_ADMIN = "participation_budgets_admin"

VIEWS = [
    View(
        "budget page",
        sub("budget", "project_list"),
        params=LIST_PARAMS,
        routes=("BudgetPage.project_list", "BudgetPage.index_route"),
    ),
    View("budget page as author", sub("budget", "project_list"), params=LIST_PARAMS, role="author"),
    View("budget page, results published", sub("results", "project_list"), params=LIST_PARAMS),
    View(
        "project", sub("budget", "project_detail", "project"), routes=("BudgetPage.project_detail",)
    ),
    View("funded project", sub("results", "project_detail", "results_project")),
    View(
        "project form",
        sub("call", "submit_project"),
        role="author",
        routes=("BudgetPage.submit_project",),
    ),
    # The envelopes to vote in, and the visitor's own receipts: no project titles.
    View(
        "vote start",
        sub("budget", "vote"),
        role="resident",
        shows_resident_text=False,
        routes=("BudgetPage.vote",),
    ),
    View("vote start as voter", sub("budget", "vote"), role="author", shows_resident_text=False),
    View(
        "ballot",
        sub("budget", "vote_envelope", "town"),
        role="resident",
        routes=("BudgetPage.vote_envelope",),
    ),
    View("ballot already cast", sub("budget", "vote_envelope", "town"), role="author"),
    View(
        "vote receipt",
        lambda w: w.budget.url + w.budget.reverse_subpage("vote_receipt", args=[w.ballot.receipt]),
        role="author",
        routes=("BudgetPage.vote_receipt",),
    ),
    View("results", sub("results", "results"), routes=("BudgetPage.results",)),
    View("results before publication", sub("closed", "results"), shows_resident_text=False),
    View(
        "results json",
        sub("results", "results_json"),
        kind="json",
        routes=("BudgetPage.results_json",),
    ),
    View("results.json", lambda w: w.results.url + "results.json", kind="json"),
    View(
        "pb export",
        sub("results", "export_pb"),
        params=("envelope",),
        kind="pb",
        routes=("BudgetPage.export_pb",),
    ),
    View("export.pb", lambda w: w.results.url + "export.pb", params=("envelope",), kind="pb"),
    # Staff.
    View(
        "admin projects",
        admin(f"{PROJECTS_ADMIN}:index"),
        params=("page", "status", "envelope", "q", "ordering", "p"),
        role="moderator",
        hidden_ok=True,
    ),
    View(
        "admin projects csv",
        admin(f"{PROJECTS_ADMIN}:index", query="?export=csv"),
        kind="csv",
        role="moderator",
        hidden_ok=True,
    ),
    View(
        "admin projects, other team",
        admin(f"{PROJECTS_ADMIN}:index"),
        role="other_moderator",
        shows_resident_text=False,
    ),
    View(
        "admin projects csv, other team",
        admin(f"{PROJECTS_ADMIN}:index", query="?export=csv"),
        kind="csv",
        role="other_moderator",
        shows_resident_text=False,
    ),
    View(
        "admin project",
        admin(f"{PROJECTS_ADMIN}:edit", "project"),
        role="moderator",
        hidden_ok=True,
    ),
    View(
        "admin project inspect",
        admin(f"{PROJECTS_ADMIN}:inspect", "project"),
        role="moderator",
        hidden_ok=True,
    ),
    View(
        "admin new project",
        admin(f"{PROJECTS_ADMIN}:add"),
        role="moderator",
        hidden_ok=True,
        shows_resident_text=False,
    ),
    View(
        "admin new project, other team",
        admin(f"{PROJECTS_ADMIN}:add"),
        role="other_moderator",
        shows_resident_text=False,
    ),
    View(
        "admin ballots",
        admin(f"{BALLOTS_ADMIN}:index"),
        params=("page", "envelope", "channel", "q", "p"),
        role="moderator",
        hidden_ok=True,
        shows_resident_text=False,
    ),
    View(
        "admin ballots, other team",
        admin(f"{BALLOTS_ADMIN}:index"),
        role="other_moderator",
        shows_resident_text=False,
    ),
    View(
        "admin ballot",
        admin(f"{BALLOTS_ADMIN}:inspect", "ballot"),
        role="moderator",
        hidden_ok=True,
    ),
    View(
        "admin results index",
        admin(f"{RESULTS_ADMIN}:results_index"),
        role="moderator",
        hidden_ok=True,
        shows_resident_text=False,
    ),
    View(
        "admin results index, other team",
        admin(f"{RESULTS_ADMIN}:results_index"),
        role="other_moderator",
        shows_resident_text=False,
    ),
    View(
        "admin results preview",
        admin(f"{RESULTS_ADMIN}:results", "closed"),
        role="moderator",
        hidden_ok=True,
    ),
    View(
        "admin results published",
        admin(f"{RESULTS_ADMIN}:results", "results"),
        role="moderator",
        hidden_ok=True,
    ),
    View(
        "admin publish",
        admin(f"{RESULTS_ADMIN}:publish", "closed"),
        role="moderator",
        hidden_ok=True,
    ),
    View(
        "admin withdraw",
        admin(f"{RESULTS_ADMIN}:withdraw", "results"),
        role="moderator",
        hidden_ok=True,
        shows_resident_text=False,
    ),
    View(
        "admin paper ballot budgets",
        admin(f"{RESULTS_ADMIN}:paper_ballot_budgets"),
        role="moderator",
        hidden_ok=True,
        shows_resident_text=False,
    ),
    View(
        "admin paper ballot budgets, other team",
        admin(f"{RESULTS_ADMIN}:paper_ballot_budgets"),
        role="other_moderator",
        shows_resident_text=False,
    ),
    View(
        "admin paper ballot envelopes",
        admin(f"{RESULTS_ADMIN}:paper_ballot_envelopes", "budget"),
        role="moderator",
        hidden_ok=True,
        shows_resident_text=False,
    ),
    View(
        "admin paper ballot",
        admin(f"{RESULTS_ADMIN}:paper_ballot", "budget", "town"),
        role="moderator",
        hidden_ok=True,
    ),
]

MUTATIONS = [
    Mutation(
        "submit project",
        sub("call", "submit_project"),
        submission(),
        projects_on("call"),
        tampered=tampered(sub("call", "submit_project"), submission("twin_envelope")),
    ),
    Mutation(
        "vote",
        sub("budget", "vote_envelope", "town"),
        ballot_of("project"),
        ballots_on("budget"),
        tampered=tampered(sub("budget", "vote_envelope", "town"), ballot_of("twin_project")),
    ),
    Mutation(
        "vote, project of another envelope",
        sub("budget", "vote_envelope", "town"),
        ballot_of("project"),
        ballots_on("budget"),
        tampered=tampered(
            sub("budget", "vote_envelope", "town"), ballot_of("project", "centre_project")
        ),
    ),
    Mutation(
        "vote in another budget's envelope",
        sub("budget", "vote_envelope", "town"),
        ballot_of("project"),
        ballots_on("budget"),
        tampered=tampered(
            sub("budget", "vote_envelope", "twin_envelope"), ballot_of("twin_project")
        ),
    ),
    # Staff.
    Mutation(
        "review project",
        admin(f"{PROJECTS_ADMIN}:edit", "hidden_project"),
        review,
        project_state,
        allowed="moderator",
        denied=STAFF,
        tampered=tampered(
            admin(f"{PROJECTS_ADMIN}:edit", "twin_project"),
            lambda w: project_fields(w, w.twin_project, status=ProjectStatus.UNDER_REVIEW),
        ),
    ),
    Mutation(
        "review project, envelope of another budget",
        admin(f"{PROJECTS_ADMIN}:edit", "hidden_project"),
        review,
        project_state,
        allowed="moderator",
        tampered=tampered(
            admin(f"{PROJECTS_ADMIN}:edit", "hidden_project"),
            lambda w: project_fields(w, w.hidden_project, envelope=w.twin_envelope.pk),
        ),
    ),
    Mutation(
        "add project",
        admin(f"{PROJECTS_ADMIN}:add"),
        new_project("budget", "town"),
        project_state,
        allowed="moderator",
        denied=("anonymous", "resident"),
        tampered=tampered(
            admin(f"{PROJECTS_ADMIN}:add"), new_project("twin_budget", "twin_envelope")
        ),
    ),
    Mutation(
        "add project, envelope of another budget",
        admin(f"{PROJECTS_ADMIN}:add"),
        new_project("budget", "town"),
        project_state,
        allowed="moderator",
        tampered=tampered(admin(f"{PROJECTS_ADMIN}:add"), new_project("budget", "twin_envelope")),
    ),
    Mutation(
        "delete project",
        admin(f"{PROJECTS_ADMIN}:delete", "unvoted_project"),
        lambda w: {},
        project_state,
        allowed="moderator",
        denied=STAFF,
        tampered=tampered(admin(f"{PROJECTS_ADMIN}:delete", "twin_project"), lambda w: {}),
    ),
    Mutation(
        "delete paper ballot",
        admin(f"{BALLOTS_ADMIN}:delete", "paper_ballot"),
        lambda w: {},
        lambda w: sorted(Ballot.objects.values_list("pk")),
        allowed="moderator",
        denied=STAFF,
        tampered=tampered(admin(f"{BALLOTS_ADMIN}:delete", "twin_paper_ballot"), lambda w: {}),
    ),
    Mutation(
        "paper ballot",
        admin(f"{RESULTS_ADMIN}:paper_ballot", "budget", "town"),
        paper_of("project"),
        lambda w: sorted(Ballot.objects.values_list("pk")),
        allowed="moderator",
        denied=STAFF,
        tampered=tampered(
            admin(f"{RESULTS_ADMIN}:paper_ballot", "twin_budget", "twin_envelope"),
            paper_of("twin_project"),
        ),
    ),
    Mutation(
        "paper ballot, envelope of another budget",
        admin(f"{RESULTS_ADMIN}:paper_ballot", "budget", "town"),
        paper_of("project"),
        lambda w: sorted(Ballot.objects.values_list("pk")),
        allowed="moderator",
        tampered=tampered(
            admin(f"{RESULTS_ADMIN}:paper_ballot", "budget", "twin_envelope"),
            paper_of("twin_project"),
        ),
    ),
    Mutation(
        "paper ballot, project of another budget",
        admin(f"{RESULTS_ADMIN}:paper_ballot", "budget", "town"),
        paper_of("project"),
        lambda w: sorted(Ballot.objects.values_list("pk")),
        allowed="moderator",
        tampered=tampered(
            admin(f"{RESULTS_ADMIN}:paper_ballot", "budget", "town"), paper_of("twin_project")
        ),
    ),
    Mutation(
        "paper ballot, project of another envelope",
        admin(f"{RESULTS_ADMIN}:paper_ballot", "budget", "town"),
        paper_of("project"),
        lambda w: sorted(Ballot.objects.values_list("pk")),
        allowed="moderator",
        tampered=tampered(
            admin(f"{RESULTS_ADMIN}:paper_ballot", "budget", "town"), paper_of("centre_project")
        ),
    ),
    Mutation(
        "publish results",
        admin(f"{RESULTS_ADMIN}:publish", "closed"),
        lambda w: {"fingerprint": ballots_fingerprint(w.closed)},
        lambda w: (published("closed")(w), published("twin_budget")(w)),
        allowed="moderator",
        denied=STAFF,
        tampered=tampered(
            admin(f"{RESULTS_ADMIN}:publish", "twin_budget"),
            lambda w: {"fingerprint": ballots_fingerprint(w.twin_budget)},
        ),
    ),
    Mutation(
        "withdraw results",
        admin(f"{RESULTS_ADMIN}:withdraw", "results"),
        lambda w: {},
        published("results"),
        allowed="moderator",
        denied=STAFF,
    ),
]

EMAILS = []

BAD_ADDRESSES = [
    BadAddress("project of another budget", sub("budget", "project_detail", "twin_project")),
    BadAddress("unreviewed project", sub("budget", "project_detail", "hidden_project")),
    BadAddress(
        "unreviewed project, another resident",
        sub("budget", "project_detail", "hidden_project"),
        role="resident",
    ),
    BadAddress("huge project id", lambda w: w.budget.url + f"projects/{HUGE}/"),
    BadAddress("negative project id", lambda w: w.budget.url + "projects/-1/"),
    BadAddress(
        "envelope of another budget",
        sub("budget", "vote_envelope", "twin_envelope"),
        role="resident",
    ),
    BadAddress("huge envelope id", lambda w: w.budget.url + f"vote/{HUGE}/", role="resident"),
    BadAddress("negative envelope id", lambda w: w.budget.url + "vote/-1/", role="resident"),
    BadAddress(
        "receipt of another ballot",
        lambda w: w.budget.url + f"vote/receipt/{w.stranger_ballot.receipt}/",
        role="author",
    ),
    BadAddress(
        "receipt of a paper ballot",
        lambda w: w.budget.url + f"vote/receipt/{w.paper_ballot.receipt}/",
        role="author",
    ),
    BadAddress(
        "made-up receipt", lambda w: w.budget.url + "vote/receipt/0123456789ABCDEF/", role="author"
    ),
    BadAddress(
        "receipt of another budget",
        lambda w: w.closed.url + f"vote/receipt/{w.ballot.receipt}/",
        role="author",
    ),
    BadAddress(
        "pb export, envelope of another budget",
        lambda w: w.results.url + f"export/pb/?envelope={w.twin_envelope.pk}",
    ),
    BadAddress("pb export, unpublished", sub("closed", "export_pb")),
    BadAddress("results json, unpublished", sub("closed", "results_json")),
    BadAddress("results.json, unpublished", lambda w: w.closed.url + "results.json"),
    BadAddress("unknown file", lambda w: w.results.url + "results.csv"),
    BadAddress("draft budget", lambda w: f"/participate/{w.draft_budget.slug}/"),
    BadAddress(
        "draft budget's results.json", lambda w: f"/participate/{w.draft_budget.slug}/results.json"
    ),
    BadAddress(
        "admin project of another team",
        admin(f"{PROJECTS_ADMIN}:edit", "twin_project"),
        role="moderator",
    ),
    BadAddress(
        "admin inspect project of another team",
        admin(f"{PROJECTS_ADMIN}:inspect", "twin_project"),
        role="moderator",
    ),
    BadAddress(
        "admin ballot of another team",
        admin(f"{BALLOTS_ADMIN}:inspect", "twin_paper_ballot"),
        role="moderator",
    ),
    BadAddress(
        "admin results of another team",
        admin(f"{RESULTS_ADMIN}:results", "twin_budget"),
        role="moderator",
        status=(403, 404),
    ),
    BadAddress(
        "admin paper ballots of another team",
        admin(f"{RESULTS_ADMIN}:paper_ballot_envelopes", "twin_budget"),
        role="moderator",
        status=(403, 404),
    ),
    BadAddress(
        "admin paper ballot, envelope of another budget",
        admin(f"{RESULTS_ADMIN}:paper_ballot", "budget", "twin_envelope"),
        role="moderator",
    ),
    BadAddress(
        "admin results, huge page id",
        admin(f"{RESULTS_ADMIN}:results", int(HUGE)),
        role="moderator",
        status=(403, 404),
    ),
]

RESIDENT_TEXT = [
    ResidentText("participation_budgets.BudgetProject.title"),
    ResidentText("participation_budgets.BudgetProject.description", multiline=True),
    ResidentText("participation_budgets.BudgetProject.location"),
    ResidentText("participation_budgets.BudgetProject.proposer_name"),
]

NOT_RESIDENT_TEXT = {
    "participation_budgets.BudgetProject.public_reason": "the reviewing staff write it",
    "participation_budgets.BudgetProject.review_notes": "the reviewing staff write it",
    "participation_budgets.BudgetProject.external_id": "from a Pabulib file or made by the site",
    "participation_budgets.Ballot.paper_reference": "the staff entering paper ballots type it",
    "participation_budgets.Ballot.receipt": "made by the site",
}
