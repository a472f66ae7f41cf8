"""Journey: petitions of the right of interpellation and the closed consultative vote of the demo.

In French, on the demo site (example_site, `participation_demo`):

1. a visitor opens the petition right "Droit d'interpellation", sees the open petition with its
   progress toward the threshold (a progress bar with its value, and the count in text), opens
   it; the petition answered by the council shows the answer; the petition still under review is
   a 404 for the public;
2. a resident signs the open petition with their full name, showing their public name: the count
   goes up by one and the page says they signed; their public name is among the signatories, and
   their full name is on no public page; they withdraw (the petition is below its threshold) and
   the count goes back;
3. a visitor opens the consultative vote "Police municipale : pour ou contre ?": the page says
   the vote is consultative, and the results table gives Pour and Contre with their votes and
   percentages, the bars repeating the percentages in text.

The French catalogue may still change: where the wording may move, the checks use roles, numbers
and addresses, or accept the English and the French wording.
"""

import re
import uuid

from playwright.sync_api import expect

from .conftest import log_in

INDEX = "/participer/"
RIGHT_TITLE = "Droit d'interpellation"
RIGHT = "/participer/droit-d-interpellation/"
OPEN_PETITION = "Rouvrir le bureau de poste du quartier de la Gare"
ANSWERED_PETITION = "Sécuriser la traversée devant l'école Jean Jaurès"
UNDER_REVIEW_PETITION = "Un marché de producteurs le mercredi soir"
NOT_ADMISSIBLE_PETITION = "Supprimer la taxe foncière"
# The demo's open petition: 3 online signatures and 45 on paper, of a threshold of 300.
OPEN_SIGNATURES = 48
THRESHOLD = 300
FULL_NAME_LABEL = re.compile(r"full name|nom complet|nom et prénom", re.IGNORECASE)
VOTE = "/participer/police-municipale/"
VOTE_TITLE = "Police municipale : pour ou contre ?"
# The demo's vote: 3 residents with their account and 57 voting-card codes (participation_demo).
VOTES = {"Pour": (35, "58[,.]3"), "Contre": (25, "41[,.]7")}


def words(*alternatives):
    """Any of the wordings (English source, French translation), case-insensitive."""
    return re.compile("|".join(alternatives), re.IGNORECASE)


def petition_pk(demo_site, title):
    return int(
        demo_site.shell(
            "from wagtail_participation.petitions.models import Petition\n"
            f"print(Petition.objects.get(title={title!r}).pk)"
        )
    )


def signature_count(text):
    """The number in "48 signatures sur 300" (or "48 signatures of 300")."""
    match = re.search(r"(\d[\d\s\u202f\u00a0]*) signatures?", text)
    assert match, f"No signature count in {text!r}"
    return int(re.sub(r"\D", "", match.group(1)))


def visit_petitions(page, checked, demo_site):
    """Step 1: the petition right, the open and the answered petitions, a hidden one."""
    page.goto(INDEX)
    card = page.get_by_role("article").filter(
        has=page.get_by_role("link", name=RIGHT_TITLE, exact=True)
    )
    expect(card).to_have_count(1)
    card.get_by_role("link", name=RIGHT_TITLE, exact=True).click()
    page.wait_for_url(f"**{RIGHT}")
    expect(page.get_by_role("heading", level=1)).to_have_text(RIGHT_TITLE)
    checked(page, "petition-right")

    # Only the public petitions are listed: not the one under review, not the inadmissible one.
    main = page.get_by_role("main")
    expect(main.get_by_role("link", name=OPEN_PETITION, exact=True)).to_be_visible()
    expect(main.get_by_role("link", name=ANSWERED_PETITION, exact=True)).to_be_visible()
    expect(main.get_by_role("link", name=UNDER_REVIEW_PETITION)).to_have_count(0)
    expect(main.get_by_role("link", name=NOT_ADMISSIBLE_PETITION)).to_have_count(0)

    card = page.get_by_role("article", name=OPEN_PETITION)
    progress = card.get_by_role("progressbar")
    expect(progress).to_have_attribute("value", str(OPEN_SIGNATURES))
    expect(progress).to_have_attribute("max", str(THRESHOLD))
    # The bar is named by the count in text, which is also shown.
    expect(progress).to_have_accessible_name(re.compile(rf"\b{OPEN_SIGNATURES} signatures\b"))
    expect(card).to_contain_text(f"{OPEN_SIGNATURES} signatures")
    expect(card).to_contain_text(str(THRESHOLD))

    card.get_by_role("link", name=OPEN_PETITION, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(OPEN_PETITION)
    expect(page.get_by_role("progressbar")).to_have_attribute("value", str(OPEN_SIGNATURES))
    expect(page.get_by_role("main")).to_contain_text(f"{OPEN_SIGNATURES} signatures")
    # The signatures still missing, in text.
    expect(page.get_by_role("main")).to_contain_text(str(THRESHOLD - OPEN_SIGNATURES))
    # A visitor is asked to sign in; there is no signature form.
    expect(page.get_by_role("textbox")).to_have_count(0)
    checked(page, "open-petition-visitor")

    page.goto(RIGHT)
    page.get_by_role("link", name=ANSWERED_PETITION, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(ANSWERED_PETITION)
    answer = page.get_by_role("region", name=words("council's answer", "réponse du conseil"))
    expect(answer).to_contain_text("plateau surélevé")
    expect(answer).to_contain_text("La ville remercie les signataires")
    # Past its threshold: the bar is full, and nobody can sign any more.
    expect(page.get_by_role("progressbar")).to_have_attribute("value", str(THRESHOLD))
    expect(page.locator(".participation-take-part").get_by_role("button")).to_have_count(0)
    checked(page, "answered-petition")

    for title in (UNDER_REVIEW_PETITION, NOT_ADMISSIBLE_PETITION):
        response = page.goto(f"{RIGHT}{petition_pk(demo_site, title)}/")
        assert response.status == 404, (title, response.status)
        expect(page.get_by_role("main")).not_to_contain_text(title)
    checked(page, "petition-under-review-404")


def sign_and_withdraw(page, checked, demo_site, username, full_name):
    """Step 2: a resident signs, showing their public name, then withdraws."""
    public_name = username.capitalize()  # demo_site.make_resident's display name
    log_in(page, username, demo_site.password)
    page.goto(RIGHT)
    page.get_by_role("link", name=OPEN_PETITION, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(OPEN_PETITION)
    petition_url = page.url
    bar = page.get_by_role("progressbar")
    before = int(bar.get_attribute("value"))
    text = page.locator(".participation-petition-signatures .participation-progress__text")
    assert signature_count(text.inner_text()) == before

    full_name_field = page.get_by_role("textbox", name=FULL_NAME_LABEL)
    show_name = page.get_by_role("checkbox", name=re.compile(re.escape(public_name)))
    expect(full_name_field).to_be_visible()
    expect(show_name).not_to_be_checked()
    checked(page, "open-petition-resident")

    full_name_field.fill(full_name)
    show_name.check()
    page.get_by_role("button", name=words("sign this petition", "signer cette pétition")).click()
    page.wait_for_url(petition_url)
    expect(page.get_by_role("status").filter(has_text=words("signature"))).to_be_visible()
    expect(bar).to_have_attribute("value", str(before + 1))
    expect(text).to_contain_text(f"{before + 1} signatures")
    take_part = page.locator(".participation-take-part")
    expect(take_part).to_contain_text(words("you signed on", "vous avez signé"))
    # Signed once: no form to sign again, a button to withdraw instead.
    expect(page.get_by_role("textbox", name=FULL_NAME_LABEL)).to_have_count(0)
    withdraw = take_part.get_by_role("button", name=words("withdraw", "retirer"))
    expect(withdraw).to_be_visible()
    # Among the latest signatories, under the public name only.
    names = page.locator(".participation-petition__names")
    expect(names.get_by_role("listitem").filter(has_text=public_name)).to_have_count(1)
    expect(page.locator("body")).not_to_contain_text(full_name)
    checked(page, "open-petition-signed")

    page.get_by_role("link", name=words("see the signatories", "voir les signataires")).click()
    signatories = page.locator(".participation-signatories").get_by_role("listitem")
    expect(signatories.filter(has_text=public_name)).to_have_count(1)
    expect(page.locator("body")).not_to_contain_text(full_name)
    checked(page, "signatories-signed")
    signatories_url = page.url

    # Nobody else sees the full name either: not a visitor, on any public page of the petition.
    visitor = page.context.browser.new_context(base_url=demo_site.url, locale="fr-FR")
    try:
        other = visitor.new_page()
        for url in (RIGHT, petition_url, signatories_url):
            other.goto(url)
            expect(other.locator("body")).not_to_contain_text(full_name)
        expect(other.locator(".participation-signatories")).to_contain_text(public_name)
        other.goto(petition_url)
        expect(other.get_by_role("progressbar")).to_have_attribute("value", str(before + 1))
    finally:
        visitor.close()

    # Below its threshold, the petition lets the resident withdraw: the count goes back.
    page.goto(petition_url)
    page.locator(".participation-take-part").get_by_role(
        "button", name=words("withdraw", "retirer")
    ).click()
    page.wait_for_url(petition_url)
    expect(
        page.get_by_role("status").filter(has_text=words("withdrawn", "retirée"))
    ).to_be_visible()
    expect(bar).to_have_attribute("value", str(before))
    expect(text).to_contain_text(f"{before} signatures")
    expect(page.get_by_role("textbox", name=FULL_NAME_LABEL)).to_be_visible()
    expect(page.locator(".participation-petition__names")).not_to_contain_text(public_name)
    checked(page, "open-petition-withdrawn")
    page.goto(signatories_url)
    expect(page.locator("main")).not_to_contain_text(public_name)


def read_the_vote(page, checked):
    """Step 3: the closed consultative vote and its results."""
    page.goto(INDEX)
    card = page.get_by_role("article").filter(
        has=page.get_by_role("link", name=VOTE_TITLE, exact=True)
    )
    card.get_by_role("link", name=VOTE_TITLE, exact=True).click()
    page.wait_for_url(f"**{VOTE}")
    expect(page.get_by_role("heading", level=1)).to_have_text(VOTE_TITLE)
    expect(page.locator(".participation-vote__statement")).to_have_text(
        words("consultative", "consultatif")
    )
    expect(page.get_by_role("main")).to_contain_text(
        "Êtes-vous favorable à la création d'une police municipale à Villebrune ?"
    )
    # Closed: no ballot, the results instead.
    expect(page.get_by_role("radio")).to_have_count(0)
    table = page.get_by_role("table")
    expect(table).to_have_count(1)
    expect(table.get_by_role("columnheader")).to_have_count(3)
    total = sum(votes for votes, _percent in VOTES.values())
    for label, (votes, percent) in VOTES.items():
        row = table.get_by_role("row").filter(
            has=page.get_by_role("rowheader", name=label, exact=True)
        )
        expect(row).to_have_count(1)
        expect(row.get_by_role("cell").nth(0)).to_have_text(re.compile(rf"^{votes} votes?$"))
        share = row.get_by_role("cell").nth(1)
        percent_text = re.compile(rf"^{percent}\s?%$")
        # The percentage is written beside its bar; the bar is hidden from assistive technology
        # (it would repeat it) and its fallback content is the same percentage.
        expect(share.locator(".participation-vote-results__percent")).to_have_text(percent_text)
        expect(share.locator(".participation-vote-results__percent")).to_be_visible()
        bar = share.locator("progress")
        expect(bar).to_have_attribute("aria-hidden", "true")
        expect(bar).to_have_text(percent_text)
        expect(bar).to_have_attribute("value", re.compile(rf"^{percent.split('[')[0]}"))
    expect(table.get_by_role("progressbar")).to_have_count(0)
    expect(table.locator("tfoot")).to_contain_text(f"{total} votes")
    # The leading option is said in a sentence too, not only by the bars' lengths.
    expect(page.locator(".participation-vote-results__leader")).to_contain_text("Pour")
    checked(page, "consultative-vote-results")


def test_petitions_and_consultative_vote(new_page, checked, demo_site):
    unique = uuid.uuid4().hex[:8]
    username = f"signataire{unique}"
    full_name = f"Bérénice Quintard-{unique}"
    demo_site.make_resident(username)

    visit_petitions(new_page(), checked, demo_site)
    sign_and_withdraw(new_page(), checked, demo_site, username, full_name)
    read_the_vote(new_page(), checked)
