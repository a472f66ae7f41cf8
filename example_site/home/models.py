from django.utils.translation import gettext_lazy as _
from wagtail.fields import RichTextField
from wagtail.models import Page

from wagtail_participation.models import ParticipationIndexPage


class HomePage(Page):
    intro = RichTextField(_("introduction"), blank=True)

    content_panels = Page.content_panels + ["intro"]
    max_count = 1

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["participation_indexes"] = (
            ParticipationIndexPage.objects.live().public().descendant_of(self)
        )
        return context
