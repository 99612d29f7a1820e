"""The registrar candidates in the order the documents give, as profile data.

Two orders, chosen by whether the phone knows its SIP domain (`BootContext.sip_domain`):

* bootstrap (seed 000): the first DHCP answer with an FQDN wins; DNS serves only when
  DHCP gave none ("the device will fail over to use DNS"). gg398713: "If this is the
  first time the device is trying to connect (for example, during bootstrapping), no
  DNS values are available yet."
* known SIP domain (gg398713): "1 Internal DNS SRV (TLS) 2 DHCP address (TLS) 3
  Internal DNS SRV (TCP) 4 DHCP address (TCP) 5 External DNS (TLS) 6 External DNS
  (TCP)" - every step's candidates in turn, so a dead target leads to the next record,
  and a step with none alive to the next step.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from phonesim.core.discovery_cache import FROM_OPTION_120, RegistrarTarget
from phonesim.core.profile import KNOWN_DOMAIN_ORDER, REGISTRAR_STEPS

SRV_STEPS: Mapping[str, tuple[str, str]] = {
    "srv_internal_tls": ("_sipinternaltls._tcp", "tls"),
    "srv_internal_tcp": ("_sipinternal._tcp", "tcp"),
    "srv_external_tls": ("_sip._tls", "tls"),
    "srv_external_tcp": ("_sip._tcp", "tcp"),
}
"""Each DNS step: the SRV name it asks (in the SIP domain) and the transport it gives."""
DHCP_STEPS: Mapping[str, tuple[str, int]] = {"dhcp_tls": ("tls", 5061), "dhcp_tcp": ("tcp", 5060)}
"""Each DHCP step: option 120's names over this transport, at this port."""


def srv_names(order: Sequence[str], domain: str) -> tuple[str, ...]:
    """The SRV names the order asks, in its order, in `domain`."""
    return tuple(f"{SRV_STEPS[step][0]}.{domain}" for step in order if step in SRV_STEPS)


def ordered_candidates(
    order: Sequence[str],
    dhcp_names: Sequence[str],
    srv_found: Mapping[str, Sequence[RegistrarTarget]],
) -> tuple[RegistrarTarget, ...]:
    """The candidates of each step in turn; `srv_found` by SRV service name (without the
    domain), each already in priority order. A target met at an earlier step is not
    tried twice."""
    candidates: list[RegistrarTarget] = []
    for step in order:
        if step in DHCP_STEPS:
            transport, port = DHCP_STEPS[step]
            found: Sequence[RegistrarTarget] = [
                RegistrarTarget(name, port, transport, origin=FROM_OPTION_120)
                for name in dhcp_names
            ]
        else:
            found = srv_found.get(SRV_STEPS[step][0], ())
        candidates += [c for c in found if c not in candidates]
    return tuple(candidates)


__all__ = [
    "DHCP_STEPS",
    "KNOWN_DOMAIN_ORDER",
    "REGISTRAR_STEPS",
    "SRV_STEPS",
    "ordered_candidates",
    "srv_names",
]
