"""One memory in full: its fields, where it came from (provenance) and every version.

Actions (edit, invalidate, restore, forget, reveal) ask first where they cannot be undone and
run through the bridge. Vault values stay masked until revealed; `high` asks the passphrase.
"""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import QByteArray, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QGuiApplication, QImage, QTextDocument
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app.domain import HistoryEntry, Memory, MemoryType, Source
from app.ui import dialogs
from app.ui.bridge import Bridge
from app.ui.entity_fix import EntityFixer
from app.ui.forget_dialog import ForgetDialog
from app.ui.panes.memory_changes import find_messages, past_html, reason_html
from app.ui.panes.memory_edit import MemoryForm
from app.ui.panes.memory_model import MASK
from app.ui.theme import TYPE_COLORS
from app.views import words
from app.views.slot_history import past_values


def esc(value: Any) -> str:
    return html.escape(str(value), quote=True).replace("\n", "<br>")


def memory_link(memory_id: str, text: str) -> str:
    return f'<a href="memloci:memory/{memory_id}">{esc(text)}</a>'


def _changes(entry: HistoryEntry) -> str:
    """What one version changed, field by field, in words."""
    old = (entry.old or {}).get("fields", {})
    new = (entry.new or {}).get("fields", {})
    # Slots and profile lines are told in "How it changed"; an entity's details are its slots
    # again, with message ids.
    hidden = {"slots", "lines", "details"} if "slots" in new or "slots" in old else set()
    hidden |= {"slots", "lines"}
    parts = []
    for key in sorted(set(old) | set(new)):
        if key in hidden:
            continue
        if old.get(key) != new.get(key) and entry.old is not None:
            before, after = _changed_lines(old.get(key, ""), new.get(key, ""))
            if key == "secret_value":
                before, after = MASK, MASK
            parts.append(f"<i>{esc(words.field_name(key))}</i>: {esc(before)} → {esc(after)}")
    if entry.old is not None and (entry.old or {}).get("valid_to") != (entry.new or {}).get(
        "valid_to"
    ):
        parts.append("whether it is still true changed")
    if entry.old is not None:
        before = {(s["kind"], s["ref"]) for s in (entry.old or {}).get("sources", [])}
        after = {(s["kind"], s["ref"]) for s in (entry.new or {}).get("sources", [])}
        for kind, ref in sorted(before - after):
            line = words.source_line(Source(kind, ref))
            parts.append(f"<i>no longer from</i> {esc(line)}")
    return "<br>".join(parts)


CHANGE_CHARS = 100


def _clip(text: str) -> str:
    if len(text) <= CHANGE_CHARS:
        return text
    return text[: CHANGE_CHARS - 1].rsplit(" ", 1)[0] + "…"


def _changed_lines(old: Any, new: Any) -> tuple[str, str]:
    """A field's change in words; of a text of several lines (a profile, a list), only the
    lines that changed ("City: Trondheim" → "City: Bergen"), not the whole text twice."""
    if isinstance(old, str) and isinstance(new, str) and ("\n" in old or "\n" in new):
        before, after = old.splitlines(), new.splitlines()
        gone = [line for line in before if line not in after]
        came = [line for line in after if line not in before]
        return _clip("; ".join(gone) or "(nothing)"), _clip("; ".join(came) or "(nothing)")
    return _clip(words.field_value(old)), _clip(words.field_value(new))


THUMBNAIL_WIDTH = 360
REVEAL_SECONDS = 30


def _thumbnail(facade: Any, session_id: str) -> tuple[int, Any, QImage | None]:
    """(frames kept, when the latest was taken, its image scaled down); on a worker thread."""
    frames = facade.capture.frames(session_id)
    if not frames:
        return 0, None, None
    latest = frames[0]
    try:
        data = facade.capture.frame(latest.id)
    except Exception:  # dropped by retention since it was listed, or unreadable
        return len(frames), latest.taken_at, None
    image = QImage.fromData(QByteArray(data))
    if image.isNull():
        return len(frames), latest.taken_at, None
    if image.width() > THUMBNAIL_WIDTH:
        image = image.scaledToWidth(THUMBNAIL_WIDTH, Qt.TransformationMode.SmoothTransformation)
    return len(frames), latest.taken_at, image


class MemoryDetail(QWidget):
    """Shows the selected memory; emits `open_memory` for links to other memories."""

    open_memory = Signal(str)
    changed = Signal(object)  # Memory after an edit/invalidate/restore
    forgotten = Signal(str)
    message = Signal(str)

    def __init__(self, bridge: Bridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._bridge = bridge
        self.memory: Memory | None = None
        self._revealed: str | None = None
        self._extra: dict[str, Any] = {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.title = QLabel("Select a memory")
        self.title.setObjectName("heading")
        self.title.setWordWrap(True)
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        self.title.setFont(font)
        layout.addWidget(self.title)
        self.body = QTextBrowser()
        self.body.setOpenLinks(False)
        self.body.anchorClicked.connect(self._link)
        layout.addWidget(self.body, 1)
        row = QHBoxLayout()
        self.edit_button = QPushButton("Edit…")
        self.edit_button.setToolTip("Change this memory (F2)")
        self.invalidate_button = QPushButton("Invalidate…")
        self.invalidate_button.setToolTip("Mark it as no longer true; it stays in the history")
        self.forget_button = QPushButton("Forget…")
        self.forget_button.setToolTip("Delete it for good, with its history (Delete)")
        self.reveal_button = QPushButton("Reveal")
        self.copy_button = QPushButton("Copy id")
        self.fixer = EntityFixer(
            bridge, lambda: self.memory, self._changed, self.message.emit, self
        )
        for button in (
            self.edit_button,
            self.invalidate_button,
            self.forget_button,
            self.reveal_button,
            self.copy_button,
            self.fixer,
        ):
            row.addWidget(button)
        row.addStretch(1)
        layout.addLayout(row)
        self.edit_button.clicked.connect(self.edit)
        self.invalidate_button.clicked.connect(self.toggle_validity)
        self.forget_button.clicked.connect(self.forget)
        self.reveal_button.clicked.connect(self.toggle_reveal)
        self.copy_button.clicked.connect(self._copy_id)
        self._hide_timer = QTimer(self)
        self._hide_timer.setSingleShot(True)
        self._hide_timer.setInterval(REVEAL_SECONDS * 1000)
        self._hide_timer.timeout.connect(self._hide_secret)
        self.show_memory(None)

    # -- showing ----------------------------------------------------------------------------------
    def show_memory(self, memory: Memory | None) -> None:
        same = memory is not None and self.memory is not None and memory.id == self.memory.id
        self.memory = memory
        if not same:
            self._revealed = None
            self._extra = {}
        for button in (self.edit_button, self.invalidate_button, self.forget_button):
            button.setEnabled(memory is not None)
        self.copy_button.setEnabled(memory is not None)
        self.fixer.follow(memory)
        self.reveal_button.setVisible(memory is not None and memory.type is MemoryType.VAULT)
        if memory is None:
            self.title.setText("Select a memory")
            self.body.setHtml("<p>Pick a memory on the left to see it in full.</p>")
            return
        self.invalidate_button.setText("Invalidate…" if memory.active else "Restore")
        self.title.setText(memory.title)
        self._render()
        self._bridge.submit(
            lambda m=memory: self._load_extra(m),
            on_done=lambda extra, mid=memory.id: self._extra_loaded(mid, extra),
            owner=self,
            key=f"detail-{id(self)}",
        )

    def _load_extra(self, memory: Memory) -> dict[str, Any]:
        facade = self._bridge.memloci
        history = facade.history(memory.id)
        related: dict[tuple[str, str], list[Memory]] = {}
        frames: dict[str, Any] = {}
        for source in memory.sources[:20]:
            if source.kind in ("chat", "screen", "file", "import"):
                others = facade.memories_from_source(source.kind, source.ref)
                related[(source.kind, source.ref)] = [m for m in others if m.id != memory.id]
            if source.kind == "screen":
                frames[source.ref] = _thumbnail(facade, source.ref)
        past = past_values(memory.type.value, memory.fields, history)
        messages = find_messages(facade, past, history)
        return {
            "history": history,
            "related": related,
            "frames": frames,
            "past": past,
            "messages": messages,
        }

    def _extra_loaded(self, memory_id: str, extra: dict[str, Any]) -> None:
        if self.memory is not None and self.memory.id == memory_id:
            self._extra = extra
            self._render()

    def _render(self) -> None:
        memory = self.memory
        if memory is None:
            return
        colour = TYPE_COLORS[memory.type.value]
        name = words.TYPE_NAMES[memory.type]
        parts = [
            f'<p><span style="color:{colour}; font-weight:600">{esc(name)}</span>'
            f" — {esc(words.type_line(memory.type))}</p>"
        ]
        if not memory.active:
            parts.append(
                f'<p style="color:#d4475a"><b>No longer true</b> since '
                f"{esc(words.date_time(memory.valid_to))}: "
                f"{esc(memory.invalid_reason or '')}</p>"
            )
        parts.append("<table cellspacing='0' cellpadding='3'>")
        facts = words.slot_lines(memory.fields.get("slots"))
        for key, value in memory.fields.items():
            if key in words.SHOWN_ELSEWHERE or value in (None, "", [], {}):
                continue
            if key == "details" and facts:  # the same facts with message ids: shown as words
                continue
            if key == "label" and memory.type is MemoryType.CORE:  # the title says it
                continue
            if isinstance(value, list):
                shown = "<br>".join(
                    f"{n}. {esc(words.field_value(s))}" for n, s in enumerate(value, 1)
                )
            else:
                shown = esc(words.field_value(value))
            parts.append(
                f"<tr><td valign='top'><b>{esc(words.field_name(key))}</b></td>"
                f"<td>{shown}</td></tr>"
            )
        if facts:
            shown = "<br>".join(esc(line) for line in facts)
            parts.append(f"<tr><td valign='top'><b>What is known</b></td><td>{shown}</td></tr>")
        if memory.type is MemoryType.VAULT:
            secret = esc(self._revealed) if self._revealed is not None else MASK
            parts.append(f"<tr><td><b>Secret</b></td><td><code>{secret}</code></td></tr>")
        parts.append(
            f"<tr><td><b>When</b></td><td>{esc(words.date_time(memory.occurred_at))}</td></tr>"
        )
        parts.append("</table>")
        parts.append(past_html(self._extra.get("past", ()), self._extra.get("messages", {})))
        parts.append("<h4>Where it came from</h4><ul>")
        related = self._extra.get("related", {})
        frames = self._extra.get("frames", {})
        document = self.body.document()
        for source in memory.sources:
            others = related.get((source.kind, source.ref), [])
            said = words.source_line(source, [memory, *others], created=memory.created_at)
            line = f"<li>{esc(words.sentence(said))}"
            if memory.type is MemoryType.SEMANTIC and len(memory.sources) > 1:
                index = memory.sources.index(source)
                line += f' · <a href="memloci-detach:{index}">not about it</a>'

            frame = frames.get(source.ref)
            if frame:
                line += self._frame_html(source.ref, frame, document)
            if others:
                links = ", ".join(memory_link(m.id, m.title) for m in others[:8])
                line += f"<br>also from here: {links}"
            parts.append(line + "</li>")
        parts.append("</ul>")
        history = self._extra.get("history")
        if history is None:
            parts.append("<p><i>Loading the history…</i></p>")
        else:
            parts.append("<h4>History</h4><table cellspacing='0' cellpadding='3'>")
            messages = self._extra.get("messages", {})
            for entry in reversed(history):
                reason = f" — {reason_html(entry.reason, messages)}" if entry.reason else ""
                parts.append(
                    f"<tr><td valign='top'>{esc(words.date_time(entry.at))}</td>"
                    f"<td valign='top'><b>{esc(words.change_line(entry.action, entry.actor))}"
                    f"</b>{reason}<br>{_changes(entry)}</td></tr>"
                )
            parts.append("</table>")
        parts.append(
            f"<p style='color:#8a909c'>Added {esc(words.date_time(memory.created_at))}"
            f" · last changed {esc(words.date_time(memory.updated_at))}"
            f" · version {memory.version}</p>"
        )
        self.body.setHtml("".join(parts))

    @staticmethod
    def _frame_html(ref: str, frame: Any, document: QTextDocument) -> str:
        """A screen source: how many frames were kept, and the latest one as a thumbnail."""
        count, taken_at, image = frame
        if not count:
            return "<br><i>no picture kept (frames are not retained)</i>"
        latest = esc(words.date_time(taken_at))
        out = f"<br>{count} frame{'s' if count != 1 else ''} kept; latest {latest}"
        if image is not None and not image.isNull():
            url = QUrl(f"memloci-frame:{ref}")
            document.addResource(QTextDocument.ResourceType.ImageResource, url, image)
            out += f'<br><img src="{url.toString()}" width="{image.width()}">'
        elif image is None:
            out += " (its pixels were dropped to stay within the storage budget)"
        return out

    def _link(self, url: QUrl) -> None:
        if url.scheme() == "memloci-detach" and self.memory is not None:
            index = int(url.path()) if url.path().isdigit() else -1
            if 0 <= index < len(self.memory.sources):
                self.fixer.detach(self.memory.sources[index])
            return
        if url.scheme() == "memloci" and url.path().startswith("memory/"):
            self.open_memory.emit(url.path().split("/", 1)[1])

    def _copy_id(self) -> None:
        if self.memory is not None:
            QGuiApplication.clipboard().setText(self.memory.id)
            self.message.emit("Copied the id.")

    # -- actions ----------------------------------------------------------------------------------
    def edit(self) -> None:
        if self.memory is None:
            return
        form = MemoryForm(self, memory=self.memory)
        if not form.exec():
            return
        changes, reason = form.values(), form.reason.text().strip() or None
        memory_id = self.memory.id
        self._bridge.call(
            lambda m: m.update(memory_id, fields=changes, reason=reason),
            on_done=self._changed,
            on_error=self.message.emit,
            owner=self,
        )

    def toggle_validity(self) -> None:
        memory = self.memory
        if memory is None:
            return
        if memory.active:
            reason = dialogs.ask_reason(
                self, "Invalidate memory", "Why is this no longer true? (kept in its history)"
            )
            if reason is None:
                return
            self._bridge.call(
                lambda m: m.invalidate(memory.id, reason),
                on_done=self._changed,
                on_error=self.message.emit,
                owner=self,
            )
        else:
            self._bridge.call(
                lambda m: m.restore(memory.id),
                on_done=self._changed,
                on_error=self.message.emit,
                owner=self,
            )

    def forget(self) -> None:
        """Ask with the preview (what else came from this memory), then forget."""
        memory = self.memory
        if memory is None:
            return
        self._bridge.call(
            lambda m: m.forget_preview(memory.id),
            on_done=lambda plan, m=memory: self._ask_forget(m, plan),
            on_error=self.message.emit,
            owner=self,
        )

    def _ask_forget(self, memory: Memory, plan: Any) -> None:
        if self.memory is None or self.memory.id != memory.id:
            return  # another memory was selected meanwhile
        dialog = ForgetDialog(plan, self)
        if not dialog.exec():
            return
        cascade = dialog.cascade()
        self._bridge.call(
            lambda m: m.forget(memory.id, cascade=cascade),
            on_done=lambda done, mid=memory.id: self._forgotten(mid, done),
            on_error=self.message.emit,
            owner=self,
        )

    def toggle_reveal(self) -> None:
        memory = self.memory
        if memory is None or memory.type is not MemoryType.VAULT:
            return
        if self._revealed is not None:
            self._revealed = None
            self.reveal_button.setText("Reveal")
            self._render()
            return
        passphrase = None
        if memory.fields.get("sensitivity") == "high":
            passphrase = dialogs.ask_passphrase(
                self, "This secret is high sensitivity. Type your passphrase to reveal it."
            )
            if passphrase is None:
                return
        self._bridge.call(
            lambda m: m.reveal(memory.id, passphrase),
            on_done=lambda secret, mid=memory.id: self._revealed_secret(mid, secret),
            on_error=self.message.emit,
            owner=self,
        )

    def _revealed_secret(self, memory_id: str, secret: str) -> None:
        if self.memory is None or self.memory.id != memory_id:
            return
        self._revealed = secret
        self.reveal_button.setText("Hide")
        self._render()
        self._hide_timer.start()  # a revealed secret does not stay on screen

    def _hide_secret(self) -> None:
        if self._revealed is not None:
            self._revealed = None
            self.reveal_button.setText("Reveal")
            self._render()

    def _changed(self, memory: Memory) -> None:
        self.message.emit("Saved.")
        self.changed.emit(memory)
        self.show_memory(memory)

    def _forgotten(self, memory_id: str, done: Any = None) -> None:
        derived = len(getattr(done, "derived", ()))
        kept = len(getattr(done, "kept", ()))
        text = "Forgotten for good"
        if derived:
            text += f", with {derived} {'memory' if derived == 1 else 'memories'} made from it"
        if kept:
            text += f"; {kept} kept without it as a source"
        self.message.emit(text + ".")
        self.forgotten.emit(memory_id)
        if self.memory is not None and self.memory.id == memory_id:
            self.show_memory(None)
