"""Modules imported on first use.

Every Lambda function of a Chalice app imports ``app.py``; whatever it imports at module level
is paid at every cold start of every function. ``app.py`` therefore names its controllers
through :func:`module`, and each is imported the first time one of its attributes is used.
"""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType


def module(name: str) -> ModuleType:
    """The module ``name``, loaded lazily (stdlib ``importlib.util.LazyLoader``)."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        raise ModuleNotFoundError(name)
    loader = importlib.util.LazyLoader(spec.loader)
    spec.loader = loader
    lazy = importlib.util.module_from_spec(spec)
    sys.modules[name] = lazy
    loader.exec_module(lazy)
    return lazy
