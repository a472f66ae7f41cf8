"""Helpers shared by every export a spreadsheet may open (public CSV exports, admin exports)."""

# A spreadsheet reads a cell starting with one of these as a formula (or as a command).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formula(value):
    """Text a spreadsheet would run as a formula is prefixed with a single quote."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value
