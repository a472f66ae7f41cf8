"""Resident accounts: sign-up with e-mail confirmation, log-in and out, password reset, the
profile page, and reporting an abusive account.

Answers never tell whether an address has an account: sign-up and password reset show the same
page and send an e-mail only to the address concerned.
"""

from django.conf import global_settings
from django.conf import settings as django_settings
from django.contrib import messages
from django.contrib.auth import get_user_model, login, password_validation
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, resolve_url
from django.urls import reverse, reverse_lazy
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from wagtail.models import Site

from .. import templating
from ..conf import settings
from ..profiles import ParticipantProfile, profile_for
from ..ratelimit import ratelimit_post
from ..reports import AccountReport
from .forms import (
    DISPLAY_NAME_TAKEN,
    EMAIL_TEMPLATES,
    LoginForm,
    ProfileForm,
    ReportAccountForm,
    ResetPasswordForm,
    SignupForm,
    display_name_taken,
    queue_email,
    render_email,
)
from .tokens import email_confirmation_token

TEMPLATES = "wagtail_participation/accounts/"
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


# Helpers ---------------------------------------------------------------------------------------


def render_page(request, name, context=None, status=200):
    return templating.render_page(request, TEMPLATES + name, context, status)


class ParticipationPageMixin:
    """For class-based views: add the package's page context."""

    def get_context_data(self, **kwargs):
        return templating.page_context(**super().get_context_data(**kwargs))


def site_name_for(request):
    site = Site.find_for_request(request)
    return (
        (site.site_name if site else "")
        or getattr(django_settings, "WAGTAIL_SITE_NAME", "")
        or request.get_host()
    )


def link_validity():
    """How long e-mailed links work, in words ("3 days")."""
    seconds = django_settings.PASSWORD_RESET_TIMEOUT
    if seconds >= 86400:
        days = seconds // 86400
        return ngettext("%(count)d day", "%(count)d days", days) % {"count": days}
    hours = max(1, seconds // 3600)
    return ngettext("%(count)d hour", "%(count)d hours", hours) % {"count": hours}


def user_email(user):
    return getattr(user, user.get_email_field_name())


def login_backend():
    backends = django_settings.AUTHENTICATION_BACKENDS
    return MODEL_BACKEND if MODEL_BACKEND in backends else backends[0]


# Sign-up ---------------------------------------------------------------------------------------


def find_account(email, username):
    """The account that already uses this address (or the user name made from it), if any."""
    User = get_user_model()
    matches = Q(**{f"{User.get_email_field_name()}__iexact": email}) | Q(
        **{f"{User.USERNAME_FIELD}__iexact": username}
    )
    return User._default_manager.filter(matches).order_by("pk").first()


def awaiting_confirmation(user):
    """An account created by sign-up whose address was never confirmed."""
    if user.is_active or user.last_login is not None:
        return False
    profile = ParticipantProfile.objects.filter(user=user).first()
    return profile is not None and profile.anonymised_at is None


def send_confirmation(request, user):
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = email_confirmation_token.make_token(user)
    path = reverse("participation_accounts:confirm_email", args=[uid, token])
    subject, body = render_email(
        "confirm",
        {
            "confirm_url": request.build_absolute_uri(path),
            "site_name": site_name_for(request),
            "valid_for": link_validity(),
        },
    )
    queue_email(user_email(user), subject, body)


def send_already_registered(request, user):
    subject, body = render_email(
        "already_registered",
        {
            "login_url": request.build_absolute_uri(reverse("participation_accounts:login")),
            "password_reset_url": request.build_absolute_uri(
                reverse("participation_accounts:password_reset")
            ),
            "site_name": site_name_for(request),
        },
    )
    queue_email(user_email(user), subject, body)


def tell_existing_account(request, user):
    """Someone signed up with an address that has an account: tell its owner, nobody else.

    An account still waiting for its confirmation gets a fresh confirmation link instead (the
    first e-mail may have been lost); its password and public name stay as first chosen.
    """
    if awaiting_confirmation(user):
        send_confirmation(request, user)
    else:
        send_already_registered(request, user)


def register(request, form):
    """Create the account, or tell the existing one. Call inside ``transaction.atomic()``.

    Return False when the form got an error (nothing was written).
    """
    existing = find_account(form.cleaned_data["email"], form.username_value())
    if existing is None:
        try:
            with transaction.atomic():
                user = form.create_user()
        except IntegrityError:
            # Another sign-up won a race: the constraints kept the data whole.
            if display_name_taken(form.cleaned_data["display_name"]):
                form.add_error("display_name", DISPLAY_NAME_TAKEN)
                return False
            existing = find_account(form.cleaned_data["email"], form.username_value())
            if existing is None:
                raise
        else:
            send_confirmation(request, user)
            return True
    tell_existing_account(request, existing)
    return True


@sensitive_post_parameters("password1", "password2")
@ratelimit_post("signup")
@csrf_protect
@never_cache
def signup_view(request):
    if request.user.is_authenticated:
        return redirect("participation_accounts:profile")
    if request.method == "POST":
        form = SignupForm(request.POST)
        if form.is_valid():
            with transaction.atomic():
                registered = register(request, form)
            if registered:
                return redirect("participation_accounts:signup_done")
    else:
        form = SignupForm()
    return render_page(request, "signup.html", {"form": form, "terms_url": settings.TERMS_URL})


def signup_done_view(request):
    return render_page(request, "signup_done.html")


# E-mail confirmation ---------------------------------------------------------------------------


def user_from_uid(uidb64):
    User = get_user_model()
    try:
        pk = urlsafe_base64_decode(uidb64).decode()
        return User._default_manager.get(pk=pk)
    except (TypeError, ValueError, OverflowError, ValidationError, User.DoesNotExist):
        return None


def confirmation_is_valid(user, token):
    return (
        user is not None
        and not user.is_active
        and awaiting_confirmation(user)
        and email_confirmation_token.check_token(user, token)
    )


def without_referrer(response):
    """The page's address holds a token: keep it out of Referer headers sent to other sites.

    Not "no-referrer": browsers then post the page's form with "Origin: null", which Django's
    CSRF check refuses, and nobody could confirm an address.
    """
    response["Referrer-Policy"] = "same-origin"
    return response


@csrf_protect
@never_cache
def confirm_email_view(request, uidb64, token):
    """GET shows a button; its POST activates the account and signs the resident in.

    Activation is a write, so it waits for a POST: link checkers of mail providers, which open
    links with GET, cannot use up the link.
    """
    user = user_from_uid(uidb64)
    if request.method == "POST":
        with transaction.atomic():
            if user is not None:
                user = get_user_model()._default_manager.select_for_update().get(pk=user.pk)
            if not confirmation_is_valid(user, token):
                return without_referrer(
                    render_page(request, "confirm_email_invalid.html", status=400)
                )
            user.is_active = True
            user.save(update_fields=["is_active"])
            login(request, user, backend=login_backend())
        messages.success(request, _("Your e-mail address is confirmed and you are signed in."))
        return redirect("participation_accounts:profile")
    if not confirmation_is_valid(user, token):
        return without_referrer(render_page(request, "confirm_email_invalid.html", status=400))
    return without_referrer(render_page(request, "confirm_email.html"))


# Log-in, log-out -------------------------------------------------------------------------------


class LoginView(ParticipationPageMixin, auth_views.LoginView):
    template_name = TEMPLATES + "login.html"
    authentication_form = LoginForm

    def get_default_redirect_url(self):
        if self.next_page:
            return resolve_url(self.next_page)
        if django_settings.LOGIN_REDIRECT_URL != global_settings.LOGIN_REDIRECT_URL:
            return resolve_url(django_settings.LOGIN_REDIRECT_URL)
        return reverse("participation_accounts:profile")


class LogoutView(ParticipationPageMixin, auth_views.LogoutView):
    """POST signs out. GET only shows a "Sign out" button, so that a plain link can lead here."""

    http_method_names = ["get", "post", "options"]
    template_name = TEMPLATES + "logout.html"

    def get_default_redirect_url(self):
        return resolve_url(django_settings.LOGOUT_REDIRECT_URL or "/")


login_view = ratelimit_post("login")(LoginView.as_view())
logout_view = LogoutView.as_view()


# Password reset (Django's views: the same answer whether or not the address has an account) ---


class PasswordResetView(ParticipationPageMixin, auth_views.PasswordResetView):
    template_name = TEMPLATES + "password_reset_form.html"
    form_class = ResetPasswordForm
    subject_template_name = EMAIL_TEMPLATES + "password_reset_subject.txt"
    email_template_name = EMAIL_TEMPLATES + "password_reset_body.txt"
    success_url = reverse_lazy("participation_accounts:password_reset_done")

    def form_valid(self, form):
        self.extra_email_context = {
            "site_name": site_name_for(self.request),
            "valid_for": link_validity(),
        }
        return super().form_valid(form)


class PasswordResetDoneView(ParticipationPageMixin, auth_views.PasswordResetDoneView):
    template_name = TEMPLATES + "password_reset_done.html"


class PasswordResetConfirmView(ParticipationPageMixin, auth_views.PasswordResetConfirmView):
    template_name = TEMPLATES + "password_reset_confirm.html"
    success_url = reverse_lazy("participation_accounts:password_reset_complete")

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        form.fields["new_password1"].label = _("New password")
        # Plain text: the page escapes help texts (Django's default is an HTML list).
        form.fields["new_password1"].help_text = " ".join(
            str(text) for text in password_validation.password_validators_help_texts()
        )
        form.fields["new_password2"].label = _("New password again")
        return form


class PasswordResetCompleteView(ParticipationPageMixin, auth_views.PasswordResetCompleteView):
    template_name = TEMPLATES + "password_reset_complete.html"


password_reset_view = ratelimit_post("password_reset")(PasswordResetView.as_view())
password_reset_done_view = PasswordResetDoneView.as_view()
password_reset_confirm_view = PasswordResetConfirmView.as_view()
password_reset_complete_view = PasswordResetCompleteView.as_view()


# Profile ---------------------------------------------------------------------------------------


@login_required
@csrf_protect
@never_cache
def profile_view(request):
    profile = profile_for(request.user)
    public_name = profile.public_name
    if request.method == "POST":
        with transaction.atomic():
            profile = ParticipantProfile.objects.select_for_update().get(pk=profile.pk)
            form = ProfileForm(request.POST, instance=profile)
            saved = False
            if form.is_valid():
                try:
                    with transaction.atomic():
                        form.save()
                    saved = True
                except IntegrityError:
                    # The unique public name constraint: another resident took it meanwhile.
                    form.add_error("display_name", DISPLAY_NAME_TAKEN)
        if saved:
            messages.success(request, _("Your profile is saved."))
            return redirect("participation_accounts:profile")
    else:
        form = ProfileForm(instance=profile)
    return render_page(
        request,
        "profile.html",
        {
            "form": form,
            "public_name": public_name,
            "account_email": user_email(request.user),
            "terms_url": settings.TERMS_URL,
        },
    )


# Reports ---------------------------------------------------------------------------------------


@login_required
@ratelimit_post("report")
@csrf_protect
@never_cache
def report_account_view(request, public_id):
    reported = get_object_or_404(
        ParticipantProfile.objects.select_related("user"),
        public_id=public_id,
        anonymised_at__isnull=True,
    )
    form_kwargs = {"reporter": request.user, "reported": reported.user}
    if request.method == "POST":
        form = ReportAccountForm(request.POST, **form_kwargs)
        if form.is_valid():
            with transaction.atomic():
                AccountReport.objects.create(
                    reported=reported.user,
                    reporter=request.user,
                    reason=form.cleaned_data["reason"],
                )
            return redirect("participation_accounts:report_done")
    else:
        form = ReportAccountForm(**form_kwargs)
    return render_page(
        request,
        "report_account.html",
        {
            "form": form,
            "reported_name": reported.public_name,
            "is_self": reported.user_id == request.user.pk,
        },
    )


def report_done_view(request):
    return render_page(request, "report_done.html")


@login_required
@never_cache
def my_participation_view(request):
    """Everything the signed-in resident did, across processes, with what became of it."""
    from ..outcomes import participation_of

    processes = {}
    for item in participation_of(request.user):  # newest first
        key = (item.process_title, item.process_url)
        processes.setdefault(key, {"title": key[0], "url": key[1], "items": []})
        processes[key]["items"].append(item)
    return render_page(request, "my_participation.html", {"processes": list(processes.values())})
