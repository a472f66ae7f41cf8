"""The moderation queue in the admin: contributions and comments, official answers, bulk actions.

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
from wagtail.models import GroupPagePermission, ModelLogEntry, Page

from wagtail_participation.conf import settings
from wagtail_participation.consultations import moderation
from wagtail_participation.consultations.models import (
    AnswerStatus,
    Comment,
    CommentStatus,
    ConsultationPage,
    ContentReport,
    Contribution,
    ContributionStatus,
    Support,
)
from wagtail_participation.profiles import ParticipantProfile
from wagtail_participation.status import PhaseKind

from .admin_menu import main_menu
from .conftest import NOW, make_process, phase

ROOT = Path(__file__).resolve().parent.parent

wagtail_ui = pytest.mark.skipif(settings.ADMIN_UI != "wagtail", reason="Wagtail's admin UI")
modeladmin_ui = pytest.mark.skipif(
    settings.ADMIN_UI != "modeladmin", reason="runs in its own process, see below"
)


def grant(user, *codenames):
    """Model permissions, on every page of the tree (staff act on pages they may edit)."""
    for codename in codenames:
        app_label, name = codename.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=name)
        )
    if not user.groups.exists():
        give_page_rights(user)


def give_page_rights(user):
    """Staff act on the pages they may edit: "Edit" on the whole tree (see staff.py)."""
    group = Group.objects.create(name=f"Editors of every page ({user.username})")
    GroupPagePermission.objects.create(
        group=group,
        page=Page.get_first_root_node(),
        permission=Permission.objects.get(
            content_type__app_label="wagtailcore", codename="change_page"
        ),
    )
    user.groups.add(group)


def csv_rows(response):
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(content)))


@pytest.fixture
def consultation(index_page):
    return make_process(
        index_page,
        "Market square",
        [phase(PhaseKind.CONTRIBUTION, -1, 10)],
        model=ConsultationPage,
    )


@pytest.fixture
def resident(django_user_model):
    user = django_user_model.objects.create_user("ines", "ines.private@mail.example", "pw")
    ParticipantProfile.objects.create(user=user, display_name="Inès of the market")
    return user


@pytest.fixture
def reporters(django_user_model):
    return [
        django_user_model.objects.create_user(f"reporter{n}", f"reporter{n}@mail.example", "pw")
        for n in range(2)
    ]


@pytest.fixture
def moderator(django_user_model):
    user = django_user_model.objects.create_user("moderator", "mod@town.example", "pw")
    grant(user, "wagtailadmin.access_admin", "participation_consultations.moderate_contribution")
    return user


@pytest.fixture
def queue(consultation, resident, reporters):
    """A pending, a reported published and a hidden contribution."""

    def make(title, status, **kwargs):
        return Contribution.objects.create(
            page=consultation,
            author=resident,
            title=title,
            body=f"Text of {title}",
            status=status,
            created_at=NOW - timedelta(days=3),
            **kwargs,
        )

    pending = make("More benches", ContributionStatus.PENDING)
    reported = make(
        "Trees along the quay", ContributionStatus.PUBLISHED, published_at=NOW - timedelta(days=2)
    )
    hidden = make("Off-topic rant", ContributionStatus.HIDDEN, moderation_reason="Insults")
    for reporter in reporters:
        ContentReport.objects.create(
            contribution=reported, reporter=reporter, reason="Not about the square"
        )
    Support.objects.create(contribution=reported, user=reporters[0])
    return {"pending": pending, "reported": reported, "hidden": hidden}


def list_url(model="contribution"):
    return reverse(f"participation_{model}:index")


def edit_url(item):
    return reverse(f"participation_{item._meta.model_name}:edit", args=[item.pk])


def bulk_url(action, items, model="contribution", **params):
    query = "&".join([f"id={item.pk}" for item in items] + [f"{k}={v}" for k, v in params.items()])
    url = reverse("wagtail_bulk_action", args=["participation_consultations", model, action])
    return f"{url}?{query}"


def edit_form(contribution, **changes):
    data = {
        "status": contribution.status,
        "moderation_reason": contribution.moderation_reason,
        "answer_status": contribution.answer_status,
        "answer_text": contribution.answer_text,
    }
    data.update(changes)
    return data


def logs(item, action):
    return list(ModelLogEntry.objects.for_instance(item).filter(action=action))


# Listing ---------------------------------------------------------------------------------------


@wagtail_ui
def test_moderators_see_the_queue_in_the_participation_menu(client, moderator, queue):
    client.force_login(moderator)
    menu = main_menu(client.get(reverse("wagtailadmin_home")).text)
    assert menu["Participation"] == [
        ["/admin/participation/contribution/", "/admin/participation/comment/"]
    ]
    response = client.get(list_url())
    assert response.status_code == 200
    for title in ("More benches", "Trees along the quay", "Off-topic rant"):
        assert title in response.text
    assert "Inès of the market" in response.text
    assert "Waiting for moderation" in response.text and "Hidden by a moderator" in response.text
    # Moderators cannot make up contributions: residents write them.
    assert reverse("participation_contribution:add") not in response.text
    assert client.get(reverse("participation_contribution:add")).status_code in (302, 403)


@wagtail_ui
def test_listing_filters_pending_reported_and_answered(client, moderator, queue):
    Contribution.objects.filter(pk=queue["reported"].pk).update(
        answer_status=AnswerStatus.ACCEPTED, answer_text="We will plant 40 trees."
    )
    client.force_login(moderator)

    def titles(**params):
        text = client.get(list_url(), params).text
        return {title for title in ("More benches", "Trees along", "Off-topic") if title in text}

    assert titles(status="pending") == {"More benches"}
    assert titles(status="hidden") == {"Off-topic"}
    assert titles(reported="yes") == {"Trees along"}
    assert titles(answer_status="accepted") == {"Trees along"}
    assert titles(answer_status="none") == {"More benches", "Off-topic"}
    assert titles(page=queue["pending"].page_id) == {"More benches", "Trees along", "Off-topic"}
    assert titles(q="benches") == {"More benches"}


@wagtail_ui
def test_listing_shows_counts_and_never_the_authors_email(client, moderator, queue):
    client.force_login(moderator)
    response = client.get(list_url(), {"reported": "yes"})
    assert "ines.private@mail.example" not in response.text
    assert "mail.example" not in response.text
    assert "ines" not in response.text.replace("Inès", "")  # nor the username
    row = response.text.split("Trees along the quay", 1)[1].split("</tr>", 1)[0]
    # 1 support, 2 reports to resolve.
    cells = [re.sub(r"<[^>]*>", "", cell).strip() for cell in re.findall(r"<td.*?</td>", row, re.S)]
    assert cells[0] == "Market square" and cells[1] == "Inès of the market"
    assert cells[4:] == ["1", "No answer yet", "2"]


@wagtail_ui
def test_html_in_a_title_is_escaped_in_the_admin(client, moderator, queue, resident):
    evil = Contribution.objects.create(
        page=queue["pending"].page,
        author=resident,
        title='<script>alert("x")</script><b>Bold</b>',
        body="<img src=x onerror=alert(1)>",
    )
    client.force_login(moderator)
    inspect_url = reverse("participation_contribution:inspect", args=[evil.pk])
    for url in (list_url(), edit_url(evil), inspect_url, bulk_url("publish", [evil])):
        response = client.get(url)
        assert response.status_code == 200, url
        assert '<script>alert("x")</script>' not in response.text, url
        assert "<b>Bold</b>" not in response.text, url
        assert "&lt;b&gt;Bold&lt;/b&gt;" in response.text, url
    assert "<img src=x" not in client.get(edit_url(evil)).text


@wagtail_ui
def test_listing_queries_do_not_grow_with_the_queue(
    client, moderator, queue, resident, django_assert_max_num_queries
):
    client.force_login(moderator)
    client.get(list_url())  # warm caches (site, content types)
    with django_assert_max_num_queries(25) as few:
        client.get(list_url())
    for n in range(15):
        Contribution.objects.create(page=queue["pending"].page, author=resident, title=f"Idea {n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(list_url())
    assert "Idea 14" in response.text


@wagtail_ui
def test_csv_export_has_no_personal_data(client, moderator, queue):
    Contribution.objects.filter(pk=queue["pending"].pk).update(title="=HYPERLINK(1)")
    client.force_login(moderator)
    response = client.get(list_url(), {"export": "csv"})
    assert response.status_code == 200
    rows = csv_rows(response)
    assert rows[0] == [
        "Title",
        "Consultation",
        "Status",
        "Official answer",
        "Submitted",
        "Published",
        "Supports",
    ]
    by_title = {row[0]: row for row in rows[1:]}
    assert by_title["Trees along the quay"][1:3] == ["Market square", "published"]
    assert by_title["Trees along the quay"][6] == "1"
    assert "'=HYPERLINK(1)" in by_title  # a spreadsheet would run it as a formula
    content = repr(rows)
    assert "mail.example" not in content
    assert "Inès" not in content and "ines" not in content
    assert "Text of" not in content


# Editing: publish, hide, answer ----------------------------------------------------------------


@wagtail_ui
def test_publishing_from_the_edit_form_sets_published_at_and_logs(
    client, moderator, queue, frozen_now, django_capture_on_commit_callbacks
):
    pending = queue["pending"]
    client.force_login(moderator)
    form = client.get(edit_url(pending))
    assert form.status_code == 200
    assert "Text of More benches" in form.text and "Inès of the market" in form.text
    assert "ines.private@mail.example" not in form.text
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(edit_url(pending), edit_form(pending, status="published"))
    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.status == ContributionStatus.PUBLISHED
    assert pending.published_at == frozen_now
    [entry] = logs(pending, moderation.CONTRIBUTION_PUBLISH)
    assert entry.user == moderator
    assert callbacks, "the author is told after the commit"


@wagtail_ui
def test_the_author_is_emailed_when_published_and_answered(
    client, moderator, queue, mailoutbox, django_capture_on_commit_callbacks
):
    pending = queue["pending"]
    client.force_login(moderator)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(edit_url(pending), edit_form(pending, status="published"))
    assert [message.to for message in mailoutbox] == [["ines.private@mail.example"]]
    pending.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            edit_url(pending),
            edit_form(pending, answer_status="accepted", answer_text="Twelve benches in May."),
        )
    assert len(mailoutbox) == 2
    assert "Twelve benches in May." in mailoutbox[1].body


@wagtail_ui
def test_hiding_needs_a_reason(client, moderator, queue):
    pending = queue["pending"]
    client.force_login(moderator)
    refused = client.post(edit_url(pending), edit_form(pending, status="hidden"))
    assert refused.status_code == 200
    assert "Give the reason for hiding this contribution." in refused.text
    pending.refresh_from_db()
    assert pending.status == ContributionStatus.PENDING

    client.post(edit_url(pending), edit_form(pending, status="hidden", moderation_reason="Spam"))
    pending.refresh_from_db()
    assert (pending.status, pending.moderation_reason) == ("hidden", "Spam")
    [entry] = logs(pending, moderation.CONTRIBUTION_HIDE)
    assert entry.data["reason"] == "Spam"


@wagtail_ui
def test_keeping_a_reported_contribution_hidden_needs_a_reason(client, moderator, queue):
    reported = queue["reported"]
    # Hidden automatically after reports: no moderator gave a reason yet.
    Contribution.objects.filter(pk=reported.pk).update(status="hidden")
    reported.refresh_from_db()
    client.force_login(moderator)
    answer = {"answer_status": "rejected", "answer_text": "Not on the square."}
    refused = client.post(edit_url(reported), edit_form(reported, **answer))
    assert "Give the reason for hiding this contribution." in refused.text
    assert ContentReport.objects.filter(resolved_at__isnull=True).count() == 2

    client.post(edit_url(reported), edit_form(reported, moderation_reason="Off topic", **answer))
    reported.refresh_from_db()
    assert (reported.status, reported.answer_status) == ("hidden", "rejected")
    assert not ContentReport.objects.filter(resolved_at__isnull=True).exists()
    assert logs(reported, moderation.CONTRIBUTION_HIDE)[0].data["reason"] == "Off topic"


@wagtail_ui
def test_an_official_answer_needs_a_public_justification(client, moderator, queue, frozen_now):
    reported = queue["reported"]
    client.force_login(moderator)
    refused = client.post(edit_url(reported), edit_form(reported, answer_status="accepted"))
    assert refused.status_code == 200
    assert "Give the public justification of the official answer." in refused.text
    reported.refresh_from_db()
    assert reported.answer_status == "" and reported.answered_at is None

    orphan = client.post(edit_url(reported), edit_form(reported, answer_text="Because."))
    assert "Choose the official answer this justification explains" in orphan.text

    response = client.post(
        edit_url(reported),
        edit_form(
            reported,
            answer_status="partially_accepted",
            answer_text="Trees on the north side only: <the south has cables>.",
        ),
    )
    assert response.status_code == 302
    reported.refresh_from_db()
    assert reported.answer_status == AnswerStatus.PARTIALLY_ACCEPTED
    assert reported.answered_at == frozen_now
    [entry] = logs(reported, moderation.CONTRIBUTION_ANSWER)
    assert entry.data["reason"].startswith("Trees on the north side only")
    # Saving a published, reported contribution is the moderator's decision on the reports.
    assert not ContentReport.objects.filter(resolved_at__isnull=True).exists()

    history = client.get(reverse("participation_contribution:history", args=[reported.pk]))
    assert (
        "Official answer given: Trees on the north side only: &lt;the south has cables&gt;."
        in history.text
    )


@wagtail_ui
def test_a_withdrawn_contribution_stays_withdrawn(client, moderator, queue):
    pending = queue["pending"]
    Contribution.objects.filter(pk=pending.pk).update(status=ContributionStatus.WITHDRAWN)
    pending.refresh_from_db()
    client.force_login(moderator)
    client.post(edit_url(pending), edit_form(pending, status="published"))
    pending.refresh_from_db()
    assert pending.status == ContributionStatus.WITHDRAWN


# Bulk actions ----------------------------------------------------------------------------------


@wagtail_ui
def test_bulk_hide_needs_a_reason_and_logs_each_item(client, moderator, queue, frozen_now):
    items = [queue["pending"], queue["reported"]]
    client.force_login(moderator)
    listing = client.get(list_url())
    assert "bulk-action-checkbox" in listing.text
    assert bulk_url("hide", []).split("?")[0] in listing.text

    confirm = client.get(bulk_url("hide", items))
    assert confirm.status_code == 200
    assert "More benches" in confirm.text and "Trees along the quay" in confirm.text

    refused = client.post(bulk_url("hide", items), {"reason": " "})
    assert refused.status_code == 200
    assert "Give the reason for hiding" in refused.text
    assert Contribution.objects.filter(status="hidden").count() == 1

    response = client.post(bulk_url("hide", items, next=list_url()), {"reason": "Duplicates"})
    assert response.status_code == 302
    for item in items:
        item.refresh_from_db()
        assert (item.status, item.moderation_reason) == ("hidden", "Duplicates")
        [entry] = logs(item, moderation.CONTRIBUTION_HIDE)
        assert (entry.user, entry.data["reason"]) == (moderator, "Duplicates")
    assert queue["reported"].published_at is not None  # kept: it was published once
    resolved = ContentReport.objects.values_list("resolved_at", flat=True)
    assert list(resolved) == [frozen_now, frozen_now]

    history = client.get(reverse("participation_contribution:history", args=[items[0].pk]))
    assert "Contribution hidden: Duplicates" in history.text


@wagtail_ui
def test_bulk_publish_with_an_optional_reason(client, moderator, queue, frozen_now):
    items = [queue["pending"], queue["hidden"]]
    client.force_login(moderator)
    response = client.post(bulk_url("publish", items), {"reason": ""})
    assert response.status_code == 302
    for item in items:
        item.refresh_from_db()
        assert item.status == ContributionStatus.PUBLISHED
        assert item.published_at == frozen_now
        assert item.moderation_reason == ""  # the hiding reason no longer applies
        assert len(logs(item, moderation.CONTRIBUTION_PUBLISH)) == 1


@wagtail_ui
def test_bulk_publish_of_a_reported_contribution_resolves_its_reports(client, moderator, queue):
    client.force_login(moderator)
    client.post(bulk_url("publish", [queue["reported"]]), {"reason": "Reports unfounded"})
    assert not ContentReport.objects.filter(resolved_at__isnull=True).exists()
    [entry] = logs(queue["reported"], moderation.CONTRIBUTION_PUBLISH)
    assert entry.data["reason"] == "Reports unfounded"
    # Still reported? No: the "reported" filter is empty now.
    assert "Trees along" not in client.get(list_url(), {"reported": "yes"}).text


@wagtail_ui
def test_bulk_actions_leave_withdrawn_contributions_alone(client, moderator, queue):
    Contribution.objects.filter(pk=queue["pending"].pk).update(status="withdrawn")
    client.force_login(moderator)
    response = client.post(
        bulk_url("publish", [queue["pending"], queue["hidden"]], next=list_url()),
        {"reason": ""},
        follow=True,
    )
    assert "1 contribution published. 1 withdrawn by its author was left as it is." in (
        response.text
    )
    assert Contribution.objects.get(pk=queue["pending"].pk).status == "withdrawn"


@wagtail_ui
def test_select_all_acts_on_the_filtered_listing_only(client, moderator, queue):
    client.force_login(moderator)
    url = reverse(
        "wagtail_bulk_action", args=["participation_consultations", "contribution", "hide"]
    )
    client.post(f"{url}?id=all&status=pending", {"reason": "Closed"})
    statuses = dict(Contribution.objects.values_list("title", "status"))
    assert statuses == {
        "More benches": "hidden",
        "Trees along the quay": "published",
        "Off-topic rant": "hidden",
    }


# Permissions -----------------------------------------------------------------------------------


@wagtail_ui
@pytest.mark.parametrize("extra", [[], ["participation_consultations.view_contribution"]])
def test_users_who_may_not_moderate_are_refused(client, django_user_model, queue, extra):
    user = django_user_model.objects.create_user("editor", "editor@town.example", "pw")
    grant(user, "wagtailadmin.access_admin", *extra)
    client.force_login(user)
    menu = main_menu(client.get(reverse("wagtailadmin_home")).text)
    assert "Participation" not in menu
    pending = queue["pending"]
    for url in (list_url(), edit_url(pending), list_url("comment")):
        response = client.get(url)
        assert response.status_code in (302, 403), url
        assert "More benches" not in response.text
    assert client.get(list_url(), {"export": "csv"}).get("Content-Type") != "text/csv"
    client.post(edit_url(pending), edit_form(pending, status="published"))
    for action in ("publish", "hide"):
        refused = client.post(bulk_url(action, [pending]), {"reason": "x"})
        assert refused.status_code in (302, 403)
        assert refused.get("Location", "") != bulk_url(action, [pending])
    pending.refresh_from_db()
    assert pending.status == ContributionStatus.PENDING
    assert not ModelLogEntry.objects.exists()


@wagtail_ui
def test_the_change_permission_is_enough_to_moderate(client, django_user_model, queue):
    user = django_user_model.objects.create_user("editor", "editor@town.example", "pw")
    grant(user, "wagtailadmin.access_admin", "participation_consultations.change_contribution")
    client.force_login(user)
    assert client.get(list_url()).status_code == 200
    client.post(bulk_url("publish", [queue["pending"]]), {"reason": ""})
    assert Contribution.objects.get(pk=queue["pending"].pk).status == "published"


# Comments --------------------------------------------------------------------------------------


@pytest.fixture
def comments(queue, resident, reporters):
    on = queue["reported"]
    kind = Comment.objects.create(contribution=on, author=resident, body="Good idea, plane trees?")
    rude = Comment.objects.create(
        contribution=on, author=reporters[1], body="<i>You</i> are all idiots"
    )
    ContentReport.objects.create(
        contribution=on, comment=rude, reporter=reporters[0], reason="Insulting"
    )
    return {"kind": kind, "rude": rude}


@wagtail_ui
def test_comments_are_listed_with_their_reports(client, moderator, comments):
    client.force_login(moderator)
    response = client.get(list_url("comment"))
    assert response.status_code == 200
    assert "Good idea, plane trees?" in response.text
    assert "&lt;i&gt;You&lt;/i&gt; are all idiots" in response.text
    assert "Trees along the quay" in response.text and "Inès of the market" in response.text
    assert "mail.example" not in response.text
    reported = client.get(list_url("comment"), {"reported": "yes"}).text
    assert "are all idiots" in reported and "plane trees" not in reported
    # The contributions' report counts leave comments' reports out.
    assert "Trees along" not in client.get(list_url(), {"status": "pending"}).text


@wagtail_ui
def test_moderators_hide_a_comment_with_a_reason(client, moderator, comments, frozen_now):
    rude = comments["rude"]
    client.force_login(moderator)
    form = client.get(edit_url(rude))
    assert "Insulting" in form.text  # the report's reason, not who made it
    assert "reporter0" not in form.text
    refused = client.post(edit_url(rude), {"status": "hidden", "moderation_reason": ""})
    assert "Give the reason for hiding this comment." in refused.text
    client.post(edit_url(rude), {"status": "hidden", "moderation_reason": "Insults"})
    rude.refresh_from_db()
    assert rude.status == CommentStatus.HIDDEN
    assert ContentReport.objects.get(comment=rude).resolved_at == frozen_now
    [entry] = logs(rude, moderation.COMMENT_HIDE)
    assert entry.data["reason"] == "Insults"
    # The contribution's own reports are not resolved by moderating a comment.
    assert ContentReport.objects.filter(comment__isnull=True, resolved_at__isnull=True).count() == 2


@wagtail_ui
def test_bulk_hide_and_publish_comments(client, moderator, comments):
    client.force_login(moderator)
    listing = client.get(list_url("comment")).text
    assert "bulk-action-checkbox" in listing
    both = [comments["kind"], comments["rude"]]
    client.post(bulk_url("hide", both, model="comment"), {"reason": "Thread closed"})
    assert set(Comment.objects.values_list("status", flat=True)) == {"hidden"}
    client.post(bulk_url("publish", [comments["kind"]], model="comment"), {"reason": ""})
    assert Comment.objects.get(pk=comments["kind"].pk).status == "published"
    assert len(logs(comments["kind"], moderation.COMMENT_PUBLISH)) == 1
    assert len(logs(comments["rude"], moderation.COMMENT_HIDE)) == 1


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
            "tests/test_consultation_moderation.py",
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
    assert "4 passed" in result.stdout, result.stdout


MODELADMIN_LIST = "/admin/participation_consultations/contribution/"


@modeladmin_ui
def test_modeladmin_lists_and_filters_the_queue(client, moderator, queue):
    client.force_login(moderator)
    response = client.get(MODELADMIN_LIST)
    assert response.status_code == 200
    assert "More benches" in response.text and "Inès of the market" in response.text
    assert "mail.example" not in response.text
    reported = client.get(MODELADMIN_LIST, {"reported": "yes"}).text
    assert "Trees along the quay" in reported and "More benches" not in reported
    pending = client.get(MODELADMIN_LIST, {"status__exact": "pending"}).text
    assert "More benches" in pending and "Trees along" not in pending
    by_page = client.get(MODELADMIN_LIST, {"page__id__exact": queue["pending"].page_id}).text
    assert "More benches" in by_page and "Trees along" in by_page
    assert client.get(MODELADMIN_LIST, {"page__id__exact": "9" * 25}).status_code == 200
    rows = csv_rows(client.get(MODELADMIN_LIST, {"export": "csv"}))
    assert "Market square" in rows[1] and "mail.example" not in repr(rows)


@modeladmin_ui
def test_modeladmin_edit_requires_a_justification_and_logs(client, moderator, queue):
    pending = queue["pending"]
    url = f"{MODELADMIN_LIST}edit/{pending.pk}/"
    client.force_login(moderator)
    assert client.get(url).status_code == 200
    refused = client.post(url, edit_form(pending, status="published", answer_status="rejected"))
    assert "Give the public justification of the official answer." in refused.text
    client.post(
        url,
        edit_form(pending, status="published", answer_status="rejected", answer_text="Too costly"),
    )
    pending.refresh_from_db()
    assert pending.status == "published" and pending.published_at is not None
    assert pending.answer_text == "Too costly"
    assert len(logs(pending, moderation.CONTRIBUTION_PUBLISH)) == 1
    assert len(logs(pending, moderation.CONTRIBUTION_ANSWER)) == 1


@modeladmin_ui
def test_modeladmin_comments_screen(client, moderator, comments):
    client.force_login(moderator)
    response = client.get("/admin/participation_consultations/comment/", {"reported": "yes"})
    assert response.status_code == 200
    assert "are all idiots" in response.text and "plane trees" not in response.text


@modeladmin_ui
def test_modeladmin_refuses_users_who_may_not_moderate(client, django_user_model, queue):
    user = django_user_model.objects.create_user("editor", "editor@town.example", "pw")
    grant(user, "wagtailadmin.access_admin", "participation_consultations.view_contribution")
    client.force_login(user)
    assert client.get(MODELADMIN_LIST).status_code in (302, 403)
    pending = queue["pending"]
    client.post(f"{MODELADMIN_LIST}edit/{pending.pk}/", edit_form(pending, status="published"))
    pending.refresh_from_db()
    assert pending.status == ContributionStatus.PENDING
