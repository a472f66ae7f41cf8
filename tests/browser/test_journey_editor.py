"""Journey: an editor assembles each page type in the Wagtail admin from scratch and publishes it.

The city's communication team logs in to the Wagtail admin (in French) and, under the demo's
participation index ("/participer/"), builds through the page editor a consultation, a
participatory budget with two envelopes, a neighbourhood committee calendar with a weekly
meeting, and a restitution reporting on the consultation and the budget. They fill every required
field and a realistic set of optional ones: phases and envelopes (InlinePanels), neighbourhoods,
themes, StreamField blocks, rich text, choosers. Publishing without saying what contributions
will change is refused with the error shown on the field. After each publication a resident,
not logged in, opens the public page and finds what the editor typed; each public page goes
through `checked` (the admin's own pages are Wagtail's, not checked here).
"""

import re
import uuid
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from playwright.sync_api import expect

PARIS = ZoneInfo("Europe/Paris")
MONTHS = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
]
WEEKDAYS = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]
STANDARD_SECTIONS = [
    "Contexte et question posée",
    "Comment les habitants ont participé",
    "Ce que nous avons entendu",
    "Ce que nous avons décidé et pourquoi",
    "Les prochaines étapes",
]
PUBLISHED = re.compile(r"publiée", re.IGNORECASE)
ERRORS_BANNER = re.compile(
    "La page ne peut être (créée|enregistrée) du fait d'erreurs de validation"
)


# Dates, as the editor types them and as residents read them --------------------------------


def at(day_offset, hour, minute=0):
    today = datetime.now(PARIS).date()
    return datetime.combine(today + timedelta(days=day_offset), time(hour, minute), PARIS)


def typed(moment):
    """The format of Wagtail's date and time fields."""
    return moment.strftime("%Y-%m-%d %H:%M")


def french_date(day):
    """Django's French DATE_FORMAT ("j F Y"): 3 novembre 2026."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def digits(text):
    """Amounts without their (narrow, non-breaking) group separators."""
    return re.sub(r"\s", "", text)


# The admin, as an editor works it --------------------------------------------------------------


def admin_log_in(page, password):
    page.goto("/admin/login/")
    page.get_by_label(re.compile("Nom d.utilisateur")).fill("admin")
    # Wagtail's login form leaves its password field's label to Django's default, the field
    # name, which gettext does not see: "Password", even in French.
    page.get_by_label(re.compile("Mot de passe|Password")).fill(password)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(lambda url: "/admin/login/" not in url)
    # The admin speaks French to this editor: every selector below relies on it.
    expect(page.locator("html")).to_have_attribute("lang", "fr")


def explore(page, title):
    """From the listing the editor is on, open the child pages of the page called `title`."""
    page.get_by_role(
        "link", name=re.compile(rf"Explorer les sous-pages de «\s*{re.escape(title)}\s*»")
    ).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(title)


def open_participation_index(page):
    page.goto("/admin/pages/")
    explore(page, "Villebrune")
    explore(page, "Participer")


def start_page(page, page_type):
    """On the explorer of the parent page: "Ajouter une sous-page", then the page type."""
    actions = page.get_by_role("navigation", name="Actions", exact=True)
    actions.get_by_role("link", name="Ajouter une sous-page").click()
    page.get_by_role("link", name=page_type, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Nouveau: {page_type}")


def region(scope, name):
    return scope.get_by_role("region", name=name, exact=True)


def textbox(scope, name):
    return scope.get_by_role("textbox", name=name, exact=True)


def write_rich_text(editor, text):
    """Type into a Draftail editor (rich text field or block)."""
    editor.click()
    editor.press_sequentially(text)
    expect(editor).to_have_text(text)
    # Draftail copies its content to the form's hidden input a moment later: wait for it, as
    # an editor who does not click "Publish" in the same instant.
    stored = editor.locator(
        "xpath=ancestor::div[contains(@class, 'Draftail-Editor__wrapper')]"
        "/preceding-sibling::input[@type='hidden'][1]"
    )
    expect(stored).to_have_value(re.compile(re.escape(text)))


def without_autosave(page):
    """Save only when the editor clicks, as with Wagtail's autosave switched off.

    Wagtail 8 autosaves the form half a second after each change. A test types far faster than
    an editor, so its clicks race those background saves, and the run stops depending on the
    product: a phase row saved twice (then a server error on publishing), a refused
    publication followed by a warning about "a new version saved in another window". The
    autosave requests are dropped; the forms, their validation and publishing are unchanged."""

    def route(request_route):
        request = request_route.request
        if request.method == "POST" and request.resource_type in ("fetch", "xhr"):
            return request_route.abort()
        return request_route.continue_()

    page.route(re.compile(r"/admin/pages/(add/.*|\d+/edit/)$"), route)


def add_inline(panel, button, heading):
    """Click an InlinePanel's "Ajouter un(e) ..." button and return the new child's panel."""
    panel.get_by_role("button", name=button).click()
    child = panel.get_by_role("region", name=heading, exact=True)
    expect(child).to_be_visible()
    return child


def add_phase(page, number, kind, starts_at, ends_at=None, title="", description=""):
    phase = add_inline(region(page, "Phases"), "Ajouter un(e) Phase", f"Phase {number}")
    phase.get_by_role("combobox", name="Type*").select_option(label=kind)
    if title:
        textbox(phase, "Titre").fill(title)
    textbox(phase, "Début*").fill(typed(starts_at))
    if ends_at:
        textbox(phase, "Fin").fill(typed(ends_at))
    # Leaving the date field closes its date picker.
    textbox(phase, "Description").click()
    if description:
        textbox(phase, "Description").fill(description)


def fill_themes(page, themes):
    tag_input = region(page, "Quartiers et thèmes").get_by_role("listitem").get_by_role("textbox")
    for theme in themes:
        tag_input.click()
        tag_input.press_sequentially(theme)
        tag_input.press("Enter")
    for theme in themes:
        expect(
            region(page, "Quartiers et thèmes").get_by_role("listitem").filter(has_text=theme)
        ).to_have_count(1)


def fill_contact(page, name, email, phone):
    contact = region(page, "Contact")
    textbox(contact, "Nom du contact").fill(name)
    textbox(contact, "E-mail du contact").fill(email)
    textbox(contact, "Téléphone du contact").fill(phone)


def set_slug(page, slug):
    page.get_by_role("tab", name=re.compile("^Promotion")).click()
    textbox(page, "Slug*").fill(slug)
    page.get_by_role("tab", name=re.compile("^Contenu")).click()


def choose_page(page, button, title):
    """A page chooser: search the page by its title in the modal, then pick it."""
    button.click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_role("textbox", name="Terme de recherche").fill(title)
    dialog.get_by_role("link", name=title, exact=True).click()
    expect(dialog).to_be_hidden()


def click_publish(page):
    page.get_by_role("button", name="Plus d'actions").click()
    page.get_by_role("button", name="Publier", exact=True).click()


def publish(page, title):
    click_publish(page)
    expect(page.get_by_role("status").filter(has_text=PUBLISHED)).to_contain_text(title)


def visit(new_page, path):
    """The public page, as a resident who is not logged in sees it."""
    visitor = new_page()
    response = visitor.goto(path)
    assert response.status == 200, f"{path} answered {response.status}"
    return visitor


def expect_phase(visitor, title, period, current=False):
    phases = visitor.get_by_role("region", name="Phases")
    item = phases.get_by_role("listitem").filter(
        has=visitor.get_by_role("heading", name=title, exact=True)
    )
    expect(item).to_contain_text(period)
    if current:
        expect(item).to_have_attribute("aria-current", "step")
        expect(item).to_contain_text("(phase en cours)")
    else:
        expect(item).not_to_have_attribute("aria-current", "step")


# The journey -----------------------------------------------------------------------------------


def test_editor_assembles_and_publishes_each_page_type(page, new_page, checked, demo_site):
    suffix = uuid.uuid4().hex[:6]
    without_autosave(page)
    admin_log_in(page, demo_site.password)

    consultation = create_consultation(page, new_page, checked, suffix)
    budget = create_budget(page, new_page, checked, suffix)
    create_calendar_and_meeting(page, new_page, checked, suffix, consultation)
    create_restitution(page, new_page, checked, suffix, consultation, budget)


def create_consultation(page, new_page, checked, suffix):
    title = f"Réaménagement du parc des Tilleuls {suffix}"
    slug = f"parc-des-tilleuls-{suffix}"
    impact = "Vos idées décideront de trois aménagements, financés à hauteur de 80 000 euros."
    information = (at(-20, 9), at(-5, 18))
    contributions = (at(-4, 9), at(30, 18))
    results = at(45, 9)

    open_participation_index(page)
    start_page(page, "Concertation")
    textbox(page, "Titre*").fill(title)
    textbox(page, "Résumé").fill("Le parc des Tilleuls sera réaménagé : proposez vos idées.")
    textbox(page, "Introduction").fill("Le parc a trente ans ; ses allées et ses jeux s'usent.")

    body = region(page, "Contenu")
    body.get_by_role("button", name="Insérer un bloc").click()
    body.get_by_role("option", name="Intertitre").click()
    body.get_by_role("region", name=re.compile("^Intertitre")).get_by_role("textbox").fill(
        "Ce qui est prévu"
    )
    body.get_by_role("button", name="Insérer un bloc").last.click()
    body.get_by_role("option", name="Paragraphe").click()
    write_rich_text(
        body.get_by_role("region", name=re.compile("^Paragraphe")).get_by_role("textbox"),
        "Les travaux commenceront au printemps 2027.",
    )

    add_phase(page, 1, "Information", *information)
    add_phase(
        page,
        2,
        "Contributions",
        *contributions,
        title="Vos idées pour le parc",
        description="Déposez vos idées en ligne ou à la mairie annexe.",
    )
    add_phase(page, 3, "Résultats", results)

    neighbourhoods = region(page, "Quartiers et thèmes")
    neighbourhoods.get_by_role("checkbox", name="Les Prés").check()
    neighbourhoods.get_by_role("checkbox", name="Bois-Joli").check()
    fill_themes(page, ["Espaces verts", "Jeux"])

    who = region(page, "Qui peut participer")
    who.get_by_role("spinbutton", name="Âge minimum").fill("12")
    who.get_by_role("combobox", name="Codes de participation*").select_option(
        label="Un compte ou un code de participation"
    )
    who.get_by_role("checkbox", name="Habitants de la ville uniquement").check()
    fill_contact(page, "Service des espaces verts", "parcs@villebrune.example", "0321000011")

    contributions_panel = region(page, "Contributions")
    contributions_panel.get_by_role("combobox", name="Modération*").select_option(
        label="Après publication (modération a posteriori)"
    )
    contributions_panel.get_by_role(
        "spinbutton", name="Soutiens nécessaires pour une réponse officielle"
    ).fill("25")

    questionnaire = region(page, "Questionnaire")
    textbox(questionnaire, "Introduction du questionnaire").fill("Une question, une minute.")
    question = add_inline(questionnaire, "Ajouter un(e) Question", "Question 1")
    question.get_by_role("combobox", name="Type*").select_option(label="Choix unique")
    textbox(question, "Question*").fill("Que faut-il d'abord rénover ?")
    textbox(question, "Choix").fill("Les jeux\nLes allées\nL'éclairage")
    set_slug(page, slug)

    # Publishing without saying what contributions will change is refused, on that field.
    click_publish(page)
    expect(page.get_by_role("status").filter(has_text=ERRORS_BANNER)).to_be_visible()
    impact_panel = region(page, "Ce que les contributions vont changer*")
    expect(impact_panel).to_contain_text("Champ requis.")
    expect(page.get_by_role("tab", name="Contenu (1 erreur)")).to_be_visible()
    # What the editor typed is still there.
    expect(textbox(page, "Titre*")).to_have_value(title)
    expect(region(page, "Phases").get_by_role("region", name=re.compile("^Phase"))).to_have_count(3)

    write_rich_text(impact_panel.get_by_role("textbox"), impact)
    publish(page, title)

    visitor = visit(new_page, f"/participer/{slug}/")
    expect(visitor).to_have_title(re.compile(re.escape(title)))
    header = visitor.locator(".participation-header")
    expect(header.get_by_role("heading", level=1)).to_have_text(title)
    expect(header).to_contain_text("Concertation")
    expect(header).to_contain_text("Le parc des Tilleuls sera réaménagé : proposez vos idées.")
    expect(header).to_contain_text("Bois-Joli, Les Prés")
    expect(header).to_contain_text("Espaces verts")
    expect(header).to_contain_text("Jeux")
    main = visitor.get_by_role("main")
    expect(main).to_contain_text("Le parc a trente ans")
    expect(main).to_contain_text(impact)
    expect(main.get_by_role("heading", name="Ce qui est prévu")).to_be_visible()
    expect(main).to_contain_text("Les travaux commenceront au printemps 2027.")
    expect_phase(
        visitor,
        "Information",
        f"du {french_date(information[0])} au {french_date(information[1])}",
    )
    expect_phase(
        visitor,
        "Vos idées pour le parc",
        f"du {french_date(contributions[0])} au {french_date(contributions[1])}",
        current=True,
    )
    expect_phase(visitor, "Résultats", f"à partir du {french_date(results)}")
    expect(main).to_contain_text("Déposez vos idées en ligne ou à la mairie annexe.")
    expect(main).to_contain_text("Service des espaces verts")
    who = main.get_by_role("region", name="Qui peut participer")
    expect(who).to_contain_text("ou un code de participation")
    expect(who).to_contain_text("À partir de l'année de leurs 12 ans.")
    expect(who).to_contain_text("Uniquement les personnes qui habitent dans la ville.")
    checked(visitor, "consultation")
    return {"title": title, "slug": slug}


def create_budget(page, new_page, checked, suffix):
    title = f"Budget citoyen des Prés {suffix}"
    slug = f"budget-citoyen-des-pres-{suffix}"
    submissions = (at(-10, 9), at(20, 18))
    vote = (at(30, 9), at(45, 18))
    results = at(50, 9)

    open_participation_index(page)
    start_page(page, "Budget participatif")
    textbox(page, "Titre*").fill(title)
    textbox(page, "Résumé").fill("85 000 euros pour les projets des habitants.")
    textbox(page, "Introduction").fill("Proposez un projet d'intérêt général, puis votez.")
    write_rich_text(
        region(page, "Contenu").get_by_role("textbox"),
        "Les projets retenus sont réalisés dans les deux ans.",
    )
    write_rich_text(
        region(page, "Ce que les contributions vont changer*").get_by_role("textbox"),
        "Les projets les plus votés seront financés, dans la limite des enveloppes.",
    )
    add_phase(page, 1, "Contributions", *submissions, title="Dépôt des projets")
    add_phase(page, 2, "Vote", *vote)
    add_phase(page, 3, "Résultats", results)

    envelopes = region(page, "Enveloppes")
    expect(textbox(envelopes, "Devise*")).to_have_value("EUR")
    # The first envelope is there from the start (at least one is required): the whole town.
    town = envelopes.get_by_role("region", name="Enveloppe 1", exact=True)
    town.get_by_role("spinbutton", name="Montant*").fill("60000")
    neighbourhood = add_inline(envelopes, "Ajouter un(e) Enveloppe", "Enveloppe 2")
    neighbourhood.get_by_role("button", name="Choisir quartier").click()
    chooser = page.get_by_role("dialog")
    chooser.get_by_role("link", name="Les Prés", exact=True).click()
    expect(chooser).to_be_hidden()
    expect(neighbourhood).to_contain_text("Les Prés")
    neighbourhood.get_by_role("spinbutton", name="Montant*").fill("25000")
    textbox(neighbourhood, "Nom").fill("Quartier des Prés")

    submission = region(page, "Dépôt des projets")
    submission.get_by_role("spinbutton", name="Coût maximal d'un projet").fill("15000")
    ballot = region(page, "Bulletin de vote")
    ballot.get_by_role("combobox", name="Type de bulletin*").select_option(index=1)
    ballot.get_by_role("spinbutton", name="Nombre maximum de projets").fill("5")

    region(page, "Quartiers et thèmes").get_by_role("checkbox", name="Les Prés").check()
    fill_themes(page, ["Cadre de vie"])
    fill_contact(page, "Mission budget citoyen", "budget@villebrune.example", "0321000012")
    set_slug(page, slug)
    publish(page, title)

    visitor = visit(new_page, f"/participer/{slug}/")
    main = visitor.get_by_role("main")
    expect(main.get_by_role("heading", level=1)).to_have_text(title)
    expect(main).to_contain_text("Budget participatif")
    expect(main).to_contain_text("85 000 euros pour les projets des habitants.")
    expect(main).to_contain_text("Les projets les plus votés seront financés")
    expect(main).to_contain_text("Les projets retenus sont réalisés dans les deux ans.")
    expect(main).to_contain_text("Cadre de vie")
    expect_phase(
        visitor,
        "Dépôt des projets",
        f"du {french_date(submissions[0])} au {french_date(submissions[1])}",
        current=True,
    )
    expect_phase(visitor, "Vote", f"du {french_date(vote[0])} au {french_date(vote[1])}")
    expect_phase(visitor, "Résultats", f"à partir du {french_date(results)}")
    table = main.get_by_role("table")
    expect(table.get_by_role("rowheader", name="Toute la ville")).to_be_visible()
    expect(table.get_by_role("rowheader", name="Quartier des Prés")).to_be_visible()
    rows = {
        row.get_by_role("rowheader").inner_text(): digits(row.get_by_role("cell").inner_text())
        for row in table.get_by_role("row").all()
        if row.get_by_role("cell").count()
    }
    assert rows["Toute la ville"].startswith("60000"), rows
    assert rows["Quartier des Prés"].startswith("25000"), rows
    assert rows["Total"].startswith("85000"), rows
    expect(main.get_by_role("link", name="Déposer un projet")).to_be_visible()
    checked(visitor, "budget")
    return {"title": title, "slug": slug}


def create_calendar_and_meeting(page, new_page, checked, suffix, consultation):
    title = f"Comité de quartier des Tilleuls {suffix}"
    slug = f"comite-des-tilleuls-{suffix}"
    committee = f"Comité des Tilleuls {suffix}"

    open_participation_index(page)
    start_page(page, "Calendrier de comité")
    textbox(page, "Titre*").fill(title)
    textbox(page, "Comité").fill(committee)
    region(page, "Quartiers").get_by_role("listbox", name="Quartiers").select_option(
        label="Les Prés"
    )
    write_rich_text(
        region(page, "Description").get_by_role("textbox"),
        "Le comité réunit chaque semaine les habitants autour du parc.",
    )
    fill_contact(page, "Maison de quartier des Prés", "pres@villebrune.example", "0321000013")
    set_slug(page, slug)
    publish(page, title)

    # The meeting, a child of the calendar: a weekly committee, five Tuesdays.
    first = at(7, 18, 30)
    while first.weekday() != 1:
        first += timedelta(days=1)
    until = (first + timedelta(weeks=4)).date()
    meeting_title = f"Réunion du comité des Tilleuls {suffix}"
    meeting_slug = f"reunion-des-tilleuls-{suffix}"
    # Back on the index's listing after publishing: the calendar's row offers to add a child.
    page.get_by_role(
        "link", name=re.compile(rf"Ajouter une sous-page à «\s*{re.escape(title)}\s*»")
    ).click()
    # A calendar takes only meetings: the editor goes straight to the meeting form.
    expect(page.get_by_role("heading", level=1)).to_contain_text("Nouveau: Réunion")
    textbox(page, "Titre*").fill(meeting_title)
    page.get_by_role("combobox", name="Type*").select_option(label="Comité de quartier")
    page.get_by_role("combobox", name="Modalité*").select_option(label="En présentiel")
    textbox(page, "Début*").fill(typed(first))
    textbox(page, "Fin*").fill(typed(first + timedelta(hours=1, minutes=30)))
    repeats = region(page, "Récurrence")
    repeats.get_by_role("combobox", name="Récurrence").select_option(label="Chaque semaine")
    expect(repeats.get_by_role("spinbutton", name="Intervalle*")).to_have_value("1")
    textbox(repeats, "Jusqu'au").fill(until.isoformat())
    place = region(page, "Lieu")
    textbox(place, "Adresse").click()
    textbox(place, "Adresse").fill("Salle des fêtes, 2 rue des Tilleuls")
    textbox(place, "Comment s'y rendre").fill("Bus 4, arrêt Les Prés.")
    textbox(place, "Accessibilité").fill("Accès de plain-pied, boucle magnétique.")
    write_rich_text(
        region(page, "Ordre du jour").get_by_role("textbox"),
        "Point sur la concertation du parc.",
    )
    choose_page(
        page,
        region(page, "Page de participation liée").get_by_role(
            "button", name="Choisissez une page"
        ),
        consultation["title"],
    )
    registration = region(page, "Inscription")
    registration.get_by_role("combobox", name="Inscription").select_option(label="Sur ce site")
    registration.get_by_role("spinbutton", name="Places").fill("40")
    set_slug(page, meeting_slug)
    publish(page, meeting_title)

    visitor = visit(new_page, f"/participer/{slug}/{meeting_slug}/")
    main = visitor.get_by_role("main")
    expect(main.get_by_role("heading", level=1)).to_have_text(meeting_title)
    expect(main.get_by_role("link", name=committee)).to_be_visible()
    facts = main.locator("dl")
    expect(facts).to_contain_text("Comité de quartier")
    expect(facts).to_contain_text(f"{WEEKDAYS[first.weekday()]} {french_date(first)}")
    expect(facts).to_contain_text(f"Chaque semaine le mardi, jusqu'au {french_date(until)}")
    expect(facts).to_contain_text("Salle des fêtes, 2 rue des Tilleuls")
    expect(facts).to_contain_text("Accès de plain-pied, boucle magnétique.")
    next_meetings = main.get_by_role("region", name="Prochaines séances")
    expect(next_meetings.get_by_role("listitem")).to_have_count(5)
    expect(next_meetings.get_by_role("listitem").last).to_contain_text(
        f"mardi {french_date(until)}"
    )
    expect(main).to_contain_text("Point sur la concertation du parc.")
    expect(main.get_by_role("link", name=consultation["title"])).to_have_attribute(
        "href", re.compile(rf"/participer/{consultation['slug']}/$")
    )
    checked(visitor, "meeting")

    visitor.goto(f"/participer/{slug}/")
    main = visitor.get_by_role("main")
    expect(main.get_by_role("heading", level=1)).to_contain_text(title)
    expect(main).to_contain_text("Le comité réunit chaque semaine les habitants autour du parc.")
    expect(main.get_by_role("link", name=meeting_title).first).to_be_visible()
    checked(visitor, "calendar")


def create_restitution(page, new_page, checked, suffix, consultation, budget):
    title = f"Bilan du parc des Tilleuls {suffix}"
    slug = f"bilan-parc-des-tilleuls-{suffix}"

    open_participation_index(page)
    start_page(page, "Restitution")
    textbox(page, "Titre*").fill(title)
    textbox(page, "Résumé").fill("Nous avons demandé quoi rénover ; voici ce qui change.")

    sources = region(page, "Page participative liée")
    first = sources.get_by_role("region", name="Page participative liée 1", exact=True)
    choose_page(
        page, first.get_by_role("button", name="Choisissez une page"), consultation["title"]
    )
    expect(first).to_contain_text(consultation["title"])
    second = add_inline(
        sources, "Ajouter un(e) Page participative liée", "Page participative liée 2"
    )
    choose_page(page, second.get_by_role("button", name="Choisissez une page"), budget["title"])
    expect(second).to_contain_text(budget["title"])

    # The report starts from the standard structure: five sections, with their usual blocks.
    report = region(page, "Bilan")
    sections = report.get_by_role("textbox", name="intertitre*")
    expect(sections).to_have_count(5)
    for section, heading in zip(sections.all(), STANDARD_SECTIONS, strict=True):
        expect(section).to_have_value(heading)

    def block(heading):
        return (
            report.locator("section")
            .filter(has=page.get_by_role("heading", name=re.compile(f"^{heading}")))
            .last
        )

    write_rich_text(
        block("Texte").get_by_role("textbox"),
        "La ville a demandé aux habitants quoi rénover d'abord dans le parc.",
    )
    said_did = block("Vous avez dit, nous avons fait")
    said_did.get_by_role("button", name="Ajouter").click()
    textbox(said_did, "vous avez dit*").fill("Les jeux sont vétustes.")
    textbox(said_did, "nous avons fait*").fill("Une nouvelle aire de jeux ouvrira en juin.")
    set_slug(page, slug)
    publish(page, title)

    visitor = visit(new_page, f"/participer/{slug}/")
    main = visitor.get_by_role("main")
    expect(main.get_by_role("heading", level=1)).to_have_text(title)
    expect(main).to_contain_text("Nous avons demandé quoi rénover ; voici ce qui change.")
    for heading in STANDARD_SECTIONS:
        expect(main.get_by_role("heading", name=heading, exact=True)).to_be_visible()
    expect(main).to_contain_text("La ville a demandé aux habitants quoi rénover d'abord")
    expect(main).to_contain_text("Les jeux sont vétustes.")
    expect(main).to_contain_text("Une nouvelle aire de jeux ouvrira en juin.")
    for source in (consultation, budget):
        expect(main.get_by_role("link", name=source["title"]).first).to_have_attribute(
            "href", re.compile(rf"/participer/{source['slug']}/$")
        )
    # The timeline reads the phases of the linked pages.
    expect(main).to_contain_text("Vos idées pour le parc")
    expect(main).to_contain_text("Dépôt des projets")
    checked(visitor, "restitution")
