"""How the two guessed steps were done, for result.json's `RootChain` and `WebTicket`.

The root chain request and the PIN wire format are phonesim's guesses
(`fidelity.md` §2(g) 1, 2), so a reader of the result must be able to tell a
chain fetched with that request from CA certificates supplied with
`--trust-ca`, and see which PIN variant was sent, without reading the trace.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from phonesim.core import trace_schema as ts
from phonesim.core.commands import Trace
from phonesim.diagnosis.declared_fields import DeclaredFields, fields_of, reads


def step_records(traces: Iterable[Trace]) -> dict[str, Any]:
    """`RootChain`: fetched (and from where) or supplied (and what); `WebTicket`: where the
    PIN went and in which variant. Each absent when the boot never came to the step."""
    record: dict[str, Any] = {}
    for trace in traces:
        if ts.ROOTCHAIN_SUPPLIED.matches(trace):
            record["RootChain"] = _supplied(fields_of(ts.ROOTCHAIN_SUPPLIED, trace))
        elif ts.ROOTCHAIN_REQUEST.matches(trace):
            fields = fields_of(ts.ROOTCHAIN_REQUEST, trace)
            record["RootChain"] = {"Source": "fetched", "Url": fields.get("url")}
        elif ts.WEBTICKET_REQUEST.matches(trace):
            fields = fields_of(ts.WEBTICKET_REQUEST, trace)
            record["WebTicket"] = {
                "Address": fields.get("address"),
                "PinFormat": fields.get("pin_format"),
            }
    return record


@reads(ts.ROOTCHAIN_SUPPLIED)
def _supplied(fields: DeclaredFields) -> dict[str, Any]:
    return {
        "Source": "supplied",
        "TrustCa": fields.get("source"),
        "Certificates": [
            {
                "Subject": c["subject"],
                "NotBefore": c["not_before"],
                "NotAfter": c["not_after"],
                "ValidOnPhoneClock": c["valid_on_phone_clock"],
            }
            for c in fields.get("certificates") or []
        ],
    }


__all__ = ["step_records"]
