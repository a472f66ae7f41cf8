"""Budget projects and ballots in the "Participation" admin menu.

Projects are reviewed and edited by holders of ``participation_budgets.review_budgetproject``
or of the model's own permissions; ballots are listed for holders of any ballot permission and
nobody edits them (see ``admin_views.py``). Staff see and act on the projects and ballots of
the budgets they may edit only (``page_field``, see ``wagtail_participation/staff.py``).
Entering paper ballots and publishing results have their own screens, registered by
``wagtail_hooks.py``.
"""

from wagtail_participation.admin_screens import AdminScreen

VIEWS = "wagtail_participation.budgets.admin_views"

ADMIN_SCREENS = [
    AdminScreen(
        model="participation_budgets.BudgetProject",
        icon="tasks",
        list_display=("title", "page", "envelope", "estimated_cost", "status", "created_at"),
        list_filter=("page", "status", "envelope"),
        search_fields=("title", "description"),
        # No personal data: neither the proposer's account nor the internal review notes.
        list_export=(
            "title",
            "page.title",
            "envelope",
            "estimated_cost",
            "status",
            "public_reason",
            "location",
            "created_at",
        ),
        ordering=("-created_at",),
        page_field="page",
        wagtail_viewset=f"{VIEWS}.ProjectViewSet",
        modeladmin_class=f"{VIEWS}.ProjectModelAdmin",
        extra={
            "inspect_view_fields": [
                "title",
                "page",
                "envelope",
                "description",
                "estimated_cost",
                "themes",
                "location",
                "proposer_name",
                "status",
                "public_reason",
                "review_notes",
                "created_at",
            ],
        },
    ),
    AdminScreen(
        model="participation_budgets.Ballot",
        icon="form",
        # Never the voter: a ballot is shown by its receipt, paper number and channel only.
        list_display=("receipt", "page", "envelope", "channel", "paper_reference", "created_at"),
        list_filter=("page", "envelope", "channel"),
        search_fields=("receipt", "paper_reference"),
        ordering=("-created_at",),
        page_field="page",
        wagtail_viewset=f"{VIEWS}.BallotViewSet",
        modeladmin_class=f"{VIEWS}.BallotModelAdmin",
        extra={
            "inspect_view_fields": [
                "page",
                "envelope",
                "channel",
                "paper_reference",
                "projects",
                "receipt",
                "created_at",
                "entered_by",
            ],
        },
    ),
]
