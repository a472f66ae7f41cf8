"""Admin hooks of the consultations app: bulk moderation actions and audit log labels.

The screens are declared in ``admin_screens.py`` and built by the core; the moderators'
permission policy is registered by ``moderation.py`` when the screens import it.
"""

from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.log_actions import LogFormatter

from . import (
    draw_admin,  # noqa: F401  (registers the draws' admin URLs and log actions)
    moderation,
)
from .admin_views import BULK_ACTIONS

for bulk_action in BULK_ACTIONS:
    hooks.register("register_bulk_action", bulk_action)


class ModerationLogFormatter(LogFormatter):
    """The history shows the decision with the moderator's reason (or the justification)."""

    def format_message(self, log_entry):
        reason = (log_entry.data or {}).get("reason", "")
        if not reason:
            return self.message
        return _("%(decision)s: %(reason)s") % {
            "decision": self.message,
            "reason": Truncator(" ".join(reason.split())).chars(200),
        }

    def format_comment(self, log_entry):
        return (log_entry.data or {}).get("reason", "")


LOG_ACTIONS = [
    (moderation.CONTRIBUTION_PUBLISH, _("Publish contribution"), _("Contribution published")),
    (moderation.CONTRIBUTION_HIDE, _("Hide contribution"), _("Contribution hidden")),
    (moderation.CONTRIBUTION_ANSWER, _("Answer contribution"), _("Official answer given")),
    (moderation.COMMENT_PUBLISH, _("Publish comment"), _("Comment published")),
    (moderation.COMMENT_HIDE, _("Hide comment"), _("Comment hidden")),
]


@hooks.register("register_log_actions")
def register_moderation_log_actions(actions):
    for action, label, message in LOG_ACTIONS:
        formatter = type(
            "ModerationLogFormatter",
            (ModerationLogFormatter,),
            {"label": label, "message": message},
        )
        actions.register_action(action)(formatter)
