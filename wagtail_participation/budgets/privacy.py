"""What a budget keeps about a resident, for "Download my data" and account deletion.

Projects a resident proposed stay on the budget, showing "Former participant". Ballots stay
counted: the results already published must not change when a voter deletes their account.
"""

from wagtail_participation.privacy import register_personal_data

from .models import Ballot, BudgetProject


def export_budget_data(user):
    projects = BudgetProject.objects.filter(proposer=user).select_related("page", "envelope")
    ballots = (
        Ballot.objects.filter(voter=user)
        .select_related("page", "envelope")
        .prefetch_related("projects")
    )
    return {
        "proposed_projects": [
            {
                "budget": p.page.title,
                "title": p.title,
                "description": p.description,
                "estimated_cost": str(p.estimated_cost),
                "status": p.status,
                "submitted": p.created_at,
            }
            for p in projects
        ],
        "ballots": [
            {
                "budget": b.page.title,
                "envelope": str(b.envelope.display_name),
                "receipt": b.receipt,
                "cast": b.created_at,
                "projects": [p.title for p in b.projects.all()],
            }
            for b in ballots
        ],
    }


def keep_budget_data(user):
    """Nothing to erase: the records stay counted and the account itself is anonymised."""


def register():
    register_personal_data("budgets", export_budget_data, keep_budget_data)
