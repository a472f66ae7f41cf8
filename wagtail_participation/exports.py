"""Helpers shared by every export a spreadsheet may open (public CSV exports, admin exports)."""

# A spreadsheet reads a cell starting with one of these as a formula (or as a command).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formula(value):
    """Text a spreadsheet would run as a formula is prefixed with a single quote."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


class FormulaSafeCSVMixin:
    """For views built on Wagtail's ``SpreadsheetExportMixin`` (admin listings, modeladmin):
    their XLSX cells are never formulas, and with this their CSV cells are not either."""

    def preprocess_field_value(self, field, value, export_format):
        value = super().preprocess_field_value(field, value, export_format)
        return neutralise_formula(value) if export_format == self.FORMAT_CSV else value
