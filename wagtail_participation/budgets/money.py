"""Amounts of money as residents read them."""

from decimal import Decimal

from django.utils.formats import number_format


def format_money(amount, currency):
    """An amount in the active language: "100,000 EUR", "100 000 EUR".

    Whole amounts show no decimals; others show the cents.
    """
    amount = Decimal(amount)
    decimals = 0 if amount == amount.to_integral_value() else 2
    return f"{number_format(amount, decimal_pos=decimals, force_grouping=True)} {currency}"
