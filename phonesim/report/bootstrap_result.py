"""The single-phone result, shaped like Test-CsPhoneBootstrap's output.

Admins know that cmdlet's fields (TargetUri, TargetFqdn, Result, Latency,
Error, Diagnosis); the same names let them compare our run with theirs.
"""

from __future__ import annotations

from typing import Any

from phonesim.core.outcome import Failure, Outcome, Success

EXIT_SUCCESS = 0
EXIT_INTERNAL = 1
EXIT_USAGE = 2
EXIT_CODES = {
    "dhcp": 3,
    "dns": 3,
    "discovery": 3,
    "time": 3,
    "rootchain": 4,
    "webticket": 5,
    "certprov": 6,
    "registrar": 7,
}
"""One exit code per failure class, so scripts can branch without parsing output."""

PHONE_SCREEN = {
    "discovery": "Locating the server to download the certificate",
    "rootchain": "Error downloading certificate chain from OCS Registrar. Please try again",
    "certprov": "Unable to locate Lync Certificate Web service",
    "webticket": "Sign-in failed. Check your phone number or extension and PIN",
    "registrar": "Unable to contact Registrar for authentication. Please sign in again.",
}
"""What the phone's screen shows when it stops at a stage (the webticket text is approximate)."""

DIAGNOSIS = {
    "discovery.no_servers": (
        "No DHCP server answered the DHCPINFORM with options 43/120 and DNS has no registrar "
        "SRV record: set options 43 and 120 for vendor class MS-UC-Client, or publish "
        "_sipinternaltls._tcp for the SIP domain."
    ),
    "rootchain.web_host_unresolved": (
        "The web services FQDN from option 43 has no A record on the phone's DNS server."
    ),
    "webticket.pin_rejected": (
        "The Web Ticket service refused the phone number/extension and PIN: check the user's "
        "PIN (Set-CsClientPin) and that the number or extension is the user's LineURI."
    ),
    "webticket.not_sip_enabled": "The user is not enabled for Lync (Enable-CsUser).",
    "registrar.unreachable": (
        "The phone authenticated to the web services but no registrar answered on TLS 5061: "
        "check option 120 / the SRV record and that the pool's registrar is up."
    ),
    "registrar.none_found": (
        "Signed in to the web services, but no registrar is known: DHCP gave no option 120 "
        "and DNS has no registrar SRV record."
    ),
}


def exit_code(outcome: Outcome) -> int:
    if isinstance(outcome, Success):
        return EXIT_SUCCESS
    return EXIT_CODES.get(outcome.stage, EXIT_INTERNAL)


def _latency(seconds: float) -> str:
    """TimeSpan text as PowerShell prints it: 00:00:04.1875000."""
    whole = int(seconds)
    ticks = round((seconds - whole) * 10_000_000)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{ticks:07d}"


def bootstrap_result(outcome: Outcome, *, phone: dict[str, Any]) -> dict[str, Any]:
    if isinstance(outcome, Success):
        fqdn = outcome.registrar.rsplit(":", 1)[0] if outcome.registrar else None
        return {
            "TargetUri": outcome.web_url,
            "TargetFqdn": fqdn,
            "Result": "Success",
            "Latency": _latency(outcome.t),
            "Error": None,
            "Diagnosis": None,
            "LatencySeconds": outcome.t,
            "Stage": outcome.stage,
            "SipUri": outcome.sip_uri,
            "Registrar": outcome.registrar,
            "Phone": phone,
            "ExitCode": EXIT_SUCCESS,
        }
    assert isinstance(outcome, Failure)
    fqdn = outcome.registrar.rsplit(":", 1)[0] if outcome.registrar else None
    return {
        "TargetUri": outcome.web_url,
        "TargetFqdn": fqdn,
        "Result": "Failure",
        "Latency": _latency(outcome.t),
        "Error": outcome.message,
        "Diagnosis": DIAGNOSIS.get(outcome.reason, f"Sign-in stopped at stage {outcome.stage}."),
        "LatencySeconds": outcome.t,
        "Stage": outcome.stage,
        "Reason": outcome.reason,
        "PhoneScreen": PHONE_SCREEN.get(outcome.stage),
        "Evidence": outcome.evidence,
        "Phone": phone,
        "ExitCode": exit_code(outcome),
    }
