"""marshmallow's and webargs' validation messages ("Not a valid integer.", "Missing data for required
field." ...) and Flask-WTF's CSRF refusals in the request's language: the API's 422 bodies and the
error pages speak it as the services' messages do.

marshmallow fills its messages in English; each known one is translated through the catalogs, the
ones with a value in them read back by a pattern (``Longer than maximum length 255.``). A message
not known here (a schema's own, already translated) is returned as it is.
"""
from __future__ import annotations

import re

from lims.i18n import N_, _

__all__ = ["translated"]

_FIXED = (
    N_("Missing data for required field."), N_("Field may not be null."), N_("Unknown field."),
    N_("Invalid input type."), N_("Invalid type."), N_("Invalid value."), N_("Invalid input."),
    N_("Not a valid integer."), N_("Not a valid number."), N_("Not a valid string."),
    N_("Not a valid boolean."), N_("Not a valid date."), N_("Not a valid datetime."), N_("Not a valid list."),
    N_("Not a valid tuple."), N_("Not a valid mapping type."), N_("Not a valid email address."),
    N_("Not a valid URL."), N_("Not a valid UUID."), N_("Not a valid utf-8 string."), N_("Number too large."),
    N_("Special numeric values (nan or infinity) are not permitted."),
    N_("String does not match expected pattern."), N_("Not a valid period of time."),
    # Flask-WTF's refusals of a form without its CSRF token (a page left open too long ...).
    N_("The CSRF token is missing."), N_("The CSRF session token is missing."), N_("The CSRF token has expired."),
    N_("The CSRF token is invalid."), N_("The CSRF tokens do not match."), N_("The referrer header is missing."),
    N_("The referrer does not match the host."),
)

_PATTERNS = (
    (re.compile(r"Longer than maximum length (?P<max>\S+)\."), N_("Longer than maximum length %(max)s.")),
    (re.compile(r"Shorter than minimum length (?P<min>\S+)\."), N_("Shorter than minimum length %(min)s.")),
    (re.compile(r"Length must be between (?P<min>\S+) and (?P<max>\S+)\."),
     N_("Length must be between %(min)s and %(max)s.")),
    (re.compile(r"Length must be (?P<equal>\S+)\."), N_("Length must be %(equal)s.")),
    (re.compile(r"Must be greater than or equal to (?P<min>\S+) and less than or equal to (?P<max>\S+)\."),
     N_("Must be from %(min)s to %(max)s.")),
    (re.compile(r"Must be greater than or equal to (?P<min>\S+)\."), N_("Must be at least %(min)s.")),
    (re.compile(r"Must be less than or equal to (?P<max>\S+)\."), N_("Must be at most %(max)s.")),
    (re.compile(r"Must be greater than (?P<min>\S+)\."), N_("Must be greater than %(min)s.")),
    (re.compile(r"Must be less than (?P<max>\S+)\."), N_("Must be less than %(max)s.")),
    (re.compile(r"Must be one of: (?P<choices>.*)\."), N_("Must be one of: %(choices)s.")),
    (re.compile(r"Must be equal to (?P<other>.*)\."), N_("Must be equal to %(other)s.")),
    (re.compile(r"Not a valid (?P<what>[\w ]+)\."), N_("Not a valid value (%(what)s expected).")),
    (re.compile(r'"(?P<input>.*)" cannot be formatted as a (?P<what>[\w ]+)\.'),
     N_('"%(input)s" cannot be read as a %(what)s.')),
)


def translated(message: str) -> str:
    """``message`` of marshmallow in the current language (unchanged when not one of its own)."""
    if message in _FIXED:
        return _(message)
    for pattern, msgid in _PATTERNS:
        found = pattern.fullmatch(message)
        if found:
            return _(msgid, **found.groupdict())
    return message
