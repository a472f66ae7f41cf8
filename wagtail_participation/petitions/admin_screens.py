"""The petitions screen in the "Participation" admin menu (views in ``admin_views.py``)."""

from wagtail_participation.admin_screens import AdminScreen

VIEWS = "wagtail_participation.petitions.admin_views"

ADMIN_SCREENS = [
    AdminScreen(
        model="participation_petitions.Petition",
        icon="doc-full",
        list_display=(
            "title",
            "page",
            "get_status_display",
            "signature_count",
            "threshold",
            "created_at",
        ),
        list_filter=("page", "neighbourhood"),  # and the status, added by the filter set
        search_fields=("title", "text"),
        # No personal data: no filer account, no signer.
        list_export=(
            "title",
            "page.title",
            "get_status_display",
            "signature_count",
            "threshold",
            "created_at",
            "opened_at",
            "closes_at",
            "threshold_reached_at",
            "council_date",
            "answered_at",
        ),
        ordering=("-created_at",),
        page_field="page",
        wagtail_viewset=f"{VIEWS}.PetitionViewSet",
        modeladmin_class=f"{VIEWS}.PetitionModelAdmin",
        extra={
            "inspect_view_fields": [
                "title",
                "text",
                "page",
                "filer_name",
                "neighbourhood",
                "review",
                "review_reason",
                "reviewed_at",
                "opened_at",
                "closes_at",
                "threshold",
                "signature_count",
                "threshold_reached_at",
                "council_date",
                "answer",
                "answered_at",
                "created_at",
            ],
        },
    ),
]
