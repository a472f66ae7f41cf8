from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.utils import translation
from wagtail.models import Locale, Page, Site

from wagtail_participation.models import (
    InformationProcessPage,
    Neighbourhood,
    ParticipationIndexPage,
    ProcessPhase,
)

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 3, 15, 12, 0, tzinfo=PARIS)


def pytest_report_header(config):
    from django.conf import settings

    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    return f"database: {engine} ({settings.DATABASES['default'].get('NAME')})"


@pytest.fixture(autouse=True)
def english_by_default():
    """A request in French leaves French active in the thread: start every test in English."""
    translation.activate("en")
    yield
    translation.deactivate()


@pytest.fixture
def now():
    return NOW


@pytest.fixture
def frozen_now(time_machine):
    time_machine.move_to(NOW, tick=False)
    return NOW


def default_site_root():
    """The default site's home page, rebuilt if a transactional test flushed the tree.

    Transactional tests run last and each one empties the database when it ends, Wagtail's
    initial locale, root page and site included.
    """
    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        locale = Locale.objects.first() or Locale.objects.create(language_code="en")
        root = Page.get_first_root_node() or Page.add_root(
            instance=Page(title="Root", slug="root", locale=locale)
        )
        home = root.add_child(instance=Page(title="Home", slug="home", locale=locale))
        site = Site.objects.create(hostname="localhost", root_page=home, is_default_site=True)
    return site.root_page


def index_page_on_default_site():
    """A participation index under the default site, for tests that cannot use fixtures."""
    return default_site_root().add_child(
        instance=ParticipationIndexPage(title="Participate", slug="participate")
    )


@pytest.fixture
def root_page(db):
    """The site's home page, as created by Wagtail's initial migration."""
    return default_site_root()


@pytest.fixture
def index_page(root_page):
    return root_page.add_child(
        instance=ParticipationIndexPage(title="Participate", slug="participate")
    )


@pytest.fixture
def neighbourhoods(db):
    return {
        slug: Neighbourhood.objects.create(name=name, slug=slug)
        for name, slug in [("Centre", "centre"), ("Riverside", "riverside"), ("Station", "station")]
    }


def phase(kind, start_days, end_days=None, title=""):
    """A phase starting ``start_days`` after NOW (negative: before), ending ``end_days`` after."""
    return ProcessPhase(
        kind=kind,
        title=title,
        starts_at=NOW + timedelta(days=start_days),
        ends_at=None if end_days is None else NOW + timedelta(days=end_days),
    )


def make_process(parent, title, phases=(), neighbourhoods=(), themes=(), model=None, live=True):
    model = model or InformationProcessPage
    page = model(
        title=title,
        impact_statement="<p>Your ideas shape the final plan.</p>",
        summary=f"Summary of {title}",
    )
    page.participation_phases = [
        ProcessPhase(kind=p.kind, title=p.title, starts_at=p.starts_at, ends_at=p.ends_at)
        for p in phases
    ]
    page.neighbourhoods = list(neighbourhoods)
    page.themes.set(list(themes))
    page.live = live
    parent.add_child(instance=page)
    if live:
        page.save_revision().publish()
    else:
        page.save_revision()
    return page


@pytest.fixture
def no_public_cache(settings):
    """Render every request: for query-count tests that add rows behind the cache's back
    (bulk_create sends no signal, so nothing tells the public page cache)."""
    settings.WAGTAIL_PARTICIPATION = {
        **getattr(settings, "WAGTAIL_PARTICIPATION", {}),
        "PUBLIC_CACHE_SECONDS": 0,
    }


@pytest.fixture
def db_vendor(db):
    return connection.vendor
