from django.apps import AppConfig


class TestAppConfig(AppConfig):
    name = "tests.testapp"
    label = "participation_testapp"
    default_auto_field = "django.db.models.BigAutoField"
