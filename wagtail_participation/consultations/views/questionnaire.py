"""The questionnaire of a consultation: answer once, with an account or a participation code."""

import dataclasses
from enum import Enum

from django.contrib import messages
from django.db import IntegrityError, transaction
from django.http import Http404
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect

from wagtail_participation.codes import CodeError, redeem_code
from wagtail_participation.eligibility import account_url, check_eligibility
from wagtail_participation.models import CodeUse
from wagtail_participation.profiles import ParticipantProfile, profile_for
from wagtail_participation.ratelimit import ratelimit_post
from wagtail_participation.templating import render_page

from ..models import QuestionAnswer, QuestionnaireResponse
from ..questionnaire import (
    CODE_FIELD,
    QuestionnaireForm,
    answers_for_display,
    build_answers,
    page_questions,
    shows_code_field,
)

TEMPLATE = "wagtail_participation/consultations/questionnaire.html"
# Responses made with a participation code, remembered in the session to show them back.
SESSION_KEY = "participation_questionnaire_responses"
# Refusals that the code field of the form itself answers.
CODE_REFUSALS = ("sign_in_or_code", "code_required")


class Outcome(Enum):
    SAVED = "saved"
    CLOSED = "closed"
    ALREADY_ANSWERED = "already_answered"
    REFUSED = "refused"
    CODE_REFUSED = "code_refused"


def questionnaire_url(page):
    return (page.url or "") + page.reverse_subpage("questionnaire")


def signed_in(user):
    return user is not None and user.is_authenticated


def existing_response(request, page):
    """The response this resident (or this browser, for code holders) already gave, or None."""
    responses = QuestionnaireResponse.objects.filter(page=page)
    if signed_in(request.user):
        return responses.filter(user=request.user).first()
    remembered = request.session.get(SESSION_KEY, [])
    if not remembered:
        return None
    return responses.filter(pk__in=remembered, user__isnull=True).first()


def remember(request, response):
    if not signed_in(request.user):
        request.session[SESSION_KEY] = [*request.session.get(SESSION_KEY, []), response.pk]


def refusals_for(decision, page):
    """The decision's refusals, their sign-in links leading back to the questionnaire."""
    refusals = []
    for refusal in decision.refusals:
        if refusal.code in ("sign_in", "sign_in_or_code") and refusal.action_url:
            refusal = dataclasses.replace(
                refusal, action_url=account_url("login", questionnaire_url(page))
            )
        refusals.append(refusal)
    return refusals


def only_code_refusals(decision, form_has_code):
    return form_has_code and all(refusal.code in CODE_REFUSALS for refusal in decision.refusals)


def make_form(page, questions, user, data=None):
    with_code = shows_code_field(page, user)
    form = QuestionnaireForm(questions, data, with_code=with_code, code_required=with_code)
    if with_code:
        code_field = form.fields[CODE_FIELD]
        code_field.error_messages["required"] = (
            _("Enter the participation code the town gave you.")
            if page.participation_codes == CodeUse.CODE_REQUIRED or signed_in(user)
            else _("Enter your participation code, or sign in.")
        )
    return form


def render(request, page, state, status=200, **context):
    results_visible = page.questionnaire_results_visible()
    return render_page(
        request,
        TEMPLATE,
        {
            "page": page,
            "state": state,
            "questionnaire_url": questionnaire_url(page),
            "results_visible": results_visible,
            **context,
        },
        status=status,
    )


def render_form(request, page, form, decision=None, status=200):
    notes = refusals_for(decision, page) if decision is not None else []
    return render(request, page, "form", status=status, form=form, notes=notes)


def render_answered(request, page, response, status=200):
    return render(request, page, "answered", status=status, answers=answers_for_display(response))


def render_closed(request, page, status=200):
    return render(request, page, "closed", status=status)


def render_refused(request, page, decision, status=200):
    return render(request, page, "refused", status=status, refusals=refusals_for(decision, page))


@ratelimit_post("questionnaire")
@csrf_protect
@never_cache
def questionnaire(request, page):
    questions = page_questions(page)
    if not questions:
        raise Http404
    is_post = request.method == "POST"
    answered = existing_response(request, page)
    if answered is not None:
        return render_answered(request, page, answered, status=409 if is_post else 200)
    if not page.questionnaire_open():
        return render_closed(request, page, status=403 if is_post else 200)
    if is_post:
        return submit(request, page, questions)
    decision = check_eligibility(request.user, page)
    form = make_form(page, questions, request.user)
    if decision.allowed or only_code_refusals(decision, form.code_field is not None):
        return render_form(request, page, form, decision)
    return render_refused(request, page, decision)


def submit(request, page, questions):
    form = make_form(page, questions, request.user, request.POST)
    if not form.is_valid():
        decision = check_eligibility(request.user, page) if form.code_field else None
        return render_form(request, page, form, decision)
    code_text = form.cleaned_data.get(CODE_FIELD, "")
    try:
        with transaction.atomic():
            outcome, result = record(request, page, form, code_text)
    except IntegrityError:
        # Another request of the same resident won the race: the constraint kept one response.
        answered = existing_response(request, page)
        if answered is None:
            raise
        outcome, result = Outcome.ALREADY_ANSWERED, answered

    if outcome is Outcome.SAVED:
        remember(request, result)
        messages.success(
            request, _("Thank you, your answers have been recorded."), fail_silently=True
        )
        return redirect(questionnaire_url(page))
    if outcome is Outcome.ALREADY_ANSWERED:
        return render_answered(request, page, result, status=409)
    if outcome is Outcome.CLOSED:
        return render_closed(request, page, status=403)
    if outcome is Outcome.CODE_REFUSED:
        form.add_error(CODE_FIELD, result)
        return render_form(request, page, form, check_eligibility(request.user, page))
    return render_refused(request, page, result, status=403)


def record(request, page, form, code_text):
    """Store the response once the limits are checked again under the lock that owns them.

    Runs inside ``transaction.atomic()``. A signed-in resident's profile row is the lock: two
    requests of the same resident wait for each other here, and the second one finds the
    first one's response. The database constraint backs this up across servers.
    """
    now = timezone.now()
    if not page.questionnaire_open(now):
        return Outcome.CLOSED, None
    user = request.user if signed_in(request.user) else None
    if user is not None:
        profile = profile_for(user)
        user.participant_profile = ParticipantProfile.objects.select_for_update().get(pk=profile.pk)
        answered = QuestionnaireResponse.objects.filter(page=page, user=user).first()
        if answered is not None:
            return Outcome.ALREADY_ANSWERED, answered

    decision = check_eligibility(request.user, page, code=code_text, now=now)
    if not decision.allowed:
        refusal = decision.refusals[0]
        if form.code_field is not None and (
            refusal.code in CODE_REFUSALS or refusal.code.startswith("code_")
        ):
            return Outcome.CODE_REFUSED, refusal.reason
        return Outcome.REFUSED, decision

    code = None
    if decision.participant.code is not None:
        try:
            code = redeem_code(code_text, page=page, user=user, now=now)
        except CodeError as error:
            return Outcome.CODE_REFUSED, error.message

    response = QuestionnaireResponse.objects.create(
        page=page, user=user, participation_code=code, created_at=now
    )
    QuestionAnswer.objects.bulk_create(build_answers(response, form))
    return Outcome.SAVED, response
