"""Moderators' decisions on contributions and comments: publish, hide, answer.

Every decision is one function that the admin edit forms and the bulk actions share. The
caller holds the row lock (``select_for_update``) inside ``transaction.atomic()``; each
decision is written to Wagtail's audit log with its reason, resolves the residents' reports
on the item, and tells the author (after the commit) when their contribution is published or
answered.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db.models import Q
from django.utils import timezone
from wagtail.log_actions import log
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

from wagtail_participation.staff import PageScopedPolicyMixin

from .models import (
    AnswerStatus,
    Comment,
    CommentStatus,
    ContentReport,
    Contribution,
    ContributionStatus,
)
from .notifications import notify_author_answered, notify_author_published

MODERATE_PERMISSION = "participation_consultations.moderate_contribution"

CONTRIBUTION_PUBLISH = "wagtail_participation.contribution.publish"
CONTRIBUTION_HIDE = "wagtail_participation.contribution.hide"
CONTRIBUTION_ANSWER = "wagtail_participation.contribution.answer"
COMMENT_PUBLISH = "wagtail_participation.comment.publish"
COMMENT_HIDE = "wagtail_participation.comment.hide"

CONTRIBUTION_ACTIONS = {
    ContributionStatus.PUBLISHED: CONTRIBUTION_PUBLISH,
    ContributionStatus.HIDDEN: CONTRIBUTION_HIDE,
}
COMMENT_ACTIONS = {
    CommentStatus.PUBLISHED: COMMENT_PUBLISH,
    CommentStatus.HIDDEN: COMMENT_HIDE,
}


# Who may moderate ------------------------------------------------------------------------------


def can_moderate(user, model=Contribution):
    """Moderators hold ``moderate_contribution`` or the model's own change permission."""
    if not (user.is_authenticated and user.is_active):
        return False
    opts = model._meta
    return user.has_perm(MODERATE_PERMISSION) or user.has_perm(
        f"{opts.app_label}.change_{opts.model_name}"
    )


class ModerationPermissionPolicy(PageScopedPolicyMixin, ModelPermissionPolicy):
    """Moderators list, inspect and edit; nobody adds what residents write; delete as usual.

    On one item, they act only if they may edit its consultation page (``staff.py``).
    """

    def __init__(self, model, page_field="page"):
        super().__init__(model)
        self.page_field = page_field

    def user_has_permission(self, user, action):
        if action == "add":
            return False
        if action in ("view", "change"):
            return can_moderate(user, self.model)
        return super().user_has_permission(user, action)

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)

    def users_with_any_permission(self, actions):
        actions = set(actions)
        codenames = set()
        if actions & {"view", "change"}:
            codenames.add(self._get_permission_codename("change"))
        if "delete" in actions:
            codenames.add(self._get_permission_codename("delete"))
        permissions = Permission.objects.filter(
            content_type=self._content_type, codename__in=codenames
        )
        if actions & {"view", "change"}:
            permissions = permissions | Permission.objects.filter(
                content_type__app_label=Contribution._meta.app_label,
                codename="moderate_contribution",
            )
        granted = Q(user_permissions__in=permissions) | Q(groups__permissions__in=permissions)
        if codenames:
            granted |= Q(is_superuser=True)
        return get_user_model().objects.filter(granted, is_active=True).distinct()


# Registered on import, before Wagtail builds the admin screens (which import this module
# through admin_views) and would otherwise give these models a fallback policy.
register_permission_policy(Contribution, ModerationPermissionPolicy(Contribution))
register_permission_policy(Comment, ModerationPermissionPolicy(Comment, "contribution__page"))


# Decisions -------------------------------------------------------------------------------------


def unresolved_reports(item):
    """The residents' reports on a contribution (not on its comments) or on a comment."""
    if isinstance(item, Comment):
        reports = ContentReport.objects.filter(comment=item)
    else:
        reports = ContentReport.objects.filter(contribution=item, comment__isnull=True)
    return reports.filter(resolved_at__isnull=True)


def moderate_contribution(contribution, status, *, user, reason="", now=None):
    """Publish or hide ``contribution``, locked by the caller. True if its status changed.

    Hiding needs a reason. Withdrawn contributions stay as their author left them.
    """
    if status not in CONTRIBUTION_ACTIONS:
        raise ValueError(f"A moderator publishes or hides, not {status!r}")
    if status == ContributionStatus.HIDDEN and not reason.strip():
        raise ValueError("Hiding a contribution needs a reason")
    if contribution.status == ContributionStatus.WITHDRAWN:
        raise ValueError("A withdrawn contribution is left as its author left it")
    now = now or timezone.now()
    previous = contribution.status
    contribution.status = status
    contribution.moderation_reason = reason.strip()
    if status == ContributionStatus.PUBLISHED and contribution.published_at is None:
        contribution.published_at = now
    contribution.save(update_fields=["status", "moderation_reason", "published_at"])
    unresolved_reports(contribution).update(resolved_at=now)
    log(
        contribution,
        CONTRIBUTION_ACTIONS[status],
        user=user,
        data={"reason": contribution.moderation_reason, "previous_status": previous},
    )
    if status == ContributionStatus.PUBLISHED and previous != status:
        notify_author_published(contribution)
    return previous != status


def answer_contribution(contribution, answer_status, answer_text, *, user, now=None):
    """Give (or withdraw, with an empty status) the official answer, with its justification."""
    answer_text = answer_text.strip()
    if answer_status not in AnswerStatus.values:
        raise ValueError(f"Unknown answer status {answer_status!r}")
    if answer_status and not answer_text:
        raise ValueError("An official answer needs a public justification")
    contribution.answer_status = answer_status
    contribution.answer_text = answer_text
    contribution.answered_at = (now or timezone.now()) if answer_status else None
    contribution.save(update_fields=["answer_status", "answer_text", "answered_at"])
    log(
        contribution,
        CONTRIBUTION_ANSWER,
        user=user,
        data={"reason": answer_text, "answer_status": answer_status},
    )
    if answer_status:
        notify_author_answered(contribution)


def moderate_comment(comment, status, *, user, reason="", now=None):
    """Publish or hide ``comment``, locked by the caller. True if its status changed."""
    if status not in COMMENT_ACTIONS:
        raise ValueError(f"A moderator publishes or hides, not {status!r}")
    if status == CommentStatus.HIDDEN and not reason.strip():
        raise ValueError("Hiding a comment needs a reason")
    now = now or timezone.now()
    previous = comment.status
    comment.status = status
    comment.moderation_reason = reason.strip()
    comment.save(update_fields=["status", "moderation_reason"])
    unresolved_reports(comment).update(resolved_at=now)
    log(
        comment,
        COMMENT_ACTIONS[status],
        user=user,
        data={"reason": comment.moderation_reason, "previous_status": previous},
    )
    return previous != status


def moderate(item, status, *, user, reason="", now=None):
    """Publish or hide a contribution or a comment."""
    if isinstance(item, Comment):
        return moderate_comment(item, status, user=user, reason=reason, now=now)
    return moderate_contribution(item, status, user=user, reason=reason, now=now)
