"""A circuit breaker for the LLM: after `failures` failed calls within `window_s` it opens, and calls go
to the offline engine instead of waiting on a provider that is down; after `cooldown_s` it half-opens
and lets one call try the provider again (success closes it, failure opens it again)."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable


class CircuitBreaker:
    def __init__(self, failures: int = 3, window_s: float = 60.0, cooldown_s: float = 30.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.failures, self.window_s, self.cooldown_s, self.clock = failures, window_s, cooldown_s, clock
        self._recent: deque[float] = deque()
        self._opened_at: float | None = None
        self._trial_running = False
        self.last_error = ""
        self._lock = threading.Lock()

    @property
    def state(self) -> str:
        with self._lock:
            return self._state()

    def _state(self) -> str:
        if self._opened_at is None:
            return "closed"
        return "open" if self.clock() - self._opened_at < self.cooldown_s else "half-open"

    def allow(self) -> bool:
        """Whether a call may go to the provider now (in half-open, only one trial at a time)."""
        with self._lock:
            state = self._state()
            if state == "closed":
                return True
            if state == "half-open" and not self._trial_running:
                self._trial_running = True
                return True
            return False

    def succeeded(self) -> None:
        with self._lock:
            self._recent.clear()
            self._opened_at, self._trial_running = None, False

    def failed(self, error: str) -> None:
        with self._lock:
            now = self.clock()
            self.last_error = error
            if self._opened_at is not None:  # the half-open trial failed: open again for a cool-down
                self._opened_at, self._trial_running = now, False
                return
            self._recent.append(now)
            while self._recent and now - self._recent[0] > self.window_s:
                self._recent.popleft()
            if len(self._recent) >= self.failures:
                self._opened_at = now

    def describe(self) -> str:
        return (f"the LLM failed {self.failures} times within {self.window_s:g} s (last: {self.last_error}); "
                f"the offline engine answers until a trial call succeeds (every {self.cooldown_s:g} s)")
