"""A lab scenario: what each lab server does, as data.

A customer's network misbehaves in one precise way (option 43 cut short, a
registrar down, a PIN locked...). A scenario file says exactly that, server by
server, so the embedded lab reproduces it on a laptop. Everything not named
stays healthy. Names without a dot are hosts of the lab domain (`pool01` is
`pool01.phonesim.test`); names with a dot are taken as they are.

The shipped catalogue lives in `phonesim/lab/scenarios/`; users write their
own files in the same format (see `examples/scenarios/`).
"""

from __future__ import annotations

import ipaddress
import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from phonesim.codec.hex_text import parse_hex
from phonesim.codec.ms_uc_client_option import (
    CERT_PROV_REL_PATH,
    DEFAULT_IDENTIFIER,
    DEFAULT_PORT,
    DEFAULT_URL_SCHEME,
    UC_IDENTIFIER,
    URL_SCHEME,
    WEB_SERVER_FQDN,
    WEB_SERVER_PORT,
)
from phonesim.codec.ocauthws.endpoints import CERT_PROV_PATH
from phonesim.errors import LabDataError, MalformedHex
from phonesim.lab.bringup_fields import read_enterprise_dhcp, read_lldp
from phonesim.lab.enterprise_dhcp import EnterpriseDhcpSpec
from phonesim.lab.lldp_switch import LldpSpec
from phonesim.lab.toml_fields import FieldPath, LabFile

OPTION_43 = 43
OPTION_120 = 120
SUB_OPTION_END = 255


@dataclass(frozen=True)
class Option43Layout:
    """Option 43 for MS-UC-Client, byte layout included, so any server's output can be mimicked."""

    web_fqdn: str | None = None
    """None: the lab's web FQDN."""
    port: str = DEFAULT_PORT
    port_bytes: bytes | None = None
    """Sub-option 4 as raw bytes (dnsmasq writes a bare 443 as 01 bb), instead of `port`."""
    scheme: str = DEFAULT_URL_SCHEME
    path: str = CERT_PROV_PATH
    order: tuple[int, ...] = (1, 2, 3, 4, 5)
    end: bool = False
    """Close with the 255 end code, as dnsmasq does."""

    def encode(self, web_fqdn: str) -> bytes:
        values = {
            UC_IDENTIFIER: DEFAULT_IDENTIFIER.encode(),
            URL_SCHEME: self.scheme.encode("ascii"),
            WEB_SERVER_FQDN: web_fqdn.encode("ascii"),
            WEB_SERVER_PORT: self.port_bytes
            if self.port_bytes is not None
            else self.port.encode("ascii"),
            CERT_PROV_REL_PATH: self.path.encode("ascii"),
        }
        encoded = bytearray()
        for code in self.order:
            value = values[code]
            encoded += bytes((code, len(value))) + value
        if self.end:
            encoded.append(SUB_OPTION_END)
        return bytes(encoded)


@dataclass(frozen=True)
class DhcpServerSpec:
    """One DHCP server on the phone's segment and how it answers a DHCPINFORM."""

    server_id: str | None = None
    """Its address (option 54); None: the lab's address."""
    delay: float = 0.0
    from_attempt: int = 1
    """Answer only from this INFORM on (2: only the first retransmission is answered)."""
    registrars: tuple[str, ...] | None = None
    """Option 120 names (encoding 0); None: the lab pool; () leaves option 120 out."""
    registrar_addresses: tuple[str, ...] = ()
    """Option 120 as IPv4 addresses (encoding 1), instead of names."""
    option_120_bytes: bytes | None = None
    option_43: Option43Layout | None = field(default_factory=Option43Layout)
    """None leaves option 43 out."""
    option_43_bytes: bytes | None = None
    option_43_cut_at_hex: int | None = None
    """Keep only this many hex characters of option 43, as Cisco IOS does at 180."""
    extra_options: tuple[tuple[int, bytes], ...] = ()


@dataclass(frozen=True)
class DnsSpec:
    silent: bool = False
    remove: tuple[str, ...] = ()
    srv: Mapping[str, tuple[tuple[int, int, int, str], ...]] = field(default_factory=dict)
    a: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class UserSpec:
    """Changes to one lab user, found by extension."""

    extension: str
    pin: str | None = field(default=None, repr=False)
    sip_enabled: bool | None = None
    failed_attempts: int = 0
    """PIN failures already counted in the policy's observation window."""


@dataclass(frozen=True)
class UserFaults:
    """A scenario's user changes, fitted to a lab whose users are generated (a fleet's).

    The catalogue's user scenarios name the shipped users (`wrong-pin` changes
    5551234's PIN); a fleet's lab has its own numbers. A change that names one of
    those numbers applies to it as written; the others must agree on one change,
    which every other user then gets, so `wrong-pin` makes every phone's PIN
    wrong and a PIN-lockout storm can be load-tested.
    """

    named: Mapping[str, UserSpec]
    everyone_else: UserSpec | None

    @classmethod
    def fit(cls, scenario: LabScenario, extensions: Collection[str]) -> UserFaults:
        known = set(extensions)
        named = {u.extension: u for u in scenario.users if u.extension in known}
        others = [u for u in scenario.users if u.extension not in known]
        changes = {(u.pin, u.sip_enabled, u.failed_attempts) for u in others}
        if len(changes) > 1:
            raise LabDataError(
                scenario.source,
                "changes users "
                + ", ".join(u.extension for u in others)
                + " differently; for a fleet, every phone gets the same change: keep one "
                "[[webticket.user]] or name the fleet's own numbers",
            )
        return cls(named, others[0] if others else None)

    def for_user(self, extension: str) -> UserSpec | None:
        return self.named.get(extension, self.everyone_else)


REGISTER_REFUSALS = ("user_not_enabled",)
"""What a scenario can make the registrar answer every signed REGISTER with."""


@dataclass(frozen=True)
class RegistrarSpec:
    state: str = "up"
    """up | down (connections refused) | busy (every REGISTER: 503 with Retry-After)"""
    delay: float = 0.0
    """Seconds before the 401 challenge (a slow registrar)."""
    expires: int = 3600
    """The longest registration the 200 OK grants, seconds."""
    keep_alive: int = 300
    """`ms-keep-alive`'s timeout in the 200 OK, seconds."""
    sa_lifetime: float = 8 * 3600.0
    """A security association's lifetime, seconds (MS-SIPAE's 8 h; shorter to make a held
    phone renew it)."""
    retry_after: int = 300
    """The wait a busy registrar asks for, seconds."""
    redirect: Mapping[str, str] = field(default_factory=dict)
    """Directors: a registrar name -> the home pool its signed 301 names."""
    refuse_register: str | None = None
    """A refusal of every signed REGISTER (`REGISTER_REFUSALS`)."""
    server_signature: str = "valid"
    """valid | client_key: the registrar signs its answers with the wrong key."""
    trusts_client_ca: bool = True
    """False: the pool does not trust the CA that issues the phones' certificates."""
    backup_pool: str | None = None
    """The backup registrar pool the provisioning answer names (`backupPoolUri`); the lab
    answers on it as on the pool."""


@dataclass(frozen=True)
class CertificateSpec:
    server_issuer: str = "lab"
    """lab | untrusted: the HTTPS and SIP/TLS certificates come from a CA the phone
    never downloaded."""
    ca_valid_from_days: float = 0.0
    """Shift the start of the lab CA's validity (days from now; positive: not yet valid)."""


@dataclass(frozen=True)
class Expectation:
    """What the phone does against this scenario; the catalogue tests hold the lab to it."""

    result: str
    stage: str
    reason: str | None
    finding: str | None
    evidence: Mapping[str, Any] = field(default_factory=dict)


HEALTHY_DHCP = (DhcpServerSpec(),)


@dataclass(frozen=True)
class LabScenario:
    name: str
    summary: str
    symptom: str = ""
    source: str = "built-in"
    web_name: str = "web01"
    pool_name: str = "pool01"
    dhcp_servers: tuple[DhcpServerSpec, ...] = HEALTHY_DHCP
    dns: DnsSpec = field(default_factory=DnsSpec)
    web_status: Mapping[str, int] = field(default_factory=dict)
    expired_tickets: bool = False
    users: tuple[UserSpec, ...] = ()
    registrar: RegistrarSpec = field(default_factory=RegistrarSpec)
    certificates: CertificateSpec = field(default_factory=CertificateSpec)
    time_offset: float = 0.0
    max_clock_skew: float = 300.0
    """Seconds the pool's web services allow between a request's security timestamp and
    their clock (WCF's MaxClockSkew, 5 minutes by default)."""
    enterprise_dhcp: EnterpriseDhcpSpec | None = None
    """The site's own DHCP server (leases, the VLAN answer); None: the pool's alone."""
    lldp: LldpSpec | None = None
    """What the switch says in LLDP-MED; None: it says nothing."""
    hold: float | None = None
    """Seconds a phone must stay registered for the fault to show (one that strikes only
    after the sign-in, such as an association the registrar ends early)."""
    expect: Expectation | None = None
    profile: str | None = None
    """The device profile the fault needs (a firmware's own rule, such as CU7's strict DNS
    naming); None: whichever the user boots."""
    warm_cache: bool = False
    """The fault meets a phone that signed in to this site before: the in-memory pairing
    boots it first against the site with every server up and reboots it with what it
    kept; `boot --lab --scenario` meets it with the state folder's cache (`--cache`)."""

    @classmethod
    def healthy(cls) -> LabScenario:
        return cls(name="healthy", summary="every server answers as a healthy pool does")


# -- loading ------------------------------------------------------------------

_TOP = (
    "scenario",
    "expect",
    "lab",
    "dhcp",
    "dns",
    "web",
    "webticket",
    "registrar",
    "certificates",
    "time",
    "enterprise_dhcp",
    "lldp",
)


MAX_SUB_OPTION = 255
MAX_DELAY = 600.0
"""A server slower than a boot may last never answers it: a longer delay is a mistake."""
WEEK_SECONDS = 604800.0
TEN_YEARS_SECONDS = 10 * 365 * 86400.0
TEN_YEARS_DAYS = 3650.0


def _small_number(text: str) -> bool:
    """ASCII digits, few enough to be a code, port or priority (`isdigit` alone takes `²`
    and 5000-digit numbers, which `int` refuses)."""
    return text.isascii() and text.isdigit() and len(text) <= 5


def load_scenario_text(text: str, *, name: str, source: str) -> LabScenario:
    reader = _ScenarioReader(LabFile(text, source))
    return reader.scenario(name)


def catalogue() -> dict[str, str]:
    """Shipped scenario name -> its TOML text, sorted by name."""
    folder = resources.files("phonesim.lab").joinpath("scenarios")
    found = {}
    for entry in folder.iterdir():
        if entry.name.endswith(".toml"):
            found[entry.name.removesuffix(".toml")] = entry.read_text("utf-8")
    return dict(sorted(found.items()))


def load_scenario(name_or_path: str | Path) -> LabScenario:
    """A shipped scenario by name, or a scenario file by path."""
    text_name = str(name_or_path)
    shipped = catalogue()
    if text_name in shipped:
        return load_scenario_text(
            shipped[text_name], name=text_name, source=f"scenario {text_name}"
        )
    path = Path(name_or_path)
    if path.suffix != ".toml" and path.exists():
        raise LabDataError(
            text_name,
            "not a scenario: a scenario is a name (`phonesim scenarios` lists them) "
            "or a .toml file",
        )
    if path.suffix == ".toml":
        try:
            text = path.read_bytes().decode("utf-8")
        except OSError as error:
            raise LabDataError(str(path), f"cannot read scenario ({error.strerror})") from None
        except UnicodeDecodeError as error:
            raise LabDataError(str(path), f"not UTF-8 text (byte {error.start})") from None
        return load_scenario_text(text, name=path.stem, source=str(path))
    raise LabDataError(
        text_name,
        "no such scenario (`phonesim scenarios` lists the catalogue; a file must end in .toml)",
    )


class _ScenarioReader:
    def __init__(self, file: LabFile) -> None:
        self.file = file
        self.data = file.data

    def scenario(self, name: str) -> LabScenario:
        f = self.file
        f.check_keys((), self.data, _TOP)
        head = f.table(("scenario",), self.data.get("scenario"))
        f.check_keys(
            ("scenario",), head, ("summary", "symptom", "hold_seconds", "profile", "warm_cache")
        )
        lab = f.table(("lab",), self.data.get("lab"))
        f.check_keys(("lab",), lab, ("web_fqdn", "pool_fqdn"))
        web = f.table(("web",), self.data.get("web"))
        f.check_keys(("web",), web, ("status", "expired_tickets", "max_clock_skew_seconds"))
        ticket = f.table(("webticket",), self.data.get("webticket"))
        f.check_keys(("webticket",), ticket, ("user",))
        time = f.table(("time",), self.data.get("time"))
        f.check_keys(("time",), time, ("offset_seconds",))
        return LabScenario(
            name=name,
            summary=self.text(("scenario", "summary"), head.get("summary"), required=True) or "",
            symptom=self.text(("scenario", "symptom"), head.get("symptom")) or "",
            source=f.source,
            web_name=self.host(("lab", "web_fqdn"), lab.get("web_fqdn")) or "web01",
            pool_name=self.host(("lab", "pool_fqdn"), lab.get("pool_fqdn")) or "pool01",
            dhcp_servers=self.dhcp(),
            dns=self.dns(),
            web_status=self.web_status(web.get("status")),
            expired_tickets=self.flag(("web", "expired_tickets"), web.get("expired_tickets")),
            users=tuple(
                self.user(index, entry)
                for index, entry in enumerate(f.tables(("webticket", "user"), ticket.get("user")))
            ),
            registrar=self.registrar(),
            certificates=self.certificates(),
            time_offset=self.number(
                ("time", "offset_seconds"),
                time.get("offset_seconds"),
                0.0,
                signed=True,
                at_most=TEN_YEARS_SECONDS,
            ),
            max_clock_skew=self.number(
                ("web", "max_clock_skew_seconds"),
                web.get("max_clock_skew_seconds"),
                300.0,
                at_most=TEN_YEARS_SECONDS,
            ),
            hold=None
            if head.get("hold_seconds") is None
            else float(
                self.integer(("scenario", "hold_seconds"), head.get("hold_seconds"), 0, 1, 86400)
            ),
            expect=self.expectation(),
            enterprise_dhcp=read_enterprise_dhcp(f, self.data.get("enterprise_dhcp")),
            lldp=read_lldp(f, self.data.get("lldp")),
            profile=self.text(("scenario", "profile"), head.get("profile")),
            warm_cache=self.flag(("scenario", "warm_cache"), head.get("warm_cache")),
        )

    # -- sections ---------------------------------------------------------------

    def dhcp(self) -> tuple[DhcpServerSpec, ...]:
        f = self.file
        table = f.table(("dhcp",), self.data.get("dhcp"))
        f.check_keys(("dhcp",), table, ("silent", "server"))
        silent = self.flag(("dhcp", "silent"), table.get("silent"))
        servers = f.tables(("dhcp", "server"), table.get("server"))
        if silent and servers:
            raise f.error(("dhcp", "silent"), "is true but [[dhcp.server]] entries are given")
        if silent:
            return ()
        if not servers:
            return HEALTHY_DHCP
        return tuple(self.dhcp_server(index, entry) for index, entry in enumerate(servers))

    def dhcp_server(self, index: int, entry: Mapping[str, Any]) -> DhcpServerSpec:
        f = self.file
        at: FieldPath = ("dhcp", "server", index)
        f.check_keys(
            at,
            entry,
            (
                "server_id",
                "delay",
                "from_attempt",
                "option_120",
                "option_120_ipv4",
                "option_120_hex",
                "option_43",
                "option_43_hex",
                "option_43_cut_at_hex",
                "options",
            ),
        )
        server_id = entry.get("server_id")
        if server_id is not None:
            self.ipv4((*at, "server_id"), server_id)
        registrars: tuple[str, ...] | None = None
        raw_120 = entry.get("option_120")
        if raw_120 is False:
            registrars = ()
        elif raw_120 is not None:
            registrars = tuple(self.hosts((*at, "option_120"), raw_120))
        addresses = tuple(
            self.ipv4((*at, "option_120_ipv4", i), value)
            for i, value in enumerate(
                self.items_of((*at, "option_120_ipv4"), entry.get("option_120_ipv4"))
            )
        )
        option_43: Option43Layout | None = Option43Layout()
        raw_43 = entry.get("option_43")
        if raw_43 is False:
            option_43 = None
        elif raw_43 is not None:
            option_43 = self.option_43((*at, "option_43"), raw_43)
        cut = entry.get("option_43_cut_at_hex")
        if cut is not None and (
            isinstance(cut, bool) or not isinstance(cut, int) or cut <= 0 or cut % 2
        ):
            raise f.error(
                (*at, "option_43_cut_at_hex"), "must be a positive even number of hex characters"
            )
        extra = []
        options = f.table((*at, "options"), entry.get("options"))
        for code_text, value in options.items():
            if not _small_number(code_text) or not 1 <= int(code_text) <= 254:
                raise f.error(
                    (*at, "options", code_text), "must be named by a DHCP option code 1-254"
                )
            extra.append((int(code_text), self.hex_bytes((*at, "options", code_text), value)))
        return DhcpServerSpec(
            server_id=server_id,
            delay=self.number((*at, "delay"), entry.get("delay"), 0.0, at_most=MAX_DELAY),
            from_attempt=self.integer((*at, "from_attempt"), entry.get("from_attempt"), 1, 1, 16),
            registrars=registrars,
            registrar_addresses=addresses,
            option_120_bytes=self.optional_hex(
                (*at, "option_120_hex"), entry.get("option_120_hex")
            ),
            option_43=option_43,
            option_43_bytes=self.optional_hex((*at, "option_43_hex"), entry.get("option_43_hex")),
            option_43_cut_at_hex=cut,
            extra_options=tuple(extra),
        )

    def option_43(self, at: FieldPath, value: Any) -> Option43Layout:
        f = self.file
        table = f.table(at, value)
        f.check_keys(at, table, ("web_fqdn", "port", "port_hex", "scheme", "path", "order", "end"))
        order = table.get("order", [1, 2, 3, 4, 5])
        if (
            not isinstance(order, list)
            or not order
            or not all(isinstance(c, int) and 1 <= c <= 5 for c in order)
            or len(set(order)) != len(order)
        ):
            raise f.error((*at, "order"), "must list sub-option codes 1-5, each at most once")
        port = table.get("port", DEFAULT_PORT)
        if not isinstance(port, str) or not port.isascii():
            raise f.error((*at, "port"), 'must be text such as "443" (what DHCPUtil writes)')
        layout = Option43Layout(
            web_fqdn=self.host((*at, "web_fqdn"), table.get("web_fqdn")),
            port=port,
            port_bytes=self.optional_hex((*at, "port_hex"), table.get("port_hex")),
            scheme=self.text((*at, "scheme"), table.get("scheme")) or DEFAULT_URL_SCHEME,
            path=self.text((*at, "path"), table.get("path")) or CERT_PROV_PATH,
            order=tuple(order),
            end=self.flag((*at, "end"), table.get("end")),
        )
        # Each part is one sub-option: ASCII, its length in one byte. Checked here, where
        # the field can be named, rather than when the lab starts and encodes it.
        parts = {
            "web_fqdn": layout.web_fqdn or "",
            "port": layout.port,
            "scheme": layout.scheme,
            "path": layout.path,
        }
        for key, text in parts.items():
            if not text.isascii() or len(text) > MAX_SUB_OPTION:
                raise f.error((*at, key), f"must be ASCII text of at most {MAX_SUB_OPTION} bytes")
        if layout.port_bytes is not None and len(layout.port_bytes) > MAX_SUB_OPTION:
            raise f.error((*at, "port_hex"), f"must be at most {MAX_SUB_OPTION} bytes")
        return layout

    def dns(self) -> DnsSpec:
        f = self.file
        table = f.table(("dns",), self.data.get("dns"))
        f.check_keys(("dns",), table, ("silent", "remove", "srv", "a"))
        srv: dict[str, tuple[tuple[int, int, int, str], ...]] = {}
        for name, records in f.table(("dns", "srv"), table.get("srv")).items():
            at: FieldPath = ("dns", "srv", name)
            srv[name] = tuple(
                self.srv_record((*at, i), text) for i, text in enumerate(self.items_of(at, records))
            )
        a: dict[str, tuple[str, ...]] = {}
        for name, addresses in f.table(("dns", "a"), table.get("a")).items():
            at = ("dns", "a", name)
            a[name] = tuple(
                self.ipv4((*at, i), v) for i, v in enumerate(self.items_of(at, addresses))
            )
        return DnsSpec(
            silent=self.flag(("dns", "silent"), table.get("silent")),
            remove=tuple(self.hosts(("dns", "remove"), table.get("remove", []), allow_empty=True)),
            srv=srv,
            a=a,
        )

    def srv_record(self, at: FieldPath, text: Any) -> tuple[int, int, int, str]:
        parts = text.split() if isinstance(text, str) else []
        if len(parts) != 4 or not all(_small_number(p) for p in parts[:3]):
            raise self.file.error(
                at, 'must read "priority weight port target", e.g. "0 0 5061 pool01"'
            )
        priority, weight, port = (int(p) for p in parts[:3])
        if priority > 65535 or weight > 65535 or not 1 <= port <= 65535:
            raise self.file.error(at, "has a priority, weight or port out of range")
        return priority, weight, port, parts[3].rstrip(".")

    def web_status(self, value: Any) -> dict[str, int]:
        f = self.file
        status = {}
        for path, code in f.table(("web", "status"), value).items():
            at: FieldPath = ("web", "status", path)
            if not path.startswith("/"):
                raise f.error(at, "must be a URL path starting with '/'")
            status[path] = self.integer(at, code, 0, 100, 599)
        return status

    def user(self, index: int, entry: Mapping[str, Any]) -> UserSpec:
        f = self.file
        at: FieldPath = ("webticket", "user", index)
        f.check_keys(at, entry, ("extension", "pin", "sip_enabled", "failed_attempts"))
        extension = self.text((*at, "extension"), entry.get("extension"), required=True)
        assert extension is not None
        if not extension.isdigit():
            raise f.error((*at, "extension"), "must be digits")
        pin = entry.get("pin")
        if pin is not None and (
            not isinstance(pin, str) or not pin.isdigit() or not 4 <= len(pin) <= 24
        ):
            # The value is not repeated: it is a PIN.
            raise f.error((*at, "pin"), "must be 4 to 24 digits, quoted")
        enabled = entry.get("sip_enabled")
        if enabled is not None and not isinstance(enabled, bool):
            raise f.error((*at, "sip_enabled"), "must be true or false")
        return UserSpec(
            extension=extension,
            pin=pin,
            sip_enabled=enabled,
            failed_attempts=self.integer(
                (*at, "failed_attempts"), entry.get("failed_attempts"), 0, 0, 100000
            ),
        )

    def registrar(self) -> RegistrarSpec:
        f = self.file
        table = f.table(("registrar",), self.data.get("registrar"))
        f.check_keys(
            ("registrar",),
            table,
            (
                "state",
                "delay",
                "retry_after",
                "redirect",
                "refuse_register",
                "server_signature",
                "trusts_client_ca",
                "expires",
                "keep_alive",
                "sa_lifetime",
                "backup_pool",
            ),
        )
        state = table.get("state", "up")
        if state not in ("up", "down", "busy"):
            raise f.error(("registrar", "state"), 'must be "up", "down" or "busy"')
        redirect = {}
        for name, home in f.table(("registrar", "redirect"), table.get("redirect")).items():
            at: FieldPath = ("registrar", "redirect", name)
            redirect[self.host(at, name) or ""] = self.host(at, home) or ""
        refusal = table.get("refuse_register")
        if refusal is not None and refusal not in REGISTER_REFUSALS:
            raise f.error(
                ("registrar", "refuse_register"), f"must be one of {list(REGISTER_REFUSALS)}"
            )
        signature = table.get("server_signature", "valid")
        if signature not in ("valid", "client_key"):
            raise f.error(("registrar", "server_signature"), 'must be "valid" or "client_key"')
        trusts = table.get("trusts_client_ca", True)
        if not isinstance(trusts, bool):
            raise f.error(("registrar", "trusts_client_ca"), "must be true or false")
        default = RegistrarSpec()
        return RegistrarSpec(
            state=state,
            delay=self.number(("registrar", "delay"), table.get("delay"), 0.0, at_most=MAX_DELAY),
            expires=self.integer(
                ("registrar", "expires"), table.get("expires"), default.expires, 60, 604800
            ),
            keep_alive=self.integer(
                ("registrar", "keep_alive"), table.get("keep_alive"), default.keep_alive, 1, 86400
            ),
            sa_lifetime=self.number(
                ("registrar", "sa_lifetime"),
                table.get("sa_lifetime"),
                default.sa_lifetime,
                at_most=WEEK_SECONDS,
            ),
            retry_after=self.integer(
                ("registrar", "retry_after"), table.get("retry_after"), 300, 0, 86400
            ),
            redirect=redirect,
            refuse_register=refusal,
            server_signature=signature,
            trusts_client_ca=trusts,
            backup_pool=self.host(("registrar", "backup_pool"), table.get("backup_pool")),
        )

    def certificates(self) -> CertificateSpec:
        f = self.file
        table = f.table(("certificates",), self.data.get("certificates"))
        f.check_keys(("certificates",), table, ("server_issuer", "ca_valid_from_days"))
        issuer = table.get("server_issuer", "lab")
        if issuer not in ("lab", "untrusted"):
            raise f.error(("certificates", "server_issuer"), 'must be "lab" or "untrusted"')
        return CertificateSpec(
            server_issuer=issuer,
            ca_valid_from_days=self.number(
                ("certificates", "ca_valid_from_days"),
                table.get("ca_valid_from_days"),
                0.0,
                signed=True,
                at_most=TEN_YEARS_DAYS,
            ),
        )

    def expectation(self) -> Expectation | None:
        f = self.file
        table = self.data.get("expect")
        if table is None:
            return None
        table = f.table(("expect",), table)
        f.check_keys(("expect",), table, ("result", "stage", "reason", "finding", "evidence"))
        result = table.get("result")
        if result not in ("Success", "Failure"):
            raise f.error(("expect", "result"), 'must be "Success" or "Failure"')
        return Expectation(
            result=result,
            stage=self.text(("expect", "stage"), table.get("stage"), required=True) or "",
            reason=self.text(("expect", "reason"), table.get("reason")),
            finding=self.text(("expect", "finding"), table.get("finding")),
            evidence=dict(f.table(("expect", "evidence"), table.get("evidence"))),
        )

    # -- values -----------------------------------------------------------------

    def text(self, at: FieldPath, value: Any, *, required: bool = False) -> str | None:
        if value is None:
            if required:
                raise self.file.error(at, "is missing")
            return None
        if not isinstance(value, str) or not value.strip():
            raise self.file.error(at, "must be a non-empty string")
        return value

    def host(self, at: FieldPath, value: Any) -> str | None:
        text = self.text(at, value)
        if text is None:
            return None
        name = text.rstrip(".").lower()
        labels = name.split(".")
        if not all(labels) or any(len(label) > 63 for label in labels) or not name.isascii():
            raise self.file.error(at, f"{text!r} is not a host name")
        return name

    def hosts(self, at: FieldPath, value: Any, *, allow_empty: bool = False) -> list[str]:
        items = self.items_of(at, value)
        if not items and not allow_empty:
            raise self.file.error(at, "must name at least one host (false leaves the option out)")
        return [self.host((*at, i), item) or "" for i, item in enumerate(items)]

    def items_of(self, at: FieldPath, value: Any) -> list[Any]:
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.file.error(at, "must be a list")
        return value

    def ipv4(self, at: FieldPath, value: Any) -> str:
        try:
            return str(ipaddress.IPv4Address(value))
        except (ValueError, TypeError):
            raise self.file.error(at, f"{value!r} is not an IPv4 address") from None

    def hex_bytes(self, at: FieldPath, value: Any) -> bytes:
        if not isinstance(value, str):
            raise self.file.error(at, 'must be hex text, e.g. "02 01 bb"')
        try:
            return parse_hex(value)
        except MalformedHex as error:
            raise self.file.error(at, f"is not hex: {error.reason}") from None

    def optional_hex(self, at: FieldPath, value: Any) -> bytes | None:
        return None if value is None else self.hex_bytes(at, value)

    def flag(self, at: FieldPath, value: Any) -> bool:
        if value is None:
            return False
        if not isinstance(value, bool):
            raise self.file.error(at, "must be true or false")
        return value

    def number(
        self, at: FieldPath, value: Any, default: float, *, at_most: float, signed: bool = False
    ) -> float:
        """A finite number within `at_most` (either side of zero when `signed`): TOML writes
        inf, nan and 1e10, which pass as floats and fail only once the lab runs."""
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.file.error(at, "must be a number")
        if value < 0 and not signed:
            raise self.file.error(at, "must not be negative")
        if not math.isfinite(value) or abs(value) > at_most:
            low = -at_most if signed else 0
            raise self.file.error(at, f"must be a finite number from {low:g} to {at_most:g}")
        return float(value)

    def integer(self, at: FieldPath, value: Any, default: int, low: int, high: int) -> int:
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise self.file.error(at, f"must be a whole number from {low} to {high}")
        return value
