"""What a consultation reports back to restitution pages (figures, decisions, participants)
and to each resident's "My participation" page."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from wagtail.models import Site

from wagtail_participation.consultations.models import (
    AnswerStatus,
    Comment,
    CommentStatus,
    ConsultationPage,
    Contribution,
    ContributionStatus,
    Question,
    QuestionKind,
    QuestionnaireResponse,
    Support,
)
from wagtail_participation.consultations.outcomes import items_for_user
from wagtail_participation.outcomes import participation_of

from .conftest import NOW, make_process, phase

PUBLISHED = ContributionStatus.PUBLISHED
PENDING = ContributionStatus.PENDING
HIDDEN = ContributionStatus.HIDDEN
WITHDRAWN = ContributionStatus.WITHDRAWN


# Fixtures and helpers --------------------------------------------------------------------------


def consultation(index_page, title, questions=0, live=True):
    page = make_process(
        index_page, title, [phase("contribution", -10, 10)], model=ConsultationPage, live=live
    )
    for number in range(questions):
        Question.objects.create(
            page=page, sort_order=number, kind=QuestionKind.OPEN, text=f"Question {number}"
        )
    return page


def contribute(page, title, status=PUBLISHED, author=None, days_ago=10, **fields):
    return Contribution.objects.create(
        page=page,
        title=title,
        body=f"Text of {title}",
        status=status,
        author=author,
        created_at=NOW - timedelta(days=days_ago),
        published_at=NOW - timedelta(days=days_ago) if status == PUBLISHED else None,
        **fields,
    )


def answer(status, text, days_ago):
    return {
        "answer_status": status,
        "answer_text": text,
        "answered_at": NOW - timedelta(days=days_ago),
    }


def comment(contribution, author, status=CommentStatus.PUBLISHED, parent=None, days_ago=5, **kw):
    return Comment.objects.create(
        contribution=contribution,
        author=author,
        parent=parent,
        body=f"Comment by {author.username}",
        status=status,
        created_at=NOW - timedelta(days=days_ago),
        **kw,
    )


@pytest.fixture
def residents(django_user_model):
    return {
        name: django_user_model.objects.create_user(name, f"{name}@example.org", "pw")
        for name in ["ines", "karim", "lea", "marc", "nora"]
    }


@pytest.fixture
def world(index_page, neighbourhoods, residents, frozen_now):
    """Two consultations. What counts on "Riverside park" (hand-counted):

    - contributions: 4 published (trees, lighting, racks, benches); the pending, hidden,
      withdrawn and anonymous pending ones do not count. By neighbourhood: Centre 1
      (lighting), Riverside 2 (trees, racks); benches has none; Station has none, so is left out.
    - supports: 3 (karim and lea on trees, ines on lighting); nora's on the hidden one does not.
    - comments: 2 (lea on trees, karim on lighting); marc's hidden comment, karim's reply to it
      (not shown on the site) and nora's comment on the hidden contribution do not.
    - responses: 2 (ines with her account, one with a participation code).
    - participants: accounts ines, karim, lea (marc and nora only did things that do not count)
      = 3, plus the anonymous published contribution (racks) and the code-based response = 5.

    "Market square" has data of its own (marc and nora) that must never show on the park.
    """
    ines, karim, lea, marc, nora = (residents[name] for name in residents)
    park = consultation(index_page, "Riverside park", questions=1)
    centre, riverside, station = (
        neighbourhoods[slug] for slug in ["centre", "riverside", "station"]
    )

    trees = contribute(
        park,
        "More trees",
        author=ines,
        neighbourhood=riverside,
        days_ago=20,
        **answer(AnswerStatus.ACCEPTED, "Ten plane trees in spring.", 1),
    )
    lighting = contribute(
        park,
        "Night lighting",
        author=karim,
        neighbourhood=centre,
        days_ago=19,
        **answer(AnswerStatus.REJECTED, "Too costly for this year.", 3),
    )
    racks = contribute(
        park,
        "Bike racks",
        neighbourhood=riverside,
        days_ago=18,
        **answer(AnswerStatus.PARTIALLY_ACCEPTED, "Racks at one entrance.", 2),
    )
    benches = contribute(park, "Benches", author=ines, days_ago=17)
    pending = contribute(park, "Pending idea", PENDING, author=lea, days_ago=2)
    rude = contribute(
        park,
        "Rude idea",
        HIDDEN,
        author=marc,
        neighbourhood=station,
        moderation_reason="Insulting",
        days_ago=16,
        **answer(AnswerStatus.REJECTED, "Not answered publicly.", 1),
    )
    contribute(park, "Changed my mind", WITHDRAWN, author=karim, neighbourhood=station)
    contribute(park, "Anonymous wait", PENDING, neighbourhood=station)

    Support.objects.create(contribution=trees, user=karim, created_at=NOW - timedelta(days=9))
    Support.objects.create(contribution=trees, user=lea, created_at=NOW - timedelta(days=8))
    Support.objects.create(contribution=lighting, user=ines, created_at=NOW - timedelta(days=7))
    Support.objects.create(contribution=rude, user=nora, created_at=NOW - timedelta(days=6))

    lea_comment = comment(trees, lea, days_ago=4)
    hidden_comment = comment(
        trees, marc, CommentStatus.HIDDEN, days_ago=3, moderation_reason="Off topic"
    )
    comment(trees, karim, parent=hidden_comment, days_ago=2)
    comment(lighting, karim, days_ago=1)
    comment(rude, nora, days_ago=1)

    QuestionnaireResponse.objects.create(page=park, user=ines, created_at=NOW - timedelta(days=3))
    QuestionnaireResponse.objects.create(page=park, created_at=NOW - timedelta(days=2))

    # The other consultation: everything here would change the park's figures if it leaked.
    market = consultation(index_page, "Market square", questions=1)
    stalls = contribute(
        market,
        "Covered stalls",
        author=marc,
        neighbourhood=riverside,
        **answer(AnswerStatus.ACCEPTED, "Done next year.", 0),
    )
    contribute(market, "Anonymous fountain", neighbourhood=centre)
    Support.objects.create(contribution=stalls, user=nora)
    Support.objects.create(contribution=stalls, user=ines)
    comment(stalls, nora)
    QuestionnaireResponse.objects.create(page=market, user=marc)
    QuestionnaireResponse.objects.create(page=market)

    return {
        "park": park,
        "market": market,
        "trees": trees,
        "lighting": lighting,
        "racks": racks,
        "benches": benches,
        "pending": pending,
        "rude": rude,
        "stalls": stalls,
        "lea_comment": lea_comment,
        "hidden_comment": hidden_comment,
    }


def figures_of(page):
    return {
        figure.key: (figure.value, figure.by_neighbourhood) for figure in page.outcome_figures()
    }


# Figures ---------------------------------------------------------------------------------------


def test_figures_count_only_what_the_public_sees_on_this_page(world):
    figures = world["park"].outcome_figures()
    assert [figure.key for figure in figures] == [
        "participants",
        "contributions",
        "supports",
        "comments",
        "responses",
    ]
    assert figures_of(world["park"]) == {
        "participants": (5, ()),
        "contributions": (4, (("Centre", 1), ("Riverside", 2))),
        "supports": (3, ()),
        "comments": (2, ()),
        "responses": (2, ()),
    }
    assert [str(figure.label) for figure in figures][:2] == ["Participants", "Contributions"]


def test_the_other_consultation_has_its_own_figures(world):
    # Market: 2 published (stalls in Riverside, the anonymous fountain in Centre), 2 supports,
    # 1 comment, 2 responses; participants marc, nora, ines + the anonymous one + the code one.
    assert figures_of(world["market"]) == {
        "participants": (5, ()),
        "contributions": (2, (("Centre", 1), ("Riverside", 1))),
        "supports": (2, ()),
        "comments": (1, ()),
        "responses": (2, ()),
    }


def test_a_consultation_without_questions_has_no_response_figure(index_page, residents):
    page = consultation(index_page, "Quiet street")
    contribute(page, "Speed bumps", author=residents["ines"])
    assert figures_of(page) == {
        "participants": (1, ()),
        "contributions": (1, ()),
        "supports": (0, ()),
        "comments": (0, ()),
    }


# Decisions -------------------------------------------------------------------------------------


def test_decisions_are_the_answers_to_published_contributions_newest_first(world):
    park = world["park"]
    decisions = park.outcome_decisions()
    # The hidden "Rude idea" has an answer too, and the market's stalls: neither shows.
    assert [(d.title, d.status, d.status_label, d.citizen) for d in decisions] == [
        ("More trees", "accepted", "Accepted", True),
        ("Bike racks", "partially_accepted", "Partially accepted", True),
        ("Night lighting", "rejected", "Rejected", False),
    ]
    trees = decisions[0]
    assert trees.kind == "contribution"
    assert trees.justification == "Ten plane trees in spring."
    assert trees.neighbourhood == "Riverside"
    assert trees.decided_at == NOW - timedelta(days=1)
    assert trees.url == f"{park.url}contributions/{world['trees'].pk}/"
    assert [d.url for d in decisions[1:]] == [
        f"{park.url}contributions/{world['racks'].pk}/",
        f"{park.url}contributions/{world['lighting'].pk}/",
    ]


def test_a_decision_links_to_a_page_that_shows_it(client, world):
    decision = world["park"].outcome_decisions()[0]
    response = client.get(decision.url)
    assert response.status_code == 200
    assert "Ten plane trees in spring." in response.content.decode()


def test_decision_labels_follow_the_active_language(world, settings):
    from django.utils import translation

    with translation.override("fr"):
        labels = [d.status_label for d in world["park"].outcome_decisions()]
    assert labels[0] != "Accepted"  # translated, not the English source


# Participants ----------------------------------------------------------------------------------


def test_participant_ids_are_the_accounts_behind_what_counts(world, residents):
    assert world["park"].outcome_participant_ids() == {
        residents["ines"].pk,
        residents["karim"].pk,
        residents["lea"].pk,
    }
    assert world["market"].outcome_participant_ids() == {
        residents["marc"].pk,
        residents["nora"].pk,
        residents["ines"].pk,
    }


# Query counts ----------------------------------------------------------------------------------


def bulk_contributions(page, count, residents, neighbourhoods):
    now = timezone.now()
    areas = list(neighbourhoods.values())
    created = Contribution.objects.bulk_create(
        Contribution(
            page=page,
            author=residents[number % len(residents)] if number % 3 else None,
            title=f"Idea {number}",
            body="Text",
            status=PUBLISHED,
            neighbourhood=areas[number % len(areas)],
            published_at=now,
            answer_status=AnswerStatus.ACCEPTED if number % 2 else AnswerStatus.NONE,
            answer_text="Yes",
            answered_at=now - timedelta(minutes=number),
        )
        for number in range(count)
    )
    Support.objects.bulk_create(
        Support(contribution=contribution, user=residents[0]) for contribution in created
    )
    Comment.objects.bulk_create(
        Comment(contribution=contribution, author=residents[1], body="Agreed")
        for contribution in created
    )
    return created


def count_queries(page_pk, method):
    page = ConsultationPage.objects.get(pk=page_pk)  # a fresh instance: no cached URL
    with CaptureQueriesContext(connection) as queries:
        result = getattr(page, method)()
    return len(queries), result


@pytest.mark.parametrize("method", ["outcome_figures", "outcome_decisions"])
def test_query_count_does_not_grow_with_contributions(
    index_page, neighbourhoods, residents, method
):
    page = consultation(index_page, "Big square", questions=1)
    people = list(residents.values())
    Site.get_site_root_paths()  # fills the cache the page URLs read
    bulk_contributions(page, 10, people, neighbourhoods)
    few, result = count_queries(page.pk, method)
    assert len(result) == 5  # the five figures, or the 5 answered of 10 contributions

    bulk_contributions(page, 990, people, neighbourhoods)
    many, result = count_queries(page.pk, method)
    assert many == few
    if method == "outcome_figures":
        assert result[1].value == 1000  # the contributions
    else:
        assert len(result) == 500


# "My participation" ----------------------------------------------------------------------------


def summary(items):
    return sorted((item.action, item.title, item.outcome, item.url) for item in items)


def test_a_resident_sees_their_own_items_with_what_became_of_them(world, residents):
    park, trees = world["park"], world["trees"]
    items = items_for_user(residents["ines"])
    assert summary(items) == sorted(
        [
            (
                "contribution",
                "More trees",
                "Accepted: Ten plane trees in spring.",
                f"{park.url}contributions/{trees.pk}/",
            ),
            ("contribution", "Benches", "", f"{park.url}contributions/{world['benches'].pk}/"),
            (
                "support",
                "Night lighting",
                "Rejected: Too costly for this year.",
                f"{park.url}contributions/{world['lighting'].pk}/",
            ),
            ("response", "Questionnaire answered", "", ""),
            # Her support on the other consultation's stalls.
            (
                "support",
                "Covered stalls",
                "Accepted: Done next year.",
                f"{world['market'].url}contributions/{world['stalls'].pk}/",
            ),
        ]
    )
    assert {(item.process_title, item.process_url) for item in items} == {
        ("Riverside park", park.url),
        ("Market square", world["market"].url),
    }
    assert str(items[0].action_label) == "Contribution"


def test_pending_hidden_and_withdrawn_items_say_so(world, residents):
    park, trees = world["park"], world["trees"]
    assert summary(items_for_user(residents["lea"])) == sorted(
        [
            ("contribution", "Pending idea", "Waiting for moderation", ""),
            (
                "support",
                "More trees",
                "Accepted: Ten plane trees in spring.",
                f"{park.url}contributions/{trees.pk}/",
            ),
            (
                "comment",
                "More trees",
                "",
                f"{park.url}contributions/{trees.pk}/#comment-{world['lea_comment'].pk}",
            ),
        ]
    )
    assert summary(items_for_user(residents["marc"])) == sorted(
        [
            ("contribution", "Rude idea", "Hidden by a moderator (reason: Insulting)", ""),
            ("comment", "More trees", "Hidden by a moderator (reason: Off topic)", ""),
            (
                "contribution",
                "Covered stalls",
                "Accepted: Done next year.",
                f"{world['market'].url}contributions/{world['stalls'].pk}/",
            ),
            ("response", "Questionnaire answered", "", ""),
        ]
    )
    karim = summary(items_for_user(residents["karim"]))
    assert ("contribution", "Changed my mind", "Withdrawn by its author", "") in karim
    # His reply to a hidden comment is not on the site: no link, but not hidden itself.
    assert ("comment", "More trees", "", "") in karim
    # Nora supported and commented on marc's contribution, hidden since: she no longer sees
    # its title, nor the reason the moderator gave marc.
    nora = summary(items_for_user(residents["nora"]))
    gone = f"Contribution no. {world['rude'].pk}, no longer published"
    assert ("support", gone, "Hidden by a moderator", "") in nora
    assert ("comment", gone, "", "") in nora
    assert "Rude idea" not in repr(nora) and "Insulting" not in repr(nora)


def test_draft_and_unpublished_consultations_are_left_out(index_page, residents, frozen_now):
    ines = residents["ines"]
    draft = consultation(index_page, "Draft plan", live=False)
    withdrawn_page = consultation(index_page, "Old plan")
    for page in (draft, withdrawn_page):
        idea = contribute(page, f"Idea on {page.title}", author=ines)
        Support.objects.create(contribution=idea, user=ines)
        comment(idea, ines)
        QuestionnaireResponse.objects.create(page=page, user=ines)
    withdrawn_page.unpublish()
    assert items_for_user(ines) == []


def test_anonymous_visitors_have_no_items(world):
    from django.contrib.auth.models import AnonymousUser

    assert items_for_user(AnonymousUser()) == []


def test_my_participation_lists_consultation_items_newest_first(world, residents):
    items = participation_of(residents["lea"])
    # Pending idea (2 days ago), comment (4 days ago), support (8 days ago).
    assert [item.action for item in items] == ["contribution", "comment", "support"]


def own_items(page, count, user):
    """``count`` contributions by ``user``, each supported and commented by them: 3 items each."""
    created = Contribution.objects.bulk_create(
        Contribution(page=page, author=user, title=f"Idea {n}", body="Text", status=PUBLISHED)
        for n in range(count)
    )
    Support.objects.bulk_create(Support(contribution=c, user=user) for c in created)
    Comment.objects.bulk_create(Comment(contribution=c, author=user, body="Yes") for c in created)
    QuestionnaireResponse.objects.create(page=page, user=user)


def test_my_participation_query_count_does_not_grow_with_items(index_page, residents, frozen_now):
    ines = residents["ines"]
    own_items(consultation(index_page, "Plan 1"), 1, ines)
    Site.get_site_root_paths()  # fills the cache the page URLs read
    with CaptureQueriesContext(connection) as few:
        assert len(items_for_user(ines)) == 3 + 1

    for number in (2, 3):
        own_items(consultation(index_page, f"Plan {number}"), 100, ines)
    with CaptureQueriesContext(connection) as many:
        assert len(items_for_user(ines)) == 4 + 2 * (300 + 1)
    assert len(many) == len(few)
