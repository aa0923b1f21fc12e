"""What a GS1-Conformant resolver answers besides a redirect: link types, the linkset, the
``Link`` header and the resolver description (pure: no Flask, no database).

* Link types are those of the GS1 Web Vocabulary (``gs1:pip`` is ``https://gs1.org/voc/pip``);
  a request names one as ``linkType=gs1:pip`` or by its full URI (GS1-Conformant Resolver
  standard 1.2, "linkType"); ``all`` and ``linkset`` ask for every link.
* The linkset is RFC 9264's JSON form as GS1 writes it: ``{"linkset": [{"anchor": <the Digital
  Link>, <link type URI>: [{"href", "title", "type", "hreflang": [..]}, ...]}]}``; a title in
  another language goes in ``title*`` (RFC 9264 4.2.4.2, ``[{"value", "language"}]``).
* The ``Link`` header of a redirect (RFC 8288) names the linkset (``rel="linkset"``,
  ``type="application/linkset+json"``) and each link; a title that is not plain ASCII is written
  ``title*=UTF-8''…`` (RFC 8187).
* :func:`resolver_description` is the body of ``/.well-known/gs1resolver``.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

GS1_VOC = "https://gs1.org/voc/"
LINKSET_TYPE = "application/linkset+json"
EPCIS_TYPE = "application/ld+json"
#: Values of ``linkType`` that ask for the whole linkset.
ALL = frozenset({"all", "linkset"})

#: The link types this resolver can answer (GS1 Web Vocabulary, link types).
DEFAULT_LINK = "gs1:defaultLink"
PIP = "gs1:pip"
TRACEABILITY = "gs1:traceability"
EPCIS = "gs1:epcis"
CERTIFICATION_INFO = "gs1:certificationInfo"
LINK_TYPES = (DEFAULT_LINK, PIP, TRACEABILITY, EPCIS, CERTIFICATION_INFO)


@dataclass(frozen=True)
class Link:
    """One link of an identifier: its GS1 link type (``gs1:pip``), target, title (with the
    title's language), media type and the languages of the target."""

    link_type: str
    href: str
    title: str
    type: str = "text/html"
    hreflang: tuple[str, ...] = ()
    title_lang: str = ""
    other_titles: tuple[tuple[str, str], ...] = ()  # (language, title) in other languages


def link_type_uri(link_type: str) -> str:
    """``gs1:pip`` → ``https://gs1.org/voc/pip``."""
    return GS1_VOC + link_type[4:] if link_type.startswith("gs1:") else link_type


def requested_link_type(value: str | None) -> str | None:
    """The link type a ``linkType`` parameter names, as a compact ``gs1:`` name (``all`` for the
    linkset); None when none is named."""
    if not value:
        return None
    value = value.strip()
    if value in ALL:
        return "all"
    for prefix in (GS1_VOC, "http://gs1.org/voc/"):
        if value.startswith(prefix):
            return "gs1:" + value[len(prefix):]
    return value


def linkset(anchor: str, links: Iterable[Link], *, description: str | None = None) -> dict[str, Any]:
    """The RFC 9264 linkset (``application/linkset+json``) of the identifier ``anchor``."""
    context: dict[str, Any] = {"anchor": anchor}
    if description:
        context["itemDescription"] = description
    for link in links:
        target: dict[str, Any] = {"href": link.href, "title": link.title, "type": link.type}
        if link.hreflang:
            target["hreflang"] = list(link.hreflang)
        if link.other_titles:
            target["title*"] = [{"value": title, "language": lang} for lang, title in link.other_titles]
        context.setdefault(link_type_uri(link.link_type), []).append(target)
    return {"linkset": [context]}


def _quoted(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _title_parameter(title: str, lang: str) -> str:
    if title.isascii():
        return f"title={_quoted(title)}"
    return f"title*=UTF-8'{lang}'{quote(title, safe='')}"


def link_header(linkset_url: str, links: Sequence[Link]) -> str:
    """The ``Link`` header of a redirect: the linkset first, then every link."""
    parts = [f'<{linkset_url}>; rel="linkset"; type="{LINKSET_TYPE}"']
    for link in links:
        params = [f'rel="{link_type_uri(link.link_type)}"', f'type="{link.type}"']
        if link.hreflang:
            params.append(f'hreflang="{link.hreflang[0]}"')
        params.append(_title_parameter(link.title, link.title_lang or "vi"))
        parts.append(f"<{link.href}>; " + "; ".join(params))
    return ", ".join(parts)


def resolver_description(*, name: str, root: str, primary_keys: Sequence[str] = ("01",),
                         link_types: Sequence[str] = LINK_TYPES, contact: Mapping[str, str] | None = None,
                         extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The resolver description file (GS1-Conformant Resolver standard, "Resolver description
    file", served at ``/.well-known/gs1resolver``)."""
    described: dict[str, Any] = {
        "name": name,
        "resolverRoot": root,
        "supportedPrimaryKeys": list(primary_keys),
        "supportedLinkType": [{"namespace": GS1_VOC, "prefix": "gs1:", "profile": f"{GS1_VOC}?show=linktypes"}],
        "linkTypes": [{"linkType": t, "uri": link_type_uri(t)} for t in link_types],
    }
    if contact:
        described["contact"] = dict(contact)
    described.update(extra or {})
    return described
