"""The public contribution pages of a consultation: list, detail, contribute, support, comment,
report, as residents use them."""

import re
import threading
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from taggit.models import Tag
from wagtail.models import GroupPagePermission, Page

from wagtail_participation.consultations.models import (
    AnswerStatus,
    Comment,
    CommentStatus,
    ConsultationPage,
    ContentReport,
    Contribution,
    ContributionStatus,
    ContributionTheme,
    Moderation,
    Support,
)
from wagtail_participation.consultations.notifications import (
    notify_author_answered,
    notify_author_published,
)
from wagtail_participation.profiles import ParticipantProfile

from .conftest import NOW, index_page_on_default_site, make_process, phase

PUBLISHED = ContributionStatus.PUBLISHED


# Fixtures and helpers --------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def empty_cache(db):
    """Rate limits count in the cache: start every test with none used."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def consultation(index_page, neighbourhoods, frozen_now):
    return make_process(
        index_page,
        "Riverside park",
        [phase("contribution", -1, 10)],
        neighbourhoods=[neighbourhoods["centre"], neighbourhoods["riverside"]],
        themes=["Green spaces", "Mobility"],
        model=ConsultationPage,
    )


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


def make_resident(django_user_model, name="Inès", email=None, complete=True):
    username = re.sub(r"\W", "", name.lower()) or "resident"
    user = django_user_model.objects.create_user(username, email or f"{username}@example.org", "pw")
    ParticipantProfile.objects.create(
        user=user,
        display_name=name if complete else "",
        terms_accepted_at=NOW if complete else None,
    )
    return user


@pytest.fixture
def resident(django_user_model):
    return make_resident(django_user_model, "Inès", email="ines@example.org")


@pytest.fixture
def signed_in(client, resident):
    client.force_login(resident)
    return client


@pytest.fixture
def post(client, django_capture_on_commit_callbacks):
    """POST with the client and run what waits for the commit (the e-mails)."""

    def do_post(url, data=None, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(url, data or {}, **kwargs)

    return do_post


def contribute(page, title="More benches", status=PUBLISHED, author=None, **fields):
    fields.setdefault("body", f"Text of {title}")
    if status == PUBLISHED:
        fields.setdefault("published_at", timezone.now())
    return Contribution.objects.create(
        page=page, title=title, status=status, author=author, **fields
    )


def url(page, suffix=""):
    return page.url + suffix


def detail(page, contribution):
    return url(page, f"contributions/{contribution.pk}/")


def titles_in(response):
    return re.findall(
        r'<h3 class="participation-card__title"[^>]*><a href="[^"]+">([^<]+)</a></h3>',
        response.content.decode(),
    )


def text(response):
    return response.content.decode()


# The list --------------------------------------------------------------------------------------


def test_list_shows_the_page_and_only_published_contributions(client, consultation):
    contribute(consultation, "Published idea")
    contribute(consultation, "Pending idea", status=ContributionStatus.PENDING)
    contribute(consultation, "Hidden idea", status=ContributionStatus.HIDDEN)
    contribute(consultation, "Withdrawn idea", status=ContributionStatus.WITHDRAWN)
    other = make_process(
        consultation.get_parent(), "Other", [phase("contribution", -1, 10)], model=ConsultationPage
    )
    contribute(other, "Idea elsewhere")

    response = client.get(url(consultation))

    assert response.status_code == 200
    content = text(response)
    assert "<h1>Riverside park</h1>" in content
    assert "What your contribution will change" in content
    assert "Your ideas shape the final plan." in content
    assert titles_in(response) == ["Published idea"]
    assert "1 contribution" in content
    assert f'href="{url(consultation, "contribute/")}"' in content
    for hidden in ("Pending idea", "Hidden idea", "Withdrawn idea", "Idea elsewhere"):
        assert hidden not in content


def test_card_shows_author_neighbourhood_themes_counts_and_answer(
    client, consultation, resident, neighbourhoods, django_user_model
):
    consultation.support_threshold = 2
    consultation.save_revision().publish()
    idea = contribute(
        consultation,
        "Shade trees",
        author=resident,
        neighbourhood=neighbourhoods["riverside"],
        answer_status=AnswerStatus.UNDER_STUDY,
    )
    idea.themes.set(["Green spaces"])
    for name in ("Ana", "Bo"):
        Support.objects.create(contribution=idea, user=make_resident(django_user_model, name))
    top = Comment.objects.create(contribution=idea, author=resident, body="Yes")
    Comment.objects.create(contribution=idea, author=resident, body="Reply", parent=top)
    Comment.objects.create(
        contribution=idea, author=resident, body="Rude", status=CommentStatus.HIDDEN
    )
    quiet = contribute(consultation, "Quiet idea")

    content = text(client.get(url(consultation)))

    assert "By Inès · Riverside" in content
    assert "<dd>Green spaces</dd>" in content
    assert "2 supports" in content
    assert "2 comments" in content  # the hidden one is not counted
    assert "Official answer: Under study" in content
    assert "Official answer: No answer yet" in content
    assert content.count("Flagged for an official answer") == 1
    assert f'href="{detail(consultation, quiet)}"' in content
    assert "inès@example.org" not in content and "ines@example.org" not in content


def test_closed_and_upcoming_contribution_phases_are_explained(client, index_page, frozen_now):
    closed = make_process(
        index_page, "Closed", [phase("contribution", -20, -10)], model=ConsultationPage
    )
    upcoming = make_process(
        index_page, "Upcoming", [phase("contribution", 5, 20)], model=ConsultationPage
    )

    closed_page = text(client.get(url(closed)))
    upcoming_page = text(client.get(url(upcoming)))

    assert "Contributions are closed: the contribution phase ended on March 5, 2026." in (
        closed_page
    )
    assert (
        "Contributions are not open yet: you can contribute from March 20, 2026 to April 4, 2026."
        in upcoming_page
    )
    for content in (closed_page, upcoming_page):
        assert "contribute/" not in content
        assert "No contribution has been published yet." in content


def test_filters_by_theme_neighbourhood_and_answer(client, consultation, neighbourhoods):
    park = contribute(consultation, "Park", neighbourhood=neighbourhoods["riverside"])
    park.themes.set(["Green spaces"])
    bus = contribute(
        consultation,
        "Bus",
        neighbourhood=neighbourhoods["centre"],
        answer_status=AnswerStatus.ACCEPTED,
    )
    bus.themes.set(["Mobility"])
    contribute(consultation, "Bench", answer_status=AnswerStatus.REJECTED)

    def titles(**query):
        return sorted(titles_in(client.get(url(consultation), query)))

    assert titles() == ["Bench", "Bus", "Park"]
    assert titles(theme="green-spaces") == ["Park"]
    assert titles(theme="mobility") == ["Bus"]
    assert titles(neighbourhood="centre") == ["Bus"]
    assert titles(answer="accepted") == ["Bus"]
    assert titles(answer="none") == ["Park"]
    assert titles(answer="rejected", neighbourhood="centre") == []
    content = text(client.get(url(consultation), {"answer": "rejected", "neighbourhood": "centre"}))
    assert "No contribution matches these filters." in content
    assert "Clear filters" in content
    # The neighbourhood filter offers the neighbourhoods of published contributions only.
    assert 'value="station"' not in text(client.get(url(consultation)))


def test_sort_by_most_supported(client, consultation, django_user_model):
    residents = [make_resident(django_user_model, f"R{number}") for number in range(3)]
    one = contribute(consultation, "One support")
    three = contribute(consultation, "Three supports")
    contribute(consultation, "No support")
    Support.objects.create(contribution=one, user=residents[0])
    for user in residents:
        Support.objects.create(contribution=three, user=user)

    by_support = titles_in(client.get(url(consultation), {"sort": "supported"}))
    recent = titles_in(client.get(url(consultation)))

    assert by_support == ["Three supports", "One support", "No support"]
    assert recent == ["No support", "Three supports", "One support"]


def test_random_order_is_stable_for_a_visitor_and_differs_between_visitors(consultation):
    for number in range(40):
        contribute(consultation, f"Idea {number:02d}")
    visitor = Client()

    first = titles_in(visitor.get(url(consultation), {"sort": "random"}))
    again = titles_in(visitor.get(url(consultation), {"sort": "random"}))
    second_page = titles_in(visitor.get(url(consultation), {"sort": "random", "page": 2}))
    others = [titles_in(Client().get(url(consultation), {"sort": "random"})) for _ in range(3)]

    assert len(first) == 20 and first == again
    assert sorted(first + second_page) == sorted(f"Idea {n:02d}" for n in range(40))
    assert first != sorted(first, reverse=True)  # not the recent order
    assert any(other != first for other in others)


def test_pagination(client, consultation):
    for number in range(7):
        contribute(consultation, f"Idea {number}")
    with override_settings(
        WAGTAIL_PARTICIPATION={
            **django_settings.WAGTAIL_PARTICIPATION,
            "CONTRIBUTIONS_PAGE_SIZE": 3,
        }
    ):
        first = client.get(url(consultation), {"theme": ""})
        third = client.get(url(consultation), {"page": 3})

    assert titles_in(first) == ["Idea 6", "Idea 5", "Idea 4"]
    assert titles_in(third) == ["Idea 0"]
    assert "7 contributions" in text(first)
    assert 'href="?theme=&amp;page=2" rel="next"' in text(first)


def bulk_contributions(page, count, residents, tag):
    now = timezone.now()
    created = Contribution.objects.bulk_create(
        Contribution(
            page=page,
            author=residents[number % len(residents)],
            title=f"Idea {number}",
            body="Text",
            status=PUBLISHED,
            published_at=now - timedelta(minutes=number),
        )
        for number in range(count)
    )
    ContributionTheme.objects.bulk_create(
        ContributionTheme(content_object=contribution, tag=tag) for contribution in created
    )
    Support.objects.bulk_create(
        Support(contribution=contribution, user=user)
        for contribution in created
        for user in residents
    )
    Comment.objects.bulk_create(
        Comment(contribution=contribution, author=residents[0], body="Agreed")
        for contribution in created
    )
    return created


@pytest.mark.parametrize("query", [{}, {"sort": "supported"}, {"sort": "random"}])
def test_list_query_count_does_not_grow_with_contributions(
    client, consultation, django_user_model, django_assert_max_num_queries, query
):
    residents = [make_resident(django_user_model, f"Author {n}") for n in range(3)]
    client.force_login(residents[0])
    tag = Tag.objects.get(name="Mobility")
    bulk_contributions(consultation, 10, residents, tag)
    client.get(url(consultation), query)  # the session's shuffle seed, the site root paths
    with CaptureQueriesContext(connection) as few:
        response = client.get(url(consultation), query)
    assert len(titles_in(response)) == 10

    bulk_contributions(consultation, 490, residents, tag)
    with django_assert_max_num_queries(len(few)):
        response = client.get(url(consultation), query)
    assert len(titles_in(response)) == 20
    assert "500 contributions" in text(response)


# The detail page -------------------------------------------------------------------------------


def test_detail_shows_a_published_contribution(client, consultation, resident, neighbourhoods):
    idea = contribute(
        consultation,
        "Shade trees",
        author=resident,
        body="Plant trees.\n\nAlong the river.",
        neighbourhood=neighbourhoods["riverside"],
        latitude="50.429100",
        longitude="2.780600",
        answer_status=AnswerStatus.PARTIALLY_ACCEPTED,
        answer_text="We plant ten trees in 2027.",
        answered_at=NOW,
    )
    idea.themes.set(["Green spaces"])

    response = client.get(detail(consultation, idea))

    content = text(response)
    assert response.status_code == 200
    assert "<h1>Shade trees</h1>" in content
    assert "By Inès" in content
    assert "<p>Plant trees.</p>\n\n<p>Along the river.</p>" in content
    assert "Riverside" in content and "Green spaces" in content
    assert "Latitude 50.429100, longitude 2.780600" in content
    assert '<h2 id="participation-answer-title">Official answer</h2>' in content
    assert "<strong>Partially accepted</strong>" in content
    assert "We plant ten trees in 2027." in content
    assert "0 residents support this contribution." in content
    assert "Sign in to support and comment on this contribution." in content
    assert "Report this contribution" in content


@pytest.mark.parametrize(
    "status",
    [ContributionStatus.PENDING, ContributionStatus.HIDDEN, ContributionStatus.WITHDRAWN],
)
def test_detail_of_an_unpublished_contribution_is_not_found(client, consultation, status):
    idea = contribute(consultation, "Not public", status=status)
    assert client.get(detail(consultation, idea)).status_code == 404


def test_detail_of_another_consultations_contribution_is_not_found(client, consultation):
    other = make_process(
        consultation.get_parent(), "Other", [phase("contribution", -1, 10)], model=ConsultationPage
    )
    idea = contribute(other, "Elsewhere")
    assert client.get(detail(consultation, idea)).status_code == 404


def test_detail_query_count_does_not_grow_with_comments(
    signed_in, consultation, resident, django_user_model, django_assert_max_num_queries
):
    idea = contribute(consultation, "Much discussed", author=resident)
    idea.themes.set(["Mobility"])
    others = [make_resident(django_user_model, f"Commenter {n}") for n in range(3)]
    top = Comment.objects.create(contribution=idea, author=others[0], body="First")
    Comment.objects.create(contribution=idea, author=others[1], body="Reply", parent=top)
    signed_in.get(detail(consultation, idea))
    with CaptureQueriesContext(connection) as few:
        signed_in.get(detail(consultation, idea))

    for number in range(24):
        parent = Comment.objects.create(
            contribution=idea, author=others[number % 3], body=f"Comment {number}"
        )
        Comment.objects.create(
            contribution=idea, author=others[(number + 1) % 3], body="Reply", parent=parent
        )
    with django_assert_max_num_queries(len(few)):
        response = signed_in.get(detail(consultation, idea))
    assert "50 comments" in text(response)


# Contribute ------------------------------------------------------------------------------------


def contribution_data(**overrides):
    return {
        "title": "A crossing near the school",
        "body": "Children cross a busy road.\r\nPaint a zebra crossing.",
        "neighbourhood": "",
        "latitude": "",
        "longitude": "",
        "website": "",
        **overrides,
    }


def test_contribute_form_is_accessible(signed_in, consultation):
    response = signed_in.get(url(consultation, "contribute/"))
    content = text(response)
    assert response.status_code == 200
    assert '<label for="id_title">Title</label>' in content
    assert '<label for="id_body">Your contribution</label>' in content
    assert "At most 2000 characters." in content
    assert "<legend>Themes" in content and "Green spaces" in content
    assert '<option value="" selected>The whole town</option>' in content
    assert "Centre" in content and "Station" not in content  # the page's neighbourhoods
    assert 'name="csrfmiddlewaretoken"' in content
    assert "A moderator reads every contribution before it is published." in content


def test_contribution_with_pre_moderation_waits_and_moderators_are_told(
    signed_in, post, consultation, resident, neighbourhoods, mailoutbox, django_user_model
):
    django_user_model.objects.create_superuser("admin", "admin@example.org", "pw")
    moderator = django_user_model.objects.create_user("mod", "mod@example.org", "pw")
    moderator.user_permissions.add(Permission.objects.get(codename="moderate_contribution"))
    give_page_rights(moderator)
    # A moderator of another part of the site is not told about this page.
    elsewhere = django_user_model.objects.create_user("other", "other@example.org", "pw")
    elsewhere.user_permissions.add(Permission.objects.get(codename="moderate_contribution"))
    django_user_model.objects.create_user("editor", "editor@example.org", "pw")
    tag = Tag.objects.get(name="Mobility")

    response = post(
        url(consultation, "contribute/"),
        contribution_data(
            neighbourhood=neighbourhoods["centre"].pk,
            themes=[tag.pk],
            latitude="50.4291",
            longitude="2.7806",
        ),
        follow=True,
    )

    contribution = Contribution.objects.get()
    assert contribution.status == ContributionStatus.PENDING
    assert contribution.published_at is None
    assert contribution.author == resident
    assert contribution.body == "Children cross a busy road.\nPaint a zebra crossing."
    assert contribution.neighbourhood == neighbourhoods["centre"]
    assert [t.name for t in contribution.themes.all()] == ["Mobility"]
    assert str(contribution.latitude) == "50.429100"
    assert response.redirect_chain[-1][0] == url(consultation)
    content = text(response)
    assert "Your contribution will appear once a moderator has read it." in content
    assert "A crossing near the school" not in titles_in(response)
    assert sorted(m.to[0] for m in mailoutbox) == ["admin@example.org", "mod@example.org"]
    message = mailoutbox[0]
    assert message.subject == "A contribution waits for moderation: A crossing near the school"
    assert "Paint a zebra crossing." in message.body
    assert "By Inès" not in message.body and "Author: Inès" in message.body


def test_contribution_with_post_moderation_is_published(signed_in, post, consultation, mailoutbox):
    consultation.moderation = Moderation.POST
    consultation.save_revision().publish()

    response = post(url(consultation, "contribute/"), contribution_data(), follow=True)

    contribution = Contribution.objects.get()
    assert contribution.status == PUBLISHED
    assert contribution.published_at == NOW
    assert response.redirect_chain[-1][0] == detail(consultation, contribution)
    assert "Your contribution is published." in text(response)
    assert titles_in(signed_in.get(url(consultation))) == ["A crossing near the school"]
    assert mailoutbox == []


def test_anonymous_visitors_contribute_only_where_the_page_allows_it(client, post, consultation):
    consultation.moderation = Moderation.POST
    consultation.save_revision().publish()

    refused = client.get(url(consultation, "contribute/"))
    refused_post = post(url(consultation, "contribute/"), contribution_data())

    assert refused.status_code == refused_post.status_code == 403
    assert "Sign in to take part." in text(refused)
    assert "/accounts/login/?next=" in text(refused)
    assert not Contribution.objects.exists()

    consultation.open_to_anonymous = True
    consultation.save_revision().publish()
    form = client.get(url(consultation, "contribute/"))
    response = post(url(consultation, "contribute/"), contribution_data())

    assert "You are not signed in." in text(form)
    assert response.status_code == 302
    contribution = Contribution.objects.get()
    assert contribution.author is None
    assert contribution.status == ContributionStatus.PENDING  # even with post-moderation


def test_too_long_and_empty_contributions_are_refused(signed_in, post, consultation):
    consultation.max_length = 100
    consultation.save_revision().publish()

    too_long = post(url(consultation, "contribute/"), contribution_data(body="x" * 101))
    empty = post(url(consultation, "contribute/"), contribution_data(title=" ", body=""))
    long_title = post(url(consultation, "contribute/"), contribution_data(title="t" * 151))

    assert too_long.status_code == empty.status_code == long_title.status_code == 400
    assert "Your text is 101 characters long; the limit is 100 characters." in text(too_long)
    assert 'role="alert"' in text(too_long)
    assert "Give your contribution a title." in text(empty)
    assert "Write your contribution." in text(empty)
    assert "The title is 151 characters long; the limit is 150 characters." in text(long_title)
    assert not Contribution.objects.exists()


def test_incomplete_location_and_honeypot_are_refused(signed_in, post, consultation):
    half = post(url(consultation, "contribute/"), contribution_data(latitude="50.1"))
    far = post(url(consultation, "contribute/"), contribution_data(latitude="91", longitude="2"))
    bot = post(url(consultation, "contribute/"), contribution_data(website="http://spam"))

    assert "Give both the latitude and the longitude, or neither." in text(half)
    assert "A latitude lies between -90 and 90." in text(far)
    assert "This form could not be sent. Please try again." in text(bot)
    assert not Contribution.objects.exists()


def test_contributing_outside_the_contribution_phase_is_refused(
    client, resident, index_page, frozen_now
):
    client.force_login(resident)
    closed = make_process(
        index_page, "Closed", [phase("contribution", -20, -10)], model=ConsultationPage
    )

    form = client.get(url(closed, "contribute/"))
    response = client.post(url(closed, "contribute/"), contribution_data())

    assert form.status_code == response.status_code == 403
    assert "Contributions are closed: the contribution phase ended on March 5, 2026." in text(
        response
    )
    assert "<textarea" not in text(form)
    assert not Contribution.objects.exists()


def test_ineligible_resident_is_told_why(client, consultation, django_user_model):
    newcomer = make_resident(django_user_model, "Newcomer", complete=False)
    client.force_login(newcomer)

    form = client.get(url(consultation, "contribute/"))
    response = client.post(url(consultation, "contribute/"), contribution_data())

    assert form.status_code == response.status_code == 403
    content = text(form)
    assert (
        "Choose a public name and accept the participation terms in your profile first." in content
    )
    assert '<a href="/accounts/profile/">Complete my profile</a>' in content
    assert not Contribution.objects.exists()
    # The detail page says the same instead of the support button and the comment form.
    idea = contribute(consultation, "Bike lane")
    content = text(client.get(detail(consultation, idea)))
    assert "accept the participation terms in your profile first." in content
    assert "Support this contribution" not in content
    assert "Publish my comment" not in content


def test_resident_text_is_escaped_everywhere(signed_in, post, consultation, resident):
    consultation.moderation = Moderation.POST
    consultation.save_revision().publish()
    post(
        url(consultation, "contribute/"),
        contribution_data(
            title="<script>alert('title')</script>",
            body='<a href="javascript:alert(1)">click</a> <img src=x onerror=alert(2)>',
        ),
    )
    contribution = Contribution.objects.get()
    Comment.objects.create(
        contribution=contribution, author=resident, body="<b onmouseover=alert(3)>hi</b>"
    )

    for page_url in (url(consultation), detail(consultation, contribution)):
        content = text(signed_in.get(page_url))
        assert "<script>alert" not in content
        assert "&lt;script&gt;alert(&#x27;title&#x27;)&lt;/script&gt;" in content
        assert 'href="javascript:' not in content
    content = text(signed_in.get(detail(consultation, contribution)))
    assert "&lt;a href=&quot;javascript:alert(1)&quot;&gt;click&lt;/a&gt;" in content
    assert "<img" not in content
    assert "&lt;b onmouseover=alert(3)&gt;hi&lt;/b&gt;" in content


def test_a_title_holds_on_one_line(signed_in, post, consultation, mailoutbox, django_user_model):
    """A crafted request may put line breaks in a title: they cannot add e-mail headers."""
    django_user_model.objects.create_superuser("admin", "admin@example.org", "pw")

    post(
        url(consultation, "contribute/"),
        contribution_data(title="Benches\r\nBcc: victim@example.org \n  here"),
    )

    assert Contribution.objects.get().title == "Benches Bcc: victim@example.org here"
    (message,) = mailoutbox
    assert "\n" not in message.subject and message.bcc == []
    assert message.message()["Bcc"] is None


def test_csrf_token_is_required(consultation, resident):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(resident)

    response = browser.post(url(consultation, "contribute/"), contribution_data())

    assert response.status_code == 403
    assert not Contribution.objects.exists()


def test_contribute_rate_limit(signed_in, post, consultation):
    limits = {"default": "30/m", "contribute": "2/h"}
    with override_settings(
        WAGTAIL_PARTICIPATION={**django_settings.WAGTAIL_PARTICIPATION, "RATE_LIMITS": limits}
    ):
        answers = [
            post(url(consultation, "contribute/"), contribution_data(title=f"Idea {n}"))
            for n in range(3)
        ]

    assert [answer.status_code for answer in answers] == [302, 302, 429]
    assert "<h1>Too many attempts</h1>" in text(answers[2])
    assert Contribution.objects.count() == 2


# Support ---------------------------------------------------------------------------------------


def test_support_and_withdraw(signed_in, consultation, resident):
    idea = contribute(consultation, "Bike lane")
    support_url = url(consultation, f"contributions/{idea.pk}/support/")

    first = signed_in.post(support_url, {"action": "support"}, follow=True)
    twice = signed_in.post(support_url, {"action": "support"})

    assert Support.objects.filter(contribution=idea, user=resident).count() == 1
    assert twice.status_code == 302
    content = text(first)
    assert "You support this contribution." in content
    assert "1 resident supports this contribution." in content
    assert "Withdraw my support" in content

    withdrawn = signed_in.post(support_url, {"action": "withdraw"}, follow=True)
    assert not Support.objects.exists()
    assert "You no longer support this contribution." in text(withdrawn)
    assert "Support this contribution" in text(withdrawn)

    signed_in.post(support_url)  # no action: toggles
    assert Support.objects.count() == 1
    signed_in.post(support_url)
    assert Support.objects.count() == 0


def test_support_safe_next_redirect(signed_in, consultation):
    idea = contribute(consultation, "Bike lane")
    support_url = url(consultation, f"contributions/{idea.pk}/support/")

    to_list = signed_in.post(support_url, {"action": "support", "next": url(consultation)})
    elsewhere = signed_in.post(
        support_url, {"action": "support", "next": "https://evil.example.com/"}
    )

    assert to_list["Location"] == url(consultation)
    assert elsewhere["Location"] == detail(consultation, idea)


def test_support_needs_a_signed_in_eligible_resident_and_a_post(
    client, consultation, django_user_model
):
    idea = contribute(consultation, "Bike lane")
    support_url = url(consultation, f"contributions/{idea.pk}/support/")

    anonymous = client.post(support_url, {"action": "support"})
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/accounts/login/?next=")
    assert "contributions" in anonymous["Location"]

    client.force_login(make_resident(django_user_model, "Newcomer", complete=False))
    refused = client.post(support_url, {"action": "support"})
    assert refused.status_code == 403
    assert "accept the participation terms" in text(refused)

    assert client.get(support_url).status_code == 405
    assert not Support.objects.exists()


def test_support_is_refused_when_disabled_or_closed(signed_in, consultation, index_page):
    idea = contribute(consultation, "Bike lane")
    consultation.supports_enabled = False
    consultation.save_revision().publish()
    disabled = signed_in.post(url(consultation, f"contributions/{idea.pk}/support/"))

    closed_page = make_process(
        index_page, "Closed", [phase("contribution", -20, -10)], model=ConsultationPage
    )
    old = contribute(closed_page, "Old idea")
    closed = signed_in.post(url(closed_page, f"contributions/{old.pk}/support/"))

    assert disabled.status_code == 404
    assert closed.status_code == 403
    assert "Contributions are closed" in text(closed)
    assert not Support.objects.exists()


def test_supports_of_a_pending_contribution_are_refused(signed_in, consultation):
    idea = contribute(consultation, "Pending", status=ContributionStatus.PENDING)
    response = signed_in.post(url(consultation, f"contributions/{idea.pk}/support/"))
    assert response.status_code == 404
    assert not Support.objects.exists()


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks and real concurrency need PostgreSQL"
)
@pytest.mark.django_db(transaction=True)
def test_one_support_per_resident_under_concurrency(django_user_model):
    """Eight requests of the same resident support at once: one Support row (PostgreSQL)."""
    index_page = index_page_on_default_site()
    page = make_process(index_page, "Race", [phase("contribution", -1, 10)], model=ConsultationPage)
    # The phases are relative to the fixed NOW: keep the contribution phase open today.
    page.participation_phases.update(
        starts_at=timezone.now() - timedelta(days=1), ends_at=timezone.now() + timedelta(days=1)
    )
    idea = contribute(page, "Race")
    user = make_resident(django_user_model, "Racer")
    clients = []
    for _ in range(8):
        browser = Client()
        browser.force_login(user)
        clients.append(browser)
    support_url = url(page, f"contributions/{idea.pk}/support/")
    barrier = threading.Barrier(8)
    statuses = []

    def attempt(browser):
        from django.db import connection as thread_connection

        try:
            barrier.wait()
            statuses.append(browser.post(support_url, {"action": "support"}).status_code)
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=attempt, args=(browser,)) for browser in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert statuses == [302] * 8
    assert Support.objects.filter(contribution=idea, user=user).count() == 1


# Comments --------------------------------------------------------------------------------------


def test_comment_and_replies_nest_one_level(signed_in, post, consultation, resident):
    idea = contribute(consultation, "Bike lane")
    comment_url = url(consultation, f"contributions/{idea.pk}/comment/")

    first = post(comment_url, {"body": "Good idea", "website": ""})
    top = Comment.objects.get()
    post(comment_url, {"body": "I agree", "parent": top.pk, "website": ""})
    reply = Comment.objects.get(body="I agree")
    post(comment_url, {"body": "Me too", "parent": reply.pk, "website": ""})

    assert first.status_code == 302
    assert first["Location"] == f"{detail(consultation, idea)}#comment-{top.pk}"
    assert reply.parent == top
    assert Comment.objects.get(body="Me too").parent == top  # attached to the top level
    content = text(signed_in.get(detail(consultation, idea)))
    assert "3 comments" in content
    replies = content.split('class="participation-comment-replies"')[1].split("</ol>")[0]
    assert "I agree" in replies and "Me too" in replies and "Good idea" not in replies
    assert "Reply to Inès" in content


def test_hidden_comments_and_their_replies_are_not_shown(signed_in, consultation, resident):
    idea = contribute(consultation, "Bike lane")
    hidden = Comment.objects.create(
        contribution=idea, author=resident, body="Insult", status=CommentStatus.HIDDEN
    )
    Comment.objects.create(contribution=idea, author=resident, body="Answer", parent=hidden)
    Comment.objects.create(contribution=idea, author=resident, body="Visible")

    content = text(signed_in.get(detail(consultation, idea)))
    assert "Insult" not in content and "Answer" not in content
    assert "Visible" in content and "1 comment" in content

    refused = signed_in.post(
        url(consultation, f"contributions/{idea.pk}/comment/"),
        {"body": "Reply", "parent": hidden.pk, "website": ""},
    )
    assert refused.status_code == 400
    assert "The comment you reply to is no longer available." in text(refused)
    assert Comment.objects.count() == 3


def test_comment_errors_and_rules(signed_in, post, consultation, client):
    idea = contribute(consultation, "Bike lane")
    comment_url = url(consultation, f"contributions/{idea.pk}/comment/")

    empty = post(comment_url, {"body": "  ", "website": ""})
    too_long = post(comment_url, {"body": "x" * 2001, "website": ""})
    assert empty.status_code == too_long.status_code == 400
    assert "Write your comment." in text(empty)
    assert "Your text is 2001 characters long; the limit is 2000 characters." in text(too_long)

    consultation.comments_enabled = False
    consultation.save_revision().publish()
    assert post(comment_url, {"body": "Hi", "website": ""}).status_code == 404
    assert "Comments are turned off for this consultation." in text(
        client.get(detail(consultation, idea))
    )
    assert not Comment.objects.exists()


def test_comment_needs_sign_in(client, consultation):
    idea = contribute(consultation, "Bike lane")
    response = client.post(
        url(consultation, f"contributions/{idea.pk}/comment/"), {"body": "Hi", "website": ""}
    )
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")
    assert not Comment.objects.exists()


# Reports ---------------------------------------------------------------------------------------


def report_as(user, page, contribution, comment=None, reason="Insulting"):
    browser = Client()
    browser.force_login(user)
    address = url(page, f"contributions/{contribution.pk}/report/")
    if comment is not None:
        address += f"?comment={comment.pk}"
    return browser.post(address, {"reason": reason, "website": ""})


def test_report_form(signed_in, consultation):
    idea = contribute(consultation, "Bike lane")
    response = signed_in.get(url(consultation, f"contributions/{idea.pk}/report/"))
    content = text(response)
    assert response.status_code == 200
    assert "Report the contribution “Bike lane”" in content
    assert '<label for="id_reason">What is wrong?</label>' in content


def test_report_needs_sign_in(client, consultation):
    idea = contribute(consultation, "Bike lane")
    response = client.get(url(consultation, f"contributions/{idea.pk}/report/"))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_three_distinct_reporters_hide_a_contribution(
    consultation, django_user_model, django_capture_on_commit_callbacks, mailoutbox
):
    django_user_model.objects.create_superuser("admin", "admin@example.org", "pw")
    idea = contribute(consultation, "Spam")
    first, second, third = (make_resident(django_user_model, name) for name in "ABC")

    report_as(first, consultation, idea)
    again = report_as(first, consultation, idea)
    report_as(second, consultation, idea)
    idea.refresh_from_db()
    assert idea.status == PUBLISHED  # two distinct reporters so far
    assert ContentReport.objects.filter(reporter=first).count() == 1
    assert again.status_code == 200
    assert "You have already reported this." in text(again)
    assert "<textarea" not in text(again)

    with django_capture_on_commit_callbacks(execute=True):
        last = report_as(third, consultation, idea)
    idea.refresh_from_db()
    assert idea.status == ContributionStatus.HIDDEN
    assert idea.moderation_reason == "Hidden after reports, waiting for a moderator"
    assert last["Location"] == url(consultation)
    assert Client().get(detail(consultation, idea)).status_code == 404
    assert "Spam" not in text(Client().get(url(consultation)))
    assert [m.subject for m in mailoutbox] == ["A contribution was hidden after reports: Spam"]


def test_reports_on_a_comment_hide_the_comment_only(consultation, django_user_model, resident):
    idea = contribute(consultation, "Bike lane")
    rude = Comment.objects.create(contribution=idea, author=resident, body="Rude words")
    reporters = [make_resident(django_user_model, name) for name in "ABC"]

    for reporter in reporters:
        response = report_as(reporter, consultation, idea, comment=rude)
        assert response["Location"] == detail(consultation, idea)

    rude.refresh_from_db()
    idea.refresh_from_db()
    assert rude.status == CommentStatus.HIDDEN
    assert idea.status == PUBLISHED
    assert ContentReport.objects.filter(comment=rude).count() == 3
    assert "Rude words" not in text(Client().get(detail(consultation, idea)))


def test_report_reason_is_required_and_limited(signed_in, consultation):
    idea = contribute(consultation, "Bike lane")
    address = url(consultation, f"contributions/{idea.pk}/report/")

    empty = signed_in.post(address, {"reason": "", "website": ""})
    too_long = signed_in.post(address, {"reason": "x" * 1001, "website": ""})

    assert empty.status_code == too_long.status_code == 400
    assert "Tell the moderators what is wrong." in text(empty)
    assert "Your text is 1001 characters long; the limit is 1000 characters." in text(too_long)
    assert not ContentReport.objects.exists()


# Author e-mails --------------------------------------------------------------------------------


def test_author_emails_follow_the_profile_choice(
    consultation, resident, django_capture_on_commit_callbacks, mailoutbox
):
    idea = contribute(
        consultation,
        "Bike lane",
        author=resident,
        answer_status=AnswerStatus.ACCEPTED,
        answer_text="Built next spring.",
    )

    with django_capture_on_commit_callbacks(execute=True):
        assert notify_author_published(idea)
        assert notify_author_answered(idea)

    assert [m.to for m in mailoutbox] == [["ines@example.org"]] * 2
    assert mailoutbox[0].subject == "Your contribution is published: Bike lane"
    assert f"http://localhost{detail(consultation, idea)}" in mailoutbox[0].body
    assert mailoutbox[1].subject == "Your contribution got an official answer: Bike lane"
    assert "Answer: Accepted" in mailoutbox[1].body
    assert "Built next spring." in mailoutbox[1].body

    resident.participant_profile.email_on_replies = False
    resident.participant_profile.save()
    with django_capture_on_commit_callbacks(execute=True):
        assert not notify_author_published(idea)
    anonymous = contribute(consultation, "Anonymous idea")
    assert not notify_author_answered(anonymous)
    assert len(mailoutbox) == 2
