"""A consultation's data in "Download my data" and deletion; when yes/no results show."""

from datetime import timedelta

from wagtail_participation.consultations.models import (
    ConsultationPage,
    Contribution,
    ContributionStatus,
    Support,
)
from wagtail_participation.privacy import anonymise_user, export_personal_data
from wagtail_participation.profiles import ParticipantProfile

from .conftest import NOW, make_process, phase


def test_download_my_data_includes_the_consultation(index_page, django_user_model):
    page = make_process(index_page, "Market square", model=ConsultationPage)
    user = django_user_model.objects.create_user("ines", "ines@mail.example", "pw")
    ParticipantProfile.objects.create(user=user, display_name="Inès")
    idea = Contribution.objects.create(
        page=page, author=user, title="More trees", body="Plane trees", status="published"
    )
    Support.objects.create(contribution=idea, user=user)
    data = export_personal_data(user)["consultations"]
    assert [c["title"] for c in data["contributions"]] == ["More trees"]
    assert [s["contribution"] for s in data["supports"]] == ["More trees"]


def test_deleting_an_account_keeps_contributions_and_supports(index_page, django_user_model):
    page = make_process(index_page, "Market square", model=ConsultationPage)
    user = django_user_model.objects.create_user("ines", "ines@mail.example", "pw")
    ParticipantProfile.objects.create(user=user, display_name="Inès")
    idea = Contribution.objects.create(
        page=page,
        author=user,
        title="More trees",
        body="Plane trees",
        status=ContributionStatus.PUBLISHED,
    )
    Support.objects.create(contribution=idea, user=user)
    anonymise_user(user)
    idea.refresh_from_db()
    assert idea.author_name == "Former participant"
    assert idea.supports.count() == 1
    assert page.published_contribution_count == 1


def test_yes_no_results_wait_until_every_answering_phase_has_ended(index_page):
    page = make_process(
        index_page,
        "Square",
        [
            phase("information", -20, -10),
            phase("contribution", -10, 0),
            phase("deliberation", 0, 5),
            phase("vote", 5, 10),
        ],
        model=ConsultationPage,
    )
    assert not page.questionnaire_results_visible(NOW - timedelta(days=15))  # information
    assert not page.questionnaire_results_visible(NOW + timedelta(days=2))  # between phases
    assert not page.questionnaire_results_visible(NOW + timedelta(days=7))  # vote running
    assert page.questionnaire_results_visible(NOW + timedelta(days=10))
