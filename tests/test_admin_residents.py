"""Admin screens for residents' data: profiles, participation codes, account reports."""

import csv
import io
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from wagtail_participation.codes import CodeBatch, ParticipationCode, find_code
from wagtail_participation.profiles import ParticipantProfile


def grant(user, *codenames):
    for codename in codenames:
        app_label, name = codename.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=name)
        )


@pytest.fixture
def moderator(django_user_model):
    user = django_user_model.objects.create_user("moderator", "mod@town.example", "pw")
    grant(
        user,
        "wagtailadmin.access_admin",
        "wagtail_participation.view_participantprofile",
        "wagtail_participation.change_participantprofile",
    )
    return user


@pytest.fixture
def residents(django_user_model):
    for name in ("Inès", "Paul"):
        user = django_user_model.objects.create_user(name.lower(), f"{name}@mail.example", "pw")
        ParticipantProfile.objects.create(user=user, display_name=name, birth_year=1990)


def csv_rows(response):
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(content)))


def profile_list_url():
    return reverse("participation_participantprofile:index")


def test_profiles_are_listed_without_export_for_moderators(client, moderator, residents):
    client.force_login(moderator)
    response = client.get(profile_list_url())
    assert response.status_code == 200
    assert "Inès" in response.text
    assert "Download CSV" not in response.text
    assert "@mail.example" not in response.text
    refused = client.get(profile_list_url(), {"export": "csv"})
    assert refused.status_code == 302  # Wagtail turns the refusal into a message and redirect
    assert "text/csv" not in refused["Content-Type"]


def test_personal_data_export_needs_its_permission(client, moderator, residents):
    grant(moderator, "wagtail_participation.export_personal_data")
    client.force_login(moderator)
    response = client.get(profile_list_url())
    assert "Download CSV" in response.text
    rows = csv_rows(client.get(profile_list_url(), {"export": "csv"}))
    assert ["Inès", "Inès@mail.example"] in [row[:2] for row in rows]


def test_staff_generate_a_batch_of_codes_as_a_csv(admin_client):
    url = reverse("participation_codebatch:add")
    assert admin_client.get(url).status_code == 200
    expires = (timezone.now() + timedelta(days=60)).strftime("%Y-%m-%d %H:%M")
    response = admin_client.post(
        url, {"label": "Jaurès school 5B", "count": "25", "page": "", "expires_at": expires}
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "participation-codes-jaures-school-5b.csv" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["code", "batch", "valid until"]
    codes = [row[0] for row in rows[1:]]
    assert len(codes) == 25
    batch = CodeBatch.objects.get()
    assert batch.size == 25 and batch.created_by.username == "admin"
    assert ParticipationCode.objects.count() == 25
    assert find_code(codes[0]).batch == batch
    listing = admin_client.get(reverse("participation_codebatch:index"))
    assert "Jaurès school 5B" in listing.text
    assert codes[0] not in listing.text


def test_code_generation_refuses_past_expiry_and_huge_batches(admin_client):
    url = reverse("participation_codebatch:add")
    past = (timezone.now() - timedelta(days=1)).strftime("%Y-%m-%d %H:%M")
    response = admin_client.post(url, {"label": "Old", "count": "100000", "expires_at": past})
    assert response.status_code == 200
    assert "Choose an expiry date in the future." in response.text
    assert "Ensure this value is less than or equal to 10000." in response.text
    assert not CodeBatch.objects.exists()


def test_reports_are_listed_for_moderators(admin_client, residents):
    from wagtail_participation.reports import AccountReport

    ines = ParticipantProfile.objects.get(display_name="Inès").user
    paul = ParticipantProfile.objects.get(display_name="Paul").user
    AccountReport.objects.create(reported=paul, reporter=ines, reason="Insults under my idea")
    response = admin_client.get(reverse("participation_accountreport:index"))
    assert response.status_code == 200
    assert "Paul" in response.text and "Inès" in response.text
    assert "@mail.example" not in response.text  # public names, not account e-mails
    assert reverse("participation_accountreport:add") not in response.text


def test_profiles_and_reports_are_not_created_by_staff(admin_client, residents):
    for name in ("participantprofile", "accountreport"):
        listing = admin_client.get(reverse(f"participation_{name}:index"))
        assert reverse(f"participation_{name}:add") not in listing.text
        refused = admin_client.get(reverse(f"participation_{name}:add"))
        assert refused.status_code == 302  # Wagtail's "permission denied" redirect


def test_profile_inspect_view_hides_the_account(admin_client, residents):
    profile = ParticipantProfile.objects.get(display_name="Inès")
    response = admin_client.get(
        reverse("participation_participantprofile:inspect", args=[profile.pk])
    )
    assert response.status_code == 200
    assert "Inès" in response.text
    assert "@mail.example" not in response.text


@pytest.fixture
def code_team(django_user_model, index_page):
    """A member of staff who may add codes, with "Edit" on the participation index only."""
    from django.contrib.auth.models import Group
    from wagtail.models import GroupPagePermission

    user = django_user_model.objects.create_user("codes", "codes@town.example", "pw")
    grant(
        user,
        "wagtailadmin.access_admin",
        "wagtail_participation.add_codebatch",
        "wagtail_participation.change_codebatch",
        "wagtail_participation.view_codebatch",
    )
    group = Group.objects.create(name="Code team")
    GroupPagePermission.objects.create(
        group=group,
        page=index_page,
        permission=Permission.objects.get(
            content_type__app_label="wagtailcore", codename="change_page"
        ),
    )
    user.groups.add(group)
    return user


def test_staff_make_codes_for_the_processes_they_may_edit_only(client, code_team, index_page):
    other = index_page.get_parent().add_child(
        instance=type(index_page)(title="Other", slug="other")
    )
    client.force_login(code_team)
    url = reverse("participation_codebatch:add")
    expires = (timezone.now() + timedelta(days=60)).strftime("%Y-%m-%d %H:%M")

    def generate(page):
        data = {
            "label": "Class",
            "count": "2",
            "page": page.pk if page else "",
            "expires_at": expires,
        }
        return client.post(url, data)

    refused = generate(other)
    assert refused.status_code == 200
    assert "You may make codes only for the processes you may edit." in refused.text
    everywhere = generate(None)
    assert "Only administrators make codes valid everywhere." in everywhere.text
    assert not CodeBatch.objects.exists()

    assert generate(index_page)["Content-Type"].startswith("text/csv")
    theirs = CodeBatch.objects.get()
    CodeBatch.generate("Other team's", 1, timezone.now() + timedelta(days=1), other)
    CodeBatch.generate("Everywhere", 1, timezone.now() + timedelta(days=1))
    listing = client.get(reverse("participation_codebatch:index")).text
    assert "Class" in listing
    assert "Other team&#x27;s" not in listing and "Everywhere" not in listing
    for batch in CodeBatch.objects.exclude(pk=theirs.pk):
        edit = client.get(reverse("participation_codebatch:edit", args=[batch.pk]))
        assert edit.status_code in (302, 403, 404)
