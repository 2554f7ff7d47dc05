"""What the controller runs on worker threads: opening the store, first-run choices, warm-up
steps, and the status the tray shows. No widgets here."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from app.ui.dialogs import SetupChoices
from app.ui.jobs import in_background
from app.views import words

if TYPE_CHECKING:  # opened on a worker (`open_store`), after the window shows
    from app.core import Memloci

log = logging.getLogger(__name__)


def open_store(home: str | None, passphrase: str | None, create: bool) -> tuple[str, Any]:
    """Runs on a worker: ("ok", facade) or ("locked"/"wrong"/"error", sentence)."""
    from app.core import Memloci
    from app.errors import MemlociError, PassphraseRequired, WrongPassphrase

    try:
        return "ok", Memloci.open(home, passphrase, prompt=None, create=create)
    except PassphraseRequired as error:
        return "locked", str(error)
    except WrongPassphrase as error:
        return "wrong", str(error)
    except MemlociError as error:
        return "error", str(error)


def replace_key(
    home: str | None, old: str, new: str, progress: Callable[[str], None]
) -> dict[str, Any]:
    """Runs on a worker with the store closed: a new data key (`app.rekey`)."""
    from app.core import Memloci

    return Memloci.replace_data_key(home, old, new, progress=progress)


def keyring_status() -> tuple[bool, str]:
    from app.security.unlock import keyring_available

    return keyring_available()


def default_exclusions() -> list[str]:
    try:
        from app.capture.rules import DEFAULTS
    except ImportError:
        return []
    return [f"{rule.note}: {rule.kind} “{rule.pattern}”" for rule in DEFAULTS]


def capture_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("app.capture") is not None


def capture_desktop() -> tuple[str, str]:
    """What capture can do on this desktop and what the person must allow, in plain words
    (ok/warn/fail, sentence), for the first-run dialog (issue 22)."""
    try:
        from app.capture.desktop import describe

        report = describe()
    except Exception as error:  # a desktop we cannot even ask: say so, do not fail the dialog
        log.info("could not describe the desktop for capture: %s", error)
        return "warn", "Memloci could not find out what this desktop lets it read."
    return report.level, report.text()


def apply_setup(memloci: Any, choices: SetupChoices) -> str:
    notes = ["Your memory is ready."]
    if choices.use_keyring:
        try:
            memloci.set_keyring(True)
            notes.append("The key is in the system keyring.")
        except Exception as error:  # MemlociError has the sentence
            notes.append(str(error))
    settings = memloci.settings
    for name, value in (
        ("capture.enabled", choices.capture_enabled),
        ("capture.interval_seconds", float(choices.capture_interval_s)),
        ("capture.monitors", [1] if choices.monitors == "primary" else []),
        ("capture.retain_frames", choices.keep_frames),
        *((("agents.person_names", choices.person_names),) if choices.person_names else ()),
    ):
        try:
            settings = settings.with_value(name, value)
        except Exception:
            log.info("setting %s is not available", name)
    memloci.save_settings(settings)
    return " ".join(notes)


def warm_up_steps(memloci: Memloci) -> list[tuple[str, Callable[[], Any]]]:
    steps: list[tuple[str, Callable[[], Any]]] = [
        ("search", lambda: memloci.search("memloci warm up", limit=1)),
    ]
    steps.append(("answers", in_background(memloci.warm_answers)))
    if memloci.settings.agents.use_model:
        steps.append(("the model", in_background(memloci.models.load)))
    return steps


def collect_status(memloci: Memloci) -> dict[str, Any]:
    """Capture and agent state for the tray, status bar and Insights, as plain values."""
    from app.ui import capture_state

    backlog, model = None, None
    try:
        agents = memloci.agents.status()
        backlog = agents.get("backlog")
        info = agents.get("model") or {}
        model = words.model_name(info) if info else None
    except Exception as error:  # the agents' trouble must not hide capture's state
        log.info("agent status unavailable: %s", error.__class__.__name__)
    return capture_state.describe(memloci.capture.status(), backlog, model)
