"""What a language model brings: the personal-memory benchmark and LoCoMo question answering,
run with any model Memloci can use (the bundled one, a GGUF file or downloaded model, a server).

    .venv/bin/python scripts/bench/model_bench.py                         (the bundled model)
    .venv/bin/python scripts/bench/model_bench.py --gguf qwen2.5-7b       (a downloaded model)
    .venv/bin/python scripts/bench/model_bench.py --endpoint http://127.0.0.1:11434/v1 \\
                                                  --endpoint-model qwen2.5:7b      (Ollama)
    options: --agents-gguf / --agents-endpoint (a separate agents' model), --questions N,
             --skip-personal, --skip-locomo, --personal DIR, --locomo FILE

1. Personal memory (`../shared/bench/personal/score.py`): a fresh store imports a plain personal
   chat, the agents run with the chosen model, then typed memories, vault, autofill and `ask`
   answers are checked. Memloci is handed to the scorer as a small wrapper that sets the model
   right after `memloci init`, so the scorer runs unchanged.
2. LoCoMo conv-26 (`../shared/bench/locomo`): every turn imported (no agents: this part measures
   answering), then N questions of categories 1-4 (spread evenly over the list) through `ask`
   with the model writing the answer. Scored with the dataset's token F1 against the gold answer,
   "contains" (the gold answer's words all appear), and grounded: the answer names no person,
   place or number that is in neither the conversation nor the question (the personal
   benchmark's rule).
Prints one table row per part: typed-memory recall, grounded-answer rate and speed.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import string
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ROOT, machine, temporary_home, warm_up
from locomo_retrieval import load, write_jsonl


def _shared_bench() -> Path:
    """`../shared/bench` beside the checkout (or beside a folder above it: worktrees)."""
    for folder in (ROOT, *ROOT.parents):
        if (folder.parent / "shared" / "bench").is_dir():
            return folder.parent / "shared" / "bench"
    return ROOT.parent / "shared" / "bench"


PERSONAL = _shared_bench() / "personal"
LOCOMO = _shared_bench() / "locomo" / "conv-26.json"
CATEGORIES = (1, 2, 3, 4)


def model_commands(args: argparse.Namespace) -> list[list[str]]:
    """`memloci model ...` commands that set the chosen model(s) in a fresh store."""
    commands: list[list[str]] = []
    if args.gguf:
        commands.append(["model", "use", args.gguf])
    elif args.endpoint:
        commands.append(["model", "endpoint", args.endpoint, "--no-check"])
        if args.endpoint_model:
            commands[-1] += ["--model", args.endpoint_model]
    if args.agents_gguf:
        commands.append(["model", "use", args.agents_gguf, "--role", "agents"])
    elif args.agents_endpoint:
        commands.append(["model", "endpoint", args.agents_endpoint, "--no-check", "--role",
                         "agents"])  # fmt: skip
        if args.agents_endpoint_model:
            commands[-1] += ["--model", args.agents_endpoint_model]
    return commands


def label(args: argparse.Namespace) -> str:
    chat = args.gguf or (f"{args.endpoint_model or ''}@{args.endpoint}" if args.endpoint else "")
    chat = chat or "bundled SmolLM2-135M"
    agents = args.agents_gguf or args.agents_endpoint
    return chat + (f" (agents: {agents})" if agents else "")


# -- 1. the personal-memory benchmark -------------------------------------------------------------
WRAPPER = """#!{python}
import os, subprocess, sys
env = dict(os.environ, PYTHONPATH={root!r} + os.pathsep + os.environ.get("PYTHONPATH", ""))
real = [{python!r}, "-m", "app"]
code = subprocess.call(real + sys.argv[1:], env=env)
if sys.argv[1:2] == ["init"] and code == 0:
    for command in {commands!r}:
        subprocess.check_call(real + command, env=env, stdout=subprocess.DEVNULL)
sys.exit(code)
"""


def personal(args: argparse.Namespace) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="memloci-model-bench-") as folder:
        wrapper = Path(folder) / "memloci"
        wrapper.write_text(
            WRAPPER.format(python=sys.executable, root=str(ROOT), commands=model_commands(args))
        )
        wrapper.chmod(0o755)
        env = dict(os.environ)
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, str(args.personal / "score.py"), str(wrapper)],
            capture_output=True,
            text=True,
            env=env,
            timeout=args.timeout,
            check=False,
        )
        seconds = time.perf_counter() - started
    out = done.stdout
    if args.verbose:
        print(out)
    summary = re.search(
        r"typed (\d+)/(\d+) .* ask (\d+)/(\d+) ask-grounded (\d+)/(\d+)",
        out.splitlines()[-1] if out.strip() else "",
    )
    timing = re.search(r"agents\+import (\d+) s; ask ([\d.]+) s each", out)
    if summary is None:
        raise SystemExit(f"the personal benchmark failed:\n{out[-1500:]}\n{done.stderr[-1500:]}")
    typed, total, asked, questions, grounded, _ = map(int, summary.groups())
    return {
        "typed": f"{typed}/{total}",
        "typed_recall": typed / total,
        "ask": f"{asked}/{questions}",
        "grounded": grounded / questions,
        "agents_s": float(timing.group(1)) if timing else None,
        "ask_s": float(timing.group(2)) if timing else None,
        "seconds": seconds,
        "summary": out.splitlines()[-1],
    }


# -- 2. LoCoMo question answering -----------------------------------------------------------------
def normalise(text: str) -> list[str]:
    text = text.lower().translate(str.maketrans("", "", string.punctuation))
    return [w for w in text.split() if w not in ("a", "an", "the", "and")]


def f1(prediction: str, gold: str) -> float:
    """The token F1 LoCoMo's evaluation uses (SQuAD-style normalisation)."""
    ours, theirs = normalise(prediction), normalise(gold)
    common = sum((Counter(ours) & Counter(theirs)).values())
    if not common:
        return 0.0
    precision, recall = common / len(ours), common / len(theirs)
    return 2 * precision * recall / (precision + recall)


def invented(answer: str, question: str, corpus: str) -> list[str]:
    """Names (capitalised words not starting a sentence) and numbers in the answer that appear
    neither in the conversation nor in the question: the personal benchmark's rule."""
    bad = []
    for match in re.finditer(r"[A-Z][\w'-]+|\d+", answer):
        token, before = match.group(0), answer[: match.start()].rstrip()
        if not token[0].isdigit() and (not before or before[-1] in ".!?:\n(["):
            continue
        if token.lower() not in corpus and token.lower() not in question.lower():
            bad.append(token)
    return bad


def locomo(args: argparse.Namespace) -> dict[str, object]:
    data = json.loads(args.locomo.read_text(encoding="utf-8"))
    sample_id, turns, _ = load(args.locomo)
    items = [q for q in data["qa"] if q.get("category") in CATEGORIES and "answer" in q]
    step = max(1, len(items) // args.questions)
    chosen = items[::step][: args.questions]
    corpus = " ".join(
        [t.text for t in turns]
        + [t.speaker for t in turns]
        + [t.when.strftime("%d %B %Y %A") for t in turns]
        + [t.caption or "" for t in turns]
    ).lower()
    with temporary_home() as home:
        warm_up(home)
        from app.core import Memloci

        export = home / f"{sample_id}.jsonl"
        write_jsonl(sample_id, turns, export)
        with Memloci.open(home) as memloci:
            for command in model_commands(args):
                _apply(memloci, command)
            memloci.import_chat(export, agents=False)
            memloci.index_sync()
            started = time.perf_counter()
            memloci.models.load()
            load_s = time.perf_counter() - started
            scores, grounded, contains, seconds, tokens = [], 0, 0, 0.0, 0
            for item in chosen:
                question, gold = item["question"], str(item["answer"])
                started = time.perf_counter()
                answer = memloci.ask(question, record=False)
                seconds += time.perf_counter() - started
                tokens += answer.completion_tokens
                text = answer.answer
                scores.append(f1(text, gold))
                contains += all(w in normalise(text) for w in normalise(gold))
                bad = invented(text, question, corpus)
                grounded += not bad
                if args.verbose:
                    print(
                        f"{scores[-1]:.2f} {'ok ' if not bad else 'INV'} {question!r} -> "
                        f"{text[:120]!r} (gold {gold!r}){' ' + str(bad[:4]) if bad else ''}"
                    )
            info = memloci.models.info()
    n = len(chosen)
    return {
        "questions": n,
        "f1": sum(scores) / n,
        "contains": contains / n,
        "grounded": grounded / n,
        "s_per_answer": seconds / n,
        "tokens_per_s": tokens / seconds if seconds else 0.0,
        "load_s": load_s,
        "model": info.get("name"),
    }


def _apply(memloci: object, command: list[str]) -> None:
    """One `memloci model ...` command through the facade (the LoCoMo part runs in-process)."""
    role = command[command.index("--role") + 1] if "--role" in command else "chat"
    if command[1] == "use":
        memloci.models.use("gguf", path=command[2], role=role)  # type: ignore[attr-defined]
    else:
        name = command[command.index("--model") + 1] if "--model" in command else None
        memloci.models.use(  # type: ignore[attr-defined]
            "endpoint", endpoint=command[2], model_name=name, role=role
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--gguf", help="A GGUF file, or a downloaded model's name.")
    parser.add_argument("--endpoint", help="An OpenAI-compatible server's URL.")
    parser.add_argument("--endpoint-model", help="The model name the server should use.")
    parser.add_argument("--agents-gguf", help="A separate GGUF model for the memory agents.")
    parser.add_argument("--agents-endpoint", help="A separate server for the memory agents.")
    parser.add_argument("--agents-endpoint-model")
    parser.add_argument("--questions", type=int, default=30, help="LoCoMo questions (of 150).")
    parser.add_argument("--personal", type=Path, default=PERSONAL)
    parser.add_argument("--locomo", type=Path, default=LOCOMO)
    parser.add_argument("--skip-personal", action="store_true")
    parser.add_argument("--skip-locomo", action="store_true")
    parser.add_argument("--timeout", type=int, default=3600)
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    for name in ("gguf", "agents_gguf"):  # a downloaded model's name: the file in the models folder
        value = getattr(args, name)
        if value and not Path(value).exists():
            from app.llm.library import find
            from app.paths import Paths

            found = find(Paths.resolve().data / "models", value)
            if found is None:
                raise SystemExit(f"{value}: no such file, nor a downloaded model of that name.")
            setattr(args, name, str(found))
    print(f"model: {label(args)}")
    print(f"machine: {machine()}")
    rows = []
    if not args.skip_personal:
        result = personal(args)
        print(f"personal: {result['summary']}")
        rows.append(
            f"| personal (agents on) | {result['typed']} = {result['typed_recall']:.0%} | "
            f"ask {result['ask']}, grounded {result['grounded']:.0%} | agents+import "
            f"{result['agents_s']:.0f} s, ask {result['ask_s']:.1f} s each |"
        )
    if not args.skip_locomo:
        result = locomo(args)
        rows.append(
            f"| LoCoMo conv-26 QA ({result['questions']} q) | - | F1 {result['f1']:.2f}, "
            f"contains {result['contains']:.0%}, grounded {result['grounded']:.0%} | "
            f"{result['s_per_answer']:.1f} s per answer, {result['tokens_per_s']:.1f} tokens/s, "
            f"load {result['load_s']:.1f} s |"
        )
    print()
    print(f"| {label(args)} | typed-memory recall | answers | speed |")
    print("|---|---|---|---|")
    for row in rows:
        print(row)


if __name__ == "__main__":
    main()
