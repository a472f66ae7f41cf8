"""The example site: migrate, load the demo twice, and answer on its main addresses."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MANAGE = ROOT / "example_site" / "manage.py"

PROBE = """
import json
from django.contrib.auth import get_user_model
from django.test import Client
from wagtail.models import Page
from wagtail_participation.models import Neighbourhood, ProcessPhase
from wagtail_participation.codes import CodeBatch
client = Client()
visitor_page = Client().get("/participer/place-du-marche/").text
status = {url: client.get(url).status_code for url in
         ["/", "/participer/", "/participer/place-du-marche/", "/sitemap.xml",
          "/api/v2/pages/", "/admin/login/", "/accounts/login/", "/accounts/signup/",
          "/en/participer/"]}
status["/admin/"] = client.get("/admin/", follow=True).status_code
logged_in = client.login(username="alice", password="demo1234")
admin = get_user_model().objects.get(username="admin")
print(json.dumps({
    "status": status,
    "alice_logs_in": logged_in,
    "admin_is_superuser": admin.is_superuser,
    "pages": Page.objects.count(),
    "neighbourhoods": Neighbourhood.objects.count(),
    "phases": ProcessPhase.objects.count(),
    "french_home": "Participer" in Client().get("/").text,
    "alice_profile_complete": get_user_model().objects.get(
        username="alice").participant_profile.is_complete,
    "codes": {batch.label: batch.codes.count() for batch in CodeBatch.objects.all()},
    "english_index": "processes" in Client().get("/en/participer/").text,
    "language_links": [
        'href="/en/participer/place-du-marche/"' in visitor_page,
        'href="/participer/place-du-marche/"' in visitor_page,
    ],
    "csrf_token_for_visitors": "csrfmiddlewaretoken" in visitor_page,
}))
"""

MEETING_PROBE = """
import json
from django.test import Client
from django.utils import timezone
from icalendar import Calendar
from wagtail_participation.meetings import recurrence
from wagtail_participation.meetings.models import MeetingPage, Registration
client = Client()
today = timezone.localdate()
calendars = ["/participer/agenda/", "/participer/comite-les-pres/", "/participer/comite-la-gare/"]
pages = [url + suffix for url in calendars
         for suffix in ("", f"{today.year}/{today.month}/", "past/", "calendar.ics")]
pages += [m.url for m in MeetingPage.objects.live()]
status = {url: client.get(url).status_code for url in pages}
feed = Calendar.from_ical(client.get("/participer/agenda/calendar.ics").content)
occurrences = [o for m in MeetingPage.objects.live() for o in recurrence.occurrences(m)]
changes = [c for m in MeetingPage.objects.live() for c in m.occurrence_changes.all()]
print(json.dumps({
    "status": status,
    "meetings": MeetingPage.objects.live().count(),
    "kinds": sorted({m.kind for m in MeetingPage.objects.live()}),
    "frequencies": sorted({m.frequency for m in MeetingPage.objects.live()}),
    "feed_events": len(feed.walk("VEVENT")),
    "cancelled_occurrence": any(o.cancelled for o in occurrences),
    "left_out_date": any(c.excluded for c in changes),
    "past_with_minutes": MeetingPage.objects.live().filter(
        starts_at__lt=timezone.now()).exclude(minutes="").exists(),
    "registrations": sorted(Registration.objects.values_list("status", flat=True)),
}))
"""


RESTITUTION_PROBE = """
import json
from django.test import Client
from wagtail_participation.restitution.blocks import RestitutionBodyBlock
from wagtail_participation.restitution.models import RestitutionPage
client = Client()
pages = {p.slug: p for p in RestitutionPage.objects.live()}
used = set()
for page in pages.values():
    used |= {block.block_type for block in page.body}
html = {slug: client.get(page.url) for slug, page in pages.items()}
print(json.dumps({
    "status": {slug: response.status_code for slug, response in html.items()},
    "unused_blocks": sorted(set(RestitutionBodyBlock.base_blocks) - used),
    "square_has_decisions": "Citizen label" in html["bilan-place-du-marche"].text
        or "Label citoyen" in html["bilan-place-du-marche"].text,
    "budget_has_results": "<svg" in html["bilan-budget-citoyen-2025"].text
        and "participation-budget-results" in html["bilan-budget-citoyen-2025"].text,
}))
"""


BUDGET_PROBE = """
import json
from django.test import Client
from wagtail_participation.budgets.models import Ballot, BudgetPage, ImplementationUpdate
client = Client()
pages = ["/participer/budget-citoyen-2027/", "/participer/budget-citoyen-2027/vote/",
         "/participer/budget-citoyen-2026/", "/participer/budget-citoyen-2026/results/",
         "/participer/budget-citoyen-2026/results/json/",
         "/participer/budget-citoyen-2026/export/pb/",
         "/participer/budget-citoyen-2026/results.json",
         "/participer/budget-citoyen-2026/export.pb",
         "/participer/place-du-marche/contributions.csv",
         "/participer/budget-citoyen-2025/", "/participer/budget-citoyen-2025/results/"]
status = {url: client.get(url).status_code for url in pages}
alice = Client()
alice.login(username="alice", password="demo1234")
ballot = alice.get("/participer/budget-citoyen-2027/vote/", follow=True)
results = client.get("/participer/budget-citoyen-2026/results/").text
print(json.dumps({
    "status": status,
    "statuses": {p.slug: p.status for p in BudgetPage.objects.order_by("slug")},
    "ballots": Ballot.objects.count(),
    "updates": ImplementationUpdate.objects.count(),
    "alice_sees_envelopes": all(
        name in ballot.text.lower() for name in ("centre-ville", "toute la ville")),
    "results_table": "<table" in results and "parts" in results.lower(),
}))
"""

PETITION_PROBE = """
import json
from django.test import Client
from wagtail_participation.petitions.models import (
    ConsultativeVotePage, Petition, PetitionIndexPage, Signature)
client = Client()
index = PetitionIndexPage.objects.get(slug="droit-d-interpellation")
vote = ConsultativeVotePage.objects.get(slug="police-municipale")
petitions = {p.title.split()[0]: p for p in Petition.objects.with_status()}
def page(url):
    response = client.get(url)
    return {"status": response.status_code, "text": response.content.decode()}
listing = page(index.url)
open_petition = page(index.url + f"{petitions['Rouvrir'].pk}/")
signatories = page(index.url + f"{petitions['Rouvrir'].pk}/signatories/")
answered = page(index.url + f"{petitions['Sécuriser'].pk}/")
under_review = page(index.url + f"{petitions['Un'].pk}/")
results = page(vote.url)
tally = vote.results()
print(json.dumps({
    "status": {"listing": listing["status"], "open": open_petition["status"],
               "signatories": signatories["status"], "answered": answered["status"],
               "vote": results["status"]},
    "under_review_hidden": under_review["status"] == 404,
    "statuses": sorted(p.current_status for p in petitions.values()),
    "counts": {word: p.signature_count for word, p in petitions.items()},
    "threshold": index.signature_threshold,
    "paper": Signature.objects.filter(channel="paper").count(),
    "listing_shows": ["bureau de poste" in listing["text"], "traversée" in listing["text"]],
    "listing_hides": ["producteurs" in listing["text"], "taxe foncière" in listing["text"]],
    "open_shows_title": "Rouvrir le bureau de poste" in open_petition["text"],
    "answer_shown": "plateau surélevé" in answered["text"],
    "public_name_shown": "Claire L." in signatories["text"],
    "full_names_hidden": not any(
        name in page["text"] for name in ("Lefebvre", "Benali", "Caron", "Jeanne Martin")
        for page in (listing, open_petition, signatories, answered)),
    "votes": [tally.votes, [(o.label, o.votes) for o in tally.options]],
    "vote_shows": ["Pour" in results["text"], "Contre" in results["text"],
                   str(tally.options[0].votes) in results["text"],
                   "police municipale" in results["text"]],
}))
"""

SIGNUP_PROBE = """
import json, re
from urllib.parse import urlparse
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.test.utils import setup_test_environment
setup_test_environment()  # collect e-mails in mail.outbox instead of the console
client = Client()
form = {"email": "chloe@example.org", "display_name": "Chloé", "password1": "Sol-Lune-1987!",
        "password2": "Sol-Lune-1987!", "accept_terms": "on", "website": ""}
signup = client.post("/accounts/signup/", form)
inactive = not get_user_model().objects.get(email="chloe@example.org").is_active
link = re.search(r"https?://\\S+/accounts/confirm/\\S+/", mail.outbox[-1].body).group(0)
confirm = client.post(urlparse(link).path)
profile = client.get("/accounts/profile/")
print(json.dumps({
    "signup": signup.status_code, "inactive_before": inactive,
    "confirm": confirm.status_code, "profile": profile.status_code,
    "active_after": get_user_model().objects.get(email="chloe@example.org").is_active,
    "public_name_shown": "Chloé" in profile.content.decode(),
}))
"""


def manage(*args, env):
    return subprocess.run(
        [sys.executable, str(MANAGE), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def probe(env, script=PROBE):
    result = manage("shell", "--no-imports", "-c", script, env=env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def example_env(tmp_path_factory):
    database = tmp_path_factory.mktemp("example") / "db.sqlite3"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    for command in (["migrate", "--no-input"], ["createcachetable"]):
        result = manage(*command, env=env)
        assert result.returncode == 0, result.stderr
    return env


def test_demo_loads_twice_and_serves_its_pages(example_env):
    first = manage("participation_demo", env=example_env)
    assert first.returncode == 0, first.stderr
    assert "admin" in first.stdout and "alice" in first.stdout and "bob" in first.stdout
    assert "demo1234" in first.stdout
    assert "Participation codes for" in first.stdout
    after_first = probe(example_env)

    second = manage("participation_demo", env=example_env)
    assert second.returncode == 0, second.stderr
    after_second = probe(example_env)

    assert after_first == after_second, "running the demo again must not duplicate anything"
    assert set(after_first["status"].values()) == {200}, after_first["status"]
    assert after_first["alice_logs_in"] and after_first["admin_is_superuser"]
    assert after_first["neighbourhoods"] == 4
    assert after_first["alice_profile_complete"]
    # The codes residents may try, and those used by the demo's consultative vote.
    assert after_first["codes"] == {
        "Démo : école Jean Jaurès, CM2": 5,
        "Démo : cartes de vote, police municipale": 57,
    }
    assert after_first["french_home"] and after_first["english_index"]
    # Links, not a form: a visitor's page carries no CSRF token, so it can be cached.
    assert after_first["language_links"] == [True, True]
    assert not after_first["csrf_token_for_visitors"]

    budgets = probe(example_env, BUDGET_PROBE)
    assert set(budgets["status"].values()) == {200}, budgets["status"]
    assert budgets["statuses"] == {
        "budget-citoyen-2025": "results",
        "budget-citoyen-2026": "results",
        "budget-citoyen-2027": "open",
    }
    assert budgets["ballots"] > 100 and budgets["updates"] >= 5
    assert budgets["alice_sees_envelopes"] and budgets["results_table"]

    meetings = probe(example_env, MEETING_PROBE)
    assert set(meetings["status"].values()) == {200}, meetings["status"]
    assert meetings["meetings"] >= 7
    assert meetings["kinds"] == [
        "cafe_debat",
        "committee",
        "drop_in",
        "online_session",
        "public_meeting",
        "walk",
        "workshop",
    ]
    assert meetings["frequencies"] == ["", "monthly_day", "monthly_weekday", "weekly"]
    assert meetings["feed_events"] >= 3
    assert meetings["cancelled_occurrence"] and meetings["left_out_date"]
    assert meetings["past_with_minutes"]
    assert meetings["registrations"] == ["confirmed"] * 3 + ["waiting"]

    restitutions = probe(example_env, RESTITUTION_PROBE)
    assert restitutions["status"] == {
        "bilan-budget-citoyen-2025": 200,
        "bilan-place-du-marche": 200,
    }
    assert restitutions["unused_blocks"] == []
    assert restitutions["square_has_decisions"] and restitutions["budget_has_results"]

    petitions = probe(example_env, PETITION_PROBE)
    assert set(petitions["status"].values()) == {200}, petitions["status"]
    assert petitions["under_review_hidden"]
    assert petitions["statuses"] == ["answered", "not_admissible", "open", "under_review"]
    assert petitions["counts"] == {"Rouvrir": 48, "Sécuriser": 303, "Un": 0, "Supprimer": 0}
    assert petitions["threshold"] == 300 and petitions["paper"] == 345
    assert petitions["listing_shows"] == [True, True]
    assert petitions["listing_hides"] == [False, False]
    assert petitions["open_shows_title"] and petitions["answer_shown"]
    # Signers' full names are for staff only; a public name only when the signer chose it.
    assert petitions["public_name_shown"] and petitions["full_names_hidden"]
    assert petitions["votes"] == [60, [["Pour", 35], ["Contre", 25]]]
    assert petitions["vote_shows"] == [True, True, True, True]

    signup = probe(example_env, SIGNUP_PROBE)
    assert signup == {
        "signup": 302,
        "inactive_before": True,
        "confirm": 302,
        "profile": 200,
        "active_after": True,
        "public_name_shown": True,
    }


def test_example_site_passes_its_checks(example_env):
    result = manage("check", "--fail-level", "WARNING", env=example_env)
    assert result.returncode == 0, result.stdout + result.stderr
    result = manage("makemigrations", "--check", "--dry-run", env=example_env)
    assert result.returncode == 0, result.stdout + result.stderr
