"""Forms of the resident accounts, and the e-mails they send."""

import functools
import logging
import re
import unicodedata

from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.base_user import BaseUserManager
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.core.mail import send_mail
from django.core.validators import MaxLengthValidator
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_tasks import task
from wagtail.models import Locale

from ..honeypot import HONEYPOT_FIELD, HoneypotFormMixin
from ..models import Neighbourhood
from ..profiles import ParticipantProfile
from ..reports import REASON_MAX_LENGTH

logger = logging.getLogger(__name__)

EMAIL_TEMPLATES = "wagtail_participation/accounts/email/"
MIN_BIRTH_YEAR = 1900
DISPLAY_NAME_TAKEN = _("Another participant already uses this public name.")
DISPLAY_NAME_HELP = ParticipantProfile._meta.get_field("display_name").help_text

# Characters that could hide or reorder what other residents read next to a public name.
_BIDI_CONTROLS = set("\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_EMAIL_LIKE = re.compile(r"\S+@\S+\.\S+")


# E-mails ---------------------------------------------------------------------------------------


@task()
def send_account_email(subject, body, recipients):
    """Send one plain-text accounts e-mail (run by the task backend, after the commit)."""
    send_mail(subject, body, None, recipients)


def render_email(template_prefix, context):
    """(subject, body) of ``email/<template_prefix>_subject.txt`` and ``_body.txt``."""
    subject = render_to_string(f"{EMAIL_TEMPLATES}{template_prefix}_subject.txt", context)
    body = render_to_string(f"{EMAIL_TEMPLATES}{template_prefix}_body.txt", context)
    # A subject must hold on one line.
    return " ".join(subject.split()), body


def queue_email(to, subject, body):
    """Send the e-mail once the current transaction commits (never for a rolled-back write).

    The text is rendered now, in the resident's language; the task only sends it.
    """
    transaction.on_commit(
        functools.partial(send_account_email.enqueue, subject, body, [to]), robust=True
    )


# Shared field rules ----------------------------------------------------------------------------


def user_model():
    return get_user_model()


def email_field_name():
    return user_model().get_email_field_name()


def normalise_display_name(value):
    """Unicode NFC and single spaces, so that look-alike names compare equal."""
    return " ".join(unicodedata.normalize("NFC", value or "").split())


def check_display_name(value, exclude_user=None):
    """Raise a ValidationError if ``value`` cannot be a public name; return it normalised."""
    value = normalise_display_name(value)
    if any(unicodedata.category(char) == "Cc" or char in _BIDI_CONTROLS for char in value):
        raise forms.ValidationError(
            _("Use letters, digits, spaces and punctuation only."), code="invalid_characters"
        )
    if _EMAIL_LIKE.search(value):
        raise forms.ValidationError(
            _("Do not use an e-mail address as your public name: everybody can read it."),
            code="email_like",
        )
    if display_name_taken(value, exclude_user=exclude_user):
        raise forms.ValidationError(DISPLAY_NAME_TAKEN, code="display_name_taken")
    return value


def display_name_taken(value, exclude_user=None):
    others = ParticipantProfile.objects.filter(display_name__iexact=value)
    if exclude_user is not None:
        others = others.exclude(user=exclude_user)
    return bool(value) and others.exists()


# Sign-up ---------------------------------------------------------------------------------------


class SignupForm(HoneypotFormMixin, forms.Form):
    email = forms.EmailField(
        label=_("E-mail"),
        help_text=_("We send a link to this address to confirm it. It is never shown publicly."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    display_name = forms.CharField(
        label=_("Public name"),
        max_length=ParticipantProfile._meta.get_field("display_name").max_length,
        help_text=DISPLAY_NAME_HELP,
        widget=forms.TextInput(attrs={"autocomplete": "nickname"}),
    )
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        help_text=_("Type the same password, to be sure of it."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    accept_terms = forms.BooleanField(
        label=_("I accept the participation terms"),
        error_messages={"required": _("Accept the participation terms to create an account.")},
    )

    field_order = [
        "email",
        "display_name",
        "password1",
        "password2",
        "accept_terms",
        HONEYPOT_FIELD,
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        help_texts = password_validation.password_validators_help_texts()
        if help_texts:
            self.fields["password1"].help_text = " ".join(str(text) for text in help_texts)
        # The user name is made from the address: it must fit in the user name column.
        User = user_model()
        if User.USERNAME_FIELD != User.get_email_field_name():
            max_length = User._meta.get_field(User.USERNAME_FIELD).max_length
            if max_length and max_length < self.fields["email"].max_length:
                email_field = self.fields["email"]
                email_field.max_length = max_length
                email_field.validators.append(MaxLengthValidator(max_length))
                email_field.widget.attrs["maxlength"] = str(max_length)

    def clean_email(self):
        return BaseUserManager.normalize_email(self.cleaned_data["email"])

    def clean_display_name(self):
        return check_display_name(self.cleaned_data["display_name"])

    def clean_password2(self):
        password1 = self.cleaned_data.get("password1")
        password2 = self.cleaned_data.get("password2")
        if password1 and password2 and password1 != password2:
            raise forms.ValidationError(
                _("The two passwords differ. Type the same password twice."),
                code="password_mismatch",
            )
        return password2

    def clean(self):
        cleaned_data = super().clean()
        password = cleaned_data.get("password1")
        if password and "password2" in cleaned_data:
            try:
                password_validation.validate_password(password, self.unsaved_user())
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned_data

    def username_value(self):
        return self.cleaned_data.get("email", "").lower()

    def unsaved_user(self):
        """The account as it would be created, for the password similarity check."""
        User = user_model()
        values = {User.USERNAME_FIELD: self.username_value()}
        values[User.get_email_field_name()] = self.cleaned_data.get("email", "")
        return User(**values)

    def create_user(self):
        """Create the inactive account and its profile. Call inside ``transaction.atomic()``."""
        User = user_model()
        values = {User.USERNAME_FIELD: self.username_value()}
        values[User.get_email_field_name()] = self.cleaned_data["email"]
        user = User._default_manager.create_user(
            **values, password=self.cleaned_data["password1"], is_active=False
        )
        profile = ParticipantProfile(user=user, display_name=self.cleaned_data["display_name"])
        profile.accept_terms()
        profile.save()
        return user


# Log-in and password reset ---------------------------------------------------------------------


def username_is_email():
    """True when residents sign in with their e-mail address (the accounts this app creates)."""
    User = user_model()
    return User.USERNAME_FIELD in ("username", User.get_email_field_name())


class LoginForm(AuthenticationForm):
    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        username = self.fields["username"]
        # Django focuses the field on load: keyboard users would miss the skip link, and a form
        # with errors would have two autofocus elements (the error summary takes the focus).
        username.widget.attrs.pop("autofocus", None)
        if username_is_email():
            # Accounts made by sign-up use their address; older or staff accounts a user name.
            username.label = _("E-mail or user name")
            username.widget.attrs["autocomplete"] = "username"
        self.fields["password"].label = _("Password")

    def clean_username(self):
        """Accept the address in any case: the account stores it lower-cased."""
        value = self.cleaned_data.get("username", "")
        User = user_model()
        if "@" in value:
            matches = list(
                User._default_manager.filter(
                    **{f"{User.USERNAME_FIELD}__iexact": value}
                ).values_list(User.USERNAME_FIELD, flat=True)[:2]
            )
            if len(matches) == 1:
                return matches[0]
            email_field = User.get_email_field_name()
            by_email = list(
                User._default_manager.filter(**{f"{email_field}__iexact": value}).values_list(
                    User.USERNAME_FIELD, flat=True
                )[:2]
            )
            if len(by_email) == 1:
                return by_email[0]
        return value

    def get_invalid_login_error(self):
        if username_is_email():
            message = _(
                "This e-mail address (or user name) and password do not match an account. "
                "Check both, or reset your password."
            )
        else:
            message = _(
                "This user name and password do not match an account. Check both, or reset "
                "your password."
            )
        return forms.ValidationError(message, code="invalid_login")


class ResetPasswordForm(PasswordResetForm):
    """Django's form (same answer whether or not the address is known); mails after commit."""

    email = forms.EmailField(
        label=_("E-mail"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        subject = " ".join(render_to_string(subject_template_name, context).split())
        body = render_to_string(email_template_name, context)
        queue_email(to_email, subject, body)


# Profile ---------------------------------------------------------------------------------------


class ProfileForm(forms.ModelForm):
    birth_year = forms.CharField(
        label=_("Year of birth"),
        required=False,
        help_text=ParticipantProfile._meta.get_field("birth_year").help_text,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "bday-year", "size": "4"}
        ),
    )
    accept_terms = forms.BooleanField(label=_("I accept the participation terms"), required=False)

    class Meta:
        model = ParticipantProfile
        fields = [
            "display_name",
            "neighbourhood",
            "lives_in_town",
            "birth_year",
            "email_on_replies",
            "email_on_updates",
            "email_on_results",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        display_name = self.fields["display_name"]
        display_name.required = True
        display_name.label = _("Public name")
        display_name.widget.attrs["autocomplete"] = "nickname"
        neighbourhood = self.fields["neighbourhood"]
        neighbourhood.label = _("Neighbourhood where you live")
        neighbourhood.empty_label = _("I'd rather not say")
        queryset = Neighbourhood.objects.filter(locale=Locale.get_active())
        if self.instance.neighbourhood_id:
            # Keep the choice made in another language of the site.
            queryset = queryset | Neighbourhood.objects.filter(pk=self.instance.neighbourhood_id)
        neighbourhood.queryset = queryset.order_by("name")
        if self.instance.has_accepted_terms:
            del self.fields["accept_terms"]

    @property
    def max_birth_year(self):
        return timezone.localdate().year

    def clean_display_name(self):
        return check_display_name(self.cleaned_data["display_name"], self.instance.user)

    def clean_birth_year(self):
        value = (self.cleaned_data.get("birth_year") or "").strip()
        if not value:
            return None
        message = gettext("Enter a year between %(first)s and %(last)s, such as 1984.") % {
            "first": MIN_BIRTH_YEAR,
            "last": self.max_birth_year,
        }
        if not value.isdigit():
            raise forms.ValidationError(message, code="invalid_year")
        year = int(value)
        if not MIN_BIRTH_YEAR <= year <= self.max_birth_year:
            raise forms.ValidationError(message, code="year_out_of_range")
        return year

    def save(self, commit=True):
        if self.cleaned_data.get("accept_terms") and not self.instance.has_accepted_terms:
            self.instance.accept_terms()
        return super().save(commit=commit)


# Reports ---------------------------------------------------------------------------------------


class ReportAccountForm(HoneypotFormMixin, forms.Form):
    reason = forms.CharField(
        label=_("Why do you report this account?"),
        max_length=REASON_MAX_LENGTH,
        help_text=_(
            "Tell the moderators what is wrong, where you saw it and when. At most 2000 "
            "characters. The person you report is not told who reported them."
        ),
        widget=forms.Textarea(attrs={"rows": 6}),
    )

    field_order = ["reason", HONEYPOT_FIELD]

    def __init__(self, *args, reporter, reported, **kwargs):
        super().__init__(*args, **kwargs)
        self.reporter = reporter
        self.reported = reported

    def clean(self):
        cleaned_data = super().clean()
        if self.reporter.pk == self.reported.pk:
            raise forms.ValidationError(
                _("You cannot report your own account."), code="self_report"
            )
        return cleaned_data
