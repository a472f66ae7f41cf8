"""The public pages of a petition right: the list, filing, a petition, signing, withdrawing a
signature and the public signatories.

Each view takes the ``PetitionIndexPage`` it is served from (see the routes on the page model).
Only public petitions (admissible and opened) are listed, counted or signed; a petition under
review or not admissible is shown to its filer and to staff who review petitions, and is a 404
for everybody else. Full names of signers are never shown: only the public names of signers
who chose to show them.
"""

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Prefetch, Q
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_http_methods, require_POST

from wagtail_participation.conf import settings
from wagtail_participation.eligibility import Refusal, account_url, check_eligibility
from wagtail_participation.forms import MAX_ID
from wagtail_participation.models import CodeUse, Neighbourhood
from wagtail_participation.profiles import profile_for
from wagtail_participation.ratelimit import ratelimit_post
from wagtail_participation.templating import page_url, sub_url
from wagtail_participation.templating import render_with_page as render

from . import signing
from .forms import PetitionFilterForm, PetitionForm, SignatureForm
from .models import (
    Petition,
    PetitionStatus,
    PetitionTheme,
    Review,
    Signature,
    SignatureChannel,
)

TEMPLATES = "wagtail_participation/petitions/"
LATEST_NAMES = 10
REVIEW_PERMISSION = "participation_petitions.change_petition"


# URLs, querysets and what a petition shows ----------------------------------------------------


def detail_url(page, pk, request=None):
    return sub_url(page, "petition_detail", pk, request=request)


def with_card_data(queryset):
    """What a card shows (status, themes, neighbourhood) in a constant number of queries."""
    # The app's clock, as ``Petition.status`` and ``accepts_signatures`` use, not the database's.
    return (
        queryset.with_status(timezone.now())
        .select_related("neighbourhood")
        .prefetch_related(
            Prefetch(
                "theme_items",
                queryset=PetitionTheme.objects.select_related("tag").order_by("tag__name"),
            )
        )
    )


def public_name(user):
    """The public name a signer chose in their profile; never their full name."""
    profile = profile_for(user)
    return profile.public_name if profile is not None else _("Participant")


def signatures_text(count, threshold):
    values = {"count": number_format(count, force_grouping=True)}
    if threshold:
        values["threshold"] = number_format(threshold, force_grouping=True)
        return (
            ngettext(
                "%(count)s signature of %(threshold)s",
                "%(count)s signatures of %(threshold)s",
                count,
            )
            % values
        )
    return ngettext("%(count)s signature", "%(count)s signatures", count) % values


def decorate(petitions, page, request):
    """Add the status label, theme list, progress sentence and link, without queries."""
    base = page_url(page, request)
    for petition in petitions:
        status = getattr(petition, "current_status", None) or petition.status
        petition.status_value = status
        petition.status_label = PetitionStatus(status).label
        petition.theme_list = [item.tag for item in petition.theme_items.all()]
        petition.progress_value = min(petition.signature_count, petition.threshold or 0)
        petition.progress_text = signatures_text(petition.signature_count, petition.threshold)
        petition.is_open = status == PetitionStatus.OPEN
        petition.url = base + page.reverse_subpage("petition_detail", args=[petition.pk])
    return petitions


def may_review(user):
    return user.is_authenticated and user.has_perm(REVIEW_PERMISSION)


def visible_petition_or_404(request, page, pk):
    """A public petition, or one under review / not admissible for its filer and reviewers."""
    if page.pk is None or not 0 < pk <= MAX_ID:
        raise Http404
    petition = get_object_or_404(with_card_data(page.petitions.all()), pk=pk)
    if petition.is_public:
        return petition
    user = request.user
    is_filer = user.is_authenticated and petition.filer_id == user.pk
    if is_filer or may_review(user):
        return petition
    raise Http404


def public_petition_or_404(page, pk):
    if page.pk is None or not 0 < pk <= MAX_ID:
        raise Http404
    return get_object_or_404(page.public_petitions().select_related("page"), pk=pk)


def codes_accepted(page):
    return page.participation_codes != CodeUse.ACCOUNTS_ONLY


# Refusals ------------------------------------------------------------------------------------


def refusals_for(request, page, next_url, ignore=()):
    """The eligibility refusals of the visitor (a sign-in link comes back to ``next_url``)."""
    decision = check_eligibility(request.user, page)
    refusals = []
    for refusal in decision.refusals:
        if refusal.code in ignore:
            continue
        if refusal.code.startswith("sign_in"):
            refusal = Refusal(
                refusal.reason,
                refusal.action_label,
                account_url("login", next_url),
                refusal.code,
            )
        refusals.append(refusal)
    return refusals


def refused(request, page, heading, refusals, status=403):
    return render(
        request,
        page,
        TEMPLATES + "petition_refused.html",
        {"heading": heading, "refusals": refusals, "page_url": page_url(page, request)},
        status=status,
    )


# List ----------------------------------------------------------------------------------------


def petition_list(request, page):
    public = page.public_petitions()
    themes = page.theme_tags() if page.pk else []
    neighbourhoods = (
        list(
            Neighbourhood.objects.filter(
                pk__in=public.order_by().values("neighbourhood_id")
            ).order_by("name")
        )
        if page.pk
        else []
    )
    filter_form = PetitionFilterForm(
        request.GET or None, themes=themes, neighbourhoods=neighbourhoods
    )
    filtered = filter_form.filter(with_card_data(public))
    paginator = Paginator(filtered, settings.PETITIONS_PAGE_SIZE)
    page_of_results = paginator.get_page(request.GET.get("page"))
    petitions = decorate(list(page_of_results.object_list), page, request)

    query_without_page = request.GET.copy()
    query_without_page.pop("page", None)
    filters_applied = filter_form.applied
    context = {
        "filter": {"form": filter_form},
        "filters_applied": filters_applied,
        "paginator": paginator,
        "page_of_results": page_of_results,
        "petitions": petitions,
        "query_without_page": query_without_page.urlencode(),
        "filing_open": page.filing_open(),
        "file_url": sub_url(page, "file_petition", request=request),
        "has_any_petition": bool(paginator.count) or (filters_applied and public.exists()),
        "codes_accepted": codes_accepted(page),
    }
    return render(request, page, page.get_template(request), context)


# Filing --------------------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
@csrf_protect
@ratelimit_post("petition_filing")
@never_cache
def file_petition(request, page):
    if page.pk is None or not page.filing_open():
        raise Http404
    here = sub_url(page, "file_petition", request=request)
    if not request.user.is_authenticated:
        return redirect_to_login(here)
    # Filing is always with an account: a page that asks for codes asks them of signers.
    refusals = refusals_for(request, page, here, ignore=("code_required",))
    if refusals:
        return refused(request, page, _("You cannot file a petition at the moment"), refusals)
    if request.method == "POST":
        form = PetitionForm(request.POST, page=page)
        if form.is_valid():
            data = form.cleaned_data
            profile = profile_for(request.user)
            with transaction.atomic():
                petition = Petition(
                    page=page,
                    title=data["title"],
                    text=data["text"],
                    filer=request.user,
                    filer_name=profile.public_name if profile else request.user.get_username(),
                    neighbourhood=data.get("neighbourhood"),
                    review=Review.PENDING,
                )
                if not page.review_before_opening:
                    petition.open_now()
                petition.save()
                if data.get("themes"):
                    petition.themes.set(list(data["themes"]))
                from .notifications import notify_petition_filed

                notify_petition_filed(petition)
            if page.review_before_opening:
                messages.success(
                    request,
                    _(
                        "Thank you! Your petition is filed. The town reviews it before it is "
                        "published: you will receive its decision, with the reason, by e-mail."
                    ),
                )
            else:
                messages.success(
                    request, _("Thank you! Your petition is published and open for signatures.")
                )
            return HttpResponseRedirect(detail_url(page, petition.pk, request))
        status = 400
    else:
        form = PetitionForm(page=page)
        status = 200
    return render(
        request,
        page,
        TEMPLATES + "file_petition.html",
        {"form": form, "list_url": page_url(page, request)},
        status=status,
    )


# Detail --------------------------------------------------------------------------------------


def latest_public_names(petition, limit=LATEST_NAMES):
    signatures = (
        Signature.objects.filter(petition=petition, show_name=True, user__isnull=False)
        .select_related("user__participant_profile")
        .order_by("-created_at", "-pk")[:limit]
    )
    return [public_name(signature.user) for signature in signatures]


def render_detail(request, page, petition, sign_form=None, status=200):
    decorate([petition], page, request)
    here = detail_url(page, petition.pk, request)
    user = request.user
    signed_in = user.is_authenticated
    own_signature = signing.signature_of(petition, user) if petition.is_public else None
    accepts = petition.accepts_signatures()
    refusals = []
    show_form = False
    sign_in_to_sign = False
    if own_signature is None and accepts:
        if signed_in:
            ignore = ("code_required",) if codes_accepted(page) else ()
            refusals = refusals_for(request, page, here, ignore=ignore)
            # A code stands for the checks on the profile: where codes are accepted, the form
            # stays, with the refusals said in advance.
            show_form = not refusals or codes_accepted(page)
        elif codes_accepted(page):
            show_form = True
        else:
            sign_in_to_sign = True
        if show_form and sign_form is None:
            sign_form = SignatureForm(page=page, user=user, profile=profile_for(user))
    meetings = [
        {"title": meeting.title, "url": meeting.get_url(request)}
        for meeting in petition.meetings.filter(live=True).order_by("title")
    ]
    context = {
        "petition": petition,
        "is_filer": signed_in and petition.filer_id == user.pk,
        "own_signature": own_signature,
        "accepts_signatures": accepts,
        "accepts_withdrawals": petition.accepts_withdrawals(),
        "sign_form": sign_form if (show_form or sign_form is not None) else None,
        "sign_in_to_sign": sign_in_to_sign,
        "refusals": refusals,
        "login_url": account_url("login", here),
        "public_names": latest_public_names(petition) if petition.is_public else [],
        "meetings": meetings,
        "detail_url": here,
        "list_url": page_url(page, request),
        "sign_url": sub_url(page, "sign", petition.pk, request=request),
        "withdraw_url": sub_url(page, "withdraw", petition.pk, request=request),
        "signatories_url": sub_url(page, "signatories", petition.pk, request=request),
        "missing_text": ngettext(
            "%(count)s signature still missing.",
            "%(count)s signatures still missing.",
            petition.signatures_missing,
        )
        % {"count": number_format(petition.signatures_missing, force_grouping=True)},
    }
    return render(request, page, TEMPLATES + "petition_detail.html", context, status=status)


def petition_detail(request, page, pk):
    petition = visible_petition_or_404(request, page, pk)
    return render_detail(request, page, petition)


# Signing -------------------------------------------------------------------------------------


@require_POST
@csrf_protect
@ratelimit_post("signature")
def sign(request, page, pk):
    petition = public_petition_or_404(page, pk)
    here = detail_url(page, petition.pk, request)
    user = request.user
    if not user.is_authenticated and not (codes_accepted(page) and request.POST.get("code")):
        return redirect_to_login(here)
    if not petition.accepts_signatures():
        messages.error(request, signing.closed_message(petition))
        return HttpResponseRedirect(here)
    profile = profile_for(user)
    form = SignatureForm(request.POST, page=page, user=user, profile=profile)
    if not form.is_valid():
        return render_detail(request, page, reload(petition), sign_form=form, status=400)
    data = form.cleaned_data
    try:
        signing.sign(
            petition,
            user=user,
            code_text=data.get("code", ""),
            full_name=data["full_name"],
            birth_year=data.get("birth_year"),
            show_name=data.get("show_name", False),
        )
    except signing.SignatureRefused as refusal:
        if refusal.code == "already_signed":
            messages.info(request, " ".join(refusal.messages))
            return HttpResponseRedirect(here)
        for message in refusal.messages:
            form.add_error(None, message)
        return render_detail(request, page, reload(petition), sign_form=form, status=400)
    messages.success(request, _("Your signature is counted."))
    return HttpResponseRedirect(here)


def reload(petition):
    return with_card_data(Petition.objects.filter(pk=petition.pk)).get()


@require_POST
@csrf_protect
@ratelimit_post("signature")
def withdraw(request, page, pk):
    petition = public_petition_or_404(page, pk)
    here = detail_url(page, petition.pk, request)
    if not request.user.is_authenticated:
        return redirect_to_login(here)
    try:
        signing.withdraw(petition, request.user)
    except signing.SignatureRefused as refusal:
        for message in refusal.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Your signature is withdrawn."))
    return HttpResponseRedirect(here)


# Signatories ---------------------------------------------------------------------------------


def signatories(request, page, pk):
    if not 0 < pk <= MAX_ID:
        raise Http404
    petition = get_object_or_404(with_card_data(page.public_petitions()), pk=pk)
    named = Q(show_name=True, user__isnull=False)
    unnamed = ~named
    counts = Signature.objects.filter(petition=petition).aggregate(
        total=Count("pk"),
        named=Count("pk", filter=named),
        unnamed=Count("pk", filter=unnamed),
        unnamed_online=Count("pk", filter=unnamed & Q(channel=SignatureChannel.ONLINE)),
        unnamed_code=Count("pk", filter=unnamed & Q(channel=SignatureChannel.CODE)),
        unnamed_paper=Count("pk", filter=unnamed & Q(channel=SignatureChannel.PAPER)),
    )
    shown = (
        Signature.objects.filter(petition=petition)
        .filter(named)
        .select_related("user__participant_profile")
        .order_by("-created_at", "-pk")
    )
    paginator = Paginator(shown, settings.PETITIONS_PAGE_SIZE)
    page_of_results = paginator.get_page(request.GET.get("page"))
    names = [
        {"name": public_name(signature.user), "signed_at": signature.created_at}
        for signature in page_of_results.object_list
    ]
    decorate([petition], page, request)
    return render(
        request,
        page,
        TEMPLATES + "signatories.html",
        {
            "petition": petition,
            "names": names,
            "counts": counts,
            "paginator": paginator,
            "page_of_results": page_of_results,
            "query_without_page": "",
            "detail_url": detail_url(page, petition.pk, request),
            "list_url": page_url(page, request),
        },
    )
