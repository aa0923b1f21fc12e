"""What a certificate states about the traceability of its results, from the stored chain data.

For each reference standard used: its calibrating lab (name and accreditation), its certificate
number, and the upstream of that calibration — the national standard and its institute, or the
internal calibration record and the lab's higher standards it was made with. The texts are plain
strings in both languages (the pure ``certificates`` package prints them as given; ISO/IEC 17025
7.8.4.1 c, 6.5). Computed once, when the certificate is issued; a stored certificate keeps its own.
"""
from __future__ import annotations

from certificates import model as cm
from lims.models import Record, StandardCalibration


def upstream_text(cal: StandardCalibration) -> cm.LocalText | None:
    """``chuẩn quốc gia “…” của …`` / ``the national standard “…” of …`` with its KCDB reference; an
    internal calibration's record and standards; None when the calibration names no upstream."""
    national = cal.national_standard
    if national is not None:
        ref = f", {national.kcdb_ref}" if national.kcdb_ref else ""
        return cm.LocalText(f"chuẩn quốc gia “{national.name}” của {national.institute.name}{ref}",
                            f"the national standard “{national.name}” of {national.institute.name}{ref}")
    record = cal.record
    if record is not None:
        codes = ", ".join(rs.standard.code for rs in record.standards) or "—"
        return cm.LocalText(f"hiệu chuẩn nội bộ theo biên bản {record.number}, bằng chuẩn {codes}",
                            f"an internal calibration (record {record.number}) against {codes}")
    return None


def traceability_statement(record: Record) -> cm.LocalText:
    """One sentence per standard naming its lab, certificate and upstream, ending at the SI."""
    vi, en = [], []
    for rs in record.standards:
        cal = rs.calibration
        lab = cal.calibrated_by
        up = upstream_text(cal)
        vi.append(f"{rs.standard.code}: giấy chứng nhận hiệu chuẩn số {cal.certificate_number} của {lab}"
                  + (f", liên kết đến {up.vi}" if up else "") + ".")
        en.append(f"{rs.standard.code}: calibration certificate no. {cal.certificate_number} issued by {lab}"
                  + (f", traceable to {up.en}" if up and up.en else "") + ".")
    return cm.LocalText(
        "Các chuẩn đo lường sử dụng được liên kết đến Hệ đơn vị đo quốc tế (SI) qua chuỗi hiệu chuẩn không "
        "đứt đoạn: " + " ".join(vi),
        "The reference standards used are traceable to the International System of Units (SI) through an "
        "unbroken chain of calibrations: " + " ".join(en))
