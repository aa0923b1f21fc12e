"""SQLAlchemy 2.0 typed models. Importing this package registers every table on ``Base.metadata``."""
from lims.models import search as _search  # noqa: F401  (registers the search-text upkeep)
from lims.models.audit import AuditEvent
from lims.models.base import Base, UTCDateTime, utcnow
from lims.models.catalog import (
    Instrument,
    InstrumentStatus,
    InstrumentType,
    NationalStandard,
    Procedure,
    ReferenceStandard,
    StandardCalibration,
    StandardStatus,
    WorkKind,
)
from lims.models.mail import ReminderKind, ReminderSent
from lims.models.office import OPEN_END, OfficeDay, OfficeTurnaround, OverdueSpan
from lims.models.org import ApiToken, LoginThrottle, Organisation, OrgKind, Role, User, UserRole
from lims.models.trace import Batch, Product, TraceCapture, TraceEvent, TraceEventBatch, TraceLocation
from lims.models.work import (
    Certificate,
    CertificateOrigin,
    CertificateStatus,
    NumberSequence,
    Record,
    RecordPoint,
    RecordStandard,
    RecordStatus,
    RequestStatus,
    ServiceRequest,
    ServiceRequestItem,
)

__all__ = [
    "ApiToken", "AuditEvent", "Base", "Instrument", "InstrumentStatus", "InstrumentType",
    "LoginThrottle", "NationalStandard", "Organisation", "OrgKind", "Procedure", "ReferenceStandard", "ReminderKind",
    "OfficeDay", "OfficeTurnaround", "OPEN_END", "OverdueSpan",
    "ReminderSent", "Role", "StandardCalibration",
    "StandardStatus", "User", "UserRole", "UTCDateTime", "WorkKind", "utcnow",
    "Certificate", "CertificateOrigin", "CertificateStatus", "NumberSequence", "Record", "RecordPoint",
    "RecordStandard", "RecordStatus", "RequestStatus", "ServiceRequest", "ServiceRequestItem",
    "Batch", "Product", "TraceCapture", "TraceEvent", "TraceEventBatch", "TraceLocation",
]
