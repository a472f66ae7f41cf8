"""Generating participation codes from the admin: the plain codes are given once, as a CSV."""

import csv
from datetime import timedelta

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets import AdminPageChooser

from .codes import MAX_BATCH_SIZE, CodeBatch
from .staff import may_manage

PROCESS_REQUIRED = _(
    "Choose the process these codes are for. Only administrators make codes valid everywhere."
)
PROCESS_NOT_YOURS = _("You may make codes only for the processes you may edit. Choose one of them.")


def may_generate(user, page):
    """Whether ``user`` may make codes for ``page`` (None: valid on every process).

    Codes open a process to people without an account: staff make them for the processes they
    may edit only, and only superusers make codes valid everywhere.
    """
    if page is None:
        return user.is_superuser
    return may_manage(user, page)


class GenerateCodesForm(WagtailAdminModelForm):
    count = forms.IntegerField(
        label=_("Number of codes"),
        min_value=1,
        max_value=MAX_BATCH_SIZE,
        help_text=_("The codes are shown once, in the file you download: print or send it."),
    )

    class Meta:
        model = CodeBatch
        fields = ["label", "page", "expires_at"]
        widgets = {"page": AdminPageChooser(can_choose_root=False)}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("expires_at", timezone.now() + timedelta(days=90))
        if self.for_user is not None and not self.for_user.is_superuser:
            self.fields["page"].required = True
            self.fields["page"].error_messages["required"] = PROCESS_REQUIRED

    def clean_page(self):
        page = self.cleaned_data.get("page")
        if self.for_user is not None and not may_generate(self.for_user, page):
            raise forms.ValidationError(PROCESS_REQUIRED if page is None else PROCESS_NOT_YOURS)
        return page

    def clean_expires_at(self):
        expires_at = self.cleaned_data["expires_at"]
        if expires_at <= timezone.now():
            raise forms.ValidationError(_("Choose an expiry date in the future."))
        return expires_at

    def generate(self, user):
        """The new batch and its plain codes. ``clean_page`` already refused a process the
        user may not edit; this check stands for forms built without ``for_user``."""
        data = self.cleaned_data
        if not may_generate(user, data.get("page")):
            raise PermissionDenied
        return CodeBatch.generate(
            label=data["label"],
            count=data["count"],
            expires_at=data["expires_at"],
            page=data.get("page"),
            created_by=user,
        )


def codes_csv_response(batch, codes):
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    filename = f"participation-codes-{slugify(batch.label) or batch.prefix}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    writer = csv.writer(response)
    writer.writerow([_("code"), _("batch"), _("valid until")])
    expiry = timezone.localtime(batch.expires_at).strftime("%Y-%m-%d %H:%M")
    for code in codes:
        writer.writerow([code, batch.label, expiry])
    return response


class GenerateCodesView(generic.CreateView):
    def form_valid(self, form):
        batch, codes = form.generate(self.request.user)
        return codes_csv_response(batch, codes)


class CodeBatchViewSet(ModelViewSet):
    """Wagtail UI: "Add" generates a batch; editing changes only the label and expiry."""

    add_view_class = GenerateCodesView
    form_fields = ["label", "expires_at"]

    def get_form_class(self, for_update=False):
        if for_update:
            return super().get_form_class(for_update=True)
        return GenerateCodesForm
