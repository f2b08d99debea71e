"""`voicebot config check FILE`: every error of a config file with its path, line and a hint."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from voicebot.config import load_settings

HINTS = {
    "extra_forbidden": "unknown key: check its spelling and section (see voicebot/defaults.yaml)",
    "missing": "this key is required",
    "greater_than_equal": "the value is too small",
    "less_than_equal": "the value is too large",
    "greater_than": "the value must be larger",
    "literal_error": "use one of the listed values",
    "int_parsing": "write a whole number",
    "float_parsing": "write a number",
    "bool_parsing": "write true or false",
    "string_pattern_mismatch": "the text does not have the expected form",
    "value_error": "the message says what is accepted",
}


def _line_of(node: yaml.Node | None, path: tuple[Any, ...]) -> int | None:
    """1-based line of the YAML node at `path` (or of its closest parent)."""
    line = None
    for key in path:
        if node is None:
            break
        line = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            node = next((v for k, v in node.value if k.value == key), None)
            if node is None:  # a missing or unknown key: point at the key itself
                break
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
        else:
            break
    if node is not None:
        line = node.start_mark.line + 1
    return line


def check(path: Path) -> list[str]:
    """Problems in a config file, one line each; empty when it loads."""
    try:
        text = path.read_text(encoding="utf-8")
        root = yaml.compose(text)
    except OSError as exc:
        return [f"{path}: cannot read: {exc.strerror}"]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        return [f"{where}: not valid YAML: {getattr(exc, 'problem', exc)}"]
    try:
        load_settings(path, environ={})
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = tuple(err["loc"])
            dotted = ".".join(str(p) for p in loc)
            line = _line_of(root, loc)
            where = f"{path}:{line}" if line else str(path)
            hint = HINTS.get(err["type"], "")
            text = f"{where}: {dotted}: {err['msg']}" + (f" (hint: {hint})" if hint else "")
            problems.append((line or 0, text))
        return [text for _line, text in sorted(problems, key=lambda p: p[0])]  # file order
    except ValueError as exc:
        return [f"{path}: {exc}"]
    return []
