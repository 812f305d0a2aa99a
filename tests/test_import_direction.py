"""The imports point one way, read from the source (ast): every import in kpi/, at the top of a module or
inside a function, so an import hidden in a function cannot dodge the check. Imports under
`if TYPE_CHECKING:` are left out: they never run, and a type named in both directions is no cycle.

The layering checked (README, Layout):
- no cycle between kpi modules (a package's __init__ counts as a module; importing a submodule does not
  count as importing its package's __init__, which Python runs first but which cannot import back);
- nothing in kpi/ outside kpi/ui imports streamlit;
- kpi.store.models and kpi.store.db import nothing from kpi above them (only the leaf modules named below);
- the rules of kpi.figures.rollup_rules, kpi.figures.completeness and kpi.reference.membership sit below the
tables that store
  them (kpi.figures.rollups) and the reads (kpi.figures.queries);
- no SQL in app.py and app_pages/: no sqlalchemy, no kpi.store.db, no SQL text.
- kpi/ is laid out in packages by job (README, Layout), at most 8 top-level modules, and each package
  imports only packages in lower layers (LAYERS, bottom first); two packages of one layer import
  neither each other; each package's docstring says what it may import, and says the same as LAYERS.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STORE_MAY_IMPORT = {"kpi.store.models": set(), "kpi.store.db": {"kpi.words.text"}}
#: kpi's packages, bottom layer first: a package may import only packages of a lower layer.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("words", "access"),
    ("store",),
    ("reference",),
    ("figures", "spc", "programme"),
    ("notes",),
    ("reading",),
    ("selection", "charts"),
    ("plan", "seed"),
    ("exports",),
    ("ingest",),
    ("cli", "ui"),
)
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
        "import kpi.words.months\n"
        "if TYPE_CHECKING:\n    from kpi.reading import Reading\n"
        "def late():\n    from kpi.ui import loaders\n    from . import sibling\n",
        encoding="utf-8",
    )
    names = imported_names(source, "kpi.spc", {"kpi.words.months", "kpi.ui.loaders", "kpi.spc.sibling"})
    assert {"kpi.words.months", "kpi.ui.loaders", "kpi.spc.sibling"} <= names
    assert "kpi.reading.Reading" not in names
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_kpi_module_imports_one_that_imports_it_back():
    graph = import_graph()
    assert "kpi.figures.rollups" in graph["kpi.figures.queries"], "the graph must see the imports it checks"
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

    for rules in ("kpi.figures.rollup_rules", "kpi.figures.completeness", "kpi.reference.membership"):
        assert not reaches(rules) & {"kpi.figures.rollups", "kpi.figures.queries"}, rules
    assert "kpi.figures.rollup_rules" in reaches("kpi.figures.rollups")
    assert "kpi.figures.rollups" in reaches("kpi.figures.queries")


def test_no_sql_in_the_pages():
    for path in [ROOT / "app.py", *sorted((ROOT / "app_pages").glob("*.py"))]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = imported_names(path, "app_pages")
        pages_sql = {n for n in names if n.split(".")[0] == "sqlalchemy" or n.startswith("kpi.store.db")}
        assert not pages_sql, path.name
        strings = [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant)]
        strings = [text for text in strings if isinstance(text, str)]
        assert not [s for s in strings if SQL_TEXT.search(s)], path.name


def _layer_of(package: str) -> int:
    return next(i for i, layer in enumerate(LAYERS) if package in layer)


def test_kpi_is_packages_by_job_with_few_top_level_modules():
    top_modules = sorted(p.name for p in (ROOT / "kpi").glob("*.py"))
    packages = sorted(p.name for p in (ROOT / "kpi").iterdir() if (p / "__init__.py").exists())
    assert len(top_modules) <= 8, top_modules
    assert packages == sorted(name for layer in LAYERS for name in layer)


def test_each_package_imports_only_lower_layers():
    wrong = []
    for module, targets in import_graph().items():
        if module.count(".") < 1 or module == "kpi.__main__":
            continue
        package = module.split(".")[1]
        for target in targets:
            other = target.split(".")[1] if target.count(".") >= 1 else None
            if other and other != package and _layer_of(other) >= _layer_of(package):
                wrong.append(f"{module} imports {target}")
    assert wrong == []


def test_the_layer_check_sees_an_upward_import():
    assert _layer_of("words") < _layer_of("store") < _layer_of("figures") < _layer_of("ui")
    assert _layer_of("charts") == _layer_of("selection")  # one layer: neither may import the other


def test_each_package_docstring_names_what_it_may_import():
    for layer_index, layer in enumerate(LAYERS):
        for package in layer:
            doc = ast.get_docstring(
                ast.parse((ROOT / "kpi" / package / "__init__.py").read_text(encoding="utf-8"))
            )
            assert doc and "import" in doc.lower(), package
            named = set(re.findall(r"kpi\.([a-z_]+)", doc.split("May import", 1)[-1]))
            higher = {p for layer_above in LAYERS[layer_index:] for p in layer_above} - {package}
            assert not ("May import" in doc and named & higher), (package, named & higher)


def test_the_tests_mirror_the_packages():
    """Every test lives in the folder of the package it tests (tests/figures/ for kpi/figures/), apart
    from this file (the whole layout), the real-browser tests and the fixtures."""
    folders = {p.name for p in (ROOT / "tests").iterdir() if p.is_dir() and p.name != "__pycache__"}
    packages = {name for layer in LAYERS for name in layer}
    assert folders - {"browser", "fixtures"} <= packages
    loose = sorted(p.name for p in (ROOT / "tests").glob("test_*.py"))
    assert loose == ["test_import_direction.py"]
