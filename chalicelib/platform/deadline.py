"""The time an invocation may still spend on outbound calls.

A queue consumer sets the deadline from the Lambda context
(``context.get_remaining_time_in_millis()`` minus :data:`MARGIN_MS`) around each record with
:func:`scope`; the Zalo client reads it with :func:`current` and never starts an attempt, a
backoff sleep or a timeout that would run past it: it raises
:class:`chalicelib.zalo.client.DeadlineExceeded` instead, so the record fails cleanly (and comes
back through the retry ladder) rather than the function being killed with the whole batch.

The deadline is carried as context (a :mod:`contextvars` variable) from the consumer through the
processor and the notifier to the client, so no layer in between has to thread it by hand. Code
outside any scope (the API, schedules, tests) has no deadline.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

# Kept free before the function's own timeout: the failure report, the retry ladder's
# ChangeMessageVisibility and the log lines after the last outbound call.
MARGIN_MS = 5_000


@dataclass(frozen=True)
class Deadline:
    """A point in time on ``clock`` (seconds, monotonic)."""

    at: float
    clock: Callable[[], float] = field(default=time.monotonic, compare=False)

    @classmethod
    def after(cls, seconds: float, clock: Callable[[], float] = time.monotonic) -> Deadline:
        return cls(clock() + seconds, clock)

    @classmethod
    def from_context(cls, context: Any, margin_ms: float = MARGIN_MS) -> Deadline | None:
        """The Lambda context's remaining time minus ``margin_ms``; None without a context."""
        getter = getattr(context, "get_remaining_time_in_millis", None)
        if not callable(getter):
            return None
        return cls.after((float(getter()) - margin_ms) / 1000)

    def remaining(self) -> float:
        """Seconds left (negative once passed)."""
        return self.at - self.clock()


_current: ContextVar[Deadline | None] = ContextVar("deadline", default=None)


def current() -> Deadline | None:
    """The deadline of the work in progress, or None when there is none."""
    return _current.get()


@contextmanager
def scope(deadline: Deadline | None) -> Iterator[None]:
    """Run the block under ``deadline`` (None: keep the enclosing one)."""
    if deadline is None:
        yield
        return
    token = _current.set(deadline)
    try:
        yield
    finally:
        _current.reset(token)
