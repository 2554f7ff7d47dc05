"""JSON schemas for model output, made from pydantic models.

The schema is both the grammar the model is held to (llama.cpp turns it into GBNF; servers take
it as `response_format`) and the contract the output is validated against. Every string has a
`maxLength` and every list a `maxItems`: a small model that starts to loop runs into the bound
instead of filling the context.
"""

from __future__ import annotations

import copy
from typing import Any

from pydantic import BaseModel

_DROP = ("title", "default", "description", "examples")


def json_schema_for(model: type[BaseModel]) -> dict[str, Any]:
    """A self-contained, strict schema: refs inlined, every property required, no extras."""
    raw = model.model_json_schema()
    defs = raw.pop("$defs", {})

    def walk(node: Any) -> Any:
        if isinstance(node, list):
            return [walk(item) for item in node]
        if not isinstance(node, dict):
            return node
        if "$ref" in node:
            target = defs[node["$ref"].rsplit("/", 1)[-1]]
            return walk(copy.deepcopy(target))
        out = {k: walk(v) for k, v in node.items() if k not in _DROP}
        if out.get("type") == "object" and "properties" in out:
            out["required"] = list(out["properties"])
            out["additionalProperties"] = False
        return out

    schema = walk(raw)
    check_bounded(schema)
    return schema


def check_bounded(schema: dict[str, Any], where: str = "$") -> None:
    """Refuse a schema with an unbounded string or list: that is how small models loop."""
    kind = schema.get("type")
    if "enum" in schema or "const" in schema:
        return
    if kind == "string" and "maxLength" not in schema:
        raise ValueError(f"{where}: string without maxLength")
    if kind == "array":
        if "maxItems" not in schema:
            raise ValueError(f"{where}: array without maxItems")
        check_bounded(schema.get("items", {}), where + "[]")
    for name, sub in (schema.get("properties") or {}).items():
        check_bounded(sub, f"{where}.{name}")
    for key in ("anyOf", "oneOf", "allOf"):
        for n, sub in enumerate(schema.get(key) or []):
            check_bounded(sub, f"{where}.{key}[{n}]")
