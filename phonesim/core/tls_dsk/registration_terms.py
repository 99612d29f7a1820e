"""What a verified `200 OK` to a REGISTER grants, and when each of the phone's timers falls
due: the re-REGISTER `refresh_before` ahead of the Expires granted, the new association
ahead of min(certificate expiry, 8 h) (MS-SIPAE §3.2.2, `tls-dsk.md` §3.5).

Apart from the session (`session.py`) because it is arithmetic on the answer, the profile
and the clock, with nothing to send and no state of its own.
"""

from __future__ import annotations

import sys

from phonesim.codec.sip_message import SipResponse
from phonesim.core.profile import TlsDskBehaviour
from phonesim.core.tls_dsk.messages import SA_LIFETIME_CAP, Registered
from phonesim.core.tls_dsk.registrar_answers import granted_expires, own_gruu


def registration(
    response: SipResponse,
    behaviour: TlsDskBehaviour,
    *,
    now: float,
    keep_alive: float,
    established_at: float,
    certificate_left: float,
    epid: str,
    handshakes: int,
) -> Registered:
    """The registration `response` grants at `now`, under an association made at
    `established_at` with `certificate_left` seconds of the phone's certificate to run."""
    headers = response.headers
    expires = granted_expires(response, behaviour.register_expires)
    before = behaviour.refresh_before
    refresh_in = expires - before if expires > before else expires / 2
    lifetime = max(0.0, min(certificate_left, SA_LIFETIME_CAP))
    margin = behaviour.sa_renewal_margin
    renew_in = lifetime - margin if lifetime > margin else lifetime
    allow = headers.get("Allow-Events") or ""
    return Registered(
        expires=expires,
        keep_alive=keep_alive,
        refresh_at=now + refresh_in,
        sa_expires_at=established_at + lifetime,
        sa_renew_at=established_at + renew_in,
        # Interned: the same few names for every phone, kept for the whole hold.
        allow_events=tuple(sys.intern(event) for event in allow.split(",") if event),
        gruu=own_gruu(headers.get_all("Contact"), epid),
        handshakes=handshakes,
    )


__all__ = ["registration"]
