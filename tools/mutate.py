"""Sampled, seeded mutation testing of the rules that must not break silently (issue 27).

For each group of modules (roll-up rules, SPC, plan model, ingest checks, auth, deployment) it lists every
place one of these small changes can be made, draws N of them with a seed, and for each one runs that
group's tests against a copy of the repository holding the changed module:

- comparison swaps: < and <=, > and >=, == and !=, `is` and `is not`, `in` and `not in`;
- boolean `and` and `or`; arithmetic + and -;
- a number constant plus or minus 1;
- `return x` as `return not x` (when x reads as a truth value) or `return None`;
- an `if ...: raise` check deleted (its `else`, if any, kept).

A mutant is killed when the tests fail, survives when they pass, and times out when they take more than
three times as long as on the unchanged code (plus 30 s). Survivors are listed with file:line, the line
and the change, for a human to judge whether the mutant is equivalent (behaves the same as the code).

The working tree is never changed: the tracked and new files (git ls-files) are copied to a temporary
directory, and each mutant is written there, tested, and the original put back. Python is told not to
write bytecode, so a restored module is never read from a stale cache. Tests run on SQLite only.

Usage (from the repository root; about 10 to 40 s a mutant on a quiet 2-core machine):

    nice -n 10 .venv/bin/python tools/mutate.py --seed 27 --per-group 25
    .venv/bin/python tools/mutate.py --group auth --per-group 10     # one group
    .venv/bin/python tools/mutate.py --list                           # count the sites, run nothing
    .venv/bin/python tools/mutate.py --json after.json --rerun before.json   # test the survivors again
    .venv/bin/python tools/mutate.py --tests-from main    # the same mutants against main's tests

Standard library only (ast): mutmut and cosmic-ray mutate in place or need their own session files and
configuration, and neither samples per module with a seed and a per-module test map as simply.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# The functions of kpi/figures/queries.py that apply the membership and merger rules (the rest of it is
# reads).
QUERIES_MEMBERSHIP = (
    "_observations",
    "_reporting_codes",
    "_trust_months",
    "_system_rows",
    "rollup_rows",
    "_rollup",
    "_series_query",
)


@dataclass(frozen=True)
class Group:
    """Modules mutated together and the tests that must catch them: kept small, so a run takes seconds.
    `files`: path, or (path, functions) to mutate only inside those top-level functions."""

    files: tuple[str | tuple[str, tuple[str, ...]], ...]
    tests: tuple[str, ...]


GROUPS: dict[str, Group] = {
    "rollups": Group(
        files=(
            "kpi/figures/rollups.py",
            "kpi/figures/completeness.py",
            "kpi/reference/membership.py",
            ("kpi/figures/queries.py", QUERIES_MEMBERSHIP),
        ),
        tests=(
            "tests/reference/test_membership_rule.py",
            "tests/reference/test_membership_months.py",
            "tests/figures/test_completeness_system_figure.py",
            "tests/figures/test_rollups_lock.py",
            "tests/figures/test_rollup_rules.py",
            "tests/figures/test_completeness.py",
            "tests/figures/test_freshness.py::test_due_dates_and_the_month_due_by_today_agree",
        ),
    ),
    "spc": Group(
        files=tuple(f"kpi/spc/{p.name}" for p in sorted((ROOT / "kpi" / "spc").glob("*.py"))),
        tests=(
            "tests/spc/test_spc_targets.py",
            "tests/spc/test_spc_edges.py",
            "tests/spc/test_spc_settings.py",
            "tests/spc/test_spc_rules.py",
            "tests/spc/test_spc_suggestions.py",
            "tests/spc/test_spc.py",
        ),
    ),
    "plan": Group(
        files=("kpi/plan/model.py",),
        tests=(
            "tests/plan/test_plan_percentiles.py",
            "tests/plan/test_plan_rules.py",
            "tests/plan/test_plan_model.py",
        ),
    ),
    "ingest": Group(
        files=("kpi/ingest/checks.py", "kpi/ingest/validation.py"),
        tests=(
            "tests/ingest/test_ingest_headings.py",
            "tests/ingest/test_ingest_progress.py",
            "tests/ingest/test_validation_rules.py",
            "tests/ingest/test_ingest.py::test_bad_file_reports_every_problem_and_writes_nothing",
            "tests/ingest/test_ingest.py::test_progress_is_reported_for_validation_planning_and_writing",
        ),
    ),
    "auth": Group(
        files=("kpi/access/auth.py",), tests=("tests/access/test_auth.py", "tests/access/test_deployment.py")
    ),
    "deployment": Group(
        files=("kpi/access/deployment.py",),
        tests=("tests/access/test_deployment_edges.py", "tests/access/test_deployment.py"),
    ),
}

# Mutants judged equivalent (no input can tell them from the code), by (path, change as printed), with
# why. Judged by reading the code; a test cannot kill them. Keep each reason short and checkable.
_KEPT = "kept = np.where(m > 0, (1 - stay**months) / np.where(m > 0, m, 1), months)"
_PLACES = "places = np.where(yield_now > 0, joiners / np.where(yield_now > 0, yield_now, 1), np.nan)"
_NO_LIMITS = "NO_LIMITS = Limits(math.nan, math.nan, math.nan, math.nan, math.nan, math.nan, 0)"
_SYNTHETIC = 'case((_b.c.is_synthetic, 1), else_=0).label("synthetic"),'
_DETERMINISTIC = "supply = _simulate(a, zeros, np.zeros((len(INFLOWS), *zeros.shape)), months)[:, :, 0]"
EQUIVALENT: dict[tuple[str, str], str] = {
    (
        "kpi/plan/model.py",
        f"0 -> -1  at col 87  |  {_DETERMINISTIC}",
    ): "the runs axis has length 1: 0 and -1 are the same run",
    (
        "kpi/plan/model.py",
        f"1 -> 2  at col 67  |  {_KEPT}",
    ): "the divisor where m == 0, whose quotient np.where replaces by months",
    (
        "kpi/plan/model.py",
        f"1 -> 0  at col 67  |  {_KEPT}",
    ): "the divisor where m == 0, whose quotient np.where replaces by months",
    ("kpi/plan/model.py", f"1 -> 2  at col 82  |  {_PLACES}"): (
        "the divisor where the training yield is 0, whose quotient np.where discards"
    ),
    ("kpi/spc/limits.py", f"0 -> 1  at col 79  |  {_NO_LIMITS}"): (
        "screening is counted and reported only on XmR charts, which never use NO_LIMITS (run, trend)"
    ),
    ("kpi/spc/limits.py", f"0 -> -1  at col 79  |  {_NO_LIMITS}"): (
        "screening is counted and reported only on XmR charts, which never use NO_LIMITS (run, trend)"
    ),
    ("kpi/figures/queries.py", f"1 -> 2  at col 37  |  {_SYNTHETIC}"): (
        "the flag is only max()ed and read as bool (queries._typed, reading, plan inputs): 2 is true as 1"
    ),
    (
        "kpi/figures/completeness.py",
        '0 -> -1  at col 45  |  out["expected"] = out["expected"].fillna(0).astype(int)',
    ): ("unreachable: every system or collaborative series month has its counts row (same reports, spans)"),
}

COMPARE_SWAPS: dict[type, type] = {
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
}
SYMBOL: dict[type, str] = {
    ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!=",
    ast.Is: "is", ast.IsNot: "is not", ast.In: "in", ast.NotIn: "not in",
    ast.And: "and", ast.Or: "or", ast.Add: "+", ast.Sub: "-",
}  # fmt: skip


@dataclass(frozen=True)
class Site:
    """One mutant: the n-th node visited in `path` (in ast.walk order, skipping nothing), what to do to
    it, and where it is for a human."""

    path: str
    node_index: int
    operator: str  # compare, boolop, binop, const+1, const-1, return-not, return-none, delete-raise
    sub: int  # which comparison of a chain (a < b <= c)
    line: int
    change: str  # what changes, the column and the line as written: "< -> <=  at col 12  |  if a < b:"


@dataclass
class Outcome:
    site: Site
    status: str  # killed, survived, equivalent, timeout
    seconds: float


@dataclass
class GroupResult:
    name: str
    sites: int
    outcomes: list[Outcome] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for outcome in self.outcomes if outcome.status == status)


# --- finding the sites -------------------------------------------------------------------------------


def _skipped_nodes(tree: ast.Module) -> set[int]:
    """ids of nodes not to mutate: docstrings, annotations, `__all__`, and everything under them."""
    skipped: set[int] = set()

    def skip(node: ast.AST | None) -> None:
        if node is not None:
            skipped.update(id(child) for child in ast.walk(node))

    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        first = body[0] if isinstance(body, list) and body else None
        if (
            isinstance(first, ast.Expr)
            and isinstance(first.value, ast.Constant)
            and isinstance(first.value.value, str)
        ):
            skip(first)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            skip(node.returns)
            for arg in [*node.args.args, *node.args.kwonlyargs, *node.args.posonlyargs]:
                skip(arg.annotation)
            skip(node.args.vararg and node.args.vararg.annotation)
            skip(node.args.kwarg and node.args.kwarg.annotation)
        if isinstance(node, ast.AnnAssign):
            skip(node.annotation)
        if isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == "__all__" for target in node.targets
        ):
            skip(node)
    return skipped


def _inside(tree: ast.Module, functions: tuple[str, ...] | None) -> set[int] | None:
    """ids of the nodes inside the named top-level functions (None: the whole module)."""
    if functions is None:
        return None
    chosen = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name in functions]
    return {id(child) for function in chosen for child in ast.walk(function)}


def _reads_as_truth(value: ast.expr, function: ast.FunctionDef | None) -> bool:
    if isinstance(value, (ast.Compare, ast.BoolOp)) or (
        isinstance(value, ast.UnaryOp) and isinstance(value.op, ast.Not)
    ):
        return True
    if isinstance(value, ast.Constant) and isinstance(value.value, bool):
        return True
    returns = function.returns if function else None
    return isinstance(returns, ast.Name) and returns.id == "bool"


def _raises(node: ast.If) -> bool:
    return bool(node.body) and isinstance(node.body[-1], ast.Raise)


def _owners(tree: ast.Module) -> dict[int, ast.FunctionDef]:
    """The function each node is in (the innermost: ast.walk meets outer functions first)."""
    owners: dict[int, ast.FunctionDef] = {}
    for function in ast.walk(tree):
        if isinstance(function, ast.FunctionDef):
            for child in ast.walk(function):
                owners[id(child)] = function
    return owners


def sites_in(path: str, functions: tuple[str, ...] | None = None) -> list[Site]:
    """Every mutant of the module at `path` (relative to the repository)."""
    source = (ROOT / path).read_text(encoding="utf-8")
    tree = ast.parse(source)
    lines = source.splitlines()
    skipped, inside, owners = _skipped_nodes(tree), _inside(tree, functions), _owners(tree)
    found: list[Site] = []

    cols: dict[Site, int] = {}

    def add(index: int, node: ast.AST, operator: str, change: str, sub: int = 0) -> None:
        site = Site(path, index, operator, sub, getattr(node, "lineno", 0), change)
        found.append(site)
        cols[site] = getattr(node, "col_offset", 0)

    for index, node in enumerate(ast.walk(tree)):
        if id(node) in skipped or (inside is not None and id(node) not in inside):
            continue
        if isinstance(node, ast.Compare):
            for sub, op in enumerate(node.ops):
                swap = COMPARE_SWAPS.get(type(op))
                if swap:
                    add(index, node, "compare", f"{SYMBOL[type(op)]} -> {SYMBOL[swap]}", sub)
        elif isinstance(node, ast.BoolOp):
            flipped: type = ast.Or if isinstance(node.op, ast.And) else ast.And
            add(index, node, "boolop", f"{SYMBOL[type(node.op)]} -> {SYMBOL[flipped]}")
        elif isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub)):
            if not _is_text(node):
                swapped: type = ast.Sub if isinstance(node.op, ast.Add) else ast.Add
                add(index, node, "binop", f"{SYMBOL[type(node.op)]} -> {SYMBOL[swapped]}")
        elif isinstance(node, ast.Constant) and _is_number(node.value):
            number = _number(node.value)
            add(index, node, "const+1", f"{number!r} -> {number + 1!r}")
            add(index, node, "const-1", f"{number!r} -> {number - 1!r}")
        elif isinstance(node, ast.Return) and node.value is not None:
            if _reads_as_truth(node.value, owners.get(id(node))):
                add(index, node, "return-not", "return x -> return not x")
            elif not (isinstance(node.value, ast.Constant) and node.value.value is None):
                add(index, node, "return-none", "return x -> return None")
        elif isinstance(node, ast.If) and _raises(node):
            add(index, node, "delete-raise", "if ...: raise deleted")
    return [
        replace(site, change=f"{site.change}  at col {cols[site]}  |  {_line(lines, site.line)}")
        for site in found
    ]


def _line(lines: list[str], number: int) -> str:
    return lines[number - 1].strip() if 0 < number <= len(lines) else ""


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _number(value: object) -> int | float:
    assert isinstance(value, (int, float))
    return value


def _is_text(node: ast.BinOp) -> bool:
    """+ between string literals or f-strings: swapping it only makes a TypeError, not a mutant."""
    return any(
        isinstance(side, ast.JoinedStr) or (isinstance(side, ast.Constant) and isinstance(side.value, str))
        for side in (node.left, node.right)
    )


# --- making a mutant ---------------------------------------------------------------------------------


class _Mutator(ast.NodeTransformer):
    def __init__(self, site: Site, targets: dict[int, int]) -> None:
        self.site, self.targets, self.done = site, targets, False

    def visit(self, node: ast.AST) -> ast.AST | list[ast.stmt] | None:
        if self.targets.get(id(node)) == self.site.node_index:
            self.done = True
            return self._mutate(node)
        return super().visit(node)

    def _mutate(self, node: ast.AST) -> ast.AST | list[ast.stmt]:
        operator = self.site.operator
        if operator == "compare":
            assert isinstance(node, ast.Compare)
            node.ops[self.site.sub] = COMPARE_SWAPS[type(node.ops[self.site.sub])]()
        elif operator == "boolop":
            assert isinstance(node, ast.BoolOp)
            node.op = ast.Or() if isinstance(node.op, ast.And) else ast.And()
        elif operator == "binop":
            assert isinstance(node, ast.BinOp)
            node.op = ast.Sub() if isinstance(node.op, ast.Add) else ast.Add()
        elif operator in ("const+1", "const-1"):
            assert isinstance(node, ast.Constant)
            node.value = _number(node.value) + (1 if operator == "const+1" else -1)
        elif operator == "return-not":
            assert isinstance(node, ast.Return) and node.value is not None
            node.value = ast.UnaryOp(op=ast.Not(), operand=node.value)
        elif operator == "return-none":
            assert isinstance(node, ast.Return)
            node.value = ast.Constant(value=None)
        elif operator == "delete-raise":
            assert isinstance(node, ast.If)
            return node.orelse or [ast.Pass()]
        return node


def mutated_source(site: Site) -> str:
    tree = ast.parse((ROOT / site.path).read_text(encoding="utf-8"))
    targets = {id(node): index for index, node in enumerate(ast.walk(tree))}
    mutator = _Mutator(site, targets)
    mutated = mutator.visit(tree)
    if not mutator.done or not isinstance(mutated, ast.Module):
        raise RuntimeError(f"site not found: {site}")
    return ast.unparse(ast.fix_missing_locations(mutated)) + "\n"


# --- running -----------------------------------------------------------------------------------------


def copy_repository(into: Path) -> None:
    """The tracked files and new, not ignored ones, as they are in the working tree."""
    listed = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard", "-z"],
        cwd=ROOT, check=True, capture_output=True,
    ).stdout.decode().split("\0")  # fmt: skip
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file() and not source.is_symlink():
            target = into / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)


def tests_from(ref: str, into: Path) -> None:
    """Replace the copy's tests/ by those of the git commit `ref` (to measure the tests as they were)."""
    shutil.rmtree(into / "tests")
    archive = subprocess.run(
        ["git", "archive", ref, "tests"], cwd=ROOT, check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)


def present(group: Group, copy_root: Path) -> Group:
    """The group with only the test files that exist in the copy."""
    kept = tuple(t for t in group.tests if (copy_root / t.split("::")[0]).is_file())
    return replace(group, tests=kept)


def run_tests(copy_root: Path, tests: tuple[str, ...], timeout: float) -> tuple[str, float]:
    """('passed' | 'failed' | 'timeout', wall seconds) for the tests in the copy."""
    env = {k: v for k, v in os.environ.items() if k != "KPI_TEST_POSTGRES_URL"}
    env.update(PYTHONDONTWRITEBYTECODE="1", PYTHONHASHSEED="0")
    command = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:randomly", "-p", "no:cacheprovider"]
    started = time.monotonic()
    process = subprocess.Popen(
        [*command, *tests], cwd=copy_root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip
    try:
        code = process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        return "timeout", time.monotonic() - started
    return ("passed" if code == 0 else "failed"), time.monotonic() - started


def group_sites(group: Group) -> list[Site]:
    found: list[Site] = []
    for entry in group.files:
        path, functions = (entry, None) if isinstance(entry, str) else entry
        found.extend(sites_in(path, functions))
    return found


def sample(sites: list[Site], n: int, seed: int, name: str) -> list[Site]:
    chosen = random.Random(f"{seed}:{name}").sample(sites, min(n, len(sites)))
    return sorted(chosen, key=lambda s: (s.path, s.line, s.node_index, s.operator, s.sub))


def run_group(
    name: str, group: Group, chosen: list[Site], copy_root: Path, log, known: dict[Site, str] | None = None
) -> GroupResult:
    """Test each chosen mutant; `known`: verdicts to keep from an earlier run (killed, timeout)."""
    result = GroupResult(name, len(group_sites(group)))
    status, baseline = run_tests(copy_root, group.tests, timeout=1800)
    if status != "passed":
        raise SystemExit(f"{name}: the tests fail on the unchanged code; fix them first.")
    timeout = 3 * baseline + 30
    log(f"{name}: {result.sites} sites, {len(chosen)} sampled; tests take {baseline:.0f} s unchanged")
    for site in chosen:
        if known and known.get(site) in ("killed", "timeout"):
            result.outcomes.append(Outcome(site, known[site], 0.0))
            continue
        target = copy_root / site.path
        original = target.read_bytes()
        try:
            target.write_text(mutated_source(site), encoding="utf-8")
            status, seconds = run_tests(copy_root, group.tests, timeout)
        finally:
            target.write_bytes(original)
        verdict = {"passed": "survived", "failed": "killed"}.get(status, status)
        if verdict == "survived" and equivalence(site):
            verdict = "equivalent"
        result.outcomes.append(Outcome(site, verdict, seconds))
        log(f"  {verdict:10} {site.path}:{site.line} {site.change}  ({seconds:.0f} s)")
    return result


def equivalence(site: Site) -> str | None:
    """Why a mutant cannot change behaviour, if it was judged so (EQUIVALENT), else None."""
    return EQUIVALENT.get((site.path, site.change))


def earlier(path: Path) -> dict[str, tuple[list[Site], dict[Site, str]]]:
    """group -> (the mutants of an earlier --json, their verdicts), to test the survivors again. Each is
    found again among the current sites (same module, node, operator), so its text is today's."""
    loaded: dict[str, tuple[list[Site], dict[Site, str]]] = {}
    for group in json.loads(path.read_text(encoding="utf-8")):
        current = {(s.path, s.node_index, s.operator, s.sub): s for s in group_sites(GROUPS[group["group"]])}
        sites, verdicts = [], {}
        for row in group["outcomes"]:
            site = current[(row["path"], row["node_index"], row["operator"], row["sub"])]
            sites.append(site)
            verdicts[site] = row["status"]
        loaded[group["group"]] = (sites, verdicts)
    return loaded


# --- reporting ---------------------------------------------------------------------------------------


def table(results: list[GroupResult]) -> str:
    """Per group: the sites, the sample and its verdicts; killed % is of the non-equivalent mutants
    (a timeout counts as killed: the mutant made the tests hang)."""
    rows = [
        "| group | sites | sampled | killed | timeout | survived | equivalent | killed % of non-equivalent |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    total = caught_all = 0
    for r in results:
        counted = len(r.outcomes) - r.count("equivalent")
        caught = r.count("killed") + r.count("timeout")
        total, caught_all = total + counted, caught_all + caught
        rate = f"{100 * caught / counted:.0f}" if counted else "-"
        rows.append(
            f"| {r.name} | {r.sites} | {len(r.outcomes)} | {r.count('killed')} | {r.count('timeout')} "
            f"| {r.count('survived')} | {r.count('equivalent')} | {rate} |"
        )
    if total:
        rows.append(f"| **all** | | | | | | | **{100 * caught_all / total:.0f}** |")
    return "\n".join(rows)


def survivors(results: list[GroupResult]) -> Iterator[str]:
    for r in results:
        for outcome in r.outcomes:
            s = outcome.site
            if outcome.status == "survived":
                yield f"survived    {r.name}: {s.path}:{s.line} [{s.operator}] {s.change}"
            elif outcome.status == "equivalent":
                yield f"equivalent  {r.name}: {s.path}:{s.line} [{s.operator}] {s.change}"
                yield f"    ({equivalence(s)})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=27)
    parser.add_argument("--per-group", type=int, default=25, help="mutants sampled per group")
    parser.add_argument("--group", action="append", choices=sorted(GROUPS), help="only these groups")
    parser.add_argument("--list", action="store_true", help="count the sites per group and stop")
    parser.add_argument("--json", type=Path, help="write every outcome to this file")
    parser.add_argument(
        "--rerun", type=Path, help="an earlier --json: test its survivors again, keep its killed mutants"
    )
    parser.add_argument(
        "--tests-from", metavar="REF", help="run the tests of this git commit (e.g. main) on the same mutants"
    )
    parser.add_argument(
        "--report", type=Path, help="an earlier --json: print its table (survivors judged by EQUIVALENT now)"
    )
    args = parser.parse_args(argv)
    names = args.group or list(GROUPS)
    if args.report:
        judged: list[GroupResult] = []
        for name, (chosen, verdicts) in earlier(args.report).items():
            result = GroupResult(name, len(group_sites(GROUPS[name])))
            for site in chosen:
                verdict = verdicts[site]
                if verdict == "survived" and equivalence(site):
                    verdict = "equivalent"
                result.outcomes.append(Outcome(site, verdict, 0.0))
            judged.append(result)
        print(table(judged))
        print("\n".join(survivors(judged)))
        return 0
    if args.list:
        for name in names:
            print(f"{name}: {len(group_sites(GROUPS[name]))} sites")
        return 0

    def log(line: str) -> None:
        print(line, flush=True)

    results: list[GroupResult] = []
    with tempfile.TemporaryDirectory(prefix="kpi-mutate-") as temp:
        copy_root = Path(temp)
        copy_repository(copy_root)
        how = (
            f"the mutants of {args.rerun}" if args.rerun else f"seed {args.seed}, {args.per_group} per group"
        )
        log(f"{how}, copy in {copy_root}")
        if args.tests_from:
            tests_from(args.tests_from, copy_root)
            log(f"tests as at {args.tests_from}")
        before = earlier(args.rerun) if args.rerun else {}
        for name in names:
            group = present(GROUPS[name], copy_root)
            if name in before:
                chosen, known = before[name]
                results.append(run_group(name, group, chosen, copy_root, log, known))
            else:
                chosen = sample(group_sites(group), args.per_group, args.seed, name)
                results.append(run_group(name, group, chosen, copy_root, log))
    print()
    print(table(results))
    left = list(survivors(results))
    if left:
        print("\nSurvivors (judge each: equivalent, then add it to EQUIVALENT with why, or a test to add):")
        print("\n".join(left))
    if args.json:
        payload = [
            {"group": r.name, "sites": r.sites, "outcomes": [{**asdict(o.site), "status": o.status,
             "seconds": round(o.seconds, 1)} for o in r.outcomes]} for r in results
        ]  # fmt: skip
        args.json.write_text(json.dumps(payload, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
