"""The participation index: what residents see, filter and page through."""

import pytest
from django.test import override_settings
from wagtail.models import PageViewRestriction

from tests.testapp.models import NeighbourhoodSurveyPage
from wagtail_participation.status import PhaseKind

from .conftest import make_process, phase


@pytest.fixture
def processes(index_page, neighbourhoods):
    return {
        "market": make_process(
            index_page,
            "Market square",
            [phase(PhaseKind.CONTRIBUTION, -5, 10)],
            neighbourhoods=[neighbourhoods["centre"]],
            themes=["Urban planning"],
        ),
        "cycling": make_process(
            index_page,
            "Cycling plan",
            [phase(PhaseKind.INFORMATION, 5, 10)],
            themes=["Mobility"],
        ),
        "park": make_process(
            index_page,
            "Park playgrounds",
            [phase(PhaseKind.VOTE, -30, -20), phase(PhaseKind.RESULTS, -10)],
            neighbourhoods=[neighbourhoods["riverside"]],
            themes=["Urban planning", "Childhood"],
        ),
        "lighting": make_process(
            index_page,
            "Street lighting",
            [phase(PhaseKind.CONTRIBUTION, -30, -20)],
            neighbourhoods=[neighbourhoods["station"]],
        ),
        "survey": make_process(
            index_page,
            "Riverside survey",
            [phase(PhaseKind.CONTRIBUTION, -1, 3)],
            neighbourhoods=[neighbourhoods["riverside"]],
            model=NeighbourhoodSurveyPage,
        ),
    }


def listed_titles(response):
    return [process.title for process in response.context["processes"]]


def test_lists_every_process_open_first(client, index_page, processes, frozen_now):
    response = client.get(index_page.url)
    assert response.status_code == 200
    assert listed_titles(response) == [
        "Riverside survey",  # open, started most recently
        "Market square",  # open
        "Cycling plan",  # upcoming
        "Park playgrounds",  # results published
        "Street lighting",  # closed
    ]
    assert "5 processes" in response.text


def test_upcoming_processes_soonest_first_and_undated_last(client, index_page, frozen_now):
    make_process(index_page, "Undated", [])
    make_process(index_page, "Next year", [phase(PhaseKind.INFORMATION, 365, 400)])
    make_process(index_page, "Next week", [phase(PhaseKind.INFORMATION, 7, 14)])
    assert listed_titles(client.get(index_page.url)) == ["Next week", "Next year", "Undated"]


@pytest.mark.parametrize(
    "query, expected",
    [
        ({"status": "open"}, {"Riverside survey", "Market square"}),
        ({"status": "upcoming"}, {"Cycling plan"}),
        ({"status": "closed"}, {"Street lighting"}),
        ({"status": "results"}, {"Park playgrounds"}),
        ({"neighbourhood": "riverside"}, {"Park playgrounds", "Riverside survey"}),
        ({"theme": "urban-planning"}, {"Market square", "Park playgrounds"}),
        ({"kind": "participation_testapp.neighbourhoodsurveypage"}, {"Riverside survey"}),
        (
            {"kind": "wagtail_participation.informationprocesspage", "status": "open"},
            {"Market square"},
        ),
        ({"neighbourhood": "riverside", "status": "results"}, {"Park playgrounds"}),
    ],
)
def test_filters(client, index_page, processes, frozen_now, query, expected):
    response = client.get(index_page.url, query)
    assert set(listed_titles(response)) == expected


def test_invalid_filter_value_is_explained_and_ignored(client, index_page, processes, frozen_now):
    response = client.get(index_page.url, {"status": "bogus"})
    assert response.status_code == 200
    assert "Select a valid choice" in response.text
    assert len(listed_titles(response)) == 5


def test_theme_choices_come_only_from_listed_pages(client, index_page, processes, frozen_now):
    make_process(index_page, "Secret draft", [], themes=["Secret project"], live=False)
    response = client.get(index_page.url)
    choices = [label for _, label in response.context["filter"].form.fields["theme"].choices]
    assert "Secret project" not in choices
    assert "Mobility" in choices
    assert "Secret project" not in response.text


def test_no_match_shows_an_empty_state_with_a_way_back(client, index_page, processes, frozen_now):
    response = client.get(index_page.url, {"neighbourhood": "station", "status": "open"})
    assert listed_titles(response) == []
    assert "No process matches these filters." in response.text
    assert "See all processes" in response.text


def test_empty_index_says_so(client, index_page, db):
    response = client.get(index_page.url)
    assert response.status_code == 200
    assert "There is no participatory process here yet." in response.text
    assert "<form" not in response.text.split("<main", 1)[1]


def test_drafts_private_and_other_sections_are_not_listed(
    client, index_page, root_page, processes, frozen_now
):
    make_process(index_page, "Unpublished draft", [phase(PhaseKind.VOTE, -1, 5)], live=False)
    private = make_process(index_page, "Private process", [phase(PhaseKind.VOTE, -1, 5)])
    PageViewRestriction.objects.create(
        page=private, restriction_type=PageViewRestriction.PASSWORD, password="secret"
    )
    from wagtail_participation.models import ParticipationIndexPage

    other_index = root_page.add_child(
        instance=ParticipationIndexPage(title="Archive", slug="archive")
    )
    make_process(other_index, "Elsewhere", [phase(PhaseKind.VOTE, -1, 5)])
    titles = listed_titles(client.get(index_page.url))
    assert "Unpublished draft" not in titles
    assert "Private process" not in titles
    assert "Elsewhere" not in titles
    assert len(titles) == 5


@override_settings(WAGTAIL_PARTICIPATION={"BASE_TEMPLATE": "site_base.html", "INDEX_PAGE_SIZE": 2})
def test_pagination_keeps_the_filters(client, index_page, processes, frozen_now):
    first = client.get(index_page.url)
    assert len(listed_titles(first)) == 2
    assert 'href="?page=2"' in first.text
    second = client.get(index_page.url, {"page": 3})
    assert listed_titles(second) == ["Street lighting"]
    filtered = client.get(index_page.url, {"neighbourhood": "riverside"})
    assert "5 processes" not in filtered.text
    assert listed_titles(filtered) == ["Riverside survey", "Park playgrounds"]
    beyond = client.get(index_page.url, {"page": 99})
    assert listed_titles(beyond) == ["Street lighting"]
    with_filter = client.get(index_page.url, {"status": "open", "page": 1})
    assert listed_titles(with_filter) == ["Riverside survey", "Market square"]


@override_settings(WAGTAIL_PARTICIPATION={"BASE_TEMPLATE": "site_base.html", "INDEX_PAGE_SIZE": 2})
def test_page_links_carry_the_filters(client, index_page, neighbourhoods, frozen_now):
    for number in range(3):
        make_process(
            index_page,
            f"Centre process {number}",
            [phase(PhaseKind.CONTRIBUTION, -number - 1, 10)],
            neighbourhoods=[neighbourhoods["centre"]],
        )
    response = client.get(index_page.url, {"neighbourhood": "centre"})
    assert 'href="?neighbourhood=centre&amp;page=2"' in response.text


def test_query_count_does_not_grow_with_processes(
    client, index_page, neighbourhoods, frozen_now, django_assert_max_num_queries, no_public_cache
):
    def add(count, start):
        for number in range(start, start + count):
            make_process(
                index_page,
                f"Process {number}",
                [phase(PhaseKind.CONTRIBUTION, -1, 5), phase(PhaseKind.RESULTS, 10)],
                neighbourhoods=list(neighbourhoods.values()),
                themes=["Mobility", f"Theme {number}"],
            )

    add(2, 0)
    client.get(index_page.url)  # warm the site and content-type caches
    with django_assert_max_num_queries(20) as few:
        client.get(index_page.url)
    add(10, 2)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(index_page.url)
    assert len(listed_titles(response)) == 12


def test_process_page_shows_impact_phases_and_contact(client, index_page, processes, frozen_now):
    page = processes["market"]
    page.contact_email = "participation@town.example"
    page.save_revision().publish()
    response = client.get(page.url)
    assert response.status_code == 200
    text = response.text
    assert "What your contribution will change" in text
    assert "Your ideas shape the final plan." in text
    assert 'aria-current="step"' in text
    assert "Centre" in text and "Urban planning" in text
    assert "mailto:participation@town.example" in text


def test_process_page_query_count_does_not_grow(
    client, index_page, neighbourhoods, frozen_now, django_assert_max_num_queries
):
    small = make_process(index_page, "Small", [phase(PhaseKind.VOTE, -1, 2)], themes=["A"])
    large = make_process(
        index_page,
        "Large",
        [phase(PhaseKind.INFORMATION, -10 + 2 * n, -9 + 2 * n) for n in range(8)],
        neighbourhoods=list(neighbourhoods.values()),
        themes=[f"Theme {n}" for n in range(8)],
    )
    client.get(small.url)  # warm Wagtail's site and page-path caches for both pages
    client.get(large.url)
    with django_assert_max_num_queries(15) as few:
        client.get(small.url)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(large.url)
    assert "Theme 7" in response.text


def test_process_page_says_who_can_take_part(client, index_page, neighbourhoods, frozen_now):
    page = make_process(index_page, "Youth budget", neighbourhoods=[neighbourhoods["station"]])
    page.minimum_age = 11
    page.participation_codes = "account_or_code"
    page.neighbourhood_residents_only = True
    page.save_revision().publish()
    text = client.get(page.url).text
    assert "Who can take part" in text
    assert "with an account on this site, or with a participation code" in text
    assert "From the year they turn 11." in text
    assert "Only people who live in: Station" in text


def test_resident_text_in_titles_is_escaped(client, index_page, frozen_now):
    make_process(index_page, "<script>alert(1)</script>", [phase(PhaseKind.VOTE, -1, 2)])
    response = client.get(index_page.url)
    assert "<script>alert(1)</script>" not in response.text
    assert "&lt;script&gt;" in response.text


def test_index_in_french(client, index_page, processes, frozen_now):
    response = client.get(index_page.url, {"status": "open"}, HTTP_ACCEPT_LANGUAGE="fr")
    assert "En cours" in response.text
    assert "2 démarches" in response.text
