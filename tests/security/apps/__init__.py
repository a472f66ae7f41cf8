"""One module per app: what it builds in the hostile world and the addresses it serves.

Each module defines ``build(world)`` and the lists ``VIEWS``, ``MUTATIONS``, ``RESIDENT_TEXT``,
``NOT_RESIDENT_TEXT``, ``EMAILS`` and ``BAD_ADDRESSES`` (any may be empty). A new view, form or
e-mail is covered by adding one line to its app's list.
"""
