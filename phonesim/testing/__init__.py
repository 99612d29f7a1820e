"""Helpers for driving phonesim without a network, for tests, benchmarks and notebooks.

`LabPair` pairs one phone core with one lab in memory, on a virtual clock, as
h11's ConnectionPair and aioquic's client_and_server pair the two ends of their
protocols. It lives here, not in `phonesim/lab/`, because it imports both the
core and the lab, and the lab never imports the core.
"""

from __future__ import annotations

from phonesim.testing.lab_pair import LabPair

__all__ = ["LabPair"]
