"""The detail pane's "Fix…" menu for a person, place or thing (a semantic memory): rename, change
its kind, merge it with another record of the same entity, and take off a source that is not
about it. Each asks what it needs, runs through the bridge and hands back the fixed memory."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from PySide6.QtWidgets import QInputDialog, QMenu, QToolButton, QWidget

from app.domain import Memory, MemoryType, Source
from app.ui import dialogs
from app.ui.bridge import Bridge
from app.views import words
from app.views.browse import BrowseQuery


class EntityFixer(QToolButton):
    def __init__(
        self,
        bridge: Bridge,
        current: Callable[[], Memory | None],
        done: Callable[[Memory], None],
        fail: Callable[[str], None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._bridge = bridge
        self._current = current
        self._done = done
        self._fail = fail
        self.kinds: tuple[str, ...] = ()
        self.setText("Fix…")
        self.setToolTip("Rename it, change its kind, or merge it with another record of it")
        self.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.menu_ = QMenu(self)
        self.rename_action = self.menu_.addAction("Rename…", lambda: self.rename())
        self.kind_action = self.menu_.addAction("Change kind…", lambda: self.change_kind())
        self.merge_action = self.menu_.addAction("Merge with another…", lambda: self.merge())
        self.setMenu(self.menu_)
        if bridge.memloci is not None:
            bridge.call(lambda m: m.entities.kinds(), on_done=self._kinds, owner=self)
        self.follow(None)

    def _kinds(self, kinds: tuple[str, ...]) -> None:
        self.kinds = tuple(kinds)
        self.follow(self._current())

    def follow(self, memory: Memory | None) -> None:
        self.setVisible(memory is not None and memory.type is MemoryType.SEMANTIC)
        self.kind_action.setVisible(bool(self.kinds))

    def _run(self, call: Callable[[Any], Memory]) -> None:
        self._bridge.call(call, on_done=self._done, on_error=self._fail, owner=self)

    def rename(self, name: str | None = None) -> None:
        memory = self._current()
        if memory is None:
            return
        if name is None:
            text, ok = QInputDialog.getText(
                self, "Rename", "New name:", text=str(memory.fields.get("name", ""))
            )
            if not ok:
                return
            name = text
        new = name
        self._run(lambda m: m.entities.rename(memory.id, new))

    def change_kind(self, kind: str | None = None) -> None:
        memory = self._current()
        if memory is None or not self.kinds:
            return
        if kind is None:
            now = str(memory.fields.get("kind") or "")
            index = self.kinds.index(now) if now in self.kinds else 0
            text, ok = QInputDialog.getItem(
                self, "Change kind", f"What is {memory.title}?", list(self.kinds), index, False
            )
            if not ok:
                return
            kind = text
        chosen = kind
        self._run(lambda m: m.entities.change_kind(memory.id, chosen))

    def merge(self) -> None:
        memory = self._current()
        if memory is None:
            return
        self._bridge.call(
            lambda m: m.browse(
                BrowseQuery(types=(MemoryType.SEMANTIC,), sort="title", descending=False),
                limit=500,
            ),
            on_done=partial(self._pick, memory),
            on_error=self._fail,
            owner=self,
        )

    def _pick(self, keep: Memory, others: list[Memory]) -> None:
        choices = [m for m in others if m.id != keep.id]
        if not choices:
            self._fail("There is no other person, place or thing to merge with.")
            return
        labels = [f"{m.title} — {str(m.fields.get('summary', ''))[:60]}" for m in choices]
        text, ok = QInputDialog.getItem(
            self, "Merge", f"Which record is also {keep.title}?", labels, 0, False
        )
        if not ok:
            return
        other = choices[labels.index(text)]
        self.merge_with(keep, other)

    def merge_with(self, keep: Memory, other: Memory, ask: bool = True) -> None:
        if ask and not dialogs.confirm(
            self,
            "Merge",
            f"Merge “{other.title}” into “{keep.title}”? Its sources and what it says move to "
            f"“{keep.title}”, and “{other.title}” is marked as merged (no longer shown, kept "
            "in its history).",
            "Merge",
        ):
            return
        self._run(lambda m: m.entities.merge(keep.id, other.id))

    def detach(self, source: Source, ask: bool = True) -> None:
        memory = self._current()
        if memory is None:
            return
        said = words.source_line(source)
        if ask and not dialogs.confirm(
            self,
            "Not about it",
            f"Take “{said}” off {memory.title}? The message itself stays; only the link to "
            f"{memory.title} goes (kept in its history).",
            "Take it off",
        ):
            return
        self._run(lambda m: m.entities.detach_source(memory.id, source.kind, source.ref))
