"""Journey: a resident submits a budget project; an editor reviews it; residents vote; the editor
publishes the results; the results page shows the winners.

The editor works in the Wagtail admin through the browser: creates the budget page (a knapsack
ballot, one town-wide envelope of 50 000 EUR), enters two projects received on paper, reviews the
resident's project and publishes the results. Residents use the public pages only, each in their
own browser context and with their own account. A real budget spans weeks: the only shortcut is
`move_phases`, which moves the phase dates (as a new published revision of the page) to go from
submission to vote and from vote to results.
"""

import re
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from playwright.sync_api import expect

from .conftest import log_in

PARIS = ZoneInfo("Europe/Paris")
ENVELOPE = 50_000
# (title, cost) of the resident's project and of the two projects the editor enters from paper.
RESIDENT_COST = 30_000
PAPER_PROJECTS = [("Des bancs au bord du canal", 25_000), ("Une boîte à livres", 10_000)]


def amount(value):
    """A regex for an amount as the site prints it: "30 000 EUR" (any space as separator)."""
    thousands, units = divmod(value, 1000)
    return rf"{thousands}\s?{units:03d}\s(EUR|€)" if thousands else rf"{units}\s(EUR|€)"


def admin_datetime(moment):
    return moment.astimezone(PARIS).strftime("%Y-%m-%d %H:%M")


def type_date(page, field_id, moment):
    """Type a date in the admin's date-time field without focusing it: on focus, its picker
    opens, stays open when the focus moves on, and covers the buttons below."""
    page.locator(f"#{field_id}").evaluate(
        "(input, value) => input.value = value", admin_datetime(moment)
    )


def create_budget_in_admin(page, title):
    """The editor adds a participatory budget under "Participer" and publishes it; returns the
    public URL of the new page."""
    page.goto("/admin/pages/")
    page.get_by_role("link", name="Explorer les sous-pages de « Villebrune »").click()
    page.get_by_role("link", name="Explorer les sous-pages de « Participer »").click()
    page.get_by_role("link", name="Ajouter une sous-page").first.click()
    page.get_by_role("link", name=re.compile("^Budget participatif")).click()
    expect(page).to_have_url(re.compile(r"/admin/pages/add/participation_budgets/budgetpage/"))

    page.locator("#id_title").fill(title)
    page.locator('[data-contentpath="impact_statement"] [contenteditable="true"]').fill(
        "Les projets retenus par les habitants seront réalisés l'année prochaine."
    )
    now = datetime.now(PARIS)
    phases = [
        ("contribution", now - timedelta(days=1), now + timedelta(days=14)),
        ("deliberation", now + timedelta(days=14), now + timedelta(days=28)),
        ("vote", now + timedelta(days=28), now + timedelta(days=42)),
        ("results", now + timedelta(days=42), None),
    ]
    for number, (kind, start, end) in enumerate(phases):
        page.get_by_role("button", name="Ajouter un(e) Phase").click()
        page.locator(f"#id_participation_phases-{number}-kind").select_option(kind)
        type_date(page, f"id_participation_phases-{number}-starts_at", start)
        if end is not None:
            type_date(page, f"id_participation_phases-{number}-ends_at", end)
    page.locator("#id_envelopes-0-amount").fill(str(ENVELOPE))
    page.locator("#id_ballot_kind").select_option("knapsack")
    page.locator("footer .w-dropdown__toggle").first.click()
    page.get_by_role("button", name="Publier", exact=True).click()
    expect(page.locator(".messages")).to_contain_text(title)
    # Wagtail's success message links to the live page.
    link = page.locator(".messages").get_by_role("link", name="Visualiser la version publiée")
    return link.first.get_attribute("href")


def move_phases(demo_site, title, **windows):
    """Set-up shortcut: the phase of each kind now runs over (start, end) hours from now, saved as
    a new published revision, as an editor would after weeks have passed."""
    demo_site.shell(
        "from datetime import timedelta\n"
        "from django.utils import timezone\n"
        "from wagtail_participation.budgets.models import BudgetPage\n"
        f"page = BudgetPage.objects.get(title={title!r})\n"
        f"windows = {windows!r}\n"
        "now = timezone.now()\n"
        "phases = list(page.participation_phases.all())\n"
        "for phase in phases:\n"
        "    start, end = windows[phase.kind]\n"
        "    phase.starts_at = now + timedelta(hours=start)\n"
        "    phase.ends_at = None if end is None else now + timedelta(hours=end)\n"
        "page.participation_phases = phases\n"
        "page.save_revision().publish()\n"
    )


def submit_project(page, checked, budget_url, title):
    """A resident submits a project: first empty (errors), then valid."""
    page.goto(budget_url)
    checked(page, "budget-page-submission-open")
    page.get_by_role("link", name="Déposer un projet").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Déposer un projet")
    checked(page, "submit-form")

    page.get_by_role("button", name="Envoyer mon projet").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Veuillez corriger les points suivants")
    expect(summary.get_by_role("link", name=re.compile("Titre du projet"))).to_be_visible()
    expect(summary.get_by_role("link", name=re.compile("Coût estimé"))).to_be_visible()
    expect(page.get_by_label("Titre du projet")).to_have_attribute("aria-invalid", "true")
    checked(page, "submit-form-errors")

    # Following the error's link puts the keyboard focus in the field.
    summary.get_by_role("link", name=re.compile("Titre du projet")).click()
    expect(page.get_by_label("Titre du projet")).to_be_focused()
    page.get_by_label("Titre du projet").fill(title)
    page.get_by_label("Description").fill(
        "Un composteur partagé au pied des immeubles, entretenu par les voisins volontaires."
    )
    page.get_by_label("Coût estimé").fill("30 000")
    page.get_by_label("Localisation").fill("Square Pasteur")
    page.get_by_role("button", name="Envoyer mon projet").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.get_by_text("Merci ! Votre projet a été envoyé")).to_be_visible()
    expect(page.get_by_text("Votre projet est en attente d'étude.")).to_be_visible()
    checked(page, "submitted-project-waiting-for-review")
    return page.url.split("#")[0]


def review_project(page, budget_title, title):
    """The editor puts the resident's project on the ballot, from the budget's projects."""
    page.goto("/admin/participation/budgets/results/")
    budget_row = page.get_by_role("row").filter(has_text=budget_title)
    budget_row.get_by_role("link", name="Projets", exact=True).click()
    page.get_by_role("link", name=title).click()
    expect(page.locator("#id_status")).to_have_value("submitted")
    page.locator("#id_status").select_option(label="Soumis au vote")
    page.locator("#id_public_reason").fill(
        "Projet réalisable : le service des espaces verts l'a chiffré à 30 000 €."
    )
    page.get_by_role("button", name="Enregistrer").first.click()
    expect(page.locator(".messages")).to_contain_text(title)


def add_paper_project(page, budget_title, title, cost):
    """The editor enters a project received on paper, straight onto the ballot."""
    page.goto("/admin/participation/budgets/results/")
    page.get_by_role("link", name=f"Résultats de « {budget_title} »").click()
    page.get_by_role("link", name="Ajouter un projet proposé sur papier").click()
    expect(page.locator("#id_page")).to_have_value(re.compile(r"\d+"))
    # Added from the budget's own screen: only its envelopes are offered.
    envelope = page.locator("#id_envelope")
    expect(envelope.locator("option", has_text="Budget citoyen 2027")).to_have_count(0)
    envelope.select_option(label="Toute la ville")
    page.locator("#id_title").fill(title)
    page.locator("#id_description").fill(f"{title}, proposé sur papier à la mairie.")
    page.locator("#id_estimated_cost").fill(str(cost))
    page.locator("#id_status").select_option(label="Soumis au vote")
    page.get_by_role("button", name="Créer").click()
    expect(page.locator(".messages")).to_contain_text(title)


def vote(page, checked, budget_url, name, choose, first_try=None):
    """A resident votes online: ballot, (a refused choice,) confirmation, receipt."""
    page.goto(budget_url)
    checked(page, f"{name}-budget-page-vote-open")
    page.get_by_role("link", name="Voter", exact=True).click()
    ballot = page.get_by_role("group", name=re.compile("Projets de"))
    expect(ballot).to_be_visible()
    expect(
        page.get_by_text(re.compile("Vos choix doivent tenir dans " + amount(ENVELOPE)))
    ).to_be_visible()
    checked(page, f"{name}-ballot")
    status = page.get_by_role("status").filter(has_text="Vos choix")

    if first_try:
        for title, _cost in first_try:
            ballot.get_by_label(title).check()
        over = sum(cost for title, cost in first_try) - ENVELOPE
        expect(status).to_have_text(re.compile(f"soit {amount(over)} de plus"))
        page.get_by_role("button", name="Vérifier mes choix").click()
        errors = page.get_by_role("alert")
        expect(errors).to_contain_text("Votre bulletin doit être corrigé")
        total = sum(cost for _title, cost in first_try)
        expect(errors.get_by_role("link")).to_have_text(
            re.compile(
                f"coûtent {amount(total)} au total, plus que l'enveloppe de {amount(ENVELOPE)}"
            )
        )
        checked(page, f"{name}-ballot-over-budget")
        # The ticked boxes are kept: the voter unticks what does not fit.
        for title, _cost in first_try:
            expect(ballot.get_by_label(title)).to_be_checked()
            if title not in [t for t, _ in choose]:
                ballot.get_by_label(title).uncheck()

    for title, _cost in choose:
        ballot.get_by_label(title).check()
    total = sum(cost for _title, cost in choose)
    expect(status).to_have_text(
        re.compile(
            f"Vos choix : {amount(total)} sur .* Reste à dépenser : {amount(ENVELOPE - total)}"
        )
    )
    page.get_by_role("button", name="Vérifier mes choix").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Vérifiez vos choix avant de voter")
    for title, _cost in choose:
        expect(page.get_by_role("main").get_by_text(title)).to_be_visible()
    checked(page, f"{name}-confirm")
    page.get_by_role("button", name="Confirmer mon vote").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Merci : votre vote est enregistré")
    receipt = page.get_by_text(re.compile(r"^Votre numéro de récépissé"))
    expect(receipt).to_have_text(re.compile(r"[0-9A-F]{16}$"))
    for title, _cost in choose:
        expect(page.get_by_role("main").get_by_text(title)).to_be_visible()
    checked(page, f"{name}-receipt")


def publish_results(page, budget_title):
    page.goto("/admin/participation/budgets/results/")
    page.get_by_role("link", name=f"Résultats de « {budget_title} »").click()
    expect(page.get_by_text("Non publiés")).to_be_visible()
    page.get_by_role("link", name="Publier les résultats").click()
    page.get_by_role("button", name="Oui, publier les résultats").click()
    expect(page.locator(".messages")).to_contain_text(
        f"Les résultats de « {budget_title} » sont publiés."
    )


def test_budget_from_submission_to_results(page, new_page, checked, demo_site):
    suffix = uuid.uuid4().hex[:6]
    budget_title = f"Budget des jeunes {suffix}"
    project_title = f"Un composteur partagé {suffix}"
    paper = [(f"{title} {suffix}", cost) for title, cost in PAPER_PROJECTS]
    benches, book_box = paper
    mine = (project_title, RESIDENT_COST)

    # 1. The editor creates the budget, open for submissions.
    editor = new_page()
    log_in(editor, "admin", demo_site.password)
    budget_url = create_budget_in_admin(editor, budget_title)

    # 2. A resident submits a project; nobody else sees it before the review.
    proposer = demo_site.make_resident(f"proposer{suffix}")
    log_in(page, proposer, demo_site.password)
    project_url = submit_project(page, checked, budget_url, project_title)
    page.goto(budget_url)
    expect(page.get_by_role("link", name=project_title)).to_be_visible()
    expect(page.get_by_text("Vos projets en attente d'étude")).to_be_visible()
    checked(page, "budget-page-own-submission")

    visitor = new_page()
    visitor.goto(budget_url)
    expect(visitor.get_by_role("heading", level=1)).to_have_text(budget_title)
    expect(visitor.get_by_text(project_title)).to_have_count(0)
    checked(visitor, "budget-page-before-review")
    assert visitor.goto(project_url).status == 404
    checked(visitor, "project-not-found-before-review")

    # 3. The editor enters two projects received on paper and reviews the resident's one.
    for title, cost in paper:
        add_paper_project(editor, budget_title, title, cost)
    review_project(editor, budget_title, project_title)
    visitor.goto(project_url)
    expect(visitor.get_by_role("heading", level=1)).to_have_text(project_title)
    expect(visitor.get_by_text("Soumis au vote").first).to_be_visible()
    checked(visitor, "project-on-the-ballot")

    # Weeks later: submission and review are over, the vote is open.
    move_phases(
        demo_site,
        budget_title,
        contribution=(-24 * 40, -24 * 30),
        deliberation=(-24 * 30, -1),
        vote=(-1, 24 * 14),
        results=(24 * 14, None),
    )

    # 4. Three residents vote; one first chooses more than the envelope holds.
    ballots = [
        ("voter1", [mine, book_box], None),
        ("voter2", [mine, book_box], None),
        ("voter3", [benches, book_box], [mine, benches]),
    ]
    for name, choose, first_try in ballots:
        voter = new_page()
        log_in(voter, demo_site.make_resident(f"{name}{suffix}"), demo_site.password)
        vote(voter, checked, budget_url, name, choose, first_try)

    # Two weeks later: the vote is over.
    move_phases(
        demo_site,
        budget_title,
        contribution=(-24 * 60, -24 * 50),
        deliberation=(-24 * 50, -24 * 20),
        vote=(-24 * 20, -1),
        results=(-1, None),
    )

    # 5. The editor publishes the results.
    publish_results(editor, budget_title)

    # 6. The results page: the book box (3 votes) and the resident's project (2 votes) are
    # funded; the benches (1 vote) no longer fit in the 10 000 EUR left.
    page.goto(budget_url)
    checked(page, "budget-page-results-published")
    page.get_by_role("link", name="Voir les résultats").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Résultats de « {budget_title} »")
    expect(page.get_by_role("figure")).to_contain_text("Votes par projet")
    table = page.get_by_role("table", name=re.compile("Projets, dans l'ordre"))
    rows = table.get_by_role("row")
    expect(rows).to_have_count(4)
    expected = [
        (book_box[0], "3", "Oui"),
        (project_title, "2", "Oui"),
        (benches[0], "1", "Non"),
    ]
    for position, (title, votes, funded) in enumerate(expected, start=1):
        cells = rows.nth(position).get_by_role("cell")
        expect(rows.nth(position).get_by_role("rowheader")).to_have_text(title)
        expect(cells.nth(2)).to_have_text(votes)
        expect(cells.nth(-2)).to_have_text(funded)
    expect(rows.nth(3)).to_contain_text(re.compile(amount(ENVELOPE - 40_000)))
    checked(page, "results")

    # The proposer's project page says it was selected.
    page.goto(project_url)
    expect(page.get_by_text("Retenu").first).to_be_visible()
    checked(page, "project-selected")
