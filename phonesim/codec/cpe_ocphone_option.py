"""Option 43 as sent to vendor class `CPE-OCPHONE`: the voice VLAN for the phone.

Before it has an address, the phone may ask DHCP with vendor class
`CPE-OCPHONE` for option 43, whose sub-option 10 holds the VLAN ID
(protocol.md §0). How the ID is written is not publicly documented [U]: the
default is ASCII digits (`"100"`), and a 1-2 byte big-endian integer is read
too and flagged, as servers configured by hand write both.
"""

from __future__ import annotations

from dataclasses import dataclass

from phonesim.errors import MalformedOption

OPTION_CODE = 43
VENDOR_CLASS = "CPE-OCPHONE"
VLAN_ID = 10
PAD = 0
END = 255
MIN_VLAN = 1
MAX_VLAN = 4094


@dataclass(frozen=True)
class VlanOption:
    vlan_id: int | None
    vlan_as_integer: bool
    """The ID came as binary bytes, not the ASCII digits the [U] default expects."""
    has_end: bool
    other: tuple[tuple[int, bytes], ...]
    truncated_code: int | None
    """A sub-option that claims more bytes than the value holds (its code), if any."""

    @property
    def usable(self) -> bool:
        return self.vlan_id is not None and MIN_VLAN <= self.vlan_id <= MAX_VLAN


def decode_cpe_ocphone_option(value: bytes) -> VlanOption:
    vlan_id: int | None = None
    as_integer = False
    other: list[tuple[int, bytes]] = []
    truncated: int | None = None
    has_end = False
    position = 0
    while position < len(value):
        code = value[position]
        if code == PAD:
            position += 1
            continue
        if code == END:
            has_end = True
            break
        if position + 1 >= len(value):
            truncated = code
            break
        length = value[position + 1]
        data = value[position + 2 : position + 2 + length]
        if len(data) < length:
            truncated = code
            break
        if code == VLAN_ID:
            if vlan_id is not None:
                raise MalformedOption(
                    OPTION_CODE, "sub-option 10 (VLAN ID) appears twice", position
                )
            if data and data.isdigit() and data.isascii():
                vlan_id = int(data)
            elif 1 <= len(data) <= 2:
                vlan_id = int.from_bytes(data, "big")
                as_integer = True
            else:
                raise MalformedOption(
                    OPTION_CODE,
                    f"sub-option 10 (VLAN ID) is {data.hex() or 'empty'}: "
                    "neither ASCII digits nor a 1-2 byte integer",
                    position + 2,
                )
        else:
            other.append((code, bytes(data)))
        position += 2 + length
    return VlanOption(
        vlan_id=vlan_id,
        vlan_as_integer=as_integer,
        has_end=has_end,
        other=tuple(other),
        truncated_code=truncated,
    )


def encode_cpe_ocphone_option(vlan_id: int) -> bytes:
    """Sub-option 10 with the VLAN ID as ASCII digits (the [U] default)."""
    if not MIN_VLAN <= vlan_id <= MAX_VLAN:
        raise MalformedOption(OPTION_CODE, f"VLAN ID {vlan_id} is outside {MIN_VLAN}..{MAX_VLAN}")
    digits = str(vlan_id).encode("ascii")
    return bytes((VLAN_ID, len(digits))) + digits
