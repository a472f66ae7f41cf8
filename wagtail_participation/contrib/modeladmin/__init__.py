"""The package's admin screens through wagtail-modeladmin, for sites standardised on it.

Install with ``pip install "wagtail-participation[modeladmin]"``, add ``"wagtail_modeladmin"``
and ``"wagtail_participation.contrib.modeladmin"`` to ``INSTALLED_APPS`` and set
``WAGTAIL_PARTICIPATION = {"ADMIN_UI": "modeladmin"}``.
"""
