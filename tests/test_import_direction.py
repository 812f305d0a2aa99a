"""The imports point one way, read from the source (ast): every import in kpi/, at the top of a module or
inside a function, so an import hidden in a function cannot dodge the check. Imports under
`if TYPE_CHECKING:` are left out: they never run, and a type named in both directions is no cycle.

The layering checked (README, Layout):
- no cycle between kpi modules (a package's __init__ counts as a module; importing a submodule does not
  count as importing its package's __init__, which Python runs first but which cannot import back);
- nothing in kpi/ outside kpi/ui imports streamlit;
- kpi.models and kpi.db import nothing from kpi above them (only the leaf modules named below);
- the rules of kpi.rollup_rules, kpi.completeness and kpi.membership sit below the tables that store
  them (kpi.rollups) and the reads (kpi.queries);
- no SQL in app.py and app_pages/: no sqlalchemy, no kpi.db, no SQL text.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STORE_MAY_IMPORT = {"kpi.models": set(), "kpi.db": {"kpi.text"}}
SQL_TEXT = re.compile(r"\b(SELECT\b.+\bFROM|INSERT\s+INTO|UPDATE\b.+\bSET|DELETE\s+FROM)\b", re.I | re.S)


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _kpi_modules() -> dict[str, Path]:
    return {_module_name(path): path for path in sorted((ROOT / "kpi").rglob("*.py"))}


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    """ids of the nodes under `if TYPE_CHECKING:`."""
    hidden: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.body:
                hidden.update(id(inner) for inner in ast.walk(child))
    return hidden


def imported_names(path: Path, package: str, modules: set[str] | frozenset[str] = frozenset()) -> set[str]:
    """Every module name `path` imports at run time, absolute: `from a import b` gives a.b when that is
    one of `modules`, else a (b is a name in a)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    hidden = _type_checking_nodes(tree)
    names: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in hidden:
            continue
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, *([base] if base else [])])
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                names.add(submodule if submodule in modules or not modules else base)
    return names


def import_graph() -> dict[str, set[str]]:
    """kpi module -> the kpi modules it imports."""
    modules = _kpi_modules()
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        found = imported_names(path, package, set(modules))
        graph[name] = {target for target in found if target in modules and target != name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_graph_sees_imports_inside_functions_and_skips_type_checking_ones(tmp_path):
    source = tmp_path / "example.py"
    source.write_text(
        "from typing import TYPE_CHECKING\n"
        "import kpi.months\n"
        "if TYPE_CHECKING:\n    from kpi.reading import Reading\n"
        "def late():\n    from kpi.ui import loaders\n    from . import sibling\n",
        encoding="utf-8",
    )
    names = imported_names(source, "kpi.spc", {"kpi.months", "kpi.ui.loaders", "kpi.spc.sibling"})
    assert {"kpi.months", "kpi.ui.loaders", "kpi.spc.sibling"} <= names
    assert "kpi.reading.Reading" not in names
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_kpi_module_imports_one_that_imports_it_back():
    graph = import_graph()
    assert "kpi.rollups" in graph["kpi.queries"], "the graph must see the imports it checks"
    assert cycles(graph) == []


def test_nothing_outside_kpi_ui_imports_streamlit():
    offenders = [
        name
        for name, path in _kpi_modules().items()
        if not (name == "kpi.ui" or name.startswith("kpi.ui."))
        and any(n == "streamlit" or n.startswith("streamlit.") for n in imported_names(path, name))
    ]
    assert offenders == []


def test_the_store_imports_nothing_above_it():
    graph = import_graph()
    for module, allowed in STORE_MAY_IMPORT.items():
        assert graph[module] <= allowed, f"{module} imports {sorted(graph[module] - allowed)}"


def test_the_rules_sit_below_the_tables_and_the_reads():
    graph = import_graph()

    def reaches(start: str) -> set[str]:
        seen, todo = set(), [start]
        while todo:
            for target in graph[todo.pop()] - seen:
                seen.add(target)
                todo.append(target)
        return seen

    for rules in ("kpi.rollup_rules", "kpi.completeness", "kpi.membership"):
        assert not reaches(rules) & {"kpi.rollups", "kpi.queries"}, rules
    assert "kpi.rollup_rules" in reaches("kpi.rollups")
    assert "kpi.rollups" in reaches("kpi.queries")


def test_no_sql_in_the_pages():
    for path in [ROOT / "app.py", *sorted((ROOT / "app_pages").glob("*.py"))]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = imported_names(path, "app_pages")
        assert not {n for n in names if n.split(".")[0] == "sqlalchemy" or n.startswith("kpi.db")}, path.name
        strings = [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant)]
        strings = [text for text in strings if isinstance(text, str)]
        assert not [s for s in strings if SQL_TEXT.search(s)], path.name
