"""Layering: the IR imports no parser and no solver; only validator/ imports z3; only translators/ imports the parsers."""
import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "portproof"
MODULES = sorted(PACKAGE.rglob("*.py"))


def imported(path: Path) -> set[str]:
    """Top-level names of the modules `path` imports directly (anywhere in the file, not only at the top)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", None)) in (
                "import_module", "__import__") and node.args and isinstance(node.args[0], ast.Constant):
            names.add(str(node.args[0].value).split(".")[0])
    return names


def portproof_imports(path: Path) -> set[str]:
    """Subpackages of portproof that `path` imports directly (`portproof.ir`, ... or relative)."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            parts = node.module.split(".")
            if parts[0] == "portproof" and len(parts) > 1:
                out.add(parts[1])
            elif parts[0] == "portproof":
                out.update(a.name for a in node.names)
        elif isinstance(node, ast.Import):
            out.update(a.name.split(".")[1] for a in node.names if a.name.startswith("portproof."))
    return out


def part(path: Path) -> str:
    rel = path.relative_to(PACKAGE).parts
    return rel[0] if len(rel) > 1 else rel[0].removesuffix(".py")


def rel(path: Path) -> str:
    return str(path.relative_to(PACKAGE.parent))


def test_modules_found():
    assert {"ir", "translators", "validator"} <= {part(p) for p in MODULES}
    assert len(MODULES) > 20


@pytest.mark.parametrize("path", [p for p in MODULES if part(p) == "ir"], ids=rel)
def test_ir_imports_no_parser_and_no_solver(path):
    assert not imported(path) & {"z3", "pycparser", "tree_sitter", "tree_sitter_cuda", "sympy"}


@pytest.mark.parametrize("path", [p for p in MODULES if part(p) == "ir"], ids=rel)
def test_ir_imports_nothing_above_it(path):
    assert not portproof_imports(path) & {"translators", "validator"}


def test_only_validator_imports_z3():
    offenders = [rel(p) for p in MODULES if "z3" in imported(p) and part(p) != "validator"]
    assert offenders == []


def test_only_translators_import_parsers():
    parsers = {"pycparser", "tree_sitter", "tree_sitter_cuda"}
    offenders = [rel(p) for p in MODULES if imported(p) & parsers and part(p) != "translators"]
    assert offenders == []


def test_the_checker_sees_forbidden_imports(tmp_path):
    """The import scan itself: direct, from-, in-function and importlib imports are all seen."""
    probe = tmp_path / "probe.py"
    probe.write_text("import z3.z3util\nfrom pycparser import c_ast\n"
                     "def f():\n    import tree_sitter\n    importlib.import_module('sympy')\n"
                     "from . import sibling\n")
    assert imported(probe) == {"z3", "pycparser", "tree_sitter", "sympy"}
