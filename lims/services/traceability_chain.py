"""The metrological traceability chain of a certificate or a record, fed from the database.

The chain itself is built by the pure :func:`traceability.chain.build_chain`; this module hands it
the look-ups from the stored data (docs/traceability.md):

* the result: the certificate's (or record's) number, the work date and the codes of the record's
  reference standards;
* a standard's calibrations: its :class:`~lims.models.StandardCalibration` rows, each with its
  calibrating lab and what vouches for it (accreditation, or national metrology institute);
* a calibration's upstream: its national standard, or the standards of its internal calibration
  record (``record_id``), or nothing (the chain breaks there).

Every standard of the lab and every calibration is read at once (the lab keeps tens of them), with
their labs and national standards, and the standards of the internal records in one more query:
four queries whatever the length of the chain.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from lims.errors import NotFound
from lims.i18n import _
from lims.metrology.units_format import page_quantity
from lims.models import (
    Certificate,
    NationalStandard,
    Record,
    RecordStandard,
    ReferenceStandard,
    StandardCalibration,
)
from lims.services import policy
from lims.services.certificates.queries import get_certificate
from lims.services.policy import Actor
from traceability import chain as tc
from traceability.chain_svg import chain_svg

__all__ = ["ChainView", "certificate_chain", "chain_json", "record_chain", "record_chain_problems", "standard_chain"]


@dataclass
class _Lookups:
    """Everything the chain may need, read once."""

    standards: dict[str, tc.Standard] = field(default_factory=dict)
    standard_ids: dict[str, int] = field(default_factory=dict)
    calibrations: dict[str, list[tc.Calibration]] = field(default_factory=dict)
    upstream: dict[tuple[str, str], list[tc.Upstream]] = field(default_factory=dict)  # (code, certificate)
    linked: set[tuple[str, str]] = field(default_factory=set)  # calibrations that name an upstream

    def upstream_of(self, calibration: tc.Calibration) -> Sequence[tc.Upstream] | None:
        return self.upstream.get((calibration.standard_code, calibration.certificate_number)) or None


def _lab(cal: StandardCalibration) -> tc.Lab:
    lab = cal.lab
    vouch = lab.accreditation
    if lab.national_institute:
        vouch = _("national metrology institute") + (f", {lab.accreditation}" if lab.accreditation else "")
    return tc.Lab(lab.name, vouch)


def _national(item: NationalStandard) -> tc.NationalStandard:
    return tc.NationalStandard(item.institute.name, item.name, item.kcdb_ref)


def _lookups(session: Session) -> _Lookups:
    out = _Lookups()
    stds = session.scalars(select(ReferenceStandard).options(
        selectinload(ReferenceStandard.calibrations).selectinload(StandardCalibration.national_standard)
        .joinedload(NationalStandard.institute)))
    internal: dict[int, list[tuple[str, str]]] = {}
    for std in stds:
        out.standards[std.code] = tc.Standard(std.code, std.name, std.status, std.out_of_tolerance_since)
        out.standard_ids[std.code] = std.id
        cals = out.calibrations.setdefault(std.code, [])
        for cal in std.calibrations:
            cals.append(tc.Calibration(cal.certificate_number, std.code, _lab(cal), cal.calibration_date,
                                       cal.due_date, cal.expanded_uncertainty, cal.uncertainty_unit,
                                       cal.coverage_factor))
            key = (std.code, cal.certificate_number)
            if cal.national_standard is not None:
                out.upstream.setdefault(key, []).append(_national(cal.national_standard))
            if cal.record_id is not None:
                internal.setdefault(cal.record_id, []).append(key)
    if internal:
        rows = session.execute(select(RecordStandard.record_id, ReferenceStandard.code)
                               .join(ReferenceStandard, ReferenceStandard.id == RecordStandard.standard_id)
                               .where(RecordStandard.record_id.in_(internal)).order_by(RecordStandard.id))
        for record_id, code in rows:
            for key in internal[record_id]:
                out.upstream.setdefault(key, []).append(out.standards[code])
    return out


@dataclass
class ChainView:
    """A chain with what a page or the API shows with it."""

    chain: tc.Chain
    number: str
    work_date: date
    standard_ids: dict[str, int]

    def svg(self) -> str:
        return chain_svg(self.chain, _("Traceability chain of %(number)s", number=self.number))

    def reasons(self) -> list[str]:
        """The reasons of the breaks, in the current language (the summary on the result last)."""
        return [b.reason() for b in self.chain.breaks]


def _build(session: Session, result: tc.Result) -> ChainView:
    looked = _lookups(session)
    chain = tc.build_chain(result, looked.standards, looked.calibrations, looked.upstream_of)
    return ChainView(chain, result.number, result.work_date, looked.standard_ids)


def _codes(record: Record | None) -> tuple[str, ...]:
    return tuple(rs.standard.code for rs in record.standards) if record is not None else ()


def record_chain(session: Session, record: Record) -> ChainView:
    """The chain of a record on its work date (today while none is set)."""
    return _build(session, tc.Result(record.number, record.work_date or date.today(), _codes(record), "record"))


def standard_chain(session: Session, std: ReferenceStandard, day: date) -> ChainView:
    """The chain of a standard used on ``day``: what a record of that day using it would trace through."""
    return _build(session, tc.Result(std.code, day, (std.code,), "use"))


def record_chain_problems(session: Session, record: Record) -> list[str]:
    """Why the record's chain does not reach the SI unbroken (empty when it does): what the record
    page and the reviewer's screen flag, and why its approval is refused."""
    view = record_chain(session, record)
    return [] if view.chain.reaches_si else view.reasons()


def certificate_chain(session: Session, actor: Actor | None, certificate_id: int) -> tuple[Certificate, ChainView]:
    """The chain of a certificate, for those who may see it: the lab's staff (inspectors too) and
    the certificate's own customer (:func:`lims.services.policy.can_see_traceability`); 404 else."""
    cert = get_certificate(session, actor, certificate_id)
    if not policy.can_see_traceability(actor, cert):
        raise NotFound(_("No certificate with id %(id)s.", id=certificate_id))
    record = cert.record
    work_date = (record.work_date if record is not None else None) or cert.issue_date
    return cert, _build(session, tc.Result(cert.number, work_date, _codes(record)))


# ---------------------------------------------------------------- JSON


def _node_json(node: tc.Node, standard_ids: dict[str, int]) -> dict[str, Any]:
    item = node.item
    out: dict[str, Any] = {"id": node.id, "kind": node.kind, "depth": node.depth}
    if isinstance(item, tc.Result):
        out.update(number=item.number, work_date=item.work_date)
    elif isinstance(item, tc.Standard):
        out.update(code=item.code, name=item.name, status=item.status, used_on=node.on,
                   standard_id=standard_ids.get(item.code))
    elif isinstance(item, tc.Calibration):
        out.update(certificate_number=item.certificate_number, standard_code=item.standard_code,
                   lab={"name": item.lab.name, "accreditation": item.lab.accreditation},
                   calibration_date=item.calibration_date, due_date=item.due_date,
                   uncertainty={"value": item.uncertainty, "unit": item.unit, "k": item.k,
                                "text": page_quantity(item.uncertainty, item.unit)})
    elif isinstance(item, tc.NationalStandard):
        out.update(institute=item.institute, name=item.name, kcdb_ref=item.kcdb_ref)
    else:
        out.update(name=_("International System of Units"))
    return out


def chain_json(view: ChainView) -> dict[str, Any]:
    """The chain as the API answers it (schema: lims.web.api.traceability; dates as ``date``)."""
    chain = view.chain
    return {
        "number": view.number, "work_date": view.work_date, "reaches_si": chain.reaches_si,
        "nodes": [_node_json(n, view.standard_ids) for n in chain.nodes],
        "edges": [{"source": e.source, "target": e.target, "broken": e.broken} for e in chain.edges],
        "breaks": [{"code": b.code, "node": b.node, "params": dict(b.params), "reason": b.reason()}
                   for b in chain.breaks],
    }
