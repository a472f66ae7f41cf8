"""The WAGTAIL_PARTICIPATION settings dict and the system checks that guard it."""

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings

from wagtail_participation.checks import (
    check_base_template,
    check_settings,
    installed_app_names,
    required_app_errors,
    settings_errors,
)
from wagtail_participation.conf import DEFAULTS, settings


def ids(errors):
    return [error.id for error in errors]


def test_defaults_are_documented_values():
    with override_settings(WAGTAIL_PARTICIPATION={}):
        assert settings.ADMIN_UI == "wagtail"
        assert settings.BASE_TEMPLATE == "base.html"
        assert settings.INDEX_PAGE_SIZE == 12
        assert settings.INACTIVE_ACCOUNT_RETENTION_DAYS == 1095
        assert settings.RATE_LIMITS["default"] == "30/m"
        assert settings.PUBLIC_CACHE_SECONDS == 300
        assert settings.PROXY_COUNT == 0
        assert settings.PETITIONS_PAGE_SIZE == 20
        assert settings.RATE_LIMITS["petition_filing"] == "5/d"
    assert set(DEFAULTS) == {
        "ADMIN_UI",
        "BASE_TEMPLATE",
        "INDEX_PAGE_SIZE",
        "ELIGIBILITY_POLICIES",
        "RATE_LIMITS",
        "INACTIVE_ACCOUNT_RETENTION_DAYS",
        "RETENTION_WARNING_DAYS",
        "DATA_EXPORT_LINK_MINUTES",
        "TERMS_URL",
        "REPORTS_TO_HIDE",
        "CONTRIBUTIONS_PAGE_SIZE",
        "PROJECTS_PAGE_SIZE",
        "OPEN_DATA_COUNTRY",
        "PUBLIC_CACHE_SECONDS",
        "PROXY_COUNT",
        "PETITIONS_PAGE_SIZE",
    }


def test_accessor_follows_override_settings():
    assert settings.BASE_TEMPLATE == "site_base.html"
    with override_settings(WAGTAIL_PARTICIPATION={"INDEX_PAGE_SIZE": 3}):
        assert settings.INDEX_PAGE_SIZE == 3
        assert settings.BASE_TEMPLATE == "base.html"
    assert settings.INDEX_PAGE_SIZE == 12
    assert settings.BASE_TEMPLATE == "site_base.html"


def test_unknown_attribute_is_an_error():
    with pytest.raises(AttributeError, match="NOT_A_SETTING"):
        settings.NOT_A_SETTING  # noqa: B018


def test_test_site_passes_every_check():
    call_command("check", fail_level="WARNING")


def test_unknown_key_is_reported_with_the_known_keys():
    with override_settings(WAGTAIL_PARTICIPATION={"INDEX_PAGE_SIZES": 5}):
        errors = check_settings(None)
    assert ids(errors) == ["wagtail_participation.E003"]
    assert "INDEX_PAGE_SIZES" in errors[0].msg
    assert "INDEX_PAGE_SIZE" in errors[0].hint


def test_settings_must_be_a_dict():
    with override_settings(WAGTAIL_PARTICIPATION="wagtail"):
        assert ids(check_settings(None)) == ["wagtail_participation.E002"]
        assert settings.BASE_TEMPLATE == "base.html"  # defaults, not a crash
        with pytest.raises(SystemCheckError, match="wagtail_participation.E002"):
            call_command("check")


def test_unknown_admin_ui():
    with override_settings(WAGTAIL_PARTICIPATION={"ADMIN_UI": "django"}):
        assert ids(check_settings(None)) == ["wagtail_participation.E004"]


def test_modeladmin_ui_needs_the_contrib_app():
    without_contrib = installed_app_names() - {"wagtail_participation.contrib.modeladmin"}
    with override_settings(WAGTAIL_PARTICIPATION={"ADMIN_UI": "modeladmin"}):
        assert ids(settings_errors(without_contrib)) == ["wagtail_participation.E005"]
        assert check_settings(None) == []


@pytest.mark.parametrize("size", [0, -3, "12", 2.5, True])
def test_page_size_must_be_a_positive_whole_number(size):
    with override_settings(WAGTAIL_PARTICIPATION={"INDEX_PAGE_SIZE": size}):
        assert ids(check_settings(None)) == ["wagtail_participation.E006"]


def test_missing_required_app_is_named():
    assert required_app_errors(installed_app_names()) == []
    errors = required_app_errors(installed_app_names() - {"django_filters"})
    assert ids(errors) == ["wagtail_participation.E001"]
    assert "'django_filters'" in errors[0].msg


def test_base_template_must_exist():
    with override_settings(WAGTAIL_PARTICIPATION={"BASE_TEMPLATE": "missing/base.html"}):
        errors = check_base_template(None)
    assert ids(errors) == ["wagtail_participation.E007"]
    assert "missing/base.html" in errors[0].msg


def test_migrations_are_shipped_and_complete(db):
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


@pytest.mark.parametrize(
    "policies",
    [["wagtail_participation.eligibility.NoSuchPolicy"], ["wagtail_participation.conf.settings"]],
)
def test_eligibility_policies_must_be_policy_classes(policies):
    with override_settings(WAGTAIL_PARTICIPATION={"ELIGIBILITY_POLICIES": policies}):
        errors = check_settings(None)
    assert ids(errors) == ["wagtail_participation.E009"]
    assert policies[0] in errors[0].msg


@pytest.mark.parametrize(
    "limits",
    [{"signup": None}, {"default": "ten/m"}, {"default": "10/week"}, {"default": "0/m"}],
)
def test_rate_limits_are_checked(limits):
    with override_settings(WAGTAIL_PARTICIPATION={"RATE_LIMITS": limits}):
        assert ids(check_settings(None)) == ["wagtail_participation.E010"]


@pytest.mark.parametrize(
    "key, value",
    [
        ("INACTIVE_ACCOUNT_RETENTION_DAYS", 0),
        ("RETENTION_WARNING_DAYS", None),
        ("DATA_EXPORT_LINK_MINUTES", "10"),
    ],
)
def test_durations_are_checked(key, value):
    with override_settings(WAGTAIL_PARTICIPATION={key: value}):
        assert ids(check_settings(None)) == ["wagtail_participation.E011"]


@pytest.mark.parametrize("key", ["PROXY_COUNT", "PUBLIC_CACHE_SECONDS"])
@pytest.mark.parametrize("value", [-1, "1", True, None])
def test_proxy_count_and_cache_seconds_are_checked(key, value):
    with override_settings(WAGTAIL_PARTICIPATION={key: value}):
        assert ids(check_settings(None)) == ["wagtail_participation.E012"]


def test_rate_limits_merge_with_the_defaults():
    with override_settings(WAGTAIL_PARTICIPATION={"RATE_LIMITS": {"default": "60/m"}}):
        assert settings.RATE_LIMITS["default"] == "60/m"
        assert settings.RATE_LIMITS["signup"] == "5/h"
        assert check_settings(None) == []


def test_eligibility_policies_must_be_a_list():
    policies = "wagtail_participation.eligibility.AccountOrCodePolicy"
    with override_settings(WAGTAIL_PARTICIPATION={"ELIGIBILITY_POLICIES": policies}):
        assert ids(check_settings(None)) == ["wagtail_participation.E009"]


def test_retention_can_be_disabled():
    with override_settings(WAGTAIL_PARTICIPATION={"INACTIVE_ACCOUNT_RETENTION_DAYS": None}):
        assert check_settings(None) == []
