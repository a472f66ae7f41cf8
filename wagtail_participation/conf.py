"""The package's settings, read from one ``WAGTAIL_PARTICIPATION`` dict.

``from wagtail_participation.conf import settings`` then ``settings.ADMIN_UI``. Values are read
again after Django's ``setting_changed`` signal, so ``override_settings`` works in tests.
"""

from django.conf import settings as django_settings
from django.core.signals import setting_changed

SETTING_NAME = "WAGTAIL_PARTICIPATION"

DEFAULTS = {
    # Template that wagtail_participation/base.html extends: the site's own base template.
    "BASE_TEMPLATE": "base.html",
    # Which admin builds the package's screens: "wagtail" (viewsets and snippets) or
    # "modeladmin" (needs wagtail_participation.contrib.modeladmin in INSTALLED_APPS).
    "ADMIN_UI": "wagtail",
    # Participatory pages shown per page of a participation index.
    "INDEX_PAGE_SIZE": 12,
    # Who may take part: every participation action asks each of these policies in turn.
    "ELIGIBILITY_POLICIES": [
        "wagtail_participation.eligibility.AccountOrCodePolicy",
        "wagtail_participation.eligibility.CompleteProfilePolicy",
        "wagtail_participation.eligibility.MinimumAgePolicy",
        "wagtail_participation.eligibility.ResidencePolicy",
    ],
    # Resident POSTs allowed per client and period ("count/s", "/m", "/h" or "/d"), per group;
    # "default" covers any group not named. Counted in the shared cache.
    "RATE_LIMITS": {
        "default": "30/m",
        "signup": "5/h",
        "login": "10/m",
        "password_reset": "5/h",
        "report": "10/d",
        "data_export": "5/h",
        "delete_account": "5/h",
        "meeting_registration": "20/h",
        "petition_filing": "5/d",
    },
    # Accounts unused for this many days are anonymised (None: never).
    "INACTIVE_ACCOUNT_RETENTION_DAYS": 3 * 365,
    # Days between the warning e-mail and the anonymisation of an inactive account.
    "RETENTION_WARNING_DAYS": 30,
    # Minutes a "download my data" link stays valid after the password was re-entered.
    "DATA_EXPORT_LINK_MINUTES": 10,
    # Address of the participation terms page shown at sign-up ("" for none).
    "TERMS_URL": "",
    # Distinct residents' reports that hide a contribution or comment until a moderator decides.
    "REPORTS_TO_HIDE": 3,
    # Contributions per page of a consultation's list.
    "CONTRIBUTIONS_PAGE_SIZE": 20,
    # Projects per page of a participatory budget's list.
    "PROJECTS_PAGE_SIZE": 20,
    # Petitions per page of a petition right's list, and public names per page of signatories.
    "PETITIONS_PAGE_SIZE": 20,
    # Seconds a public page is kept in the shared cache for visitors who are not signed in (0:
    # never). Changes throw it away at once; this bounds what time alone changes (an upcoming
    # meeting that has begun). A process page is never kept past its next phase change.
    "PUBLIC_CACHE_SECONDS": 300,
    # Reverse proxies (load balancers) in front of the app servers that append the client's
    # address to X-Forwarded-For: rate limits count the address that many entries from the end.
    # 0 (the default) counts REMOTE_ADDR, the right value when the app server faces the internet.
    "PROXY_COUNT": 0,
    # Country named in the budgets' Pabulib open-data files ("" writes "Worldwide").
    "OPEN_DATA_COUNTRY": "",
}

ADMIN_UI_CHOICES = ("wagtail", "modeladmin")

# Settings whose dict is merged into the default one, so a site can change one entry.
MERGED_DICTS = ("RATE_LIMITS",)


class ParticipationSettings:
    def __init__(self):
        self._cache = {}

    @property
    def raw_user_settings(self):
        return getattr(django_settings, SETTING_NAME, None) or {}

    @property
    def user_settings(self):
        """The site's settings dict; ignored (defaults used) if it is not a dict, see E002."""
        raw = self.raw_user_settings
        return raw if isinstance(raw, dict) else {}

    def unknown_keys(self):
        return sorted(set(self.user_settings) - set(DEFAULTS))

    def __getattr__(self, name):
        if name not in DEFAULTS:
            raise AttributeError(f"{SETTING_NAME} has no setting {name!r}")
        if name not in self._cache:
            value = self.user_settings.get(name, DEFAULTS[name])
            if name in MERGED_DICTS and isinstance(value, dict):
                value = {**DEFAULTS[name], **value}
            self._cache[name] = value
        return self._cache[name]

    def reload(self):
        self._cache.clear()


settings = ParticipationSettings()


def _reload_on_change(*, setting, **kwargs):
    if setting == SETTING_NAME:
        settings.reload()


setting_changed.connect(_reload_on_change)
