"""Residents' privacy: download my data, delete my account.

Both ask for the password again. "Download my data" then hands out a one-time link, valid a
few minutes, for this account in this browser session only: the token is signed (so it cannot
be forged) and its nonce is marked used in the shared cache (so it works once, across servers).
"""

import json
import secrets
from datetime import timedelta

from django import forms
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.cache import cache
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods

from ..conf import settings
from ..privacy import anonymise_user, export_personal_data, has_admin_access
from ..ratelimit import ratelimit_post
from ..templating import render_page

TEMPLATE_DIR = "wagtail_participation/accounts/privacy"
TOKEN_SALT = "wagtail_participation.accounts.data_export"
SESSION_HASH_SALT = "wagtail_participation.accounts.data_export.session"
NONCE_CACHE_KEY = "participation:data-export:{nonce}"


class PasswordConfirmationForm(forms.Form):
    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, user, *args, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(
                _("This is not your current password. Please try again."),
                code="password_incorrect",
            )
        return password


class DeleteAccountForm(PasswordConfirmationForm):
    confirm = forms.BooleanField(
        label=_("I understand that my account will be deleted and that this cannot be undone."),
        required=True,
        error_messages={
            "required": _("Tick this box to confirm that you want to delete your account.")
        },
    )


def _render(request, template, context=None, status=200):
    return render_page(request, f"{TEMPLATE_DIR}/{template}", context, status)


def _link_max_age():
    return timedelta(minutes=settings.DATA_EXPORT_LINK_MINUTES)


def _session_hash(session_key):
    return salted_hmac(SESSION_HASH_SALT, session_key or "").hexdigest()


def _signer():
    return signing.TimestampSigner(salt=TOKEN_SALT)


def make_data_export_token(request):
    """A signed, one-time token for the signed-in user in this session."""
    if not request.session.session_key:
        request.session.save()
    return _signer().sign_object(
        {
            "u": str(request.user.pk),
            "s": _session_hash(request.session.session_key),
            "n": secrets.token_urlsafe(18),
        }
    )


@sensitive_post_parameters("password")
@never_cache
@login_required
@require_http_methods(["GET", "POST"])
@ratelimit_post("data_export")
def data_export_view(request):
    if request.method == "POST":
        form = PasswordConfirmationForm(request.user, request.POST)
        if form.is_valid():
            token = make_data_export_token(request)
            return redirect("participation_accounts:data_export_download", token=token)
    else:
        form = PasswordConfirmationForm(request.user)
    return _render(
        request,
        "data_export.html",
        {"form": form, "link_minutes": settings.DATA_EXPORT_LINK_MINUTES},
    )


def _refused(request, status, reason):
    response = _render(
        request,
        "data_export_refused.html",
        {"reason": reason, "data_export_url": reverse("participation_accounts:data_export")},
        status=status,
    )
    response["Referrer-Policy"] = "no-referrer"
    return response


EXPIRED_OR_USED = _(
    "This download link has expired or was already used. Ask for a new one from your profile."
)
NOT_YOURS = _(
    "This download link was made for another account or another browser session. "
    "Ask for a new one from your profile."
)


@never_cache
@login_required
@require_GET
def data_export_download_view(request, token):
    max_age = _link_max_age()
    try:
        payload = _signer().unsign_object(token, max_age=max_age)
    except signing.SignatureExpired:
        return _refused(request, 410, EXPIRED_OR_USED)
    except (signing.BadSignature, ValueError):
        return _refused(request, 403, EXPIRED_OR_USED)
    if not isinstance(payload, dict) or not all(key in payload for key in ("u", "s", "n")):
        return _refused(request, 403, EXPIRED_OR_USED)
    if str(payload["u"]) != str(request.user.pk) or not constant_time_compare(
        str(payload["s"]), _session_hash(request.session.session_key)
    ):
        return _refused(request, 403, NOT_YOURS)
    # Last, so that a refused attempt does not spend the link. add() is atomic in the shared
    # cache: of two servers serving the same link at once, only one succeeds.
    timeout = int(max_age.total_seconds()) + 60
    if not cache.add(NONCE_CACHE_KEY.format(nonce=payload["n"]), 1, timeout):
        return _refused(request, 410, EXPIRED_OR_USED)

    now = timezone.now()
    data = export_personal_data(request.user, now=now)
    filename = f"my-participation-data-{timezone.localdate(now).isoformat()}.json"
    response = HttpResponse(
        json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
        content_type="application/json",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@sensitive_post_parameters("password")
@never_cache
@login_required
@require_http_methods(["GET", "POST"])
@ratelimit_post("delete_account")
def delete_account_view(request):
    user = request.user
    if has_admin_access(user):
        # An editor's account carries the site's history and permissions: an administrator
        # removes it from the Wagtail admin instead.
        return _render(request, "delete_account_staff.html", status=403)
    if request.method == "POST":
        form = DeleteAccountForm(user, request.POST)
        if form.is_valid():
            with transaction.atomic():
                anonymise_user(user)
            logout(request)
            return redirect("participation_accounts:account_deleted")
    else:
        form = DeleteAccountForm(user)
    return _render(request, "delete_account.html", {"form": form})


@require_GET
def account_deleted_view(request):
    return _render(request, "account_deleted.html")
