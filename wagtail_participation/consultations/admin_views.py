"""The moderation queue in the Wagtail admin: contributions and comments.

``admin_screens.py`` declares the two screens; this module gives them their custom parts:

- listings annotated with support and report counts (subqueries, so the number of queries
  does not grow with the page), a "reported" filter, bulk "Publish" and "Hide" actions and a
  CSV export without personal data;
- edit forms where moderators publish or hide (with a reason) and give the official answer
  (with its public justification), above a read-only summary of what the resident wrote.

Both admin UIs use them: ``ContributionViewSet`` and ``CommentViewSet`` for Wagtail's
viewsets, ``ContributionModelAdmin`` and ``CommentModelAdmin`` for wagtail-modeladmin (built on
first use, so that the optional package is only imported by sites that choose it).
"""

import functools

import django_filters
from django import forms
from django.contrib.admin.utils import quote
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Exists, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils.functional import cached_property, classproperty
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from wagtail.admin.admin_url_finder import AdminURLFinder
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import MultiFieldPanel, ObjectList, Panel
from wagtail.admin.ui.tables import BulkActionsCheckboxColumn, Column, DateColumn, TitleColumn
from wagtail.admin.views.bulk_action import BulkAction
from wagtail.admin.views.generic import IndexView
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.log_actions import LogContext

from wagtail_participation import staff
from wagtail_participation.exports import neutralise_formula
from wagtail_participation.forms import IdChoiceField, is_possible_id

from . import moderation
from .models import (
    AnswerStatus,
    Comment,
    CommentStatus,
    ConsultationPage,
    ContentReport,
    Contribution,
    ContributionStatus,
    Support,
)

TEMPLATES = "wagtail_participation/consultations/admin/"


# Listings --------------------------------------------------------------------------------------


def _count(queryset, field):
    """A correlated subquery counting rows per listed item, without multiplying rows."""
    counted = (
        queryset.filter(**{field: OuterRef("pk")})
        .order_by()
        .values(field)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def contribution_reports():
    return ContentReport.objects.filter(comment__isnull=True, resolved_at__isnull=True)


def comment_reports():
    return ContentReport.objects.filter(resolved_at__isnull=True)


def annotate_contributions(queryset):
    return queryset.select_related("page", "author__participant_profile").annotate(
        support_count=_count(Support.objects.all(), "contribution"),
        report_count=_count(contribution_reports(), "contribution"),
    )


def annotate_comments(queryset):
    return queryset.select_related("contribution", "author__participant_profile").annotate(
        report_count=_count(comment_reports(), "comment")
    )


def reported_contributions(queryset):
    return queryset.filter(Exists(contribution_reports().filter(contribution=OuterRef("pk"))))


def reported_comments(queryset):
    return queryset.filter(Exists(comment_reports().filter(comment=OuterRef("pk"))))


REPORTED_CHOICES = [("yes", _("With reports to resolve"))]


class PageChoiceFilter(django_filters.ModelChoiceFilter):
    field_class = IdChoiceField


NO_ANSWER = "none"


class ContributionFilterSet(WagtailFilterSet):
    answer_status = django_filters.ChoiceFilter(
        label=_("Official answer"),
        choices=[(NO_ANSWER, _("No answer yet")), *AnswerStatus.choices[1:]],
        empty_label=_("All"),
        widget=forms.RadioSelect,
        method="filter_answer_status",
    )
    page = PageChoiceFilter(
        label=_("Consultation"),
        # Only the consultations the member of staff looks after.
        queryset=lambda request: staff.managed(
            ConsultationPage.objects.all(), request.user, "pk"
        ).order_by("title"),
        empty_label=_("All"),
    )
    reported = django_filters.ChoiceFilter(
        label=_("Reports"),
        choices=REPORTED_CHOICES,
        empty_label=_("All"),
        widget=forms.RadioSelect,
        method="filter_reported",
    )

    class Meta:
        model = Contribution
        fields = ["status", "page", "answer_status", "reported"]

    def filter_answer_status(self, queryset, name, value):
        return queryset.filter(answer_status="" if value == NO_ANSWER else value)

    def filter_reported(self, queryset, name, value):
        return reported_contributions(queryset) if value else queryset


class CommentFilterSet(WagtailFilterSet):
    reported = django_filters.ChoiceFilter(
        label=_("Reports"),
        choices=REPORTED_CHOICES,
        empty_label=_("All"),
        widget=forms.RadioSelect,
        method="filter_reported",
    )

    class Meta:
        model = Comment
        fields = ["status", "reported"]

    def filter_reported(self, queryset, name, value):
        return reported_comments(queryset) if value else queryset


def search_contributions(queryset, query):
    return queryset.filter(Q(title__icontains=query) | Q(body__icontains=query))


def search_comments(queryset, query):
    return queryset.filter(body__icontains=query)


LISTINGS = {
    # model: (annotate, filterset, search)
    Contribution: (annotate_contributions, ContributionFilterSet, search_contributions),
    Comment: (annotate_comments, CommentFilterSet, search_comments),
}
# The path from each model to its consultation: staff act on the pages they may edit only.
PAGE_FIELDS = {Contribution: "page", Comment: "contribution__page"}


class ModerationIndexView(IndexView):
    """A listing with a checkbox per row for the bulk actions, and computed columns."""

    template_name = TEMPLATES + "index.html"
    custom_field_preprocess = {
        "title": {"csv": neutralise_formula},
        "page.title": {"csv": neutralise_formula},
    }

    def extra_columns(self):
        """Columns for names that are not model fields: {name: Column}."""
        return {
            "author_name": Column("author_name", label=_("Author (public name)")),
            "report_count": Column(
                "report_count", label=_("Reports to resolve"), sort_key="report_count"
            ),
        }

    def get_base_queryset(self):
        annotate = LISTINGS[self.model][0]
        return annotate(super().get_base_queryset())

    @cached_property
    def bulk_obj_type(self):
        return self.model._meta.model_name

    @cached_property
    def columns(self):
        return [
            BulkActionsCheckboxColumn("bulk_actions", obj_type=self.bulk_obj_type),
            *super().columns,
        ]

    def _get_title_column(self, field_name, column_class=TitleColumn, **kwargs):
        return super()._get_title_column(
            field_name,
            column_class,
            get_title_id=lambda instance: f"{self.bulk_obj_type}_{quote(instance.pk)}_title",
            **kwargs,
        )

    def _get_custom_column(self, field_name, column_class=Column, **kwargs):
        if column_class is Column and field_name in self.extra_columns():
            return self.extra_columns()[field_name]
        return super()._get_custom_column(field_name, column_class, **kwargs)


class ContributionIndexView(ModerationIndexView):
    def extra_columns(self):
        return {
            **super().extra_columns(),
            "created_at": DateColumn("created_at", label=_("Submitted"), sort_key="created_at"),
            "support_count": Column("support_count", label=_("Supports"), sort_key="support_count"),
        }


class CommentIndexView(ModerationIndexView):
    def extra_columns(self):
        return {
            **super().extra_columns(),
            "created_at": DateColumn("created_at", label=_("Posted"), sort_key="created_at"),
        }


# Edit forms ------------------------------------------------------------------------------------


class SummaryPanel(Panel):
    """What the resident wrote, read-only, with the reports moderators have to resolve."""

    def __init__(self, template="", **kwargs):
        super().__init__(**kwargs)
        self.template = template

    def clone_kwargs(self):
        return {**super().clone_kwargs(), "template": self.template}

    class BoundPanel(Panel.BoundPanel):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.template_name = self.panel.template

        def get_context_data(self, parent_context=None):
            context = super().get_context_data(parent_context)
            instance = self.instance
            if instance is not None and instance.pk:
                context["item"] = instance
                context["reports"] = list(
                    moderation.unresolved_reports(instance).order_by("created_at", "pk")
                )
                if isinstance(instance, Contribution):
                    context["support_count"] = instance.supports.count()
            return context


def reason_required_message(model):
    return _("Give the reason for hiding this %(item)s.") % {"item": model._meta.verbose_name}


class ModerationForm(WagtailAdminModelForm):
    """Moderators publish or hide; the decision is taken in ``save()`` on the locked row."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        status = self.fields.get("status")
        if status is not None:
            allowed = [self.model_published, self.model_hidden]
            if self.instance.status not in allowed:
                allowed.insert(0, self.instance.status)
            status.choices = [(v, label) for v, label in status.choices if v in allowed]
        reason = self.fields.get("moderation_reason")
        if reason is not None:
            reason.help_text = _("Required when hiding. Kept in the history with the decision.")
            reason.widget.attrs.setdefault("rows", 3)

    def decides(self, item, status):
        """Saving publishes or hides ``item``: a new status, or a decision on its reports."""
        return status in (self.model_published, self.model_hidden) and (
            status != item.status or moderation.unresolved_reports(item).exists()
        )

    def clean(self):
        cleaned_data = super().clean()
        status = cleaned_data.get("status")
        reason = (cleaned_data.get("moderation_reason") or "").strip()
        # Until _post_clean(), self.instance holds the values the form was built from.
        if (
            status == self.model_hidden
            and not reason
            and "moderation_reason" not in self.errors
            and self.decides(self.instance, status)
        ):
            self.add_error("moderation_reason", reason_required_message(self._meta.model))
        return cleaned_data

    def save(self, commit=True):
        if not commit:
            return super().save(commit=False)
        with transaction.atomic():
            # The row as it is now, locked: the decision compares with it, not with the form.
            item = self._meta.model.objects.select_for_update().get(pk=self.instance.pk)
            self.apply(item, self.cleaned_data, self.for_user)
        self.instance = item
        return item

    def apply(self, item, data, user):
        status = data.get("status", item.status)
        reason = data.get("moderation_reason", item.moderation_reason).strip()
        if self.decides(item, status):
            moderation.moderate(item, status, user=user, reason=reason)
        elif reason != item.moderation_reason:
            item.moderation_reason = reason
            item.save(update_fields=["moderation_reason"])


class ContributionModerationForm(ModerationForm):
    model_published = ContributionStatus.PUBLISHED
    model_hidden = ContributionStatus.HIDDEN

    class Meta:
        model = Contribution
        fields = ["status", "moderation_reason", "answer_status", "answer_text"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        status = self.fields.get("status")
        if status is not None and self.instance.status == ContributionStatus.WITHDRAWN:
            status.disabled = True
            status.help_text = _("Its author withdrew this contribution: it stays withdrawn.")
        answer_text = self.fields.get("answer_text")
        if answer_text is not None:
            answer_text.help_text = _(
                "Required with an official answer: residents read it under the contribution."
            )

    def clean(self):
        cleaned_data = super().clean()
        answer_status = cleaned_data.get("answer_status") or ""
        answer_text = (cleaned_data.get("answer_text") or "").strip()
        if "answer_status" in self.errors or "answer_text" in self.errors:
            return cleaned_data
        if answer_status and not answer_text:
            self.add_error(
                "answer_text",
                _("Give the public justification of the official answer."),
            )
        elif answer_text and not answer_status:
            self.add_error(
                "answer_status",
                _("Choose the official answer this justification explains, or remove it."),
            )
        return cleaned_data

    def apply(self, item, data, user):
        super().apply(item, data, user)
        answer_status = data.get("answer_status", item.answer_status) or ""
        answer_text = data.get("answer_text", item.answer_text).strip()
        if (answer_status, answer_text) != (item.answer_status, item.answer_text):
            moderation.answer_contribution(item, answer_status, answer_text, user=user)


class CommentModerationForm(ModerationForm):
    model_published = CommentStatus.PUBLISHED
    model_hidden = CommentStatus.HIDDEN

    class Meta:
        model = Comment
        fields = ["status", "moderation_reason"]


def contribution_edit_handler():
    return ObjectList(
        [
            SummaryPanel(
                template=TEMPLATES + "contribution_summary.html",
                heading=_("What the resident wrote"),
            ),
            MultiFieldPanel(["status", "moderation_reason"], heading=_("Moderation")),
            MultiFieldPanel(["answer_status", "answer_text"], heading=_("Official answer")),
        ],
        base_form_class=ContributionModerationForm,
    )


def comment_edit_handler():
    return ObjectList(
        [
            SummaryPanel(
                template=TEMPLATES + "comment_summary.html",
                heading=_("What the resident wrote"),
            ),
            MultiFieldPanel(["status", "moderation_reason"], heading=_("Moderation")),
        ],
        base_form_class=CommentModerationForm,
    )


# Wagtail viewsets ------------------------------------------------------------------------------


class ContributionViewSet(ModelViewSet):
    index_view_class = ContributionIndexView
    filterset_class = ContributionFilterSet
    copy_view_enabled = False
    edit_handler = contribution_edit_handler()
    export_filename = "contributions"
    export_headings = {
        "page.title": _("Consultation"),
        "status": _("Status"),
        "answer_status": _("Official answer"),
        "created_at": _("Submitted"),
        "published_at": _("Published"),
        "support_count": _("Supports"),
    }


class CommentViewSet(ModelViewSet):
    index_view_class = CommentIndexView
    filterset_class = CommentFilterSet
    copy_view_enabled = False
    edit_handler = comment_edit_handler()


# Bulk actions ----------------------------------------------------------------------------------


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Kept in the history of each item, with your name."),
    )


class RequiredReasonForm(ReasonForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].required = True
        self.fields["reason"].error_messages["required"] = _(
            "Give the reason for hiding: it is kept in the history of each item."
        )


class ModerationBulkAction(BulkAction):
    """Publish or hide the selected items, each one logged with the reason given."""

    template_name = TEMPLATES + "confirm_bulk_moderation.html"
    model = None
    status = None

    @classproperty
    def models(cls):
        return [cls.model] if cls.model is not None else []

    def dispatch(self, request, *args, **kwargs):
        if not moderation.can_moderate(request.user, self.model):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def check_perm(self, obj):
        return moderation.can_moderate(self.request.user, self.model) and staff.may_manage(
            self.request.user, staff.page_of(obj, PAGE_FIELDS[self.model])
        )

    def managed(self, queryset):
        return staff.managed(queryset, self.request.user, PAGE_FIELDS[self.model])

    def get_actionable_objects(self):
        """The selected items, all on consultations this member of staff looks after.

        An id that is not a number, not found, or on another team's consultation refuses the
        whole selection (404): nothing is half done, nothing tells what the id is.
        """
        object_ids = self.request.GET.getlist("id")
        if "all" in object_ids:
            ids = set(self.get_all_objects_in_listing_query(self.request.GET.get("childOf")))
        else:
            if not all(is_possible_id(pk) for pk in object_ids):
                raise Http404
            ids = {int(pk) for pk in object_ids}
        objects = list(self.managed(self.model.objects.filter(pk__in=ids)).order_by("pk"))
        if not objects or len(objects) != len(ids):
            raise Http404
        return objects, {"items_with_no_access": []}

    def get_all_objects_in_listing_query(self, parent_id):
        """ "Select all" acts on the listing as filtered and searched, not on every row."""
        annotate, filterset_class, search = LISTINGS[self.model]
        queryset = annotate(self.managed(self.model.objects.all()))
        filterset = filterset_class(self.request.GET, queryset=queryset, request=self.request)
        if not filterset.is_valid():
            return []
        queryset = filterset.qs
        if query := self.request.GET.get("q", "").strip():
            queryset = search(queryset, query)
        return queryset.values_list("pk", flat=True)

    def object_context(self, obj):
        return {
            "item": obj,
            "status": obj.get_status_display(),
            "edit_url": AdminURLFinder(self.request.user).get_edit_url(obj),
        }

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "action_title": self.action_title,
            "confirm_question": self.confirm_question,
            "action_button_text": self.display_name,
            "header_icon": "warning" if self.status == self.model_hidden else "check",
        }

    def get_execution_context(self):
        return {
            "user": self.request.user,
            "reason": self.cleaned_form.cleaned_data["reason"],
            "status": self.status,
        }

    @classmethod
    def execute_action(cls, objects, user=None, reason="", status=None, **kwargs):
        """Returns (items moderated, withdrawn contributions left as their author left them)."""
        done = skipped = 0
        locked = cls.model.objects.select_for_update().filter(pk__in=[obj.pk for obj in objects])
        for item in locked.order_by("pk"):
            if item.status == ContributionStatus.WITHDRAWN and isinstance(item, Contribution):
                skipped += 1
                continue
            # One log context per item: Wagtail's history keeps one entry per context and action.
            with LogContext(user=user):
                moderation.moderate(item, status, user=user, reason=reason)
            done += 1
        return done, skipped

    def get_success_message(self, num_parent_objects, num_child_objects):
        message = self.success_message(num_parent_objects)
        if num_child_objects:
            message += " " + ngettext(
                "%(count)d withdrawn by its author was left as it is.",
                "%(count)d withdrawn by their authors were left as they are.",
                num_child_objects,
            ) % {"count": num_child_objects}
        return message


class ContributionBulkAction(ModerationBulkAction):
    model = Contribution
    model_hidden = ContributionStatus.HIDDEN


class CommentBulkAction(ModerationBulkAction):
    model = Comment
    model_hidden = CommentStatus.HIDDEN


class PublishContributionsBulkAction(ContributionBulkAction):
    display_name = _("Publish")
    action_type = "publish"
    aria_label = _("Publish the selected contributions")
    action_priority = 10
    status = ContributionStatus.PUBLISHED
    form_class = ReasonForm
    action_title = _("Publish contributions")
    confirm_question = _("Publish these contributions? Their reports will be marked as resolved.")

    def success_message(self, count):
        return ngettext(
            "%(count)d contribution published.", "%(count)d contributions published.", count
        ) % {"count": count}


class HideContributionsBulkAction(ContributionBulkAction):
    display_name = _("Hide")
    action_type = "hide"
    aria_label = _("Hide the selected contributions")
    action_priority = 20
    classes = {"serious"}
    status = ContributionStatus.HIDDEN
    form_class = RequiredReasonForm
    action_title = _("Hide contributions")
    confirm_question = _("Hide these contributions? Their reports will be marked as resolved.")

    def success_message(self, count):
        return ngettext(
            "%(count)d contribution hidden.", "%(count)d contributions hidden.", count
        ) % {"count": count}


class PublishCommentsBulkAction(CommentBulkAction):
    display_name = _("Publish")
    action_type = "publish"
    aria_label = _("Publish the selected comments")
    action_priority = 10
    status = CommentStatus.PUBLISHED
    form_class = ReasonForm
    action_title = _("Publish comments")
    confirm_question = _("Publish these comments? Their reports will be marked as resolved.")

    def success_message(self, count):
        return ngettext("%(count)d comment published.", "%(count)d comments published.", count) % {
            "count": count
        }


class HideCommentsBulkAction(CommentBulkAction):
    display_name = _("Hide")
    action_type = "hide"
    aria_label = _("Hide the selected comments")
    action_priority = 20
    classes = {"serious"}
    status = CommentStatus.HIDDEN
    form_class = RequiredReasonForm
    action_title = _("Hide comments")
    confirm_question = _("Hide these comments? Their reports will be marked as resolved.")

    def success_message(self, count):
        return ngettext("%(count)d comment hidden.", "%(count)d comments hidden.", count) % {
            "count": count
        }


BULK_ACTIONS = [
    PublishContributionsBulkAction,
    HideContributionsBulkAction,
    PublishCommentsBulkAction,
    HideCommentsBulkAction,
]


# wagtail-modeladmin ----------------------------------------------------------------------------


@functools.cache
def _modeladmin_classes():
    from django.contrib.admin import SimpleListFilter
    from wagtail.permissions import policy_registry
    from wagtail_modeladmin.helpers import PermissionHelper
    from wagtail_modeladmin.options import ModelAdmin
    from wagtail_modeladmin.views import IndexView as ModelAdminIndexView

    class ModerationPermissionHelper(PermissionHelper):
        def _can(self, user, action):
            return policy_registry.get_by_type(self.model).user_has_permission(user, action)

        def user_can_list(self, user):
            return self._can(user, "view")

        def user_can_create(self, user):
            return False

        def user_can_inspect_obj(self, user, obj):
            return self.inspect_view_enabled and self._can(user, "view")

        def user_can_edit_obj(self, user, obj):
            return self._can(user, "change")

        def user_can_delete_obj(self, user, obj):
            return self._can(user, "delete")

    class ConsultationListFilter(SimpleListFilter):
        """The consultations this member of staff looks after, not every page of the site."""

        title = Contribution._meta.get_field("page").verbose_name
        parameter_name = "page__id__exact"  # the parameter of Django's own related filter

        def lookups(self, request, model_admin):
            pages = staff.managed(ConsultationPage.objects.all(), request.user, "pk")
            return [(page.pk, page.title) for page in pages.order_by("title")]

        def queryset(self, request, queryset):
            value = self.value()
            if not value:
                return queryset
            return queryset.filter(page_id=value) if is_possible_id(value) else queryset.none()

    class ReportedListFilter(SimpleListFilter):
        title = _("reports")
        parameter_name = "reported"

        def lookups(self, request, model_admin):
            return REPORTED_CHOICES

        def queryset(self, request, queryset):
            if self.value() != "yes":
                return queryset
            if queryset.model is Comment:
                return reported_comments(queryset)
            return reported_contributions(queryset)

    class ExportIndexView(ModelAdminIndexView):
        custom_field_preprocess = {
            "title": {"csv": neutralise_formula},
            "page_title": {"csv": neutralise_formula},
        }

    class ModerationModelAdmin(ModelAdmin):
        permission_helper_class = ModerationPermissionHelper
        index_view_class = ExportIndexView
        annotate = None

        def get_queryset(self, request):
            return type(self).annotate(super().get_queryset(request))

        def get_list_filter(self, request):
            filters = [
                ConsultationListFilter if name == "page" else name
                for name in super().get_list_filter(request)
            ]
            return (*filters, ReportedListFilter)

        def author_name(self, obj):
            return obj.author_name

        author_name.short_description = _("Author (public name)")

        def report_count(self, obj):
            return obj.report_count

        report_count.short_description = _("Reports to resolve")
        report_count.admin_order_field = "report_count"

    class ContributionModelAdmin(ModerationModelAdmin):
        annotate = staticmethod(annotate_contributions)
        edit_handler = contribution_edit_handler()
        export_filename = "contributions"

        def get_list_export(self, request):
            return tuple(
                "page_title" if name == "page.title" else name
                for name in super().get_list_export(request)
            )

        def page_title(self, obj):
            return obj.page.title

        page_title.short_description = _("Consultation")

        def support_count(self, obj):
            return obj.support_count

        support_count.short_description = _("Supports")
        support_count.admin_order_field = "support_count"

    class CommentModelAdmin(ModerationModelAdmin):
        annotate = staticmethod(annotate_comments)
        edit_handler = comment_edit_handler()

    return {
        "ContributionModelAdmin": ContributionModelAdmin,
        "CommentModelAdmin": CommentModelAdmin,
    }


def __getattr__(name):
    # ContributionModelAdmin and CommentModelAdmin, for wagtail-modeladmin (an optional extra).
    classes = _modeladmin_classes() if name.endswith("ModelAdmin") else {}
    if name in classes:
        return classes[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
