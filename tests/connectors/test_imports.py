"""Connectors see only the plugin API, as Connect's plugins see only connect-api."""

import ast
from pathlib import Path

import connectors

ALLOWED_ENGINE_MODULES = ("engine.api",)


def engine_imports(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        found += [n for n in names if n == "engine" or n.startswith("engine.")]
    return found


def test_connectors_import_only_engine_api() -> None:
    root = Path(connectors.__file__).parent
    modules = sorted(root.rglob("*.py"))
    assert len(modules) > 3  # the bundled connectors are really there
    offending = {
        str(p.relative_to(root)): bad
        for p in modules
        if (bad := [n for n in engine_imports(p) if not n.startswith(ALLOWED_ENGINE_MODULES)])
    }
    assert offending == {}


def test_the_check_sees_a_forbidden_import(tmp_path: Path) -> None:
    sample = tmp_path / "bad.py"
    sample.write_text("from engine.worker import Worker\nimport engine.api.schema\n")
    assert engine_imports(sample) == ["engine.worker", "engine.api.schema"]
