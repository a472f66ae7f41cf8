"""Resident accounts: sign-up with e-mail confirmation, log-in, password reset, profile, privacy.

Include ``wagtail_participation.accounts.urls`` in the site's URLconf (namespace
``participation_accounts``). Sites with their own accounts can leave it out: the package only
needs a user and a ``ParticipantProfile``.
"""
