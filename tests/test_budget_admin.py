"""Participatory budgets in the admin: project review, paper ballots, results.

Most tests use Wagtail's own admin (the default). The ``modeladmin`` tests run in a separate
process whose settings choose wagtail-modeladmin (``test_modeladmin_variant_in_its_own_process``).
"""

import csv
import io
import os
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse
from wagtail.models import GroupPagePermission, ModelLogEntry, Page, PageLogEntry
from wagtail.test.utils.form_data import inline_formset, nested_form_data, streamfield

from wagtail_participation.budgets import admin_views
from wagtail_participation.budgets.ballots import cast_ballot
from wagtail_participation.budgets.models import (
    Ballot,
    BallotChannel,
    BallotKind,
    BudgetProject,
    BudgetResult,
    ImplementationUpdate,
    ProjectStatus,
)
from wagtail_participation.budgets.results import compute_results, results_json
from wagtail_participation.conf import settings
from wagtail_participation.models import ParticipationIndexPage

from .admin_menu import main_menu
from .budget_factories import VOTE_ENDED, VOTE_OPEN, make_budget, make_project, make_voter
from .conftest import NOW

ROOT = Path(__file__).resolve().parent.parent

wagtail_ui = pytest.mark.skipif(settings.ADMIN_UI != "wagtail", reason="Wagtail's admin UI")
modeladmin_ui = pytest.mark.skipif(
    settings.ADMIN_UI != "modeladmin", reason="runs in its own process, see below"
)


def grant(user, *codenames):
    for codename in codenames:
        app_label, name = codename.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=name)
        )


def page_team():
    """A group that may edit every page: staff act on the budgets they may edit only."""
    group, created = Group.objects.get_or_create(name="Budget team")
    if created:
        GroupPagePermission.objects.create(
            group=group,
            page=Page.get_first_root_node(),
            permission=Permission.objects.get(
                content_type__app_label="wagtailcore", codename="change_page"
            ),
        )
    return group


def make_staff(django_user_model, username, *codenames, groups=(), page_rights=True):
    user = django_user_model.objects.create_user(username, f"{username}@town.example", "pw")
    grant(user, "wagtailadmin.access_admin", *codenames)
    for name in groups:
        user.groups.add(Group.objects.get(name=name))
    if page_rights:
        user.groups.add(page_team())
    return user


def csv_rows(response):
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(content)))


def text_of(html):
    """The page's text with tags removed and spaces collapsed, to read sentences in it."""
    return " ".join(re.sub(r"<[^>]*>", " ", html).split())


def messages_of(response):
    """The admin messages shown on the page, as text."""
    return [text_of(str(m)) for m in response.context["messages"]] if response.context else []


# Fixtures --------------------------------------------------------------------------------------


@pytest.fixture
def reviewer(django_user_model):
    return make_staff(django_user_model, "reviewer", "participation_budgets.review_budgetproject")


@pytest.fixture
def clerk(django_user_model):
    """Enters paper ballots: nothing else."""
    return make_staff(django_user_model, "clerk", "participation_budgets.add_ballot")


@pytest.fixture
def publisher(django_user_model):
    """Wagtail's "Moderators" group: may publish pages."""
    return make_staff(django_user_model, "publisher", groups=["Moderators"])


@pytest.fixture
def page_editor(django_user_model):
    """Wagtail's "Editors" group: may edit pages, not publish them."""
    return make_staff(django_user_model, "page_editor", groups=["Editors"])


@pytest.fixture
def outsider(django_user_model):
    return make_staff(django_user_model, "outsider", page_rights=False)


@pytest.fixture
def budget(index_page, neighbourhoods, frozen_now):
    """Vote open; a town-wide envelope of 100 000 and one for the Centre of 20 000."""
    page = make_budget(
        index_page,
        phases=VOTE_OPEN,
        envelopes=((None, 100000), (neighbourhoods["centre"], 20000)),
        max_choices=2,
    )
    town, centre = page.envelope_list
    make_project(page, "Skate park", 40000, town)
    make_project(page, "Trees on the quay", 30000, town)
    make_project(page, "New library", 70000, town)
    make_project(page, "Benches", 5000, centre)
    make_project(page, "Spam idea", 100, town, status=ProjectStatus.SUBMITTED)
    return page


@pytest.fixture
def other_budget(index_page, frozen_now):
    page = make_budget(index_page, title="Schools budget", phases=VOTE_OPEN)
    make_project(page, "Playground", 9000)
    return page


def project(title):
    return BudgetProject.objects.get(title=title)


def pks(*titles):
    return [str(project(title).pk) for title in titles]


def project_list_url(**params):
    url = reverse("participation_budgetproject:index")
    return f"{url}?{'&'.join(f'{k}={v}' for k, v in params.items())}" if params else url


def project_edit_url(item):
    return reverse("participation_budgetproject:edit", args=[item.pk])


def project_form(item, updates=(), **changes):
    data = {
        "envelope": item.envelope_id,
        "title": item.title,
        "description": item.description,
        "estimated_cost": item.estimated_cost,
        "themes": "",
        "proposer_name": item.proposer_name,
        "location": item.location,
        "latitude": "",
        "longitude": "",
        "images": streamfield([]),
        "status": item.status,
        "public_reason": item.public_reason,
        "review_notes": item.review_notes,
        "updates": inline_formset(list(updates)),
    }
    data.update(changes)
    return nested_form_data(data)


def paper_url(envelope):
    return reverse(
        "participation_budgets_admin:paper_ballot",
        kwargs={"page_id": envelope.page_id, "envelope_id": envelope.pk},
    )


def results_url(page, action=""):
    name = {"": "results", "publish": "publish", "withdraw": "withdraw"}[action]
    return reverse(f"participation_budgets_admin:{name}", args=[page.pk])


# Projects --------------------------------------------------------------------------------------


@wagtail_ui
def test_reviewers_list_filter_and_search_projects(client, reviewer, budget, other_budget):
    client.force_login(reviewer)
    menu = main_menu(client.get(reverse("wagtailadmin_home")).text)
    assert menu["Participation"] == [["/admin/participation/budgetproject/"]]
    response = client.get(project_list_url())
    assert response.status_code == 200
    for title in ("Skate park", "Benches", "Spam idea", "Playground"):
        assert title in response.text
    assert "On the ballot" in response.text and "Submitted" in response.text
    # Envelopes are named with their budget in the filter: "Whole town" alone is ambiguous.
    assert "Budget citoyen 2026 – Centre" in response.text

    def titles(**params):
        text = client.get(project_list_url(**params)).text
        names = ("Skate park", "Trees on the quay", "New library", "Benches", "Spam", "Playground")
        return {name for name in names if name in text}

    assert titles(page=other_budget.pk) == {"Playground"}
    assert titles(status="submitted") == {"Spam"}
    assert titles(envelope=budget.envelope_list[1].pk) == {"Benches"}
    assert titles(q="quay") == {"Trees on the quay"}
    assert titles(q="Description of Benches") == {"Benches"}


@wagtail_ui
def test_project_listing_queries_do_not_grow(
    client, reviewer, budget, django_assert_max_num_queries
):
    client.force_login(reviewer)
    client.get(project_list_url())
    with django_assert_max_num_queries(30) as few:
        client.get(project_list_url())
    for n in range(15):
        make_project(budget, f"Extra project {n}", 1000 + n, budget.envelope_list[n % 2])
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(project_list_url())
    assert "Extra project 14" in response.text


@wagtail_ui
def test_project_export_has_no_personal_data(client, reviewer, budget):
    resident = make_voter("ines")
    BudgetProject.objects.filter(title="Skate park").update(
        proposer=resident, review_notes="Call Inès at home", title="=SUM(1)"
    )
    client.force_login(reviewer)
    response = client.get(project_list_url(), {"export": "csv"})
    assert response.status_code == 200
    rows = csv_rows(response)
    assert rows[0] == [
        "Title",
        "Participatory budget",
        "Envelope",
        "Estimated cost",
        "Status",
        "Public review outcome",
        "Location",
        "Submitted",
    ]
    by_title = {row[0]: row for row in rows[1:]}
    assert by_title["Benches"][1:3] == ["Budget citoyen 2026", "Centre"]
    assert "'=SUM(1)" in by_title  # a spreadsheet would run it as a formula
    content = repr(rows)
    assert "ines" not in content.lower() and "example.org" not in content
    assert "Call Inès" not in content


@wagtail_ui
def test_edit_form_offers_only_the_envelopes_of_the_budget(client, reviewer, budget, other_budget):
    client.force_login(reviewer)
    skate = project("Skate park")
    form = client.get(project_edit_url(skate))
    assert form.status_code == 200
    envelope_select = re.search(r'<select name="envelope".*?</select>', form.text, re.S).group(0)
    assert f'value="{budget.envelope_list[1].pk}"' in envelope_select
    assert f'value="{other_budget.envelope_list[0].pk}"' not in envelope_select
    assert "A project stays in the budget it was created in." in form.text

    refused = client.post(
        project_edit_url(skate), project_form(skate, envelope=other_budget.envelope_list[0].pk)
    )
    assert refused.status_code == 200
    assert "Select a valid choice" in refused.text
    skate.refresh_from_db()
    assert skate.envelope_id == budget.envelope_list[0].pk


@wagtail_ui
def test_a_project_is_created_from_the_admin_in_an_envelope_of_its_budget(
    client, django_user_model, budget, other_budget
):
    editor = make_staff(
        django_user_model,
        "editor",
        "participation_budgets.review_budgetproject",
        "participation_budgets.add_budgetproject",
    )
    client.force_login(editor)
    add_url = reverse("participation_budgetproject:add")
    # Page editors who may add projects find the link on the budget's results screen.
    editor.groups.add(Group.objects.get(name="Editors"))
    assert f"{add_url}?page={budget.pk}" in client.get(results_url(budget)).text
    form = client.get(add_url, {"page": budget.pk})
    assert form.status_code == 200
    assert re.search(rf'<option value="{budget.pk}" selected>', form.text)

    data = {
        "page": budget.pk,
        "envelope": other_budget.envelope_list[0].pk,
        "title": "Paper proposal: a fountain",
        "description": "Proposed on paper at the town hall.",
        "estimated_cost": "12000",
        "themes": "water, square",
        "proposer_name": "Residents of rue Haute",
        "location": "Place de la République",
        "latitude": "",
        "longitude": "",
        "images": streamfield([]),
        "status": ProjectStatus.UNDER_REVIEW,
        "public_reason": "",
        "review_notes": "",
        "updates": inline_formset([]),
    }
    refused = client.post(add_url, nested_form_data(data))
    assert refused.status_code == 200
    assert (
        "“Whole town” is an envelope of “Schools budget”: choose an envelope of "
        "“Budget citoyen 2026”." in refused.text
    )
    assert not BudgetProject.objects.filter(title__startswith="Paper proposal").exists()

    data["envelope"] = budget.envelope_list[0].pk
    assert client.post(add_url, nested_form_data(data)).status_code == 302
    created = project("Paper proposal: a fountain")
    assert created.page_id == budget.pk and created.proposer is None
    assert set(created.themes.names()) == {"water", "square"}


@wagtail_ui
def test_not_admissible_needs_a_public_reason_and_is_logged(client, reviewer, budget):
    spam = project("Spam idea")
    client.force_login(reviewer)
    refused = client.post(project_edit_url(spam), project_form(spam, status="not_admissible"))
    assert refused.status_code == 200
    assert "Say publicly why the project is not admissible" in refused.text
    spam.refresh_from_db()
    assert spam.status == ProjectStatus.SUBMITTED

    response = client.post(
        project_edit_url(spam),
        project_form(
            spam,
            status="not_admissible",
            public_reason="Advertising for a shop, not a public project.",
            review_notes="Reported by two residents.",
        ),
    )
    assert response.status_code == 302
    spam.refresh_from_db()
    assert spam.status == ProjectStatus.NOT_ADMISSIBLE
    assert spam.review_notes == "Reported by two residents."
    [entry] = ModelLogEntry.objects.for_instance(spam).filter(
        action=admin_views.PROJECT_STATUS_ACTION
    )
    assert entry.user == reviewer
    assert entry.data["previous_status"] == "submitted"

    history = client.get(reverse("participation_budgetproject:history", args=[spam.pk]))
    assert (
        "Status changed from “Submitted” to “Not admissible”: Advertising for a shop"
        in history.text
    )
    # Saving without changing the status writes no new status entry.
    client.post(project_edit_url(spam), project_form(spam, title="Spam idea (shop)"))
    assert (
        ModelLogEntry.objects.for_instance(spam)
        .filter(action=admin_views.PROJECT_STATUS_ACTION)
        .count()
        == 1
    )


@wagtail_ui
def test_implementation_updates_are_edited_inline(client, reviewer, budget):
    skate = project("Skate park")
    BudgetProject.objects.filter(pk=skate.pk).update(status=ProjectStatus.IN_PROGRESS)
    skate.refresh_from_db()
    client.force_login(reviewer)
    form = client.get(project_edit_url(skate))
    assert "Implementation updates" in form.text
    update = {
        "date": "2026-03-01",
        "text": "The ramps are ordered.",
        "progress": "40",
        "photos": streamfield([]),
    }
    response = client.post(project_edit_url(skate), project_form(skate, updates=[update]))
    assert response.status_code == 302
    [saved] = ImplementationUpdate.objects.filter(project=skate)
    assert (saved.text, saved.progress) == ("The ramps are ordered.", 40)

    too_much = {**update, "progress": "140"}
    refused = client.post(project_edit_url(skate), project_form(skate, updates=[too_much]))
    assert refused.status_code == 200
    assert ImplementationUpdate.objects.filter(project=skate).count() == 1


@wagtail_ui
def test_a_project_with_votes_keeps_its_envelope_and_cannot_be_deleted(
    django_user_model, client, budget
):
    editor = make_staff(
        django_user_model,
        "editor",
        "participation_budgets.change_budgetproject",
        "participation_budgets.delete_budgetproject",
    )
    benches = project("Benches")
    cast_ballot(budget, benches.envelope, [benches.pk], channel=BallotChannel.PAPER)
    client.force_login(editor)
    refused = client.post(
        project_edit_url(benches), project_form(benches, envelope=budget.envelope_list[0].pk)
    )
    assert "it cannot move to another envelope" in refused.text
    refused = client.post(project_edit_url(benches), project_form(benches, status="under_review"))
    assert "so that its votes keep counting" in refused.text
    benches.refresh_from_db()
    assert benches.status == "on_ballot"
    delete_url = reverse("participation_budgetproject:delete", args=[benches.pk])
    response = client.post(delete_url, follow=True)
    assert "has received votes: it cannot be deleted" in response.text
    assert BudgetProject.objects.filter(pk=benches.pk).exists()

    spam = project("Spam idea")
    assert client.post(reverse("participation_budgetproject:delete", args=[spam.pk])).status_code
    assert not BudgetProject.objects.filter(pk=spam.pk).exists()


# Paper ballots ---------------------------------------------------------------------------------


@wagtail_ui
def test_clerks_reach_the_paper_ballot_form_from_the_ballot_listing(client, clerk, budget):
    client.force_login(clerk)
    menu = main_menu(client.get(reverse("wagtailadmin_home")).text)
    assert menu["Participation"] == [["/admin/participation/ballot/"]]
    listing = client.get(reverse("participation_ballot:index"))
    start = reverse("participation_budgets_admin:paper_ballot_budgets")
    assert f'href="{start}"' in listing.text and "Enter a paper ballot" in listing.text
    # The generic "add" view cannot bypass the ballot rules.
    assert client.get(reverse("participation_ballot:add"))["Location"] == start

    budgets = client.get(start)
    envelopes_url = reverse("participation_budgets_admin:paper_ballot_envelopes", args=[budget.pk])
    assert envelopes_url in budgets.text
    envelopes = client.get(envelopes_url)
    town, centre = budget.envelope_list
    assert paper_url(town) in envelopes.text and paper_url(centre) in envelopes.text

    form = client.get(paper_url(centre))
    assert form.status_code == 200
    assert "Benches (5,000 EUR)" in form.text
    assert "Skate park" not in form.text  # another envelope
    assert "Choose between 1 and 2 projects." in form.text


@wagtail_ui
def test_a_paper_ballot_is_entered_and_the_form_is_ready_for_the_next(client, clerk, budget):
    client.force_login(clerk)
    town = budget.envelope_list[0]
    response = client.post(
        paper_url(town),
        {"paper_reference": " 0017 ", "projects": pks("Skate park", "Trees on the quay")},
    )
    assert response.status_code == 302 and response["Location"] == paper_url(town)
    ballot = Ballot.objects.get()
    assert ballot.channel == BallotChannel.PAPER
    assert ballot.entered_by == clerk and ballot.voter is None
    assert ballot.paper_reference == "0017"
    assert {p.title for p in ballot.projects.all()} == {"Skate park", "Trees on the quay"}
    [entry] = ModelLogEntry.objects.for_instance(ballot).filter(
        action=admin_views.PAPER_BALLOT_ACTION
    )
    assert entry.user == clerk

    again = client.get(response["Location"])
    assert "Paper ballot No. 0017 entered." in messages_of(again)
    assert "checked" not in re.search(r"<fieldset.*?</fieldset>", again.text, re.S).group(0)
    assert "1 paper ballot entered in this envelope so far." in again.text

    unnumbered = client.post(paper_url(town), {"projects": pks("New library")}, follow=True)
    assert "Paper ballot entered (without a number)." in messages_of(unnumbered)
    assert Ballot.objects.count() == 2


@wagtail_ui
@pytest.mark.parametrize(
    "case",
    [
        "too_many_projects",
        "no_project",
        "over_the_envelope",
        "duplicate_number",
        "other_envelope",
        "not_on_the_ballot",
        "results_published",
        "vote_not_started",
    ],
)
def test_a_paper_ballot_breaking_a_rule_is_refused_and_nothing_is_stored(
    client, clerk, budget, case
):
    town, centre = budget.envelope_list
    chosen = ["Skate park", "Trees on the quay"]
    number = "42"
    expected = ""
    if case == "too_many_projects":
        chosen = ["Skate park", "Trees on the quay", "New library"]
        expected = "Choose at most 2 projects."
    elif case == "no_project":
        chosen = []
        expected = "Choose at least 1 project."
    elif case == "over_the_envelope":
        budget.ballot_kind = BallotKind.KNAPSACK
        budget.max_choices = None
        budget.save()
        chosen = ["Skate park", "New library"]
        expected = "Your projects cost 110,000 EUR in all, more than the envelope of 100,000 EUR"
    elif case == "duplicate_number":
        cast_ballot(
            budget, town, pks("New library"), channel=BallotChannel.PAPER, paper_reference="42"
        )
        expected = "Paper ballot number 42 has already been entered."
    elif case == "other_envelope":
        chosen = ["Skate park", "Benches"]
        expected = "“Benches” is not in the envelope “Whole town”."
    elif case == "not_on_the_ballot":
        chosen = ["Spam idea"]
        expected = "“Spam idea” is not on the ballot."
    elif case == "results_published":
        BudgetResult.objects.create(page=budget, envelope=centre, rule="greedy", published_at=NOW)
        expected = "The results are published: no more ballots can be added."
    elif case == "vote_not_started":
        budget.participation_phases.update(starts_at=NOW + timedelta(days=1), ends_at=None)
        expected = "Paper ballots can be entered once the vote has started."
    before = Ballot.objects.count()
    client.force_login(clerk)
    response = client.post(paper_url(town), {"paper_reference": number, "projects": pks(*chosen)})
    assert response.status_code == 200
    assert Ballot.objects.count() == before
    [message] = messages_of(response)
    assert "This paper ballot was not entered." in message
    assert expected in message.replace("&#x27;", "'").replace("\u202f", ",").replace("\xa0", ",")
    if case not in ("results_published", "vote_not_started"):
        # The form comes back as it was typed, to correct it.
        assert 'value="42"' in response.text
        shown = [title for title in chosen if title not in ("Benches", "Spam idea")]
        for pk in pks(*shown):
            assert re.search(rf'value="{pk}"[^>]*checked', response.text), pk


@wagtail_ui
def test_paper_and_online_ballots_are_counted_together(client, clerk, budget):
    town = budget.envelope_list[0]
    voter = make_voter("ines")
    cast_ballot(budget, town, pks("Skate park"), user=voter)
    client.force_login(clerk)
    for number, chosen in [
        ("1", ["Skate park", "Trees on the quay"]),
        ("2", ["Trees on the quay"]),
    ]:
        client.post(paper_url(town), {"paper_reference": number, "projects": pks(*chosen)})
    [town_result, _centre] = compute_results(budget)
    assert town_result.ballot_count == 3
    skate, trees = project("Skate park"), project("Trees on the quay")
    assert town_result.channel_counts[str(skate.pk)] == {"online": 1, "paper": 1}
    assert town_result.channel_counts[str(trees.pk)] == {"paper": 2}
    assert town_result.outcome.project(str(trees.pk)).votes == 2


# Ballot listing --------------------------------------------------------------------------------


@pytest.fixture
def ballots(budget, clerk):
    town = budget.envelope_list[0]
    voter = make_voter("ines")
    online = cast_ballot(budget, town, pks("Skate park"), user=voter)
    paper = cast_ballot(
        budget,
        town,
        pks("Trees on the quay"),
        channel=BallotChannel.PAPER,
        entered_by=clerk,
        paper_reference="P-7",
    )
    return {"online": online, "paper": paper}


@pytest.fixture
def ballot_manager(django_user_model):
    return make_staff(
        django_user_model,
        "manager",
        "participation_budgets.view_ballot",
        "participation_budgets.delete_ballot",
    )


@wagtail_ui
def test_ballot_listing_never_shows_the_voter(client, ballot_manager, ballots):
    client.force_login(ballot_manager)
    listing = client.get(reverse("participation_ballot:index"))
    assert listing.status_code == 200
    assert ballots["online"].receipt in listing.text and "P-7" in listing.text
    assert "Online" in listing.text and "Paper" in listing.text
    assert "ines" not in listing.text.lower() and "example.org" not in listing.text
    paper_only = client.get(reverse("participation_ballot:index"), {"channel": "paper"}).text
    assert "P-7" in paper_only and ballots["online"].receipt not in paper_only
    found = client.get(reverse("participation_ballot:index"), {"q": ballots["online"].receipt})
    assert ballots["online"].receipt in found.text and "P-7" not in found.text

    inspect = client.get(reverse("participation_ballot:inspect", args=[ballots["online"].pk]))
    assert inspect.status_code == 200
    assert "Skate park (40,000 EUR)" in inspect.text
    assert "ines" not in inspect.text.lower()


@wagtail_ui
def test_ballot_listing_queries_do_not_grow(
    client, ballot_manager, ballots, budget, django_assert_max_num_queries
):
    client.force_login(ballot_manager)
    url = reverse("participation_ballot:index")
    client.get(url)
    with django_assert_max_num_queries(30) as few:
        client.get(url)
    for n in range(15):
        cast_ballot(
            budget,
            budget.envelope_list[n % 2],
            pks("Skate park") if n % 2 == 0 else pks("Benches"),
            channel=BallotChannel.PAPER,
            paper_reference=f"N-{n}",
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert "N-14" in response.text


@wagtail_ui
def test_ballots_are_never_edited(client, django_user_model, ballots):
    superuser = django_user_model.objects.create_superuser("admin", "admin@town.example", "pw")
    client.force_login(superuser)
    for ballot in ballots.values():
        edit_url = reverse("participation_ballot:edit", args=[ballot.pk])
        assert client.get(edit_url).status_code in (302, 403)
        client.post(edit_url, {"paper_reference": "forged"})
    assert not Ballot.objects.filter(paper_reference="forged").exists()


@wagtail_ui
def test_only_paper_ballots_are_deleted_and_only_before_publication(
    client, ballot_manager, ballots, budget
):
    client.force_login(ballot_manager)
    online, paper = ballots["online"], ballots["paper"]
    listing = client.get(reverse("participation_ballot:index")).text
    assert reverse("participation_ballot:delete", args=[paper.pk]) in listing
    assert reverse("participation_ballot:delete", args=[online.pk]) not in listing

    refused = client.post(reverse("participation_ballot:delete", args=[online.pk]), follow=True)
    assert "Only paper ballots entered by mistake can be deleted." in refused.text
    assert Ballot.objects.filter(pk=online.pk).exists()

    assert client.post(reverse("participation_ballot:delete", args=[paper.pk])).status_code == 302
    assert not Ballot.objects.filter(pk=paper.pk).exists()
    deleted = ModelLogEntry.objects.filter(object_id=str(paper.pk), action="wagtail.delete").get()
    assert deleted.user == ballot_manager

    again = cast_ballot(
        budget, budget.envelope_list[0], pks("Skate park"), channel=BallotChannel.PAPER
    )
    BudgetResult.objects.create(
        page=budget, envelope=budget.envelope_list[1], rule="greedy", published_at=NOW
    )
    refused = client.post(reverse("participation_ballot:delete", args=[again.pk]), follow=True)
    assert "The results are published: ballots can no longer be deleted." in refused.text
    assert Ballot.objects.filter(pk=again.pk).exists()


# Results ---------------------------------------------------------------------------------------


@pytest.fixture
def ended(index_page, frozen_now, clerk):
    """A budget whose vote has ended: 2 online and 2 paper ballots in a 60 000 envelope."""
    page = make_budget(
        index_page, title="Budget 2025", phases=VOTE_ENDED, envelopes=((None, 60000),)
    )
    envelope = page.envelope_list[0]
    for title, cost in [("Skate park", 40000), ("Trees on the quay", 30000), ("Mural", 15000)]:
        make_project(page, title, cost, envelope)
    during_vote = NOW - timedelta(days=10)
    for name, chosen in [("ines", ["Skate park", "Mural"]), ("omar", ["Trees on the quay"])]:
        cast_ballot(page, envelope, pks(*chosen), user=make_voter(name), now=during_vote)
    for number, chosen in [("1", ["Skate park"]), ("2", ["Skate park", "Trees on the quay"])]:
        cast_ballot(
            page,
            envelope,
            pks(*chosen),
            channel=BallotChannel.PAPER,
            entered_by=clerk,
            paper_reference=number,
        )
    return page


def result_rows(html):
    """{project title: [cells]} of the results tables."""
    rows = {}
    for row in re.findall(r"<tr>(.*?)</tr>", html, re.S):
        cells = [text_of(c) for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        if len(cells) > 2:
            rows[cells[1]] = cells
    return rows


@wagtail_ui
def test_results_preview_counts_every_channel_and_stores_nothing(client, publisher, ended):
    client.force_login(publisher)
    menu = main_menu(client.get(reverse("wagtailadmin_home")).text)
    assert menu["Budget results"] == [["/admin/participation/budgets/results/"]]
    index = client.get(reverse("participation_budgets_admin:results_index"))
    assert results_url(ended) in index.text
    response = client.get(results_url(ended))
    assert response.status_code == 200
    assert "Not published: this preview is computed now" in response.text
    assert "Greedy: most votes first, fund what still fits" in response.text
    rows = result_rows(response.text)
    # rank, project, online, paper, votes, cost, selected, why
    assert rows["Skate park"][:7] == [
        "1",
        "Skate park",
        "1",
        "2",
        "3",
        "40,000 EUR",
        "Selected",
    ]
    # The explanation residents will read once the results are published.
    assert rows["Skate park"][7] == "Funded: it fitted in the 60,000 EUR left when its turn came."
    assert rows["Trees on the quay"][2:7] == ["1", "1", "2", "30,000 EUR", "Not selected"]
    assert rows["Trees on the quay"][7] == (
        "Not funded: it costs 30,000 EUR and only 20,000 EUR was left when its turn came."
    )
    assert rows["Mural"][6] == "Selected"
    assert "4 ballots." in text_of(response.text)
    assert not BudgetResult.objects.exists()
    assert (
        ModelLogEntry.objects.filter(action__startswith="wagtail_participation.budget").count() == 0
    )


@wagtail_ui
def test_results_are_published_after_a_confirmation(client, publisher, ended):
    client.force_login(publisher)
    results = client.get(results_url(ended))
    assert results_url(ended, "publish") in results.text
    confirm = client.get(results_url(ended, "publish"))
    assert confirm.status_code == 200
    assert "Yes, publish the results" in confirm.text
    assert not BudgetResult.objects.exists()
    fingerprint = re.search(r'name="fingerprint" value="([^"]+)"', confirm.text).group(1)

    response = client.post(results_url(ended, "publish"), {"fingerprint": fingerprint})
    assert response["Location"] == results_url(ended)
    statuses = dict(BudgetProject.objects.filter(page=ended).values_list("title", "status"))
    assert statuses == {
        "Skate park": ProjectStatus.SELECTED,
        "Mural": ProjectStatus.SELECTED,
        "Trees on the quay": ProjectStatus.NOT_SELECTED,
    }
    [result] = BudgetResult.objects.filter(page=ended)
    assert result.published_at == NOW and result.published_by == publisher
    ended.refresh_from_db()
    assert ended.results_published
    assert len(results_json(ended)["selected"]) == 2
    [entry] = PageLogEntry.objects.filter(page=ended, action=admin_views.RESULTS_PUBLISH_ACTION)
    assert entry.user == publisher

    published = client.get(results_url(ended))
    assert "The results of “Budget 2025” are published." in messages_of(published)
    assert "residents see these results" in published.text
    assert results_url(ended, "withdraw") in published.text
    history = client.get(reverse("wagtailadmin_pages:history", args=[ended.pk]))
    assert "Budget results published" in history.text
    public = client.get(ended.url + "results/")
    assert public.status_code == 200
    assert "Skate park" in public.text and "Funded: it fitted in the" in public.text


@wagtail_ui
def test_publication_is_refused_while_the_vote_is_open(client, publisher, budget):
    client.force_login(publisher)
    assert (
        "Results can be published once the vote has ended." in client.get(results_url(budget)).text
    )
    fingerprint = admin_views.ballots_fingerprint(budget)
    response = client.post(
        results_url(budget, "publish"), {"fingerprint": fingerprint}, follow=True
    )
    assert "Results can be published once the vote has ended." in messages_of(response)
    assert not BudgetResult.objects.exists()
    assert not PageLogEntry.objects.filter(action=admin_views.RESULTS_PUBLISH_ACTION).exists()


@wagtail_ui
def test_publication_is_refused_if_ballots_changed_since_the_confirmation(client, publisher, ended):
    client.force_login(publisher)
    confirm = client.get(results_url(ended, "publish"))
    fingerprint = re.search(r'name="fingerprint" value="([^"]+)"', confirm.text).group(1)
    cast_ballot(
        ended,
        ended.envelope_list[0],
        pks("Mural"),
        channel=BallotChannel.PAPER,
        paper_reference="3",
    )
    response = client.post(results_url(ended, "publish"), {"fingerprint": fingerprint}, follow=True)
    assert any("check them again before publishing" in m for m in messages_of(response))
    assert not BudgetResult.objects.exists()


@wagtail_ui
def test_results_are_withdrawn_after_a_confirmation(client, publisher, ended):
    client.force_login(publisher)
    fingerprint = admin_views.ballots_fingerprint(ended)
    client.post(results_url(ended, "publish"), {"fingerprint": fingerprint})
    confirm = client.get(results_url(ended, "withdraw"))
    assert "Yes, withdraw the results" in confirm.text
    response = client.post(results_url(ended, "withdraw"), follow=True)
    assert any("are withdrawn" in m for m in messages_of(response))
    assert not BudgetResult.objects.filter(published_at__isnull=False).exists()
    ended.refresh_from_db()
    assert not ended.results_published
    public = client.get(ended.url + "results/")
    assert "the results will be published once they have been checked" in public.text
    assert "Funded: it fitted in the" not in public.text
    [entry] = PageLogEntry.objects.filter(page=ended, action=admin_views.RESULTS_WITHDRAW_ACTION)
    assert entry.user == publisher
    # Paper ballots can be entered again, and the results published again.
    assert admin_views.ballot_is_deletable(Ballot.objects.filter(channel="paper").first())


@wagtail_ui
def test_the_budget_page_links_to_its_results(client, publisher, clerk, ended, index_page):
    client.force_login(publisher)
    explorer = client.get(reverse("wagtailadmin_explore", args=[index_page.pk]))
    assert results_url(ended) in explorer.text
    edit = client.get(reverse("wagtailadmin_pages:edit", args=[ended.pk]))
    assert results_url(ended) in edit.text


# Permissions -----------------------------------------------------------------------------------


@wagtail_ui
def test_users_without_rights_are_refused_everywhere(client, outsider, budget, ballots):
    client.force_login(outsider)
    menu = main_menu(client.get(reverse("wagtailadmin_home")).text)
    assert "Participation" not in menu and "Budget results" not in menu
    skate = project("Skate park")
    town = budget.envelope_list[0]
    for url in (
        project_list_url(),
        project_edit_url(skate),
        reverse("participation_budgetproject:add"),
        reverse("participation_ballot:index"),
        reverse("participation_ballot:inspect", args=[ballots["online"].pk]),
        reverse("participation_budgets_admin:paper_ballot_budgets"),
        paper_url(town),
        reverse("participation_budgets_admin:results_index"),
        results_url(budget),
        results_url(budget, "publish"),
    ):
        response = client.get(url)
        assert response.status_code in (302, 403, 404), url
        assert "Skate park" not in response.text, url
    client.post(paper_url(town), {"paper_reference": "9", "projects": pks("Skate park")})
    client.post(
        project_edit_url(skate), project_form(skate, status="not_admissible", public_reason="No")
    )
    client.post(reverse("participation_ballot:delete", args=[ballots["paper"].pk]))
    assert Ballot.objects.count() == 2
    assert project("Skate park").status == ProjectStatus.ON_BALLOT


@wagtail_ui
def test_clerks_do_not_review_projects_nor_publish_results(client, clerk, ended):
    """Clerks edit the budget pages they enter ballots for: they see the results they count,
    but publishing needs the page permission to publish."""
    client.force_login(clerk)
    assert client.get(project_list_url()).status_code in (302, 403)
    assert client.get(results_url(ended)).status_code == 200
    fingerprint = admin_views.ballots_fingerprint(ended)
    response = client.post(results_url(ended, "publish"), {"fingerprint": fingerprint})
    assert response.status_code in (302, 403)
    assert not BudgetResult.objects.exists()


@wagtail_ui
def test_staff_act_only_on_the_budgets_of_the_pages_they_may_edit(
    client, django_user_model, budget, ballots, index_page
):
    """A member of staff with every budget permission, but page rights on another part of the
    site only, finds none of this budget's projects, ballots, paper ballot forms or results."""
    elsewhere = index_page.get_parent().add_child(
        instance=ParticipationIndexPage(title="Elsewhere", slug="elsewhere")
    )
    team = Group.objects.create(name="Elsewhere team")
    GroupPagePermission.objects.create(
        group=team,
        page=elsewhere,
        permission=Permission.objects.get(
            content_type__app_label="wagtailcore", codename="change_page"
        ),
    )
    other = make_staff(
        django_user_model,
        "other",
        *[
            f"participation_budgets.{p.codename}"
            for p in Permission.objects.filter(content_type__app_label="participation_budgets")
        ],
        page_rights=False,
    )
    other.groups.add(team)
    client.force_login(other)
    skate = project("Skate park")
    town = budget.envelope_list[0]

    assert "Skate park" not in client.get(project_list_url()).text
    assert (
        "Budget citoyen"
        not in client.get(reverse("participation_budgets_admin:paper_ballot_budgets")).text
    )
    for url in (
        project_edit_url(skate),
        reverse("participation_ballot:inspect", args=[ballots["paper"].pk]),
        paper_url(town),
        results_url(budget),
    ):
        assert client.get(url).status_code == 404, url
    client.post(paper_url(town), {"paper_reference": "9", "projects": pks("Skate park")})
    client.post(reverse("participation_ballot:delete", args=[ballots["paper"].pk]))
    added = client.post(
        reverse("participation_budgetproject:add"),
        project_form(skate, page=budget.pk, title="Intruder"),
    )
    assert added.status_code == 200
    assert Ballot.objects.count() == 2
    assert not BudgetProject.objects.filter(title="Intruder").exists()


@wagtail_ui
def test_page_editors_preview_results_but_only_publishers_publish(client, page_editor, ended):
    client.force_login(page_editor)
    preview = client.get(results_url(ended))
    assert preview.status_code == 200
    assert "Skate park" in preview.text
    assert results_url(ended, "publish") not in preview.text
    assert "needs the permission to publish this page" in preview.text
    fingerprint = admin_views.ballots_fingerprint(ended)
    assert client.get(results_url(ended, "publish")).status_code in (302, 403)
    response = client.post(results_url(ended, "publish"), {"fingerprint": fingerprint})
    assert response.status_code in (302, 403)
    assert not BudgetResult.objects.exists()
    # Projects are not theirs to review either: that is a separate permission.
    assert client.get(project_list_url()).status_code in (302, 403)


# wagtail-modeladmin ----------------------------------------------------------------------------


@wagtail_ui
def test_modeladmin_variant_in_its_own_process():
    """Runs the ``modeladmin`` tests below with settings that choose wagtail-modeladmin."""
    env = {**os.environ, "PARTICIPATION_TEST_ADMIN_UI": "modeladmin"}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "tests/test_budget_admin.py",
            "-q",
            "-k",
            "modeladmin and not own_process",
            "-p",
            "no:cacheprovider",
            "--create-db",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 passed" in result.stdout, result.stdout


MODELADMIN_PROJECTS = "/admin/participation_budgets/budgetproject/"
MODELADMIN_BALLOTS = "/admin/participation_budgets/ballot/"


@modeladmin_ui
def test_modeladmin_reviews_projects(client, reviewer, budget):
    client.force_login(reviewer)
    listing = client.get(MODELADMIN_PROJECTS)
    assert listing.status_code == 200
    assert "Skate park" in listing.text
    spam = project("Spam idea")
    url = f"{MODELADMIN_PROJECTS}edit/{spam.pk}/"
    assert client.get(url).status_code == 200
    refused = client.post(url, project_form(spam, status="not_admissible"))
    assert "Say publicly why the project is not admissible" in refused.text
    client.post(url, project_form(spam, status="not_admissible", public_reason="Advertising"))
    spam.refresh_from_db()
    assert spam.status == ProjectStatus.NOT_ADMISSIBLE
    assert (
        ModelLogEntry.objects.for_instance(spam)
        .filter(action=admin_views.PROJECT_STATUS_ACTION)
        .exists()
    )


@modeladmin_ui
def test_modeladmin_lists_ballots_and_deletes_paper_ones_only(client, ballot_manager, ballots):
    client.force_login(ballot_manager)
    listing = client.get(MODELADMIN_BALLOTS)
    assert listing.status_code == 200
    assert "P-7" in listing.text and "ines" not in listing.text.lower()
    online, paper = ballots["online"], ballots["paper"]
    inspect = client.get(f"{MODELADMIN_BALLOTS}inspect/{online.pk}/")
    assert inspect.status_code == 200
    assert "Skate park" in inspect.text and "ines" not in inspect.text.lower()
    assert client.get(f"{MODELADMIN_BALLOTS}edit/{online.pk}/").status_code in (302, 403)
    client.post(f"{MODELADMIN_BALLOTS}delete/{online.pk}/")
    assert Ballot.objects.filter(pk=online.pk).exists()
    client.post(f"{MODELADMIN_BALLOTS}delete/{paper.pk}/")
    assert not Ballot.objects.filter(pk=paper.pk).exists()


@modeladmin_ui
def test_modeladmin_site_enters_paper_ballots_and_publishes(client, clerk, publisher, ended):
    client.force_login(clerk)
    envelope = ended.envelope_list[0]
    client.post(paper_url(envelope), {"paper_reference": "3", "projects": pks("Mural")})
    assert Ballot.objects.filter(paper_reference="3", channel="paper").exists()
    client.force_login(publisher)
    fingerprint = admin_views.ballots_fingerprint(ended)
    client.post(results_url(ended, "publish"), {"fingerprint": fingerprint})
    ended.refresh_from_db()
    assert ended.results_published


def test_a_project_added_from_a_budget_offers_only_its_envelopes(
    client, django_user_model, budget, other_budget
):
    superuser = django_user_model.objects.create_superuser("root", "root@town.example", "pw")
    client.force_login(superuser)
    other_budget.envelopes.create(amount=5000)

    url = reverse("participation_budgetproject:add")
    response = client.get(f"{url}?page={budget.pk}")

    options = response.context["form"].fields["envelope"].queryset
    assert {envelope.page_id for envelope in options} == {budget.pk}
    assert options.count() == 2
