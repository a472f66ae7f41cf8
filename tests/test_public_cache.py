"""The public page cache (caching.py), as visitors notice it: a second anonymous visit is served
from the shared cache, and what residents, staff and the clock change shows at once."""

import re
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.contrib import messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.db import connection
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.test import Client, RequestFactory, override_settings
from django.test.utils import CaptureQueriesContext
from wagtail.models import Page

from wagtail_participation.budgets.ballots import cast_ballot
from wagtail_participation.budgets.models import BallotChannel
from wagtail_participation.budgets.results import publish_results, withdraw_results
from wagtail_participation.consultations.models import (
    Comment,
    ConsultationPage,
    Contribution,
    ContributionStatus,
    Support,
)
from wagtail_participation.consultations.views import contributions as contribution_views
from wagtail_participation.meetings.models import Registration
from wagtail_participation.meetings.registrations import register
from wagtail_participation.models import ProcessPhase
from wagtail_participation.restitution.models import RestitutionPage, RestitutionSource

from .budget_factories import VOTE_ENDED, make_budget, make_project, make_voter
from .conftest import NOW, make_process, phase
from .meeting_factories import FIRST, add_meeting, make_calendar

pytestmark = pytest.mark.django_db

FIGURES = [("figures", {"heading": "", "figures": [], "by_neighbourhood": False})]


# Fixtures and helpers --------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def empty_cache(db):
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def consultation(index_page, frozen_now):
    return make_process(
        index_page, "Riverside park", [phase("contribution", -1, 10)], model=ConsultationPage
    )


def visitor():
    """A new anonymous browser: no cookie at all."""
    return Client()


def text(response):
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def rename_behind_the_cache(page, title):
    """Change a page's title in the database without any signal: only a fresh render shows it."""
    Page.objects.filter(pk=page.pk).update(title=title)


def contribute(page, title="More benches", **fields):
    return Contribution.objects.create(
        page=page,
        title=title,
        body=f"Text of {title}",
        status=ContributionStatus.PUBLISHED,
        published_at=NOW,
        **fields,
    )


def restitution(parent, *sources):
    page = RestitutionPage(title="What we heard", slug="what-we-heard", notify_participants=False)
    page.body = FIGURES
    page.sources = [RestitutionSource(page=source) for source in sources]
    parent.add_child(instance=page)
    page.save_revision().publish()
    return RestitutionPage.objects.get(pk=page.pk)


def figure(content, label):
    found = re.search(rf"<dt>{label}</dt><dd>(\d+)</dd>", content)
    return int(found.group(1)) if found else None


# 1. A second anonymous visit is served from the cache -----------------------------------------


def test_a_second_anonymous_visit_is_served_from_the_cache(
    consultation, django_assert_max_num_queries
):
    with CaptureQueriesContext(connection) as first_queries:
        first = text(visitor().get(consultation.url))
    rename_behind_the_cache(consultation, "Renamed behind the cache")

    with django_assert_max_num_queries(len(first_queries) // 2):
        second = visitor().get(consultation.url)

    assert "<h1>Riverside park</h1>" in first
    assert text(second) == first  # the old title: nothing was rendered again
    assert "Renamed behind the cache" not in text(second)
    # The same address with another query string is another page.
    assert "Renamed behind the cache" in text(visitor().get(consultation.url + "?sort=recent"))


def test_the_index_is_cached_too_and_kept_no_longer_than_the_setting(
    index_page, consultation, time_machine
):
    assert "Participate" in text(visitor().get(index_page.url))
    rename_behind_the_cache(index_page, "Take part")

    time_machine.shift(timedelta(seconds=299))
    assert "Take part" not in text(visitor().get(index_page.url))
    time_machine.shift(timedelta(seconds=2))
    assert "<h1>Take part</h1>" in text(visitor().get(index_page.url))


# 2. What residents and staff change shows at once ---------------------------------------------


def test_a_new_contribution_shows_on_the_process_its_index_and_its_restitution(
    index_page, consultation
):
    report = restitution(index_page, consultation)
    assert "No contribution has been published yet." in text(visitor().get(consultation.url))
    assert figure(text(visitor().get(report.url)), "Contributions") == 0
    text(visitor().get(index_page.url))
    rename_behind_the_cache(index_page, "Take part")
    assert "Take part" not in text(visitor().get(index_page.url))  # still the cached copy

    contribute(consultation, "Shade trees")

    assert "Shade trees" in text(visitor().get(consultation.url))
    assert figure(text(visitor().get(report.url)), "Contributions") == 1
    assert "<h1>Take part</h1>" in text(visitor().get(index_page.url))  # rendered again


def test_a_support_and_a_comment_by_a_resident_show_at_once(index_page, consultation):
    idea = contribute(consultation, "Bike lane")
    report = restitution(index_page, consultation)
    detail = f"{consultation.url}contributions/{idea.pk}/"
    assert "0 supports" in text(visitor().get(consultation.url))
    assert "Good idea" not in text(visitor().get(detail))
    assert figure(text(visitor().get(report.url)), "Supports") == 0

    resident = make_voter("ines")
    browser = Client()
    browser.force_login(resident)
    browser.post(f"{detail}support/", {"action": "support"})
    browser.post(f"{detail}comment/", {"body": "Good idea", "website": ""})
    assert Support.objects.count() == Comment.objects.count() == 1

    assert "1 support" in text(visitor().get(consultation.url))
    assert "Good idea" in text(visitor().get(detail))
    assert figure(text(visitor().get(report.url)), "Supports") == 1


def test_a_withdrawn_support_shows_at_once(consultation):
    idea = contribute(consultation, "Bike lane")
    support = Support.objects.create(contribution=idea, user=make_voter("ines"))
    assert "1 support" in text(visitor().get(consultation.url))

    support.delete()

    assert "0 supports" in text(visitor().get(consultation.url))


def test_a_new_project_and_a_ballot_show_at_once(index_page, frozen_now):
    budget = make_budget(index_page)
    make_project(budget, "Benches", 5000)
    assert "Benches" in text(visitor().get(budget.url))
    assert "Fountain" not in text(visitor().get(budget.url))

    fountain = make_project(budget, "Fountain", 30000)
    assert "Fountain" in text(visitor().get(budget.url))

    text(visitor().get(index_page.url))
    rename_behind_the_cache(budget, "Budget renamed")
    rename_behind_the_cache(index_page, "Take part")
    assert "Budget renamed" not in text(visitor().get(budget.url))

    cast_ballot(budget, budget.envelope_list[0], [fountain.pk], user=make_voter("amina"))

    assert "Budget renamed" in text(visitor().get(budget.url))
    assert "<h1>Take part</h1>" in text(visitor().get(index_page.url))


def budget_with_a_paper_ballot(index_page):
    budget = make_budget(index_page, phases=VOTE_ENDED)
    benches = make_project(budget, "Benches", 5000)
    cast_ballot(
        budget,
        budget.envelope_list[0],
        [benches.pk],
        channel=BallotChannel.PAPER,
        entered_by=make_voter("staff"),
        paper_reference="P1",
    )
    return budget


def test_published_results_show_at_once(index_page, frozen_now):
    budget = budget_with_a_paper_ballot(index_page)
    results = budget.url + budget.reverse_subpage("results")
    assert "<table" not in text(visitor().get(results))

    publish_results(budget)

    assert "<table" in text(visitor().get(results))


def test_withdrawn_results_disappear_at_once(index_page, frozen_now):
    budget = budget_with_a_paper_ballot(index_page)
    publish_results(budget)
    results = budget.url + budget.reverse_subpage("results")
    assert "<table" in text(visitor().get(results))

    withdraw_results(budget)

    assert "<table" not in text(visitor().get(results))


def test_a_registration_shows_at_once_on_the_calendar(index_page, frozen_now):
    calendar = make_calendar(index_page)
    meeting = add_meeting(calendar, registration="site", capacity=3)
    text(visitor().get(calendar.url))
    rename_behind_the_cache(calendar, "Committees renamed")
    assert "Committees renamed" not in text(visitor().get(calendar.url))

    register(meeting, FIRST, make_voter("amina"))

    assert "Committees renamed" in text(visitor().get(calendar.url))


def test_a_registration_shows_at_once_on_a_restitution_of_its_calendar(index_page, frozen_now):
    held = NOW - timedelta(days=5)
    calendar = make_calendar(index_page, title="Committees")
    meeting = add_meeting(calendar, title="Open committee", start=held, attendee_count=12)
    Registration.objects.create(meeting=meeting, occurrence_start=held, user=make_voter("alice"))
    report = restitution(index_page, calendar)
    assert figure(text(visitor().get(report.url)), "Participants") == 1

    Registration.objects.create(meeting=meeting, occurrence_start=held, user=make_voter("bob"))

    assert figure(text(visitor().get(report.url)), "Participants") == 2


# 3. Publishing, unpublishing, deleting pages --------------------------------------------------


def test_publishing_unpublishing_and_deleting_a_process_show_on_the_index_at_once(
    index_page, consultation
):
    assert "Market square" not in text(visitor().get(index_page.url))

    square = make_process(index_page, "Market square", [phase("contribution", -1, 10)])
    assert "Market square" in text(visitor().get(index_page.url))

    square.unpublish()
    assert "Market square" not in text(visitor().get(index_page.url))
    assert "Riverside park" in text(visitor().get(index_page.url))

    consultation.title = "Riverside park, second round"
    consultation.save_revision().publish()
    assert "Riverside park, second round" in text(visitor().get(index_page.url))

    Page.objects.get(pk=consultation.pk).delete()
    assert "Riverside park" not in text(visitor().get(index_page.url))


def test_a_draft_revision_does_not_change_the_public_page(consultation):
    text(visitor().get(consultation.url))
    consultation.title = "Draft title"
    consultation.save_revision()  # not published
    assert "Draft title" not in text(visitor().get(consultation.url))


# 4. Signed-in residents ------------------------------------------------------------------------


def test_signed_in_residents_see_their_own_state_never_the_cached_copy(consultation):
    idea = contribute(consultation, "Bike lane")
    detail = f"{consultation.url}contributions/{idea.pk}/"
    resident = make_voter("ines")
    Support.objects.create(contribution=idea, user=resident)
    anonymous = visitor().get(detail)
    assert "You support this contribution." not in text(anonymous)
    assert "private" not in anonymous.get("Cache-Control", "")
    assert "Cookie" in anonymous["Vary"]

    browser = Client()
    browser.force_login(resident)
    own = browser.get(detail)

    assert "You support this contribution." in text(own)
    assert "Withdraw my support" in text(own)
    assert "private" in own["Cache-Control"]
    assert "Cookie" in own["Vary"]


def test_a_signed_in_visit_is_not_stored_for_visitors(consultation):
    browser = Client()
    browser.force_login(make_voter("ines"))
    assert "private" in browser.get(consultation.url)["Cache-Control"]
    rename_behind_the_cache(consultation, "Renamed")

    assert "<h1>Renamed</h1>" in text(visitor().get(consultation.url))
    assert "<h1>Renamed</h1>" in text(browser.get(consultation.url))


# 5. Session and messages cookies ---------------------------------------------------------------


def test_a_visitor_with_a_session_cookie_is_not_served_the_cached_copy(consultation):
    text(visitor().get(consultation.url))
    rename_behind_the_cache(consultation, "Renamed")

    with_session = visitor()
    with_session.cookies[django_settings.SESSION_COOKIE_NAME] = "a-session-key"

    assert "<h1>Renamed</h1>" in text(with_session.get(consultation.url))
    assert "<h1>Renamed</h1>" not in text(visitor().get(consultation.url))


def test_a_message_waiting_in_its_cookie_is_shown_not_the_cached_copy(consultation):
    text(visitor().get(consultation.url))
    request = RequestFactory().get("/")
    storage = CookieStorage(request)
    storage.add(messages.SUCCESS, "Your contribution is waiting for moderation.")
    carrier = HttpResponse()
    storage.update(carrier)

    with_message = visitor()
    with_message.cookies[storage.cookie_name] = carrier.cookies[storage.cookie_name].value
    content = text(with_message.get(consultation.url))

    assert "Your contribution is waiting for moderation." in content
    assert "Your contribution is waiting" not in text(visitor().get(consultation.url))


# 6. Responses that must not be stored ----------------------------------------------------------


def test_a_response_that_used_a_csrf_token_is_not_stored(consultation, monkeypatch):
    original = contribution_views.contribution_list

    def list_with_a_form(request, page):
        get_token(request)  # as a {% csrf_token %} in the template would
        return original(request, page)

    monkeypatch.setattr(contribution_views, "contribution_list", list_with_a_form)
    first = visitor().get(consultation.url)
    assert django_settings.CSRF_COOKIE_NAME in first.cookies
    rename_behind_the_cache(consultation, "Renamed")

    assert "<h1>Renamed</h1>" in text(visitor().get(consultation.url))


def test_the_contribution_form_open_to_visitors_is_not_stored(consultation):
    consultation.open_to_anonymous = True
    consultation.save_revision().publish()
    form_url = consultation.url + "contribute/"
    form = visitor().get(form_url)
    assert "csrfmiddlewaretoken" in text(form)
    assert "private" in form["Cache-Control"] or "no-store" in form["Cache-Control"]
    rename_behind_the_cache(consultation, "Renamed")

    assert "Renamed" in text(visitor().get(form_url))


def test_a_not_found_sub_page_is_not_stored(consultation):
    idea = contribute(consultation, "Pending idea")
    Contribution.objects.filter(pk=idea.pk).update(status=ContributionStatus.PENDING)
    detail = f"{consultation.url}contributions/{idea.pk}/"
    assert visitor().get(detail).status_code == 404

    Contribution.objects.filter(pk=idea.pk).update(status=ContributionStatus.PUBLISHED)

    assert "Pending idea" in text(visitor().get(detail))


# 7. The clock ----------------------------------------------------------------------------------


def test_the_cached_copy_is_not_kept_past_the_next_phase_change(index_page, time_machine):
    time_machine.move_to(NOW, tick=False)
    page = make_process(index_page, "Closing soon", model=ConsultationPage)
    ProcessPhase.objects.filter(page=page).delete()
    ProcessPhase.objects.create(
        page=page,
        kind="contribution",
        starts_at=NOW - timedelta(days=1),
        ends_at=NOW + timedelta(seconds=60),
    )
    cache.clear()
    assert 'contribute/"' in text(visitor().get(page.url))
    time_machine.shift(timedelta(seconds=30))
    assert 'contribute/"' in text(visitor().get(page.url))

    time_machine.shift(timedelta(seconds=31))
    content = text(visitor().get(page.url))

    assert "Contributions are closed" in content
    assert 'contribute/"' not in content


def test_a_page_whose_phase_starts_soon_opens_on_time(index_page, time_machine):
    time_machine.move_to(NOW, tick=False)
    page = make_process(
        index_page, "Opening soon", [phase("contribution", 1, 10)], model=ConsultationPage
    )
    ProcessPhase.objects.filter(page=page).update(starts_at=NOW + timedelta(seconds=90))
    cache.clear()
    assert "Contributions are not open yet" in text(visitor().get(page.url))

    time_machine.shift(timedelta(seconds=91))

    assert "Contributions are not open yet" not in text(visitor().get(page.url))


@override_settings(
    WAGTAIL_PARTICIPATION={"BASE_TEMPLATE": "site_base.html", "PUBLIC_CACHE_SECONDS": 0}
)
def test_no_caching_when_the_setting_is_0(consultation):
    text(visitor().get(consultation.url))
    rename_behind_the_cache(consultation, "Renamed")

    assert "<h1>Renamed</h1>" in text(visitor().get(consultation.url))


@override_settings(
    WAGTAIL_PARTICIPATION={"BASE_TEMPLATE": "site_base.html", "PUBLIC_CACHE_SECONDS": 20}
)
def test_a_shorter_setting_is_respected(consultation, time_machine):
    text(visitor().get(consultation.url))
    rename_behind_the_cache(consultation, "Renamed")
    assert "<h1>Renamed</h1>" not in text(visitor().get(consultation.url))

    time_machine.shift(timedelta(seconds=21))

    assert "<h1>Renamed</h1>" in text(visitor().get(consultation.url))


# 8. Languages ----------------------------------------------------------------------------------


def test_french_and_english_are_cached_apart(consultation):
    # The test site has no /fr/ prefix: the language comes from the browser's Accept-Language.
    english = text(visitor().get(consultation.url, HTTP_ACCEPT_LANGUAGE="en"))
    french = text(visitor().get(consultation.url, HTTP_ACCEPT_LANGUAGE="fr"))
    english_again = text(visitor().get(consultation.url, HTTP_ACCEPT_LANGUAGE="en"))

    assert "What your contribution will change" in english
    assert "Ce que votre contribution va changer" in french
    assert "What your contribution will change" not in french
    assert english_again == english


# 9. Again once committed -----------------------------------------------------------------------


def test_the_page_is_made_stale_again_once_the_change_is_committed(
    consultation, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        contribute(consultation, "Shade trees")
    assert callbacks
    # A visitor renders the page between the change and the commit; it is cached then.
    assert "Shade trees" in text(visitor().get(consultation.url))
    rename_behind_the_cache(consultation, "Renamed")
    assert "<h1>Renamed</h1>" not in text(visitor().get(consultation.url))

    for callback in callbacks:
        callback()

    assert "<h1>Renamed</h1>" in text(visitor().get(consultation.url))


def test_publishing_a_page_makes_everything_stale_again_once_committed(
    index_page, consultation, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        make_process(index_page, "Market square")
    assert callbacks
    text(visitor().get(consultation.url))
    rename_behind_the_cache(consultation, "Renamed")

    for callback in callbacks:
        callback()

    assert "<h1>Renamed</h1>" in text(visitor().get(consultation.url))


def test_a_renamed_neighbourhood_shows_at_once_on_the_index(index_page, neighbourhoods, frozen_now):
    make_process(
        index_page,
        "Riverside park",
        [phase("contribution", -1, 10)],
        neighbourhoods=[neighbourhoods["riverside"]],
        model=ConsultationPage,
    )
    assert "Riverside" in text(visitor().get(index_page.url))

    neighbourhoods["riverside"].name = "Bords de Loire"
    neighbourhoods["riverside"].save()

    assert "Bords de Loire" in text(visitor().get(index_page.url))
