"""Restitution pages: reporting back what was heard, what was decided and what happens next.

A restitution page links to participatory pages (``RestitutionSource``) and reads them only
through the core outcome interface (``wagtail_participation.outcomes``): any page type that
implements it can be linked, and a new one needs no change here.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, InlinePanel, PageChooserPanel
from wagtail.fields import StreamField
from wagtail.models import Orderable, Page
from wagtail.search import index

from wagtail_participation.caching import PublicCacheMixin
from wagtail_participation.outcomes import OutcomeSource
from wagtail_participation.templating import page_context

from .blocks import RestitutionBodyBlock, standard_structure
from .report import Restitution


class RestitutionPage(PublicCacheMixin, Page):
    intro = models.TextField(
        _("summary"),
        max_length=600,
        blank=True,
        help_text=_("In two or three sentences: what was asked, how many took part, what changes."),
    )
    body = StreamField(
        RestitutionBodyBlock(),
        blank=True,
        default=standard_structure,
        verbose_name=pgettext_lazy("restitution page", "report"),
    )
    notify_participants = models.BooleanField(
        _("e-mail the participants when published"),
        default=True,
        help_text=_(
            "At each publication, residents who took part in the linked pages, accept e-mails "
            "about results and were not told yet get a link to this page: each one once."
        ),
    )

    content_panels = Page.content_panels + [
        "intro",
        InlinePanel("sources", label=_("Linked participatory page"), min_num=1),
        FieldPanel("body"),
        "notify_participants",
    ]
    search_fields = Page.search_fields + [index.SearchField("intro")]
    subpage_types = []

    class Meta:
        verbose_name = _("restitution")
        verbose_name_plural = _("restitutions")

    def get_template(self, request, *args, **kwargs):
        return "wagtail_participation/restitution/restitution_page.html"

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context.update(page_context(restitution=Restitution(self, request)))
        return context


def is_outcome_source(page):
    return isinstance(page.specific, OutcomeSource)


class RestitutionSource(Orderable):
    """A participatory page a restitution reports on."""

    restitution = ParentalKey(RestitutionPage, on_delete=models.CASCADE, related_name="sources")
    # SET_NULL: a deleted page leaves a note on the restitution, not an error.
    page = models.ForeignKey(
        "wagtailcore.Page",
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("participatory page"),
    )

    panels = [PageChooserPanel("page")]

    class Meta(Orderable.Meta):
        verbose_name = _("linked participatory page")
        verbose_name_plural = _("linked participatory pages")

    def clean(self):
        super().clean()
        if self.page_id and not is_outcome_source(self.page):
            raise ValidationError(
                {
                    "page": _(
                        "Choose a consultation, a budget, a committee calendar or another "
                        "participatory page."
                    )
                }
            )


class RestitutionNotice(models.Model):
    """That a resident is (to be) told about a restitution page: one row per page and person.

    Rows are created when the page is first published; ``sent_at`` is set by the task that
    claims the row and sends the e-mail, so that nobody is told twice.
    """

    restitution = models.ForeignKey(
        RestitutionPage, on_delete=models.CASCADE, related_name="notices"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("restitution notice")
        verbose_name_plural = _("restitution notices")
        constraints = [
            models.UniqueConstraint(
                fields=["restitution", "user"], name="participation_one_notice_per_restitution"
            )
        ]
