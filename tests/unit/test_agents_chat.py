"""The chat agent with a scripted model: retrieval into the prompt, citations that are right
even when the model is weak, streaming and cancellation, explicit "remember" requests, and the
conversation becoming memory."""

from __future__ import annotations

import re
import threading

import pytest

from app.domain import MemoryType, Source
from app.errors import InvalidInput
from tests.scripted_model import ScriptedModel


def use(memloci, script=None, **kw) -> ScriptedModel:
    """A configured model writes the answers (answer_mode "model"), checked sentence by
    sentence; with the bundled model the default is to build answers from memories."""
    model = ScriptedModel(script, **kw)
    memloci._parts.llm.use(model)
    memloci.save_settings(memloci.settings.with_value("model.answer_mode", "model"))
    return model


def citing(word: str, text: str = "{word} it is [{n}]."):
    """A model that finds the memory holding `word` in its prompt and cites its number."""

    def answer(messages, options):
        prompt = messages[-1]["content"]
        match = re.search(rf"\[(\d+)\][^\n]*{word}", prompt)
        return text.format(word=word, n=match.group(1) if match else 99)

    return answer


@pytest.fixture
def memories(memloci):
    fact = memloci.add("Ana lives in Porto", type="semantic", fields={"name": "Ana"})
    lunch = memloci.add("Lunch with Ana at Taberna on Friday", type="episodic")
    noise = memloci.add("Bought new running shoes", type="episodic")
    pin = memloci.add("bank PIN for Ana's account", type="vault", fields={"secret_value": "9876"})
    memloci.add("I prefer short answers", type="core", fields={"label": "persona"})
    return {"fact": fact, "lunch": lunch, "noise": noise, "pin": pin}


def test_the_answer_cites_the_memories_the_model_used(memloci, memories) -> None:
    model = use(memloci, citing("Porto", "Ana lives in Porto [{n}]."))
    answer = memloci.ask("Where does Ana live?")
    assert answer.citations == [memories["fact"].id] and answer.citation_method == "model"
    assert re.fullmatch(r"Ana lives in Porto \[\d\]\.", answer.answer)
    system, *_, user = model.calls[0][0]
    assert "I prefer short answers" in system["content"]  # core memory always in the prompt
    assert "Ana lives in Porto" in user["content"] and "bank PIN" in user["content"]
    assert "9876" not in model.prompts()  # a vault secret never enters a prompt
    assert set(answer.citations) <= set(answer.context_ids)


def test_a_weak_answer_is_replaced_by_what_the_memories_say(memloci, memories) -> None:
    streamed: list[str] = []
    use(memloci, default="Bananas are yellow and Zorro is happy [7].")
    answer = memloci.ask("Where does Ana live?", on_token=streamed.append)
    assert answer.fallback and answer.citation_method == "memories" and answer.dropped == 1
    assert "Ana lives in Porto" in answer.answer and "Zorro" not in answer.answer
    assert "Zorro" not in "".join(streamed) and "".join(streamed).strip() == answer.answer
    assert memories["fact"].id in answer.citations
    assert memories["noise"].id not in answer.citations


def test_an_answer_without_markers_is_cited_by_overlap(memloci, memories) -> None:
    use(memloci, default="She lives in Porto, in the north.")
    answer = memloci.ask("Where does Ana live?")
    assert answer.citation_method == "overlap" and answer.citations == [memories["fact"].id]
    assert not answer.fallback and answer.answer.startswith("She lives in Porto")


def test_an_honest_dont_know_stays(memloci, memories) -> None:
    use(memloci, default="I do not remember anything about that.")
    answer = memloci.ask("What is the capital of Mars?")
    assert answer.citations == [] and not answer.fallback


def test_tokens_stream_and_cancel_stops(memloci, memories) -> None:
    use(
        memloci,
        default="Ana lives in Porto. She moved there. It is by the sea. She likes it.",
        token_delay=0.005,
    )
    tokens: list[str] = []
    cancel = threading.Event()

    def on_token(text: str) -> None:
        tokens.append(text)
        if len(tokens) == 2:
            cancel.set()

    answer = memloci.ask("Where does Ana live?", on_token=on_token, cancel=cancel)
    # Whole checked sentences stream; what was not checked when Stop came is never shown.
    assert answer.cancelled and tokens == ["Ana lives in Porto. ", "She moved there. "]
    assert answer.answer == "Ana lives in Porto. She moved there. [stopped]"


def test_what_the_person_tells_becomes_memory_not_questions_or_replies(memloci, memories) -> None:
    """Issue 21: Memloci's answers (and the questions put to it) are not memories of what the
    person did; what the person tells Memloci is, queued for the agents like any message."""
    use(memloci, citing("Porto"))
    answer = memloci.ask("Where does Ana live?")
    told = memloci.ask("I moved to Braga last week")
    records = [m for m in memloci.list("episodic", limit=50) if m.fields["event_type"] == "chat"]
    assert [m.fields["summary"] for m in records] == ["I moved to Braga last week"]
    assert records[0].sources == (Source("chat", f"{told.conversation}:1:user"),)
    assert not any(s.ref.endswith(":memloci") for m in records for s in m.sources)
    items = memloci._parts.queue.claim(["chat"])
    assert [i.payload["speaker"] for i in items] == ["user"]
    assert set(items[0].payload) == {
        "memory_id",
        "message_id",
        "conversation",
        "speaker",
        "text",
        "timestamp",
        "attachments",
    }
    assert items[0].payload["memory_id"] == records[0].id
    memloci._parts.queue.release([i.id for i in items])
    assert answer.answer not in {m.text for m in memloci.list("episodic", limit=50)}


def test_remember_requests_go_to_the_vault_never_to_a_prompt(memloci) -> None:
    model = use(memloci, default="Your passport number is in your vault.")
    saved = memloci.ask("remember my passport number is X1234567")
    assert saved.citation_method == "saved" and model.calls == []
    entry = memloci.get(saved.saved)
    assert entry.type is MemoryType.VAULT and entry.origin == "user"
    assert entry.fields["caption"] == "passport number"
    assert entry.fields["sensitivity"] == "high"
    assert memloci.reveal(entry.id, passphrase="correct horse battery") == "X1234567"
    for memory in memloci.list(limit=50):
        assert "X1234567" not in memory.text
    assert all("X1234567" not in str(i.payload) for i in memloci._parts.queue.claim(limit=50))
    memloci.ask("What is my passport number?", record=False)
    assert "passport number" in model.prompts() and "X1234567" not in model.prompts()


def test_remember_a_fact_goes_to_core_memory(memloci) -> None:
    use(memloci)
    answer = memloci.ask("remember that I am allergic to peanuts")
    block = memloci.get(answer.saved)
    assert block.type is MemoryType.CORE and "allergic to peanuts" in block.fields["value"]
    assert block.origin == "user"


def test_a_secret_typed_in_passing_reaches_no_prompt_and_no_record(memloci, memories) -> None:
    model = use(memloci, citing("Porto"))
    memloci.ask("my password is hunter2 - anyway, where does Ana live?")
    assert "hunter2" not in model.prompts()
    assert all("hunter2" not in m.text for m in memloci.list(limit=50))


def test_the_prompt_fits_the_context_budget(memloci) -> None:
    for n in range(60):
        memloci.add(f"Ana note {n}: " + "words " * 30, type="semantic", fields={"name": "Ana"})
    model = use(memloci, default="ok", context_tokens=700)
    answer = memloci.ask("What do my notes about Ana say?", record=False)
    messages, options = model.calls[0]
    used = sum(model.count_tokens(m["content"]) for m in messages)
    assert used <= 700 - options.max_tokens
    assert 0 < len(answer.context_ids) < 60


def test_a_short_follow_up_keeps_the_topic(memloci, memories) -> None:
    model = use(memloci, citing("Porto"))
    session = memloci.start_chat()
    memloci.chat_turn(session, "Where does Ana live?")
    memloci.chat_turn(session, "and lunch?")
    follow_up = model.calls[-1][0]
    assert "Taberna" in follow_up[-1]["content"]  # found through "Ana" from the last turn
    assert any(m["role"] == "assistant" for m in follow_up)  # the history is in the prompt


def test_empty_questions_are_refused(memloci) -> None:
    use(memloci)
    with pytest.raises(InvalidInput):
        memloci.ask("   ")


def test_without_a_model_the_memories_still_answer(memloci, memories, tmp_path) -> None:
    memloci.models.use("endpoint", endpoint="http://127.0.0.1:9/v1")  # nothing listens there
    answer = memloci.ask("Where does Ana live?", record=False)
    assert "Cannot reach the model server" in answer.model_error
    assert answer.fallback and "Ana lives in Porto" in answer.answer
    assert answer.citations == [memories["fact"].id]
    assert memloci.models.info()["backend"] == "endpoint"


def test_by_default_the_bundled_model_writes_nothing(memloci, memories) -> None:
    from app.agents.answer import answer_mode

    model = ScriptedModel(default="Ana moved to Lisbon in 1999.")
    memloci._parts.llm.use(model)  # settings as installed: answer_mode "auto", bundled
    pieces: list[str] = []
    answer = memloci.ask("Where does Ana live?", on_token=pieces.append, record=False)
    assert model.calls == [] and answer.answered_by == "memories" and not answer.fallback
    assert pieces == [answer.answer] and re.match(
        r"Ana lives in Porto \[\d\] \(you saved", answer.answer
    )
    assert answer.citations == [memories["fact"].id] and answer.found
    assert answer.built_from.startswith("Built from your memories")
    auto = memloci.settings.model
    assert auto.answer_mode == "auto" and answer_mode(auto) == "memories"
    assert answer_mode(auto.model_copy(update={"backend": "endpoint"})) == "model"
    assert answer_mode(auto.model_copy(update={"backend": "gguf"})) == "model"


def test_the_facade_says_who_answers_and_the_app_warms_the_answers_up(memloci) -> None:
    from app.ui.tasks import warm_up_steps

    source = memloci.answer_source()  # settings as installed: the bundled model
    assert (source.mode, source.model) == ("memories", None)
    assert "Nothing is generated" in source.line
    use(memloci, default="")
    checked = memloci.answer_source()
    assert checked.mode == "model" and checked.model
    assert "checked against your memories before it is shown" in checked.line
    assert "answers" in [name for name, _ in warm_up_steps(memloci)]
    memloci.warm_answers()  # loads the lexicon; an answer right after needs no loading


def test_a_model_answer_that_only_says_it_does_not_know_gets_the_memories(
    memloci, memories
) -> None:
    use(memloci, default="I do not remember where Ana lives.")
    streamed: list[str] = []
    answer = memloci.ask("Where does Ana live?", on_token=streamed.append, record=False)
    assert answer.fallback and "Ana lives in Porto" in answer.answer
    assert "".join(streamed).strip() == answer.answer  # what was shown is the answer
    assert answer.citations == [memories["fact"].id]


def test_settings_of_version_one_get_the_new_default(tmp_path) -> None:
    from app.settings import Settings

    old = tmp_path / "v1.toml"
    old.write_text('schema_version = 1\n[model]\nanswer_mode = "model"\n')
    assert Settings.load(old).model.answer_mode == "auto"
    chosen = tmp_path / "v1-memories.toml"
    chosen.write_text('schema_version = 1\n[model]\nanswer_mode = "memories"\n')
    assert Settings.load(chosen).model.answer_mode == "memories"
    current = tmp_path / "v2.toml"
    current.write_text('schema_version = 2\n[model]\nanswer_mode = "model"\n')
    assert Settings.load(current).model.answer_mode == "model"
