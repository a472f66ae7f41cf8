"""Keyboard use: the skip link, a visible focus, error summaries that take the focus and link to
their fields, grouped choices in fieldsets, and a resident contributing with the keyboard only.

Only `page.keyboard` moves the focus and acts, except where a step says it sets things up.
"""

import itertools

import pytest
from playwright.sync_api import expect

from .conftest import log_in

CONSULTATION = "/participer/place-du-marche/"
CONTRIBUTE = CONSULTATION + "contribute/"
QUESTIONNAIRE = CONSULTATION + "questionnaire/"
BUDGET = "/participer/budget-citoyen-2027/"
BALLOT = BUDGET + "vote/1/"
MONTH_VIEW = "/participer/comite-les-pres/"
MAX_TABS = 120
_numbers = itertools.count(1)

# The focused element, described for messages and comparisons.
DESCRIBE_FOCUS = """() => {
    const el = document.activeElement;
    if (!el || el === document.body) return null;
    const main = document.querySelector("main");
    return {
        tag: el.tagName.toLowerCase(),
        type: el.getAttribute("type") || "",
        id: el.id,
        text: (el.innerText || el.value || el.getAttribute("aria-label") || "").trim().slice(0, 60),
        inMain: !!main && main.contains(el),
        html: el.outerHTML.slice(0, 160),
    };
}"""


def focused(page):
    return page.evaluate(DESCRIBE_FOCUS)


def is_focused(locator):
    return locator.evaluate("el => el === document.activeElement")


def tab_to(page, locator, backwards=False):
    """Press Tab (Shift+Tab) until `locator` has the focus; fails if it is never reached."""
    key = "Shift+Tab" if backwards else "Tab"
    for _ in range(MAX_TABS):
        if is_focused(locator):
            return
        page.keyboard.press(key)
    raise AssertionError(f"{locator} is not reachable with {key} (last focus: {focused(page)})")


def unique(prefix):
    return f"{prefix} {next(_numbers)}-{id(object()) % 100000}"


# 1. Skip link ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    ["/", CONSULTATION, BUDGET, MONTH_VIEW, "/accounts/signup/", "/accounts/login/"],
    ids=["home", "consultation", "budget", "month-view", "signup-form", "login-form"],
)
def test_the_first_tab_reaches_the_skip_link_which_leads_into_main(page, checked, path):
    page.goto(path)
    checked(page, "page")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Aller au contenu")
    assert is_focused(skip), f"The first Tab focuses {focused(page)}, not the skip link"
    box = skip.bounding_box()
    viewport = page.viewport_size
    assert box and box["width"] > 0 and box["height"] > 0, "the focused skip link is not shown"
    assert box["x"] >= 0 and box["y"] >= 0, f"the focused skip link is off screen: {box}"
    assert box["x"] + box["width"] <= viewport["width"] and (
        box["y"] + box["height"] <= viewport["height"]
    ), f"the focused skip link is off screen: {box}"

    page.keyboard.press("Enter")
    expect(page).to_have_url(page.url.split("#")[0] + "#main")
    now = focused(page)
    target = page.evaluate("() => document.activeElement === document.querySelector('main')")
    assert target or (now and now["inMain"]), (
        f"After following the skip link the focus is on {now or 'the page body'}, not in <main> "
        "(give <main id=main> tabindex=-1 so that it takes the focus)"
    )


# 2. Visible focus ------------------------------------------------------------------------------

FOCUS_STYLE = """el => {
    const style = getComputedStyle(el);
    return [style.outlineStyle, parseFloat(style.outlineWidth) || 0, style.boxShadow,
            style.outlineColor, style.backgroundColor, style.textDecorationLine, style.borderColor];
}"""
MARK_FOCUSABLE = """() => {
    const selector = "a[href], button, input:not([type=hidden]), select, textarea, [tabindex]";
    const styles = [];
    document.querySelectorAll(selector).forEach((el, index) => {
        el.dataset.keyboardTest = index;
        const style = getComputedStyle(el);
        styles.push([style.outlineStyle, parseFloat(style.outlineWidth) || 0, style.boxShadow,
                     style.outlineColor, style.backgroundColor, style.textDecorationLine,
                     style.borderColor]);
    });
    return styles;
}"""


def focus_indicator_problems(page):
    """Tab through the page; each element reached must show a focus outline or shadow."""
    unfocused = page.evaluate(MARK_FOCUSABLE)
    problems, seen, kinds = [], set(), set()
    page.keyboard.press("Tab")
    for _ in range(MAX_TABS):
        index = page.evaluate("() => document.activeElement.dataset.keyboardTest ?? null")
        if index is None or index in seen:
            break
        seen.add(index)
        element = page.locator(f"[data-keyboard-test='{index}']")
        info = focused(page)
        kinds.add(info["tag"] + (":" + info["type"] if info["tag"] == "input" else ""))
        before = unfocused[int(index)]
        after = element.evaluate(FOCUS_STYLE)
        outlined = after[0] != "none" and after[1] > 0
        outline_shows = outlined and (before[0] == "none" or before[1] == 0 or after != before)
        shadow_shows = after[2] not in ("none", before[2])
        if not (outline_shows or shadow_shows):
            problems.append(f"{info['html']} (outline {after[0]} {after[1]}px, shadow {after[2]})")
        page.keyboard.press("Tab")
    return problems, kinds


def test_the_focus_is_visible_on_every_control(page, checked, demo_site):
    log_in(page, "alice", demo_site.password)
    problems, kinds = [], set()
    for path in (CONSULTATION, CONTRIBUTE, BALLOT, MONTH_VIEW):
        page.goto(path)
        checked(page, "page")
        found, reached = focus_indicator_problems(page)
        problems += [f"{path}: {problem}" for problem in found]
        kinds |= reached
    for kind in ("a", "button", "select", "textarea", "input:text", "input:checkbox"):
        assert kind in kinds, f"no {kind} reached with Tab: {sorted(kinds)}"
    assert not problems, "No visible focus indicator:\n" + "\n".join(problems)


# 3. Error summaries ----------------------------------------------------------------------------


def submit_empty(page, button_name):
    """Clear what the form holds, then submit it from its button, by keyboard."""
    form = page.get_by_role("main").locator("form.participation-form, form.participation-ballot")
    for field in form.first.locator(
        "input[type=text]:visible, input[type=email]:visible, input[type=password]:visible, "
        "input[type=number]:visible, textarea:visible"
    ).all():
        field.fill("")  # set-up: an empty form
    button = page.get_by_role("main").get_by_role("button", name=button_name)
    tab_to(page, button)
    with page.expect_navigation():
        page.keyboard.press("Enter")


def assert_error_summary_has_focus_and_links_to_fields(page, checked, name):
    summary = page.locator(".participation-errors")
    expect(summary).to_be_visible()
    expect(summary.get_by_role("heading")).to_be_visible()
    assert summary.evaluate("el => el.contains(document.activeElement)"), (
        f"The error summary does not have the focus: {focused(page)}"
    )
    checked(page, name)
    links = summary.get_by_role("link").all()
    assert links, "the error summary links to no field"
    broken = []
    for link in links:
        href = link.get_attribute("href")
        target = page.locator(f"[id='{href.removeprefix('#')}']")
        if not href.startswith("#") or href == "#" or target.count() != 1:
            broken.append(f"{link.inner_text()!r} links to {href!r}, which is no element")
            continue
        link.focus()  # set-up: the link the user reads
        page.keyboard.press("Enter")
        expect(page).to_have_url(page.url.split("#")[0] + href)
        target_focused = target.evaluate(
            "el => el === document.activeElement || el.contains(document.activeElement)"
        )
        if not target_focused:
            broken.append(f"{link.inner_text()!r}: following {href} focuses {focused(page)}")
    assert not broken, "Error links that do not lead to their field:\n" + "\n".join(broken)


@pytest.mark.parametrize(
    ("path", "button"),
    [
        ("/accounts/login/", "Se connecter"),
        ("/accounts/signup/", "Créer mon compte"),
        ("/accounts/password/reset/", "M'envoyer un lien"),
    ],
    ids=["login", "signup", "password-reset"],
)
def test_an_empty_public_form_focuses_its_error_summary(page, checked, path, button):
    page.goto(path)
    submit_empty(page, button)
    assert_error_summary_has_focus_and_links_to_fields(page, checked, "errors")


@pytest.mark.parametrize(
    ("path", "button"),
    [(CONTRIBUTE, "Envoyer ma contribution"), ("/accounts/profile/", "Enregistrer mon profil")],
    ids=["contribution", "profile"],
)
def test_an_empty_resident_form_focuses_its_error_summary(page, checked, demo_site, path, button):
    log_in(page, demo_site.make_resident(f"clavier{next(_numbers)}{id(page) % 10000}"))
    page.goto(path)
    submit_empty(page, button)
    assert_error_summary_has_focus_and_links_to_fields(page, checked, "errors")


def test_an_unanswered_questionnaire_focuses_its_error_summary(page, checked, demo_site):
    log_in(page, demo_site.make_resident(f"questionnaire{id(page) % 100000}"))
    page.goto(QUESTIONNAIRE)
    checked(page, "questionnaire")
    button = page.get_by_role("main").get_by_role("button", name="Envoyer mes réponses")
    tab_to(page, button)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert_error_summary_has_focus_and_links_to_fields(page, checked, "errors")


def test_an_empty_ballot_focuses_its_errors_which_lead_to_the_projects(page, checked, demo_site):
    log_in(page, demo_site.make_resident(f"ballot{id(page) % 100000}"))
    page.goto(BALLOT)
    tab_to(page, page.get_by_role("button", name="Vérifier mes choix"))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    errors = page.locator("#ballot-errors")
    expect(errors).to_be_visible()
    assert errors.evaluate("el => el.contains(document.activeElement)"), (
        f"The ballot errors do not have the focus: {focused(page)}"
    )
    checked(page, "ballot-errors")
    link = errors.get_by_role("link").first
    link.focus()  # set-up
    page.keyboard.press("Enter")
    projects = page.get_by_role("group", name="Projets de « Toute la ville »", exact=False)
    assert projects.evaluate("el => el.contains(document.activeElement)"), focused(page)


# 4. A resident's journey by keyboard only --------------------------------------------------------


def test_a_resident_contributes_with_the_keyboard_only(page, checked, demo_site):
    title = unique("Des bancs à l'ombre, au clavier")
    page.goto("/accounts/login/")
    checked(page, "login")
    tab_to(page, page.get_by_label("E-mail ou nom d'utilisateur"))
    page.keyboard.type("alice")
    tab_to(page, page.get_by_label("Mot de passe"))
    page.keyboard.type(demo_site.password)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()

    page.goto(CONSULTATION)
    checked(page, "consultation")
    contribute = page.get_by_role("main").locator(f"a[href$='{CONTRIBUTE}']").first
    tab_to(page, contribute)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page).to_have_url(CONTRIBUTE)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Contribuer")
    checked(page, "contribute")

    tab_to(page, page.get_by_label("Titre", exact=True))
    page.keyboard.type(title)
    tab_to(page, page.get_by_label("Votre contribution", exact=True))
    page.keyboard.type("Des bancs sous les arbres pour se reposer les jours de marché.")
    theme = page.get_by_role("checkbox", name="Espaces verts")
    tab_to(page, theme)
    page.keyboard.press("Space")
    expect(theme).to_be_checked()
    # Back up to a field with Shift+Tab, then on to the button.
    tab_to(page, page.get_by_label("Votre contribution", exact=True), backwards=True)
    tab_to(page, page.get_by_role("button", name="Envoyer ma contribution"))
    with page.expect_navigation():
        page.keyboard.press("Enter")

    expect(page.get_by_text("Merci ! Votre contribution")).to_be_visible()
    checked(page, "contributed")
    page.goto("/accounts/profile/participation/")
    expect(page.get_by_role("main").get_by_text(title)).to_be_visible()


# 5. Grouped choices ----------------------------------------------------------------------------

UNGROUPED_CHOICES = """() => [...document.querySelectorAll(
        "main input[type=radio], main input[type=checkbox]")]
    .filter(input => input.name !== "website")
    .filter(input => {
        const fieldset = input.closest("fieldset");
        const legend = fieldset && fieldset.querySelector(":scope > legend");
        return !legend || !legend.textContent.trim();
    })
    .map(input => input.outerHTML.slice(0, 160))"""


def test_radio_and_checkbox_groups_are_fieldsets_with_a_legend(page, checked, demo_site):
    log_in(page, demo_site.make_resident(f"groupes{id(page) % 100000}"))
    problems = []
    for path in (QUESTIONNAIRE, CONTRIBUTE, BALLOT):
        page.goto(path)
        checked(page, "page")
        choices = page.locator("main input[type=radio], main input[type=checkbox]")
        assert choices.count() > 0, f"{path} shows no choice to group"
        problems += [f"{path}: {html}" for html in page.evaluate(UNGROUPED_CHOICES)]
    assert not problems, "Choices outside a <fieldset> with a <legend>:\n" + "\n".join(problems)
