"""Tokens for the links the accounts e-mails carry."""

from django.contrib.auth.tokens import PasswordResetTokenGenerator


class EmailConfirmationTokenGenerator(PasswordResetTokenGenerator):
    """Signs the "confirm your e-mail address" link of a new account.

    Its own salt, so that a password-reset token never confirms an address (nor the reverse).
    The hash covers ``is_active`` (and, through the parent class, the password, the last log-in
    and the e-mail address): once the account is activated the link stops working. It expires
    after ``settings.PASSWORD_RESET_TIMEOUT`` seconds, like a password-reset link.
    """

    key_salt = "wagtail_participation.accounts.tokens.EmailConfirmationTokenGenerator"

    def _make_hash_value(self, user, timestamp):
        return f"{super()._make_hash_value(user, timestamp)}{user.is_active}"


email_confirmation_token = EmailConfirmationTokenGenerator()
