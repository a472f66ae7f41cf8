"""Admin hooks of the budgets app: the results and paper-ballot screens, their links from the
page tree, and the audit log labels.

The project and ballot listings are declared in ``admin_screens.py`` and built by the core;
importing ``admin_views`` registers their permission policies.
"""

from django.urls import include, path, reverse
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.menus.pages import PageMenuItem
from wagtail.log_actions import LogFormatter

from . import admin_views
from .models import BudgetPage, ProjectStatus


@hooks.register("register_admin_urls")
def register_budget_admin_urls():
    return [
        path(
            "participation/budgets/",
            include(
                (admin_views.urlpatterns, "participation_budgets_admin"),
                namespace="participation_budgets_admin",
            ),
        )
    ]


class ResultsMenuItem(MenuItem):
    def is_shown(self, request):
        return admin_views.may_edit_some_page(request.user)


@hooks.register("register_admin_menu_item")
def register_results_menu_item():
    return ResultsMenuItem(
        _("Budget results"),
        reverse("participation_budgets_admin:results_index"),
        icon_name="table",
        order=261,
    )


# Links from the page tree ----------------------------------------------------------------------


def is_budget(page):
    return issubclass(page.specific_class or type(page), BudgetPage)


class BudgetResultsButton(PageMenuItem):
    label = _("Results")
    icon_name = "table"

    @property
    def url(self):
        return reverse("participation_budgets_admin:results", args=[self.page.pk])

    def is_shown(self, user):
        return admin_views.can_see_results(user, self.page)


class PaperBallotsButton(PageMenuItem):
    label = _("Enter paper ballots")
    icon_name = "form"

    @property
    def url(self):
        return reverse("participation_budgets_admin:paper_ballot_envelopes", args=[self.page.pk])

    def is_shown(self, user):
        return admin_views.can_enter_paper_ballots(user, self.page)


@hooks.register("register_page_listing_more_buttons")
def budget_page_listing_buttons(page, user, next_url=None):
    if is_budget(page):
        yield BudgetResultsButton(page=page, priority=70)
        yield PaperBallotsButton(page=page, priority=71)


@hooks.register("register_page_header_buttons")
def budget_page_header_buttons(page, user, view_name, next_url=None):
    if is_budget(page):
        yield BudgetResultsButton(page=page, priority=70)


# Audit log -------------------------------------------------------------------------------------


def status_label(value):
    try:
        return ProjectStatus(value).label
    except ValueError:
        return value


class ProjectStatusLogFormatter(LogFormatter):
    label = _("Change the status of a budget project")
    message = _("Status changed")

    def format_message(self, log_entry):
        data = log_entry.data or {}
        message = _("Status changed from “%(previous)s” to “%(status)s”") % {
            "previous": status_label(data.get("previous_status", "")),
            "status": status_label(data.get("status", "")),
        }
        reason = data.get("reason", "")
        if reason and data.get("status") == ProjectStatus.NOT_ADMISSIBLE:
            message = _("%(message)s: %(reason)s") % {
                "message": message,
                "reason": Truncator(" ".join(reason.split())).chars(200),
            }
        return message


class PaperBallotLogFormatter(LogFormatter):
    label = _("Enter a paper ballot")
    message = _("Paper ballot entered")

    def format_message(self, log_entry):
        number = (log_entry.data or {}).get("paper_reference", "")
        if not number:
            return self.message
        return _("Paper ballot No. %(number)s entered") % {"number": number}


@hooks.register("register_log_actions")
def register_budget_log_actions(actions):
    actions.register_action(admin_views.PROJECT_STATUS_ACTION)(ProjectStatusLogFormatter)
    actions.register_action(admin_views.PAPER_BALLOT_ACTION)(PaperBallotLogFormatter)
    actions.register_action(
        admin_views.RESULTS_PUBLISH_ACTION,
        _("Publish the results of a participatory budget"),
        _("Budget results published"),
    )
    actions.register_action(
        admin_views.RESULTS_WITHDRAW_ACTION,
        _("Withdraw the results of a participatory budget"),
        _("Budget results withdrawn"),
    )
