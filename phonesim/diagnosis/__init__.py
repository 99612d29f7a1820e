"""Why a boot went the way it did: rules that turn a trace into findings with the fix.

A layer of its own over the trace events (not in the core, not in the CLI),
so a live boot, a lab scenario and a replayed capture are diagnosed alike.
"""

from __future__ import annotations

from phonesim.diagnosis.diagnose import Diagnosis, diagnose
from phonesim.diagnosis.finding import Finding

__all__ = ["Diagnosis", "Finding", "diagnose"]
