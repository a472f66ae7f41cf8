"""The budget page type: what editors fill in, what is refused, what it reports back."""

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from wagtail.models import Page, Site
from wagtail.test.utils import WagtailPageTestCase
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text

from wagtail_participation.budgets.ballots import cast_ballot
from wagtail_participation.budgets.models import (
    Ballot,
    BudgetEnvelope,
    BudgetPage,
    ProjectStatus,
)
from wagtail_participation.budgets.results import publish_results
from wagtail_participation.models import Neighbourhood, ParticipationIndexPage
from wagtail_participation.privacy import export_personal_data

from .budget_factories import VOTE_ENDED, make_budget, make_project, make_voter


def page_form_data(envelopes, initial=0, **fields):
    data = {
        "title": "Budget citoyen",
        "slug": "budget-citoyen",
        "summary": "",
        "intro": "100 000 EUR for your projects.",
        "body": rich_text(""),
        "impact_statement": rich_text("<p>The projects with most votes are built.</p>"),
        "participation_phases": inline_formset(
            [
                {
                    "kind": "vote",
                    "title": "",
                    "starts_at": "2026-03-01 09:00",
                    "ends_at": "2026-04-01 09:00",
                    "description": "",
                }
            ]
        ),
        "envelopes": inline_formset(envelopes, initial=initial, min=1),
        "neighbourhoods": [],
        "themes": "",
        "minimum_age": "16",
        "participation_codes": "accounts",
        "contact_name": "",
        "contact_email": "",
        "contact_phone": "",
        "currency": "EUR",
        "submissions_by_residents": "on",
        "max_project_cost": "",
        "ballot_kind": "approval",
        "min_choices": "1",
        "max_choices": "3",
        "min_spend_percent": "0",
        "voting_scope": "both",
        "results_rule": "greedy",
        "vote_threshold": "0",
        "action-publish": "1",
    }
    data.update(fields)
    return nested_form_data(data)


class BudgetPageEditorTests(WagtailPageTestCase):
    @classmethod
    def setUpTestData(cls):
        home = Site.objects.get(is_default_site=True).root_page
        cls.index = home.add_child(
            instance=ParticipationIndexPage(title="Participate", slug="participate")
        )
        cls.editor = get_user_model().objects.create_superuser("editor", "e@town.example", "pw")
        cls.centre = Neighbourhood.objects.create(name="Centre", slug="centre")

    def add_url(self):
        return reverse(
            "wagtailadmin_pages:add",
            args=("participation_budgets", "budgetpage", self.index.pk),
        )

    def test_parent_and_child_rules(self):
        self.assertCanCreateAt(ParticipationIndexPage, BudgetPage)
        self.assertCanNotCreateAt(Page, BudgetPage)
        self.assertAllowedSubpageTypes(BudgetPage, set())

    def test_editor_creates_a_budget_with_a_town_and_a_neighbourhood_envelope(self):
        self.client.force_login(self.editor)
        envelopes = [
            {"neighbourhood": "", "name": "", "amount": "60000"},
            {"neighbourhood": str(self.centre.pk), "name": "", "amount": "40000"},
        ]
        response = self.client.post(self.add_url(), page_form_data(envelopes))
        self.assertEqual(response.status_code, 302)
        page = BudgetPage.objects.get(slug="budget-citoyen")
        self.assertTrue(page.live)
        self.assertEqual(page.total_budget, Decimal("100000"))
        self.assertEqual(
            [str(e.display_name) for e in page.envelope_list], ["Whole town", "Centre"]
        )

    def test_a_budget_needs_an_envelope(self):
        self.client.force_login(self.editor)
        response = self.client.post(self.add_url(), page_form_data([]))
        self.assertEqual(response.status_code, 200)
        self.assertFalse(BudgetPage.objects.exists())

    def test_two_envelopes_for_the_same_neighbourhood_are_refused(self):
        self.client.force_login(self.editor)
        envelopes = [
            {"neighbourhood": str(self.centre.pk), "name": "", "amount": "10"},
            {"neighbourhood": str(self.centre.pk), "name": "", "amount": "20"},
        ]
        response = self.client.post(self.add_url(), page_form_data(envelopes))
        self.assertContains(response, "There is already an envelope for this neighbourhood.")
        self.assertFalse(BudgetPage.objects.exists())

    def test_maximum_below_minimum_and_threshold_rule_without_threshold_are_refused(self):
        self.client.force_login(self.editor)
        data = page_form_data(
            [{"neighbourhood": "", "name": "", "amount": "1000"}],
            min_choices="3",
            max_choices="2",
            results_rule="greedy-threshold",
        )
        response = self.client.post(self.add_url(), data)
        self.assertContains(
            response, "The maximum number of projects cannot be lower than the minimum."
        )
        self.assertContains(
            response, "Give the minimum number of votes a project needs to be funded."
        )
        self.assertFalse(BudgetPage.objects.exists())

    def test_an_envelope_with_projects_cannot_be_removed(self):
        page = make_budget(self.index, phases=(), envelopes=((None, 1000), (self.centre, 500)))
        make_project(page, "Benches", 300, envelope=page.envelope_list[1])
        self.client.force_login(self.editor)
        town, centre = page.envelope_list
        envelopes = [
            {"id": str(town.pk), "neighbourhood": "", "name": "", "amount": "1000"},
            {
                "id": str(centre.pk),
                "neighbourhood": str(self.centre.pk),
                "name": "",
                "amount": "500",
                "DELETE": "1",
            },
        ]
        data = page_form_data(envelopes, initial=2, slug=page.slug, title=page.title)
        response = self.client.post(reverse("wagtailadmin_pages:edit", args=(page.pk,)), data)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "An envelope that is still used cannot be removed.")
        self.assertTrue(BudgetEnvelope.objects.filter(pk=centre.pk).exists())


@pytest.mark.django_db
def test_publishing_an_old_revision_keeps_projects_and_published_results(index_page):
    page = make_budget(index_page, phases=VOTE_ENDED)
    old_revision = page.latest_revision
    project = make_project(page, "Benches", 300, status=ProjectStatus.ON_BALLOT)
    Ballot.objects.create(page=page, envelope=page.envelope_list[0], voter_key="paper:1")
    publish_results(page)
    old_revision.publish()
    page = BudgetPage.objects.get(pk=page.pk)
    project.refresh_from_db()
    assert page.results_published
    assert project.status == ProjectStatus.NOT_SELECTED  # no votes, but it was on the ballot
    assert page.projects.count() == 1


@pytest.mark.django_db
def test_summary_reports_figures_and_decisions_once_results_are_published(index_page, frozen_now):
    page = make_budget(index_page, phases=VOTE_ENDED)
    benches = make_project(page, "Benches", 60000)
    make_project(page, "Fountain", 70000)
    make_project(
        page,
        "Car park",
        900000,
        status=ProjectStatus.NOT_ADMISSIBLE,
        public_reason="Far above the envelope.",
    )
    make_project(page, "Fresh idea", 100, status=ProjectStatus.SUBMITTED)
    Ballot.objects.create(page=page, envelope=page.envelope_list[0], voter_key="paper:1")
    page.ballots.get().projects.add(benches)
    before = page.participation_summary()
    assert {str(f["label"]): f["value"] for f in before["figures"]} == {
        "Projects submitted": 4,
        "Projects on the ballot": 2,
        "Ballots": 1,
    }
    assert before["outcomes"] == []

    publish_results(page)
    page = BudgetPage.objects.get(pk=page.pk)
    after = page.participation_summary()
    assert {str(f["label"]): f["value"] for f in after["figures"]}["Projects funded"] == 1
    decisions = {o["title"]: str(o["decision"]) for o in after["outcomes"]}
    assert decisions == {
        "Benches": "Selected",
        "Fountain": "Not selected",
        "Car park": "Not admissible",
    }


@pytest.mark.django_db
def test_a_residents_ballots_and_projects_are_in_their_data_export(index_page, frozen_now):
    page = make_budget(index_page)
    voter = make_voter("ines")
    benches = make_project(page, "Benches", 300, proposer=voter)
    cast_ballot(page, page.envelope_list[0], [benches.pk], user=voter)
    data = export_personal_data(voter)
    budgets = data["budgets"]
    assert budgets["proposed_projects"][0]["title"] == "Benches"
    assert budgets["ballots"][0]["projects"] == ["Benches"]
    assert budgets["ballots"][0]["envelope"] == "Whole town"


@pytest.mark.django_db
def test_api_shows_the_rules_and_envelopes_but_no_voter(client, index_page, frozen_now):
    make_budget(index_page, max_choices=3)
    response = client.get(
        "/api/v2/pages/",
        {
            "type": "participation_budgets.BudgetPage",
            "fields": "total_budget,envelopes,max_choices,results_rule",
        },
    )
    item = response.json()["items"][0]
    assert Decimal(item["total_budget"]) == Decimal("100000")
    assert item["max_choices"] == 3
    assert item["envelopes"][0]["display_name"] == "Whole town"
    assert "ballots" not in item


@pytest.mark.django_db
def test_a_ballot_naming_a_project_that_is_not_a_number_is_refused(index_page, frozen_now):
    from wagtail_participation.budgets.ballots import BallotRefused

    page = make_budget(index_page)
    voter = make_voter("ines")
    with pytest.raises(BallotRefused) as refused:
        cast_ballot(page, page.envelope_list[0], ["benches"], user=voter)
    assert refused.value.messages == ["One of the chosen projects is not part of this budget."]
    assert not Ballot.objects.exists()
