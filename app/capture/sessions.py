"""Activity sessions: consecutive frames of the same window become one episodic memory.

A session's record is created at once (searchable by app and title from the first frame), gets
its text when the first read finishes, then new text within seconds (`flush`: a long session
less often, a tenth of its age, so history does not grow with every read), and its final form
when the session ends, through the store's writer (as the capture initiator) so history and
indexes stay right. Read text is
persisted on the session row as it arrives, so a crash loses nothing. New text goes to the
memory agents in batches (every K reads or T minutes, and at the end) through the durable work
queue.

Coming back to a window shortly after leaving it continues its session; a session whose text
reaches the record's size limit continues as a new part; a session whose window changes subject
(a terminal's next command, another text under the same title: `subjects.split_read`)
continues as a new session, one activity each (a pane replaced beside text that stayed, found
in the pixels by `panes`, is noted per queued read: `note_pane`). A session's state, row and
record fields are in `episode`.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from app.capture.context import WindowContext
from app.capture.episode import Session, record_fields, session_from_row
from app.capture.store import CaptureStore
from app.capture.subjects import MIN_LINES, PAGE, Lineage, layout_of, split_read
from app.domain import MemoryType, Source, to_iso
from app.errors import NotFound
from app.settings import CaptureSettings
from app.store.memories import new_id
from app.store.process import process_alive
from app.store.queue import WorkQueue
from app.store.writer import Initiator, Writer

log = logging.getLogger(__name__)

ACTOR = "system:capture"
QUEUE_KIND = "screen"


class SessionManager:
    def __init__(
        self,
        store: CaptureStore,
        queue: WorkQueue,
        settings: Callable[[], CaptureSettings],
        writer: Writer,
    ) -> None:
        self.store = store
        self.queue = queue
        self._settings = settings
        self._writer = writer
        self._lock = threading.RLock()
        self._slots: dict[str, Session] = {}
        self._dormant: dict[str, Session] = {}  # closed, not final, by id
        self._forgotten_keys: set[str] = set()
        self._panes: dict[int, datetime] = {}  # queued reads whose frame replaced a pane
        self._pid = os.getpid()

    # -- following windows ----------------------------------------------------------------------
    def current(self, slot: str) -> Session | None:
        with self._lock:
            return self._slots.get(slot)

    def open_sessions(self) -> list[Session]:
        with self._lock:
            return list(self._slots.values())

    def dormant_ids(self) -> list[str]:
        with self._lock:
            return list(self._dormant)

    def views(self) -> tuple[set[str], set[str]]:
        """The pixel memories still needed (sessions not ended) and those of windows in front."""
        with self._lock:
            front = {s.view for s in self._slots.values()}
            return front | {s.view for s in self._dormant.values()}, front

    def observe(
        self, slot: str, context: WindowContext, now: datetime, *, focused: bool = True
    ) -> Session | None:
        """The session for this window now: the slot's current one, a recently left one of the
        same window, or a new one. None when the person forgot this window's record."""
        key = context.key()
        with self._lock:
            current = self._slots.get(slot)
            if current is not None and current.key == key and not current.digest.full:
                current.ended = now
                current.frames += 1
                current.context = context
                return current
            if current is not None:
                self._close(current, now if current.key != key else current.ended)
                if current.key == key:  # full: continue as a new part, carrying what overflowed
                    return self._start(slot, context, now, focused, current)
            if key in self._forgotten_keys:
                return None
            self._forgotten_keys.clear()
            resumed = self._resume(key, now)
            if resumed is not None:
                self._slots[slot] = resumed
                resumed.frames += 1
                resumed.ended = now
                return resumed
            return self._start(slot, context, now, focused, None)

    def close_slot(self, slot: str, now: datetime | None = None) -> None:
        with self._lock:
            session = self._slots.get(slot)
            if session is not None:
                self._close(session, now or session.ended)

    def close_all(self) -> None:
        with self._lock:
            for session in list(self._slots.values()):
                self._close(session, session.ended)

    def _start(
        self,
        slot: str,
        context: WindowContext,
        now: datetime,
        focused: bool,
        previous: Session | None,
    ) -> Session:
        session = self._create(
            context,
            now,
            focused,
            part=previous.part + 1 if previous else 1,
            lineage=previous.lineage if previous else None,
        )
        self._slots[slot] = session
        if previous is not None and previous.carry:
            session.digest.add(previous.carry, 1)
            previous.carry = []
        return session

    def _create(
        self,
        context: WindowContext,
        now: datetime,
        focused: bool,
        *,
        part: int = 1,
        lineage: Lineage | None = None,
        subject: str = "",
        showing: bool = False,
        status: str = "open",
    ) -> Session:
        """A new session with its record (searchable by app and title at once) and its row."""
        session = Session(
            id=new_id(),
            memory_id="",
            key=context.key(),
            context=context,
            focused=focused,
            started=now,
            ended=now,
            part=part,
            frames=1,
            status=status,
            lineage=lineage,  # type: ignore[arg-type]  # None: a window's first session
            subject=subject,
            showing=showing,
        )
        memory = self._writer.add(
            MemoryType.EPISODIC,
            None,
            record_fields(session),
            initiator=Initiator.CAPTURE,
            sources=[Source("screen", session.id)],
            actor=ACTOR,
            origin="capture",
            occurred_at=now,
            importance=0.3,
            reason="screen activity",
        )
        session.memory_id = memory.id
        session.synced_at = now
        session.synced_state = session.text_state()
        session.synced_fields = dict(memory.fields)
        with self.store.write() as db:
            self.store.insert_session(
                db,
                {
                    "id": session.id,
                    "memory_id": memory.id,
                    "window_key": session.key,
                    "app": context.app[:200],
                    "wm_class": " ".join(context.wm_class)[:200],
                    "process": context.process[:200],
                    "title": context.title[:500],
                    "url": context.url[:500],
                    "focused": int(focused),
                    "started_at": to_iso(now),
                    "ended_at": to_iso(now),
                    "frames": 1,
                    "record_synced_at": to_iso(now),
                    "record_lines": 0,
                    "status": status,
                    "owner_pid": self._pid,
                },
            )
        log.info("capture session %s started (memory %s)", session.id, memory.id)
        return session

    def _split(
        self, session: Session, subject: str, at: datetime | None, *, showing: bool = False
    ) -> Session:
        """The window went on to another subject at `at`: a new session takes its place (in
        front, or among the left ones) and the earlier one ends there, never to resume."""
        at = min(max(at or session.ended, session.started), session.ended)
        slot = next((k for k, v in self._slots.items() if v is session), None)
        new = self._create(
            session.context,
            at,
            session.focused,
            lineage=session.lineage,
            subject=subject,
            showing=showing,
            status="open" if slot is not None else "closed",
        )
        new.ended = session.ended
        session.successor = new
        if slot is not None:
            self._close(session, at)
            self._slots[slot] = new
        else:
            session.ended = at
            self._dormant[new.id] = new
            self.store.update_session(session.id, {"ended_at": to_iso(at)})
        return new

    def _resume(self, key: str, now: datetime) -> Session | None:
        window = timedelta(seconds=self._settings().session_merge_seconds)
        for session in list(self._dormant.values()):
            if (
                session.key == key
                and session.successor is None
                and not session.digest.full
                and now - session.ended <= window
            ):
                del self._dormant[session.id]
                session.status = "open"
                self.store.update_session(session.id, {"status": "open"})
                return session
        return None

    def _close(self, session: Session, ended: datetime) -> None:
        """Leave the window: the session waits (for its reads, for a return) before its end."""
        for slot, current in list(self._slots.items()):
            if current is session:
                del self._slots[slot]
        session.ended = max(session.started, ended)
        session.status = "closed"
        self._dormant[session.id] = session
        self.store.update_session(
            session.id,
            {"status": "closed", "ended_at": to_iso(session.ended), "frames": session.frames},
        )

    # -- text -----------------------------------------------------------------------------------
    def note_pane(self, pending_id: int, taken_at: datetime) -> None:
        """The read queued as `pending_id` (of a change first seen at `taken_at`: SQLite may give
        a dropped read's id to a later one) shows a pane replaced beside text that stayed (the
        pipeline's pixels say so): its text is another subject on fewer words."""
        with self._lock:
            if len(self._panes) >= 256:  # reads dropped unread never come back for theirs
                self._panes.clear()
            self._panes[pending_id] = taken_at

    def add_text(
        self,
        session_id: str,
        lines: Sequence[str],
        redactions: int,
        *,
        pending_id: int | None = None,
        taken_at: datetime | None = None,
    ) -> Session | None:
        """Merge one read's (already redacted) lines and persist them with the read's removal
        from the OCR queue, in one transaction. Lines the window showed before are dropped; in
        a terminal, a new command starts a new session (`taken_at`: when the read's change was
        first seen). Returns the session that received the last lines."""
        with self._lock:
            noted = self._panes.pop(pending_id, None) if pending_id is not None else None
            pane = noted is not None and taken_at is not None and to_iso(noted) == to_iso(taken_at)
            session = self._find(session_id)
            if session is None:
                if pending_id is not None:
                    with self.store.write() as db:
                        self.store.delete_pending(pending_id, db)
                return None
            fresh = session.lineage.new_lines(list(lines))
            pieces = split_read(
                session.lineage,
                session.context,
                session.digest.text,
                fresh,
                pane=pane,
                read=list(lines),
            )
            if session.lineage.named is not None:  # the command that showed its text
                session.subject, session.lineage.named = session.lineage.named[:300], None
                session.showing = False
            headed = session.lineage.untitled  # a terminal's text after an idle prompt
            touched: list[Session] = []
            for subject, piece in pieces:
                if subject is not None:
                    if len(session.digest) >= MIN_LINES:
                        session = self._split(session, subject, taken_at, showing=headed)
                    else:  # only a prompt so far (`cd`, or output never read): one more
                        joined = "; ".join(filter(None, (session.subject, subject)))
                        session.subject = joined[:300]
                if session not in touched:
                    session.ocr_runs += 1
                    touched.append(session)
                overflow = session.digest.add(piece, session.ocr_runs)
                if overflow:
                    session.carry.extend(overflow)
                session.lineage.remember(piece)
            touched[0].redactions += redactions
            with self.store.write() as db:
                present = [
                    self.store.update_session(
                        each.id,
                        {
                            "lines": each.digest.to_json(),
                            "ocr_runs": each.ocr_runs,
                            "redactions": each.redactions,
                        },
                        db,
                    )
                    for each in touched
                ]
                if pending_id is not None:
                    self.store.delete_pending(pending_id, db)
            for each, there in zip(touched, present, strict=True):
                if not there:  # forgotten in another process meanwhile
                    self._forget_session(each)
                elif each.synced_state[0] <= 0 and len(each.digest):
                    self._sync(each, "first text read")  # searchable at once
            return session if session.memory_id else None

    def kind_of(self, session_id: str) -> str:
        """How a read queued for this session is laid out (a terminal's character grid or a
        page), so tesseract keeps a terminal's columns on one line."""
        with self._lock:
            session = self._find(session_id)
        return layout_of(session.context) if session is not None else PAGE

    def _find(self, session_id: str) -> Session | None:
        """The session a read queued for `session_id` belongs to: itself, or the session its
        window went on in when the subject changed after the read was queued."""
        session = self._known(session_id)
        while session is not None and session.successor is not None:
            session = session.successor
        return session

    def _known(self, session_id: str) -> Session | None:
        for session in self._slots.values():
            if session.id == session_id:
                return session
        if session_id in self._dormant:
            return self._dormant[session_id]
        row = self.store.session(session_id)
        if row is None or row["status"] == "final":
            return None
        session = session_from_row(row)
        self._dormant[session.id] = session
        return session

    # -- records and hand-off -------------------------------------------------------------------
    def _sync(self, session: Session, reason: str) -> None:
        """Bring the record up to date (one history row). While the session is open only new
        text is worth a row; at its end, any change (the end time) is."""
        if session.memory_id == "":
            return
        state = session.text_state()
        if state == session.synced_state and session.status == "open":
            return
        fields = record_fields(session)
        if fields == session.synced_fields:
            return
        try:
            memory = self._writer.merge(
                session.memory_id,
                fields=fields,
                initiator=Initiator.CAPTURE,
                actor=ACTOR,
                reason=reason,
            )
        except NotFound:
            self._forget_session(session)
            return
        session.synced_state = state
        session.synced_fields = dict(memory.fields)
        session.synced_at = session.ended
        self.store.update_session(
            session.id,
            {"record_synced_at": to_iso(session.ended), "record_lines": len(session.digest)},
        )

    def _hand_off(self, session: Session, now: datetime, final: bool) -> None:
        """Queue new text for the agents, with the marker, in one transaction."""
        new_lines = session.digest.since(session.queued_seq)
        if not new_lines and not (final and session.queued_at is None):
            return
        payload = {
            "memory_id": session.memory_id,
            "session_id": session.id,
            "app": session.context.app,
            "title": session.context.title,
            "url": session.context.url,
            "start": to_iso(session.started),
            "end": to_iso(session.ended),
            "text": "\n".join(new_lines),
        }
        with self.store.write() as db:
            present = self.store.update_session(
                session.id,
                {
                    "queued_lines": session.digest.max_seq(),
                    "queued_ocr_runs": session.ocr_runs,
                    "queued_at": to_iso(now),
                },
                db,
            )
            if present:  # a forgotten session's text never reaches the agents
                self.queue.put(QUEUE_KIND, payload, ref=session.id, db=db)
        if not present:
            self._forget_session(session)
            return
        session.queued_seq = session.digest.max_seq()
        session.queued_runs = session.ocr_runs
        session.queued_at = now

    def flush(self, now: datetime) -> int:
        """Records of sessions with new text whose write is due: searchable within seconds
        while a session is young, and at most `record_update_minutes` apart when it is long."""
        settings = self._settings()
        written = 0
        with self._lock:
            for session in [*self._slots.values(), *self._dormant.values()]:
                if not session.memory_id or session.text_state() == session.synced_state:
                    continue
                age = (session.ended - session.started).total_seconds()
                longest = settings.record_update_minutes * 60
                wait = min(max(settings.record_fresh_seconds, age / 10), longest)
                if session.synced_at is None or now - session.synced_at >= timedelta(seconds=wait):
                    self._sync(session, "new text on screen")
                    written += 1
        return written

    def maintain(self, now: datetime, *, pending: Callable[[str], int]) -> None:
        """Sensible moments: records every few minutes, batches every K reads or T minutes,
        ends for sessions left long enough ago whose reads are done."""
        settings = self._settings()
        with self._lock:
            for session in list(self._slots.values()):
                if session.synced_at is None or now - session.synced_at >= timedelta(
                    minutes=settings.record_update_minutes
                ):
                    self._sync(session, "screen session continues")
                since = session.queued_at or session.started
                if session.ocr_runs - session.queued_runs >= settings.agent_batch_frames or (
                    now - since >= timedelta(minutes=settings.agent_batch_minutes)
                ):
                    self._hand_off(session, now, final=False)
            merge = timedelta(seconds=settings.session_merge_seconds)
            for session in list(self._dormant.values()):
                if now - session.ended >= merge and pending(session.id) == 0:
                    self.finalize(session, now)

    def finalize(self, session: Session, now: datetime) -> None:
        """The session is over: final record, final batch, and the row keeps only metadata
        (the text lives in the memory)."""
        with self._lock:
            session.status = "final"
            self._sync(session, "screen session ended")
            if session.memory_id and self.store.session(session.id) is not None:
                self._hand_off(session, now, final=True)
                self.store.update_session(
                    session.id,
                    {"status": "final", "lines": "[]", "ended_at": to_iso(session.ended)},
                )
            self._dormant.pop(session.id, None)

    def finish_all(self, now: datetime, *, pending: Callable[[str], int]) -> None:
        """Stopping: end every session whose reads are done; the rest end on the next start."""
        with self._lock:
            self.close_all()
            for session in list(self._dormant.values()):
                if pending(session.id) == 0:
                    self.finalize(session, now)

    def recover(self) -> int:
        """Sessions left open or unfinished by a process that is gone continue to their end."""
        count = 0
        with self._lock:
            for row in self.store.sessions(("open", "closed")):
                owner = int(row["owner_pid"] or 0)
                if owner != self._pid and process_alive(owner):
                    continue
                if row["id"] in self._dormant or any(
                    s.id == row["id"] for s in self._slots.values()
                ):
                    continue
                session = session_from_row(row)
                session.status = "closed"
                self._dormant[session.id] = session
                self.store.update_session(session.id, {"status": "closed", "owner_pid": self._pid})
                count += 1
        return count

    # -- forgetting -----------------------------------------------------------------------------
    def forgotten(self, memory_id: str) -> None:
        """The person forgot a session's memory: stop feeding it and do not start it again
        while the same window stays in front. (Its rows went with the memory.)"""
        with self._lock:
            for session in [*self._slots.values(), *self._dormant.values()]:
                if session.memory_id == memory_id:
                    self._forget_session(session)

    def forget_session_id(self, session_id: str) -> None:
        with self._lock:
            for session in [*self._slots.values(), *self._dormant.values()]:
                if session.id == session_id:
                    self._forget_session(session)

    def _forget_session(self, session: Session) -> None:
        for slot, current in list(self._slots.items()):
            if current is session:
                del self._slots[slot]
                self._forgotten_keys.add(session.key)
        self._dormant.pop(session.id, None)
        session.memory_id = ""
        session.status = "final"
