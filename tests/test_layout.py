"""The package's shape holds: the Twilio edge knows nothing of the call, stages do not import
each other, and no two modules import each other (directly or around a loop)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

pytestmark = pytest.mark.fast

PACKAGE = Path(__file__).resolve().parent.parent / "voicebot"
# What the Twilio edge may not know: the call, the stages, the pages, the app that wires them.
NOT_FOR_TELEPHONY = (
    "voicebot.call", "voicebot.dialogue", "voicebot.asr", "voicebot.tts", "voicebot.handoff",
    "voicebot.app", "voicebot.services", "voicebot.chat", "voicebot.ops", "voicebot.metrics.page",
)  # fmt: skip
STAGES = ("voicebot.asr", "voicebot.tts", "voicebot.dialogue")


def _module(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """voicebot modules imported by a file (at any depth), except those only for type checks."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            typing_only.update(id(n) for n in ast.walk(node))
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("voicebot"))
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("voicebot"):
            assert node.module is not None
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names)
    return found


GRAPH = {_module(p): _imports(p) for p in PACKAGE.rglob("*.py")}


def _resolve(name: str) -> str | None:
    """The module an imported name lives in (a name imported from a module is that module)."""
    while name and name not in GRAPH:
        name = name.rpartition(".")[0]
    return name or None


EDGES = {m: {r for n in names if (r := _resolve(n)) and r != m} for m, names in GRAPH.items()}


def test_the_twilio_edge_knows_nothing_of_the_call() -> None:
    for module, targets in EDGES.items():
        if module.startswith("voicebot.telephony") and not module.endswith("fake_cloud"):
            bad = sorted(t for t in targets if t.startswith(NOT_FOR_TELEPHONY))
            assert not bad, f"{module} imports {bad}"


def test_stages_do_not_import_each_other() -> None:
    for module, targets in EDGES.items():
        mine = next((s for s in STAGES if module.startswith(s)), None)
        if mine is None:
            continue
        bad = sorted(t for t in targets for s in STAGES if s != mine and t.startswith(s))
        assert not bad, f"{module} imports {bad}"


def test_no_import_cycle() -> None:
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(module: str) -> None:
        state[module] = 1
        path.append(module)
        for target in sorted(EDGES.get(module, ())):
            if state.get(target) == 1:
                loop = [*path[path.index(target) :], target]
                raise AssertionError("import cycle: " + " -> ".join(loop))
            if target not in state:
                visit(target)
        path.pop()
        state[module] = 2

    for module in sorted(EDGES):
        if module not in state:
            visit(module)
