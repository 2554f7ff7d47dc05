"""First run offers keeping frames, in plain words, off unless chosen; the choice reaches the
capture settings."""

from __future__ import annotations

from typing import Any


def test_the_first_run_offers_keeping_frames_with_a_plain_explanation(qtbot: Any) -> None:
    from app.ui.dialogs import SetupDialog

    dialog = SetupDialog(default_exclusions=["password managers"], capture_available=True)
    qtbot.addWidget(dialog)
    assert dialog.keep_frames.isEnabled() and not dialog.keep_frames.isChecked()
    note = dialog.frames_note.text()
    for words in ("encrypted", "500 MB", "oldest go first", "never kept", "Settings"):
        assert words in note
    dialog.keep_frames.setChecked(True)
    assert dialog.choices().keep_frames
    dialog.capture.setChecked(False)  # no capture, no frames
    assert not dialog.keep_frames.isEnabled() and not dialog.choices().keep_frames


def test_the_choice_turns_on_kept_frames(memloci: Any) -> None:
    from app.ui.dialogs import SetupChoices
    from app.ui.tasks import apply_setup

    assert memloci.settings.capture.retain_frames is False
    choices = SetupChoices(None, False, True, 3, "all", keep_frames=True)
    apply_setup(memloci, choices)
    assert memloci.settings.capture.retain_frames is True
    apply_setup(memloci, SetupChoices(None, False, True, 3, "all"))
    assert memloci.settings.capture.retain_frames is False
