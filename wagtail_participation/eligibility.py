"""Who may take part in a process: pluggable policies every participation action asks.

``WAGTAIL_PARTICIPATION["ELIGIBILITY_POLICIES"]`` names the policy classes, asked in order.
Each returns ``None`` (no objection) or a ``Refusal`` that tells the resident, in plain words,
why they cannot take part and what to do instead. A valid participation code stands for the
checks the town made when handing it out (age, residence), so the profile-based policies let
it through.
"""

from dataclasses import dataclass, field

from django.conf import settings as django_settings
from django.shortcuts import resolve_url
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.http import urlencode
from django.utils.module_loading import import_string
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from .codes import CodeError, check_code
from .conf import settings
from .models import CodeUse
from .profiles import profile_for


@dataclass(frozen=True)
class Refusal:
    reason: str
    action_label: str = ""
    action_url: str = ""
    code: str = ""


@dataclass
class Participant:
    """Who is asking: a user (perhaps anonymous) and perhaps a participation code."""

    user: object = None
    code_text: str = ""
    page: object = None
    now: object = None

    @cached_property
    def profile(self):
        return profile_for(self.user)

    @property
    def is_signed_in(self):
        return self.user is not None and self.user.is_authenticated

    @cached_property
    def code_check(self):
        """(code, None) for a usable code, (None, CodeError) for a bad one, (None, None)."""
        accepts_codes = (
            getattr(self.page, "participation_codes", CodeUse.ACCOUNTS_ONLY)
            != CodeUse.ACCOUNTS_ONLY
        )
        if not self.code_text or not accepts_codes:
            return None, None
        try:
            return check_code(self.code_text, page=self.page, now=self.now), None
        except CodeError as error:
            return None, error

    @property
    def code(self):
        return self.code_check[0]

    @property
    def code_error(self):
        return self.code_check[1]


@dataclass
class Decision:
    participant: Participant
    refusals: list = field(default_factory=list)

    @property
    def allowed(self):
        return not self.refusals

    def __bool__(self):
        return self.allowed


def account_url(name, next_url=""):
    """A page of the package's account views, or the site's LOGIN_URL for sites without them."""
    try:
        url = reverse(f"participation_accounts:{name}")
    except NoReverseMatch:
        if name not in ("login", "signup"):
            return ""
        url = resolve_url(django_settings.LOGIN_URL)
    if next_url:
        url = f"{url}?{urlencode({'next': next_url})}"
    return url


def page_url(page):
    return page.url if page is not None and page.url else ""


class EligibilityPolicy:
    """Subclass and name the class in ELIGIBILITY_POLICIES to add a rule."""

    def refusal(self, participant, page, now):
        raise NotImplementedError


class AccountOrCodePolicy(EligibilityPolicy):
    """An account, a participation code, or either, as the process chooses."""

    def refusal(self, participant, page, now):
        codes = getattr(page, "participation_codes", CodeUse.ACCOUNTS_ONLY)
        if participant.code_error is not None and codes != CodeUse.ACCOUNTS_ONLY:
            return Refusal(
                participant.code_error.message,
                _("Check the code and try again"),
                "",
                f"code_{participant.code_error.code}",
            )
        if codes == CodeUse.CODE_REQUIRED:
            if participant.code is None:
                return Refusal(
                    _(
                        "This process asks for a participation code. The town hands them out "
                        "on paper, for example at school or at the town hall."
                    ),
                    _("Enter your participation code"),
                    "",
                    "code_required",
                )
            return None
        if participant.is_signed_in:
            return None
        if codes == CodeUse.ACCOUNT_OR_CODE and participant.code is not None:
            return None
        login = account_url("login", page_url(page))
        if codes == CodeUse.ACCOUNT_OR_CODE:
            return Refusal(
                _("Sign in, or enter a participation code, to take part."),
                _("Sign in"),
                login,
                "sign_in_or_code",
            )
        return Refusal(_("Sign in to take part."), _("Sign in"), login, "sign_in")


class ProfileBasedPolicy(EligibilityPolicy):
    """A rule checked on the profile of a signed-in resident who has no code."""

    def refusal(self, participant, page, now):
        if participant.code is not None or not participant.is_signed_in:
            return None
        return self.profile_refusal(participant.profile, page, now)

    def profile_refusal(self, profile, page, now):
        raise NotImplementedError

    def complete_profile(self, reason, code):
        return Refusal(reason, _("Complete my profile"), account_url("profile"), code)


class CompleteProfilePolicy(ProfileBasedPolicy):
    def profile_refusal(self, profile, page, now):
        if profile.is_complete:
            return None
        return self.complete_profile(
            _("Choose a public name and accept the participation terms in your profile first."),
            "incomplete_profile",
        )


class MinimumAgePolicy(ProfileBasedPolicy):
    def profile_refusal(self, profile, page, now):
        minimum = getattr(page, "minimum_age", None)
        if not minimum:
            return None
        year = timezone.localtime(now).year
        age = profile.age_in_year(year)
        if age is None:
            return self.complete_profile(
                format_lazy(
                    _(
                        "This process is open from age {age}. "
                        "Add your year of birth to your profile."
                    ),
                    age=minimum,
                ),
                "birth_year_missing",
            )
        if age < minimum:
            return Refusal(
                format_lazy(
                    _(
                        "This process is open to residents who turn {age} in {year} or earlier. "
                        "You can take part in processes from {first_year}."
                    ),
                    age=minimum,
                    year=year,
                    first_year=profile.birth_year + minimum,
                ),
                code="too_young",
            )
        return None


class ResidencePolicy(ProfileBasedPolicy):
    def profile_refusal(self, profile, page, now):
        if getattr(page, "residents_only", False) and not profile.lives_in_town:
            return self.complete_profile(
                _(
                    "This process is for residents of the town. If you live here, say so in "
                    "your profile."
                ),
                "not_resident",
            )
        if getattr(page, "neighbourhood_residents_only", False):
            allowed = list(page.neighbourhoods.all())
            if allowed and profile.neighbourhood_id not in {n.pk for n in allowed}:
                names = ", ".join(n.name for n in allowed)
                return self.complete_profile(
                    format_lazy(
                        _(
                            "This process is for residents of: {names}. If you live there, "
                            "choose your neighbourhood in your profile."
                        ),
                        names=names,
                    ),
                    "other_neighbourhood",
                )
        return None


def eligibility_policies():
    return [import_string(path)() for path in settings.ELIGIBILITY_POLICIES]


def check_eligibility(user, page, code="", now=None):
    """Ask every configured policy whether ``user`` (or the holder of ``code``) may take part."""
    now = now or timezone.now()
    participant = Participant(user=user, code_text=code, page=page, now=now)
    decision = Decision(participant)
    for policy in eligibility_policies():
        refusal = policy.refusal(participant, page, now)
        if refusal is not None:
            decision.refusals.append(refusal)
            if refusal.code.startswith(("sign_in", "code_")):
                break  # nothing else can be checked before the resident is identified
    return decision
