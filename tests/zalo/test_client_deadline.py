"""The client under an invocation deadline (chalicelib/platform/deadline.py): no attempt,
timeout or backoff runs past it; when time runs out the call fails as retryable."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from chalicelib.platform.deadline import Deadline, current, scope
from chalicelib.settings import get_settings
from chalicelib.zalo import messages
from chalicelib.zalo.client import DeadlineExceeded, ZaloClient, ZaloUnavailable


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class SlowFailingSession:
    """Every post uses up its whole read timeout, then fails as a network error."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.timeouts: list[tuple[float, float]] = []

    def post(self, url: str, **kwargs: Any) -> Any:
        connect, read = kwargs["timeout"]
        self.timeouts.append((connect, read))
        self.clock.now += connect + read
        raise requests.ReadTimeout("slow")


class Tokens:
    def get_access_token(self) -> str:
        return "token"

    def refresh_after_rejection(self, rejected_token: str) -> str:
        return "token"


def _client(clock: Clock, session: SlowFailingSession) -> ZaloClient:
    def sleep(seconds: float) -> None:
        clock.now += seconds

    return ZaloClient(get_settings(), Tokens(), session=session, sleep=sleep, jitter=lambda: 0.5)  # type: ignore[arg-type]


def test_without_a_deadline_every_retry_runs_its_full_timeout():
    clock = Clock()
    session = SlowFailingSession(clock)
    with pytest.raises(ZaloUnavailable) as raised:
        _client(clock, session).send_message("u1", messages.text("Xin chào"))
    assert not isinstance(raised.value, DeadlineExceeded)
    settings = get_settings()
    assert len(session.timeouts) == settings.HTTP_MAX_RETRIES + 1
    assert all(
        t == (settings.HTTP_CONNECT_TIMEOUT, settings.HTTP_READ_TIMEOUT) for t in session.timeouts
    )


def test_a_send_never_runs_past_the_deadline():
    clock = Clock()
    session = SlowFailingSession(clock)
    limit = Deadline.after(20.0, clock)
    with scope(limit), pytest.raises(DeadlineExceeded):
        _client(clock, session).send_message("u1", messages.text("Xin chào"))
    assert clock.now <= limit.at
    # The last attempt got only the time that was left, not the full read timeout.
    assert session.timeouts[-1][1] < get_settings().HTTP_READ_TIMEOUT


def test_no_attempt_starts_when_too_little_time_is_left():
    clock = Clock()
    session = SlowFailingSession(clock)
    with scope(Deadline.after(0.5, clock)), pytest.raises(DeadlineExceeded):
        _client(clock, session).send_message("u1", messages.text("Xin chào"))
    assert session.timeouts == []


def test_the_deadline_is_retryable_like_any_unavailability():
    assert issubclass(DeadlineExceeded, ZaloUnavailable)


def test_deadline_from_a_lambda_context_keeps_a_margin():
    class Context:
        def get_remaining_time_in_millis(self) -> int:
            return 60_000

    limit = Deadline.from_context(Context(), margin_ms=5_000)
    assert limit is not None
    assert 54.0 < limit.remaining() <= 55.0
    assert Deadline.from_context(None) is None


def test_scope_sets_and_restores_the_current_deadline():
    limit = Deadline.after(10.0)
    assert current() is None
    with scope(limit):
        assert current() is limit
        with scope(None):
            assert current() is limit
    assert current() is None
