"""The person's control over what is kept (issue 20): erase by selection, retention rules, open
export. Forgets go through `MemoryService.forget` (the writer: one transaction, one change);
the selection, plan, rules and file formats live in app/erase and app/export."""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

from app.capture.service import CaptureService
from app.domain import MemoryType
from app.erase import actions, retention
from app.erase.plan import ErasePlan
from app.erase.retention import RetentionReport
from app.erase.selection import Selection, recorded_apps
from app.export import ExportRequest, ExportResult, export
from app.facade.config import Config
from app.facade.keys import KeyService
from app.facade.memories import MemoryService
from app.retrieval import Progress, Retriever
from app.store.conversations import ConversationStore
from app.store.forgetting import ForgetPlan
from app.store.memories import MemoryRepository

log = logging.getLogger(__name__)

RETENTION_ACTOR = "system:retention"
FRAME_CHUNK = 500


class DataService:
    def __init__(
        self,
        config: Config,
        repo: MemoryRepository,
        memories: MemoryService,
        keys: KeyService,
        retriever: Retriever,
        capture: CaptureService,
        conversations: ConversationStore | None = None,
    ) -> None:
        self._config = config
        self._conversations = conversations
        self._repo = repo
        self._memories = memories
        self._keys = keys
        self._retriever = retriever
        self._capture = capture

    # -- erasing by selection -------------------------------------------------------------------
    def erase_preview(self, selection: Selection, *, cascade: bool = True) -> ErasePlan:
        """What erasing a selection (a span, an app, a title or address, words, a
        conversation, ids) would remove, by type and source, with the turns of conversations
        with Memloci it would take; nothing changes."""
        plan = actions.preview(self._repo, selection, cascade=cascade)
        scope = self._conversation_scope(selection)
        if scope is None or self._conversations is None:
            return plan
        return replace(plan, conversation_turns=self._conversations.count(**scope))

    def erase(
        self, selection: Selection, *, cascade: bool = True, wait_for_files: bool = False
    ) -> ErasePlan:
        """Forget a selection and what came only from it, like `forget`. With
        `wait_for_files`, return once the vector index's files hold none of it (the desktop
        app leaves that to the index's background thread)."""

        def forget(ids: Sequence[str], cascade: bool) -> ForgetPlan:
            return self._memories.forget(ids, cascade=cascade)

        plan = actions.erase(
            self._repo,
            selection,
            forget,
            cascade=cascade,
            scrub=self.scrub_vectors if wait_for_files else None,
        )
        scope = self._conversation_scope(selection)
        if scope is None or self._conversations is None:
            return plan
        return replace(plan, conversation_turns=self._conversations.erase(**scope))

    @staticmethod
    def _conversation_scope(selection: Selection) -> dict[str, Any] | None:
        """Which turns of Memloci's conversations a selection takes (None: none). What was
        asked of Memloci in an erased span (or an erased Memloci conversation) goes too: its
        turns are kept apart from the memories, so the cascade cannot see them."""
        source = selection.source or ""
        if source.startswith("chat:memloci-"):
            return {"conversation": source.split(":", 1)[1]}
        narrowed = selection.app or selection.title or selection.url or selection.query or source
        if selection.timed and not narrowed and not selection.ids and not selection.types:
            return {"since": selection.since, "until": selection.until}
        return None

    def recorded_apps(self) -> list[tuple[str, int]]:
        """Applications with kept screen sessions and how many, most first."""
        return recorded_apps(self._repo.db.conn())

    def scrub_vectors(self, progress: Progress | None = None) -> str:
        """Rewrite the local vector index's files without forgotten vectors, if a forget left
        any (`app.search.scrub`); returns what happened."""
        return self._retriever.scrub(progress)

    # -- retention ------------------------------------------------------------------------------
    def retention_preview(self) -> RetentionReport:
        """What the retention rules (`settings.retention`) would expire now."""
        return retention.preview(self._repo, self._config.settings.retention)

    def apply_retention(self) -> RetentionReport:
        """Expire what the retention rules say (the desktop app runs this a few times a day);
        what the person entered is kept unless `retention.mine_days` says otherwise."""

        def forget(ids: Sequence[str], protect: frozenset[str]) -> ForgetPlan:
            return self._memories.forget(ids, protect=protect, actor=RETENTION_ACTOR)

        def frames(ids: Sequence[str]) -> None:
            for start in range(0, len(ids), FRAME_CHUNK):
                self._capture.store.delete_frames(list(ids[start : start + FRAME_CHUNK]))
            self._capture.forgotten()  # their files go with their rows (one sweep)

        return retention.apply(self._repo, self._config.settings.retention, forget, frames)

    # -- open export ----------------------------------------------------------------------------
    def export_memories(
        self,
        path: str | os.PathLike[str],
        format: str,
        *,
        types: Sequence[MemoryType | str] = (),
        since: datetime | None = None,
        until: datetime | None = None,
        passphrase: str | None = None,
    ) -> ExportResult:
        """Write the memories as files other tools read (`app.export`): "markdown" (a note per
        memory, into a folder), "json" (JSON Lines, a file) or "csv" (a file per type, into a
        folder). Vault secrets are included only with the passphrase."""
        reveal = None
        if passphrase is not None:
            self._keys.check_passphrase(passphrase)  # WrongPassphrase before anything is written
            reveal = self._memories.secret
        chosen = tuple(MemoryType.parse(str(t)) for t in types)
        result = export(self._repo, ExportRequest(Path(path), format, chosen, since, until), reveal)
        log.info("exported %d memories as %s (secrets: %s)", result.memories, format, bool(reveal))
        return result
