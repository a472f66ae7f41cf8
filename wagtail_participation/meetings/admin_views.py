"""Meeting registrations in the admin: listed, inspected and exported, never edited.

Residents register and cancel themselves through ``registrations.py``, the only code that writes
registrations (it keeps capacity and the waiting list right), so nobody adds, changes or deletes
a registration from the admin. Holders of ``participation_meetings.view_registration`` see the
registrations of the meetings they may edit (``AdminScreen.page_field``, ``staff.py``).

The listing shows the resident's public name, never their account. The export adds the
resident's e-mail: the staff organising a meeting must be able to contact the people coming
(a change of room, a cancellation); the export needs the same ``view_registration`` permission.
"""

from collections import OrderedDict

from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.tables import Column
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.coreutils import multigetattr
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import policy_registry, register_permission_policy

from wagtail_participation.exports import neutralise_formula
from wagtail_participation.forms import IdChoiceField
from wagtail_participation.profiles import public_author_name
from wagtail_participation.staff import PageScopedPolicyMixin, managed

from .models import MeetingPage, Registration

RESIDENT_NAME = "resident_name"
RESIDENT_LABEL = _("Resident (public name)")


class RegistrationPermissionPolicy(PageScopedPolicyMixin, ModelPermissionPolicy):
    """The model's view permission, for the meetings the member of staff may edit (see
    ``staff.py``); nobody adds, changes or deletes a registration here."""

    denied = ("add", "change", "delete")
    page_field = "meeting"

    def user_has_permission(self, user, action):
        return action not in self.denied and super().user_has_permission(user, action)

    def user_has_any_permission(self, user, actions):
        return super().user_has_any_permission(user, [a for a in actions if a not in self.denied])


# Registered on import, before the viewsets are built.
register_permission_policy(Registration, RegistrationPermissionPolicy(Registration))


def resident_name(registration):
    return public_author_name(registration.user)


class RegistrationIndexView(generic.IndexView):
    custom_field_preprocess = {
        RESIDENT_NAME: {"csv": neutralise_formula},
        "meeting.title": {"csv": neutralise_formula},
        "user.email": {"csv": neutralise_formula},
    }

    def get_base_queryset(self):
        return super().get_base_queryset().select_related("meeting", "user__participant_profile")

    @cached_property
    def filters(self):
        """The meeting filter offers the meetings of the pages the member of staff may edit
        only: never another team's meeting titles, drafts included."""
        filterset = super().filters
        field = filterset.form.fields.get("meeting") if filterset is not None else None
        if field is not None:
            filterset.form.fields["meeting"] = IdChoiceField(
                queryset=managed(MeetingPage.objects.all(), self.request.user, "pk"),
                required=False,
                label=field.label,
                widget=field.widget,
            )
        return filterset

    def _get_custom_column(self, field_name, column_class=Column, **kwargs):
        if field_name == RESIDENT_NAME:
            return Column(RESIDENT_NAME, label=RESIDENT_LABEL, accessor=resident_name)
        return super()._get_custom_column(field_name, column_class, **kwargs)

    def to_row_dict(self, item):
        return OrderedDict(
            (field, resident_name(item) if field == RESIDENT_NAME else multigetattr(item, field))
            for field in self.list_export
        )


class RegistrationViewSet(ModelViewSet):
    index_view_class = RegistrationIndexView
    export_filename = "registrations"
    export_headings = {
        RESIDENT_NAME: RESIDENT_LABEL,
        "meeting.title": _("Meeting"),
        "user.email": _("E-mail"),
        "get_status_display": _("Status"),
    }


# wagtail-modeladmin (an optional extra) ----------------------------------------------------------


def _modeladmin_classes():
    from wagtail_modeladmin.helpers import PermissionHelper
    from wagtail_modeladmin.options import ModelAdmin

    class RegistrationPermissionHelper(PermissionHelper):
        """Asks the same permission policy as Wagtail's viewsets: listing and inspecting only."""

        def user_can_list(self, user):
            return policy_registry.get_by_type(Registration).user_has_permission(user, "view")

        def user_can_create(self, user):
            return False

        def user_can_inspect_obj(self, user, obj):
            policy = policy_registry.get_by_type(Registration)
            return self.inspect_view_enabled and policy.user_has_permission_for_instance(
                user, "view", obj
            )

        def user_can_edit_obj(self, user, obj):
            return False

        def user_can_delete_obj(self, user, obj):
            return False

    class RegistrationModelAdmin(ModelAdmin):
        permission_helper_class = RegistrationPermissionHelper
        export_filename = "registrations"

        def get_queryset(self, request):
            return (
                super().get_queryset(request).select_related("meeting", "user__participant_profile")
            )

        def get_list_export(self, request):
            renamed = {
                "meeting.title": "meeting_title",
                "user.email": "resident_email",
                "get_status_display": "status_label",
            }
            return tuple(renamed.get(name, name) for name in super().get_list_export(request))

        def resident_name(self, obj):
            return neutralise_formula(resident_name(obj))

        resident_name.short_description = RESIDENT_LABEL

        def meeting_title(self, obj):
            return neutralise_formula(obj.meeting.title)

        meeting_title.short_description = _("Meeting")

        def resident_email(self, obj):
            return neutralise_formula(obj.user.email)

        resident_email.short_description = _("E-mail")

        def status_label(self, obj):
            return obj.get_status_display()

        status_label.short_description = _("Status")

    return {"RegistrationModelAdmin": RegistrationModelAdmin}


def __getattr__(name):
    classes = _modeladmin_classes() if name == "RegistrationModelAdmin" else {}
    if name in classes:
        return classes[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
