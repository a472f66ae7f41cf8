"""Generating participation codes from the admin: the plain codes are given once, as a CSV."""

import csv
from datetime import timedelta

from django import forms
from django.http import HttpResponse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets import AdminPageChooser

from .codes import MAX_BATCH_SIZE, CodeBatch


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

    def clean_expires_at(self):
        expires_at = self.cleaned_data["expires_at"]
        if expires_at <= timezone.now():
            raise forms.ValidationError(_("Choose an expiry date in the future."))
        return expires_at

    def generate(self, user):
        data = self.cleaned_data
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
