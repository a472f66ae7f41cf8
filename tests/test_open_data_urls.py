"""Open-data files under their own names: …/results.json, …/export.pb, …/contributions.csv."""

import pytest
from wagtail.models import PageViewRestriction

from wagtail_participation.budgets.ballots import cast_ballot
from wagtail_participation.budgets.models import BallotChannel
from wagtail_participation.budgets.results import publish_results
from wagtail_participation.consultations.models import ConsultationPage

from .budget_factories import VOTE_ENDED, make_budget, make_project
from .conftest import make_process

pytestmark = pytest.mark.django_db


@pytest.fixture
def published_budget(index_page):
    page = make_budget(index_page, phases=VOTE_ENDED)
    benches = make_project(page, "Benches", 30000)
    vote = next(p for p in page.phases if p.kind == "vote")
    cast_ballot(
        page, page.envelope_list[0], [benches.pk], channel=BallotChannel.PAPER, now=vote.ends_at
    )
    publish_results(page)
    return page


def test_results_json_and_export_pb_are_served_under_their_file_names(client, published_budget):
    base = published_budget.url
    by_name = client.get(f"{base}results.json")
    by_sub_url = client.get(f"{base}results/json/")
    assert by_name.status_code == 200
    assert by_name.json() == by_sub_url.json()
    assert by_name.json()["selected"] == [str(published_budget.projects.get().pk)]

    export = client.get(f"{base}export.pb")
    assert export.status_code == 200
    assert export.content.decode().startswith("META")
    assert export.content == client.get(f"{base}export/pb/").content


def test_unknown_files_and_pages_give_404(client, published_budget, index_page):
    base = published_budget.url
    assert client.get(f"{base}ballots.json").status_code == 404
    assert client.get(f"{base}vote.pb").status_code == 404
    assert client.get(f"{index_page.url}results.json").status_code == 404
    assert client.get("/no-such-page/results.json").status_code == 404


def test_before_publication_the_file_is_not_there_either(client, index_page):
    page = make_budget(index_page, phases=VOTE_ENDED)
    assert client.get(f"{page.url}results.json").status_code == 404


def test_a_private_page_keeps_its_files_private(client, published_budget):
    PageViewRestriction.objects.create(
        page=published_budget,
        restriction_type=PageViewRestriction.PASSWORD,
        password="secret",
    )
    response = client.get(f"{published_budget.url}results.json")
    # Wagtail's password form, as on the page itself, not the data.
    assert response["Content-Type"].startswith("text/html")
    assert 'name="password"' in response.content.decode()
    assert "selected" not in response.content.decode()


def test_consultation_exports_have_file_names_too(client, index_page):
    page = make_process(index_page, "Market square", model=ConsultationPage)
    response = client.get(f"{page.url}contributions.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert client.get(f"{page.url}contributions.json").status_code == 200
