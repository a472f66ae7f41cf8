"""Reads the Wagtail admin sidebar menu as a resident of the admin sees it."""

import json
import re

SIDEBAR_PROPS = re.compile(
    r'<script id="wagtail-sidebar-props" type="application/json">(.*?)</script>', re.S
)


def main_menu(html):
    """Top-level menu items as {label: [urls of the item or its sub-items]}."""
    props = json.loads(SIDEBAR_PROPS.search(html).group(1))
    module = next(m for m in props["modules"] if m["_type"] == "wagtail.sidebar.MainMenuModule")
    menu = {}
    for item in module["_args"][0]:
        attrs = item["_args"][0]
        children = item["_args"][1] if item["_type"] == "wagtail.sidebar.SubMenuItem" else []
        urls = [child["_args"][0].get("url") for child in children] or [attrs.get("url")]
        menu.setdefault(attrs["label"], []).append(urls)
    return menu
