"""What the rows of one import share: the session, the acting admin, the PDFs beside the file,
the keys seen so far (a duplicate inside the file names the row it repeats), and lookups by the
names a lab writes (an owner by tax code or name, an instrument type by code)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lims.errors import ValidationError
from lims.i18n import _
from lims.models import Instrument, InstrumentType, Organisation
from lims.services.certificates.context import CertificateContext
from lims.services.policy import Actor

__all__ = ["ImportContext", "merge_errors"]


@dataclass
class ImportContext:
    session: Session
    actor: Actor | None
    file_name: str
    pdfs: dict[str, bytes] = field(default_factory=dict)
    certificates: CertificateContext | None = None
    dry_run: bool = True
    seen: dict[tuple[Any, ...], int] = field(default_factory=dict)
    #: PDFs of imported certificates, queued once every row is in (never on a dry run).
    files: list[tuple[Any, bytes]] = field(default_factory=list)

    def repeated(self, key: tuple[Any, ...], row: int) -> int | None:
        """The earlier row of the file with the same ``key`` (None: the first time)."""
        first = self.seen.setdefault(key, row)
        return None if first == row else first

    def owner(self, text: str) -> Organisation | None | str:
        """The organisation a cell names by tax code or by its exact name; a message when none
        or several match."""
        org = self.session.scalar(select(Organisation).where(Organisation.tax_code == text))
        if org is not None:
            return org
        named = list(self.session.scalars(select(Organisation).where(Organisation.name == text).limit(2)))
        if len(named) == 1:
            return named[0]
        if named:
            return _("Several organisations have this name: give the tax code.")
        return _("No organisation has this tax code or name: import the customers first.")

    def instrument_type(self, code: str) -> InstrumentType | None:
        return self.session.scalar(select(InstrumentType).where(InstrumentType.code == code))

    def instrument(self, owner: Organisation, serial: str) -> Instrument | None:
        return self.session.scalar(select(Instrument).where(Instrument.owner_id == owner.id,
                                                            Instrument.serial_number == serial))


def merge_errors(errors: dict[str, str], exc: ValidationError, columns: dict[str, str] | None = None) -> None:
    """Add a service's field errors to a row's, its fields named by the file's columns."""
    columns = columns or {}
    found = exc.errors or {"": exc.message}
    for name, message in found.items():
        errors.setdefault(columns.get(name, name) if name else "", message)
