"""Every public page of the demo site, anonymous and logged in, passes axe, reflow and the Nu Html
Checker: everything reachable from /sitemap.xml by following links, plus the error pages.

Pages of the same shape (`/projects/12/` and `/projects/13/`, each month of a calendar) are
checked twice each, not all: they come from the same template with different data.
"""

import re
from urllib.parse import urljoin, urlparse

from . import a11y
from .conftest import log_in

NOT_PAGES = ("/admin/", "/documents/", "/api/", "/static/", "/media/", "/i18n/")
PER_SHAPE = 2
HOST = "127.0.0.1"


def shape(path):
    path, _, query = path.partition("?")
    path = re.sub(r"/\d+(?=/)", "/N", path)
    return path + ("?" + re.sub(r"=[^&]*", "=V", query) if query else "")


def sitemap_paths(page):
    xml = page.request.get("/sitemap.xml").text()
    return [urlparse(url).path for url in re.findall(r"<loc>([^<]+)</loc>", xml)]


def crawl(page, start):
    """Paths of the HTML pages reachable from `start`, at most PER_SHAPE per shape."""
    queue, seen, shapes, found = list(start), set(), {}, []
    while queue:
        path = queue.pop(0)
        if path in seen or shapes.get(shape(path), 0) >= PER_SHAPE:
            continue
        seen.add(path)
        response = page.request.get(path)
        if "text/html" not in response.headers.get("content-type", ""):
            continue
        shapes[shape(path)] = shapes.get(shape(path), 0) + 1
        found.append(path)
        for href in re.findall(r'href="([^"#]*)', response.text()):
            url = urlparse(urljoin(response.url, href.replace("&amp;", "&")))
            if url.hostname not in (HOST, "localhost") or url.path.startswith(NOT_PAGES):
                continue
            queue.append(url.path + ("?" + url.query if url.query else ""))
    return found


def check_all(page, paths, checked, prefix):
    problems = []
    for path in paths:
        page.goto(path)
        try:
            checked(page, prefix + path)
        except a11y.AccessibilityError as error:
            problems.append(str(error))
    assert not problems, f"{len(problems)} of {len(paths)} pages fail:\n\n" + "\n\n".join(problems)


def test_every_page_for_visitors(page, checked):
    page.goto("/")
    paths = crawl(page, sitemap_paths(page))
    assert len(paths) > 40
    check_all(page, paths, checked, "visitor")


def test_every_page_for_a_resident(page, checked, demo_site):
    log_in(page, "alice", demo_site.password)
    paths = crawl(page, ["/accounts/profile/", *sitemap_paths(page)])
    for expected in ("/accounts/profile/participation/", "/contribute/", "/vote/"):
        assert any(expected in path for path in paths), expected
    check_all(page, paths, checked, "resident")


def test_error_pages(page, checked):
    response = page.goto("/cette-page-n-existe-pas/")
    assert response.status == 404
    checked(page, "404")


def test_server_error_page(page, demo_site, tmp_path):
    """The 500 page, rendered as Django's handler does: no request context, in each language."""
    for language in ("fr", "en"):
        html = demo_site.shell(
            "from django.template.loader import render_to_string\n"
            "from django.utils import translation\n"
            f"translation.activate({language!r})\n"
            "print(render_to_string('500.html'))"
        )
        assert f'<html lang="{language}">' in html
        assert ("Erreur du serveur" in html) == (language == "fr")
        path = tmp_path / f"500-{language}.html"
        path.write_text(html)
        assert not a11y.nu_html_errors([path])
        page.goto("/")
        page.set_content(html)
        violations = a11y.axe_violations(page)
        assert not violations, a11y.describe_violations(violations)
