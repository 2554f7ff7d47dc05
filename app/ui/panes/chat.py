"""Chat: ask your memory. An answer is built from your memories (the default with the bundled
model) or written by a model whose every sentence is checked against them before it appears, so
the pane only ever shows checked text; a line under each answer says which. Cited memories
become links that open them; Stop (or Esc) ends the answer where it is.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app.ui import dialogs
from app.ui.bridge import Bridge, Op
from app.ui.panes.conversations import ConversationList
from app.ui.theme import is_dark

if TYPE_CHECKING:
    from app.agents.answer import AnswerSource

EXAMPLES = (
    "What did I do yesterday?",
    "Who do I know in Porto?",
    "Which pages did I read about Python this week?",
)
_MARK = re.compile(r"\[(\d{1,2}(?:\s*[,;]\s*\d{1,2})*)\]")


@dataclass
class Turn:
    question: str
    answer: str = ""
    citations: list[tuple[str, str]] = field(default_factory=list)  # (memory id, title)
    context_ids: list[str] = field(default_factory=list)  # the prompt's numbered memories
    related: list[tuple[str, str]] = field(default_factory=list)  # closest, when none answers
    state: str = "streaming"  # streaming | done | stopped | failed
    note: str = ""  # what the answer is built from, in one line


def esc(text: str) -> str:
    return html.escape(text).replace("\n", "<br>")


class Composer(QPlainTextEdit):
    """Enter sends, Shift+Enter starts a new line."""

    submitted = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        enter = event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        if enter and not event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            self.submitted.emit()
            return
        super().keyPressEvent(event)


class ChatPane(QWidget):
    open_memory = Signal(str)
    message = Signal(str)
    streaming_changed = Signal(bool)  # the model is busy answering the person

    def __init__(self, bridge: Bridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._bridge = bridge
        self.turns: list[Turn] = []
        self.session: Any = None
        self.op: Op | None = None
        self.conversation_id: str | None = None  # the kept conversation on screen
        outer = QHBoxLayout(self)
        self.conversations = ConversationList(bridge)
        self.conversations.opened.connect(self.open_conversation)
        self.conversations.deleted.connect(self._conversation_deleted)
        self.conversations.message.connect(self.message)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.conversations)
        talk = QWidget()
        splitter.addWidget(talk)
        splitter.setStretchFactor(1, 1)
        splitter.setChildrenCollapsible(False)
        outer.addWidget(splitter)
        layout = QVBoxLayout(talk)
        layout.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        title = QLabel("Ask your memory")
        title.setObjectName("heading")
        top.addWidget(title)
        top.addStretch(1)
        self.model_label = QLabel()
        self.model_label.setObjectName("muted")
        top.addWidget(self.model_label)
        self.new_button = QPushButton("New conversation")
        self.new_button.setToolTip("Start another conversation; this one stays in the list")
        self.new_button.clicked.connect(lambda: self.new_conversation())
        top.addWidget(self.new_button)
        layout.addLayout(top)
        self.view = QTextBrowser()
        self.view.setObjectName("chat-view")
        self.view.setOpenLinks(False)
        self.view.anchorClicked.connect(self._link)
        layout.addWidget(self.view, 1)
        row = QHBoxLayout()
        self.input = Composer()
        self.input.setObjectName("chat-input")
        self.input.setPlaceholderText("Ask about anything you saw, said or saved…  (Enter sends)")
        self.input.setFixedHeight(self.input.fontMetrics().lineSpacing() * 3 + 14)
        self.input.submitted.connect(self.send)
        row.addWidget(self.input, 1)
        buttons = QVBoxLayout()
        self.send_button = QPushButton("Send")
        self.send_button.setDefault(True)
        self.send_button.clicked.connect(self.send)
        self.stop_button = QPushButton("Stop")
        self.stop_button.setToolTip("Stop the answer here (Esc)")
        self.stop_button.clicked.connect(self.stop)
        self.stop_button.setEnabled(False)
        buttons.addWidget(self.send_button)
        buttons.addWidget(self.stop_button)
        row.addLayout(buttons)
        layout.addLayout(row)
        self._render_timer = QTimer(self)
        self._render_timer.setSingleShot(True)
        self._render_timer.setInterval(40)
        self._render_timer.timeout.connect(self.render)
        for keys, slot in (("Esc", self.stop), ("Ctrl+Return", self.send)):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(slot)
        self.render()

    def activated(self) -> None:
        self.input.setFocus()
        first = not self.conversations.loaded
        self.conversations.refresh(on_loaded=self._reopen_latest if first else None)
        if self._bridge.memloci is not None:
            self._bridge.call(
                lambda m: m.answer_source(),
                on_done=self._show_source,
                on_error=lambda _m: None,
                owner=self,
            )

    def _show_source(self, source: AnswerSource) -> None:
        if source.mode == "memories":
            self.model_label.setText("Answers: from your memories")
        else:
            self.model_label.setText(f"Answers: {source.model}, checked")
        self.model_label.setToolTip(source.line)

    @property
    def streaming(self) -> bool:
        return self.op is not None

    def changeEvent(self, event: QEvent) -> None:
        """The bubbles' colours are written into the transcript's HTML: a new colour scheme
        draws it again (else dark text colours land on light bubbles)."""
        super().changeEvent(event)
        timer = getattr(self, "_render_timer", None)  # None while __init__ builds the pane
        if timer is not None and event.type() in (
            QEvent.Type.PaletteChange,
            QEvent.Type.ApplicationPaletteChange,
        ):
            timer.start()

    # -- sending ----------------------------------------------------------------------------------
    def send(self, text: str | None = None) -> None:
        question = (text if isinstance(text, str) else self.input.toPlainText()).strip()
        if not question or self.streaming:
            return
        self.input.clear()
        turn = Turn(question)
        self.turns.append(turn)
        self.send_button.setEnabled(False)
        self.stop_button.setEnabled(True)
        self.streaming_changed.emit(True)
        self.render()
        facade = self._bridge.memloci
        conversation = self.conversation_id

        def run(op: Op) -> Any:
            if self.session is None:
                self.session = facade.start_chat(conversation)
            return facade.chat_turn(
                self.session, question, on_token=op.emit, cancel=op.cancel_event
            )

        self.op = self._bridge.stream(
            run,
            on_item=lambda token, t=turn: self._token(t, token),
            on_done=lambda answer, t=turn: self._done(t, answer),
            on_error=lambda message, t=turn: self._failed(t, message),
            owner=self,
        )

    def _token(self, turn: Turn, token: str) -> None:
        turn.answer += token
        if not self._render_timer.isActive():
            self._render_timer.start()

    def _done(self, turn: Turn, answer: Any) -> None:
        self.op = None
        self.streaming_changed.emit(False)
        self.send_button.setEnabled(True)
        self.stop_button.setEnabled(False)
        if answer is not None:
            turn.answer = answer.answer
            turn.context_ids = list(answer.context_ids)
            turn.state = "stopped" if answer.cancelled else "done"
            turn.note = answer.built_from
            related = list(answer.related)
            if related and not answer.citations:
                self._bridge.call(
                    lambda m: m.browse(_ids(related), limit=len(related)),
                    on_done=lambda memories, t=turn, ids=related: self._related(t, ids, memories),
                    owner=self,
                )
            if answer.citations:
                self._bridge.call(
                    lambda m: m.browse(_ids(answer.citations), limit=len(answer.citations)),
                    on_done=lambda memories, t=turn, ids=answer.citations: self._cited(
                        t, ids, memories
                    ),
                    owner=self,
                )
        else:
            turn.state = "stopped"
        self.render()
        self.input.setFocus()
        self._kept()

    def _cited(self, turn: Turn, ids: list[str], memories: list[Any]) -> None:
        titles = {m.id: m.title for m in memories}
        turn.citations = [(i, titles.get(i, i)) for i in ids]
        self.render()

    def _related(self, turn: Turn, ids: list[str], memories: list[Any]) -> None:
        titles = {m.id: m.title for m in memories}
        turn.related = [(i, titles.get(i, i)) for i in ids]
        self.render()

    def _failed(self, turn: Turn, message: str) -> None:
        self.op = None
        self.streaming_changed.emit(False)
        turn.state = "failed"
        turn.note = message
        self.send_button.setEnabled(True)
        self.stop_button.setEnabled(False)
        self.render()

    def stop(self) -> None:
        if self.op is not None:
            self.op.stop()
            self.stop_button.setEnabled(False)
            self.message.emit("Stopping…")

    def new_conversation(self, ask: bool = True) -> bool:
        """Start another conversation; the one on screen stays in the list. While an answer
        is coming, ask before stopping it."""
        if self.streaming:
            if ask and not dialogs.confirm(
                self,
                "New conversation",
                "Memloci is still answering. Stop the answer and start a new conversation?",
                "Stop and start new",
            ):
                return False
            self.stop()
        self.turns.clear()
        self.session = None
        self.conversation_id = None
        self.conversations.select(None)
        self.render()
        self.input.setFocus()
        return True

    # -- kept conversations -------------------------------------------------------------------
    def _kept(self) -> None:
        """The turn was kept with its conversation: show it in the list."""
        if self.session is not None:
            self.conversation_id = self.session.id
            self.conversations.current = self.conversation_id
        self.conversations.refresh()

    def _reopen_latest(self, items: list[Any]) -> None:
        """After a restart the latest conversation is where the person left it."""
        if items and not self.turns and self.conversation_id is None and not self.streaming:
            self.open_conversation(items[0].id)

    def open_conversation(self, conversation_id: str) -> None:
        if self.streaming:
            self.conversations.select(self.conversation_id)
            self.message.emit("Wait for the answer, or stop it, before opening another.")
            return
        self._bridge.call(
            lambda m: m.conversation_turns(conversation_id),
            on_done=lambda turns, c=conversation_id: self._opened(c, turns),
            on_error=self.message.emit,
            owner=self,
        )

    def _opened(self, conversation_id: str, kept: list[Any]) -> None:
        if self.streaming:
            return
        self.conversation_id = conversation_id
        self.session = None  # reopened with its history at the next question
        self.turns = [
            Turn(
                question=t.question,
                answer=t.answer,
                citations=list(t.citations),
                context_ids=list(t.context_ids),
                state=t.state,
                note=t.note,
            )
            for t in kept
        ]
        self.conversations.select(conversation_id)
        self.render()
        bar = self.view.verticalScrollBar()
        bar.setValue(bar.maximum())

    def _conversation_deleted(self, conversation_id: str) -> None:
        if conversation_id == self.conversation_id:
            self.new_conversation(ask=False)

    # -- showing ----------------------------------------------------------------------------------
    def render(self) -> None:
        bar = self.view.verticalScrollBar()
        at_bottom = bar.value() >= bar.maximum() - 4
        dark = is_dark(self)
        mine = "#2b3a55" if dark else "#e6eefc"
        theirs = "#262a31" if dark else "#f3f4f6"
        muted = "#8a909c"
        parts: list[str] = []
        if not self.turns:
            examples = "".join(
                f'<p><a href="ask:{n}">{html.escape(q)}</a></p>' for n, q in enumerate(EXAMPLES)
            )
            parts.append(
                "<div style='margin:24px'><h2>Ask anything about your memory</h2>"
                "<p>Memloci answers from what it remembers and shows where each part came "
                "from. It never guesses: an answer either quotes your memories or is checked "
                "against them, sentence by sentence, before you see it. Nothing leaves this "
                "computer.</p>"
                f"<p style='color:{muted}'>Try:</p>{examples}</div>"
            )
        for turn in self.turns:
            parts.append(
                f"<table width='100%' cellpadding='8' style='margin-top:8px'><tr>"
                f"<td width='15%'></td><td style='background:{mine}'>{esc(turn.question)}</td>"
                "</tr></table>"
            )
            answer = self._linked(turn) if turn.answer else ""
            if turn.state == "streaming":
                answer += " ▍" if turn.answer else f"<span style='color:{muted}'>thinking…</span>"
            if turn.state == "stopped" and not turn.answer.rstrip().endswith("[stopped]"):
                answer += f" <span style='color:{muted}'>(stopped)</span>"
            if turn.state == "failed":
                answer = f"<span style='color:#d4475a'>{esc(turn.note)}</span>"
            sources = ""
            if turn.citations:
                links = " ".join(
                    f'<a href="memloci:memory/{mid}">[{n}] {esc(title)}</a>'
                    for n, (mid, title) in enumerate(turn.citations, 1)
                )
                sources = f"<p style='color:{muted}'>From: {links}</p>"
            elif turn.related:
                links = " ".join(
                    f'<a href="memloci:memory/{mid}">{esc(title)}</a>'
                    for mid, title in turn.related
                )
                sources = f"<p style='color:{muted}'>Closest memories (none answers): {links}</p>"
            note = (
                f"<p style='color:{muted}'><i>{esc(turn.note)}</i></p>"
                if turn.note and turn.state != "failed"
                else ""
            )
            parts.append(
                f"<table width='100%' cellpadding='8'><tr><td style='background:{theirs}'>"
                f"{answer}{sources}{note}</td><td width='15%'></td></tr></table>"
            )
        self.view.setHtml("".join(parts))
        if at_bottom or self.streaming:
            bar.setValue(bar.maximum())

    def _linked(self, turn: Turn) -> str:
        """[n] markers in the answer become links to the n-th memory of its prompt."""
        text = esc(turn.answer)
        if not turn.context_ids:
            return text

        def link(match: re.Match[str]) -> str:
            out = []
            for part in re.split(r"[,;]", match.group(1)):
                n = int(part)
                if 1 <= n <= len(turn.context_ids):
                    out.append(f'<a href="memloci:memory/{turn.context_ids[n - 1]}">[{n}]</a>')
                else:
                    out.append(f"[{n}]")
            return "".join(out)

        return _MARK.sub(link, text)

    def _link(self, url: QUrl) -> None:
        if url.scheme() == "memloci" and url.path().startswith("memory/"):
            self.open_memory.emit(url.path().split("/", 1)[1])
        elif url.scheme() == "ask" and url.path().isdigit() and int(url.path()) < len(EXAMPLES):
            self.send(EXAMPLES[int(url.path())])


def _ids(ids: list[str]) -> Any:
    from app.views.browse import BrowseQuery

    return BrowseQuery(ids=tuple(ids), include_invalid=True)
