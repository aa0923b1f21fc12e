"""Signed checkpoints of the audit chain's head, kept outside the database.

A checkpoint is a small JSON file in ``LIMS_AUDIT_CHECKPOINT_DIR`` (default
``<instance>/audit-checkpoints/``, folder 0700, files 0600): the head's sequence number and
hash, the time it was taken, the number of events, the id of the audit key, and an
HMAC-SHA256 under the audit key over all of these. ``lims audit verify`` writes one after
every walk that passes, ``lims audit checkpoint`` (daily, from cron) one more; all are kept.
Each later verify checks every file: its signature, and that the chain still has the event
at its sequence number with its hash (:mod:`lims.services.audit_verify`).
"""
from __future__ import annotations

import hmac
import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from lims.services.audit_keys import key_id, mac

FORMAT = "lims-audit-checkpoint/1"
_DOMAIN = b"lims-audit-checkpoint\n"  # so a checkpoint's MAC can never pass for an event's


@dataclass(frozen=True)
class Checkpoint:
    path: Path
    seq: int
    hash: str
    at: datetime
    events: int


@dataclass(frozen=True)
class BadCheckpoint:
    path: Path
    reason: str  # "unreadable", "signature" or "other-key"
    key_id: str = ""


def _payload_bytes(payload: dict) -> bytes:
    return _DOMAIN + json.dumps(payload, sort_keys=True, separators=(",", ":")).encode("utf-8")


def write_checkpoint(folder: Path, key: bytes, seq: int, hash_: str, events: int,
                     now: datetime | None = None) -> Path:
    """Write the head (``seq``, ``hash_``, ``events``) as a signed file; its path."""
    now = now or datetime.now(UTC)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    payload = {"format": FORMAT, "seq": seq, "hash": hash_, "events": events,
               "at": now.astimezone(UTC).isoformat(timespec="microseconds"), "key_id": key_id(key)}
    body = {**payload, "signature": mac(key, _payload_bytes(payload))}
    stamp = now.astimezone(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    path = folder / f"checkpoint-{stamp}-seq{seq}.json"
    n = 1
    while path.exists():  # two in the same microsecond
        n += 1
        path = folder / f"checkpoint-{stamp}-seq{seq}-{n}.json"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(body, fh, indent=1, sort_keys=True)
        fh.write("\n")
    os.chmod(path, 0o600)
    return path


def read_checkpoints(folder: Path, key: bytes) -> tuple[list[Checkpoint], list[BadCheckpoint]]:
    """Every checkpoint file in ``folder`` (oldest first), and those that do not verify."""
    good: list[Checkpoint] = []
    bad: list[BadCheckpoint] = []
    if not folder.is_dir():
        return good, bad
    mine = key_id(key)
    for path in sorted(folder.glob("checkpoint-*.json")):
        try:
            body = json.loads(path.read_text(encoding="utf-8"))
            signature = body.pop("signature")
            payload = {k: body[k] for k in ("format", "seq", "hash", "events", "at", "key_id")}
            if set(body) != set(payload) or payload["format"] != FORMAT:
                raise ValueError("unexpected fields")
            checkpoint = Checkpoint(path, int(payload["seq"]), str(payload["hash"]),
                                    datetime.fromisoformat(payload["at"]), int(payload["events"]))
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            bad.append(BadCheckpoint(path, "unreadable"))
            continue
        if payload["key_id"] != mine:
            bad.append(BadCheckpoint(path, "other-key", str(payload["key_id"])))
        elif not isinstance(signature, str) or not hmac.compare_digest(mac(key, _payload_bytes(payload)), signature):
            bad.append(BadCheckpoint(path, "signature"))
        else:
            good.append(checkpoint)
    good.sort(key=lambda c: (c.at, c.seq))
    return good, bad
