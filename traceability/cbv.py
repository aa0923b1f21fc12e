"""The CBV 2.0 vocabularies an EPCIS event uses (GS1 Core Business Vocabulary 2.0), and reading a term
written in any of its spellings. Pure: no Flask, no database."""
from __future__ import annotations

from typing import Final

__all__ = ["BIZ_STEPS", "CBV_PREFIXES", "CBV_TERMS", "DISPOSITIONS", "ERROR_REASONS", "cbv_name"]

#: CBV 2.0 §7.2 business steps (the enumeration of GS1's EPCIS 2.0 JSON Schema, bizStep).
BIZ_STEPS: Final = (
    "accepting", "arriving", "assembling", "collecting", "commissioning", "consigning", "creating_class_instance",
    "cycle_counting", "decommissioning", "departing", "destroying", "disassembling", "dispensing", "encoding",
    "entering_exiting", "holding", "inspecting", "installing", "killing", "loading", "other", "packing", "picking",
    "receiving", "removing", "repackaging", "repairing", "replacing", "reserving", "retail_selling", "shipping",
    "staging_outbound", "stock_taking", "stocking", "storing", "transporting", "unloading", "unpacking",
    "void_shipping", "sensor_reporting", "sampling",
)
#: CBV 2.0 §7.3 dispositions.
DISPOSITIONS: Final = (
    "active", "container_closed", "damaged", "destroyed", "dispensed", "disposed", "encoded", "expired",
    "in_progress", "in_transit", "inactive", "no_pedigree_match", "non_sellable_other", "partially_dispensed",
    "recalled", "reserved", "retail_sold", "returned", "sellable_accessible", "sellable_not_accessible", "stolen",
    "unknown", "available", "completeness_verified", "completeness_inferred", "conformant", "container_open",
    "mismatch_instance", "mismatch_class", "mismatch_quantity", "needs_replacement", "non_conformant", "unavailable",
)
#: CBV 2.0 §7.5 error reasons.
ERROR_REASONS: Final = ("did_not_occur", "incorrect_data")

# The three spellings of a CBV term: bare word (EPCIS 2.0 JSON), CBV 2.0 Web URI, CBV 1.x URN.
CBV_PREFIXES: Final = {
    "bizStep": ("https://ref.gs1.org/cbv/BizStep-", "https://gs1.org/voc/BizStep-", "urn:epcglobal:cbv:bizstep:"),
    "disposition": ("https://ref.gs1.org/cbv/Disp-", "https://gs1.org/voc/Disp-", "urn:epcglobal:cbv:disp:"),
    "reason": ("https://ref.gs1.org/cbv/ER-", "https://gs1.org/voc/ER-", "urn:epcglobal:cbv:er:"),
}
CBV_TERMS: Final = {"bizStep": BIZ_STEPS, "disposition": DISPOSITIONS, "reason": ERROR_REASONS}


def cbv_name(kind: str, value: str) -> str:
    """The CBV short name of a ``bizStep``, ``disposition`` or error ``reason`` written in any of its
    three spellings; another vocabulary's URI is returned as it is."""
    for prefix in CBV_PREFIXES[kind]:
        if value.startswith(prefix) and value[len(prefix):] in CBV_TERMS[kind]:
            return value[len(prefix):]
    return value
