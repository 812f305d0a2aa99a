"""How many small mistakes would the tests catch? Makes mutants of the roll-up rules, the SPC engine and
the import validation (a comparison flipped: < and <=, > and >=, == and !=; `and` and `or` swapped),
runs the tests that guard each module against every mutant in a copy of the project, and prints the
kill rate per module. Prints figures; never fails a build.

    python benchmarks/mutation_sample.py                  # a sample of 20 mutants per module
    python benchmarks/mutation_sample.py --sample 0       # every mutant (slow: minutes per module)
    python benchmarks/mutation_sample.py --module queries --seed 7

A surviving mutant is either a rule no test checks (write the test, named after the rule) or an
equivalent one (the change makes no difference, e.g. `valid_to >= period` when valid_to is a month
end); the survivors are listed so a person can tell which.
"""

from __future__ import annotations

import argparse
import ast
import random
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# module -> the tests that guard it (kept small so a mutant costs seconds)
TARGETS = {
    "queries": (["kpi/queries.py"], ["tests/test_queries.py", "tests/test_rollup_rules.py"]),
    "spc": (
        ["kpi/spc/limits.py", "kpi/spc/rules.py", "kpi/spc/assurance.py", "kpi/spc/segments.py"],
        ["tests/test_spc.py", "tests/test_spc_rules.py", "tests/test_mdc.py"],
    ),
    "validation": (
        ["kpi/ingest/rows.py", "kpi/ingest/checks.py"],
        ["tests/test_ingest.py", "tests/test_validation_rules.py"],
    ),
}
FLIPS: dict[type, type] = {
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.And: ast.Or,
    ast.Or: ast.And,
}


@dataclass(frozen=True)
class Mutant:
    line: int
    col: int
    before: str
    after: str


def mutants(source: str) -> list[Mutant]:
    """Every single-operator change the flips allow, by position in the source."""
    found = []
    for node in ast.walk(ast.parse(source)):
        ops = node.ops if isinstance(node, ast.Compare) else [node.op] if isinstance(node, ast.BoolOp) else []
        for op in ops:
            if type(op) in FLIPS:
                found.append(
                    Mutant(node.lineno, node.col_offset, type(op).__name__, FLIPS[type(op)].__name__)
                )
    return found


def apply(source: str, mutant: Mutant) -> str | None:
    """The source with `mutant` applied, or None when it cannot be placed."""
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if (getattr(node, "lineno", None), getattr(node, "col_offset", None)) != (mutant.line, mutant.col):
            continue
        if isinstance(node, ast.Compare):
            for i, op in enumerate(node.ops):
                if type(op).__name__ == mutant.before:
                    node.ops[i] = FLIPS[type(op)]()
                    return ast.unparse(tree)
        if isinstance(node, ast.BoolOp) and type(node.op).__name__ == mutant.before:
            node.op = FLIPS[type(node.op)]()
            return ast.unparse(tree)
    return None


def killed(workdir: Path, tests: list[str], timeout: float = 120) -> bool:
    """True when the tests fail, crash or hang (a mutant that loops for ever is caught too)."""
    try:
        run = subprocess.run(
            [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *tests],
            cwd=workdir,
            capture_output=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return True
    return run.returncode != 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--module", choices=sorted(TARGETS), action="append")
    parser.add_argument("--sample", type=int, default=20, help="mutants per module (0 = all)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp) / "project"
        shutil.copytree(
            ROOT,
            work,
            ignore=shutil.ignore_patterns(".venv", ".git", "*.db", "test-artifacts", "__pycache__"),
        )
        print(f"{'module':<11} {'mutants':>8} {'killed':>7} {'rate':>6} {'seconds':>8}")
        for name in args.module or sorted(TARGETS):
            paths, tests = TARGETS[name]
            every = [(path, m) for path in paths for m in mutants((ROOT / path).read_text())]
            chosen = every if args.sample <= 0 else rng.sample(every, min(args.sample, len(every)))
            started, caught, survivors = time.perf_counter(), 0, []
            for path, mutant in chosen:
                original = (ROOT / path).read_text()
                changed = apply(original, mutant)
                if changed is None:
                    continue
                (work / path).write_text(changed)
                try:
                    if killed(work, tests):
                        caught += 1
                    else:
                        survivors.append((path, mutant))
                finally:
                    (work / path).write_text(original)
            rate = 100 * caught / len(chosen) if chosen else 0.0
            seconds = time.perf_counter() - started
            print(f"{name:<11} {len(chosen):>8} {caught:>7} {rate:>5.0f}% {seconds:>8.0f}", end="")
            print(f"   (of {len(every)})")
            for path, s in survivors:
                print(f"    survived: {path}:{s.line} {s.before} -> {s.after}")


if __name__ == "__main__":
    main()
