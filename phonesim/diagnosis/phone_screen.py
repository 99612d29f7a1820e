"""What the phone's screen shows when a sign-in stops at a stage.

The discovery, root chain, certificate and registrar texts are the ones field
reports quote; the web ticket text is phonesim's wording (the device's is not
public).
"""

from __future__ import annotations

from phonesim.core.stage import Stage

PHONE_SCREEN: dict[str, str] = {
    Stage.LEASE: "Acquiring IP Address",  # UP-7416ff3a
    Stage.DHCP: "Locating the server to download the certificate",
    Stage.DISCOVERY: "Locating the server to download the certificate",
    Stage.ROOTCHAIN: "Error downloading certificate chain from OCS Registrar. Please try again",
    Stage.CERTPROV: "Unable to locate Lync Certificate Web service",
    Stage.WEBTICKET: "Sign-in failed. Check your phone number or extension and PIN",
    Stage.REGISTRAR: "Unable to contact Registrar for authentication. Please sign in again.",
    Stage.TLSDSK: "Unable to contact Registrar for authentication. Please sign in again.",
    # [U] A Lync Phone Edition's words for these are not published: what it shows when
    # the registrar is lost, which is what the user sees.
    Stage.PROVISIONING: "Unable to contact Registrar for authentication. Please sign in again.",
    Stage.HELD: "Unable to contact Registrar for authentication. Please sign in again.",
}
"""By the stage a boot fails at: every reason in `core/failure_reasons` has one."""

# A URL that leads nowhere looks the same to the user whichever step found out.
LOCATING_FAILED = (
    "Locating the server to download the certificate, then: "
    "Unable to locate Lync Certificate Web service"
)


def screen_for(stage: str | None) -> str | None:
    return PHONE_SCREEN.get(stage or "")


def why_own_text(stage: str | None, reason: str | None) -> str | None:
    """Why the screen text shown for a boot ending at `stage` with `reason` is phonesim's
    own rather than one a field report quotes (`fidelity.md` §2(g) 7, row 55); None when
    it is a quoted one."""
    if stage == Stage.WEBTICKET:
        return "the Web Ticket text is phonesim's wording; the device's is not public"
    if reason == "rootchain.not_valid_on_phone_clock":
        return "a wrong clock is shown with the root-chain download text; the real text is [U]"
    if reason == "certprov.invalid_security":
        return (
            "a security timestamp the pool refused is shown with the certificate service's "
            "text; the real text is [U]"
        )
    if reason is not None and reason.endswith(".tls"):
        return (
            "an untrusted server certificate is shown with the text of the stage that "
            "failed; the real text is [U]"
        )
    if stage == Stage.TLSDSK:
        return "the registrar text, reused for a TLS-DSK sign-in failure; the real text is [U]"
    return None
