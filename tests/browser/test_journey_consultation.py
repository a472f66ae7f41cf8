"""Journey: a resident contributes to a consultation, supports another contribution, and later
reads the answer on the restitution page.

A new resident signs up, confirms their address from the e-mail, completes their profile,
contributes to the open consultation of the demo (place du Marché, pre-moderated: the
contribution waits for a moderator), supports another resident's idea, then an editor publishes
and answers the contribution in the Wagtail admin, and the resident, signed in again, reads the
answer on the restitution page ("bilan") and in "My participation". Everything goes through the
UI; every public page visited is `checked` (axe, reflow, Nu Html Checker).
"""

import re
import uuid
from urllib.parse import urlparse

from playwright.sync_api import expect

from .conftest import log_in

INDEX = "/participer/"
CONSULTATION_TITLE = "Réaménager la place du Marché"
# The restitution page of the demo reporting on that consultation (home/demo_restitution.py).
RESTITUTION = "/participer/bilan-place-du-marche/"
# Claire's idea, published in the demo: the one our resident supports.
OTHER_CONTRIBUTION = "Une fontaine pour les enfants"
PASSWORD = "Place-du-Marche-2027!"
# An e-mail printed by Django's console backend: headers, a blank line, the body, a rule.
CONSOLE_EMAIL = re.compile(r"^(Content-Type: .*?)\n\n(.*?)^-{79}$", re.MULTILINE | re.DOTALL)


def emails_to(demo_site, address, subject_start):
    """The bodies of the console e-mails sent to `address` whose subject starts so."""
    found = []
    for message in CONSOLE_EMAIL.finditer(demo_site.sent_emails()):
        headers, body = message.groups()
        if re.search(rf"^To: {re.escape(address)}$", headers, re.MULTILINE):
            subject = re.search(r"^Subject: (.*(?:\n .*)*)", headers, re.MULTILINE)
            if subject and decode_subject(subject.group(1)).startswith(subject_start):
                found.append(body)
    return found


def decode_subject(raw):
    from email.header import decode_header, make_header

    return str(make_header(decode_header(raw.replace("\n", "")))).strip()


def support_count(text):
    """The number in "3 soutiens" or "3 habitants soutiennent cette contribution."."""
    match = re.search(r"(\d+) (?:soutiens?|habitants? soutien)", text)
    assert match, f"No support count in {text!r}"
    return int(match.group(1))


def sign_up_and_confirm(page, checked, demo_site, email, name):
    """Step 1: sign up, confirm the address from the e-mail, complete the profile."""
    page.goto("/accounts/signup/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Créer un compte")
    checked(page, "signup")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Nom public").fill(name)
    page.get_by_label("Mot de passe", exact=True).fill(PASSWORD)
    page.get_by_label("Confirmation du mot de passe").fill(PASSWORD)
    page.get_by_label("J'accepte les conditions de participation").check()
    page.get_by_role("button", name="Créer mon compte").click()
    page.wait_for_url("**/accounts/signup/done/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Consultez votre messagerie")
    checked(page, "signup-done")

    # The console backend prints the e-mail in the server's log: the resident's mailbox.
    bodies = emails_to(demo_site, email, "Confirmez votre adresse e-mail")
    assert len(bodies) == 1, f"expected one confirmation e-mail to {email}, got {len(bodies)}"
    link = re.search(r"^(https?://\S+/accounts/confirm/\S+/)$", bodies[0], re.MULTILINE)
    assert link, bodies[0]
    page.goto(urlparse(link.group(1)).path)
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirmez votre adresse e-mail")
    checked(page, "confirm-email")
    page.get_by_role("button", name="Confirmer mon adresse e-mail").click()
    # Confirming signs the resident in and opens their profile (a 403 "CSRF verification
    # failed" here: see without_referrer() in wagtail_participation/accounts/views.py).
    expect(page.get_by_role("heading", level=1)).to_have_text("Mon profil")
    page.wait_for_url("**/accounts/profile/")
    status = page.get_by_role("status")
    expect(status).to_contain_text(
        "Votre adresse e-mail est confirmée et votre session est ouverte."
    )
    expect(page.get_by_role("main")).to_contain_text(
        f"Les autres participants vous voient sous le nom : {name}"
    )
    checked(page, "profile-after-confirmation")

    # The terms were accepted on sign-up: the profile does not ask again. It asks where the
    # resident lives, which the consultation uses to suggest their neighbourhood.
    expect(page.get_by_label("J'accepte les conditions de participation")).to_have_count(0)
    page.get_by_label("J'habite dans la ville").check()
    page.get_by_label("Quartier où vous habitez").select_option(label="Centre-ville")
    page.get_by_role("button", name="Enregistrer mon profil").click()
    expect(page.get_by_role("status")).to_contain_text("Votre profil est enregistré.")
    expect(page.get_by_label("J'habite dans la ville")).to_be_checked()
    expect(page.get_by_label("Quartier où vous habitez").locator("option:checked")).to_have_text(
        "Centre-ville"
    )
    checked(page, "profile-saved")


def contribute(page, checked, title, body):
    """Step 2: find the open consultation, read it, contribute (first with errors)."""
    page.goto(INDEX)
    checked(page, "participation-index")
    card = page.get_by_role("article").filter(
        has=page.get_by_role("link", name=CONSULTATION_TITLE, exact=True)
    )
    expect(card).to_contain_text("En cours")
    expect(card).to_contain_text("Phase en cours : Recueil des idées")
    card.get_by_role("link", name=CONSULTATION_TITLE, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(CONSULTATION_TITLE)
    expect(page.get_by_role("heading", name="Ce que votre contribution va changer")).to_be_visible()
    checked(page, "consultation")

    page.get_by_role("link", name="Contribuer", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Contribuer à « {CONSULTATION_TITLE} »"
    )
    # The demo's consultation is pre-moderated, and the form says so before one writes.
    expect(page.get_by_role("main")).to_contain_text(
        "Un modérateur lit chaque contribution avant sa publication."
    )
    # The neighbourhood of the profile is suggested.
    expect(page.get_by_role("combobox", name="Quartier").locator("option:checked")).to_have_text(
        "Centre-ville"
    )
    checked(page, "contribute")

    page.get_by_role("button", name="Envoyer ma contribution").click()
    summary = page.get_by_role("alert")
    expect(summary.get_by_role("heading")).to_have_text("Veuillez corriger les points suivants")
    title_error = summary.get_by_role("link", name="Titre : Donnez un titre à votre contribution.")
    expect(title_error).to_be_visible()
    expect(
        summary.get_by_role("link", name="Votre contribution : Rédigez votre contribution.")
    ).to_be_visible()
    expect(summary.get_by_role("listitem")).to_have_count(2)
    title_field = page.get_by_role("textbox", name="Titre")
    body_field = page.get_by_role("textbox", name="Votre contribution")
    for field, message in (
        (title_field, "Donnez un titre à votre contribution."),
        (body_field, "Rédigez votre contribution."),
    ):
        expect(field).to_have_attribute("aria-invalid", "true")
        expect(field).to_have_accessible_description(re.compile(re.escape(message)))
    checked(page, "contribute-errors")
    # Each error links to its field.
    title_error.click()
    expect(title_field).to_be_focused()

    title_field.fill(title)
    body_field.fill(body)
    page.get_by_role("button", name="Envoyer ma contribution").click()
    # Pre-moderation: back on the consultation, told to wait, the idea not listed yet.
    # (The fragment of the error link followed above may stay on the address.)
    page.wait_for_url(re.compile(r"/participer/place-du-marche/(#.*)?$"))
    expect(page.get_by_role("status").filter(has_text="Merci !")).to_have_text(
        "Merci ! Votre contribution apparaîtra dès qu'un modérateur l'aura lue."
    )
    expect(page.get_by_role("link", name=title)).to_have_count(0)
    checked(page, "consultation-after-contributing")

    # Only the resident sees it, waiting, in "My participation".
    page.goto("/accounts/profile/participation/")
    item = page.get_by_role("listitem").filter(has_text=title)
    expect(item).to_contain_text("Contribution")
    expect(item).to_contain_text("En attente de modération")
    checked(page, "my-participation-pending")


def support_another_contribution(page, checked):
    """Step 3: support another resident's idea, once."""
    page.goto(f"{INDEX}place-du-marche/")
    card = page.get_by_role("article", name=OTHER_CONTRIBUTION)
    before = support_count(card.locator(".participation-support-count").inner_text())
    card.get_by_role("link", name=OTHER_CONTRIBUTION).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(OTHER_CONTRIBUTION)
    take_part = page.get_by_role("region", name="Participer")
    count = take_part.locator(".participation-support-count")
    expect(count).to_contain_text(f"{before} habitants soutiennent cette contribution.")
    checked(page, "other-contribution")

    # The same page in a second tab, as it was before supporting.
    stale = page.context.new_page()
    stale.goto(page.url)

    take_part.get_by_role("button", name="Soutenir cette contribution").click()
    expect(page.get_by_role("status")).to_have_text("Vous soutenez cette contribution.")
    expect(count).to_contain_text(f"{before + 1} habitants soutiennent cette contribution.")
    # The button now withdraws the support: there is no way to support twice.
    expect(take_part.get_by_role("button", name="Retirer mon soutien")).to_be_visible()
    expect(take_part.get_by_role("button", name="Soutenir cette contribution")).to_have_count(0)
    expect(take_part).to_contain_text("Vous soutenez cette contribution.")
    checked(page, "other-contribution-supported")

    # Sending the old form again does not count a second support.
    stale.get_by_role("region", name="Participer").get_by_role(
        "button", name="Soutenir cette contribution"
    ).click()
    expect(stale.get_by_role("status")).to_have_text("Vous soutenez cette contribution.")
    expect(stale.locator(".participation-take-part .participation-support-count")).to_contain_text(
        f"{before + 1} habitants soutiennent cette contribution."
    )
    stale.close()

    page.get_by_role("link", name=f"Retour à la concertation « {CONSULTATION_TITLE} »").click()
    card = page.get_by_role("article", name=OTHER_CONTRIBUTION)
    expect(card.locator(".participation-support-count")).to_have_text(f"{before + 1} soutiens")
    checked(page, "consultation-after-supporting")


def answer_in_admin(page, title, answer):
    """Step 4: the editor publishes the contribution and answers it ("Accepted")."""
    log_in(page, "admin")
    page.goto("/admin/")
    page.get_by_role("button", name="Participation").click()
    page.get_by_role("link", name="Contributions", exact=True).click()
    page.wait_for_url("**/admin/participation/contribution/")
    page.get_by_role("textbox", name="Terme de recherche").fill(title)
    page.get_by_role("textbox", name="Terme de recherche").press("Enter")
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=title))
    expect(row).to_have_count(1)
    expect(row).to_contain_text("En attente de modération")
    expect(row).to_contain_text("Pas encore de réponse")
    row.get_by_role("link", name=title).click()
    page.wait_for_url("**/admin/participation/contribution/edit/*/")
    page.get_by_role("combobox", name="Statut").select_option(label="Publié(e)")
    page.get_by_role("combobox", name="Réponse officielle").select_option(label="Retenue")
    page.get_by_role("textbox", name="Justification publique").fill(answer)
    page.get_by_role("button", name="Enregistrer").click()
    page.wait_for_url("**/admin/participation/contribution/")
    expect(page.get_by_text(f"Contribution « {title} » modifié(e).")).to_be_visible()
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=title))
    expect(row).to_contain_text("Publié(e)")
    expect(row).to_contain_text("Retenue")


def read_the_answer(page, checked, email, title, answer):
    """Step 5: signed in again, the resident reads the answer on the restitution page."""
    log_in(page, email, PASSWORD)
    page.goto(RESTITUTION)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Bilan de la concertation sur la place du Marché"
    )
    decisions = page.locator(".participation-decision")
    decision = decisions.filter(has=page.get_by_role("heading", name=title, exact=True))
    expect(decision).to_have_count(1)
    expect(decision.locator(".participation-decision-accepted")).to_have_text("Retenue")
    expect(decision).to_contain_text("Label citoyen : cette décision est issue de la participation")
    expect(decision).to_contain_text(answer)
    # Decisions are newest first: the one just given leads the list.
    expect(decisions.first).to_contain_text(title)
    checked(page, "restitution")

    decision.get_by_role("link", name=title).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    official = page.get_by_role("region", name="Réponse officielle")
    expect(official).to_contain_text("Retenue")
    expect(official).to_contain_text(answer)
    checked(page, "own-contribution-answered")

    page.goto("/accounts/profile/")
    page.get_by_role("link", name="Ma participation").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ma participation")
    process = page.locator("section").filter(
        has=page.get_by_role("heading", name=CONSULTATION_TITLE)
    )
    own = process.get_by_role("listitem").filter(has=page.get_by_role("link", name=title))
    expect(own).to_contain_text("Contribution")
    expect(own).to_contain_text(f"Retenue : {answer}")
    supported = process.get_by_role("listitem").filter(
        has=page.get_by_role("link", name=OTHER_CONTRIBUTION)
    )
    expect(supported).to_contain_text("Soutien")
    expect(supported).to_contain_text("À l'étude")
    checked(page, "my-participation")


def test_resident_contributes_supports_and_reads_the_answer(new_page, checked, demo_site):
    unique = uuid.uuid4().hex[:8]
    email = f"habitante-{unique}@villebrune.example"
    name = f"Habitante {unique}"
    title = f"Des toilettes publiques près des halles ({unique})"
    answer = f"Des toilettes accessibles seront prévues au nord de la place ({unique})."

    resident = new_page()
    sign_up_and_confirm(resident, checked, demo_site, email, name)
    contribute(
        resident,
        checked,
        title,
        "Le samedi, il n'y a aucune toilette ouverte autour du marché : il en faudrait, "
        "accessibles en fauteuil.",
    )
    support_another_contribution(resident, checked)

    answer_in_admin(new_page(), title, answer)
    # The resident is told by e-mail (they asked for it by default).
    answered = emails_to(demo_site, email, "Votre contribution a reçu une réponse officielle")
    assert len(answered) == 1 and answer in answered[0], answered

    read_the_answer(new_page(), checked, email, title, answer)
