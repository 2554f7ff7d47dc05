"""Asking before an erase by selection: how many memories go, by type and by where they came
from, a sample of them, what was made only from them, and, after an application was chosen,
whether to stop capturing it.

The dialog shows the facade's preview (`memloci.data.erase_preview`, the plan `memloci forget
--dry-run` prints). `EraseFlow` runs the whole exchange: preview in the background, ask, erase
in the background, say what happened.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QRadioButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.ui import icons
from app.ui.bridge import SLOW, Bridge

if TYPE_CHECKING:
    from app.core import Memloci

SAMPLE = 200  # memories listed; the counts cover all of them
LIST_ROWS = 7


def _plural(count: int, one: str, many: str) -> str:
    return f"{count:,} {one if count == 1 else many}"


def _what_goes(plan: Any, *, long: bool = True) -> str:
    """ "1 memory and 2 turns of your conversations with Memloci" (the memories alone, or the
    turns alone, when only they go); `long` False drops "of your conversations ..."."""
    turns = int(getattr(plan, "conversation_turns", 0) or 0)
    parts = [_plural(plan.count, "memory", "memories")] if plan.count or not turns else []
    if turns:
        tail = " of your conversations with Memloci" if long else ""
        parts.append(_plural(turns, "turn", "turns") + tail)
    return " and ".join(parts)


class EraseDialog(QDialog):
    """`exec()` is true when the person chose Erase; `cascade()` and `never_capture()` say
    what else they chose."""

    def __init__(self, plan: Any, what: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plan = plan
        self.setWindowTitle("Erase memories")
        self.setWindowIcon(icons.app_icon())
        self.setModal(True)
        chars = self.fontMetrics().averageCharWidth()
        self.setMinimumWidth(chars * 96)
        layout = QVBoxLayout(self)
        forget = plan.forget
        count = plan.count
        turns = int(getattr(plan, "conversation_turns", 0) or 0)
        self.heading = QLabel(
            f"Erase {_what_goes(plan)} for good?" if count or turns else "Nothing to erase."
        )
        self.heading.setObjectName("heading")
        self.heading.setWordWrap(True)
        self.heading.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(self.heading)
        self.what = QLabel(what if count or turns else f"{what}: Memloci keeps nothing from then.")
        self.what.setWordWrap(True)
        self.what.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(self.what)

        self.cascade_button: QRadioButton | None = None
        self.keep_button: QRadioButton | None = None
        self.never_box: QCheckBox | None = None
        self.sources: QTableWidget | None = None
        self.sample: QListWidget | None = None
        if count:
            body = QLabel(
                "Their text, history, search entries, kept screen frames and waiting agent "
                "work are deleted, and the search index files are rewritten without them. "
                "This cannot be undone."
            )
            body.setWordWrap(True)
            layout.addWidget(body)
            by_type = " · ".join(f"{t} {n:,}" for t, n in plan.by_type().items())
            types = QLabel(f"By type: {by_type}")
            types.setObjectName("muted")
            layout.addWidget(types)
            self.sources = self._source_table(plan.by_source)
            layout.addWidget(self.sources)
            self.sample = self._sample(forget)
            layout.addWidget(self.sample)
            if len(forget.purged) > SAMPLE:
                more = QLabel(f"… and {len(forget.purged) - SAMPLE:,} more.")
                more.setObjectName("muted")
                layout.addWidget(more)
            self._derived_choice(layout, forget)
            self._extras(layout, forget)
            apps = list(plan.apps) if plan.selection.app else []
            if apps:
                names = ", ".join(apps)
                self.never_box = QCheckBox(f"Also never capture {names} again")
                self.never_box.setToolTip(
                    f"Adds the rule “application matches {plan.selection.app}” to "
                    "Settings → Privacy."
                )
                layout.addWidget(self.never_box)
        if turns:
            asked = QLabel(
                f"{_plural(turns, 'question', 'questions')} you asked Memloci then, with "
                f"{'its answer' if turns == 1 else 'their answers'}, "
                f"{'goes' if turns == 1 else 'go'} from the chat pane's conversations too."
            )
            asked.setObjectName("turns")
            asked.setWordWrap(True)
            layout.addWidget(asked)

        buttons = QDialogButtonBox()
        if count or turns:
            self.erase_button = QPushButton(f"Erase {_what_goes(plan, long=False)}")
            self.erase_button.setObjectName("destructive")
            self.erase_button.setStyleSheet("color: #d4475a;")
            self.erase_button.setAutoDefault(False)  # Enter never erases
            buttons.addButton(self.erase_button, QDialogButtonBox.ButtonRole.AcceptRole)
            cancel = buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        else:
            cancel = buttons.addButton(QDialogButtonBox.StandardButton.Close)
        cancel.setDefault(True)
        self.cancel_button = cancel
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self.cancel_button.setFocus()

    def _source_table(self, by_source: Any) -> QTableWidget:
        table = QTableWidget(len(by_source), 2)
        table.setObjectName("by-source")
        table.setHorizontalHeaderLabels(["From", "Memories"])
        table.verticalHeader().hide()
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        header = table.horizontalHeader()
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        for row, (label, n) in enumerate(by_source):
            table.setItem(row, 0, QTableWidgetItem(label))
            number = QTableWidgetItem(f"{n:,}")
            number.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            table.setItem(row, 1, number)
        rows = min(max(len(by_source), 1), 5)
        height = table.horizontalHeader().sizeHint().height() + table.rowHeight(0) * rows
        table.setFixedHeight(height + 2 * table.frameWidth() + 2)
        return table

    def _sample(self, forget: Any) -> QListWidget:
        widget = QListWidget()
        widget.setObjectName("sample")
        widget.setSelectionMode(QListWidget.SelectionMode.NoSelection)
        widget.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        widget.setTextElideMode(Qt.TextElideMode.ElideRight)
        widget.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        for item in forget.purged[:SAMPLE]:
            text = f"{item.type.value} · {item.text or item.title}"
            entry = QListWidgetItem(text)
            entry.setToolTip(f"{text}\n(id {item.id})")
            widget.addItem(entry)
        rows = min(max(widget.count(), 1), LIST_ROWS)
        widget.setFixedHeight(widget.sizeHintForRow(0) * rows + 2 * widget.frameWidth() + 4)
        return widget

    def _derived_choice(self, layout: QVBoxLayout, forget: Any) -> None:
        if not forget.derived:
            return
        count = len(forget.derived)
        label = QLabel(
            f"{_plural(count, 'memory was', 'memories were')} made only from these (by the "
            "memory agents or from what you said):"
        )
        label.setWordWrap(True)
        layout.addWidget(label)
        self.cascade_button = QRadioButton(
            f"Erase {'it' if count == 1 else 'them'} too (recommended)"
        )
        self.keep_button = QRadioButton(
            f"Keep {'it' if count == 1 else 'them'}, without these sources"
        )
        self.cascade_button.setChecked(True)
        group = QButtonGroup(self)
        for button in (self.cascade_button, self.keep_button):
            group.addButton(button)
            layout.addWidget(button)

    def _extras(self, layout: QVBoxLayout, forget: Any) -> None:
        notes = []
        if forget.kept:
            notes.append(
                _plural(len(forget.kept), "memory also comes", "memories also come")
                + " from elsewhere and stays, without these sources"
            )
        if forget.queue_items:
            notes.append(_plural(forget.queue_items, "item", "items") + " waiting for the agents")
        if forget.frames:
            notes.append(_plural(forget.frames, "kept screen frame", "kept screen frames"))
        if notes:
            note = QLabel("Also: " + "; ".join(notes) + ".")
            note.setObjectName("muted")
            note.setWordWrap(True)
            layout.addWidget(note)

    def cascade(self) -> bool:
        return self.keep_button is None or not self.keep_button.isChecked()

    def never_capture(self) -> bool:
        return self.never_box is not None and self.never_box.isChecked()


class EraseFlow(QObject):
    """Preview → ask → erase → say so. `done` carries the finished `ErasePlan`."""

    done = Signal(object)
    message = Signal(str)

    def __init__(self, bridge: Bridge, parent: QWidget) -> None:
        super().__init__(parent)
        self._bridge = bridge
        self._parent = parent
        self.dialog: EraseDialog | None = None

    def start(self, selection: Any, what: str) -> None:
        """Erase `selection` (`app.erase.selection.Selection`) after asking; `what` says what
        it is, under the question ("Recorded in the last 15 minutes")."""
        self._bridge.call(
            lambda m: m.data.erase_preview(selection),
            on_done=lambda plan: self._ask(selection, plan, what),
            on_error=self.message.emit,
            owner=self._parent,
        )

    def _ask(self, selection: Any, plan: Any, what: str) -> None:
        self.dialog = EraseDialog(plan, what, self._parent)
        chosen = bool(self.dialog.exec())
        dialog, self.dialog = self.dialog, None
        if not chosen or not (plan.count or plan.conversation_turns):
            return
        cascade, never = dialog.cascade(), dialog.never_capture()

        def run(memloci: Memloci) -> tuple[Any, str | None]:
            done = memloci.data.erase(selection, cascade=cascade)
            excluded = None
            if never and selection.app:
                pattern = selection.app.strip()
                rules = memloci.capture.rules()
                if not any(r.kind == "app" and r.pattern.lower() == pattern.lower() for r in rules):
                    memloci.capture.exclude("app", pattern, "erased; never capture again")
                excluded = pattern
            return done, excluded

        self.message.emit(f"Erasing {_what_goes(plan, long=False)}…")
        self._bridge.call(run, on_done=self._finished, on_error=self.message.emit, lane=SLOW)

    def _finished(self, result: tuple[Any, str | None]) -> None:
        done, excluded = result
        text = f"Erased {_what_goes(done)}."
        if excluded:
            text += f" Memloci will no longer capture {excluded}."
        self.message.emit(text)
        self.done.emit(done)
