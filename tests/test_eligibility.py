"""Eligibility: each policy, its plain-words refusal and what to do instead."""

from datetime import datetime, timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import override_settings

from wagtail_participation.codes import CodeBatch, redeem_code
from wagtail_participation.eligibility import EligibilityPolicy, Refusal, check_eligibility
from wagtail_participation.models import CodeUse
from wagtail_participation.profiles import ParticipantProfile

from .conftest import NOW, PARIS, make_process


@pytest.fixture
def process(index_page):
    return make_process(index_page, "Market square")


@pytest.fixture
def resident(django_user_model):
    user = django_user_model.objects.create_user("ines", "ines@example.org", "pw")
    ParticipantProfile.objects.create(
        user=user, display_name="Inès", terms_accepted_at=NOW, birth_year=1990, lives_in_town=True
    )
    return user


def codes_of(decision):
    return [refusal.code for refusal in decision.refusals]


def test_signed_in_resident_with_complete_profile_may_take_part(resident, process):
    decision = check_eligibility(resident, process, now=NOW)
    assert decision.allowed and bool(decision)


def test_anonymous_visitor_is_asked_to_sign_in(process):
    decision = check_eligibility(AnonymousUser(), process, now=NOW)
    assert codes_of(decision) == ["sign_in"]
    refusal = decision.refusals[0]
    assert refusal.reason == "Sign in to take part."
    assert refusal.action_url == f"/accounts/login/?next={process.url.replace('/', '%2F')}"


def test_incomplete_profile_is_sent_to_the_profile(django_user_model, process):
    user = django_user_model.objects.create_user("new", "new@example.org", "pw")
    decision = check_eligibility(user, process, now=NOW)
    assert codes_of(decision) == ["incomplete_profile"]
    assert decision.refusals[0].action_url == "/accounts/profile/"
    assert "accept the participation terms" in str(decision.refusals[0].reason)


@pytest.mark.parametrize(
    "today, birth_year, expected",
    [
        (datetime(2026, 1, 1, 0, 0, tzinfo=PARIS), 2010, []),  # turns 16 during 2026
        (datetime(2025, 12, 31, 23, 59, tzinfo=PARIS), 2010, ["too_young"]),
        (datetime(2026, 6, 1, tzinfo=PARIS), 2011, ["too_young"]),
        (datetime(2026, 6, 1, tzinfo=PARIS), None, ["birth_year_missing"]),
    ],
)
def test_minimum_age_counts_the_year_of_birth(
    resident, process, time_machine, today, birth_year, expected
):
    time_machine.move_to(today, tick=False)
    process.minimum_age = 16
    resident.participant_profile.birth_year = birth_year
    resident.participant_profile.save()
    decision = check_eligibility(resident, process)
    assert codes_of(decision) == expected


def test_too_young_says_when_they_can_take_part(resident, process):
    process.minimum_age = 18
    resident.participant_profile.birth_year = 2010
    reason = str(check_eligibility(resident, process, now=NOW).refusals[0].reason)
    assert reason == (
        "This process is open to residents who turn 18 in 2026 or earlier. "
        "You can take part in processes from 2028."
    )


def test_residence_in_town(resident, process):
    process.residents_only = True
    assert check_eligibility(resident, process, now=NOW).allowed
    resident.participant_profile.lives_in_town = False
    decision = check_eligibility(resident, process, now=NOW)
    assert codes_of(decision) == ["not_resident"]
    assert decision.refusals[0].action_label == "Complete my profile"


def test_residence_in_the_process_neighbourhoods(resident, index_page, neighbourhoods):
    process = make_process(
        index_page,
        "Riverside",
        neighbourhoods=[neighbourhoods["riverside"], neighbourhoods["station"]],
    )
    process.neighbourhood_residents_only = True
    decision = check_eligibility(resident, process, now=NOW)
    assert codes_of(decision) == ["other_neighbourhood"]
    assert "Riverside, Station" in str(decision.refusals[0].reason)
    resident.participant_profile.neighbourhood = neighbourhoods["station"]
    assert check_eligibility(resident, process, now=NOW).allowed


@pytest.fixture
def code(process):
    return CodeBatch.generate("School", 2, expires_at=NOW + timedelta(days=10))[1][0]


def test_code_lets_a_visitor_without_account_take_part(process, code):
    process.participation_codes = CodeUse.ACCOUNT_OR_CODE
    process.minimum_age = 16
    process.residents_only = True
    assert check_eligibility(AnonymousUser(), process, code=code, now=NOW).allowed
    decision = check_eligibility(AnonymousUser(), process, now=NOW)
    assert codes_of(decision) == ["sign_in_or_code"]


def test_codes_are_ignored_where_the_process_accepts_only_accounts(resident, process, code):
    assert codes_of(check_eligibility(AnonymousUser(), process, code=code, now=NOW)) == ["sign_in"]
    # nor does a code stand in for the profile checks there
    process.minimum_age = 18
    resident.participant_profile.birth_year = 2015
    assert codes_of(check_eligibility(resident, process, code=code, now=NOW)) == ["too_young"]


def test_code_required_even_for_signed_in_residents(resident, process, code):
    process.participation_codes = CodeUse.CODE_REQUIRED
    decision = check_eligibility(resident, process, now=NOW)
    assert codes_of(decision) == ["code_required"]
    assert decision.refusals[0].action_label == "Enter your participation code"
    assert check_eligibility(resident, process, code=code, now=NOW).allowed


def test_used_expired_and_unknown_codes_say_why(process, code, time_machine):
    process.participation_codes = CodeUse.ACCOUNT_OR_CODE
    time_machine.move_to(NOW, tick=False)
    redeem_code(code, page=process)
    used = check_eligibility(AnonymousUser(), process, code=code)
    assert codes_of(used) == ["code_used"]
    assert used.refusals[0].reason == "This participation code has already been used."
    unknown = check_eligibility(AnonymousUser(), process, code="nope")
    assert codes_of(unknown) == ["code_unknown"]
    time_machine.move_to(NOW + timedelta(days=11), tick=False)
    expired = check_eligibility(AnonymousUser(), process, code=code)
    assert codes_of(expired) == ["code_expired"]


class WeekdaysOnly(EligibilityPolicy):
    def refusal(self, participant, page, now):
        if now.weekday() >= 5:
            return Refusal("Come back on Monday.", code="weekend")
        return None


def test_sites_add_their_own_policies(resident, process):
    policies = [
        "wagtail_participation.eligibility.AccountOrCodePolicy",
        "tests.test_eligibility.WeekdaysOnly",
    ]
    saturday = datetime(2026, 3, 14, 10, tzinfo=PARIS)
    with override_settings(
        WAGTAIL_PARTICIPATION={"BASE_TEMPLATE": "site_base.html", "ELIGIBILITY_POLICIES": policies}
    ):
        assert codes_of(check_eligibility(resident, process, now=saturday)) == ["weekend"]
        monday = saturday + timedelta(days=2)
        assert check_eligibility(resident, process, now=monday).allowed
