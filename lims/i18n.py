"""Translations for code outside Flask (services, CLI), sharing Flask-Babel's catalogs.

Message ids are English. Each feature keeps its Vietnamese catalog in its own folder,
``lims/translations/<feature>/vi/LC_MESSAGES/messages.po`` (compiled ``.mo`` beside it, by
``python -m lims.i18n compile``); all folders are merged. The web layer sets the language of
each request with :func:`set_language`; elsewhere the default is ``LIMS_LANGUAGE`` (``vi``).
"""
from __future__ import annotations

import contextvars
import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

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


def translation_dirs() -> list[Path]:
    """Every feature's translations folder (each holds ``<lang>/LC_MESSAGES/messages.mo``)."""
    return sorted(p for p in TRANSLATIONS.iterdir() if p.is_dir() and not p.name.startswith(("_", ".")))


@lru_cache(maxsize=8)
def _catalog(lang: str) -> NullTranslations:
    if lang == "en":
        return NullTranslations()
    merged: Translations | None = None
    for folder in translation_dirs():
        part = Translations.load(str(folder), [lang])
        if not isinstance(part, Translations):
            continue
        if merged is None:
            merged = part
        else:
            merged.merge(part)
    return merged or NullTranslations()


def gettext(message: str, **variables: object) -> str:
    """Translate ``message`` into the current language, then fill ``%(name)s`` placeholders."""
    text = _catalog(current_language()).gettext(message)
    return text % variables if variables else text


_ = gettext


@lru_cache(maxsize=8)
def translator(lang: str):
    """``gettext`` bound to one language (its catalog looked up once), for pages drawn outside Flask."""
    lookup = _catalog(lang).gettext

    def translate(message: str, **variables: object) -> str:
        text = lookup(message)
        return text % variables if variables else text

    return translate


def N_(message: str) -> str:
    """Mark a string for extraction without translating it now."""
    return message


def compile_catalogs() -> list[Path]:
    """Compile every ``messages.po`` under lims/translations into ``messages.mo``."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    written = []
    for po_path in sorted(TRANSLATIONS.glob("*/*/LC_MESSAGES/messages.po")):
        with po_path.open("rb") as fh:
            catalog = read_po(fh)
        mo_path = po_path.with_suffix(".mo")
        with mo_path.open("wb") as fh:
            write_mo(fh, catalog, use_fuzzy=False)
        written.append(mo_path)
    return written


if __name__ == "__main__":  # python -m lims.i18n compile
    import sys

    if sys.argv[1:] == ["compile"]:
        for path in compile_catalogs():
            print(path.relative_to(TRANSLATIONS.parent.parent))
    else:
        print("usage: python -m lims.i18n compile", file=sys.stderr)
        sys.exit(2)
