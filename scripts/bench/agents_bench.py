"""The language model and the memory agents, measured with the bundled SmolLM2-135M.

    .venv/bin/python scripts/bench/agents_bench.py [--sessions 3 | --all] [--calls 24]
                                                   [--skip-model] [--skip-schema] [--skip-locomo]
                                                   [--skip-answers]

1. Model: load time, prompt evaluation and generation speed (free text and under a JSON-schema
   grammar), one llama.cpp worker thread on this machine's cores.
2. Schemas against loops: the semantic manager's real prompts over LoCoMo conv-26 batches, asked
   three ways: as Memloci asks (bounded schema grammar, repeat penalty 1.15, temperature 0.1,
   200-token cap), with the same grammar but no length bounds and loose sampling (temperature
   0.7, no repeat penalty, 512 tokens), and with no grammar at all. For each: share of outputs
   valid on the first try, share repetitive (over 20 % repeated word 4-grams), tokens, seconds.
3. LoCoMo conv-26 (../shared/bench/locomo): the first N sessions (all with --all) imported
   through the real importer twice, once `--no-agents` and once followed by an agent run. Reports
   seconds per agent batch, tokens/s, valid-on-first-try share, repetition, what the policy
   dropped, memories per type the agents made, and evidence recall@5/10/20 ("all" and "any") of
   `Memloci.search` for the questions whose evidence lies in those sessions, without and with
   the agents side by side, with the questions the agents won and lost at R@10 (scored with
   `locomo_retrieval`'s own scoring); then `ask` on those questions (not with --skip-answers).
Peak RSS of the whole run at the end.
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine, peak_rss_mib, temporary_home, warm_up
from locomo_retrieval import DEFAULT_DATA, KS, load, memloci_ranker, summarize, tally, write_jsonl


# -- 1. the model ---------------------------------------------------------------------------------
def bench_model() -> dict[str, float]:
    import json as _json
    import os

    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # as LlamaCppModel does
    from llama_cpp import Llama, LlamaGrammar

    from app.llm.bundled import bundled_model_path
    from app.llm.local import default_threads

    path = bundled_model_path()
    started = time.perf_counter()
    llama = Llama(
        model_path=str(path),
        n_ctx=2048,
        n_threads=default_threads(),
        n_threads_batch=default_threads(),
        verbose=False,
    )
    load_s = time.perf_counter() - started
    prompt = " ".join(["Caroline said she went to the support group and felt inspired."] * 36)
    tokens = llama.tokenize(prompt.encode())
    started = time.perf_counter()
    llama.reset()
    llama.eval(tokens)
    prompt_tps = len(tokens) / (time.perf_counter() - started)
    messages = [{"role": "user", "content": "Write a long story about a lighthouse keeper."}]

    def generate(**kwargs: Any) -> float:
        """Tokens per second while generating (first to last token: prompt time excluded,
        sampling and grammar checks included)."""
        llama.reset()
        stamps = []
        for chunk in llama.create_chat_completion(
            messages=messages,
            max_tokens=160,
            temperature=0.2,
            repeat_penalty=1.15,
            stream=True,
            **kwargs,
        ):
            if chunk["choices"][0]["delta"].get("content"):
                stamps.append(time.perf_counter())
        return (len(stamps) - 1) / (stamps[-1] - stamps[0]) if len(stamps) > 2 else 0.0

    schema = {  # a bound like the agents' (their strings allow 120-240 characters)
        "type": "object",
        "properties": {"story": {"type": "string", "maxLength": 200}},
        "required": ["story"],
    }
    grammar = LlamaGrammar.from_json_schema(_json.dumps(schema), verbose=False)
    free_runs, constrained_runs = [], []
    for _ in range(3):  # interleaved, so a busy moment does not favour one of them
        free_runs.append(generate())
        constrained_runs.append(generate(grammar=grammar))
    free = sum(free_runs) / len(free_runs)
    constrained = sum(constrained_runs) / len(constrained_runs)
    llama.close()
    return {
        "load_s": load_s,
        "prompt_tokens_per_s": prompt_tps,
        "generation_tokens_per_s": free,
        "schema_generation_tokens_per_s": constrained,
        "threads": default_threads(),
    }


# -- 2. schemas against loops ----------------------------------------------------------------------
def _unbounded(schema: Any) -> Any:
    if isinstance(schema, dict):
        return {
            k: _unbounded(v)
            for k, v in schema.items()
            if k not in ("maxLength", "maxItems", "minLength", "minItems")
        }
    if isinstance(schema, list):
        return [_unbounded(v) for v in schema]
    return schema


def semantic_calls(turns: list, count: int) -> list:
    """The semantic manager's real model calls for consecutive 6-turn batches of conv-26."""
    from app.agents.inputs import AgentInput, Batch
    from app.agents.managers.base import Context
    from app.agents.managers.semantic import SemanticManager
    from app.domain import Source
    from app.settings import AgentSettings

    calls = []
    manager = SemanticManager()
    for start in range(0, len(turns), 6):
        chunk = turns[start : start + 6]
        inputs = [
            AgentInput(
                n, "chat", Source("chat", t.id), None, t.text, t.speaker, t.when.astimezone(), "c"
            )
            for n, t in enumerate(chunk)
        ]
        ctx = Context(
            Batch(inputs),
            AgentSettings(),
            {},
            {},
            lambda t, x: [],
            lambda t, x: [],
            inputs[0].timestamp,
        )
        call = manager.model_call(ctx)
        if call is not None:
            calls.append(call)
        if len(calls) >= count:
            break
    return calls


def bench_schemas(turns: list, count: int) -> dict[str, dict[str, Any]]:
    from dataclasses import replace

    from pydantic import ValidationError

    from app.errors import ModelOutputInvalid
    from app.llm.base import GenerationOptions
    from app.llm.bundled import bundled_model_path
    from app.llm.local import LlamaCppModel
    from app.llm.repetition import is_repetitive
    from app.llm.schema import json_schema_for
    from app.llm.structured import CallStats, generate_json

    model = LlamaCppModel(bundled_model_path(), context_tokens=2048)
    calls = semantic_calls(turns, count)
    results: dict[str, dict[str, Any]] = {}
    loose = GenerationOptions(max_tokens=512, temperature=0.7, top_p=0.95, repeat_penalty=1.0)
    for regime in ("Memloci (bounded schema, penalty, cap)", "unbounded schema, loose sampling"):
        stats = CallStats()
        for call in calls:
            schema = json_schema_for(call.output)
            options = call.options
            if regime.startswith("unbounded"):
                schema, options = _unbounded(copy.deepcopy(schema)), replace(loose, seed=7)
            try:
                generate_json(
                    model,
                    call.messages,
                    call.output,
                    options=options,
                    purpose="semantic",
                    schema=schema,
                    stats=stats,
                )
            except ModelOutputInvalid:
                pass
        results[regime] = stats.to_dict()
    # No grammar at all: only the prompt asks for JSON.
    valid = repetitive = tokens = 0
    seconds = 0.0
    for call in calls:
        completion = model.complete(call.messages, replace(call.options, json_schema=None))
        tokens += completion.completion_tokens
        seconds += completion.seconds
        repetitive += int(is_repetitive(completion.text))
        try:
            call.output.model_validate_json(completion.text.strip().strip("`"))
            valid += 1
        except (ValidationError, ValueError):
            pass
    n = max(1, len(calls))
    results["no grammar (prompt only)"] = {
        "calls": len(calls),
        "valid_first_try_share": round(valid / n, 3),
        "repetition_rate": round(repetitive / n, 3),
        "completion_tokens": tokens,
        "seconds": round(seconds, 3),
    }
    model.close()
    return results


# -- 3. LoCoMo with and without the agents ---------------------------------------------------
def _words(text: str) -> list[str]:
    import re

    return re.findall(r"[a-z0-9]+", str(text).lower())


def bench_answers(memloci: Any, data: Path, questions: list) -> dict[str, Any]:
    """`ask` on each question, the model writing the answer vs the memories quoted: the share
    of answers holding every word of the dataset's answer (a lenient exact match), and of
    answers citing at least one evidence turn."""
    raw = json.loads(data.read_text(encoding="utf-8"))
    gold = {item["question"]: item.get("answer") for item in raw["qa"]}
    sample = raw["sample_id"]
    result: dict[str, Any] = {}
    for mode in ("model", "memories"):
        memloci.save_settings(memloci.settings.with_value("model.answer_mode", mode))
        holds = cites = 0
        started = time.perf_counter()
        for question in questions:
            answer = memloci.ask(question.text, record=False)
            expected = set(_words(gold.get(question.text, "")))
            holds += int(bool(expected) and expected <= set(_words(answer.answer)))
            refs = {
                s.ref.removeprefix(f"{sample}:")
                for i in answer.citations
                for s in memloci.get(i).sources
            }
            cites += int(bool(refs & question.evidence))
        n = max(1, len(questions))
        result[mode] = {
            "answer_holds_gold": round(holds / n, 3),
            "cites_evidence": round(cites / n, 3),
            "seconds_per_answer": round((time.perf_counter() - started) / n, 2),
        }
    return result


def bench_locomo(data: Path, sessions: int | None, answers: bool = True) -> dict[str, Any]:
    from app.core import Memloci

    sample_id, turns, items = load(data)
    session_ids = sorted({t.id.split(":")[0] for t in turns}, key=lambda s: int(s[1:]))
    chosen = set(session_ids if sessions is None else session_ids[:sessions])
    subset = [t for t in turns if t.id.split(":")[0] in chosen]
    kept = [q for q in items if all(e.split(":")[0] in chosen for e in q.evidence)]
    out: dict[str, Any] = {
        "sessions": len(chosen),
        "turns": len(subset),
        "questions": len(kept),
    }
    for agents in (False, True):
        with temporary_home() as home:
            warm_up(home)
            export = home / f"{sample_id}.jsonl"
            write_jsonl(sample_id, subset, export)
            with Memloci.open(home) as memloci:
                memloci.import_chat(export, agents=agents)
                memloci.index_sync()
                if agents:
                    started = time.perf_counter()
                    report = memloci.agents.process_queue()
                    out["agent_seconds"] = time.perf_counter() - started
                    memloci.index_sync()
                    out["report"] = report.to_dict()
                    out["made"] = Counter(
                        m.type.value
                        for t in ("core", "episodic", "semantic", "procedural", "resource", "vault")
                        for m in memloci.list(t, limit=100_000)
                        if m.origin == "agent"
                    )
                    out["batch_seconds"] = report.batch_seconds
                recall = summarize(tally(memloci_ranker(memloci, sample_id), kept))
                if agents and answers:
                    out["answers"] = bench_answers(memloci, data, kept)
            out["agents" if agents else "no_agents"] = recall
    out["changed"] = changed(out["no_agents"].pop("hits"), out["agents"].pop("hits"), kept)
    return out


def changed(off: list, on: list, kept: list) -> dict[str, Any]:
    """Questions whose evidence is in the top 10 ("all") with the agents and not without them
    (won), and the other way round (lost)."""
    won = [
        q.text for q, a, b in zip(kept, off, on, strict=True) if b[1]["all"][10] > a[1]["all"][10]
    ]
    lost = [
        q.text for q, a, b in zip(kept, off, on, strict=True) if a[1]["all"][10] > b[1]["all"][10]
    ]
    return {"won": won, "lost": lost}


def recall_table(result: dict[str, Any]) -> None:
    """Recall without and with the agents, side by side, and what the agents changed."""
    off, on = result["no_agents"], result["agents"]
    print("| evidence recall | imported turns (--no-agents) | with agents | agents - no agents |")
    print("|---|---|---|---|")
    for k in KS:
        for how in ("all", "any"):
            a, b = off[how][k], on[how][k]
            flag = "" if b >= a - 1e-9 else " (below)"
            print(f"| R@{k} {how} | {a:.3f} | {b:.3f} | {b - a:+.3f}{flag} |")
    moved = result["changed"]
    print()
    print(
        f"R@10 all, per question: the agents found {len(moved['won'])} the import alone missed, "
        f"and missed {len(moved['lost'])} it found."
    )
    for label in ("lost", "won"):
        for text in moved[label]:
            print(f"  {label}: {text}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--sessions", type=int, default=3, help="First N sessions (default 3).")
    parser.add_argument("--all", action="store_true", help="Every session of conv-26.")
    parser.add_argument("--calls", type=int, default=24, help="Calls per regime in part 2.")
    parser.add_argument("--skip-model", action="store_true")
    parser.add_argument("--skip-schema", action="store_true")
    parser.add_argument("--skip-locomo", action="store_true")
    parser.add_argument(
        "--skip-answers", action="store_true", help="LoCoMo recall only, no `ask` (part 3)."
    )
    parser.add_argument("--json", action="store_true", help="Also print all figures as JSON.")
    args = parser.parse_args()
    figures: dict[str, Any] = {"machine": machine()}
    print(f"machine: {figures['machine']}")
    print("model: SmolLM2-135M-Instruct Q4_1 (bundled), llama.cpp, n_ctx 2048\n")

    if not args.skip_model:
        model = figures["model"] = bench_model()
        print("## 1. Model speed")
        print(f"load {model['load_s']:.2f} s; {model['threads']} threads")
        print(f"prompt evaluation {model['prompt_tokens_per_s']:.0f} tokens/s")
        print(
            f"generation {model['generation_tokens_per_s']:.1f} tokens/s free, "
            f"{model['schema_generation_tokens_per_s']:.1f} tokens/s under a JSON-schema grammar\n"
        )

    if not args.skip_schema:
        _, turns, _ = load(args.data)
        schemas = figures["schemas"] = bench_schemas(turns, args.calls)
        print(f"## 2. Schemas against loops (semantic manager, {args.calls} real conv-26 batches)")
        print("| regime | valid 1st try | repetitive | tokens/call | s/call |")
        print("|---|---|---|---|---|")
        for name, s in schemas.items():
            calls = max(1, s["calls"])
            tokens = s.get("completion_tokens", 0) / calls
            print(
                f"| {name} | {s['valid_first_try_share']:.2f} | {s['repetition_rate']:.2f} | "
                f"{tokens:.0f} | {s['seconds'] / calls:.2f} |"
            )
        print()

    if not args.skip_locomo:
        with temporary_home():
            result = figures["locomo"] = bench_locomo(
                args.data, None if args.all else args.sessions, not args.skip_answers
            )
        report = result["report"]
        model = report["model"]
        batches = result["batch_seconds"]
        print(
            f"## 3. LoCoMo conv-26, first {result['sessions']} sessions: {result['turns']} turns, "
            f"{result['questions']} questions with all evidence in them"
        )
        print(
            f"agents: {report['batches']} batches in {result['agent_seconds']:.1f} s, "
            f"{sum(batches) / max(1, len(batches)):.2f} s per batch "
            f"(min {min(batches, default=0):.1f}, max {max(batches, default=0):.1f}); "
            f"{model['calls']} model calls, {model['tokens_per_second'] or 0:.1f} tokens/s "
            f"end to end, {model['valid_first_try_share'] or 0:.2f} valid on the first try, "
            f"{model['repetition_rate'] or 0:.2f} repetitive, {model['failed']} failed twice"
        )
        print(f"values a newer message replaced: {report.get('replaced', 0)}")
        print(
            f"operations proposed {report['proposed']}, accepted by the policy "
            f"{report['accepted']}; dropped: {report['policy']}; written: {report['operations']}"
        )
        print(f"memories the agents made: {dict(sorted(result['made'].items()))}")
        print()
        recall_table(result)
        print()
        answers = result.get("answers")
        if answers is not None:
            print(
                "| `memloci ask` | answer holds the gold answer | cites an evidence turn "
                "| s/answer |"
            )
            print("|---|---|---|---|")
            for mode, label in (
                ("model", "model writes the answer"),
                ("memories", "memories quoted"),
            ):
                a = answers[mode]
                print(
                    f"| {label} | {a['answer_holds_gold']:.2f} | {a['cites_evidence']:.2f} | "
                    f"{a['seconds_per_answer']:.1f} |"
                )
            print()
    figures["peak_rss_mib"] = peak_rss_mib()
    print(f"peak RSS: {figures['peak_rss_mib']:.0f} MiB")
    if args.json:
        print(json.dumps(figures, default=str))


if __name__ == "__main__":
    main()
