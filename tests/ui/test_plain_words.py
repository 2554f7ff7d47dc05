"""What a person reads in the app is plain language: dates as dates, sources as phrases ("your
chat with Jonas, 4 May 2023"), field names as words, no ids, the types explained, the model named
by what it is (issue 21)."""

from __future__ import annotations

import json
import re
from typing import Any

from app.domain import MemoryType, Source
from app.views import words

ISO = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


def _chat_with_jonas(memloci: Any, tmp_path: Any) -> None:
    lines = [
        {
            "id": "D2:10",
            "conversation": "D2",
            "speaker": "Jonas",
            "text": "I started a new job at Hurtigruten in Tromsø",
            "timestamp": "2023-05-04T12:00:00Z",
        }
    ]
    path = tmp_path / "chat.jsonl"
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    memloci.import_chat(path, agents=False)


def _open(qtbot: Any, pane: Any, memory_id: str) -> str:
    pane.refresh()
    qtbot.waitUntil(lambda: pane.model.rowCount() >= 1)
    pane.open_memory(memory_id)
    qtbot.waitUntil(
        lambda: (
            pane.detail.memory is not None
            and pane.detail.memory.id == memory_id
            and "History" in pane.detail.body.toPlainText()
        )
    )
    return str(pane.detail.body.toPlainText())


def test_detail_says_where_a_fact_came_from_in_words(
    qtbot: Any, memloci: Any, tmp_path: Any, pane: Any
) -> None:
    _chat_with_jonas(memloci, tmp_path)
    fact = memloci.add(
        "Jonas works at Hurtigruten",
        type="semantic",
        fields={"name": "Jonas"},
        sources=[Source("chat", "D2:10")],
        actor="agent:extractor",
        origin="agent",
    )
    text = _open(qtbot, pane, fact.id)
    assert "Your chat with Jonas, 4 May 2023" in text
    assert "D2:10" not in text and "Chat message" not in text
    assert fact.id not in text  # "Copy id" stays for who wants it
    assert "Added by the memory agents" in text and "agent:extractor" not in text
    assert "Semantic — Facts about people" in text


def test_detail_shows_dates_as_dates_and_fields_as_words(
    qtbot: Any, memloci: Any, pane: Any
) -> None:
    event = memloci.add(
        "Pottery class with Mia",
        fields={"occurred_at": "2023-05-07T12:00:00.000000Z", "event_type": "meeting"},
    )
    page = memloci.add(
        "Glazes for stoneware",
        type="resource",
        fields={"title": "Glazes for stoneware", "resource_type": "web_page"},
    )
    text = _open(qtbot, pane, event.id)
    assert not ISO.search(text), text
    assert "occurred_at" not in text and "event_type" not in text
    assert "7 May 2023" in text and "What happened" in text
    text = _open(qtbot, pane, page.id)
    assert "resource_type" not in text and "Kind" in text
    assert "by you" in text and " cli" not in text


def test_table_says_kind_and_source_in_words(qtbot: Any, memloci: Any, pane: Any) -> None:
    memloci.add("Called the dentist", fields={"event_type": "note", "actor": "cli"})
    pane.refresh()
    qtbot.waitUntil(lambda: pane.model.rowCount() == 1)
    model = pane.model
    assert model.data(model.index(0, 1)) == "your note"
    assert model.data(model.index(0, 4)) == "typed by you"
    tip = model.data(model.index(0, 1), 3)  # ToolTipRole
    # the kind in full (the column may elide it), then what the type holds
    assert tip.splitlines() == ["your note", tip.splitlines()[1]]
    assert tip.splitlines()[1].startswith("Episodic: Things that happened")


def test_every_type_is_explained_where_types_appear(qtbot: Any, pane: Any) -> None:
    from app.ui.panes.memory_edit import MemoryForm

    tips = [pane.tabs.tabToolTip(n) for n in range(pane.tabs.count())]
    assert all(tips) and len(set(tips)) == len(tips) == 7
    sources = [pane.source.itemText(n) for n in range(pane.source.count())]
    assert "From user" not in sources and "Typed by you" in sources

    form = MemoryForm(pane, memory_type=MemoryType.VAULT)
    qtbot.addWidget(form)
    assert form.type_help.text() == words.TYPE_HELP[MemoryType.VAULT]
    box = form.type_box
    assert box is not None
    assert [box.itemData(n, 3) for n in range(box.count())] == [
        words.TYPE_HELP[t] for t in MemoryType
    ]
    box.setCurrentIndex(list(MemoryType).index(MemoryType.PROCEDURAL))
    assert "How to do something" in form.type_help.text()
    labels = [form.form.labelForField(editor).text() for editor in form.editors.values()]
    assert "Entry type" not in labels and not any("_" in label for label in labels)


def test_the_model_is_named_by_what_it_is() -> None:
    bundled = {
        "backend": "bundled",
        "name": "SmolLM2-135M-Instruct-Q8_0.gguf",
        "location": "/work/main/.venv/lib/python3.11/site-packages/app/models/x.gguf",
    }
    assert words.model_name(bundled) == "the small built-in model"
    own = words.model_name({"backend": "gguf", "name": "qwen2.5-1.5b-instruct-q4_k_m.gguf"})
    assert ".gguf" not in own and "/" not in own and own.startswith("your own model")
    assert words.who("agent:extractor") == "the memory agents"
    assert words.who("cli") == "you"
    assert words.waiting_line(243) == "243 messages and screens to read"


def test_models_page_hides_the_bundled_file_and_path() -> None:
    from app.ui.panes.model_choice import model_text

    text = model_text(
        {
            "backend": "bundled",
            "name": "SmolLM2-135M-Instruct-Q8_0.gguf",
            "location": "/work/main/.venv/lib/app/models/SmolLM2.gguf",
            "context_tokens": 2048,
            "loaded": False,
        }
    )
    assert text.startswith("The small built-in model")
    assert ".venv" not in text and ".gguf" not in text
