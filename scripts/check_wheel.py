"""Check that a built wheel ships what a site needs: migrations, templates, static, translations."""

import sys
import zipfile

REQUIRED = [
    "wagtail_participation/migrations/0001_initial.py",
    "wagtail_participation/templates/wagtail_participation/base.html",
    "wagtail_participation/templates/wagtail_participation/participation_index_page.html",
    "wagtail_participation/static/wagtail_participation/css/participation.css",
    "wagtail_participation/locale/fr/LC_MESSAGES/django.po",
    "wagtail_participation/locale/fr/LC_MESSAGES/django.mo",
    "wagtail_participation/contrib/modeladmin/wagtail_hooks.py",
    "wagtail_participation/consultations/migrations/0001_initial.py",
    "wagtail_participation/consultations/locale/fr/LC_MESSAGES/django.mo",
    "wagtail_participation/budgets/migrations/0001_initial.py",
    "wagtail_participation/budgets/templates/wagtail_participation/budgets/results.html",
    "wagtail_participation/budgets/static/wagtail_participation/budgets/ballot.js",
    "wagtail_participation/budgets/locale/fr/LC_MESSAGES/django.po",
    "wagtail_participation/budgets/locale/fr/LC_MESSAGES/django.mo",
    "wagtail_participation/meetings/migrations/0001_initial.py",
    "wagtail_participation/meetings/templates/wagtail_participation/meetings/month.html",
    "wagtail_participation/meetings/locale/fr/LC_MESSAGES/django.mo",
    "wagtail_participation/restitution/migrations/0001_initial.py",
    "wagtail_participation/restitution/templates/wagtail_participation/restitution/restitution_page.html",
    "wagtail_participation/restitution/templates/wagtail_participation/blocks/chart.html",
    "wagtail_participation/restitution/static/wagtail_participation/css/restitution-print.css",
    "wagtail_participation/restitution/locale/fr/LC_MESSAGES/django.mo",
    "wagtail_participation/petitions/migrations/0001_initial.py",
    "wagtail_participation/petitions/templates/wagtail_participation/petitions/petition_detail.html",
    "wagtail_participation/petitions/locale/fr/LC_MESSAGES/django.mo",
]
FORBIDDEN_PREFIXES = ["tests/", "example_site/", "docs/", "benchmarks/"]


def main(path):
    names = set(zipfile.ZipFile(path).namelist())
    missing = [name for name in REQUIRED if name not in names]
    stray = sorted(n for n in names if any(n.startswith(p) for p in FORBIDDEN_PREFIXES))
    for name in missing:
        print(f"missing from the wheel: {name}")
    for name in stray:
        print(f"should not be in the wheel: {name}")
    if missing or stray:
        return 1
    print(f"{path}: {len(names)} files, migrations, templates, static and translations present")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
