"""What the phone's screen shows when a sign-in stops at a stage.

The discovery, root chain, certificate and registrar texts are the ones field
reports quote; the web ticket text is phonesim's wording (the device's is not
public).
"""

from __future__ import annotations

PHONE_SCREEN = {
    "dhcp": "Locating the server to download the certificate",
    "discovery": "Locating the server to download the certificate",
    "rootchain": "Error downloading certificate chain from OCS Registrar. Please try again",
    "certprov": "Unable to locate Lync Certificate Web service",
    "webticket": "Sign-in failed. Check your phone number or extension and PIN",
    "registrar": "Unable to contact Registrar for authentication. Please sign in again.",
}

# A URL that leads nowhere looks the same to the user whichever step found out.
LOCATING_FAILED = (
    "Locating the server to download the certificate, then: "
    "Unable to locate Lync Certificate Web service"
)


def screen_for(stage: str | None) -> str | None:
    return PHONE_SCREEN.get(stage or "")
