"""Restitution pages: the report structure, live blocks, linked pages the public may not see,
the notification of participants, and the residents' "My participation" page."""

from datetime import datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from wagtail.models import Page, PageViewRestriction
from wagtail.test.utils.form_data import inline_formset, nested_form_data, streamfield

from wagtail_participation.consultations.models import (
    AnswerStatus,
    ConsultationPage,
    Contribution,
    ContributionStatus,
    Support,
)
from wagtail_participation.privacy import anonymise_user, export_personal_data
from wagtail_participation.profiles import ParticipantProfile
from wagtail_participation.restitution.blocks import STANDARD_SECTIONS
from wagtail_participation.restitution.models import (
    RestitutionNotice,
    RestitutionPage,
    RestitutionSource,
)

from .budget_factories import make_voter
from .conftest import NOW, make_process

pytestmark = pytest.mark.django_db


def consultation(index_page, title):
    return make_process(index_page, title, model=ConsultationPage)


def contribution(page, author=None, status=ContributionStatus.PUBLISHED, answer="", **fields):
    return Contribution.objects.create(
        page=page,
        author=author,
        title=fields.pop("title", "An idea"),
        body="Some text",
        status=status,
        answer_status=answer,
        answer_text=fields.pop("answer_text", "Because." if answer else ""),
        answered_at=NOW if answer else None,
        **fields,
    )


def restitution(index_page, *pages, body=None, live=True, notify=True):
    page = RestitutionPage(title="What we heard", slug="what-we-heard", notify_participants=notify)
    if body is not None:
        page.body = body
    page.sources = [RestitutionSource(page=linked) for linked in pages]
    index_page.add_child(instance=page)
    revision = page.save_revision()
    if live:
        revision.publish()
    return RestitutionPage.objects.get(pk=page.pk)


FIGURES_AND_DECISIONS = [
    ("figures", {"heading": "", "figures": [], "by_neighbourhood": True}),
    ("decisions", {"heading": "", "citizen_only": False, "count": 20}),
]


class TestStructure:
    def test_a_new_page_starts_from_the_standard_report(self):
        page = RestitutionPage(title="Restitution")
        sections = [block.value["heading"] for block in page.body if block.block_type == "section"]
        assert sections == [str(label) for _anchor, label in STANDARD_SECTIONS]
        kinds = [block.block_type for block in page.body]
        assert kinds[:4] == ["section", "text", "section", "figures"]
        assert "decisions" in kinds and "timeline" in kinds

    def test_each_block_of_a_new_page_has_its_own_id(self):
        """The editor's form builds element ids from block ids: none may be missing or shared."""
        ids = [block.id for block in RestitutionPage(title="Restitution").body]
        assert all(ids) and len(set(ids)) == len(ids)

    def test_the_process_links_to_its_live_restitutions(self, client, index_page, frozen_now):
        page = consultation(index_page, "Market square")
        other = consultation(index_page, "Cycle lanes")
        report = restitution(index_page, page)
        draft = RestitutionPage(title="Draft report", slug="draft-report", live=False)
        draft.sources = [RestitutionSource(page=page)]
        index_page.add_child(instance=draft)
        draft.save_revision()

        content = client.get(page.url).content.decode()
        assert f'<a href="{report.url}">What we heard</a>' in content
        assert "Draft report" not in content
        assert "What came of it" not in client.get(other.url).content.decode()

    def test_a_page_that_is_not_participatory_cannot_be_linked(self, root_page):
        link = RestitutionSource(page=Page.objects.get(pk=root_page.pk))
        with pytest.raises(ValidationError, match="participatory page"):
            link.clean()


class TestLivePage:
    def test_figures_and_decisions_of_the_linked_page_only(self, client, index_page, frozen_now):
        square = consultation(index_page, "Market square")
        other = consultation(index_page, "Another consultation")
        alice, bob = make_voter("alice"), make_voter("bob")
        accepted = contribution(
            square, alice, title="Trees on the square", answer=AnswerStatus.ACCEPTED
        )
        contribution(square, bob, title="Fountain", answer=AnswerStatus.REJECTED)
        contribution(square, bob, status=ContributionStatus.HIDDEN, title="Hidden idea")
        contribution(other, bob, title="Elsewhere", answer=AnswerStatus.ACCEPTED)
        Support.objects.create(contribution=accepted, user=bob)
        page = restitution(index_page, square, body=FIGURES_AND_DECISIONS)
        response = client.get(page.url)
        assert response.status_code == 200
        content = response.content.decode()
        assert "Market square" in content
        assert "Trees on the square" in content and "Fountain" in content
        assert "Hidden idea" not in content and "Elsewhere" not in content
        assert "Citizen label" in content
        # Two published contributions on this page; the hidden one and the other page's don't
        # count.
        assert "<dt>Contributions</dt><dd>2</dd>" in content
        assert "<dt>Supports</dt><dd>1</dd>" in content

    def test_residents_filter_the_decisions(self, client, index_page, frozen_now):
        square = consultation(index_page, "Market square")
        contribution(square, title="Trees on the square", answer=AnswerStatus.ACCEPTED)
        contribution(square, title="Fountain", answer=AnswerStatus.REJECTED)
        page = restitution(index_page, square, body=FIGURES_AND_DECISIONS)
        content = client.get(page.url, {"status": "rejected"}).content.decode()
        assert "Fountain" in content and "Trees on the square" not in content
        for query in ({"status": "nonsense"}, {"neighbourhood": "<x>"}, {"decisions_page": "99"}):
            response = client.get(page.url, query)
            assert response.status_code == 200
        assert (
            "No decision matches these filters."
            in client.get(page.url, {"status": "nonsense"}).content.decode()
        )

    @pytest.mark.parametrize("change", ["unpublish", "restrict", "delete"])
    def test_a_linked_page_the_public_may_not_see_shows_nothing(
        self, client, index_page, frozen_now, change
    ):
        square = consultation(index_page, "Market square")
        contribution(square, title="Trees on the square", answer=AnswerStatus.ACCEPTED)
        page = restitution(index_page, square, body=FIGURES_AND_DECISIONS)
        if change == "unpublish":
            square.unpublish()
            note = "A linked page is not public"
        elif change == "restrict":
            PageViewRestriction.objects.create(
                page=square, restriction_type=PageViewRestriction.PASSWORD, password="x"
            )
            note = "A linked page is not public"
        else:
            square.delete()
            note = "A linked page was deleted"
        response = client.get(page.url)
        assert response.status_code == 200
        content = response.content.decode()
        assert note in content
        assert "Trees on the square" not in content
        assert "Market square" not in content

    def test_the_same_queries_for_10_or_1000_contributions(
        self, client, index_page, frozen_now, django_assert_num_queries, no_public_cache
    ):
        square = consultation(index_page, "Market square")
        author = make_voter("alice")

        def add(count):
            Contribution.objects.bulk_create(
                Contribution(
                    page=square,
                    author=author,
                    title=f"Idea {number}",
                    body="Text",
                    status=ContributionStatus.PUBLISHED,
                    answer_status=AnswerStatus.ACCEPTED,
                    answer_text="Yes",
                    answered_at=NOW - timedelta(minutes=number),
                )
                for number in range(count)
            )

        page = restitution(index_page, square)  # the standard structure, every block kind
        add(10)
        client.get(page.url)
        with CaptureQueriesContext(connection) as ten:
            assert client.get(page.url).status_code == 200
        add(990)
        with django_assert_num_queries(len(ten.captured_queries)):
            response = client.get(page.url)
        assert "1000 decisions" in response.content.decode()


class TestNotifications:
    def publish(self, page, callbacks):
        with callbacks(execute=True):
            page.save_revision().publish()

    def test_each_participant_is_told_once(
        self, index_page, frozen_now, mailoutbox, django_capture_on_commit_callbacks
    ):
        square = consultation(index_page, "Market square")
        park = consultation(index_page, "Park")
        hidden = consultation(index_page, "Unlisted")
        alice, bob, carol = make_voter("alice"), make_voter("bob"), make_voter("carol")
        quiet = make_voter("quiet")
        ParticipantProfile.objects.filter(user=quiet).update(email_on_results=False)
        outsider = make_voter("outsider")
        contribution(square, alice)
        contribution(park, alice)  # two linked pages: still one e-mail
        contribution(park, bob)
        contribution(square, quiet)  # took part, but asked for no e-mail
        contribution(square, carol, status=ContributionStatus.PENDING)  # not published
        contribution(hidden, outsider)  # a page the restitution does not link
        page = restitution(index_page, square, park, live=False)
        mailoutbox.clear()
        self.publish(page, django_capture_on_commit_callbacks)
        assert sorted(m.to[0] for m in mailoutbox) == ["alice@example.org", "bob@example.org"]
        assert mailoutbox[0].subject == "What became of your participation: What we heard"
        assert page.get_full_url() in mailoutbox[0].body
        assert RestitutionNotice.objects.filter(sent_at__isnull=False).count() == 2
        # Publishing again, or a new participant's arrival, never tells anyone twice.
        contribution(square, carol)
        mailoutbox.clear()
        self.publish(page, django_capture_on_commit_callbacks)
        assert [m.to for m in mailoutbox] == [["carol@example.org"]]

    def test_a_batch_that_fails_is_sent_at_the_next_publication(
        self, index_page, frozen_now, mailoutbox, django_capture_on_commit_callbacks, monkeypatch
    ):
        from django.core.mail.backends.locmem import EmailBackend

        square = consultation(index_page, "Market square")
        contribution(square, make_voter("alice"))
        page = restitution(index_page, square, live=False)

        def refuse(self, messages):
            raise ConnectionError("mail server down")

        with monkeypatch.context() as patch:
            patch.setattr(EmailBackend, "send_messages", refuse)
            self.publish(page, django_capture_on_commit_callbacks)  # the task fails
        assert RestitutionNotice.objects.get().sent_at is None
        mailoutbox.clear()
        self.publish(page, django_capture_on_commit_callbacks)
        assert [m.to for m in mailoutbox] == [["alice@example.org"]]

    def test_no_e_mail_when_editors_say_so(
        self, index_page, frozen_now, mailoutbox, django_capture_on_commit_callbacks
    ):
        square = consultation(index_page, "Market square")
        contribution(square, make_voter("alice"))
        page = restitution(index_page, square, live=False, notify=False)
        mailoutbox.clear()
        self.publish(page, django_capture_on_commit_callbacks)
        assert mailoutbox == []
        assert not RestitutionNotice.objects.exists()


class TestMyParticipation:
    def test_sign_in_required(self, client):
        url = reverse("participation_accounts:my_participation")
        assert client.get(url).status_code == 302

    def test_a_resident_sees_only_their_own_items(self, client, index_page, frozen_now):
        square = consultation(index_page, "Market square")
        alice, bob = make_voter("alice"), make_voter("bob")
        contribution(square, alice, title="Trees on the square", answer=AnswerStatus.ACCEPTED)
        contribution(square, bob, title="Bob's fountain")
        client.force_login(alice)
        response = client.get(reverse("participation_accounts:my_participation"))
        content = response.content.decode()
        assert response.status_code == 200
        assert "Market square" in content and "Trees on the square" in content
        assert "Bob's fountain" not in content
        assert "private" in response["Cache-Control"] or "no-cache" in response["Cache-Control"]


class TestEditors:
    def add_url(self, index_page):
        return reverse(
            "wagtailadmin_pages:add",
            args=("participation_restitution", "restitutionpage", index_page.pk),
        )

    def form(self, linked_pk):
        return nested_form_data(
            {
                "title": "What we heard",
                "slug": "what-we-heard",
                "intro": "",
                "sources": inline_formset([{"page": str(linked_pk)}], min=1),
                "body": streamfield(
                    [("section", {"heading": "What we heard", "anchor": "what-we-heard"})]
                ),
                "notify_participants": "",
                "action-publish": "1",
            }
        )

    def test_an_editor_publishes_a_restitution_of_a_consultation(
        self, client, admin_user, index_page, frozen_now
    ):
        square = consultation(index_page, "Market square")
        client.force_login(admin_user)
        response = client.post(self.add_url(index_page), self.form(square.pk))
        assert response.status_code == 302
        page = RestitutionPage.objects.get(slug="what-we-heard")
        assert page.live
        assert [source.page_id for source in page.sources.all()] == [square.pk]

    def test_a_page_that_is_not_participatory_is_refused(
        self, client, admin_user, index_page, root_page
    ):
        client.force_login(admin_user)
        response = client.post(self.add_url(index_page), self.form(root_page.pk))
        assert response.status_code == 200
        assert "Choose a consultation, a budget" in response.content.decode()
        assert not RestitutionPage.objects.exists()


def test_notices_are_in_the_data_export_and_erased_with_the_account(index_page, frozen_now):
    square = consultation(index_page, "Market square")
    alice = make_voter("alice")
    page = restitution(index_page, square, notify=False)
    RestitutionNotice.objects.create(restitution=page, user=alice, sent_at=NOW)
    (row,) = export_personal_data(alice)["restitution"]["notified_of"]
    assert row["restitution"] == "What we heard"
    anonymise_user(alice)
    assert not RestitutionNotice.objects.exists()


class TestHiddenMeetings:
    """A linked calendar counts and tells the people of its public meetings only."""

    def calendar(self, index_page):
        from django.contrib.auth.models import Group

        from wagtail_participation.meetings.models import Registration

        from .meeting_factories import PARIS, add_meeting, make_calendar

        held = datetime(2026, 3, 10, 18, 30, tzinfo=PARIS)  # before NOW
        calendar = make_calendar(index_page, title="Committees")
        public = add_meeting(calendar, title="Open committee", start=held, attendee_count=12)
        draft = add_meeting(
            calendar, title="Draft committee", start=held, attendee_count=1000, live=False
        )
        private = add_meeting(calendar, title="Staff committee", start=held, attendee_count=1000)
        restriction = PageViewRestriction.objects.create(
            page=private, restriction_type=PageViewRestriction.GROUPS
        )
        restriction.groups.add(Group.objects.create(name="Staff"))
        cancelled = add_meeting(
            calendar, title="Cancelled committee", start=held, attendee_count=1000, cancelled=True
        )
        alice, hidden_only = make_voter("alice"), make_voter("hidden")
        for meeting, user in [(public, alice)] + [
            (meeting, hidden_only) for meeting in (draft, private, cancelled)
        ]:
            Registration.objects.create(meeting=meeting, occurrence_start=held, user=user)
        return calendar

    def test_figures_are_the_public_counts(self, client, index_page, frozen_now):
        page = restitution(index_page, self.calendar(index_page), body=FIGURES_AND_DECISIONS)
        content = client.get(page.url).content.decode()
        assert "<dt>Participants</dt><dd>1</dd>" in content
        assert "<dt>Meetings held</dt><dd>1</dd>" in content
        assert "<dt>Attendees</dt><dd>12</dd>" in content
        for title in ("Draft committee", "Staff committee", "Cancelled committee"):
            assert title not in content

    def test_only_the_people_of_public_meetings_are_told(
        self, index_page, frozen_now, mailoutbox, django_capture_on_commit_callbacks
    ):
        page = restitution(index_page, self.calendar(index_page), live=False)
        mailoutbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            page.save_revision().publish()
        assert [m.to for m in mailoutbox] == [["alice@example.org"]]
        assert "committee" not in mailoutbox[0].body
