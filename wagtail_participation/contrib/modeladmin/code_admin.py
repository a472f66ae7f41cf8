from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail_modeladmin.options import ModelAdmin
from wagtail_modeladmin.views import CreateView

from wagtail_participation.code_admin import GenerateCodesForm, codes_csv_response


class GenerateCodesModelAdminView(CreateView):
    def get_edit_handler(self):
        panels = [FieldPanel(name) for name in ("label", "count", "page", "expires_at")]
        return ObjectList(panels, base_form_class=GenerateCodesForm).bind_to_model(self.model)

    def form_valid(self, form):
        batch, codes = form.generate(self.request.user)
        return codes_csv_response(batch, codes)


class CodeBatchModelAdmin(ModelAdmin):
    """wagtail-modeladmin: "Add" generates a batch; editing changes the label and expiry."""

    create_view_class = GenerateCodesModelAdminView
    panels = [FieldPanel("label"), FieldPanel("expires_at")]
