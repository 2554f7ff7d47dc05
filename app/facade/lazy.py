"""A part built on first use (thread-safe), for areas whose modules are heavy to import."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Lazy(Generic[T]):
    """`get()` builds the value once; API worker threads may ask at the same time."""

    def __init__(self, build: Callable[[], T]) -> None:
        self._build = build
        self._value: T | None = None
        self._lock = threading.Lock()

    def get(self) -> T:
        if self._value is None:
            with self._lock:
                if self._value is None:
                    self._value = self._build()
        return self._value

    def built(self) -> T | None:
        """The value if it was built, else None (nothing is built)."""
        return self._value
