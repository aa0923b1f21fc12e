"""PTB's own DCC readers, offline: ``dcc-json-toolkit`` (DCC → dict through the XSD) and
``dccquantities`` (tables, quantities, uncertainties), as a partner would read our DCCs.

Both fetch PTB's XSD from the web into a cache on first use. Here the cache is a folder of the
test run, filled from the DCC 3.3.0 schema bundled with ``certificates`` (the toolkit caches a
file once and then reads it from the cache only). ``dccquantities`` also builds, when imported,
a schema for its own output version (3.4.0-rc.2, used only to write XML, which the tests never
ask of it): that cache entry holds the same 3.3.0 files, since nothing is fetched here.
"""
from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from certificates.dcc_schema import schema_dir

SCHEMA_FILES = ("si/qudt/quantitykind.xsd", "si/SI_Format.xsd", "d-sig/xmldsig-core-schema.xsd", "dcc.xsd")
MONO = ("apt-get install mono-runtime mono-devel libmonosgen-2.0-1 libmono-system-windows-forms4.0-cil "
        "libmono-system-drawing4.0-cil, as .ci/run does")
OUTPUT_VERSION = "3.4.0-rc.2"  # dcc_quantities._metadata.__default_out_schema_version__

#: The ``basic_`` refTypes PTB uses, as found in PTB's good-practice DCCs (temperature "typical",
#: "extensive" and "typical_adjustment", humidity 1.0, DKD-E 7-2 mass set; copies in
#: siemens/pydcc ``data/dcc/``) and in the table patterns of PTB's dccquantities
#: (``basic_<N>IndexTable``, ``basic_tableIndex<N>``). Nothing else may start with ``basic_``.
PTB_BASIC_REF_TYPES = frozenset({
    "basic_conformity", "basic_recalibration", "basic_uncertainty", "basic_adjustment",
    "basic_validityRange", "basic_validityRangeMin", "basic_validityRangeMax", "basic_validitySecondaryCondition",
    "basic_measurementRange", "basic_measurementRangeMin", "basic_measurementRangeMax",
    "basic_measurementSecondaryCondition",
    "basic_temperature", "basic_temperatureMin", "basic_temperatureMax",
    "basic_humidityRelative", "basic_humidityRelativeMin", "basic_humidityRelativeMax",
    "basic_referenceValue", "basic_calibrationValue", "basic_measuredValue", "basic_measurementError",
    "basic_normalUsed", "basic_toleranceLimitLower", "basic_toleranceLimitUpper",
    "basic_acceptanceLimitLower", "basic_acceptanceLimitUpper",
    "basic_1IndexTable", "basic_2IndexTable", "basic_1IndexFlatTable", "basic_2IndexFlatTable",
    "basic_tableIndex0", "basic_tableIndex1",
})


@dataclass(frozen=True)
class Readers:
    """The two readers, ready to read a DCC given as bytes."""

    folder: Path

    def _file(self, xml: bytes) -> str:
        path = self.folder / f"dcc-{abs(hash(xml))}.xml"
        path.write_bytes(xml)
        return str(path)

    def as_dict(self, xml: bytes) -> dict[str, Any]:
        """The DCC as dcc-json-toolkit gives it (schema 3.3.0), after its own validity check."""
        from dcc_json_toolkit import DccSchema

        schema = DccSchema("3.3.0")
        text = xml.decode("utf-8")
        assert schema.validate_dcc(text) == [], "dcc-json-toolkit finds the DCC invalid"
        return schema.to_dict(text)

    def tables(self, xml: bytes) -> tuple[list[Any], list[str]]:
        """The tables dccquantities finds, each read as a DccQuantityTable, and the warnings it gave
        while reading them (a coverage probability that contradicts k, an unknown distribution)."""
        from dcc_quantities import DccQuantityTable, extract_dcc_tables

        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            tables = [DccQuantityTable.from_dcc_data(t) for t in extract_dcc_tables(self._file(xml))]
        return tables, [str(w.message) for w in caught]


def prepare(folder: Path) -> Readers:
    """Point dcc-json-toolkit's schema cache at ``folder`` and fill it from the bundled schema."""
    from dcc_json_toolkit import cache

    cache.CACHE_DIR_PATH = folder / "schema-cache"
    cache.CACHE_DIR_PATH.mkdir(parents=True, exist_ok=True)
    bundled = schema_dir()
    for version in ("3.3.0", OUTPUT_VERSION):
        manager = cache.CacheManager(version)
        for name in SCHEMA_FILES:  # imported files first, so no import is fetched
            manager.cache_xsd_file(str(bundled / name))
    with warnings.catch_warnings():
        # pythonnet warns that Mono before 6.12 "is known to be problematic"; the readers run
        warnings.simplefilter("ignore")
        try:
            import dcc_quantities  # noqa: F401 - builds its output schema from the cache on import
        except RuntimeError as exc:  # pythonnet finds no .NET runtime
            raise RuntimeError(f"dccquantities needs Mono ({MONO}): {exc}") from exc
    return Readers(folder)


def normal_k(p: float) -> float:
    """The coverage factor of a normal distribution for coverage probability p (JCGM 100 G.1.3)."""
    low, high = 0.0, 10.0
    for _ in range(80):
        mid = (low + high) / 2
        low, high = (mid, high) if math.erf(mid / math.sqrt(2)) < p else (low, mid)
    return (low + high) / 2
