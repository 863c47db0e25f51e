"""Objects built once per Lambda container, and the one way to forget them.

Factories (those of the composition root, :mod:`chalicelib.root`, and ``get_table()``) wire real
collaborators on first use and keep them for the container's life. They are declared with
:func:`cached`, which registers them here, so tests and the local runner can reset every one
of them with :func:`reset_all` after changing the environment.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")
_factories: list[Callable[[], object]] = []
_resetters: list[Callable[[], None]] = []


def cached(factory: Callable[[], T]) -> Callable[[], T]:
    """Build on first call, then return the same object until :func:`reset_all`."""
    wrapped = functools.lru_cache(maxsize=1)(factory)
    _factories.append(wrapped)
    return wrapped


def on_reset(resetter: Callable[[], None]) -> Callable[[], None]:
    """Register a function that forgets module-level state (for state that is not a factory)."""
    _resetters.append(resetter)
    return resetter


def reset_all() -> None:
    """Forget every cached object."""
    for factory in _factories:
        factory.cache_clear()  # type: ignore[attr-defined]
    for resetter in _resetters:
        resetter()
