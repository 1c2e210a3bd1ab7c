"""When the counter session locks itself (the clerk stepped away). Qt-free; times are passed in."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class IdleLockPolicy:
    """Locks after ``timeout_seconds`` without input; 0 disables locking."""

    timeout_seconds: float
    last_activity: float = 0.0
    locked: bool = False

    def touch(self, now: float) -> None:
        if not self.locked:
            self.last_activity = now

    def should_lock(self, now: float) -> bool:
        if self.locked or self.timeout_seconds <= 0:
            return False
        return now - self.last_activity >= self.timeout_seconds

    def lock(self) -> None:
        self.locked = True

    def unlock(self, now: float) -> None:
        self.locked = False
        self.last_activity = now

    def seconds_left(self, now: float) -> float:
        return max(0.0, self.timeout_seconds - (now - self.last_activity))
