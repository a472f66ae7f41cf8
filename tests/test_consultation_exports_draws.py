"""Public exports of a consultation's contributions, and the verifiable draw by lot."""

import csv
import io
import json
import threading
from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser, Group, Permission
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from wagtail.models import GroupPagePermission, ModelLogEntry, Page

from wagtail_participation.consultations import draw as draws
from wagtail_participation.consultations.models import (
    AnswerStatus,
    Comment,
    CommentStatus,
    ConsultationPage,
    Contribution,
    ContributionStatus,
    ContributionTheme,
    Draw,
    Support,
)
from wagtail_participation.privacy import anonymise_user
from wagtail_participation.profiles import ParticipantProfile
from wagtail_participation.status import PhaseKind

from .conftest import NOW, index_page_on_default_site, make_process, phase

ZERO_SEED = "0" * 64
ZERO_SEED_HASH = "60e05bd1b195af2f94112fa7197a5c88289058840ce7c6df9693756bc6250f55"
# The public contract: verify("0" * 64, ids 1 to 10, 10). Computed once, with sha256sum too.
ZERO_SEED_ORDER = [1, 8, 5, 9, 4, 6, 3, 7, 2, 10]


# Fixtures and helpers ----------------------------------------------------------------------


@pytest.fixture
def consultation(index_page):
    return make_process(
        index_page,
        "Riverside park",
        phases=[phase(PhaseKind.CONTRIBUTION, -30, -1)],
        model=ConsultationPage,
    )


def resident(django_user_model, username, display_name):
    user = django_user_model.objects.create_user(username, f"{username}@example.org", "pw")
    ParticipantProfile.objects.create(user=user, display_name=display_name)
    return user


@pytest.fixture
def alice(db, django_user_model):
    return resident(django_user_model, "alice_account", "Alice P.")


@pytest.fixture
def bob(db, django_user_model):
    return resident(django_user_model, "bob_account", "Bob")


def contribute(page, title, status=ContributionStatus.PUBLISHED, **fields):
    fields.setdefault("body", f"Text of {title}")
    fields.setdefault("created_at", NOW - timedelta(days=5))
    if status == ContributionStatus.PUBLISHED:
        fields.setdefault("published_at", NOW - timedelta(days=4))
    return Contribution.objects.create(page=page, title=title, status=status, **fields)


def export(page, name):
    """The response of the export route ``name`` for an anonymous visitor.

    Called through the page's route method: see test_exports_are_served_at_the_page_urls.
    """
    request = RequestFactory().get(page.url + page.reverse_subpage(name))
    request.user = AnonymousUser()
    return getattr(page, name)(request)


def get_csv(client, page):
    response = export(page, "contributions_csv")
    assert response.status_code == 200
    return response, list(csv.DictReader(io.StringIO(response.content.decode("utf-8"))))


def get_json(client, page):
    response = export(page, "contributions_json")
    assert response.status_code == 200
    return response, json.loads(response.content.decode("utf-8"))


@pytest.fixture
def mixed(consultation, alice, bob, neighbourhoods):
    """Published, pending, hidden and withdrawn contributions, supports and comments."""
    park = contribute(
        consultation,
        "More trees in the park",
        author=alice,
        neighbourhood=neighbourhoods["riverside"],
        answer_status=AnswerStatus.ACCEPTED,
        answer_text="We will plant 40 trees.",
    )
    park.themes.add("Nature", "Children")
    bench = contribute(consultation, "Benches near the pond", author=bob)
    contribute(consultation, "Pending idea", status=ContributionStatus.PENDING, author=alice)
    contribute(consultation, "Hidden idea", status=ContributionStatus.HIDDEN, author=bob)
    contribute(consultation, "Withdrawn idea", status=ContributionStatus.WITHDRAWN, author=bob)
    Support.objects.create(contribution=park, user=alice)
    Support.objects.create(contribution=park, user=bob)
    shown = Comment.objects.create(contribution=park, author=bob, body="Yes!")
    Comment.objects.create(contribution=park, author=alice, body="Reply", parent=shown)
    hidden = Comment.objects.create(
        contribution=park, author=bob, body="Rude", status=CommentStatus.HIDDEN
    )
    Comment.objects.create(contribution=park, author=alice, body="Under rude", parent=hidden)
    return {"park": park, "bench": bench}


# Exports ---------------------------------------------------------------------------------


def test_csv_lists_published_contributions_only_without_personal_data(client, mixed):
    page = mixed["park"].page
    response, rows = get_csv(client, page)

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="riverside-park-contributions.csv"'
    )
    assert not response.content.startswith(b"\xef\xbb\xbf")
    header = response.content.decode().splitlines()[0]
    assert header == (
        "id,title,text,author,neighbourhood,themes,created,published,supports,comments,"
        "answer_status,answer_text"
    )
    assert [row["title"] for row in rows] == ["More trees in the park", "Benches near the pond"]
    assert [int(row["id"]) for row in rows] == sorted([mixed["park"].pk, mixed["bench"].pk])
    text = response.content.decode()
    for secret in ("Pending idea", "Hidden idea", "Withdrawn idea", "@example.org", "_account"):
        assert secret not in text

    park = rows[0]
    assert park["author"] == "Alice P."
    assert park["neighbourhood"] == "Riverside"
    assert park["themes"] == "Children; Nature"
    assert park["created"] == "2026-03-10T11:00:00Z"
    assert park["published"] == "2026-03-11T11:00:00Z"
    assert park["supports"] == "2"
    # The comment and its reply; neither the hidden comment nor the reply under it.
    assert park["comments"] == "2"
    assert park["answer_status"] == "accepted"
    assert park["answer_text"] == "We will plant 40 trees."
    assert rows[1]["author"] == "Bob"
    assert rows[1]["answer_status"] == ""
    assert rows[1]["supports"] == "0" and rows[1]["comments"] == "0"


def test_json_lists_published_contributions_only_without_personal_data(client, mixed):
    page = mixed["park"].page
    response, data = get_json(client, page)

    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert data["consultation"] == {
        "title": "Riverside park",
        "url": "http://localhost/participate/riverside-park/",
    }
    assert data["exported_at"].endswith("Z")
    assert [item["title"] for item in data["contributions"]] == [
        "More trees in the park",
        "Benches near the pond",
    ]
    assert data["contributions"][0] == {
        "id": mixed["park"].pk,
        "title": "More trees in the park",
        "text": "Text of More trees in the park",
        "author": "Alice P.",
        "neighbourhood": "Riverside",
        "themes": ["Children", "Nature"],
        "created": "2026-03-10T11:00:00Z",
        "published": "2026-03-11T11:00:00Z",
        "supports": 2,
        "comments": 2,
        "answer_status": "accepted",
        "answer_text": "We will plant 40 trees.",
    }
    text = response.content.decode()
    for secret in ("Pending idea", "Hidden idea", "Withdrawn idea", "@example.org", "_account"):
        assert secret not in text


def test_author_who_deleted_their_account_is_a_former_participant(client, mixed, alice):
    anonymise_user(alice)
    _, rows = get_csv(client, mixed["park"].page)
    assert rows[0]["author"] == "Former participant"
    _, data = get_json(client, mixed["park"].page)
    assert data["contributions"][0]["author"] == "Former participant"


@pytest.mark.parametrize(
    "title",
    ['=HYPERLINK("http://evil.example","click")', "+1+2", "-2+3", "@SUM(A1:A2)", "\tTab", "\rCR"],
)
def test_csv_neutralises_spreadsheet_formulas(client, consultation, title):
    contribute(consultation, title, body=title)
    response, rows = get_csv(client, consultation)
    assert rows[0]["title"] == "'" + title
    assert rows[0]["text"] == "'" + title
    # JSON is data for programs: the text stays as written.
    _, data = get_json(client, consultation)
    assert data["contributions"][0]["title"] == title


def test_html_stays_text_in_both_exports(client, consultation):
    title = '<script>alert("x")</script> Café & <b>bold</b>'
    contribute(consultation, title, body="<img src=x onerror=alert(1)>")
    response, rows = get_csv(client, consultation)
    assert rows[0]["title"] == title
    assert rows[0]["text"] == "<img src=x onerror=alert(1)>"
    assert "&lt;" not in response.content.decode()
    response, data = get_json(client, consultation)
    assert data["contributions"][0]["title"] == title
    # Not escaped to \u sequences (ensure_ascii=False) nor to HTML entities.
    assert "Café" in response.content.decode("utf-8")
    assert "&amp;" not in response.content.decode("utf-8")


def test_exports_are_empty_but_valid_without_contributions(client, consultation):
    response, rows = get_csv(client, consultation)
    assert rows == [] and response.content.decode().startswith("id,title,")
    _, data = get_json(client, consultation)
    assert data["contributions"] == []


def make_many(page, count, users, neighbourhood):
    contributions = Contribution.objects.bulk_create(
        Contribution(
            page=page,
            title=f"Idea {number}",
            body="Text",
            status=ContributionStatus.PUBLISHED,
            author=users[number % len(users)],
            neighbourhood=neighbourhood,
            published_at=NOW,
        )
        for number in range(count)
    )
    contributions[0].themes.add("Nature")
    tag = contributions[0].themes.get()
    ContributionTheme.objects.bulk_create(
        ContributionTheme(content_object=contribution, tag=tag) for contribution in contributions
    )
    Support.objects.bulk_create(
        Support(contribution=contribution, user=user)
        for contribution in contributions
        for user in users
    )
    Comment.objects.bulk_create(
        Comment(contribution=contribution, author=users[0], body="Agreed")
        for contribution in contributions
    )


@pytest.mark.parametrize("name", ["contributions_csv", "contributions_json"])
def test_export_query_count_does_not_grow(consultation, alice, bob, neighbourhoods, name):
    other = make_process(consultation.get_parent(), "Station square", model=ConsultationPage)
    make_many(consultation, 10, [alice, bob], neighbourhoods["centre"])
    make_many(other, 200, [alice, bob], neighbourhoods["station"])
    export(consultation, name)  # warm the site-root-paths cache
    export(other, name)

    with CaptureQueriesContext(connection) as small:
        response = export(consultation, name)
    assert b"Idea 9" in response.content
    with CaptureQueriesContext(connection) as large:
        response = export(other, name)
    assert b"Idea 199" in response.content and response.content.count(b"Idea ") == 200
    assert len(large) == len(small) <= 5


@pytest.mark.parametrize("name", ["contributions_csv", "contributions_json"])
def test_exports_are_served_at_the_page_urls(client, mixed, name):
    page = mixed["park"].page
    response = client.get(page.url + page.reverse_subpage(name))
    assert response.status_code == 200
    assert b"More trees in the park" in response.content


# The draw algorithm ------------------------------------------------------------------------


def test_seed_hash_and_fixed_result_are_a_stable_public_contract():
    assert draws.seed_hash(ZERO_SEED) == ZERO_SEED_HASH
    assert draws.verify(ZERO_SEED, range(1, 11), 10) == ZERO_SEED_ORDER
    assert draws.verify(ZERO_SEED, range(1, 11), 3) == [1, 8, 5]
    # The order and repetitions of the candidates given do not matter.
    assert draws.verify(ZERO_SEED, [10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 1, "5"], 3) == [1, 8, 5]
    # Another seed, another order.
    assert draws.verify("1" * 64, range(1, 11), 3) != [1, 8, 5]


def test_fewer_candidates_than_places_draws_them_all():
    assert draws.verify(ZERO_SEED, [2, 3, 5], 10) == [5, 3, 2]
    assert draws.verify(ZERO_SEED, [], 3) == []


# Announcing and performing -----------------------------------------------------------------


def draws_include(page):
    request = RequestFactory().get(page.url)
    request.user = AnonymousUser()
    return render_to_string(
        "wagtail_participation/consultations/includes/draws.html", {"page": page}, request=request
    )


def test_hash_is_public_at_once_and_seed_only_after_the_draw(client, mixed):
    page = mixed["park"].page
    draw = draws.announce(page, "Ideas for the committee", 1)
    assert len(draw.seed) == 64 and draw.seed_hash == draws.seed_hash(draw.seed)
    assert draw.public_seed == ""

    detail = client.get(f"{page.url}draws/{draw.pk}/")
    assert detail.status_code == 200
    assert draw.seed_hash in detail.text
    assert draw.seed not in detail.text
    assert "has not been performed yet" in detail.text
    listing = draws_include(page)
    assert "Ideas for the committee" in listing and draw.seed_hash in listing
    assert draw.seed not in listing
    assert f"{page.url}draws/{draw.pk}/" in listing

    draws.perform(draw)
    draw.refresh_from_db()
    assert draw.public_seed == draw.seed
    detail = client.get(f"{page.url}draws/{draw.pk}/")
    assert draw.seed in detail.text and draw.seed_hash in detail.text
    assert "2 published contributions" in detail.text
    drawn = Contribution.objects.get(pk=draw.result[0])
    assert f'<a href="{page.url}contributions/{drawn.pk}/">{drawn.title}</a>' in detail.text
    assert "How to check this draw" in detail.text
    listing = draws_include(page)
    assert draw.seed in listing
    assert f'href="{page.url}contributions/{drawn.pk}/"' in listing


def test_draw_result_follows_the_documented_algorithm(mixed):
    page = mixed["park"].page
    draw = draws.announce(page, "Both", 5)
    draws.perform(draw)
    draw.refresh_from_db()
    ids = sorted([mixed["park"].pk, mixed["bench"].pk])
    assert draw.candidates == ids
    assert draw.result == draws.verify(draw.seed, ids, 5)
    assert sorted(draw.result) == ids  # fewer candidates than places: all drawn
    assert draw.drawn_at is not None


def test_pending_hidden_and_withdrawn_contributions_are_never_candidates(client, mixed):
    page = mixed["park"].page
    draw = draws.announce(page, "All", 10)
    draws.perform(draw)
    draw.refresh_from_db()
    titles = set(
        Contribution.objects.filter(pk__in=draw.candidates).values_list("title", flat=True)
    )
    assert titles == {"More trees in the park", "Benches near the pond"}
    assert set(draw.result) == set(draw.candidates)


def test_a_draw_is_performed_once(mixed):
    draw = draws.announce(mixed["park"].page, "Once", 1)
    draws.perform(draw)
    draw.refresh_from_db()
    first = (draw.result, draw.drawn_at)
    contribute(mixed["park"].page, "Late idea")
    with pytest.raises(draws.DrawAlreadyPerformed, match="cannot be performed again"):
        draws.perform(draw)
    draw.refresh_from_db()
    assert (draw.result, draw.drawn_at) == first


def test_draw_of_another_consultation_is_not_found(client, mixed, index_page):
    other = make_process(index_page, "Station square", model=ConsultationPage)
    draw = draws.announce(other, "Elsewhere", 1)
    assert client.get(f"{mixed['park'].page.url}draws/{draw.pk}/").status_code == 404
    assert client.get(f"{other.url}draws/{draw.pk}/").status_code == 200
    assert client.get(f"{other.url}draws/999999/").status_code == 404


def test_drawn_contribution_hidden_later_keeps_its_place_without_its_title(client, mixed):
    page = mixed["park"].page
    draw = draws.announce(page, "All", 2)
    draws.perform(draw)
    Contribution.objects.filter(pk=mixed["park"].pk).update(status=ContributionStatus.HIDDEN)
    detail = client.get(f"{page.url}draws/{draw.pk}/")
    assert "More trees in the park" not in detail.text
    assert f"Contribution no. {mixed['park'].pk}, no longer published" in detail.text


# Checking a draw ---------------------------------------------------------------------------


@pytest.fixture
def performed(consultation):
    for number in range(12):
        contribute(consultation, f"Idea {number}")
    contribute(consultation, "Pending", status=ContributionStatus.PENDING)
    draw = draws.announce(consultation, "Five ideas", 5)
    draws.perform(draw)
    draw.refresh_from_db()
    return draw


def test_the_public_csv_export_reproduces_the_stored_result(client, performed):
    _, rows = get_csv(client, performed.page)
    ids = [int(row["id"]) for row in rows]
    assert ids == performed.candidates
    assert draws.verify(performed.public_seed, ids, performed.count) == performed.result
    assert len(performed.result) == 5


def run_redraw(*args):
    out = io.StringIO()
    call_command("participation_redraw", *args, stdout=out)
    return out.getvalue()


def test_redraw_command_from_the_csv_prints_the_same_ids(client, performed, tmp_path):
    response, _ = get_csv(client, performed.page)
    export = tmp_path / "contributions.csv"
    export.write_bytes(response.content)
    output = run_redraw(
        "--seed",
        performed.public_seed,
        "--count",
        "5",
        "--csv",
        str(export),
        "--expected-hash",
        performed.seed_hash,
    )
    assert f"SHA-256 of the seed: {performed.seed_hash}" in output
    assert "The seed matches the expected hash." in output
    assert output.strip().splitlines()[-1] == " ".join(str(pk) for pk in performed.result)


def test_redraw_command_refuses_a_seed_that_does_not_match(client, performed, tmp_path):
    response, _ = get_csv(client, performed.page)
    export = tmp_path / "contributions.csv"
    export.write_bytes(response.content)
    with pytest.raises(CommandError, match="does not match the expected hash"):
        run_redraw(
            "--seed",
            "f" * 64,
            "--count",
            "5",
            "--csv",
            str(export),
            "--expected-hash",
            performed.seed_hash,
        )


def test_redraw_command_from_a_stored_draw_and_from_ids(performed):
    output = run_redraw("--draw", str(performed.pk))
    assert "The seed matches the expected hash." in output
    assert f"Same result as the stored draw {performed.pk}." in output
    ids = ",".join(str(pk) for pk in performed.candidates)
    output = run_redraw("--seed", performed.public_seed, "--count", "5", "--ids", ids)
    assert output.strip().splitlines()[-1] == " ".join(str(pk) for pk in performed.result)
    with pytest.raises(CommandError, match="does not match"):
        run_redraw("--draw", str(performed.pk), "--seed", ZERO_SEED)


def test_redraw_command_with_the_public_fixed_example(tmp_path):
    export = tmp_path / "contributions.csv"
    export.write_text("id,title\n" + "".join(f"{n},Idea {n}\n" for n in range(1, 11)))
    output = run_redraw(
        "--seed", ZERO_SEED, "--count", "3", "--csv", str(export), "--expected-hash", ZERO_SEED_HASH
    )
    assert output.strip().splitlines()[-1] == "1 8 5"


def test_redraw_command_explains_bad_input(tmp_path, performed):
    export = tmp_path / "other.csv"
    export.write_text("number,title\n1,Idea\n")
    with pytest.raises(CommandError, match="no “id” column"):
        run_redraw("--seed", ZERO_SEED, "--count", "1", "--csv", str(export))
    with pytest.raises(CommandError, match="not been performed"):
        run_redraw("--draw", str(draws.announce(performed.page, "Later", 1).pk))


# Admin -------------------------------------------------------------------------------------


@pytest.fixture
def moderator(db, django_user_model):
    user = django_user_model.objects.create_user("moderator", "moderator@example.org", "pw")
    group = Group.objects.create(name="Draw moderators")
    group.permissions.add(
        Permission.objects.get(codename="access_admin"),
        Permission.objects.get(codename="moderate_contribution"),
    )
    # Staff act on the pages they may edit (see staff.py): here, every page.
    GroupPagePermission.objects.create(
        group=group,
        page=Page.get_first_root_node(),
        permission=Permission.objects.get(
            content_type__app_label="wagtailcore", codename="change_page"
        ),
    )
    user.groups.add(group)
    return user


@pytest.fixture
def plain_editor(db, django_user_model):
    user = django_user_model.objects.create_user("editor", "editor@example.org", "pw")
    group = Group.objects.create(name="Editors without moderation")
    group.permissions.add(Permission.objects.get(codename="access_admin"))
    user.groups.add(group)
    return user


def test_moderator_announces_and_performs_a_draw_in_the_admin(client, mixed, moderator):
    page = mixed["park"].page
    client.force_login(moderator)
    index = client.get(reverse("participation_draws:index"))
    assert index.status_code == 200
    page_url = reverse("participation_draws:page", args=[page.pk])
    assert page_url in index.text

    invalid = client.post(page_url, {"title": "", "count": "0"})
    assert invalid.status_code == 400
    assert not Draw.objects.exists()

    response = client.post(page_url, {"title": "Committee ideas", "count": "1"}, follow=True)
    draw = Draw.objects.get()
    assert (draw.title, draw.count, draw.is_drawn) == ("Committee ideas", 1, False)
    assert draw.seed_hash in response.text and draw.seed not in response.text
    announced = ModelLogEntry.objects.get(action=draws.ANNOUNCE_ACTION)
    assert announced.user_id == moderator.pk and announced.object_id == str(draw.pk)
    assert draw.seed not in json.dumps(announced.data)

    perform_url = reverse("participation_draws:perform", args=[draw.pk])
    assert client.get(perform_url).status_code == 405
    response = client.post(perform_url, follow=True)
    assert "performed" in response.text
    draw.refresh_from_db()
    assert draw.is_drawn and len(draw.result) == 1
    performed = ModelLogEntry.objects.get(action=draws.PERFORM_ACTION)
    assert performed.data["result"] == draw.result

    again = client.post(perform_url, follow=True)
    assert "cannot be performed again" in again.text
    assert ModelLogEntry.objects.filter(action=draws.PERFORM_ACTION).count() == 1


def test_editors_without_the_moderation_permission_cannot_draw(client, mixed, plain_editor):
    page = mixed["park"].page
    draw = draws.announce(page, "Committee ideas", 1)
    client.force_login(plain_editor)
    refused = client.get(reverse("participation_draws:index"), follow=True)
    assert refused.redirect_chain == [(reverse("wagtailadmin_home"), 302)]
    assert "do not have permission" in refused.text
    page_url = reverse("participation_draws:page", args=[page.pk])
    response = client.post(page_url, {"title": "Mine", "count": "1"})
    assert response.status_code == 302 and response.url == reverse("wagtailadmin_home")
    perform_url = reverse("participation_draws:perform", args=[draw.pk])
    response = client.post(perform_url)
    assert response.status_code == 302 and response.url == reverse("wagtailadmin_home")
    draw.refresh_from_db()
    assert not draw.is_drawn and Draw.objects.count() == 1


# Concurrency (PostgreSQL) ------------------------------------------------------------------


def consultation_in_any_database():
    """A consultation, even in a database that an earlier transactional test has flushed."""
    return make_process(index_page_on_default_site(), "Race", model=ConsultationPage)


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks and real concurrency need PostgreSQL"
)
@pytest.mark.django_db(transaction=True)
def test_two_editors_performing_at_once_draw_once():
    page = consultation_in_any_database()
    for number in range(6):
        contribute(page, f"Idea {number}")
    draw = draws.announce(page, "Race", 2)
    barrier = threading.Barrier(4)
    outcomes = []

    def attempt():
        from django.db import connection as thread_connection

        try:
            barrier.wait()
            draws.perform(Draw.objects.get(pk=draw.pk))
            outcomes.append("drawn")
        except draws.DrawAlreadyPerformed:
            outcomes.append("refused")
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["drawn"] + ["refused"] * 3
    assert ModelLogEntry.objects.filter(action=draws.PERFORM_ACTION).count() == 1
