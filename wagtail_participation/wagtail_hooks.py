from wagtail.snippets.models import register_snippet

from .conf import settings
from .viewsets import build_viewset_group

if settings.ADMIN_UI == "wagtail":
    register_snippet(build_viewset_group)
