"""Petitions and consultative votes in the Wagtail admin.

- Petitions (``admin_screens.py`` declares the screen): listed with their status and count,
  filtered, searched, exported, inspected and edited with ``admin_forms.PetitionAdminForm``.
- Paper signatures of one petition: the counts per channel, the paper signatures entered
  (full names for staff only), a form that adds one through ``signing.add_paper_signature``
  and a delete button that calls ``signing.remove_signature``. Needs the model permissions
  ``add_signature`` / ``delete_signature`` and the right to edit the petition's page.
- Results of a consultative vote: turnout live, the tally once ``results_visible()``, and a
  CSV export of the tally.
"""

import csv

import django_filters
from django import forms
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from wagtail.admin import messages
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.panels import FieldPanel, MultiFieldPanel, ObjectList
from wagtail.admin.views import generic
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets.button import Button
from wagtail.log_actions import log

from wagtail_participation.exports import neutralise_formula
from wagtail_participation.forms import MAX_ID, IdChoiceField
from wagtail_participation.models import Neighbourhood
from wagtail_participation.staff import managed, managed_pages, may_manage

from . import signing
from .admin_forms import (
    PAPER_SIGNATURE_ACTION,
    SIGNATURE_REMOVED_ACTION,
    PetitionAdminForm,
    meetings_installed,
)
from .models import (
    ConsultativeVotePage,
    Petition,
    PetitionIndexPage,
    PetitionStatus,
    Signature,
    SignatureChannel,
)

TEMPLATES = "wagtail_participation/petitions/admin/"
APP = "participation_petitions"
NAMESPACE = "participation_petitions_admin"


# Petitions -------------------------------------------------------------------------------------


def petition_rights_for_filter(request):
    if request is None:
        return PetitionIndexPage.objects.none()
    return managed(PetitionIndexPage.objects.all(), request.user, "pk")


class IdChoiceFilter(django_filters.ModelChoiceFilter):
    field_class = IdChoiceField  # a number too large for the database is an invalid choice


class PetitionFilterSet(WagtailFilterSet):
    page = IdChoiceFilter(
        label=_("Petition right"),
        queryset=petition_rights_for_filter,
        empty_label=_("All petition rights"),
    )
    neighbourhood = IdChoiceFilter(
        label=_("Neighbourhood"),
        queryset=Neighbourhood.objects.all(),
        empty_label=_("All neighbourhoods"),
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=PetitionStatus.choices, method="filter_status"
    )

    class Meta:
        model = Petition
        fields = ["page", "status", "neighbourhood"]

    def filter_status(self, queryset, name, value):
        return queryset.with_status(timezone.now()).filter(current_status=value)


def may_see_signatures(user):
    return can_add_signatures(user) or can_delete_signatures(user)


class PetitionIndexView(generic.IndexView):
    custom_field_preprocess = {
        field: {"csv": neutralise_formula} for field in ("title", "page.title")
    }

    def get_base_queryset(self):
        return super().get_base_queryset().select_related("page")

    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        if may_see_signatures(self.request.user):
            buttons.append(
                Button(
                    _("Paper signatures"),
                    url=paper_signatures_url(instance),
                    icon_name="form",
                    priority=50,
                )
            )
        return buttons


class PaperSignaturesLinkMixin:
    @cached_property
    def header_more_buttons(self):
        buttons = list(super().header_more_buttons)
        if may_see_signatures(self.request.user):
            buttons.append(
                Button(
                    _("Paper signatures"),
                    url=paper_signatures_url(self.object),
                    icon_name="form",
                    priority=50,
                )
            )
        return buttons


class PetitionEditView(PaperSignaturesLinkMixin, generic.EditView):
    pass


class PetitionInspectView(PaperSignaturesLinkMixin, generic.InspectView):
    pass


def petition_edit_handler():
    panels = [
        FieldPanel("page", widget=forms.Select),
        MultiFieldPanel(
            ["title", "text", "filer_name", "themes", "neighbourhood"], heading=_("Petition")
        ),
        MultiFieldPanel(["review", "review_reason"], heading=_("Admissibility")),
        MultiFieldPanel(["council_date", "answer"], heading=_("Council")),
    ]
    if meetings_installed():
        panels.append(FieldPanel("meetings"))
    return ObjectList(panels, base_form_class=PetitionAdminForm)


class PetitionViewSet(ModelViewSet):
    index_view_class = PetitionIndexView
    edit_view_class = PetitionEditView
    inspect_view_class = PetitionInspectView
    filterset_class = PetitionFilterSet
    copy_view_enabled = False
    edit_handler = petition_edit_handler()
    export_filename = "petitions"
    export_headings = {
        "page.title": _("Petition right"),
        "get_status_display": _("Status"),
        "signature_count": _("Signatures"),
        "threshold": _("Signature threshold"),
    }


# Paper signatures ------------------------------------------------------------------------------


def can_add_signatures(user):
    return user.has_perm(f"{APP}.add_signature")


def can_delete_signatures(user):
    return user.has_perm(f"{APP}.delete_signature")


class PaperSignatureForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=150)
    birth_year = forms.IntegerField(label=_("Year of birth"), min_value=1900, max_value=2100)
    signed_on = forms.DateField(
        label=_("Date on the sheet"), widget=forms.DateInput(attrs={"type": "date"})
    )
    paper_reference = forms.CharField(label=_("Sheet reference"), max_length=40, required=False)


class PetitionViewMixin:
    """Views of one petition, ``petition_id`` in the URL, for staff who may edit its page."""

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        if kwargs["petition_id"] > MAX_ID:
            raise Http404
        self.petition = get_object_or_404(
            Petition.objects.select_related("page"), pk=kwargs["petition_id"]
        )

    def dispatch(self, request, *args, **kwargs):
        user = request.user
        if not (can_add_signatures(user) or can_delete_signatures(user)):
            raise PermissionDenied
        if not may_manage(user, self.petition.page):
            raise Http404
        return super().dispatch(request, *args, **kwargs)


def paper_signatures_url(petition):
    return reverse(f"{NAMESPACE}:paper_signatures", args=[petition.pk])


class PaperSignaturesView(PetitionViewMixin, WagtailAdminTemplateMixin, TemplateView):
    template_name = TEMPLATES + "paper_signatures.html"
    page_title = _("Paper signatures")
    header_icon = "form"

    def get_page_subtitle(self):
        return self.petition.title

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse("participation_petition:index"), "label": _("Petitions")},
            {
                "url": reverse("participation_petition:edit", args=[self.petition.pk]),
                "label": self.petition.title,
            },
            {"url": "", "label": self.page_title},
        ]

    def get_context_data(self, form=None, **kwargs):
        context = super().get_context_data(**kwargs)
        counts = dict(
            self.petition.signatures.values_list("channel").annotate(n=Count("pk")).order_by()
        )
        context.update(
            petition=self.petition,
            channels=[
                {"label": label, "count": counts.get(value, 0)}
                for value, label in SignatureChannel.choices
            ],
            paper_signatures=self.petition.signatures.filter(
                channel=SignatureChannel.PAPER
            ).select_related("entered_by"),
            form=form
            if form is not None
            else PaperSignatureForm(initial={"signed_on": timezone.localdate()}),
            can_add=can_add_signatures(self.request.user),
            can_delete=can_delete_signatures(self.request.user),
            accepts=self.petition.is_public and self.petition.answered_at is None,
        )
        return context

    def post(self, request, *args, **kwargs):
        if not can_add_signatures(request.user):
            raise PermissionDenied
        form = PaperSignatureForm(request.POST)
        if form.is_valid():
            try:
                signature = signing.add_paper_signature(
                    self.petition, entered_by=request.user, **form.cleaned_data
                )
            except signing.SignatureRefused as refusal:
                for message in refusal.messages:
                    form.add_error(None, message)
            else:
                log(
                    self.petition,
                    PAPER_SIGNATURE_ACTION,
                    user=request.user,
                    data={"signature": signature.pk, "paper_reference": signature.paper_reference},
                )
                messages.success(request, _("Paper signature counted."))
                return redirect(paper_signatures_url(self.petition))
        return self.render_to_response(self.get_context_data(form=form), status=200)


class DeletePaperSignatureView(PetitionViewMixin, WagtailAdminTemplateMixin, TemplateView):
    template_name = TEMPLATES + "delete_paper_signature.html"
    page_title = _("Delete a paper signature")
    header_icon = "bin"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        if kwargs["signature_id"] > MAX_ID:
            raise Http404
        self.signature = get_object_or_404(
            Signature,
            pk=kwargs["signature_id"],
            petition=self.petition,
            channel=SignatureChannel.PAPER,
        )

    def dispatch(self, request, *args, **kwargs):
        if not can_delete_signatures(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            petition=self.petition,
            signature=self.signature,
            back_url=paper_signatures_url(self.petition),
        )
        return context

    def post(self, request, *args, **kwargs):
        signing.remove_signature(self.signature)
        log(
            self.petition,
            SIGNATURE_REMOVED_ACTION,
            user=request.user,
            data={"paper_reference": self.signature.paper_reference},
        )
        messages.success(request, _("Paper signature deleted."))
        return redirect(paper_signatures_url(self.petition))


# Consultative votes ----------------------------------------------------------------------------


class VoteResultsView(WagtailAdminTemplateMixin, TemplateView):
    template_name = TEMPLATES + "vote_results.html"
    page_title = _("Consultative vote results")
    header_icon = "table"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        if kwargs["page_id"] > MAX_ID:
            raise Http404
        self.page = get_object_or_404(ConsultativeVotePage, pk=kwargs["page_id"])

    def dispatch(self, request, *args, **kwargs):
        if not may_manage(request.user, self.page):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_page_subtitle(self):
        return self.page.title

    def get(self, request, *args, **kwargs):
        visible = self.page.results_visible()
        if request.GET.get("export") == "csv":
            if not visible:
                raise Http404
            return self.csv_response()
        return super().get(request, *args, **kwargs)

    def rows(self):
        tally = self.page.results().as_dict()
        return tally

    def csv_response(self):
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="consultative-vote-{self.page.pk}.csv"'
        )
        writer = csv.writer(response)
        tally = self.page.results().as_dict()
        writer.writerow([_("Option"), _("Votes")])
        for option in tally.get("options", []):
            writer.writerow(
                [neutralise_formula(str(option.get("label", ""))), option.get("votes", "")]
            )
        return response

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        visible = self.page.results_visible()
        context.update(
            page=self.page,
            visible=visible,
            participation_count=self.page.vote_participations.count(),
            tally=self.page.results().as_dict() if visible else None,
        )
        return context


def can_see_vote_results(user, page):
    return may_manage(user, page)


def may_edit_some_page(user):
    return managed_pages(user).exists()


urlpatterns = [
    path(
        "<int:petition_id>/paper-signatures/",
        PaperSignaturesView.as_view(),
        name="paper_signatures",
    ),
    path(
        "<int:petition_id>/paper-signatures/<int:signature_id>/delete/",
        DeletePaperSignatureView.as_view(),
        name="delete_paper_signature",
    ),
    path("votes/<int:page_id>/results/", VoteResultsView.as_view(), name="vote_results"),
]


# wagtail-modeladmin (ADMIN_UI "modeladmin") ----------------------------------------------------


def _modeladmin_classes():
    from wagtail_modeladmin.options import ModelAdmin

    class PetitionModelAdmin(ModelAdmin):
        # The same form as in Wagtail's viewsets: saving opens, refuses or answers the same way.
        edit_handler = petition_edit_handler()
        export_filename = "petitions"

        def get_queryset(self, request):
            return super().get_queryset(request).select_related("page")

        def get_list_export(self, request):
            return tuple(
                "page_title" if name == "page.title" else name
                for name in super().get_list_export(request)
            )

        def page_title(self, obj):
            return neutralise_formula(obj.page.title)

        page_title.short_description = _("Petition right")

    return {"PetitionModelAdmin": PetitionModelAdmin}


def __getattr__(name):
    # PetitionModelAdmin, for wagtail-modeladmin (an optional extra).
    classes = _modeladmin_classes() if name.endswith("ModelAdmin") else {}
    if name in classes:
        return classes[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
