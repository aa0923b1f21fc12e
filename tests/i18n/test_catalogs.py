"""Every message the program shows has a Vietnamese translation, and the compiled catalogs are current."""
from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from lims.i18n import TRANSLATIONS, translation_dirs

ROOT = Path(__file__).resolve().parents[2]
METHODS = [("lims/**.py", "python"), ("instruments/**.py", "python"), ("traceability/**.py", "python"),
           ("lims/web/templates/**.html", "jinja2")]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None, "N_": None}


def _vi_messages() -> dict[str, str]:
    merged: dict[str, str] = {}
    for folder in translation_dirs():
        po = folder / "vi" / "LC_MESSAGES" / "messages.po"
        if po.exists():
            with po.open("rb") as fh:
                for m in read_po(fh):
                    if m.id:
                        merged[m.id if isinstance(m.id, str) else m.id[0]] = m.string
    return merged


def test_every_message_in_code_and_templates_has_a_vietnamese_translation():
    vi = _vi_messages()
    missing = []
    for filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map=METHODS, keywords=KEYWORDS
    ):
        if not filename.startswith(("lims", "instruments", "traceability")):
            continue
        msgid = message if isinstance(message, str) else message[0]
        if not vi.get(msgid):
            missing.append(f"{filename}: {msgid!r}")
    assert not missing, "untranslated messages:\n" + "\n".join(sorted(set(missing)))


def test_compiled_catalogs_match_their_sources():
    """Run `python -m lims.i18n compile` after editing a .po file."""
    for po_path in TRANSLATIONS.glob("*/*/LC_MESSAGES/messages.po"):
        mo_path = po_path.with_suffix(".mo")
        assert mo_path.exists(), f"{mo_path} missing"
        with po_path.open("rb") as fh:
            po = {m.id: m.string for m in read_po(fh) if m.id and not m.fuzzy}
        with mo_path.open("rb") as fh:
            mo = {m.id: m.string for m in read_mo(fh) if m.id}
        assert po == mo, f"{mo_path} is older than {po_path}"


def test_a_message_kept_in_several_catalogs_has_one_translation():
    """The feature catalogs are merged into one: a message id translated differently in two of them
    would show whichever loads last (before: "withdrawn" read "đã ngừng sử dụng" on the catalogue's
    pages and "đã ngừng" on the search filter, and which one a page got depended on load order)."""
    seen: dict[str, tuple[str, str]] = {}
    clashes = []
    for folder in translation_dirs():
        po = folder / "vi" / "LC_MESSAGES" / "messages.po"
        if not po.exists():
            continue
        with po.open("rb") as fh:
            for m in read_po(fh):
                if not m.id or not m.string:
                    continue
                msgid = m.id if isinstance(m.id, str) else m.id[0]
                text = m.string if isinstance(m.string, str) else "\x00".join(m.string)
                first = seen.setdefault(msgid, (folder.name, text))
                if first[1] != text:
                    clashes.append(f"{msgid!r}: {first[0]} {first[1]!r}, {folder.name} {text!r}")
    assert not clashes, "\n".join(clashes)
