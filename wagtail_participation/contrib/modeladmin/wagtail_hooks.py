from wagtail_modeladmin.options import modeladmin_register

from wagtail_participation.conf import settings

from .options import build_model_admin_group

if settings.ADMIN_UI == "modeladmin":
    modeladmin_register(build_model_admin_group())
