"""The single-phone result, shaped like Test-CsPhoneBootstrap's output.

Admins know that cmdlet's fields (TargetUri, TargetFqdn, Result, Latency,
Error, Diagnosis); the same names let them compare our run with theirs.
"""

from __future__ import annotations

from typing import Any

from phonesim.core.outcome import Failure, Outcome, Success
from phonesim.core.stage import Stage
from phonesim.diagnosis import Diagnosis, Finding
from phonesim.diagnosis.phone_screen import screen_for
from phonesim.report.hold_span import held_span

EXIT_SUCCESS = 0
EXIT_INTERNAL = 1
EXIT_USAGE = 2
EXIT_CODES: dict[str, int] = {
    Stage.LEASE: 3,
    Stage.DHCP: 3,
    Stage.DNS: 3,
    Stage.DISCOVERY: 3,
    Stage.TIME: 3,
    Stage.ROOTCHAIN: 4,
    Stage.WEBTICKET: 5,
    Stage.CERTPROV: 6,
    Stage.REGISTRAR: 7,
    Stage.TLSDSK: 8,
    Stage.PROVISIONING: 9,
    Stage.HELD: 10,
}
"""One exit code per failure class, so scripts can branch without parsing output (every
reason in `core/failure_reasons` ends at one of these stages)."""


EXIT_INTERRUPTED = 130
"""Ctrl-C, as a shell reports it; also a sign-in that worked but whose hold Ctrl-C cut
short: the run did less than it was asked (a script waiting on a 30 minute hold did not
get one), as `phonesim fleet` says of a held fleet it cut. Result stays Success, and
Held says how long of the hold asked for was done."""


def exit_code(outcome: Outcome) -> int:
    if isinstance(outcome, Success):
        if outcome.held is not None and outcome.held.get("cut_short_by"):
            return EXIT_INTERRUPTED
        return EXIT_SUCCESS
    return EXIT_CODES.get(outcome.stage, EXIT_INTERNAL)


def signed_in_after(outcome: Success) -> float:
    """Seconds from power-on to the end of the sign-in (200 OK, or provisioning): a held
    phone's boot lasts its hold too, which is not sign-in time."""
    if outcome.held is not None and outcome.held.get("began_at") is not None:
        return float(outcome.held["began_at"])
    return outcome.t


REACHED_CHALLENGE = (
    "the registrar's TLS-DSK challenge (stopped there as asked; the TLS-DSK handshake "
    "and REGISTER 200 OK were not run, so not signed in)"
)
SIGNED_IN = "signed in: TLS-DSK handshake and a REGISTER 200 OK whose signature was verified"
PROVISIONED = SIGNED_IN + ", then in-band provisioning"


def reached(outcome: Success) -> str:
    """What a success means: how far the phone got, never more than happened."""
    if outcome.stage == Stage.PROVISIONING:
        if outcome.held is not None:
            held = outcome.held
            signed_out = "signed out" if held.get("signed_out") else "not signed out"
            return f"{PROVISIONED}; held registered {held_span(held)}, then {signed_out}"
        return PROVISIONED
    if outcome.stage == Stage.TLSDSK:
        return SIGNED_IN + " (stopped there as asked: no provisioning)"
    if outcome.stage == Stage.REGISTRAR:
        return REACHED_CHALLENGE
    return f"{outcome.stage} (stopped there as asked; nothing of a later stage was sent)"


def _latency(seconds: float) -> str:
    """TimeSpan text as PowerShell prints it: 00:00:04.1875000."""
    whole = int(seconds)
    ticks = round((seconds - whole) * 10_000_000)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{ticks:07d}"


def bootstrap_result(
    outcome: Outcome, *, phone: dict[str, Any], diagnosis: Diagnosis | None = None
) -> dict[str, Any]:
    findings = diagnosis.to_json() if diagnosis is not None else []
    top = diagnosis.top if diagnosis is not None else None
    if isinstance(outcome, Success):
        fqdn = outcome.registrar.rsplit(":", 1)[0] if outcome.registrar else None
        signed_in = signed_in_after(outcome)
        return {
            "TargetUri": outcome.web_url,
            "TargetFqdn": fqdn,
            "Result": "Success",
            "Reached": reached(outcome),
            "Latency": _latency(signed_in),
            "Error": None,
            "Diagnosis": None,
            "LatencySeconds": signed_in,
            "Stage": outcome.stage,
            "SipUri": outcome.sip_uri,
            "Registrar": outcome.registrar,
            **({"Provisioned": outcome.provisioned} if outcome.provisioned is not None else {}),
            **({"Held": outcome.held} if outcome.held is not None else {}),
            "Findings": findings,
            "Phone": phone,
            "ExitCode": exit_code(outcome),
        }
    assert isinstance(outcome, Failure)
    return {
        "TargetUri": outcome.web_url,
        "TargetFqdn": _failed_target_fqdn(outcome),
        "Result": "Failure",
        "Latency": _latency(outcome.t),
        "Error": outcome.message,
        "Diagnosis": _diagnosis_text(top, outcome),
        "LatencySeconds": outcome.t,
        "Stage": outcome.stage,
        "Reason": outcome.reason,
        "PhoneScreen": (top.phone_screen if top is not None else None) or screen_for(outcome.stage),
        "Evidence": outcome.evidence,
        "Findings": findings,
        "Phone": phone,
        "ExitCode": exit_code(outcome),
    }


def _failed_target_fqdn(outcome: Failure) -> str | None:
    """The registrar a failed boot targeted: the one it would try next, or else the one
    whose answer ended the boot (a 503, a refusal, a wrong signature), which its evidence
    names; the cmdlet names the pool it tried, and so do we when we know it."""
    registrar = outcome.registrar or outcome.evidence.get("registrar")
    return registrar.rsplit(":", 1)[0] if isinstance(registrar, str) and registrar else None


def _diagnosis_text(top: Finding | None, outcome: Failure) -> str:
    """One line, as the cmdlet's Diagnosis field: the root cause and its first fix."""
    if top is None or top.severity != "error":
        return f"Sign-in stopped at stage {outcome.stage}."
    fix = f" {top.remediation[0]}" if top.remediation else ""
    return f"{top.title} [{top.id}].{fix}"
