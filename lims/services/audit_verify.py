"""Checking the audit chain: its hashes, its checkpoints, and the state it describes.

:func:`verify_chain` walks the events in sequence order. Events up to the ``audit.keyed`` one
(chains begun by earlier releases) are checked as plain SHA-256, that event and every later
one as HMAC-SHA256 under the audit key; a chain whose first event is keyed needs no marker.
It stops at the first event whose number, link or hash does not match.

With a checkpoint folder it then checks every signed checkpoint there: the event at the
checkpoint's sequence number must exist (else the chain was truncated) and have the
checkpoint's hash (else it was rewritten). An ``audit.restored`` event — appended after a
restore from backup, naming the restored head ``H`` and its hash — stands in for the
checkpoints taken before it with a sequence number above ``H``: they are reported as
superseded, provided the chain's event ``H`` has that hash.

Last, the statuses stored in the tables are compared with the last event about them
(:data:`STATE_FIELDS`): a certificate's and a record's status, an instrument's next due date.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lims.errors import LimsError
from lims.i18n import _
from lims.models import AuditEvent, Certificate, Instrument, Record
from lims.services.audit_checkpoints import BadCheckpoint, read_checkpoints, write_checkpoint
from lims.services.audit_hashing import COLUMNS as _COLUMNS
from lims.services.audit_hashing import (
    GENESIS,
    KEYED,
    RESTORED,
    jsonable,
    keyed_digest,
    session_key,
)
from lims.services.audit_hashing import event_fields as _fields
from lims.services.audit_hashing import plain_digest as _digest
from lims.services.audit_keys import key_id

#: entity type -> (model, field): the stored values compared with the last event's ``after``.
STATE_FIELDS: dict[str, tuple[Any, str]] = {
    "certificate": (Certificate, "status"),
    "record": (Record, "status"),
    "instrument": (Instrument, "next_due"),
}
_NO_ROW = object()


@dataclass
class Disagreement:
    entity_type: str
    entity_id: str
    field: str
    stored: Any  # None when the row is gone
    in_event: Any
    seq: int
    row_missing: bool = False

    def message(self) -> str:
        stored = _("(no such row)") if self.row_missing else repr(self.stored)
        return _("%(entity)s %(id)s: %(field)s is %(stored)s in the table, %(event)s in the last event about it "
                 "(#%(seq)s)", entity=self.entity_type, id=self.entity_id, field=self.field, stored=stored,
                 event=repr(self.in_event), seq=self.seq)


@dataclass
class CheckpointFinding:
    path: Path
    message: str
    failure: bool = True  # False: information (superseded by a restore)


@dataclass
class _Restore:
    seq: int
    at: datetime
    head_seq: int
    head_hash: str


@dataclass
class ChainReport:
    """What ``lims audit verify`` found. ``ok``: everything holds."""

    walk_ok: bool
    checked: int
    first_bad_seq: int | None = None
    first_bad_id: int | None = None
    reason: str = ""
    keyed_from: int | None = None  # 1: keyed from the first event; else the audit.keyed event's seq
    head_seq: int = 0
    head_hash: str = GENESIS
    checkpoints_checked: int = 0
    checkpoint_findings: list[CheckpointFinding] = field(default_factory=list)
    restore_problems: list[str] = field(default_factory=list)
    disagreements: list[Disagreement] = field(default_factory=list)

    @property
    def chain_ok(self) -> bool:
        """The chain, its checkpoints and its restore events hold (state aside)."""
        return self.walk_ok and not self.restore_problems and not any(f.failure for f in self.checkpoint_findings)

    @property
    def ok(self) -> bool:
        return self.chain_ok and not self.disagreements


class _Walk:
    def __init__(self, session: Session, key: bytes | None):
        self.session = session
        self.key = key
        self.mode: str | None = None  # "plain" or "keyed" once the first event is read
        self.report = ChainReport(walk_ok=True, checked=0)
        self.state: dict[tuple[str, str], tuple[Any, int]] = {}
        self.restores: list[_Restore] = []

    def fail(self, ev: Any, reason: str) -> None:
        r = self.report
        r.walk_ok, r.first_bad_seq, r.first_bad_id, r.reason = False, ev.seq, ev.id, reason

    def keyed(self, ev: Any, fields: dict) -> bool:
        return self.key is not None and keyed_digest(self.key, fields) == ev.hash

    def mismatch(self, ev: Any) -> str:
        """Why a keyed event does not match: an edit, or (when the head does not match either)
        a key other than the one the chain was written with."""
        mine = key_id(self.key) if self.key is not None else "-"
        marker = (ev.after or {}).get("key_id") if ev.action == KEYED and isinstance(ev.after, dict) else None
        if marker and marker != mine:
            return _("the chain was keyed with another audit key (key id %(theirs)s; this instance's key is "
                     "%(mine)s): check LIMS_AUDIT_KEY_FILE", theirs=marker, mine=mine)
        if _digest(_fields(ev)) == ev.hash:
            return _("its hash is plain SHA-256 where the chain is keyed: it was rewritten and hashed again "
                     "without the audit key")
        head = self.session.execute(select(*_COLUMNS).order_by(AuditEvent.seq.desc()).limit(1)).first()
        if head is not None and head.seq != ev.seq and not self.keyed(head, _fields(head)):
            return _("neither this event nor the last one (#%(head)s) matches under this instance's audit key "
                     "(key id %(mine)s): the key is not the one the chain was written with (check "
                     "LIMS_AUDIT_KEY_FILE), or the chain was rewritten", head=head.seq, mine=mine)
        return _("its content does not match its hash under the audit key (edited after it was written)")

    def step(self, ev: Any, expected_seq: int, prev: str) -> bool:
        if ev.seq != expected_seq:
            self.fail(ev, _("sequence jumps from %(a)s to %(b)s: an event is missing", a=expected_seq - 1, b=ev.seq))
            return False
        if ev.prev_hash != prev:
            self.fail(ev, _("its link to the previous event does not match"))
            return False
        fields = _fields(ev)
        if self.mode == "keyed" or (self.mode is None and self.keyed(ev, fields)):
            if self.mode is None:
                self.mode, self.report.keyed_from = "keyed", ev.seq
            if not self.keyed(ev, fields):
                self.fail(ev, self.mismatch(ev))
                return False
        elif ev.action == KEYED:  # the re-anchoring event: keyed from here on
            if not self.keyed(ev, fields):
                self.fail(ev, self.mismatch(ev))
                return False
            self.mode, self.report.keyed_from = "keyed", ev.seq
        elif _digest(fields) == ev.hash:
            self.mode = "plain"
        elif self.keyed(ev, fields):
            self.fail(ev, _("it is keyed, but no audit.keyed event comes before it (events before it are plain "
                            "SHA-256)"))
            return False
        else:
            self.fail(ev, self.mismatch(ev) if self.mode is None
                      else _("its content does not match its hash (edited after it was written)"))
            return False
        self.note(ev)
        return True

    def note(self, ev: Any) -> None:
        after = ev.after if isinstance(ev.after, dict) else {}
        spec = STATE_FIELDS.get(ev.entity_type)
        if spec is not None and spec[1] in after:
            self.state[(ev.entity_type, ev.entity_id)] = (after[spec[1]], ev.seq)
        if ev.action == RESTORED:
            try:
                self.restores.append(_Restore(ev.seq, ev.at, int(after["head_seq"]), str(after["head_hash"])))
            except (KeyError, TypeError, ValueError):
                self.report.restore_problems.append(_(
                    "the restore event #%(seq)s does not name the restored head (head_seq, head_hash)", seq=ev.seq))


def verify_chain(session: Session, *, checkpoint_dir: Path | None = None, check_state: bool = True,
                 key: bytes | None = None, batch: int = 5000) -> ChainReport:
    """Walk the chain; with ``checkpoint_dir``, check its checkpoints; with ``check_state``,
    compare the stored statuses with the last events about them. Raises
    :class:`lims.services.audit_keys.AuditKeyError` when the chain has events but the key file
    is missing or unreadable."""
    count = session.scalar(select(func.count()).select_from(AuditEvent)) or 0
    checkpoints = checkpoint_dir is not None and checkpoint_dir.is_dir() and \
        any(checkpoint_dir.glob("checkpoint-*.json"))
    if key is None and (count or checkpoints):  # an empty chain with checkpoints was emptied
        key = session_key(session, create=False)
    walk = _Walk(session, key)
    report = walk.report
    _walk_on(session, walk, batch)
    if check_state:
        # A status change and its event are committed together. Events committed while the
        # tables were read are walked too, and the tables read again, until none came in: a
        # change seen in a table then always has its event walked.
        for _round in range(5):
            report.disagreements = _disagreements(session, walk.state)
            seen = report.checked
            if not report.disagreements or not report.walk_ok or _walk_on(session, walk, batch) == seen:
                break
    if report.walk_ok and walk.mode == "plain":
        report.walk_ok = False
        report.first_bad_seq = report.head_seq
        report.reason = _("the chain is plain SHA-256 up to its last event (#%(seq)s) and has no audit.keyed "
                          "event: whoever can write to the database can rewrite it; run `lims db upgrade` to "
                          "key it", seq=report.head_seq)
    if checkpoint_dir is not None and key is not None:
        _check_checkpoints(session, walk, checkpoint_dir, key)
    return report


def _walk_on(session: Session, walk: _Walk, batch: int) -> int:
    """Walk on from the report's head while the chain holds; the number of events checked."""
    report = walk.report
    while report.walk_ok:
        rows = session.execute(select(*_COLUMNS).where(AuditEvent.seq > report.head_seq)
                               .order_by(AuditEvent.seq).limit(batch)).all()
        if not rows:
            break
        for ev in rows:
            if not walk.step(ev, report.head_seq + 1, report.head_hash):
                break
            report.head_seq, report.head_hash = ev.seq, ev.hash
            report.checked += 1
    return report.checked


def _hashes_at(session: Session, seqs: set[int]) -> dict[int, str]:
    out: dict[int, str] = {}
    ordered = sorted(seqs)
    for i in range(0, len(ordered), 500):
        chunk = ordered[i:i + 500]
        out.update({s: h for s, h in session.execute(
            select(AuditEvent.seq, AuditEvent.hash).where(AuditEvent.seq.in_(chunk)))})
    return out


def _check_checkpoints(session: Session, walk: _Walk, folder: Path, key: bytes) -> None:
    report = walk.report
    good, bad = read_checkpoints(folder, key)
    report.checkpoints_checked = len(good) + len(bad)
    for b in bad:
        report.checkpoint_findings.append(CheckpointFinding(b.path, _bad_checkpoint(b, key)))
    stored = _hashes_at(session, {c.seq for c in good} | {r.head_seq for r in walk.restores})
    end = session.scalar(select(func.max(AuditEvent.seq))) or 0
    restores = []
    for r in walk.restores:
        if stored.get(r.head_seq) == r.head_hash and r.head_seq < r.seq:
            restores.append(r)
        else:
            report.restore_problems.append(_(
                "the restore at seq %(seq)s names event #%(head)s with hash %(hash)s, but the chain's event "
                "#%(head)s has %(found)s", seq=r.seq, head=r.head_seq, hash=r.head_hash[:16],
                found=(stored.get(r.head_seq) or _("no such event"))[:16]))
    for c in good:
        found = stored.get(c.seq)
        if found == c.hash:
            continue
        restore = next((r for r in restores if r.at > c.at and r.head_seq < c.seq), None)
        if restore is not None:
            report.checkpoint_findings.append(CheckpointFinding(c.path, _(
                "checkpoint %(file)s (event #%(seq)s) is superseded by the restore at seq %(restore)s (back to "
                "event #%(head)s)", file=c.path.name, seq=c.seq, restore=restore.seq, head=restore.head_seq),
                failure=False))
        elif found is None:
            report.checkpoint_findings.append(CheckpointFinding(c.path, _(
                "truncated: checkpoint %(file)s records event #%(seq)s, but the chain ends at event #%(end)s",
                file=c.path.name, seq=c.seq, end=end)))
        else:
            report.checkpoint_findings.append(CheckpointFinding(c.path, _(
                "rewritten: event #%(seq)s's hash is not the one checkpoint %(file)s records (the chain was "
                "recomputed from there or before)", file=c.path.name, seq=c.seq)))


def _bad_checkpoint(b: BadCheckpoint, key: bytes) -> str:
    if b.reason == "other-key":
        return _("checkpoint %(file)s was signed with another audit key (key id %(theirs)s; this instance's key is "
                 "%(mine)s)", file=b.path.name, theirs=b.key_id, mine=key_id(key))
    if b.reason == "signature":
        return _("checkpoint %(file)s: its signature does not match its content (the file was altered)",
                 file=b.path.name)
    return _("checkpoint %(file)s cannot be read as a checkpoint", file=b.path.name)


def _disagreements(session: Session, state: dict[tuple[str, str], tuple[Any, int]]) -> list[Disagreement]:
    out = []
    for entity_type, (model, name) in STATE_FIELDS.items():
        wanted = {eid: v for (etype, eid), v in state.items() if etype == entity_type}
        if not wanted:
            continue
        stored = {str(i): value for i, value in session.execute(select(model.id, getattr(model, name))).all()}
        for eid, (value, seq) in wanted.items():
            current = stored.get(eid, _NO_ROW)
            if current is _NO_ROW:
                out.append(Disagreement(entity_type, eid, name, None, value, seq, row_missing=True))
            elif jsonable(current) != value:
                out.append(Disagreement(entity_type, eid, name, jsonable(current), value, seq))
    out.sort(key=lambda d: d.seq)
    return out


class CheckpointRefused(LimsError):
    """The head cannot be checkpointed: it does not verify (``lims audit verify`` says more)."""

    status = 409
    code = "audit_head"


def take_checkpoint(session: Session, folder: Path) -> Path | None:
    """Write a signed checkpoint of the chain's head (None: the chain is empty).

    Cheap enough for a daily timer whatever the chain's length: the head event must match its
    HMAC under the audit key and the number of events must be its sequence number; the full
    walk is ``lims audit verify``'s."""
    key = session_key(session, create=False)
    head = session.execute(select(*_COLUMNS).order_by(AuditEvent.seq.desc()).limit(1)).first()
    if head is None:
        return None
    count = session.scalar(select(func.count()).select_from(AuditEvent)) or 0
    if keyed_digest(key, _fields(head)) != head.hash:
        raise CheckpointRefused(_("The last audit event (#%(seq)s) does not match its hash under the audit key; "
                                  "no checkpoint written. Run `lims audit verify`.", seq=head.seq))
    if count != head.seq:
        raise CheckpointRefused(_("The audit chain ends at event #%(seq)s but holds %(count)s events; no "
                                  "checkpoint written. Run `lims audit verify`.", seq=head.seq, count=count))
    return write_checkpoint(folder, key, head.seq, head.hash, count)
