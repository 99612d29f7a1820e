"""The fleet's per-phone random numbers: SplitMix64, repeatable from a seed."""

from __future__ import annotations

from phonesim.fleet.compact_random import CompactRandom


def test_splitmix64_reference_outputs() -> None:
    # First outputs of SplitMix64 from seed 0, as in its reference implementation.
    rng = CompactRandom(0)
    assert [rng.getrandbits(64) for _ in range(3)] == [
        0xE220A8397B1DCDAF,
        0x6E789E6AA1B965F4,
        0x06C45D188009454F,
    ]


def test_same_seed_same_numbers_and_bits_fit() -> None:
    a, b = CompactRandom(42), CompactRandom(42)
    assert [a.getrandbits(32) for _ in range(100)] == [b.getrandbits(32) for _ in range(100)]
    rng = CompactRandom(7)
    for bits in (1, 16, 32, 64, 128):
        assert all(0 <= rng.getrandbits(bits) < 2**bits for _ in range(200))
    values = [rng.random() for _ in range(20000)]
    assert all(0.0 <= v < 1.0 for v in values)
    assert abs(sum(values) / len(values) - 0.5) < 0.01
    assert abs(sum(v < 0.1 for v in values) / len(values) - 0.1) < 0.01
