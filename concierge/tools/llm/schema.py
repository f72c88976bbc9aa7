"""The tool schema a structured call binds, built once per output model and kept small.

The schema is sent with every call and counted as input tokens, so titles, defaults, `$ref`
indirection and `null` variants (an optional field is simply left out) are dropped; field
descriptions stay, as they are part of the prompt.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from pydantic import BaseModel

_DROP = {"title", "default"}


def _compact(node: Any, defs: dict[str, Any]) -> Any:
    if isinstance(node, list):
        return [_compact(n, defs) for n in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:  # a nested model: its fields, without its docstring
        target = {k: v for k, v in defs[node["$ref"].rsplit("/", 1)[-1]].items() if k != "description"}
        return _compact(target, defs)
    if "anyOf" in node:
        variants = [v for v in node["anyOf"] if v != {"type": "null"}]
        if len(variants) == 1:  # Optional[X]: X, and the field is not required
            rest = {k: v for k, v in node.items() if k not in _DROP and k != "anyOf"}
            return {**_compact(variants[0], defs), **rest}
    return {k: _compact(v, defs) if k not in ("properties", "enum") else
            ({p: _compact(s, defs) for p, s in v.items()} if k == "properties" else v)
            for k, v in node.items() if k not in _DROP and k != "$defs"}


@lru_cache(maxsize=None)
def _tool(schema: type[BaseModel]) -> dict[str, Any]:
    raw = schema.model_json_schema()
    params = _compact(raw, raw.get("$defs", {}))
    params.pop("description", None)
    return {"type": "function", "function": {"name": schema.__name__, "description": (schema.__doc__ or "").strip(),
                                             "parameters": params}}


def tool_for(schema: type[BaseModel]) -> dict[str, Any]:
    """The OpenAI-format tool for `schema` (cached; callers must not change it)."""
    return _tool(schema)
