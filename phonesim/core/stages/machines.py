"""Which machine runs which stage of the boot (the order is `phonesim.core.flow`'s)."""

from __future__ import annotations

from collections.abc import Mapping

from phonesim.core.stage import Stage
from phonesim.core.stages.certificate import Certificate
from phonesim.core.stages.discovery import Discovery
from phonesim.core.stages.held import Held
from phonesim.core.stages.inform import DhcpAlone
from phonesim.core.stages.lease import Lease
from phonesim.core.stages.lldp import LldpListen
from phonesim.core.stages.provisioning import Provisioning
from phonesim.core.stages.registrar import Registrar
from phonesim.core.stages.root_chain import RootChain
from phonesim.core.stages.sign_in import TlsDskSignIn
from phonesim.core.stages.time_sync import TimeSync
from phonesim.core.stages.vlan_query import VlanQuery
from phonesim.core.stages.web_ticket import WebTicket

MachineFactory = type[
    LldpListen
    | VlanQuery
    | Lease
    | DhcpAlone
    | Discovery
    | TimeSync
    | RootChain
    | WebTicket
    | Certificate
    | Registrar
    | TlsDskSignIn
    | Provisioning
    | Held
]

MACHINE: Mapping[Stage, MachineFactory] = {
    Stage.LLDP: LldpListen,
    Stage.VLAN: VlanQuery,
    Stage.LEASE: Lease,
    Stage.DHCP: DhcpAlone,
    Stage.DISCOVERY: Discovery,
    Stage.TIME: TimeSync,
    Stage.ROOTCHAIN: RootChain,
    Stage.WEBTICKET: WebTicket,
    Stage.CERTPROV: Certificate,
    Stage.REGISTRAR: Registrar,
    Stage.TLSDSK: TlsDskSignIn,
    Stage.PROVISIONING: Provisioning,
    Stage.HELD: Held,
}


__all__ = ["MACHINE"]
