"""A participatory page a site could define itself, to check the mixin works outside the core."""

from wagtail.models import Page

from wagtail_participation.caching import PublicCacheMixin
from wagtail_participation.models import ParticipatoryProcessMixin


class NeighbourhoodSurveyPage(PublicCacheMixin, ParticipatoryProcessMixin, Page):
    parent_page_types = ["wagtail_participation.ParticipationIndexPage"]
    subpage_types = []

    template = "wagtail_participation/information_process_page.html"

    class Meta:
        verbose_name = "neighbourhood survey"
