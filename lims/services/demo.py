"""Demo data: the lab, two businesses, users for every role, instrument types, standards, instruments.

Later features add their own seeders (service requests, records, certificates ...), each taking
the session and the :class:`DemoContext` built so far. A feature's seeder module registers its
functions with :func:`seeder` and is named in :data:`FEATURE_SEEDERS`, the one list of them; the
seeders run in that order after the foundation. Those modules import this one (for
:func:`seeder` and :class:`DemoContext`), so they are imported when the demo is seeded, not when
this module is: importing them here at the top would be an import cycle.

Everything is written as :data:`~lims.services.policy.SYSTEM`, the lab itself.
"""
from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from lims.models import Instrument, InstrumentType, Organisation, OrgKind, ReferenceStandard, User
from lims.services import catalog
from lims.services.demo_standards import demo_standard
from lims.services.policy import SYSTEM
from lims.services.users import NewUser, Password, create_user

LAB_NAME = "Trung tâm Kỹ thuật Tiêu chuẩn Đo lường Chất lượng Lạng Sơn"

#: The modules whose seeders run after the foundation, in this order.
FEATURE_SEEDERS: tuple[str, ...] = ("lims.services.demo_workflow", "lims.services.demo_working_weights",
                                     "lims.services.demo_certificates", "lims.services.demo_products")


@dataclass
class DemoContext:
    password: str
    base_url: str
    lab: Organisation | None = None
    businesses: list[Organisation] = field(default_factory=list)
    users: list[tuple[str, list[str]]] = field(default_factory=list)
    user_objs: dict[str, User] = field(default_factory=dict)
    types: dict[str, InstrumentType] = field(default_factory=dict)
    standards: dict[str, ReferenceStandard] = field(default_factory=dict)
    instruments: list[Instrument] = field(default_factory=list)


Seeder = Callable[[Session, DemoContext], None]
SEEDERS: list[Seeder] = []


def seeder(fn: Seeder) -> Seeder:
    """Register ``fn`` to run after the foundation's demo data: modules in the order of
    :data:`FEATURE_SEEDERS`, a module's seeders in the order they are defined."""
    if fn not in SEEDERS:
        SEEDERS.append(fn)
    return fn


def demo_present(session: Session) -> bool:
    return session.scalar(select(Organisation.id).where(Organisation.kind == OrgKind.lab.value)) is not None


def seed_demo(session: Session, password: str, base_url: str = "http://127.0.0.1:5000") -> DemoContext:
    ctx = DemoContext(password=password, base_url=base_url)
    _seed_foundation(session, ctx)
    for name in FEATURE_SEEDERS:
        importlib.import_module(name)  # registers its seeders (see the module docstring)
    # In the order of FEATURE_SEEDERS, whichever module some other code imported first.
    order = {name: i for i, name in enumerate(FEATURE_SEEDERS)}
    for fn in sorted(SEEDERS, key=lambda f: order.get(f.__module__, len(order))):
        fn(session, ctx)
    return ctx


def _seed_foundation(session: Session, ctx: DemoContext) -> None:
    _seed_organisations(session, ctx)
    _seed_users(session, ctx)
    _seed_instrument_types(session, ctx)
    _seed_standards(session, ctx)
    _seed_instruments(session, ctx)


def _seed_organisations(session: Session, ctx: DemoContext) -> None:
    ctx.lab = catalog.create_organisation(session, SYSTEM, catalog.NewOrganisation(
        name=LAB_NAME, kind="lab", tax_code="4900123456",
        address="Số 2 đường Hoàng Văn Thụ, phường Chi Lăng, thành phố Lạng Sơn",
        phone="0205 3812 345", email="tdc@langson.example.vn",
    ))
    ctx.businesses = [
        catalog.create_organisation(session, SYSTEM, catalog.NewOrganisation(
            name="Công ty TNHH Thương mại Hữu Nghị", tax_code="4900234567",
            address="Khu kinh tế cửa khẩu Đồng Đăng, huyện Cao Lộc, Lạng Sơn", phone="0205 3851 111",
            email="huunghi@example.vn",
        )),
        catalog.create_organisation(session, SYSTEM, catalog.NewOrganisation(
            name="Hợp tác xã Nông sản Mẫu Sơn", tax_code="4900345678-001",
            address="Xã Mẫu Sơn, huyện Lộc Bình, Lạng Sơn", phone="0205 3840 222",
            email="mauson@example.vn",
        )),
    ]


def _seed_users(session: Session, ctx: DemoContext) -> None:
    assert ctx.lab is not None
    people = [  # the job title is printed under a signature (the reviewer signs certificates)
        ("admin", ["admin"], "Quản trị hệ thống", ctx.lab.id, ""),
        ("ktv.lan", ["technician"], "Nguyễn Thị Lan", ctx.lab.id, ""),
        ("ktv.hung", ["technician"], "Hoàng Văn Hùng", ctx.lab.id, ""),
        ("soatxet.minh", ["reviewer"], "Lê Đức Minh", ctx.lab.id, "Phó Giám đốc"),
        ("thanhtra.thu", ["inspector"], "Vi Thị Thu", ctx.lab.id, ""),
        ("dn.huunghi", ["business"], "Phòng QA Hữu Nghị", ctx.businesses[0].id, ""),
        ("dn.mauson", ["business"], "HTX Mẫu Sơn", ctx.businesses[1].id, ""),
    ]
    for username, roles, full_name, org_id, job_title in people:
        ctx.user_objs[username] = create_user(session, SYSTEM, NewUser(
            username=username, password=Password(ctx.password), roles=tuple(roles), full_name=full_name,
            organisation_id=org_id, job_title=job_title))
        ctx.users.append((username, roles))


def _seed_instrument_types(session: Session, ctx: DemoContext) -> None:
    types = [
        catalog.NewInstrumentType(code="CAN-KTD", name_vi="Cân không tự động",
                                  name_en="Non-automatic weighing instrument", quantity="mass", unit="kg",
                                  requires_verification=True, verification_interval_months=12),
        catalog.NewInstrumentType(code="CAN-DHLX", name_vi="Cân đồng hồ lò xo", name_en="Spring dial scale",
                                  quantity="mass", unit="kg", requires_verification=True,
                                  verification_interval_months=24),
        catalog.NewInstrumentType(code="AP-KE", name_vi="Áp kế kiểu lò xo", name_en="Bourdon tube pressure gauge",
                                  quantity="pressure", unit="bar", requires_verification=True,
                                  verification_interval_months=12),
        catalog.NewInstrumentType(code="NHIET-KE", name_vi="Nhiệt kế điện tử", name_en="Digital thermometer",
                                  quantity="temperature", unit="degC", requires_verification=False),
        catalog.NewInstrumentType(code="QUA-CAN", name_vi="Quả cân", name_en="Weights", quantity="mass", unit="kg"),
        catalog.NewInstrumentType(code="CDXD", name_vi="Cột đo xăng dầu", name_en="Fuel dispenser",
                                  quantity="volume", unit="L", requires_verification=True,
                                  verification_interval_months=12),
    ]
    for t in types:
        ctx.types[t.code] = catalog.create_instrument_type(session, SYSTEM, t)


def _seed_standards(session: Session, ctx: DemoContext) -> None:
    """The F1 weights (calibrated by VMI against the national kilogram), the pressure reference
    (by QUATEST 1, accredited, against VMI's national pressure standard), the reference thermometer
    whose calibration is overdue, and one whose certificates name no upstream (its traceability chain
    is broken), each with two calibrations stating its values point by point (:mod:`.demo_standards`)."""
    for code in ("QC-F1-01", "AP-CHUAN-01", "NK-CHUAN-01", "NK-CHUAN-03"):
        ctx.standards[code] = demo_standard(session, code)


def _seed_instruments(session: Session, ctx: DemoContext) -> None:
    hn, ms = ctx.businesses
    scale, gauge, thermometer = (ctx.types[code].id for code in ("CAN-KTD", "AP-KE", "NHIET-KE"))
    instruments = [
        catalog.NewInstrument(owner_id=hn.id, type_id=scale, manufacturer="Mettler Toledo", model="ICS425",
                              serial_number="MT-8823911", range_min=0, range_max=60, range_unit="kg",
                              resolution=0.01, scale_interval=0.01, load_supports=4, year_of_manufacture=2019,
                              pattern_approval="PDM 088-2016", accuracy_class="III",
                              location="Kho hàng cửa khẩu Đồng Đăng"),
        catalog.NewInstrument(owner_id=hn.id, type_id=scale, manufacturer="A&D", model="GX-6100",
                              serial_number="AD-T1200457", range_min=0, range_max=6100, range_unit="g",
                              resolution=0.01, scale_interval=0.1, accuracy_class="II",  # d = 0.01 g,
                              year_of_manufacture=2021,  # e = 0.1 g, n = 61 000
                              location="Phòng thí nghiệm"),
        catalog.NewInstrument(owner_id=hn.id, type_id=gauge, manufacturer="Wika", model="213.53",
                              serial_number="WK-1907733", range_min=0, range_max=16, range_unit="bar",
                              resolution=0.5, accuracy_class="1.6", location="Trạm khí nén"),
        catalog.NewInstrument(owner_id=ms.id, type_id=scale, manufacturer="Nhơn Hòa", model="NHS-150",
                              serial_number="NH-150-30211", range_min=0, range_max=150, range_unit="kg",
                              resolution=0.05, scale_interval=0.05, load_supports=4,  # e = d = 50 g, n = 3 000
                              accuracy_class="III",
                              location="Điểm thu mua hồi Lộc Bình"),
        catalog.NewInstrument(owner_id=ms.id, type_id=thermometer, manufacturer="Testo", model="104",
                              serial_number="TS-104-77120", range_min=-50, range_max=250, range_unit="degC",
                              resolution=0.1, accuracy_class="", location="Kho lạnh", calibration_interval_months=12),
    ]
    for new in instruments:
        ctx.instruments.append(catalog.create_instrument(session, SYSTEM, new))
