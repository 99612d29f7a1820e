"""Who each phone of a fleet is: profile, MAC, number and PIN, generated or read from CSV."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from phonesim.core.identity import normalise_mac
from phonesim.errors import UsageError
from phonesim.lab.directory import LabUser
from phonesim.lab.scenario import UserFaults
from phonesim.users_csv import read_users_csv

FIRST_GENERATED_EXTENSION = 6_000_000
GENERATED_PIN = "13579"


@dataclass(frozen=True, slots=True)
class FleetIdentity:
    index: int
    profile: str
    mac: str
    sign_in_as: str
    pin: str = field(repr=False)


@dataclass(frozen=True)
class ProfileMix:
    """Profiles and their weights, e.g. polycom-cx600=70,aastra-6725ip=30."""

    weights: tuple[tuple[str, int], ...]

    @classmethod
    def parse(cls, text: str) -> ProfileMix:
        weights = []
        for part in text.split(","):
            name, sep, weight = part.strip().partition("=")
            if not name:
                raise UsageError(f"--mix {text!r}: an empty profile name")
            if not sep:
                weights.append((name, 1))
                continue
            if not weight.strip().isdigit() or int(weight) < 1:
                raise UsageError(f"--mix {text!r}: weight of {name!r} must be a whole number >= 1")
            weights.append((name, int(weight)))
        return cls(tuple(weights))

    def assign(self, count: int, rng: random.Random) -> list[str]:
        """Exactly proportional counts (largest remainder), shuffled by the seed."""
        total = sum(w for _, w in self.weights)
        shares = [(name, count * w / total) for name, w in self.weights]
        counts = {name: int(share) for name, share in shares}
        left = count - sum(counts.values())
        for name, _share in sorted(shares, key=lambda s: s[1] - int(s[1]), reverse=True)[:left]:
            counts[name] += 1
        profiles = [name for name, _ in self.weights for _ in range(counts[name])]
        rng.shuffle(profiles)
        return profiles


def generated_identities(
    count: int, mix: ProfileMix, ouis: dict[str, str], seed: int
) -> list[FleetIdentity]:
    """Phones numbered 6000000, 6000001... with the lab's generated users' PIN."""
    rng = random.Random(seed)
    profiles = mix.assign(count, rng)
    base = rng.getrandbits(24) & 0xF00000  # room for a million phones per OUI
    return [
        FleetIdentity(
            index=i,
            profile=profile,
            mac=_mac(ouis[profile], base + i),
            sign_in_as=str(FIRST_GENERATED_EXTENSION + i),
            pin=GENERATED_PIN,
        )
        for i, profile in enumerate(profiles)
    ]


def identities_from_csv(
    path: Path, count: int | None, mix: ProfileMix, ouis: dict[str, str], seed: int
) -> list[FleetIdentity]:
    """Rows `ext,pin[,mac][,profile]` (a header row names them); phones reuse rows in turn
    when asked for more phones than rows."""
    try:
        text = path.read_text("utf-8")
    except OSError as error:
        raise UsageError(f"{path}: cannot read ({error.strerror})") from None
    rows = read_users_csv(text, str(path), profiles=ouis)
    total = count or len(rows)
    rng = random.Random(seed)
    profiles = mix.assign(total, rng)
    base = rng.getrandbits(24) & 0xF00000
    identities = []
    for i in range(total):
        row = rows[i % len(rows)]
        profile = row.profile or profiles[i]
        identities.append(
            FleetIdentity(
                index=i,
                profile=profile,
                mac=_normalised(row.mac, path)
                if row.mac and i < len(rows)
                else _mac(ouis[profile], base + i),
                sign_in_as=row.ext,
                pin=row.pin,
            )
        )
    return identities


def _mac(oui: str, number: int) -> str:
    tail = number & 0xFFFFFF
    return f"{oui}:{tail >> 16:02x}:{(tail >> 8) & 0xFF:02x}:{tail & 0xFF:02x}"


def _normalised(mac: str, path: Path) -> str:
    try:
        return normalise_mac(mac)
    except UsageError as error:
        raise UsageError(f"{path}: {error}") from None


def lab_users_toml(
    identities: Sequence[FleetIdentity], domain: str, faults: UserFaults | None = None
) -> str:
    """The lab users file that lets every generated phone sign in, or fail as a user
    scenario's `faults` say (a PIN the lab expects that the phone does not type, a user
    not enabled for SIP, PIN failures already counted)."""
    seen: set[str] = set()
    lines = []
    for identity in identities:
        if identity.sign_in_as in seen:
            continue
        seen.add(identity.sign_in_as)
        fault = faults.for_user(identity.sign_in_as.lstrip("+")) if faults else None
        user = LabUser.for_number(identity.sign_in_as, identity.pin, domain=domain)
        pin = fault.pin if fault is not None and fault.pin is not None else user.pin
        enabled = fault.sip_enabled if fault is not None and fault.sip_enabled is not None else True
        lines += [
            "[[user]]",
            f'extension = "{user.extension}"',
            f'phone_number = "{user.phone_number}"',
            f'pin = "{pin}"',
            f'sip_uri = "{user.sip_uri}"',
            f"sip_enabled = {'true' if enabled else 'false'}",
        ]
        if fault is not None and fault.failed_attempts:
            lines.append(f"failed_attempts = {fault.failed_attempts}")
        lines.append("")
    return "\n".join(lines)
