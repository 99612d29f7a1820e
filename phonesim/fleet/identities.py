"""Who each phone of a fleet is: profile, MAC, number and PIN, generated or read from CSV."""

from __future__ import annotations

import csv
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from phonesim.errors import UsageError

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
    reader = csv.DictReader(text.splitlines())
    fields = [f.strip().lower() for f in reader.fieldnames or []]
    if "ext" not in fields or "pin" not in fields:
        raise UsageError(f"{path}: line 1 must name the columns, at least ext,pin")
    rows = []
    for number, row in enumerate(reader, start=2):
        row = {k.strip().lower(): (v or "").strip() for k, v in row.items() if k}
        ext, pin = row.get("ext", ""), row.get("pin", "")
        if not ext.lstrip("+").isdigit():
            raise UsageError(f"{path}: line {number}: ext must be digits")
        if not pin.isdigit() or not 4 <= len(pin) <= 24:
            raise UsageError(f"{path}: line {number}: pin must be 4 to 24 digits")
        profile = row.get("profile") or ""
        if profile and profile not in ouis:
            raise UsageError(f"{path}: line {number}: unknown profile {profile!r}")
        rows.append((ext, pin, row.get("mac") or "", profile))
    if not rows:
        raise UsageError(f"{path}: no users")
    total = count or len(rows)
    rng = random.Random(seed)
    profiles = mix.assign(total, rng)
    base = rng.getrandbits(24) & 0xF00000
    identities = []
    for i in range(total):
        ext, pin, mac, profile = rows[i % len(rows)]
        profile = profile or profiles[i]
        identities.append(
            FleetIdentity(
                index=i,
                profile=profile,
                mac=_normalised(mac, path)
                if mac and i < len(rows)
                else _mac(ouis[profile], base + i),
                sign_in_as=ext,
                pin=pin,
            )
        )
    return identities


def _mac(oui: str, number: int) -> str:
    tail = number & 0xFFFFFF
    return f"{oui}:{tail >> 16:02x}:{(tail >> 8) & 0xFF:02x}:{tail & 0xFF:02x}"


def _normalised(mac: str, path: Path) -> str:
    from phonesim.phone_boot import normalise_mac

    try:
        return normalise_mac(mac)
    except UsageError as error:
        raise UsageError(f"{path}: {error}") from None


def lab_users_toml(identities: Sequence[FleetIdentity], domain: str) -> str:
    """The lab users file that lets every generated phone sign in."""
    seen: set[str] = set()
    lines = []
    for identity in identities:
        if identity.sign_in_as in seen:
            continue
        seen.add(identity.sign_in_as)
        ext = identity.sign_in_as.lstrip("+")
        lines += [
            "[[user]]",
            f'extension = "{ext}"',
            f'phone_number = "+1425{int(ext) % 10_000_000:07d}"',
            f'pin = "{identity.pin}"',
            f'sip_uri = "sip:user{ext}@{domain}"',
            "sip_enabled = true",
            "",
        ]
    return "\n".join(lines)
