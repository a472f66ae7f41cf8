"""Admin hooks of the petitions app: the paper-signature and vote-results screens, their links,
and the audit log labels.

The petitions listing is declared in ``admin_screens.py`` and built by the core.
"""

from django.urls import include, path, reverse
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.ui.menus.pages import PageMenuItem
from wagtail.log_actions import LogFormatter

from . import admin_views
from .admin_forms import (
    ANSWER_ACTION,
    PAPER_SIGNATURE_ACTION,
    REVIEW_ACTION,
    SIGNATURE_REMOVED_ACTION,
)
from .models import ConsultativeVotePage, Review


@hooks.register("register_admin_urls")
def register_petition_admin_urls():
    return [
        path(
            "participation/petitions/",
            include(
                (admin_views.urlpatterns, admin_views.NAMESPACE),
                namespace=admin_views.NAMESPACE,
            ),
        )
    ]


def is_vote(page):
    return issubclass(page.specific_class or type(page), ConsultativeVotePage)


class VoteResultsButton(PageMenuItem):
    label = _("Results")
    icon_name = "table"

    @property
    def url(self):
        return reverse(f"{admin_views.NAMESPACE}:vote_results", args=[self.page.pk])

    def is_shown(self, user):
        return admin_views.can_see_vote_results(user, self.page)


@hooks.register("register_page_listing_more_buttons")
def vote_page_listing_buttons(page, user, next_url=None):
    if is_vote(page):
        yield VoteResultsButton(page=page, priority=70)


@hooks.register("register_page_header_buttons")
def vote_page_header_buttons(page, user, view_name, next_url=None):
    if is_vote(page):
        yield VoteResultsButton(page=page, priority=70)


# Audit log -------------------------------------------------------------------------------------


class ReviewLogFormatter(LogFormatter):
    label = _("Review a petition")
    message = _("Petition reviewed")

    def format_message(self, log_entry):
        data = log_entry.data or {}
        try:
            decision = Review(data.get("review", "")).label
        except ValueError:
            return self.message
        message = _("Admissibility: %(decision)s") % {"decision": decision}
        reason = data.get("reason", "")
        if reason:
            message = _("%(message)s: %(reason)s") % {
                "message": message,
                "reason": Truncator(" ".join(reason.split())).chars(200),
            }
        return message


class PaperSignatureLogFormatter(LogFormatter):
    label = _("Enter a paper signature")
    message = _("Paper signature entered")

    def format_message(self, log_entry):
        reference = (log_entry.data or {}).get("paper_reference", "")
        if not reference:
            return self.message
        return _("Paper signature entered (sheet %(reference)s)") % {"reference": reference}


@hooks.register("register_log_actions")
def register_petition_log_actions(actions):
    actions.register_action(REVIEW_ACTION)(ReviewLogFormatter)
    actions.register_action(PAPER_SIGNATURE_ACTION)(PaperSignatureLogFormatter)
    actions.register_action(ANSWER_ACTION, _("Answer a petition"), _("Council's answer recorded"))
    actions.register_action(
        SIGNATURE_REMOVED_ACTION, _("Delete a paper signature"), _("Paper signature deleted")
    )
