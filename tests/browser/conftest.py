"""Browser tests: the example site served for real, driven by Debian's Chromium through Playwright.

The demo site runs in a subprocess (`manage.py runserver`, DEBUG off so that the error pages are
the site's own) on a fresh SQLite database loaded with `participation_demo`, exactly what
`make demo` shows. Every page a test visits can be checked with `checked(page, name)`: axe-core
(WCAG 2.0/2.1 A and AA rules), no horizontal scrolling at 320 px, and screenshots at desktop and
320 px widths saved under ``test-artifacts/browser``. The served HTML is kept and validated with
the Nu Html Checker at the end of the session.

Without Chromium, Java or `npm install` of axe-core (`make browser-deps`), these tests are
skipped, unless PARTICIPATION_BROWSER_TESTS=required (as in CI), where they fail instead.
"""

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from . import a11y

ROOT = Path(__file__).resolve().parents[2]
MANAGE = [sys.executable, str(ROOT / "example_site" / "manage.py")]
DEMO_PASSWORD_LINE = re.compile(r"password for all: (\S+)\)")
DEMO_CODE_LINE = re.compile(r"^  ([A-Z0-9]+(?:-[A-Z0-9]+)+)$", re.MULTILINE)
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.browser)


def missing_tools():
    missing = []
    if not shutil.which("chromium"):
        missing.append("Debian's chromium (apt-get install chromium)")
    if not a11y.AXE_SCRIPT.exists():
        missing.append("axe-core (make browser-deps)")
    if not shutil.which("java"):
        missing.append("Java (apt-get install default-jre-headless)")
    try:
        import playwright  # noqa: F401
    except ImportError:
        missing.append("playwright (make install)")
    return missing


@pytest.fixture(scope="session")
def browser_tools():
    missing = missing_tools()
    if missing:
        message = "Browser tests need " + ", ".join(missing)
        if os.environ.get("PARTICIPATION_BROWSER_TESTS") == "required":
            pytest.fail(message)
        pytest.skip(message)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class DemoSite:
    """The example site, served by a subprocess on its own database."""

    def __init__(self, workdir):
        self.workdir = workdir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{workdir / 'demo.sqlite3'}",
            "DJANGO_DEBUG": "0",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "PYTHONUNBUFFERED": "1",
            "DJANGO_SETTINGS_MODULE": "tests.browser.demo_settings",
            "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "example_site")]),
        }
        self.server = None
        self.password = None
        self.codes = []

    def manage(self, *args, input=None):
        result = subprocess.run(
            [*MANAGE, *args],
            env=self.env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            input=input,
            timeout=300,
        )
        if result.returncode:
            command = " ".join(args)
            raise RuntimeError(f"manage.py {command} failed:\n{result.stdout}{result.stderr}")
        return result.stdout

    def start(self):
        self.manage("migrate", "--no-input")
        self.manage("createcachetable")
        output = self.manage("participation_demo")
        self.password = DEMO_PASSWORD_LINE.search(output).group(1)
        self.codes = DEMO_CODE_LINE.findall(output)
        self.log = open(self.workdir / "server.log", "w")
        self.server = subprocess.Popen(
            [*MANAGE, "runserver", "--noreload", "--insecure", f"127.0.0.1:{self.port}"],
            env=self.env,
            cwd=ROOT,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(self.url + "/sitemap.xml", timeout=5)
                return
            except OSError:
                if self.server.poll() is not None:
                    break
                time.sleep(0.3)
        raise RuntimeError("The demo site did not start:\n" + self.server_log())

    def server_log(self):
        return (self.workdir / "server.log").read_text()

    def stop(self):
        if self.server:
            self.server.terminate()
            self.server.wait(timeout=20)
            self.log.close()

    def shell(self, code):
        """Run Python in the demo site's Django (set-up, or facts a test cannot read off a page)."""
        return self.manage("shell", "--no-imports", "-c", code).strip()

    def make_resident(self, username, neighbourhood="centre-ville", birth_year=1990):
        """An active account with a complete profile (terms accepted, lives in town)."""
        self.shell(
            "from django.contrib.auth import get_user_model\n"
            "from django.utils import timezone\n"
            "from wagtail_participation.models import Neighbourhood\n"
            "from wagtail_participation.profiles import ParticipantProfile\n"
            f"user, _ = get_user_model().objects.get_or_create(username={username!r}, "
            f"defaults={{'email': '{username}@villebrune.example'}})\n"
            f"user.set_password({self.password!r}); user.is_active = True; user.save()\n"
            "ParticipantProfile.objects.update_or_create(user=user, defaults={"
            f"'display_name': {username.capitalize()!r}, "
            f"'neighbourhood': Neighbourhood.objects.get(slug={neighbourhood!r}), "
            f"'lives_in_town': True, 'birth_year': {birth_year}, "
            "'terms_accepted_at': timezone.now()})\n"
        )
        return username

    def sent_emails(self):
        """The e-mails printed so far by the console e-mail backend (in the server's log)."""
        return self.server_log()


@pytest.fixture(scope="session")
def demo_site(browser_tools, tmp_path_factory):
    site = DemoSite(tmp_path_factory.mktemp("demo_site"))
    site.start()
    yield site
    site.stop()


@pytest.fixture(scope="session")
def chromium(browser_tools):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def new_page(chromium, demo_site):
    """Open a fresh browser context (its own cookies) on the demo site: `new_page()`."""
    contexts = []

    def open_page(viewport=a11y.DESKTOP):
        context = chromium.new_context(
            base_url=demo_site.url, viewport=viewport, locale="fr-FR", timezone_id="Europe/Paris"
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.last_document = None

        def keep_document(response):
            if response.request.resource_type == "document" and response.frame == page.main_frame:
                page.last_document = response

        page.on("response", keep_document)
        return page

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    return new_page()


@pytest.fixture
def checked(request):
    """`checked(page, name)`: axe, reflow, screenshots; the HTML is validated after the test."""
    html_pages = a11y.HtmlPages()

    def check(page, name):
        return a11y.check_page(page, f"{request.node.name}-{name}", html_pages)

    yield check
    html_pages.assert_valid()


def log_in(page, username, password="demo1234"):
    page.goto("/accounts/login/")
    page.get_by_label("E-mail ou nom d'utilisateur").fill(username)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("main").get_by_role("button", name="Se connecter").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
