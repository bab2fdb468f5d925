"""How slow and how strict the fake Web API is (`FakeSlack.latency`, `FakeSlack.limit_posts`).

- `Latency`: seconds each answer takes, for every method or for one method.
- `PostLimit`: Slack's limit on chat.postMessage, about one message a second per channel with a short burst;
  beyond it Slack answers HTTP 429 with `Retry-After` (whole seconds). Kept as a theoretical arrival time per
  channel (GCRA): a post is let through while that time is at most `burst - 1` intervals ahead of now.
- `InFlight`: how many requests are being answered at once, and the most there ever were.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field


@dataclass
class Latency:
    default: float = 0.0
    methods: dict[str, float] = field(default_factory=dict)

    def of(self, method: str) -> float:
        return self.methods.get(method, self.default)


class PostLimit:
    def __init__(self, per_second: float = 1.0, burst: int = 3) -> None:
        self.interval = 1.0 / per_second
        self.burst = burst
        self._next_at: dict[str, float] = {}
        self._lock = threading.Lock()

    def retry_after(self, channel: str, now: float | None = None) -> int:
        """0 when a post in `channel` may go now (and counts it); otherwise the seconds to wait (at least 1)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            next_at = self._next_at.get(channel, now)
            ahead = next_at - now - (self.burst - 1) * self.interval
            if ahead > 0:
                return max(1, math.ceil(ahead))
            self._next_at[channel] = max(next_at, now) + self.interval
            return 0


class InFlight:
    def __init__(self) -> None:
        self.now = 0
        self.peak = 0
        self._lock = threading.Lock()

    def __enter__(self) -> InFlight:
        with self._lock:
            self.now += 1
            self.peak = max(self.peak, self.now)
        return self

    def __exit__(self, *exc: object) -> None:
        with self._lock:
            self.now -= 1
