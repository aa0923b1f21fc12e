"""One language per page: every page of the demo (the golden walk's list), in Vietnamese and in
English, read as people see it (the text and the titles, placeholders and labels of its elements;
not the attributes programs read), holds none of the other language's stock phrases and none of the
program's internal names (``points.1.``, ``record.save``, ``environment.temperature``, ``degC``).
The HTTP error pages are walked too."""
from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from tests.golden.test_goldens import _collect, demo  # noqa: F401 - the demo fixture, shared

# Phrases only English pages say (werkzeug's stock error texts among them), and only Vietnamese ones.
ENGLISH = ("not found on the server", "permission to access", "Nothing was changed", "Nothing was saved",
           "Back to the start page", "Sign out", "Certificates", "Records", " cannot be read in ",
           "is not a number followed by a unit", "Internal Server Error", "Method Not Allowed",
           "rectangular", "can be read two ways", "Not a valid", "Missing data for required field")
VIETNAMESE = ("Không tìm thấy", "Lưu và tính", "Đăng xuất", "Giấy chứng nhận", "Biên bản", "Quay về trang đầu",
              "không đọc được", "Đơn vị cấp", "Người phê duyệt", "Nhiệt độ môi trường", "chữ nhật",
              "đọc được theo hai cách")
INTERNAL = re.compile(r"points\.\d|\brecord\.(open|save|submit|approve|return)\b|environment\.temperature|"
                      r"\bdegC\b|certificate\.(issue|amend|revoke|supersede)\b")
SHOWN_ATTRIBUTES = ("title", "placeholder", "aria-label", "alt")


class _Shown(HTMLParser):
    """The text a person reads: text outside script and style, and the attributes shown to people."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._hidden += 1
        self.parts.extend(v for k, v in attrs if k in SHOWN_ATTRIBUTES and v)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._hidden = max(0, self._hidden - 1)

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def shown_text(html: str) -> str:
    parser = _Shown()
    parser.feed(html)
    return " ".join(parser.parts)


def _language_of(name: str) -> str | None:
    match = re.match(r"(?:page-\w+-|public-\d+-)(vi|en)", name)
    return match.group(1) if match else None


def _faults(name: str, html: str, lang: str) -> list[str]:
    text = shown_text(html)
    foreign = ENGLISH if lang == "vi" else VIETNAMESE
    found = [f"{name}: {lang} page says {phrase!r}" for phrase in foreign if phrase in text]
    found += [f"{name}: internal name {m.group(0)!r}" for m in INTERNAL.finditer(text)]
    return found


def test_the_shown_text_leaves_out_what_programs_read():
    html = ('<p data-field="points.1.readings" title="Điểm 1">Lưu</p><script>x = "degC"</script>'
            '<input placeholder="Tìm" value="degC">')
    assert shown_text(html).split() == ["Điểm", "1", "Lưu", "Tìm"]
    assert _faults("x", html, "en") == []  # "Lưu" alone is not one of the stock phrases
    assert _faults("x", "<li>tech — record.save</li>", "vi") == ["x: internal name 'record.save'"]


@pytest.mark.committed  # the demo, as the golden walk reads it
def test_every_page_of_the_demo_speaks_one_language(app, demo):  # noqa: F811 - the fixture
    pages = _collect(app, demo)
    faults: list[str] = []
    walked = 0
    for name, answer in pages.items():
        lang = _language_of(name)
        if lang is None or "text/html" not in answer.split("\n", 1)[0]:
            continue
        walked += 1
        faults += _faults(name, answer.split("\n", 1)[1], lang)
    client = app.test_client()
    for lang in ("vi", "en"):  # the error pages, signed out and signed in
        for path in ("/no-such-page", "/records", "/certificates/999999"):
            resp = client.get(f"{path}?lang={lang}")
            walked += 1
            faults += _faults(f"{path} ({resp.status_code})", resp.get_data(as_text=True), lang)
    assert walked > 80, walked
    assert not faults, "\n".join(faults[:60])


def _json_text(body: object) -> str:
    """Every text of a JSON answer (its values, not its keys nor ``detail.field``: the field paths are for
    programs)."""
    if isinstance(body, dict):
        return " ".join(_json_text(v) for k, v in body.items() if k != "field")
    if isinstance(body, list):
        return " ".join(_json_text(v) for v in body)
    return str(body) if isinstance(body, str) else ""


@pytest.mark.committed  # the demo, as the golden walk reads it
def test_refusals_of_a_record_and_of_the_api_speak_one_language(app, demo):  # noqa: F811 - the fixture
    """A record's page after bad readings (a pressure in a mass, text, a number that could be read two
    ways, a bad environment value), its budget table, and the API's 422 answers to the same input, in
    Vietnamese and in English: each in one language, with no internal names (``points.1.``, ``degC``).
    Before, the unit and number messages and the budget table's distributions were English on
    Vietnamese pages, and a Vietnamese form refused "1.000,5"."""
    from sqlalchemy import select

    from lims.models import Record
    from lims.services.policy import SYSTEM
    from lims.services.users import create_api_token
    from tests.golden.test_goldens import PASSWORD

    rec = demo.scalars(select(Record).where(Record.status.in_(("draft", "returned"))).order_by(Record.id)).first()
    assert rec is not None
    first, second, third = sorted(rec.points, key=lambda p: p.seq)[:3]
    env_key = rec.procedure.spec["environment"][0]["key"]
    client = app.test_client()
    resp = client.post("/login", data={"username": rec.technician.username, "password": PASSWORD})
    assert resp.status_code == 302
    faults: list[str] = []
    expected = {"vi": ("đọc được theo hai cách", "không phải là một số viết đúng cách"),
                "en": ("can be read two ways", "is not a number as it is written here")}
    for lang, two_ways in (("vi", "1.005"), ("en", "1,005")):
        form = {"version_id": str(rec.version_id), f"p-{first.seq}-readings": "5 bar",
                f"p-{second.seq}-readings": "1.00,5", f"p-{third.seq}-readings": two_ways, f"env-{env_key}": "abc"}
        resp = client.post(f"/records/{rec.id}?lang={lang}", data=form)
        html = resp.get_data(as_text=True)
        assert resp.status_code == 422, html[:500]
        text = shown_text(html)
        assert all(phrase in text for phrase in expected[lang]), (lang, text[:3000])
        faults += _faults(f"record {rec.id} refused ({lang})", html, lang)
        page = client.get(f"/records/{rec.id}?lang={lang}").get_data(as_text=True)
        faults += _faults(f"record {rec.id} ({lang})", page, lang)
    token = create_api_token(demo, SYSTEM, rec.technician)
    demo.commit()
    client = app.test_client()  # a program's: no session, its language from Accept-Language
    for lang, two_ways in (("vi", "1,000.5 kg"), ("en", "1.000,5 kg")):
        headers = {"Authorization": f"Bearer {token}", "Accept-Language": lang}
        bodies = [{"version_id": rec.version_id, "points": [{"seq": first.seq, "readings": ["5 bar"]},
                                                            {"seq": second.seq, "readings": [two_ways]}]},
                  {"version_id": "one", "points": "none"}, {"points": [{"seq": "x"}]}]
        for body in bodies:
            resp = client.put(f"/api/v1/records/{rec.id}", json=body, headers=headers)
            answer = resp.get_json()
            assert resp.status_code == 422, answer
            faults += _faults(f"PUT /api/v1/records/{rec.id} {body} ({lang})", _json_text(answer), lang)
    assert not faults, "\n".join(faults)
