"""The consultation page type: where it goes, what editors fill in, what it reports back."""

from django.contrib.auth import get_user_model
from django.urls import reverse
from wagtail.models import Page, Site
from wagtail.test.utils import WagtailPageTestCase
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text, streamfield

from wagtail_participation.consultations.models import (
    AnswerStatus,
    ConsultationPage,
    Contribution,
    ContributionStatus,
    Support,
)
from wagtail_participation.models import ParticipationIndexPage

from .conftest import make_process, phase


class ConsultationPageTests(WagtailPageTestCase):
    @classmethod
    def setUpTestData(cls):
        home = Site.objects.get(is_default_site=True).root_page
        cls.index = home.add_child(
            instance=ParticipationIndexPage(title="Participate", slug="participate")
        )
        cls.editor = get_user_model().objects.create_superuser("editor", "e@town.example", "pw")

    def test_parent_and_child_rules(self):
        self.assertCanCreateAt(ParticipationIndexPage, ConsultationPage)
        self.assertCanNotCreateAt(Page, ConsultationPage)
        self.assertAllowedSubpageTypes(ConsultationPage, set())

    def test_editor_creates_a_consultation_with_body_phases_and_questions(self):
        self.client.force_login(self.editor)
        data = nested_form_data(
            {
                "title": "Market square",
                "slug": "market-square",
                "summary": "Have your say",
                "intro": "The square will be rebuilt in 2027.",
                "impact_statement": rich_text("<p>Your ideas shape the brief.</p>"),
                "body": streamfield([("heading", "Why now"), ("paragraph", rich_text("<p>x</p>"))]),
                "participation_phases": inline_formset(
                    [
                        {
                            "kind": "contribution",
                            "title": "",
                            "starts_at": "2026-03-01 09:00",
                            "ends_at": "2026-04-01 09:00",
                            "description": "",
                        }
                    ]
                ),
                "neighbourhoods": [],
                "themes": "",
                "minimum_age": "",
                "participation_codes": "accounts",
                "contact_name": "",
                "contact_email": "",
                "contact_phone": "",
                "moderation": "pre",
                "max_length": "2000",
                "supports_enabled": "on",
                "support_threshold": "50",
                "comments_enabled": "on",
                "questionnaire_intro": "",
                "questions": inline_formset(
                    [
                        {
                            "kind": "yes_no",
                            "required": "on",
                            "text": "Should cars leave the square?",
                            "help_text": "",
                            "choices": "",
                            "max_choices": "",
                        }
                    ]
                ),
                "action-publish": "1",
            }
        )
        url = reverse(
            "wagtailadmin_pages:add",
            args=("participation_consultations", "consultationpage", self.index.pk),
        )
        response = self.client.post(url, data)
        self.assertEqual(response.status_code, 302)
        page = ConsultationPage.objects.get(slug="market-square")
        self.assertTrue(page.live)
        self.assertEqual(page.support_threshold, 50)
        self.assertEqual([q.text for q in page.questions.all()], ["Should cars leave the square?"])
        self.assertEqual(page.body[0].block_type, "heading")


def test_consultation_appears_in_the_index_and_api(client, index_page, frozen_now):
    page = make_process(
        index_page, "Market square", [phase("contribution", -1, 10)], model=ConsultationPage
    )
    listing = client.get(index_page.url, {"kind": "participation_consultations.consultationpage"})
    assert [p.title for p in listing.context["processes"]] == ["Market square"]
    response = client.get(
        "/api/v2/pages/",
        {"type": "participation_consultations.ConsultationPage", "fields": "status"},
    )
    assert response.json()["items"][0]["status"] == "open"
    assert page.contributions_open()


def test_participation_summary_counts_only_published_items(index_page, django_user_model):
    page = make_process(index_page, "Market square", model=ConsultationPage)
    resident = django_user_model.objects.create_user("ines", "i@mail.example", "pw")
    published = Contribution.objects.create(
        page=page,
        title="More trees",
        body="Plant plane trees.",
        status=ContributionStatus.PUBLISHED,
        answer_status=AnswerStatus.ACCEPTED,
        answer_text="Twelve trees are in the brief.",
    )
    Contribution.objects.create(page=page, title="Pending", body="x")
    Contribution.objects.create(
        page=page, title="Hidden", body="x", status=ContributionStatus.HIDDEN
    )
    Support.objects.create(contribution=published, user=resident)
    summary = page.participation_summary()
    figures = {str(f["label"]): f["value"] for f in summary["figures"]}
    assert figures == {
        "Contributions": 1,
        "Supports": 1,
        "Answered contributions": 1,
        "Accepted contributions": 1,
    }
    assert summary["outcomes"] == [
        {
            "title": "More trees",
            "decision": "Accepted",
            "justification": "Twelve trees are in the brief.",
        }
    ]
