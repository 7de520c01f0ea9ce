"""The enforcement's state: whether it is on, and what it decided (for ``/_secretsbundle/iam``).

One ``Ledger`` is made by ``iam_enforcement.install`` and handed to the code that needs it; no
module reads another's globals.
"""

from __future__ import annotations

import statistics
import threading
from collections import deque


class Ledger:
    def __init__(self) -> None:
        self.installed = False  # the handler is in LocalStack's chain (not disabled at startup)
        self.enabled = False  # and evaluates (POST /_secretsbundle/iam switches it)
        self._lock = threading.Lock()
        self._decisions: deque = deque(maxlen=5000)
        self._timings: deque = deque(maxlen=20000)
        self._evaluated_timings: deque = deque(maxlen=20000)

    def record(self, entry: dict) -> None:
        with self._lock:
            self._decisions.append(entry)

    def timed(self, seconds: float, evaluated: bool) -> None:
        with self._lock:
            self._timings.append(seconds)
            if evaluated:
                self._evaluated_timings.append(seconds)

    def report(self, clear: bool) -> dict:
        with self._lock:
            decisions, timings, evaluated = list(self._decisions), list(self._timings), list(self._evaluated_timings)
            if clear:
                self._decisions.clear()
                self._timings.clear()
                self._evaluated_timings.clear()
        return {
            "enabled": self.enabled,
            "decisions": decisions,
            # Every call the handler saw, and the median time it spent on one.
            "calls": len(timings),
            "median_seconds": statistics.median(timings) if timings else None,
            # The calls of evaluated principals (IAM users, assumed roles), and the median time spent
            # evaluating one: the latency the enforcement adds to such a call.
            "evaluated_calls": len(evaluated),
            "evaluated_median_seconds": statistics.median(evaluated) if evaluated else None,
        }
