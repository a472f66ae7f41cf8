"""The moderation queue: contributions and comments, in the "Participation" admin menu.

Only moderators see these screens: users with ``participation_consultations.moderate_contribution``
or the model's change permission (see ``moderation.ModerationPermissionPolicy``), and only for
the consultations they may edit in the page tree (``page_field``, see
``wagtail_participation.staff``). Nobody adds contributions or comments from the admin:
residents write them.
"""

from wagtail_participation.admin_screens import AdminScreen

VIEWS = "wagtail_participation.consultations.admin_views"

ADMIN_SCREENS = [
    AdminScreen(
        model="participation_consultations.Contribution",
        icon="comment",
        list_display=(
            "title",
            "page",
            "author_name",
            "status",
            "created_at",
            "support_count",
            "answer_status",
            "report_count",
        ),
        list_filter=("status", "page", "answer_status"),  # and "reported", added by the views
        search_fields=("title", "body"),
        # No personal data: neither the author nor the text, which may name people.
        list_export=(
            "title",
            "page.title",
            "status",
            "answer_status",
            "created_at",
            "published_at",
            "support_count",
        ),
        ordering=("-created_at",),
        page_field="page",
        wagtail_viewset=f"{VIEWS}.ContributionViewSet",
        modeladmin_class=f"{VIEWS}.ContributionModelAdmin",
        extra={
            # The account of the author (its e-mail) is never shown: only their public name.
            "inspect_view_fields": [
                "title",
                "body",
                "page",
                "neighbourhood",
                "status",
                "moderation_reason",
                "created_at",
                "published_at",
                "answer_status",
                "answer_text",
                "answered_at",
            ],
        },
    ),
    AdminScreen(
        model="participation_consultations.Comment",
        icon="comment",
        list_display=(
            "__str__",
            "contribution",
            "author_name",
            "status",
            "created_at",
            "report_count",
        ),
        list_filter=("status",),  # and "reported", added by the views
        search_fields=("body",),
        ordering=("-created_at",),
        page_field="contribution__page",
        wagtail_viewset=f"{VIEWS}.CommentViewSet",
        modeladmin_class=f"{VIEWS}.CommentModelAdmin",
        extra={
            "inspect_view_fields": [
                "body",
                "contribution",
                "parent",
                "status",
                "moderation_reason",
                "created_at",
            ],
        },
    ),
]
