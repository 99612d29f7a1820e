"""Hypothesis strategies shared by the codec tests."""

from __future__ import annotations

from hypothesis import strategies as st

_LABEL_CHARACTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-"

labels = st.text(alphabet=_LABEL_CHARACTERS, min_size=1, max_size=63)

# Host names as admins type them: 1-5 labels, well under the 255-byte wire limit.
hostnames = (
    st.lists(labels, min_size=1, max_size=5).map(".".join).filter(lambda name: len(name) <= 200)
)

ipv4_addresses = st.ip_addresses(v=4).map(str)

mac_addresses = st.binary(min_size=6, max_size=6).map(lambda raw: ":".join(f"{b:02x}" for b in raw))

# Codes that can carry a value; 52 is left out because it changes how the rest is read.
option_codes = st.integers(min_value=1, max_value=254).filter(lambda code: code != 52)

# Option areas close to what servers send: mostly well-formed instances, with 52
# (overload), 53 and 54 thrown in, and now and then bytes that break the walk.
_well_formed_instances = st.tuples(option_codes, st.binary(max_size=40)).map(
    lambda t: bytes((t[0], len(t[1]))) + t[1]
)
_any_instances = st.tuples(st.integers(0, 255), st.integers(0, 255), st.binary(max_size=60)).map(
    lambda t: bytes((t[0], t[1])) + t[2]
)
_telling_instances = st.sampled_from(
    [
        b"\x34\x01\x01",
        b"\x34\x01\x02",
        b"\x34\x01\x03",
        b"\x34\x01\x04",
        b"\x35\x01\x05",
        b"\x35\x01\x08",
        b"\x36\x04\x0a\x00\x00\x01",
        b"\x00",
        b"\xff",
    ]
)
_well_formed_areas = st.lists(
    st.one_of(_well_formed_instances, _well_formed_instances, _telling_instances),
    min_size=1,
    max_size=10,
).map(b"".join)
option_areas = st.one_of(
    _well_formed_areas,
    _well_formed_areas,
    st.lists(
        st.one_of(_well_formed_instances, _telling_instances, _any_instances), max_size=10
    ).map(b"".join),
    st.binary(max_size=400),
)

MAGIC_COOKIE = bytes((99, 130, 83, 99))

# Whole messages: any header, sname and file (which may hold option areas), the
# magic cookie and an options area.
dhcp_messages = st.builds(
    lambda head, sname, file, options: head + sname + file + MAGIC_COOKIE + options,
    st.binary(min_size=44, max_size=44),
    st.one_of(
        st.binary(min_size=64, max_size=64), option_areas.map(lambda a: a[:64].ljust(64, b"\0"))
    ),
    st.one_of(
        st.binary(min_size=128, max_size=128),
        option_areas.map(lambda a: a[:128].ljust(128, b"\0")),
    ),
    option_areas,
)

# What may arrive instead: a message cut anywhere, one with a wrong cookie, any bytes.
damaged_messages = st.one_of(
    st.tuples(dhcp_messages, st.integers(min_value=0, max_value=600)).map(lambda t: t[0][: t[1]]),
    st.tuples(dhcp_messages, st.binary(min_size=4, max_size=4)).map(
        lambda t: t[0][:236] + t[1] + t[0][240:]
    ),
    st.binary(max_size=600),
)


def _inform_like(
    xid: int,
    mac: str,
    ciaddr: str,
    vendor_class: str,
    before: bytes,
    after: bytes,
    op: int,
    flags: bytes,
    giaddr: bytes,
) -> bytes:
    from phonesim.codec.dhcp_message import build_inform
    from phonesim.codec.dhcp_options import encode_options, iter_options

    wire = build_inform(
        xid=xid,
        mac=mac,
        ciaddr=ciaddr,
        vendor_class=vendor_class,
        parameter_request_list=[1, 3, 6, 15, 42, 43, 120],
    )
    own = encode_options(iter_options(wire[240:]))
    head = bytes((op,)) + wire[1:10] + flags + wire[12:24] + giaddr + wire[28:240]
    return (head + before + own + after + b"\xff").ljust(300, b"\x00")


# Extra instances that change what an INFORM is: a second 53 or 60, a server id,
# an overload, a type that is not INFORM, broken lengths.
_inform_changing_instances = st.one_of(
    _telling_instances,
    st.sampled_from(
        [
            b"\x3c\x0cMS-UC-Client",
            b"\x3c\x00",
            b"\x3c\x02ab",
            b"\x35\x01\x08",
            b"\x35\x02\x08\x08",
            b"\x35\x00",
            b"\x36\x03\x0a\x00\x00",
            b"\x2b\x05abc",
        ]
    ),
    _well_formed_instances,
)

# DHCPINFORMs as phones send them (vendor class MS-UC-Client or close to it),
# often with instances added before or after their own options, any flags and
# giaddr, and now and then op 2.
inform_like_messages = st.builds(
    _inform_like,
    st.integers(min_value=0, max_value=0xFFFFFFFF),
    mac_addresses,
    ipv4_addresses,
    st.sampled_from(
        ["MS-UC-Client", "MS-UC-Client", "ms-uc-client", "MS-UC-Client ", "CPE-OCPHONE"]
    ),
    st.one_of(st.just(b""), st.lists(_inform_changing_instances, max_size=3).map(b"".join)),
    st.one_of(st.just(b""), st.lists(_inform_changing_instances, max_size=3).map(b"".join)),
    st.sampled_from([1, 1, 1, 2]),
    st.binary(min_size=2, max_size=2),
    st.binary(min_size=4, max_size=4),
)
