"""The questionnaire of a consultation: its questions, answering once, codes, results."""

import threading
from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.db import connection
from django.template.loader import render_to_string
from django.test import RequestFactory, override_settings
from django.test.utils import CaptureQueriesContext

from wagtail_participation.codes import CodeBatch, ParticipationCode
from wagtail_participation.consultations.models import (
    ConsultationPage,
    Question,
    QuestionAnswer,
    QuestionKind,
    QuestionnaireResponse,
)
from wagtail_participation.consultations.questionnaire import choice_counts, yes_no_results
from wagtail_participation.consultations.views.questionnaire import questionnaire
from wagtail_participation.models import CodeUse
from wagtail_participation.profiles import ParticipantProfile

from .conftest import NOW, index_page_on_default_site, make_process, phase

TEASER = "wagtail_participation/consultations/includes/questionnaire_teaser.html"


@pytest.fixture(autouse=True)
def empty_cache(db):
    """Rate limits count in the cache: start every test with none used."""
    cache.clear()
    yield
    cache.clear()


def add_questions(page):
    questions = {
        "open": Question(
            page=page,
            sort_order=0,
            kind=QuestionKind.OPEN,
            text="What would you change?",
            required=False,
        ),
        "single": Question(
            page=page,
            sort_order=1,
            kind=QuestionKind.SINGLE,
            text="How do you come to the square?",
            choices="On foot\nBy bike\nBy car",
        ),
        "multiple": Question(
            page=page,
            sort_order=2,
            kind=QuestionKind.MULTIPLE,
            text="What is missing?",
            choices="Trees\nBenches\nShade\nWater fountains",
            max_choices=2,
        ),
        "ranking": Question(
            page=page,
            sort_order=3,
            kind=QuestionKind.RANKING,
            text="Rank these uses",
            choices="Market\nPlayground\nParking",
        ),
        "yes_no": Question(
            page=page,
            sort_order=4,
            kind=QuestionKind.YES_NO,
            text="Should cars leave the square?",
        ),
    }
    for question in questions.values():
        question.save()
    return questions


@pytest.fixture
def consultation(index_page, frozen_now):
    page = make_process(
        index_page, "Market square", [phase("contribution", -1, 10)], model=ConsultationPage
    )
    ConsultationPage.objects.filter(pk=page.pk).update(
        questionnaire_intro="Tell us how you use the square."
    )
    page.refresh_from_db()
    page.q = add_questions(page)
    return page


def url_of(page):
    return page.url + "questionnaire/"


def make_resident(django_user_model, username="ines", display_name="Inès", complete=True):
    user = django_user_model.objects.create_user(username, f"{username}@example.org", "pw")
    ParticipantProfile.objects.create(
        user=user, display_name=display_name, terms_accepted_at=NOW if complete else None
    )
    return user


@pytest.fixture
def resident(django_user_model):
    return make_resident(django_user_model)


@pytest.fixture
def resident_client(client, resident):
    client.force_login(resident)
    return client


def name(question):
    return f"question_{question.pk}"


def valid_answers(page, **overrides):
    q = page.q
    data = {
        name(q["open"]): "More trees, please.",
        name(q["single"]): "By bike",
        name(q["multiple"]): ["Trees", "Shade"],
        f"{name(q['ranking'])}_0": "2",  # Market
        f"{name(q['ranking'])}_1": "1",  # Playground
        f"{name(q['ranking'])}_2": "3",  # Parking
        name(q["yes_no"]): "yes",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def page_text(response):
    return response.content.decode()


# The form ------------------------------------------------------------------------------------


def test_the_form_shows_every_kind_of_question_with_labels(resident_client, consultation):
    response = resident_client.get(url_of(consultation))
    assert response.status_code == 200
    html = page_text(response)
    q = consultation.q
    assert "Tell us how you use the square." in html
    assert f'<textarea name="{name(q["open"])}"' in html and 'maxlength="5000"' in html
    assert 'What would you change? <span class="participation-optional">(optional)' in html
    # Choice questions are groups: a fieldset and its legend.
    assert "<legend>How do you come to the square?" in html
    assert f'type="radio" name="{name(q["single"])}" value="By bike"' in html
    assert f'type="checkbox" name="{name(q["multiple"])}" value="Shade"' in html
    assert "Choose up to 2 answers." in html
    # Ranking: one labelled select of ranks per choice, without JavaScript.
    ranking_id = f"id_{name(q['ranking'])}"
    assert f'<label for="{ranking_id}_1">Playground</label>' in html
    assert f'<select name="{name(q["ranking"])}_1" id="{ranking_id}_1"' in html
    assert "Give each choice a rank: 1 for your first choice." in html
    assert "Yes, for" in html and "No, against" in html
    assert "participation_code" not in html  # accounts only
    assert 'name="csrfmiddlewaretoken"' in html
    assert 'name="website"' in html  # honeypot


def test_a_complete_answer_is_stored_and_shown_back(resident_client, resident, consultation):
    response = resident_client.post(url_of(consultation), valid_answers(consultation))
    assert response.status_code == 302
    assert response["Location"] == url_of(consultation)

    saved = QuestionnaireResponse.objects.get()
    assert saved.user == resident and saved.page_id == consultation.pk
    assert saved.participation_code is None
    q = consultation.q
    answers = {answer.question_id: answer for answer in saved.answers.all()}
    assert answers[q["open"].pk].text == "More trees, please."
    assert answers[q["single"].pk].choices == ["By bike"]
    assert answers[q["multiple"].pk].choices == ["Trees", "Shade"]
    assert answers[q["ranking"].pk].choices == ["Playground", "Market", "Parking"]
    assert answers[q["yes_no"].pk].choices == ["yes"]

    html = page_text(resident_client.get(url_of(consultation)))
    assert "Thank you, you have already answered" in html
    assert "Thank you, your answers have been recorded." in html
    assert "More trees, please." in html
    assert "<ol><li>Playground</li><li>Market</li><li>Parking</li></ol>" in html
    assert "Yes, for" in html
    assert "<form" not in html.split("Your answers")[1]


def test_optional_questions_may_be_left_empty(resident_client, consultation):
    data = valid_answers(consultation, **{name(consultation.q["open"]): ""})
    assert resident_client.post(url_of(consultation), data).status_code == 302
    assert not QuestionAnswer.objects.filter(question=consultation.q["open"]).exists()
    assert QuestionAnswer.objects.count() == 4


def assert_refused(response, message):
    assert response.status_code == 200
    html = page_text(response)
    assert 'role="alert"' in html
    assert message in html
    assert QuestionnaireResponse.objects.count() == 0
    assert QuestionAnswer.objects.count() == 0


def test_multiple_choice_enforces_its_maximum(resident_client, consultation):
    data = valid_answers(
        consultation, **{name(consultation.q["multiple"]): ["Trees", "Shade", "Benches"]}
    )
    response = resident_client.post(url_of(consultation), data)
    assert_refused(response, "Choose at most 2 answers.")
    # The error summary links to the first checkbox of the group.
    assert f'href="#id_{name(consultation.q["multiple"])}_0"' in page_text(response)


def test_a_rank_can_be_given_once(resident_client, consultation):
    ranking = name(consultation.q["ranking"])
    data = valid_answers(consultation, **{f"{ranking}_0": "1", f"{ranking}_1": "1"})
    response = resident_client.post(url_of(consultation), data)
    assert_refused(response, "Each rank can be given only once: rank 1 is used more than once.")
    # What the resident chose stays selected.
    assert '<option value="3" selected>' in page_text(response)


def test_a_required_ranking_ranks_every_choice(resident_client, consultation):
    ranking = name(consultation.q["ranking"])
    data = valid_answers(consultation, **{f"{ranking}_2": ""})
    assert_refused(resident_client.post(url_of(consultation), data), "Give each choice a rank.")
    data = valid_answers(
        consultation, **{f"{ranking}_0": "", f"{ranking}_1": "", f"{ranking}_2": ""}
    )
    assert_refused(resident_client.post(url_of(consultation), data), "Give each choice a rank.")


def test_an_optional_ranking_may_rank_some_choices(resident_client, consultation):
    question = consultation.q["ranking"]
    Question.objects.filter(pk=question.pk).update(required=False)
    ranking = name(question)
    data = valid_answers(consultation, **{f"{ranking}_0": "", f"{ranking}_2": "2"})
    assert resident_client.post(url_of(consultation), data).status_code == 302
    assert QuestionAnswer.objects.get(question=question).choices == ["Playground", "Parking"]


@pytest.mark.parametrize(
    "question, value",
    [
        ("single", "By plane"),
        ("multiple", ["Trees", "Swimming pool"]),
        ("yes_no", "maybe"),
        ("yes_no", "Yes, for"),
        ("ranking", None),
    ],
)
def test_forged_values_are_refused(resident_client, consultation, question, value):
    if question == "ranking":
        ranking = name(consultation.q["ranking"])
        data = valid_answers(consultation, **{f"{ranking}_2": "9"})
    else:
        data = valid_answers(consultation, **{name(consultation.q[question]): value})
    response = resident_client.post(url_of(consultation), data)
    assert_refused(response, "Select a valid choice.")


def test_required_questions_must_be_answered(resident_client, consultation):
    data = valid_answers(consultation, **{name(consultation.q["single"]): None})
    response = resident_client.post(url_of(consultation), data)
    assert_refused(response, "How do you come to the square?: Answer this question.")


def test_open_answers_are_limited_to_5000_characters(resident_client, consultation):
    data = valid_answers(consultation, **{name(consultation.q["open"]): "x" * 5001})
    assert_refused(
        resident_client.post(url_of(consultation), data),
        "Ensure this value has at most 5000 characters (it has 5001).",
    )


def test_filled_honeypot_is_refused(resident_client, consultation):
    data = valid_answers(consultation, website="http://spam.example")
    assert_refused(
        resident_client.post(url_of(consultation), data),
        "This form could not be sent. Please try again.",
    )


def test_a_consultation_without_questions_has_no_questionnaire(client, index_page, frozen_now):
    page = make_process(
        index_page, "Empty", [phase("contribution", -1, 10)], model=ConsultationPage
    )
    assert client.get(url_of(page)).status_code == 404


# Once per resident ---------------------------------------------------------------------------


def test_a_resident_answers_once(resident_client, consultation):
    assert (
        resident_client.post(url_of(consultation), valid_answers(consultation)).status_code == 302
    )
    again = valid_answers(consultation, **{name(consultation.q["yes_no"]): "no"})
    response = resident_client.post(url_of(consultation), again)
    assert response.status_code == 409
    assert "Thank you, you have already answered" in page_text(response)
    assert QuestionnaireResponse.objects.count() == 1
    assert QuestionAnswer.objects.count() == 5
    assert QuestionAnswer.objects.get(question=consultation.q["yes_no"]).choices == ["yes"]


def test_the_database_keeps_one_response_per_resident(resident, consultation):
    from django.db import IntegrityError, transaction

    QuestionnaireResponse.objects.create(page=consultation, user=resident)
    with pytest.raises(IntegrityError), transaction.atomic():
        QuestionnaireResponse.objects.create(page=consultation, user=resident)


@pytest.mark.django_db(transaction=True)
def test_one_response_under_concurrency(django_user_model, time_machine):
    """Eight app servers receive the same resident's answers at once: one response (PostgreSQL)."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks and real concurrency need PostgreSQL")
    index_page = index_page_on_default_site()
    time_machine.move_to(NOW, tick=False)
    page = make_process(
        index_page, "Race square", [phase("contribution", -1, 10)], model=ConsultationPage
    )
    page.q = add_questions(page)
    user = make_resident(django_user_model)
    data = valid_answers(page)
    url = url_of(page)
    barrier = threading.Barrier(8)
    statuses = []

    def attempt():
        from django.db import connection as thread_connection
        from django.test import Client

        try:
            thread_client = Client()
            thread_client.force_login(user)
            barrier.wait()
            statuses.append(thread_client.post(url, data).status_code)
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [302] + [409] * 7
    assert QuestionnaireResponse.objects.filter(user=user).count() == 1
    assert QuestionAnswer.objects.count() == 5


# Participation codes -------------------------------------------------------------------------


@pytest.fixture
def code_consultation(consultation):
    ConsultationPage.objects.filter(pk=consultation.pk).update(
        participation_codes=CodeUse.ACCOUNT_OR_CODE
    )
    consultation.participation_codes = CodeUse.ACCOUNT_OR_CODE
    return consultation


@pytest.fixture
def codes(code_consultation):
    _batch, plain = CodeBatch.generate(
        "School", 2, expires_at=NOW + timedelta(days=30), page=code_consultation
    )
    return plain


def test_a_visitor_without_account_answers_with_a_code(client, code_consultation, codes):
    url = url_of(code_consultation)
    html = page_text(client.get(url))
    assert "Sign in, or enter a participation code, to take part." in html
    assert f"/accounts/login/?next={url.replace('/', '%2F')}" in html
    assert 'name="participation_code"' in html

    data = valid_answers(code_consultation, participation_code=codes[0].lower())
    response = client.post(url, data)
    assert response.status_code == 302

    saved = QuestionnaireResponse.objects.get()
    assert saved.user is None
    code = ParticipationCode.objects.get(used_at__isnull=False)
    assert saved.participation_code == code
    assert code.used_on_page_id == code_consultation.pk and code.used_by is None
    assert saved.answers.count() == 5

    html = page_text(client.get(url))
    assert "Thank you, you have already answered" in html
    assert "More trees, please." in html


def test_a_code_answers_once(client, code_consultation, codes):
    url = url_of(code_consultation)
    data = valid_answers(code_consultation, participation_code=codes[0])
    assert client.post(url, data).status_code == 302
    client.cookies.clear()  # another browser, the same code
    response = client.post(url, data)
    assert response.status_code == 200
    assert "This participation code has already been used." in page_text(response)
    assert QuestionnaireResponse.objects.count() == 1
    assert QuestionAnswer.objects.count() == 5


@pytest.mark.parametrize(
    "code, message",
    [
        ("", "Enter your participation code, or sign in."),
        ("ABCD-EFGHJ-KMNPQ", "This participation code does not exist. Check how you typed it."),
    ],
)
def test_a_missing_or_unknown_code_is_refused(client, code_consultation, codes, code, message):
    data = valid_answers(code_consultation, participation_code=code)
    response = client.post(url_of(code_consultation), data)
    assert_refused(response, message)
    assert "Sign in, or enter a participation code, to take part." in page_text(response)
    assert not ParticipationCode.objects.filter(used_at__isnull=False).exists()


def test_a_code_is_not_used_up_by_an_invalid_answer(client, code_consultation, codes):
    data = valid_answers(
        code_consultation,
        participation_code=codes[0],
        **{name(code_consultation.q["yes_no"]): "maybe"},
    )
    assert_refused(client.post(url_of(code_consultation), data), "Select a valid choice.")
    assert not ParticipationCode.objects.filter(used_at__isnull=False).exists()


def test_signed_in_residents_see_no_code_field(resident_client, code_consultation, codes):
    html = page_text(resident_client.get(url_of(code_consultation)))
    assert 'name="participation_code"' not in html
    assert (
        resident_client.post(
            url_of(code_consultation), valid_answers(code_consultation)
        ).status_code
        == 302
    )
    assert QuestionnaireResponse.objects.get().participation_code is None


def test_a_required_code_is_asked_of_signed_in_residents_too(
    resident_client, resident, code_consultation, codes
):
    ConsultationPage.objects.filter(pk=code_consultation.pk).update(
        participation_codes=CodeUse.CODE_REQUIRED
    )
    url = url_of(code_consultation)
    html = page_text(resident_client.get(url))
    assert "This process asks for a participation code." in html
    assert 'name="participation_code"' in html
    response = resident_client.post(url, valid_answers(code_consultation))
    assert_refused(response, "Enter the participation code the town gave you.")
    data = valid_answers(code_consultation, participation_code=codes[1])
    assert resident_client.post(url, data).status_code == 302
    saved = QuestionnaireResponse.objects.get()
    assert saved.user == resident
    assert saved.participation_code.used_by == resident


# Closed questionnaire and eligibility ---------------------------------------------------------


def test_a_closed_questionnaire_is_refused(resident_client, consultation, time_machine):
    time_machine.move_to(NOW + timedelta(days=11), tick=False)
    response = resident_client.get(url_of(consultation))
    assert response.status_code == 200
    html = page_text(response)
    assert "The questionnaire is closed" in html
    assert '<form method="post"' not in html
    response = resident_client.post(url_of(consultation), valid_answers(consultation))
    assert response.status_code == 403
    assert "The questionnaire is closed" in page_text(response)
    assert QuestionnaireResponse.objects.count() == 0


def test_a_questionnaire_not_open_yet_is_closed(resident_client, consultation, time_machine):
    time_machine.move_to(NOW - timedelta(days=2), tick=False)
    assert "The questionnaire is closed" in page_text(resident_client.get(url_of(consultation)))


def test_an_incomplete_profile_is_told_what_to_do(client, django_user_model, consultation):
    user = make_resident(django_user_model, "newcomer", "", complete=False)
    client.force_login(user)
    html = page_text(client.get(url_of(consultation)))
    assert "Choose a public name and accept the participation terms in your profile first." in html
    assert '<a href="/accounts/profile/">Complete my profile</a>' in html
    assert '<form method="post"' not in html
    response = client.post(url_of(consultation), valid_answers(consultation))
    assert response.status_code == 403
    assert "Complete my profile" in page_text(response)
    assert QuestionnaireResponse.objects.count() == 0


def test_visitors_are_asked_to_sign_in_on_an_accounts_only_page(client, consultation):
    url = url_of(consultation)
    html = page_text(client.get(url))
    assert "Sign in to take part." in html
    assert f'<a href="/accounts/login/?next={url.replace("/", "%2F")}">Sign in</a>' in html
    assert 'name="participation_code"' not in html
    assert client.post(url, valid_answers(consultation)).status_code == 403
    assert QuestionnaireResponse.objects.count() == 0


@override_settings(
    WAGTAIL_PARTICIPATION={
        "BASE_TEMPLATE": "site_base.html",
        "RATE_LIMITS": {"questionnaire": "2/m"},
    }
)
def test_answers_are_rate_limited(resident_client, consultation):
    data = valid_answers(consultation, **{name(consultation.q["yes_no"]): "maybe"})
    for _attempt in range(2):
        assert resident_client.post(url_of(consultation), data).status_code == 200
    response = resident_client.post(url_of(consultation), data)
    assert response.status_code == 429
    assert "Too many attempts" in page_text(response)


# Escaping ------------------------------------------------------------------------------------


def test_open_text_is_escaped_when_shown_back(resident_client, consultation):
    text = '<script>alert("x")</script>\n<b>bold</b>'
    data = valid_answers(consultation, **{name(consultation.q["open"]): text})
    assert resident_client.post(url_of(consultation), data).status_code == 302
    html = page_text(resident_client.get(url_of(consultation)))
    assert "<script>alert" not in html and "<b>bold</b>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;<br>&lt;b&gt;bold&lt;/b&gt;" in html


def test_editor_text_of_choices_is_escaped(resident_client, consultation):
    question = consultation.q["single"]
    Question.objects.filter(pk=question.pk).update(choices="<i>On foot</i>\nBy bike")
    html = page_text(resident_client.get(url_of(consultation)))
    assert "<i>On foot</i>" not in html
    assert "&lt;i&gt;On foot&lt;/i&gt;" in html


# Results -------------------------------------------------------------------------------------


def answer(page, question, choices, user=None):
    response = QuestionnaireResponse.objects.create(page=page, user=user)
    QuestionAnswer.objects.create(response=response, question=question, choices=choices)
    return response


def render_teaser(page, user=None):
    request = RequestFactory().get(page.url)
    request.user = user or AnonymousUser()
    return render_to_string(TEASER, {"page": page, "request": request})


def test_yes_no_results_count_for_and_against(consultation):
    question = consultation.q["yes_no"]
    for choice in ["yes", "yes", "no"]:
        answer(consultation, question, [choice])
    # An answer filed under another consultation's response does not count.
    other = make_process(
        consultation.get_parent(), "Other", [phase("contribution", -1, 10)], model=ConsultationPage
    )
    answer(other, question, ["no"])
    [result] = yes_no_results(consultation)
    assert result["question"] == question
    assert (result["for"], result["against"], result["total"]) == (2, 1, 3)
    assert (result["for_percent"], result["against_percent"]) == (67, 33)


def test_yes_no_results_without_answers(consultation):
    [result] = yes_no_results(consultation)
    assert result["total"] == 0 and result["for_percent"] is None


def test_choice_counts_of_single_and_multiple_choice(consultation):
    q = consultation.q
    for choices in (["By bike"], ["By bike"], ["On foot"], ["By car"]):
        answer(consultation, q["single"], choices)
    for choices in (["Trees", "Shade"], ["Shade"], ["Benches", "Trees"]):
        answer(consultation, q["multiple"], choices)
    single = choice_counts(q["single"])
    assert single["total"] == 4
    assert [(c["choice"], c["count"], c["percent"]) for c in single["choices"]] == [
        ("On foot", 1, 25),
        ("By bike", 2, 50),
        ("By car", 1, 25),
    ]
    multiple = choice_counts(q["multiple"])
    assert multiple["total"] == 3
    assert [(c["choice"], c["count"]) for c in multiple["choices"]] == [
        ("Trees", 2),
        ("Benches", 1),
        ("Shade", 2),
        ("Water fountains", 0),
    ]


def test_teaser_links_to_the_open_questionnaire_and_hides_results(consultation):
    answer(consultation, consultation.q["yes_no"], ["yes"])
    assert not consultation.questionnaire_results_visible()
    html = render_teaser(consultation)
    assert '<h2 id="participation-questionnaire-title">Questionnaire</h2>' in html
    assert "Tell us how you use the square." in html
    assert f'href="{url_of(consultation)}">Answer the questionnaire</a>' in html
    assert "<table" not in html


def test_teaser_shows_results_once_the_phase_is_over(consultation, time_machine):
    question = consultation.q["yes_no"]
    for choice in ["yes", "no", "no", "no"]:
        answer(consultation, question, [choice])
    time_machine.move_to(NOW + timedelta(days=11), tick=False)
    page = ConsultationPage.objects.get(pk=consultation.pk)
    html = render_teaser(page)
    assert "Answer the questionnaire" not in html
    assert "<caption>For or against: results of the yes/no questions</caption>" in html
    assert '<th scope="row">Should cars leave the square?</th>' in html
    assert "<td>1 (25%)</td>" in html and "<td>3 (75%)</td>" in html and "<td>4</td>" in html


def test_teaser_queries_do_not_grow_with_responses(consultation, time_machine):
    question = consultation.q["yes_no"]
    time_machine.move_to(NOW + timedelta(days=11), tick=False)

    def queries():
        page = ConsultationPage.objects.get(pk=consultation.pk)
        assert page.phases  # loaded by the consultation page itself
        with CaptureQueriesContext(connection) as captured:
            render_teaser(page)
        return len(captured)

    answer(consultation, question, ["yes"])
    queries()  # warms the site's root paths cache
    few = queries()
    for _index in range(30):
        answer(consultation, question, ["no"])
    assert queries() == few
    assert few <= 4


def test_closed_questionnaire_page_shows_results(client, consultation, time_machine):
    answer(consultation, consultation.q["yes_no"], ["yes"])
    time_machine.move_to(NOW + timedelta(days=11), tick=False)
    html = page_text(client.get(url_of(consultation)))
    assert "The questionnaire is closed" in html
    assert "<td>1 (100%)</td>" in html


def test_teaser_is_empty_without_questions_or_introduction(index_page, frozen_now):
    page = make_process(
        index_page, "Empty", [phase("contribution", -1, 10)], model=ConsultationPage
    )
    assert render_teaser(page).strip() == ""


def test_the_view_is_exported_for_the_route():
    assert callable(questionnaire)


def test_the_consultation_page_shows_the_teaser(client, consultation):
    html = page_text(client.get(consultation.url))
    assert "Tell us how you use the square." in html
    assert f'href="{url_of(consultation)}">Answer the questionnaire</a>' in html
