"""The hostile-input catalogue: every public address, form, e-mail and resident-written field.

The entries live in ``tests/security/apps/<app>.py``; this module defines their shapes, the
world they run against, and gathers them for the tests in this package.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import import_module

from django.test import Client

# Apps in build order: a later app's build may use what an earlier one made (restitution reads
# the consultation, the budget and the calendar).
APP_MODULES = (
    "core",
    "accounts",
    "consultations",
    "budgets",
    "meetings",
    "petitions",
    "restitution",
)

# Who visits or posts. "author" wrote every hostile text; "resident" is another signed-in
# resident; "moderator" holds every staff permission on the world's pages; "other_moderator"
# holds the same permissions on another part of the site only; "superuser" sees everything.
ROLES = ("anonymous", "author", "resident", "moderator", "other_moderator", "superuser")

# The word every hidden item's text carries: it must never appear on a page that is not the
# staff's own.
LEAK = "LEAKMARKER"


class World:
    """What the app modules built: pages, items and users, as attributes."""

    def __init__(self):
        self.users = {}

    def __setattr__(self, name, value):
        # Apps build into one namespace: a second app reusing a name would silently point
        # the first app's entries at the wrong object.
        if name in self.__dict__ and name != "users":
            raise AttributeError(f"world.{name} is already set: give it another name")
        super().__setattr__(name, value)

    def client(self, role="anonymous", enforce_csrf_checks=False):
        client = Client(enforce_csrf_checks=enforce_csrf_checks)
        if role != "anonymous":
            # A fresh copy: logging in changes the user's last_login, which tokens depend on.
            user = self.users[role]
            client.force_login(type(user)._default_manager.get(pk=user.pk))
        return client


@dataclass(frozen=True)
class View:
    """A GET address.

    ``params`` are the query parameters the view reads; each is tried with hostile values.
    ``routes`` name what it covers: "PageClass.route_name" for routable pages,
    "namespace:url_name" for URL patterns. ``kind`` says how the response is read: html, csv,
    json, pb (Pabulib), ics or text. ``role`` is who looks. ``shows_resident_text`` says the
    response contains hostile resident text (its token must be there, escaped).
    ``hidden_ok`` is True for staff views, which may show hidden items.
    """

    name: str
    url: Callable
    params: tuple = ()
    routes: tuple = ()
    kind: str = "html"
    role: str = "anonymous"
    shows_resident_text: bool = True
    hidden_ok: bool = False

    def __str__(self):
        return self.name


@dataclass(frozen=True)
class Mutation:
    """A POST that changes something.

    ``data(world)`` is a valid submission for ``allowed``; ``state(world)`` returns what the
    POST changes (compared before and after). ``denied`` roles must get 403 or 404 (anonymous
    residents may instead be sent to the login page) and change nothing. ``tampered(world)``
    returns ``(url, data)``: the same form pointed at items ``allowed`` may not touch (another
    page's, another resident's); it must be refused without a change. ``state`` must also cover
    what the tampered POST would change.
    """

    name: str
    url: Callable
    data: Callable
    state: Callable
    allowed: str = "resident"
    denied: tuple = ("anonymous",)
    tampered: Callable = None
    routes: tuple = ()

    def __str__(self):
        return self.name


@dataclass(frozen=True)
class Email:
    """Something that sends e-mail with resident text in it: ``send(world)`` makes it happen
    (tasks queued on commit run immediately in the tests)."""

    name: str
    send: Callable
    shows_resident_text: bool = True

    def __str__(self):
        return self.name


@dataclass(frozen=True)
class BadAddress:
    """An address with a tampered path (an id of another page, a huge or negative number):
    answered 404, never 5xx. ``role`` is who asks."""

    name: str
    url: Callable
    role: str = "anonymous"
    status: tuple = (404,)

    def __str__(self):
        return self.name


@dataclass(frozen=True)
class ResidentText:
    """A model field residents write: ``"app_label.Model.field"``, poisoned in the world."""

    field: str
    multiline: bool = False

    def __str__(self):
        return self.field


@dataclass
class Catalogue:
    builders: list = field(default_factory=list)
    views: list = field(default_factory=list)
    mutations: list = field(default_factory=list)
    emails: list = field(default_factory=list)
    bad_addresses: list = field(default_factory=list)
    resident_text: list = field(default_factory=list)
    not_resident_text: dict = field(default_factory=dict)


def load():
    catalogue = Catalogue()
    for name in APP_MODULES:
        module = import_module(f"tests.security.apps.{name}")
        catalogue.builders.append(module.build)
        catalogue.views += getattr(module, "VIEWS", [])
        catalogue.mutations += getattr(module, "MUTATIONS", [])
        catalogue.emails += getattr(module, "EMAILS", [])
        catalogue.bad_addresses += getattr(module, "BAD_ADDRESSES", [])
        catalogue.resident_text += getattr(module, "RESIDENT_TEXT", [])
        catalogue.not_resident_text.update(getattr(module, "NOT_RESIDENT_TEXT", {}))
    return catalogue


CATALOGUE = load()


def ids(entries):
    return [str(entry) for entry in entries]
