"""Page types: where they may be created, and what the admin accepts or refuses."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.urls import reverse
from wagtail.models import Page, Site
from wagtail.test.utils import WagtailPageTestCase
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text

from tests.testapp.models import NeighbourhoodSurveyPage
from wagtail_participation.models import (
    InformationProcessPage,
    ParticipationIndexPage,
    ProcessPhase,
)

from .conftest import NOW


def phase_row(kind, start_days, end_days, title=""):
    start = NOW + timedelta(days=start_days)
    end = NOW + timedelta(days=end_days) if end_days is not None else None
    return {
        "kind": kind,
        "title": title,
        "starts_at": start.strftime("%Y-%m-%d %H:%M"),
        "ends_at": end.strftime("%Y-%m-%d %H:%M") if end else "",
        "description": "",
    }


class PageTypeTests(WagtailPageTestCase):
    @classmethod
    def setUpTestData(cls):
        cls.home = Site.objects.get(is_default_site=True).root_page
        cls.index = cls.home.add_child(
            instance=ParticipationIndexPage(title="Participate", slug="participate")
        )
        cls.admin = get_user_model().objects.create_superuser("editor", "e@example.org", "pw")

    def setUp(self):
        self.client.force_login(self.admin)

    def test_parent_and_child_rules(self):
        self.assertCanCreateAt(Page, ParticipationIndexPage)
        self.assertCanCreateAt(ParticipationIndexPage, InformationProcessPage)
        self.assertCanCreateAt(ParticipationIndexPage, NeighbourhoodSurveyPage)
        self.assertCanNotCreateAt(Page, InformationProcessPage)
        self.assertCanNotCreateAt(InformationProcessPage, InformationProcessPage)
        self.assertAllowedParentPageTypes(InformationProcessPage, {ParticipationIndexPage})
        self.assertAllowedSubpageTypes(InformationProcessPage, set())

    def test_index_page_is_routable(self):
        self.assertPageIsRoutable(self.index)
        self.assertPageIsRenderable(self.index)

    def post_new_process(self, phases, action="action-publish", impact="What changes"):
        data = nested_form_data(
            {
                "title": "Market square",
                "slug": "market-square",
                "summary": "Have your say",
                # An empty Draftail editor posts "null".
                "impact_statement": rich_text(impact) if impact else "null",
                "body": rich_text(""),
                "participation_phases": inline_formset(phases),
                "neighbourhoods": [],
                "themes": "Urban planning, Mobility",
                "minimum_age": "",
                "participation_codes": "accounts",
                "contact_name": "",
                "contact_email": "",
                "contact_phone": "",
                **({action: "1"} if action else {}),
            }
        )
        url = reverse(
            "wagtailadmin_pages:add",
            args=("wagtail_participation", "informationprocesspage", self.index.pk),
        )
        return self.client.post(url, data)

    def test_editor_publishes_a_process_with_phases(self):
        response = self.post_new_process(
            [phase_row("information", 0, 10), phase_row("contribution", 10, 30)]
        )
        self.assertEqual(response.status_code, 302)
        page = InformationProcessPage.objects.get(slug="market-square")
        self.assertTrue(page.live)
        self.assertEqual([p.kind for p in page.phases], ["information", "contribution"])
        self.assertEqual(sorted(page.theme_names), ["Mobility", "Urban planning"])

    def test_overlapping_phases_are_refused_with_a_clear_message(self):
        response = self.post_new_process(
            [
                phase_row("information", 0, 10, title="Launch"),
                phase_row("contribution", 5, 30, title="Ideas"),
            ]
        )
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Some phases overlap")
        self.assertContains(response, "The phase “Ideas”")
        self.assertContains(response, "overlaps the phase “Launch”")
        self.assertFalse(InformationProcessPage.objects.filter(slug="market-square").exists())
        self.assertFalse(ProcessPhase.objects.exists())

    def test_deleted_phase_does_not_count_as_overlapping(self):
        rows = [phase_row("information", 0, 10), phase_row("contribution", 5, 30)]
        rows[1]["DELETE"] = "1"
        response = self.post_new_process(rows)
        self.assertEqual(response.status_code, 302)
        self.assertEqual(ProcessPhase.objects.count(), 1)

    def test_phase_must_end_after_it_starts(self):
        response = self.post_new_process([phase_row("vote", 10, 5)])
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "A phase must end after it starts.")
        self.assertFalse(InformationProcessPage.objects.exists())

    def test_impact_statement_is_required_to_publish(self):
        response = self.post_new_process([phase_row("information", 0, 10)], impact="")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "This field is required.")
        self.assertFalse(InformationProcessPage.objects.exists())

    def test_draft_may_be_saved_without_impact_statement(self):
        response = self.post_new_process([], action=None, impact="")
        self.assertEqual(response.status_code, 302)
        page = InformationProcessPage.objects.get(slug="market-square")
        self.assertFalse(page.live)
