"""The public project pages of a participatory budget, as residents use them: the budget page and
its project list, a project's page with its review outcome and implementation, and submitting a
project."""

import re
from datetime import date
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.images.models import Image
from wagtail.images.tests.utils import get_test_image_file

from wagtail_participation.budgets.ballots import cast_ballot
from wagtail_participation.budgets.models import (
    BallotChannel,
    BallotKind,
    BudgetEnvelope,
    BudgetPage,
    BudgetProject,
    BudgetProjectTheme,
    ImplementationUpdate,
    ProjectStatus,
    ResultsRule,
)
from wagtail_participation.budgets.results import publish_results
from wagtail_participation.models import CodeUse

from .budget_factories import (
    SUBMISSION_OPEN,
    VOTE_ENDED,
    VOTE_OPEN,
    make_budget,
    make_project,
    make_voter,
)

# Fixtures and helpers --------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def empty_cache(db):
    """Rate limits count in the cache: start every test with none used."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def budget(index_page, frozen_now):
    return make_budget(index_page, phases=VOTE_OPEN)


@pytest.fixture
def two_envelopes(index_page, neighbourhoods, frozen_now):
    return make_budget(
        index_page,
        "Budget des quartiers",
        phases=SUBMISSION_OPEN,
        envelopes=((None, 100000), (neighbourhoods["centre"], 30000)),
    )


@pytest.fixture
def submission_budget(index_page, frozen_now):
    page = make_budget(index_page, "Budget à projets", phases=SUBMISSION_OPEN)
    page.themes.set(["Green spaces", "Mobility"])
    page.save_revision().publish()
    return BudgetPage.objects.get(pk=page.pk)


@pytest.fixture
def resident(db):
    return make_voter("ines")


def url(page, suffix=""):
    return page.url + suffix


def detail(page, project):
    return url(page, f"projects/{project.pk}/")


def text(response):
    return response.content.decode()


def titles_in(response):
    return re.findall(
        r'<h3 class="participation-card__title"[^>]*><a href="[^"]+">([^<]+)</a></h3>',
        text(response),
    )


def themed(project, *names):
    project.themes.set(list(names))
    return project


def vote_on_paper(page, *ballots):
    """Paper ballots, each a list of projects (the vote phase must have started)."""
    envelope = page.envelope_list[0]
    for projects in ballots:
        cast_ballot(page, envelope, [p.pk for p in projects], channel=BallotChannel.PAPER)


def submit_data(**overrides):
    data = {
        "title": "Benches in the park",
        "description": "Ten benches\nalong the river.",
        "estimated_cost": "12000",
        "location": "Parc de la Souchez",
        "proposer_name": "",
        "website": "",
    }
    data.update(overrides)
    return data


# The budget page -------------------------------------------------------------------------------


def test_list_shows_only_public_projects(client, budget, index_page):
    for status in ProjectStatus.values:
        make_project(budget, f"Project {status}", 1000, status=status, public_reason="Why")
    other = make_budget(index_page, "Other budget")
    make_project(other, "Project elsewhere", 1000)

    response = client.get(url(budget))

    assert response.status_code == 200
    shown = titles_in(response)
    assert "Project submitted" not in shown
    assert "Project elsewhere" not in shown
    assert sorted(shown) == sorted(f"Project {s}" for s in ProjectStatus.values if s != "submitted")
    assert "7 projects" in text(response)
    assert "Project submitted" not in text(response)


def test_budget_page_explains_money_rules_and_calls_to_action(client, budget):
    content = text(client.get(url(budget)))

    assert "<h1>Budget citoyen 2026</h1>" in content
    assert "What your contribution will change" in content
    assert "100,000 EUR to spend: Whole town." in content
    assert "Choose as many projects as you like." in content
    assert "Projects with the most votes are funded first, as long as money remains" in content
    assert f'href="{url(budget, "vote/")}"' in content
    assert f'href="{url(budget, "submit/")}"' not in content
    assert f'href="{url(budget, "results/")}"' not in content
    assert "No project has been published yet." in content


def test_several_envelopes_are_listed_with_their_total(client, two_envelopes):
    content = text(client.get(url(two_envelopes)))

    assert "<caption>Envelopes: 130,000 EUR in all</caption>" in content
    assert '<tr><th scope="row">Whole town</th><td>100,000 EUR</td></tr>' in content
    assert '<tr><th scope="row">Centre</th><td>30,000 EUR</td></tr>' in content
    assert '<tr><th scope="row">Total</th><td>130,000 EUR</td></tr>' in content
    assert "You vote in your neighbourhood&#x27;s envelope and in the town-wide envelope" in content
    assert f'href="{url(two_envelopes, "submit/")}"' in content


@pytest.mark.parametrize(
    "fields, sentences",
    [
        (
            {"min_choices": 1, "max_choices": 3},
            ["Choose between 1 and 3 projects.", "Projects with the most votes are funded first"],
        ),
        ({"min_choices": 2, "max_choices": 2}, ["Choose 2 projects."]),
        (
            {"ballot_kind": BallotKind.KNAPSACK, "min_spend_percent": 80},
            ["Choose projects whose total cost fits in the envelope. Spend at least 80% of it."],
        ),
        (
            {"results_rule": ResultsRule.GREEDY_THRESHOLD, "vote_threshold": 50},
            ["Projects with at least 50 votes can be funded.", "Among them, the projects with"],
        ),
        (
            {"results_rule": ResultsRule.EQUAL_SHARES},
            ["Each envelope is shared equally among its voters"],
        ),
    ],
)
def test_ballot_and_results_rules_in_plain_words(client, index_page, frozen_now, fields, sentences):
    page = make_budget(index_page, **fields)

    content = text(client.get(url(page)))

    for sentence in sentences:
        assert sentence.replace("'", "&#x27;") in content


def test_results_link_once_results_are_published(client, index_page, frozen_now):
    page = make_budget(index_page, phases=VOTE_ENDED)
    park = make_project(page, "Park", 1000)
    vote_on_paper(page, [park])
    publish_results(page)

    content = text(client.get(url(page)))

    assert f'href="{url(page, "results/")}"' in content
    assert f'href="{url(page, "vote/")}"' not in content


def test_closed_submission_is_explained(client, index_page, frozen_now):
    page = make_budget(index_page, phases=SUBMISSION_OPEN[1:])

    content = text(client.get(url(page)))

    assert "Project submission is closed" not in content  # the phase was never held
    assert "This budget does not collect projects from residents." in content


def test_card_shows_cost_envelope_themes_status_and_progress(client, two_envelopes, neighbourhoods):
    centre = two_envelopes.envelope_list[1]
    works = themed(
        make_project(two_envelopes, "Cycle lane", "25000.50", centre, ProjectStatus.IN_PROGRESS),
        "Mobility",
        "Safety",
    )
    ImplementationUpdate.objects.create(
        project=works, date=date(2026, 1, 10), text="Started", progress=20
    )
    ImplementationUpdate.objects.create(
        project=works, date=date(2026, 2, 10), text="Half done", progress=55
    )
    make_project(two_envelopes, "Finished fountain", 5000, status=ProjectStatus.DONE)

    content = text(client.get(url(two_envelopes)))

    assert "25,000.50 EUR" in content
    assert "<dd>Centre</dd>" in content
    assert "<dd>Mobility, Safety</dd>" in content
    assert ">In progress</span>" in content
    assert "55% done" in content and 'value="55"' in content
    assert "20% done" not in content
    assert "100% done" in content  # done without updates
    assert f'href="{detail(two_envelopes, works)}"' in content


def test_a_signed_in_proposer_sees_their_submissions_waiting_for_review(client, budget, resident):
    mine = make_project(budget, "My waiting idea", 100, status="submitted", proposer=resident)
    make_project(budget, "Someone else's", 100, status="submitted")
    client.force_login(resident)

    response = client.get(url(budget))

    assert "Your projects waiting for review" in text(response)
    assert f'<a href="{detail(budget, mine)}">My waiting idea</a>' in text(response)
    assert "Someone else" not in text(response)
    assert titles_in(response) == []


# Filters and sorting ---------------------------------------------------------------------------


def test_filters_by_envelope_theme_and_status(client, two_envelopes):
    town, centre = two_envelopes.envelope_list
    themed(make_project(two_envelopes, "Trees", 1000, town), "Green spaces")
    themed(make_project(two_envelopes, "Bus shelter", 2000, centre), "Mobility")
    themed(
        make_project(
            two_envelopes,
            "Rejected slide",
            3000,
            centre,
            ProjectStatus.NOT_ADMISSIBLE,
            public_reason="Not on public land.",
        ),
        "Green spaces",
    )
    themed(make_project(two_envelopes, "Fresh", 500, town, "submitted"), "Secret theme")

    def titles(**query):
        return sorted(titles_in(client.get(url(two_envelopes), query)))

    assert titles(envelope=centre.pk) == ["Bus shelter", "Rejected slide"]
    assert titles(envelope=town.pk) == ["Trees"]
    assert titles(theme="green-spaces") == ["Rejected slide", "Trees"]
    assert titles(status="not_admissible") == ["Rejected slide"]
    assert titles(status="on_ballot", envelope=centre.pk) == ["Bus shelter"]
    content = text(client.get(url(two_envelopes)))
    assert '<option value="mobility">Mobility</option>' in content
    assert "Secret theme" not in content  # only themes of public projects are offered
    assert '<option value="submitted">' not in content
    assert "Clear filters" in text(client.get(url(two_envelopes), {"theme": "mobility"}))


def test_no_filter_that_offers_no_choice(client, budget):
    make_project(budget, "Only one", 1000)

    content = text(client.get(url(budget)))

    assert 'name="envelope"' not in content  # one envelope
    assert 'name="theme"' not in content  # no themes
    assert 'name="status"' not in content  # one status
    assert 'name="sort"' in content


def test_a_filter_matching_nothing_says_so(client, two_envelopes):
    make_project(two_envelopes, "Trees", 1000)
    centre = two_envelopes.envelope_list[1]

    content = text(client.get(url(two_envelopes), {"envelope": centre.pk}))

    assert "No project matches these filters." in content


def test_sorting(client, budget):
    make_project(budget, "Bicycle racks", 3000)
    make_project(budget, "athletics track", 90000)
    make_project(budget, "Compost bins", 500)

    def titles(sort):
        return titles_in(client.get(url(budget), {"sort": sort}))

    assert titles_in(client.get(url(budget))) == [
        "athletics track",
        "Bicycle racks",
        "Compost bins",
    ]
    assert titles("cost") == ["Compost bins", "Bicycle racks", "athletics track"]
    assert titles("-cost") == ["athletics track", "Bicycle racks", "Compost bins"]
    assert titles("recent") == ["Compost bins", "athletics track", "Bicycle racks"]
    assert titles("votes") == titles("title")  # no results yet: not a choice, title order


def test_random_order_is_the_same_for_one_visitor(client, budget):
    for number in range(12):
        make_project(budget, f"Project {number:02d}", 1000 + number)

    first = titles_in(client.get(url(budget), {"sort": "random"}))
    again = titles_in(client.get(url(budget), {"sort": "random"}))

    assert first == again
    assert sorted(first) == [f"Project {n:02d}" for n in range(12)]


def test_most_votes_first_once_results_are_published(client, index_page, frozen_now):
    page = make_budget(index_page, phases=VOTE_ENDED)
    little = make_project(page, "Little liked", 1000)
    loved = make_project(page, "Loved", 1000)
    liked = make_project(page, "Liked", 1000)
    vote_on_paper(page, [loved, liked], [loved, liked, little], [loved])
    publish_results(page)

    response = client.get(url(page))

    assert titles_in(response) == ["Loved", "Liked", "Little liked"]  # the default after results
    assert "3 votes" in text(response) and "1 vote<" in text(response)
    assert titles_in(client.get(url(page), {"sort": "title"}))[0] == "Liked"


def bulk_projects(page, count, tag):
    created = BudgetProject.objects.bulk_create(
        BudgetProject(
            page=page,
            envelope=page.envelope_list[number % len(page.envelope_list)],
            title=f"Bulk {number:03d}",
            description="Text",
            estimated_cost=Decimal(100 + number),
            status=ProjectStatus.IN_PROGRESS if number % 2 else ProjectStatus.ON_BALLOT,
        )
        for number in range(count)
    )
    BudgetProjectTheme.objects.bulk_create(
        BudgetProjectTheme(content_object=project, tag=tag) for project in created
    )
    ImplementationUpdate.objects.bulk_create(
        ImplementationUpdate(project=project, text="Going", progress=40) for project in created
    )
    return created


@pytest.mark.parametrize("query", [{}, {"sort": "-cost"}, {"sort": "random"}, {"theme": "parks"}])
def test_list_query_count_does_not_grow_with_projects(
    client, two_envelopes, resident, django_assert_max_num_queries, query
):
    from taggit.models import Tag

    tag = Tag.objects.create(name="Parks", slug="parks")
    client.force_login(resident)
    bulk_projects(two_envelopes, 3, tag)
    client.get(url(two_envelopes), query)  # the session's shuffle seed, the site root paths
    with CaptureQueriesContext(connection) as few:
        response = client.get(url(two_envelopes), query)
    assert len(titles_in(response)) == 3

    bulk_projects(two_envelopes, 27, tag)
    with django_assert_max_num_queries(len(few)):
        response = client.get(url(two_envelopes), query)
    assert len(titles_in(response)) == 20
    assert "30 projects" in text(response)


def test_list_query_count_with_results_does_not_grow(
    client, index_page, frozen_now, django_assert_max_num_queries, no_public_cache
):
    page = make_budget(index_page, phases=VOTE_ENDED)
    projects = [make_project(page, f"P{n}", 100) for n in range(3)]
    vote_on_paper(page, projects)
    publish_results(page)
    client.get(url(page))
    with CaptureQueriesContext(connection) as few:
        client.get(url(page))

    BudgetProject.objects.bulk_create(
        BudgetProject(
            page=page,
            envelope=page.envelope_list[0],
            title=f"Late {n}",
            description="x",
            estimated_cost=1,
            status=ProjectStatus.NOT_ADMISSIBLE,
            public_reason="Too late",
        )
        for n in range(27)
    )
    with django_assert_max_num_queries(len(few)):
        response = client.get(url(page))
    assert len(titles_in(response)) == 20


def test_preview_of_an_unsaved_budget_page_does_not_crash(index_page, frozen_now):
    page = BudgetPage(
        title="Not saved yet", slug="not-saved", impact_statement="<p>Impact</p>", intro="Hi"
    )
    page.envelopes = [BudgetEnvelope(amount=Decimal(5000))]

    response = page.make_preview_request()

    assert response.status_code == 200
    content = response.render().content.decode()
    assert "5,000 EUR to spend" in content
    assert "No project has been published yet." in content


# The project page ------------------------------------------------------------------------------


def test_project_page_shows_the_project(client, two_envelopes, resident):
    centre = two_envelopes.envelope_list[1]
    project = themed(
        make_project(
            two_envelopes,
            "Shade <trees>",
            "18000",
            centre,
            description="Plant trees\n\nnear the <school>.",
            location="Rue Jean Jaurès",
            latitude=Decimal("50.4291"),
            longitude=Decimal("2.7806"),
            proposer=resident,
        ),
        "Green spaces",
    )

    content = text(client.get(detail(two_envelopes, project)))

    assert "<h1>Shade &lt;trees&gt;</h1>" in content
    assert "<p>Plant trees</p>\n\n<p>near the &lt;school&gt;.</p>" in content
    assert "18,000 EUR" in content
    assert "<dd>Centre</dd>" in content
    assert "<dd>Green spaces</dd>" in content
    assert "Rue Jean Jaurès" in content
    assert "https://www.openstreetmap.org/?mlat=50.429100&amp;mlon=2.780600" in content
    assert "Proposed by Ines" in content
    assert "ines@example.org" not in content
    assert ">On the ballot</span>" in content
    assert "<strong>Admissible</strong>" in content
    assert f'href="{url(two_envelopes, "vote/")}"' not in content  # not the vote phase


def test_project_page_shows_a_group_name_instead_of_the_proposer(client, budget, resident):
    project = make_project(
        budget, "Skate park", 1000, proposer=resident, proposer_name="Riverside youth club"
    )

    content = text(client.get(detail(budget, project)))

    assert "Proposed by Riverside youth club" in content
    assert "Ines" not in content


def test_not_admissible_project_shows_the_reason(client, budget):
    project = make_project(
        budget,
        "Private pool",
        1000,
        status=ProjectStatus.NOT_ADMISSIBLE,
        public_reason="The land is private:\nthe town cannot build there.",
    )

    content = text(client.get(detail(budget, project)))

    assert "Review outcome" in content
    assert ">Not admissible</span>" in content
    assert "<strong>Not admissible</strong>: the project will not be put to the vote." in content
    assert "<p>The land is private:<br>the town cannot build there.</p>" in content


def test_project_page_links_to_the_vote_while_it_is_open(client, budget):
    project = make_project(budget, "Benches", 1000)

    assert f'href="{url(budget, "vote/")}"' in text(client.get(detail(budget, project)))


def test_project_page_shows_votes_and_selection_once_results_are_published(
    client, index_page, frozen_now
):
    page = make_budget(index_page, phases=VOTE_ENDED, envelopes=((None, 1500),))
    funded = make_project(page, "Funded", 1000)
    too_big = make_project(page, "Too big", 1000)
    unloved = make_project(page, "Unloved", 100)
    vote_on_paper(page, [funded, too_big], [funded], [too_big])
    BudgetProject.objects.filter(pk=funded.pk).update(title="Funded")
    publish_results(page)

    funded_page = text(client.get(detail(page, funded)))
    too_big_page = text(client.get(detail(page, too_big)))
    unloved_page = text(client.get(detail(page, unloved)))

    assert "2 votes" in funded_page
    assert "Selected: this project is funded." in funded_page
    assert ">Selected</span>" in funded_page
    assert "Not selected: this project is not funded." in too_big_page
    assert "when its turn came, 500 EUR remained in the envelope, less than its cost" in (
        too_big_page
    )
    assert "0 votes" in unloved_page and "nobody voted for it" in unloved_page
    assert f'href="{url(page, "results/")}"' in funded_page


def test_implementation_updates_newest_first_with_progress_and_photos(
    client, budget, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    photo = Image.objects.create(title="Bench", file=get_test_image_file())
    project = make_project(
        budget,
        "Benches",
        1000,
        status=ProjectStatus.IN_PROGRESS,
        images=[
            ("image", {"image": photo, "alt_text": "A drawing of the bench", "decorative": False})
        ],
    )
    ImplementationUpdate.objects.create(
        project=project, date=date(2026, 1, 5), text="Ordered the <benches>", progress=10
    )
    ImplementationUpdate.objects.create(
        project=project,
        date=date(2026, 3, 1),
        text="Five benches installed",
        progress=60,
        photos=[("image", {"image": photo, "alt_text": "Two new benches"})],
    )

    content = text(client.get(detail(budget, project)))

    assert content.index("Five benches installed") < content.index("Ordered the &lt;benches&gt;")
    assert content.index("March 1, 2026") < content.index("Jan. 5, 2026")
    assert 'value="60"' in content and "60% done" in content and "10% done" in content
    assert re.search(r'<progress max="100" value="60" aria-labelledby="[^"]+">', content)
    assert 'alt="A drawing of the bench"' in content
    assert 'alt="Two new benches"' in content


@pytest.mark.parametrize("status", [ProjectStatus.SUBMITTED])
def test_a_project_waiting_for_review_is_hidden_from_others(client, budget, resident, status):
    project = make_project(budget, "Fresh idea", 100, status=status, proposer=resident)

    assert client.get(detail(budget, project)).status_code == 404
    client.force_login(make_voter("other"))
    assert client.get(detail(budget, project)).status_code == 404


def test_its_proposer_sees_a_project_waiting_for_review(client, budget, resident):
    project = make_project(budget, "Fresh idea", 100, status="submitted", proposer=resident)
    client.force_login(resident)

    response = client.get(detail(budget, project))

    assert response.status_code == 200
    assert "Your project is waiting for review." in text(response)
    assert "Review outcome" not in text(response)


def test_projects_of_other_pages_or_unknown_are_404(client, budget, index_page):
    other = make_budget(index_page, "Other budget")
    elsewhere = make_project(other, "Elsewhere", 100)

    assert client.get(detail(budget, elsewhere)).status_code == 404
    assert client.get(url(budget, "projects/999999/")).status_code == 404
    assert client.get(detail(other, elsewhere)).status_code == 200


# Submitting a project --------------------------------------------------------------------------


def test_a_resident_submits_a_project(client, submission_budget, resident):
    client.force_login(resident)
    form_page = client.get(url(submission_budget, "submit/"))
    assert form_page.status_code == 200
    assert 'value="Ines"' in text(form_page)  # the public name is proposed

    response = client.post(
        url(submission_budget, "submit/"),
        submit_data(estimated_cost="12 000,50"),
    )

    project = BudgetProject.objects.get()
    assert response.status_code == 302
    assert response["Location"] == detail(submission_budget, project)
    assert project.status == ProjectStatus.SUBMITTED
    assert project.proposer == resident
    assert project.proposer_name == ""  # shown through the profile
    assert project.estimated_cost == Decimal("12000.50")
    assert project.description == "Ten benches\nalong the river."
    assert project.envelope == submission_budget.envelope_list[0]
    confirmation = text(client.get(response["Location"]))
    assert "Your project was sent. It is waiting for review" in confirmation
    assert "Your project is waiting for review." in confirmation
    client.logout()
    assert client.get(detail(submission_budget, project)).status_code == 404
    assert "Benches in the park" not in text(client.get(url(submission_budget)))


def test_titles_and_names_are_kept_on_one_line(client, submission_budget, resident):
    """A line break typed (or posted) in a title, a place or a name would start a new line in
    a CSV cell or a `.pb` file: it becomes a space; the description keeps its lines."""
    client.force_login(resident)

    response = client.post(
        url(submission_budget, "submit/"),
        submit_data(
            title="Benches\r\nX-INJECTED:1",
            location="Parc\nde la   Souchez",
            proposer_name="Friends\rof the park",
        ),
    )

    assert response.status_code == 302
    project = BudgetProject.objects.get()
    assert project.title == "Benches X-INJECTED:1"
    assert project.location == "Parc de la Souchez"
    assert project.proposer_name == "Friends of the park"
    assert project.description == "Ten benches\nalong the river."


def test_themes_are_chosen_among_the_page_themes(client, submission_budget, resident):
    from taggit.models import Tag

    client.force_login(resident)
    green = Tag.objects.get(name="Green spaces")
    other = Tag.objects.create(name="Elsewhere", slug="elsewhere")

    refused = client.post(url(submission_budget, "submit/"), submit_data(themes=[other.pk]))
    assert refused.status_code == 400
    assert not BudgetProject.objects.exists()

    client.post(
        url(submission_budget, "submit/"),
        submit_data(themes=[green.pk], proposer_name="Friends of the river"),
    )
    project = BudgetProject.objects.get()
    assert [t.name for t in project.themes.all()] == ["Green spaces"]
    assert project.proposer_name == "Friends of the river"


def test_a_project_goes_in_the_chosen_envelope(client, two_envelopes, resident):
    client.force_login(resident)
    centre = two_envelopes.envelope_list[1]
    form_page = text(client.get(url(two_envelopes, "submit/")))
    assert "<legend>Envelope</legend>" in form_page
    assert "Centre (30,000 EUR)" in form_page

    client.post(url(two_envelopes, "submit/"), submit_data(envelope=centre.pk))

    assert BudgetProject.objects.get().envelope == centre


@pytest.mark.parametrize(
    "data, message",
    [
        ({"estimated_cost": "40000"}, "The envelope “Centre” holds 30,000 EUR"),
        ({"estimated_cost": "0"}, "The estimated cost must be more than zero."),
        ({"estimated_cost": "a lot"}, "Enter the cost as a number"),
        ({"envelope": ""}, "Choose the envelope the project would be paid from."),
        ({"title": ""}, "Give your project a title."),
        ({"description": "x" * 10001}, "the limit is 10000 characters"),
        ({"website": "http://spam.example"}, "This form could not be sent."),
    ],
)
def test_bad_submissions_store_nothing(client, two_envelopes, resident, data, message):
    client.force_login(resident)
    centre = two_envelopes.envelope_list[1]
    posted = submit_data(envelope=centre.pk)
    posted.update(data)

    response = client.post(url(two_envelopes, "submit/"), posted)

    assert response.status_code == 400
    assert message in text(response)
    assert not BudgetProject.objects.exists()


def test_an_envelope_of_another_budget_is_refused(client, two_envelopes, index_page, resident):
    other = make_budget(index_page, "Other budget", envelopes=((None, 500000), (None, 1)))
    client.force_login(resident)

    response = client.post(
        url(two_envelopes, "submit/"), submit_data(envelope=other.envelope_list[0].pk)
    )

    assert response.status_code == 400
    assert "Choose one of the envelopes of this budget." in text(response)
    assert not BudgetProject.objects.exists()


def test_cost_above_the_page_maximum_names_the_limit(client, index_page, frozen_now, resident):
    page = make_budget(index_page, phases=SUBMISSION_OPEN, max_project_cost=Decimal(20000))
    client.force_login(resident)
    assert "At most 20,000 EUR." in text(client.get(url(page, "submit/")))

    response = client.post(url(page, "submit/"), submit_data(estimated_cost="25000"))

    assert response.status_code == 400
    assert "A project can cost at most 20,000 EUR; your estimate is 25,000 EUR." in text(response)
    assert not BudgetProject.objects.exists()


def test_submission_is_refused_outside_the_submission_phase(client, budget, resident):
    client.force_login(resident)

    shown = client.get(url(budget, "submit/"))
    posted = client.post(url(budget, "submit/"), submit_data())

    assert shown.status_code == 403 and posted.status_code == 403
    assert "Project submission is closed: it ended on" in text(shown)
    assert "<form" not in text(shown).split("participation-back", 1)[1]
    assert not BudgetProject.objects.exists()


def test_submission_is_refused_when_residents_do_not_submit(client, index_page, frozen_now):
    page = make_budget(index_page, phases=SUBMISSION_OPEN, submissions_by_residents=False)
    client.force_login(make_voter("ana"))

    response = client.get(url(page, "submit/"))

    assert response.status_code == 403
    assert "Residents do not submit projects to this budget." in text(response)
    assert f'href="{url(page, "submit/")}"' not in text(client.get(url(page)))


def test_anonymous_visitors_are_asked_to_sign_in(client, submission_budget):
    shown = client.get(url(submission_budget, "submit/"))
    posted = client.post(url(submission_budget, "submit/"), submit_data())

    assert shown.status_code == 403 and posted.status_code == 403
    assert "Sign in to submit a project" in text(shown)
    assert "/accounts/login/?next=" in text(shown)
    assert not BudgetProject.objects.exists()


def test_ineligible_residents_are_told_why(client, index_page, frozen_now):
    page = make_budget(index_page, phases=SUBMISSION_OPEN, minimum_age=16)
    client.force_login(make_voter("young", birth_year=2015))

    shown = client.get(url(page, "submit/"))
    posted = client.post(url(page, "submit/"), submit_data())

    assert shown.status_code == 403 and posted.status_code == 403
    assert "This process is open to residents who turn 16 in 2026 or earlier." in text(shown)
    assert not BudgetProject.objects.exists()


def test_incomplete_profiles_get_a_link_to_complete_them(client, submission_budget, resident):
    profile = resident.participant_profile
    profile.terms_accepted_at = None
    profile.save()
    client.force_login(resident)

    content = text(client.get(url(submission_budget, "submit/")))

    assert "accept the participation terms" in content
    assert "Complete my profile</a>" in content


def test_code_pages_let_accounts_submit_under_their_profile_rules(client, index_page, frozen_now):
    page = make_budget(
        index_page,
        phases=SUBMISSION_OPEN,
        participation_codes=CodeUse.CODE_REQUIRED,
        minimum_age=16,
    )
    client.force_login(make_voter("adult"))
    assert client.get(url(page, "submit/")).status_code == 200

    client.force_login(make_voter("child", birth_year=2016))
    assert client.get(url(page, "submit/")).status_code == 403


def test_submissions_are_rate_limited(client, submission_budget, resident, settings):
    settings.WAGTAIL_PARTICIPATION = {
        **settings.WAGTAIL_PARTICIPATION,
        "RATE_LIMITS": {"submit_project": "2/h"},
    }
    client.force_login(resident)
    for number in range(2):
        client.post(url(submission_budget, "submit/"), submit_data(title=f"Idea {number}"))

    response = client.post(url(submission_budget, "submit/"), submit_data(title="One more"))

    assert response.status_code == 429
    assert BudgetProject.objects.count() == 2


# Languages -------------------------------------------------------------------------------------


def test_pages_render_in_french(client, two_envelopes, resident):
    project = make_project(two_envelopes, "Jardin partagé", "1234.5")
    ImplementationUpdate.objects.create(project=project, text="Commencé", progress=30)
    client.force_login(resident)

    for address in (
        url(two_envelopes),
        detail(two_envelopes, project),
        url(two_envelopes, "submit/"),
    ):
        response = client.get(address, HTTP_ACCEPT_LANGUAGE="fr")
        assert response.status_code == 200
        assert 'lang="fr"' in text(response) or response["Content-Language"] == "fr"

    content = text(client.get(url(two_envelopes), HTTP_ACCEPT_LANGUAGE="fr"))
    assert "130\xa0000 EUR" in content
    assert "1\xa0234,50 EUR" in content
