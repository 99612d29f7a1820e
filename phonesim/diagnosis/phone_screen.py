"""What the phone's screen shows when a sign-in stops at a stage.

The discovery, root chain, certificate and registrar texts are the ones field
reports quote; the web ticket text is phonesim's wording (the device's is not
public).
"""

from __future__ import annotations

from phonesim.core.stage import Stage

PHONE_SCREEN: dict[str, str] = {
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
