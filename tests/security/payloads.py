"""What a hostile resident types, and what must never come back out raw."""

# A harmless word inside every payload: its presence proves the text was really shown.
TOKEN = "xss-probe"

SCRIPT = f'<script>alert("{TOKEN}")</script>'
BREAKOUT = '"><img src=x onerror=alert(1)>'
JAVASCRIPT_LINK = "javascript:alert(1)"
FORMULA = "=1+1 "

# For one-line fields (names, titles): starts like a spreadsheet formula, then script and an
# attribute break-out. 71 characters: it fits every title and the 60-character public name
# once cut with ``hostile(max_length)``.
ONE_LINE = f"{FORMULA}{SCRIPT}{BREAKOUT}"
# For texts: the same, a line that would be a property in a calendar file, and a script link.
TEXT = f"{ONE_LINE}\r\nX-INJECTED:1\r\n{JAVASCRIPT_LINK}"


def hostile(max_length=None, label=""):
    """The one-line payload, with ``label`` so tests can tell rows apart, within ``max_length``."""
    value = f"{FORMULA}{label}{SCRIPT}{BREAKOUT}" if label else ONE_LINE
    if max_length is not None and len(value) > max_length:
        # Keep the formula start, the token and the opening of the script.
        value = f"{FORMULA}<script>alert('{TOKEN}')"[:max_length]
    return value


# Raw fragments that would run in a browser if resident text were not escaped.
RAW_IN_HTML = ("<script>alert(", "<img src=x onerror", 'href="javascript:', "href='javascript:")

# Values tried on every GET parameter of every public view.
PARAMETER_VALUES = (
    "'",
    '"',
    "' OR '1'='1",
    "1; DROP TABLE wagtailcore_page; --",
    "%' OR 1=1 --",
    SCRIPT,
    BREAKOUT,
    JAVASCRIPT_LINK,
    "-1",
    "0",
    "99999999999999999999999",
    "1e400",
    "\x00",
    "../../etc/passwd",
    "x" * 5000,
)
