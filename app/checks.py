"""What `memloci doctor` reports, and where each area registers the checks it knows.

Each area (autofill, capture, search, the model) keeps its own checks beside its code and
registers them here; `app.doctor` runs whatever is registered. The areas depend on this small
module, never on the doctor.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from app.paths import Paths

OK, WARN, FAIL = "ok", "warn", "fail"


@dataclass(frozen=True)
class Check:
    name: str
    status: str
    detail: str
    fix: str = ""

    def to_dict(self) -> dict[str, str]:
        return {"name": self.name, "status": self.status, "detail": self.detail, "fix": self.fix}


CheckGroup = Callable[[Paths], list[Check]]

_REGISTERED: list[tuple[int, CheckGroup]] = []


def register(order: int) -> Callable[[CheckGroup], CheckGroup]:
    """Decorator: run this group of checks in `doctor`, at `order` (lower runs first)."""

    def add(group: CheckGroup) -> CheckGroup:
        if all(existing is not group for _, existing in _REGISTERED):
            _REGISTERED.append((order, group))
        return group

    return add


def registered() -> list[CheckGroup]:
    return [group for _, group in sorted(_REGISTERED, key=lambda pair: pair[0])]
