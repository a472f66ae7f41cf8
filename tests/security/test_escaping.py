"""Script and HTML typed by residents comes out inert on every page, listing, file and e-mail."""

import pytest
from django.core import mail

from .catalogue import CATALOGUE, LEAK, ids
from .outputs import problems_in, raw_fragments
from .payloads import TOKEN


@pytest.mark.parametrize("view", CATALOGUE.views, ids=ids(CATALOGUE.views))
def test_resident_text_comes_out_escaped(hostile_world, view):
    response = hostile_world.client(view.role).get(view.url(hostile_world))

    assert response.status_code == 200
    problems = problems_in(response, view.kind, expect_token=view.shows_resident_text)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("email", CATALOGUE.emails, ids=ids(CATALOGUE.emails))
def test_emails_carry_resident_text_inert(hostile_world, email, django_capture_on_commit_callbacks):
    mail.outbox = []
    with django_capture_on_commit_callbacks(execute=True):
        email.send(hostile_world)

    assert mail.outbox, "nothing was sent"
    problems = []
    for message in mail.outbox:
        # A resident's line break in a subject would add headers, or make sending fail.
        if "\n" in message.subject or "\r" in message.subject:
            problems.append(f"multi-line subject {message.subject!r}")
        message.message()  # builds the MIME message: raises on header injection
        for content, mimetype in getattr(message, "alternatives", []):
            if mimetype == "text/html":
                problems += [f"raw markup in the HTML part: {c}" for c in raw_fragments(content)]
        if message.content_subtype == "html":
            problems += [f"raw markup in the HTML body: {c}" for c in raw_fragments(message.body)]
        if LEAK in message.subject or LEAK in message.body:
            problems.append(f"a hidden item is in the e-mail {message.subject!r}")
    if email.shows_resident_text:
        assert any(TOKEN in m.subject or TOKEN in m.body for m in mail.outbox), (
            "the hostile text is not in the e-mail: the check proves nothing"
        )
    assert not problems, "\n".join(problems)
