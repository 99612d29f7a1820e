"""The device profile: everything that differs between phone models, as data.

A new model is a new TOML file, never new code. Values the public documents
do not pin down (protocol.md marks them [U]) live here with a default, so a
user who learns the real value changes a file, not the emulator.

Here are the tables and how they are assembled from the TOML; how each field is read and
refused by name is `phonesim.core.profile_fields`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from phonesim.codec.ocauthws.pin_formats import DEFAULT_PIN_FORMAT, PIN_FORMATS
from phonesim.core.profile_fields import FieldReader
from phonesim.errors import ProfileError


@dataclass(frozen=True, slots=True)
class DeviceInfo:
    name: str
    vendor: str
    model: str
    mac_oui: str
    firmware: str
    user_agent: str
    keypad: str
    sign_in_methods: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class DhcpBehaviour:
    vendor_class: str
    parameter_request_list: tuple[int, ...]
    max_message_size: int | None
    retransmit_after: tuple[float, ...]
    """Seconds to wait after each INFORM before the next; after the last, DHCP gives up."""
    retransmit_jitter: float
    answer_window: float
    """How long an answer without an FQDN keeps the phone waiting for a better one."""
    max_registrars: int
    max_answers: int = 64
    """DHCP answers kept (report, capture, phone) per boot; a flood past it is counted only."""


STRICT_NAMING_SINCE = "4.0.7577.4363"
SKIP_DISCOVERY = "skip-discovery"
"""Seed 000: a usable cache means no DHCPINFORM and no DNS discovery."""
FALLBACK = "fallback"
"""gg398713: discover as usual; the cache serves only when DHCP and DNS give nothing."""
CACHE_USES = (SKIP_DISCOVERY, FALLBACK)
REGISTRAR_STEPS = (
    "srv_internal_tls",
    "dhcp_tls",
    "srv_internal_tcp",
    "dhcp_tcp",
    "srv_external_tls",
    "srv_external_tcp",
)
"""The steps of gg398713's registrar order (`phonesim.core.stages.registrar_order`)."""
KNOWN_DOMAIN_ORDER = REGISTRAR_STEPS


@dataclass(frozen=True, slots=True)
class DnsBehaviour:
    registrar_srv: tuple[str, ...]
    registrar_hosts: tuple[str, ...]
    ntp_srv: str
    ntp_fallback_host: str
    timeout: float
    dns_after_dhcp_registrars: bool
    """Whether DNS registrars are tried once every DHCP registrar failed (the seed says DHCP wins)."""
    strict_srv_target: bool | None = None
    """Refuse an SRV target outside the SIP domain (strict DNS naming); None: as the firmware
    does (`strict_naming_since`)."""
    strict_naming_since: str = STRICT_NAMING_SINCE
    """The first firmware with strict DNS naming: CU7, 4.0.7577.4363 (Schertz 2013/08)."""
    update_server_host: str = "ucupdates-r2"
    """The update server's host name, looked up in the DHCP domain at boot (UP-9170aa30)."""
    known_domain_order: tuple[str, ...] = KNOWN_DOMAIN_ORDER
    """The registrar order once the phone knows its SIP domain (gg398713's six steps);
    before that, the bootstrap order: DHCP first, DNS when DHCP names none (seed 000)."""


ROOT_CHAIN_URL_FIELDS = ("scheme", "host", "port", "path")
"""What `web.root_chain_from_option_43` may use of option 43's CertProv URL."""
ROOT_CHAIN_FROM_OPTION_43 = "http://{host}{path}/rootchain"
"""[U] The host and the CertProv path option 43 gave, over plain HTTP on its standard
port: the root chain comes over plain HTTP (Schertz 2012), while option 43's scheme and
port are the HTTPS service's."""


@dataclass(frozen=True, slots=True)
class WebBehaviour:
    root_chain_path: str
    """The root chain's path on the web host when the web services were derived from a
    registrar (no option 43): the lab's answer, a guess [U]."""
    cert_prov_port: str
    web_ticket_port: str
    fallback_cert_prov_path: str
    timeout: float
    use_truncated_option_43: bool
    """Build the CertProv URL from a path cut short (the field symptom: a 404), rather
    than treat option 43 as absent."""
    pin_format: str = DEFAULT_PIN_FORMAT
    """[U] How the number and PIN travel to the Web Ticket service: one of the named
    variants of `phonesim.codec.ocauthws.pin_formats`."""
    root_chain_from_option_43: str = ROOT_CHAIN_FROM_OPTION_43
    max_answer_bytes: int = 1024 * 1024
    """The most bytes of one web answer's body, as sent (root chain and mex documents are
    a few KB): a server decides the size, so over it the call fails `too_large`."""
    max_inflated_bytes: int = 4 * 1024 * 1024
    """The most bytes a compressed answer may inflate to (the phone asks for none)."""
    request_deadline: float = 30.0
    """Seconds for a whole web request, answer included; `timeout` bounds each read only,
    so a server dripping a byte at a time is cut off here."""
    max_headers: int = 100
    """Header lines of one web answer."""
    max_xml_depth: int = 64
    """Elements nested in one XML answer (mex and SOAP documents nest about a dozen)."""
    """How the root chain's URL is made from the CertProv URL option 43 (or the cache)
    gave: a template of {scheme}, {host}, {port} and {path} (no trailing /), so a path
    or host cut short fails at the root chain, before the PIN screen, as in the field."""


@dataclass(frozen=True, slots=True)
class SipBehaviour:
    port: int
    timeout: float
    max_message: int = 64 * 1024
    """The most bytes of one registrar message (headers and body) the phone reads; a
    registrar decides every byte, so it is bounded (over it: a malformed answer)."""
    max_headers: int = 64
    max_header_line: int = 8192
    pool_suffix_must_match: bool = True
    """Seed 002: "The pool FQDN suffix must match the user's SIP URI": a registrar by name
    outside the SIP domain is not tried (a Director's redirect names the pool itself)."""


FACTORY_CLOCK = "2010-01-01T00:00:00+00:00"
TIME_OPTIONS = (4, 42)


@dataclass(frozen=True, slots=True)
class TimeBehaviour:
    ntp_port: int
    timeout: float
    dhcp_options: tuple[int, ...] = (42, 4)
    """[U] The DHCP time-server options read, in this order: 42 (NTP Servers) and 4 (what
    Windows DHCP calls "Time Server", the seed's "Time server" option)."""
    clock_at_power_on: str = FACTORY_CLOCK
    """[U] The phone's clock before any time server answers: an ISO 8601 instant (the
    device's own, not the laptop's), or "host" for the machine's clock. The device
    "requires NTP to set the correct time and date" (UP-c8af0c49)."""


@dataclass(frozen=True, slots=True)
class CacheBehaviour:
    use: str = SKIP_DISCOVERY
    """How a usable discovery cache is used: "skip-discovery" (seed 000: instead of
    DHCP and DNS) or "fallback" (gg398713: discover, and use the cache only when
    discovery gives no servers). The documents disagree: a profile choice."""


@dataclass(frozen=True, slots=True)
class CertificateBehaviour:
    key_type: str


TLS_DSK_VERSIONS = ("1.0", "1.1", "1.2")
LYNC_2010_CIPHERS = "AES128-SHA:AES256-SHA@SECLEVEL=0"


@dataclass(frozen=True, slots=True)
class TlsDskBehaviour:
    """The sign-in after the registrar's 401 (`tls-dsk.md` §3.5, §5.2). Which inner TLS
    a Lync Phone Edition offers and its timers are not published [U]: the defaults are
    pidgin-sipe's, and a profile without a [tls_dsk] table gets them."""

    versions: tuple[str, ...] = ("1.0",)
    ciphers: str = LYNC_2010_CIPHERS
    """OpenSSL's cipher string; TLS 1.0 needs `@SECLEVEL=0` under OpenSSL 3."""
    register_expires: int = 3600
    """The Expires the REGISTER asks for; the registrar's 200 says what it grants."""
    refresh_before: float = 30.0
    """Re-REGISTER this long before the granted Expires runs out."""
    keep_alive: float = 60.0
    """CRLF keep-alive interval until a 200's `ms-keep-alive` gives the registrar's."""
    sa_renewal_margin: float = 300.0
    """Renew the security association this long before min(certificate expiry, 8 h)
    (MS-SIPAE §3.2.2: five minutes or longer)."""
    max_redirects: int = 3
    """Directors' 301s followed in one sign-in; one more is a failure (how many a device
    follows is not published: a Director redirects once, to the home pool)."""


PROVISIONING_GROUPS = (
    "ServerConfiguration",
    "ucPolicy",
    "endpointConfiguration",
    "locationPolicy",
    "userSetting",
)
SUBSCRIPTIONS = ("vnd-microsoft-roaming-contacts", "vnd-microsoft-roaming-self")


@dataclass(frozen=True, slots=True)
class ProvisioningBehaviour:
    """What the phone asks for after its 200 OK (`tls-dsk.md` §3.2-3.4). Which groups and
    subscriptions a Lync Phone Edition asks for is not published [U]: the defaults are a
    Lync 2010 client's as pidgin-sipe models it, plus the groups a phone needs."""

    groups: tuple[str, ...] = PROVISIONING_GROUPS
    """The `provisioningGroup` names of the in-band provisioning SUBSCRIBE."""
    subscriptions: tuple[str, ...] = SUBSCRIPTIONS
    """The further self-SUBSCRIBEs, each sent only if the 200's Allow-Events lists it."""


@dataclass(frozen=True, slots=True)
class BringUpBehaviour:
    """How the phone gets onto the network before the DHCPINFORM (fidelity rows 1-3): LLDP-MED,
    then the `CPE-OCPHONE` VLAN query, then its own lease. Whether a boot plays these is the
    driver's say (a laptop already on the voice VLAN skips them); which of them the device
    does is the profile's. The timers and what the phone asks for are not published [U]."""

    lldp: bool = True
    lldp_timeout: float = 10.0
    """[U] How long the phone waits for LLDP-MED before it asks DHCP for the VLAN."""
    vlan_query: bool = True
    vlan_vendor_class: str = "CPE-OCPHONE"
    """Option 60 of the VLAN query (gg412828; matched case-sensitively by servers)."""
    lease: bool = True
    lease_vendor_class: str = "CPE-OCPHONE"
    """[U] Option 60 of the lease on the voice VLAN (empty: none sent)."""
    parameter_request_list: tuple[int, ...] = (1, 3, 6, 15, 4, 42, 43)
    """[U] Option 55 of the VLAN query and the lease: 43 for the VLAN, the rest for the
    address's values."""
    retransmit_after: tuple[float, ...] = (4.0, 8.0, 16.0, 32.0)
    """RFC 2131 §4.1 backoff between DISCOVERs (and REQUESTs); after the last, DHCP gives up."""
    retransmit_jitter: float = 1.0


@dataclass(frozen=True, slots=True)
class DeviceProfile:
    device: DeviceInfo
    dhcp: DhcpBehaviour
    dns: DnsBehaviour
    web: WebBehaviour
    sip: SipBehaviour
    time: TimeBehaviour
    certificate: CertificateBehaviour
    tls_dsk: TlsDskBehaviour = TlsDskBehaviour()
    provisioning: ProvisioningBehaviour = ProvisioningBehaviour()
    bringup: BringUpBehaviour = BringUpBehaviour()
    cache: CacheBehaviour = CacheBehaviour()

    @property
    def name(self) -> str:
        return self.device.name

    @property
    def strict_naming(self) -> bool:
        """Whether SRV targets must lie in the SIP domain: as the profile says, else from
        CU7's firmware on."""
        if self.dns.strict_srv_target is not None:
            return self.dns.strict_srv_target
        return firmware_at_least(self.device.firmware, self.dns.strict_naming_since)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], source: str) -> DeviceProfile:
        """Validate a parsed TOML document; every error names the field."""
        reader = FieldReader(data, source)
        profile = cls(
            device=DeviceInfo(
                name=reader.text("device.name"),
                vendor=reader.text("device.vendor"),
                model=reader.text("device.model"),
                mac_oui=reader.mac_oui("device.mac_oui"),
                firmware=reader.text("device.firmware"),
                user_agent=reader.text("device.user_agent"),
                keypad=reader.choice("device.keypad", ("numeric", "alphanumeric")),
                sign_in_methods=reader.choices("device.sign_in_methods", ("pin", "password")),
            ),
            dhcp=DhcpBehaviour(
                vendor_class=reader.text("dhcp.vendor_class"),
                parameter_request_list=reader.option_codes("dhcp.parameter_request_list"),
                max_message_size=reader.optional_int("dhcp.max_message_size", 576, 65535),
                retransmit_after=reader.seconds_list("dhcp.retransmit_after"),
                retransmit_jitter=reader.seconds("dhcp.retransmit_jitter", allow_zero=True),
                answer_window=reader.seconds("dhcp.answer_window", allow_zero=True),
                max_registrars=reader.integer("dhcp.max_registrars", 1, 16),
                max_answers=_bound(reader, "dhcp.max_answers", DhcpBehaviour),
            ),
            dns=DnsBehaviour(
                registrar_srv=reader.texts("dns.registrar_srv"),
                registrar_hosts=reader.texts("dns.registrar_hosts", allow_empty=True),
                ntp_srv=reader.text("dns.ntp_srv"),
                ntp_fallback_host=reader.text("dns.ntp_fallback_host"),
                timeout=reader.seconds("dns.timeout"),
                dns_after_dhcp_registrars=reader.boolean("dns.dns_after_dhcp_registrars"),
                strict_srv_target=reader.boolean("dns.strict_srv_target")
                if reader.present("dns.strict_srv_target")
                else None,
                strict_naming_since=reader.firmware("dns.strict_naming_since")
                if reader.present("dns.strict_naming_since")
                else STRICT_NAMING_SINCE,
                update_server_host=reader.text("dns.update_server_host")
                if reader.present("dns.update_server_host")
                else "ucupdates-r2",
                known_domain_order=reader.choices("dns.known_domain_order", REGISTRAR_STEPS)
                if reader.present("dns.known_domain_order")
                else KNOWN_DOMAIN_ORDER,
            ),
            web=WebBehaviour(
                root_chain_path=reader.path("web.root_chain_path"),
                cert_prov_port=reader.text("web.cert_prov_port"),
                web_ticket_port=reader.text("web.web_ticket_port"),
                fallback_cert_prov_path=reader.path("web.fallback_cert_prov_path"),
                timeout=reader.seconds("web.timeout"),
                use_truncated_option_43=reader.boolean("web.use_truncated_option_43"),
                pin_format=reader.choice("web.pin_format", tuple(PIN_FORMATS))
                if reader.present("web.pin_format")
                else DEFAULT_PIN_FORMAT,
                root_chain_from_option_43=reader.url_template(
                    "web.root_chain_from_option_43", ROOT_CHAIN_URL_FIELDS
                )
                if reader.present("web.root_chain_from_option_43")
                else ROOT_CHAIN_FROM_OPTION_43,
                max_answer_bytes=_bound(reader, "web.max_answer_bytes", WebBehaviour),
                max_inflated_bytes=_bound(reader, "web.max_inflated_bytes", WebBehaviour),
                request_deadline=reader.seconds("web.request_deadline")
                if reader.present("web.request_deadline")
                else _default(WebBehaviour, "request_deadline"),
                max_headers=_bound(reader, "web.max_headers", WebBehaviour),
                max_xml_depth=_bound(reader, "web.max_xml_depth", WebBehaviour),
            ),
            sip=SipBehaviour(
                port=reader.integer("sip.port", 1, 65535),
                timeout=reader.seconds("sip.timeout"),
                max_message=_bound(reader, "sip.max_message", SipBehaviour),
                max_headers=_bound(reader, "sip.max_headers", SipBehaviour),
                max_header_line=_bound(reader, "sip.max_header_line", SipBehaviour),
                pool_suffix_must_match=reader.boolean("sip.pool_suffix_must_match")
                if reader.present("sip.pool_suffix_must_match")
                else True,
            ),
            time=TimeBehaviour(
                ntp_port=reader.integer("time.ntp_port", 1, 65535),
                timeout=reader.seconds("time.timeout"),
                dhcp_options=reader.option_subset("time.dhcp_options", TIME_OPTIONS)
                if reader.present("time.dhcp_options")
                else (42, 4),
                clock_at_power_on=reader.instant_or("time.clock_at_power_on", "host")
                if reader.present("time.clock_at_power_on")
                else FACTORY_CLOCK,
            ),
            certificate=CertificateBehaviour(
                key_type=reader.choice("certificate.key_type", ("rsa-2048", "ec-p256")),
            ),
            tls_dsk=_tls_dsk(reader),
            provisioning=_provisioning(reader),
            bringup=_bringup(reader),
            cache=CacheBehaviour(use=reader.choice("cache.use", CACHE_USES))
            if reader.present("cache.use")
            else CacheBehaviour(),
        )
        reader.reject_unknown(_known_fields())
        if "pin" not in profile.device.sign_in_methods:
            raise ProfileError(source, "device.sign_in_methods", "must include 'pin'")
        return profile


def firmware_at_least(firmware: str, since: str) -> bool:
    """Dotted firmware versions compared part by part as numbers (4.0.7577.4363 > 4.0.7577.4100)."""
    return _version(firmware) >= _version(since)


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split(".") if part.isdigit())


def _known_fields() -> dict[str, set[str]]:
    sections = {
        "device": DeviceInfo,
        "dhcp": DhcpBehaviour,
        "dns": DnsBehaviour,
        "web": WebBehaviour,
        "sip": SipBehaviour,
        "time": TimeBehaviour,
        "certificate": CertificateBehaviour,
        "tls_dsk": TlsDskBehaviour,
        "provisioning": ProvisioningBehaviour,
        "bringup": BringUpBehaviour,
        "cache": CacheBehaviour,
    }
    return {name: {f.name for f in fields(kind)} for name, kind in sections.items()}


BOUND_CEILING = 1 << 30
"""No bound on what a server sends may be set above this (1 GiB, or a billion items)."""


def _bound(reader: FieldReader, field: str, section: type) -> int:
    """An optional bound on what a server controls: absent, the section's default."""
    if not reader.present(field):
        return int(_default(section, field.partition(".")[2]))
    return reader.integer(field, 1, BOUND_CEILING)


def _default(section: type, name: str) -> Any:
    return next(f.default for f in fields(section) if f.name == name)


SESSION_SECONDS = 604800.0
"""A held phone's timers may be as long as its longest registration (a week)."""


def _tls_dsk(reader: FieldReader) -> TlsDskBehaviour:
    """The optional [tls_dsk] table: each field absent keeps its default."""
    default = TlsDskBehaviour()
    return TlsDskBehaviour(
        versions=reader.choices("tls_dsk.versions", TLS_DSK_VERSIONS)
        if reader.present("tls_dsk.versions")
        else default.versions,
        ciphers=reader.text("tls_dsk.ciphers")
        if reader.present("tls_dsk.ciphers")
        else default.ciphers,
        register_expires=reader.integer("tls_dsk.register_expires", 60, 604800)
        if reader.present("tls_dsk.register_expires")
        else default.register_expires,
        refresh_before=reader.seconds("tls_dsk.refresh_before", at_most=SESSION_SECONDS)
        if reader.present("tls_dsk.refresh_before")
        else default.refresh_before,
        keep_alive=reader.seconds("tls_dsk.keep_alive", at_most=SESSION_SECONDS)
        if reader.present("tls_dsk.keep_alive")
        else default.keep_alive,
        sa_renewal_margin=reader.seconds("tls_dsk.sa_renewal_margin", at_most=SESSION_SECONDS)
        if reader.present("tls_dsk.sa_renewal_margin")
        else default.sa_renewal_margin,
        max_redirects=reader.integer("tls_dsk.max_redirects", 0, 16)
        if reader.present("tls_dsk.max_redirects")
        else default.max_redirects,
    )


def _provisioning(reader: FieldReader) -> ProvisioningBehaviour:
    """The optional [provisioning] table: each field absent keeps its default."""
    default = ProvisioningBehaviour()
    return ProvisioningBehaviour(
        groups=reader.texts("provisioning.groups")
        if reader.present("provisioning.groups")
        else default.groups,
        subscriptions=reader.texts("provisioning.subscriptions", allow_empty=True)
        if reader.present("provisioning.subscriptions")
        else default.subscriptions,
    )


def _bringup(reader: FieldReader) -> BringUpBehaviour:
    """The optional [bringup] table: each field absent keeps its default."""
    default = BringUpBehaviour()

    def given(name: str) -> bool:
        return reader.present(f"bringup.{name}")

    return BringUpBehaviour(
        lldp=reader.boolean("bringup.lldp") if given("lldp") else default.lldp,
        lldp_timeout=reader.seconds("bringup.lldp_timeout")
        if given("lldp_timeout")
        else default.lldp_timeout,
        vlan_query=reader.boolean("bringup.vlan_query")
        if given("vlan_query")
        else default.vlan_query,
        vlan_vendor_class=reader.text("bringup.vlan_vendor_class")
        if given("vlan_vendor_class")
        else default.vlan_vendor_class,
        lease=reader.boolean("bringup.lease") if given("lease") else default.lease,
        lease_vendor_class=reader.raw_text("bringup.lease_vendor_class")
        if given("lease_vendor_class")
        else default.lease_vendor_class,
        parameter_request_list=reader.option_codes("bringup.parameter_request_list")
        if given("parameter_request_list")
        else default.parameter_request_list,
        retransmit_after=reader.seconds_list("bringup.retransmit_after")
        if given("retransmit_after")
        else default.retransmit_after,
        retransmit_jitter=reader.seconds("bringup.retransmit_jitter", allow_zero=True)
        if given("retransmit_jitter")
        else default.retransmit_jitter,
    )
