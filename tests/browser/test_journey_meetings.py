"""Journey: a resident browses the month view of the town's calendar, subscribes to its feed,
registers for a meeting, and is put on the waiting list when it is full.

The participation service first publishes, through the Wagtail admin, a workshop with 2 places
(its own, uniquely named: the demo site is shared by every browser test). Then, in French:

1. a visitor opens the calendar, switches to the month view, goes to the next month and back
   with the keyboard, and filters the month by kind of meeting;
2. the "subscribe" link gives an iCalendar feed whose occurrences are exactly those of the
   month grid, unfiltered and filtered;
3. two residents register (the first after signing in from the meeting page), a third one is
   put on the waiting list; when the first one cancels, the third gets the place and an e-mail;
4. the refusals the registration form can show: a profile without accepted terms, and the same
   resident registering twice from two devices.

Every public page visited goes through `checked` (axe, reflow, Nu Html Checker).
"""

import email
import email.policy
import re
import uuid
from datetime import date, datetime, time, timedelta
from urllib.parse import unquote, urlparse
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events
from playwright.sync_api import expect

from .conftest import log_in

PARIS = ZoneInfo("Europe/Paris")
CALENDAR = "/participer/agenda/"
CALENDAR_TITLE = "Agenda de la participation"
MONTHS = (
    "janvier février mars avril mai juin juillet août septembre octobre novembre décembre".split()
)
CAPACITY = 2


def month_label(year, month):
    return f"{MONTHS[month - 1]} {year}"


def next_month(year, month):
    return (year + 1, 1) if month == 12 else (year, month + 1)


def month_url(year, month):
    return f"{CALENDAR}{year}/{month}/"


def follow_by_keyboard(page, link, url):
    """Focus ``link`` and press Enter, as a keyboard user does; wait for ``url``."""
    link.focus()
    expect(link).to_be_focused()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**{url}")


# The editor ------------------------------------------------------------------------------------


def publish_meeting(page, title, starts):
    """The participation service adds a workshop with registration and 2 places to the town's
    calendar, through the admin's page explorer and page form."""
    log_in(page, "admin")
    page.goto(f"/admin/pages/search/?q={CALENDAR_TITLE}")
    page.get_by_role("link", name=f"Explorer les sous-pages de « {CALENDAR_TITLE} »").click()
    page.get_by_role("link", name="Ajouter une sous-page").click()
    # A calendar's only children are meetings: the meeting form opens at once.
    expect(page).to_have_url(re.compile(r"/admin/pages/add/participation_meetings/meetingpage/"))
    page.get_by_role("textbox", name="Titre*").fill(title)
    page.get_by_role("combobox", name="Type*").select_option(label="Atelier")
    page.get_by_role("textbox", name="Début*").fill(starts.strftime("%Y-%m-%d %H:%M"))
    page.keyboard.press("Escape")  # the date picker
    page.get_by_role("textbox", name="Fin*").fill(
        (starts + timedelta(hours=2)).strftime("%Y-%m-%d %H:%M")
    )
    page.keyboard.press("Escape")
    page.get_by_role("textbox", name="Adresse", exact=True).fill(
        "Atelier vélo, 3 rue des Tilleuls, 62000 Villebrune"
    )
    page.get_by_role("combobox", name="Inscription").select_option(label="Sur ce site")
    page.get_by_role("spinbutton", name="Places").fill(str(CAPACITY))
    page.get_by_role("button", name="Plus d'actions").click()
    page.get_by_role("button", name="Publier", exact=True).click()
    expect(page.get_by_text(re.compile(rf"{re.escape(title)}\W+créée et publiée"))).to_be_visible()


# The month grid and the feed --------------------------------------------------------------------

GRID_ENTRIES = """table => Array.from(table.querySelectorAll("td")).flatMap(cell => {
    const day = cell.querySelector("time").getAttribute("datetime");
    return Array.from(cell.querySelectorAll("li a")).map(
        link => [day, link.textContent.trim(), link.getAttribute("href")]);
})"""


def path_of(url):
    return unquote(urlparse(str(url)).path)


def month_grid(page):
    """The month table: ``(first day, last day, {(day, "HH:MM", path)}, {path: title})``, ``path``
    being the meeting page's."""
    table = page.get_by_role("table", name=re.compile("^Réunions en "))
    days = table.locator("time").evaluate_all("times => times.map(t => t.dateTime)")
    entries, titles = set(), {}
    for day, text, href in table.evaluate(GRID_ENTRIES):
        at, _, title = text.partition(" ")
        entries.add((day, at, path_of(href)))
        titles[path_of(href)] = title
    return date.fromisoformat(days[0]), date.fromisoformat(days[-1]), entries, titles


def subscribed_feed(page):
    """The calendar file behind the page's "subscribe" link, fetched as a calendar app would."""
    link = page.get_by_role("link", name="S'abonner à ce calendrier (iCalendar)")
    href = link.get_attribute("href")
    response = page.request.get(href)
    assert response.ok, response.status
    assert response.headers["content-type"].startswith("text/calendar"), response.headers
    return href, icalendar.Calendar.from_ical(response.body())


def feed_entries(feed, first_day, last_day):
    """The feed's occurrences (repetitions expanded) from ``first_day`` to ``last_day``, in the
    same shape as ``month_grid()``'s, with each one's event."""
    entries = {}
    for event in recurring_ical_events.of(feed).between(first_day, last_day + timedelta(days=1)):
        start = event["DTSTART"].dt.astimezone(PARIS)
        key = (start.date().isoformat(), start.strftime("%H:%M"), path_of(event["URL"]))
        entries[key] = event
    return entries


def kinds(event):
    return {str(category) for category in event["CATEGORIES"].cats}


# Registration ----------------------------------------------------------------------------------


def registration_section(page):
    return page.get_by_role("region", name="Inscription")


def emails_to(demo_site, address):
    """The e-mails the console backend printed for ``address``: ``[(subject, body)]``."""
    found = []
    for chunk in demo_site.sent_emails().split("-" * 79):
        start = chunk.find("Content-Type:")
        if start < 0:
            continue
        message = email.message_from_string(chunk[start:], policy=email.policy.default)
        if message["To"] == address:
            body = message.get_body(("plain",))
            found.append((str(message["Subject"]).strip(), body.get_content() if body else ""))
    return found


# The journey -----------------------------------------------------------------------------------


def test_resident_browses_subscribes_registers_and_waits(page, new_page, checked, demo_site):
    token = uuid.uuid4().hex[:6]
    title = f"Atelier réparation de vélos {token}"
    today = datetime.now(PARIS).date()
    starts = datetime.combine(today + timedelta(days=2), time(18, 0), tzinfo=PARIS)
    publish_meeting(new_page(), title, starts)
    first, second, third = (demo_site.make_resident(f"j3{name}{token}") for name in "abc")

    # 1. A visitor opens the calendar: the new workshop is among the upcoming meetings.
    page.goto(CALENDAR)
    expect(page.get_by_role("heading", level=1, name=CALENDAR_TITLE)).to_be_visible()
    expect(page.get_by_role("main").get_by_role("link", name=title)).to_be_visible()
    checked(page, "upcoming")

    views = page.get_by_role("navigation", name="Vues du calendrier")
    views.get_by_role("link", name="Vue par mois").click()
    page.wait_for_url(f"**{month_url(today.year, today.month)}")
    expect(views.get_by_role("link", name="Vue par mois")).to_have_attribute("aria-current", "page")
    this_month = page.get_by_role(
        "table", name=f"Réunions en {month_label(today.year, today.month)}"
    )
    expect(this_month).to_be_visible()
    checked(page, "month")

    # The next month and back, with the keyboard.
    following = next_month(today.year, today.month)
    months = page.get_by_role("navigation", name="Autres mois")
    next_link = months.get_by_role("link", name=f"Mois suivant : {month_label(*following)}")
    follow_by_keyboard(page, next_link, month_url(*following))
    expect(page.get_by_role("table", name=f"Réunions en {month_label(*following)}")).to_be_visible()
    checked(page, "next-month")
    previous_link = months.get_by_role(
        "link", name=f"Mois précédent : {month_label(today.year, today.month)}"
    )
    follow_by_keyboard(page, previous_link, month_url(today.year, today.month))
    expect(this_month).to_be_visible()
    if starts.month != today.month:  # two days from now is next month: go and find it there
        follow_by_keyboard(page, next_link, month_url(*following))

    # 2. The month's meetings are those of the calendar file the resident subscribes to.
    first_day, last_day, shown, titles = month_grid(page)
    assert title in titles.values(), titles
    meeting_path = next(path for path, shown_title in titles.items() if shown_title == title)
    assert (starts.date().isoformat(), "18:00", meeting_path) in shown
    href, feed = subscribed_feed(page)
    assert "?" not in href, href
    in_feed = feed_entries(feed, first_day, last_day)
    assert set(in_feed) == shown
    assert str(in_feed[(starts.date().isoformat(), "18:00", meeting_path)]["SUMMARY"]) == title
    all_kinds = {kind for event in feed.walk("VEVENT") for kind in kinds(event)}
    assert {"Atelier", "Café-débat"} <= all_kinds, all_kinds

    # The filter form: workshops only, in the page and in the subscription.
    filters = page.get_by_role("search", name="Filtrer les réunions")
    filters.get_by_label("Type de réunion").select_option(label="Atelier")
    filters.get_by_role("button", name="Appliquer").click()
    page.wait_for_url(re.compile(r"[?&]kind=workshop"))
    expect(page.get_by_label("Type de réunion")).to_have_value("workshop")
    checked(page, "month-workshops")
    first_day, last_day, shown_workshops, _titles = month_grid(page)
    assert (starts.date().isoformat(), "18:00", meeting_path) in shown_workshops
    assert shown_workshops <= shown
    href, feed = subscribed_feed(page)
    assert "kind=workshop" in href, href
    assert set(feed_entries(feed, first_day, last_day)) == shown_workshops
    assert {kind for event in feed.walk("VEVENT") for kind in kinds(event)} == {"Atelier"}

    # The workshop's page: 2 places, and an invitation to sign in.
    page.get_by_role("table").get_by_role("link", name=f"18:00 {title}").click()
    expect(page.get_by_role("heading", level=1, name=title)).to_be_visible()
    meeting_url = page.url
    registration = registration_section(page)
    expect(registration).to_contain_text(f"{CAPACITY} places restantes")
    event_href = page.get_by_role("link", name="Ajouter à mon agenda (iCalendar)").get_attribute(
        "href"
    )
    event_file = page.request.get(event_href)
    assert event_file.headers["content-type"].startswith("text/calendar")
    assert [
        str(event["SUMMARY"])
        for event in icalendar.Calendar.from_ical(event_file.body()).walk("VEVENT")
    ] == [title]
    checked(page, "meeting-visitor")

    # 4. A resident who has not accepted the participation terms is told what to do first.
    bob = new_page()
    log_in(bob, "bob")
    bob.goto(meeting_url)
    registration_section(bob).get_by_role("button", name="S'inscrire").click()
    expect(registration_section(bob).get_by_role("alert")).to_have_text(
        "Complétez votre profil (nom public et conditions de participation) pour vous inscrire."
    )
    expect(registration_section(bob)).to_contain_text(f"{CAPACITY} places restantes")
    checked(bob, "refused-incomplete-profile")

    # The same resident, on their phone, has the page open before registering on the computer.
    phone = new_page()
    log_in(phone, first)
    phone.goto(meeting_url)

    # 3. The first resident signs in from the meeting page and comes back to it to register.
    registration.get_by_role("link", name="Connectez-vous pour vous inscrire").click()
    page.wait_for_url(re.compile(r"/accounts/login/\?next="))
    checked(page, "login")
    page.get_by_label("E-mail ou nom d'utilisateur").fill(first)
    page.get_by_label("Mot de passe").fill(demo_site.password)
    page.get_by_role("main").get_by_role("button", name="Se connecter").click()
    page.wait_for_url(meeting_url)
    registration.get_by_role("button", name="S'inscrire").click()
    expect(registration).to_contain_text("Vous êtes inscrit.")
    expect(registration).to_contain_text("1 place restante")
    expect(registration.get_by_role("button", name="Annuler mon inscription")).to_be_visible()
    checked(page, "registered-first")

    # Registering again from the phone's stale page is refused, and says why.
    registration_section(phone).get_by_role("button", name="S'inscrire").click()
    expect(registration_section(phone).get_by_role("alert")).to_have_text(
        "Vous êtes déjà inscrit à cette réunion."
    )
    expect(registration_section(phone)).to_contain_text("Vous êtes inscrit.")
    checked(phone, "refused-already-registered")

    # The second resident takes the last place.
    other = new_page()
    log_in(other, second)
    other.goto(meeting_url)
    expect(registration_section(other)).to_contain_text("1 place restante")
    registration_section(other).get_by_role("button", name="S'inscrire").click()
    expect(registration_section(other)).to_contain_text("Vous êtes inscrit.")
    expect(registration_section(other)).to_contain_text("Complet")
    checked(other, "registered-second")

    # The third one finds it full, joins the waiting list and is told their position.
    late = new_page()
    log_in(late, third)
    late.goto(meeting_url)
    waiting_room = registration_section(late)
    expect(waiting_room).to_contain_text("Complet")
    expect(waiting_room.get_by_role("button", name="S'inscrire", exact=True)).to_have_count(0)
    checked(late, "full")
    waiting_room.get_by_role("button", name="S'inscrire sur la liste d'attente").click()
    expect(waiting_room.locator("strong")).to_have_text(
        "Vous êtes sur la liste d'attente (position 1)."
    )
    expect(waiting_room).to_contain_text("Complet — 1 personne sur liste d'attente")
    checked(late, "waiting")

    # The first resident cancels: the place goes to the waiting list, not back to everyone.
    registration.get_by_role("button", name="Annuler mon inscription").click()
    expect(registration).not_to_contain_text("Vous êtes inscrit.")
    expect(registration).to_contain_text("Complet")
    expect(registration).not_to_contain_text("liste d'attente (position")
    expect(
        registration.get_by_role("button", name="S'inscrire sur la liste d'attente")
    ).to_be_visible()
    checked(page, "cancelled")

    late.reload()
    expect(waiting_room).to_contain_text("Vous êtes inscrit.")
    expect(waiting_room).not_to_contain_text("liste d'attente")
    checked(late, "promoted")
    subjects = [subject for subject, _body in emails_to(demo_site, f"{third}@villebrune.example")]
    assert f"Sur liste d'attente : {title}" in subjects, subjects
    assert f"Une place s'est libérée pour vous : {title}" in subjects, subjects
