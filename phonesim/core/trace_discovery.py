"""The events of the boot before it speaks HTTP: DHCP, DNS, the discovery decision and its
cache, and the time.

One module for the datagram stages, whose events the discovery summary and the DHCP
report read together; `phonesim.core.trace_schema` lists every declaration.
"""

from __future__ import annotations

from phonesim.core.stage import Stage
from phonesim.core.trace_event import declare as _event

# -- DHCP (the DHCPINFORM and its answers) ------------------------------------------
DHCP_INFORM_SENT = _event(
    Stage.DHCP,
    "inform_sent",
    ("xid", "attempt", "vendor_class", "requested", "next_wait"),
    "a DHCPINFORM left (first send or a retransmission)",
)
DHCP_ANSWER = _event(
    Stage.DHCP,
    "answer",
    (
        "server",
        "source",
        "option_120",
        "option_120_error",
        "option_120_hex",
        "option_120_encoding",
        "option_43",
        "option_43_error",
        "option_42",
        "option_4",
        "vendor_class",
    ),
    "a DHCPACK to the phone's INFORM, decoded",
)
DHCP_ANSWER_MALFORMED = _event(
    Stage.DHCP,
    "answer_malformed",
    ("server", "error"),
    "a DHCP datagram the phone could not read",
    "warning",
)
DHCP_ANSWER_NOT_OURS = _event(
    Stage.DHCP,
    "answer_not_ours",
    ("server", "xid"),
    "a DHCP reply for another transaction",
)
DHCP_ANSWER_IGNORED = _event(
    Stage.DHCP,
    "answer_ignored",
    ("server", "message_type", "why"),
    "an answer the phone looked at and did not use (not an ACK, or another one won)",
)
DHCP_ANSWER_WON = _event(
    Stage.DHCP,
    "answer_won",
    ("server", "registrars", "web_url", "why"),
    "the first answer carrying an FQDN: the phone goes with it",
)
DHCP_ANSWER_WITHOUT_FQDN = _event(
    Stage.DHCP,
    "answer_without_fqdn",
    ("server", "note", "window"),
    "an answer without option 120: the phone waits a while for a better one",
    "warning",
)
DHCP_OPTION_43_TRUNCATED_USED = _event(
    Stage.DHCP,
    "option_43_truncated_used",
    ("server", "url", "note"),
    "option 43 ends inside the CertProv path and the phone uses what arrived",
    "warning",
)
DHCP_GAVE_UP = _event(
    Stage.DHCP,
    "gave_up",
    ("attempts", "note"),
    "no DHCP answer to any INFORM: the phone carries on with DNS",
    "warning",
)

# -- DNS ---------------------------------------------------------------------------
DNS_QUERY = _event(Stage.DNS, "query", ("name", "type"), "a DNS question (SRV or A)")
DNS_ANSWER = _event(
    Stage.DNS,
    "answer",
    ("name", "type", "records", "addresses"),
    "a DNS answer: SRV records or addresses",
)
DNS_NO_ANSWER = _event(
    Stage.DNS,
    "no_answer",
    ("name", "type", "error"),
    "a DNS question with no usable answer",
    "warning",
)
DNS_SRV_TARGET_REJECTED = _event(
    Stage.DNS,
    "srv_target_rejected",
    ("name", "target", "domain", "why"),
    "strict DNS naming: an SRV target outside the domain looked up is not trusted",
    "warning",
)
DNS_REGISTRAR_LOOKUP_DONE = _event(
    Stage.DNS,
    "registrar_lookup_done",
    ("found", "source"),
    "the DNS search for a registrar ended (what it found, and from which name)",
)
DNS_UPDATE_SERVER = _event(
    Stage.DNS,
    "update_server",
    ("name", "addresses", "note"),
    "the update server lookup (ucupdates-r2.<DHCP domain>, UP-9170aa30): traced, never a failure",
)

# -- discovery (the decision, and the cache) -------------------------------------------
DISCOVERY_CACHE_USED = _event(
    Stage.DISCOVERY,
    "cache_used",
    ("source", "web_url", "registrars", "stored_at", "note"),
    "the discovery cache stands in for DHCP and DNS",
)
DISCOVERY_CACHE_HELD = _event(
    Stage.DISCOVERY,
    "cache_held",
    ("source", "web_url", "registrars", "stored_at", "note"),
    "the discovery cache held back for when discovery gives nothing (gg398713's reading)",
)
DISCOVERY_CACHE_UNUSABLE = _event(
    Stage.DISCOVERY,
    "cache_unusable",
    ("why",),
    "the stored discovery cache could not be read (damaged, or not a cache): the phone "
    "discovers as a phone without one",
    "warning",
)
DISCOVERY_CACHE_IGNORED = _event(
    Stage.DISCOVERY,
    "cache_ignored",
    ("why", "source", "web_url", "registrars", "stored_at"),
    "the flash holds servers, and this boot does not read them",
)
DISCOVERY_FRESH_PHONE = _event(
    Stage.DISCOVERY,
    "fresh_phone",
    ("why",),
    "the phone starts without a discovery cache, and says why",
)
DISCOVERY_CACHE_STORED = _event(
    Stage.DISCOVERY,
    "cache_stored",
    ("source", "web_url", "registrars", "persisted", "why"),
    "the phone writes its discovery cache (persisted: whether the state folder keeps it)",
)
DISCOVERY_CACHE_DISCARDED = _event(
    Stage.DISCOVERY,
    "cache_discarded",
    ("failed_stage", "cause", "note"),
    "the cached servers failed: the phone forgets them and discovers afresh",
    "warning",
)
DISCOVERY_WAITING_FOR_DNS = _event(
    Stage.DISCOVERY,
    "waiting_for_dns",
    ("why",),
    "DHCP has answered; the decision waits for DNS",
)
DISCOVERY_DECIDED = _event(
    Stage.DISCOVERY,
    "decided",
    ("web_url", "web_source", "registrars", "registrar_source"),
    "the web services URL and the registrar list the phone will use, and where each came from",
)

# -- time ------------------------------------------------------------------------------
TIME_QUERY = _event(Stage.TIME, "query", ("server", "address", "port"), "an SNTP request")
TIME_SYNCHRONIZED = _event(
    Stage.TIME,
    "synchronized",
    ("server", "offset", "clock"),
    "the phone's clock set from a time server (offset: from the clock it had)",
)
TIME_NO_ANSWER = _event(
    Stage.TIME, "no_answer", ("server", "error"), "a time server that did not answer", "warning"
)
TIME_UNSYNCHRONIZED = _event(
    Stage.TIME,
    "unsynchronized",
    ("note", "clock"),
    "no time server answered: the phone keeps its own clock",
    "warning",
)
