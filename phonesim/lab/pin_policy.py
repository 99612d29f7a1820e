"""The pool's PIN lockout policy (New-CsPinPolicy), so repeated failures lock a user out.

Failures count inside a 30-minute observation window. Reaching the local limit
locks the account for an hour; reaching the global limit (all failures since
the last success) locks it until an administrator unlocks it. The limits
depend on the PIN's length, with the cmdlet's defaults (protocol.md §7).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

OBSERVATION_WINDOW = 30 * 60.0
LOCKOUT = 60 * 60.0


@dataclass(frozen=True)
class PinPolicy:
    observation_window: float = OBSERVATION_WINDOW
    lockout: float = LOCKOUT

    @staticmethod
    def limits(pin_length: int) -> tuple[int, int]:
        """(local, global) failure limits for a PIN of this many digits."""
        if pin_length <= 4:
            return 10, 100
        if pin_length == 5:
            return 25, 1000
        return 25, 5000


@dataclass
class PinAccount:
    """One user's failures and lock, as the pool keeps them."""

    failures: deque[float] = field(default_factory=deque)
    total_failures: int = 0
    locked_until: float | None = None
    locked_for_good: bool = False

    def lock_reason(self, now: float) -> str | None:
        if self.locked_for_good:
            return "PIN account locked until an administrator unlocks it (Unlock-CsClientPin)"
        if self.locked_until is not None and now < self.locked_until:
            minutes = max(1, round((self.locked_until - now) / 60))
            return f"PIN account locked after too many failed attempts; retry in {minutes} min"
        return None

    def failed(self, now: float, policy: PinPolicy, pin_length: int) -> None:
        local_limit, global_limit = policy.limits(pin_length)
        self.failures.append(now)
        while self.failures and self.failures[0] <= now - policy.observation_window:
            self.failures.popleft()
        self.total_failures += 1
        if self.total_failures >= global_limit:
            self.locked_for_good = True
        elif len(self.failures) >= local_limit:
            self.locked_until = now + policy.lockout
            self.failures.clear()

    def succeeded(self) -> None:
        self.failures.clear()
        self.total_failures = 0
