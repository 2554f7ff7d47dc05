"""Figures about how easy the code is to change: import cycles, deferred imports, `Any` in public
signatures, `type: ignore`, type-checker errors, lines. Prints one table.

    .venv/bin/python scripts/bench/codehealth.py [--mypy]

Cycles are strongly connected components of the module import graph (grimp, the library under
import-linter), counting every import, deferred ones included. An import is "deferred" when it
sits inside a function body; "internal" means it names an `app` module.
"""

from __future__ import annotations

import argparse
import ast
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def import_targets(node: ast.AST, module: str, is_package: bool) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom):
        if node.level:
            base = module.split(".")
            base = base if is_package else base[:-1]
            base = base[: len(base) - (node.level - 1)]
            prefix = ".".join(base + ([node.module] if node.module else []))
        else:
            prefix = node.module or ""
        return [prefix]
    return []


class Counter(ast.NodeVisitor):
    def __init__(self, module: str, is_package: bool) -> None:
        self.module, self.is_package = module, is_package
        self.depth = 0
        self.top = self.deferred = 0
        self.type_checking = 0
        self.public_any = 0
        self.public_sigs = 0

    def visit_If(self, node: ast.If) -> None:
        test = ast.unparse(node.test)
        if "TYPE_CHECKING" in test:
            self.type_checking += sum(
                1 for n in ast.walk(node) if isinstance(n, ast.Import | ast.ImportFrom)
            )
            return
        self.generic_visit(node)

    def _imp(self, node: ast.Import | ast.ImportFrom) -> None:
        targets = [t for t in import_targets(node, self.module, self.is_package) if t]
        if not any(t == "app" or t.startswith("app.") for t in targets):
            return
        if self.depth:
            self.deferred += 1
        else:
            self.top += 1

    visit_Import = _imp
    visit_ImportFrom = _imp

    def _func(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        if not node.name.startswith("_") or node.name in ("__init__", "__call__"):
            self.public_sigs += 1
            annotations = [a.annotation for a in [*node.args.args, *node.args.kwonlyargs]]
            annotations += [node.args.vararg and node.args.vararg.annotation]
            annotations += [node.args.kwarg and node.args.kwarg.annotation, node.returns]
            text = " ".join(ast.unparse(a) for a in annotations if a is not None)
            if re.search(r"\bAny\b", text):
                self.public_any += 1
        self.depth += 1
        self.generic_visit(node)
        self.depth -= 1

    visit_FunctionDef = _func
    visit_AsyncFunctionDef = _func


def cycles() -> list[list[str]]:
    import grimp

    graph = grimp.build_graph("app", cache_dir=None)
    modules = sorted(graph.modules)
    index = {m: i for i, m in enumerate(modules)}
    edges: dict[str, set[str]] = {m: set() for m in modules}
    for m in modules:
        for target in graph.find_modules_directly_imported_by(m):
            if target in index:
                edges[m].add(target)
    # Tarjan's strongly connected components, iteratively.
    sys.setrecursionlimit(10_000)
    order: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []

    def strong(v: str) -> None:
        order[v] = low[v] = len(order)
        stack.append(v)
        on.add(v)
        for w in edges[v]:
            if w not in order:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], order[w])
        if low[v] == order[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            # A package importing its own submodule (and back) is not a knot worth counting.
            if len(component) > 1:
                out.append(sorted(component))

    for m in modules:
        if m not in order:
            strong(m)
    return out


def mypy_errors() -> str:
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "app"], cwd=ROOT, capture_output=True, text=True
    )
    last = (result.stdout.strip().splitlines() or ["?"])[-1]
    return last


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mypy", action="store_true", help="also run mypy (slow)")
    args = parser.parse_args()
    files = sorted(APP.rglob("*.py"))
    lines = any_count = ignores = 0
    top = deferred = type_checking = public_any = public_sigs = 0
    for path in files:
        source = path.read_text()
        lines += source.count("\n")
        any_count += len(re.findall(r"\bAny\b", source))
        ignores += source.count("type: ignore")
        counter = Counter(module_name(path), path.name == "__init__.py")
        counter.visit(ast.parse(source))
        top += counter.top
        deferred += counter.deferred
        type_checking += counter.type_checking
        public_any += counter.public_any
        public_sigs += counter.public_sigs
    knots = cycles()
    rows = [
        ("python files in app/", len(files)),
        ("lines in app/", lines),
        ("internal imports, module level", top),
        ("internal imports, deferred into functions", deferred),
        ("deferred share", f"{deferred / max(1, top + deferred):.0%}"),
        ("imports under TYPE_CHECKING", type_checking),
        ("import cycles (SCCs of modules)", len(knots)),
        ("modules in cycles", sum(len(k) for k in knots)),
        ("`Any` occurrences", any_count),
        ("public signatures mentioning Any", f"{public_any} of {public_sigs}"),
        ("`type: ignore`", ignores),
    ]
    if args.mypy:
        rows.append(("mypy (the project's configuration)", mypy_errors()))
    width = max(len(r[0]) for r in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value}")
    for knot in knots:
        shown = ", ".join(knot[:6]) + (f", … ({len(knot)})" if len(knot) > 6 else "")
        print(f"  cycle: {shown}")


if __name__ == "__main__":
    main()
