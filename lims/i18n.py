"""Translations for code outside Flask (services, CLI), sharing Flask-Babel's catalogs.

Message ids are English; ``lims/translations/vi`` holds the Vietnamese catalog. The web
layer sets the language of each request with :func:`use_language`; elsewhere the default
is ``LIMS_LANGUAGE`` (``vi``).
"""
from __future__ import annotations

import contextvars
import os
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Iterator

from babel.support import NullTranslations, Translations

TRANSLATIONS = Path(__file__).resolve().parent / "translations"
_language: contextvars.ContextVar[str | None] = contextvars.ContextVar("lims_language", default=None)


def current_language() -> str:
    return _language.get() or os.environ.get("LIMS_LANGUAGE", "vi")


def set_language(lang: str | None) -> contextvars.Token:
    return _language.set(lang)


@contextmanager
def use_language(lang: str) -> Iterator[None]:
    token = _language.set(lang)
    try:
        yield
    finally:
        _language.reset(token)


@lru_cache(maxsize=8)
def _catalog(lang: str) -> NullTranslations:
    if lang == "en":
        return NullTranslations()
    return Translations.load(str(TRANSLATIONS), [lang])


def gettext(message: str, **variables: object) -> str:
    """Translate ``message`` into the current language, then fill ``%(name)s`` placeholders."""
    text = _catalog(current_language()).gettext(message)
    return text % variables if variables else text


_ = gettext


def N_(message: str) -> str:
    """Mark a string for extraction without translating it now."""
    return message
