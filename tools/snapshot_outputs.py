"""Snapshot every user-visible output of the dashboard on the demo data, and compare two snapshots.

    .venv/bin/python tools/snapshot_outputs.py OUT_DIR        # take a snapshot of this checkout
    .venv/bin/python tools/snapshot_outputs.py --compare A B  # exit 0 only if every file is equal

Made for issue 27 (moving kpi/ modules into packages must change no output). It is layout-agnostic:
it imports nothing from kpi. It drives the CLI as `python -m kpi ...` subprocesses and renders the
pages with Streamlit's AppTest from app.py and app_pages/*.py (paths that do not move), in a child
process. The database is a fresh SQLite file in a temporary folder (`init`, then `demo --end END`:
the demo history ends at a fixed month, so the data do not depend on the day). What the code takes
from the clock is not fixed (there is no hook for "today"): the demo batch's import time, the packs'
generation time, freshness and overdue-milestone wording on the pages. Take both snapshots on the
same day; the timestamps themselves are masked on comparison (below).

Written: cli/*.txt (each command's exit code and output), export/*.csv|xlsx (every `export` kind,
several scopes), plan/*.csv, template.*, report/* (board packs: HTML, PDF, PPTX), pages/*.txt (per
page, each element in order: its type and its value; tables as CSV, Plotly charts as their JSON spec).

Comparison, file by file: identical bytes, else equal after a normalisation named in the output:
- text (csv, txt, html, svg, json): line by line after masking run-dependent text (MASKS): wall-clock
  timestamps, durations ("4.7 s"), random UUIDs (Plotly's div ids), Streamlit's download file ids
  and media hashes, widget id hashes; the temporary DB and output paths are replaced when written;
- PDF: `pdftotext -layout` text (masked as above) and `pdftoppm` page images (decoded pixels);
  PDF bytes differ by creation date and document id;
- zip (pptx, xlsx): each member's bytes, docProps/core.xml compared with its created/modified
  timestamps masked, images inside compared by decoded pixels;
- PNG/JPEG: decoded pixels (Pillow).
Anything else is "different", with the first differing lines.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import difflib
import io
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
END = "2026-11"  # the demo history's last month (fixed, so the data do not depend on today)
SCOPES = ["system", "CMAST", "MHLDC", "RBS", "REM", "RX7"]  # C&M, both collaboratives, trusts, a partner
PAGE_PARAMS = {"default": {}, "trust-RBS": {"trust": "RBS"}, "collab-MHLDC": {"collab": "MHLDC"}}


def reference_codes(name: str, keep=lambda row: True) -> list[str]:
    import csv

    with open(REPO / "data" / "reference" / f"{name}.csv", encoding="utf-8") as f:
        return [row[next(iter(row))] for row in csv.DictReader(f) if keep(row)]


def jobs(out: Path) -> list[tuple[str, list[str]]]:
    """(name, CLI arguments) of every output: name is the file under out (its stdout goes to cli/)."""
    kpis = reference_codes("kpis")
    members = reference_codes("trusts", lambda r: r["role"] == "member")
    j: list[tuple[str, list[str]]] = [("info", ["info"]), ("batches", ["batches"])]
    for ext in ("csv", "xlsx"):
        j.append((f"template.{ext}", ["template"]))
    for scope in ["system", "CMAST", "MHLDC", "RX7", "NOPE", *members]:
        j.append((f"export/summary_{scope}.csv", ["export", "summary", "--scope", scope]))
    j.append(
        (
            "export/summary_system_2025-03.csv",
            ["export", "summary", "--scope", "system", "--period-end", "2025-03"],
        )
    )
    for scope in SCOPES:
        for ext in ("csv", "xlsx"):
            j.append((f"export/matrix_{scope}.{ext}", ["export", "matrix", "--scope", scope]))
    for scope in ("system", "RBS"):
        for kpi in kpis:
            j.append(
                (f"export/series_{scope}_{kpi}.csv", ["export", "series", "--scope", scope, "--kpi", kpi])
            )
    j.append(
        (
            "export/series_CMAST_VACANCY_RATE_2024.csv",
            [
                "export",
                "series",
                "--scope",
                "CMAST",
                "--kpi",
                "VACANCY_RATE",
                "--from",
                "2024-01",
                "--to",
                "2024-12",
            ],
        )
    )
    for period in ("2025-03", END):
        j.append((f"export/reconciliation_{period}.csv", ["export", "reconciliation", "--period", period]))
    j += [
        ("plan/plan_system_5y.csv", ["plan", "--scope", "system", "--years", "5"]),
        (
            "plan/plan_CMAST_3y_PHYSIO_OT.csv",
            [
                "plan",
                "--scope",
                "CMAST",
                "--years",
                "3",
                "--profession",
                "PHYSIO,OT",
                "--scenario",
                "Retention +2 pts",
            ],
        ),
        ("plan/plan_system_backtest.csv", ["plan", "--scope", "system", "--backtest"]),
        ("plan/plan_system_sensitivity.csv", ["plan", "--scope", "system", "--years", "5", "--sensitivity"]),
    ]
    for scope, fmt in [("system", "pdf"), ("system", "pptx"), ("system", "html"), ("RBS", "html")]:
        j.append(
            (
                f"report/board-pack_{scope}.{fmt}",
                ["report", "--scope", scope, "--period-end", END, "--format", fmt],
            )
        )
    return [
        (name, args if name in ("info", "batches") or "--out" in args else [*args, "--out", str(out / name)])
        for name, args in j
    ]


def run_cli(name: str, args: list[str], out: Path, env: dict[str, str], db_dir: str) -> str:
    start = time.monotonic()
    p = subprocess.run(
        [sys.executable, "-m", "kpi", *args], cwd=REPO, env=env, capture_output=True, text=True
    )
    log = f"$ python -m kpi {' '.join(args)}\nexit {p.returncode}\n"
    log += f"--- stdout\n{p.stdout}--- stderr\n{p.stderr}"
    log = log.replace(str(out), "<OUT>").replace(db_dir, "<DB>")
    (out / "cli" / (name.replace("/", "__") + ".txt")).write_text(log, encoding="utf-8")
    return f"{time.monotonic() - start:6.1f} s  exit {p.returncode}  {name}"


def dump_node(node, depth: int, lines: list[str]) -> None:
    """One line per element (type, key facts), then its value: tables as CSV, charts as JSON."""
    from google.protobuf import text_format

    kind = type(node).__name__
    pad = "  " * depth
    children = getattr(node, "children", None)
    if isinstance(children, dict):
        proto = getattr(node, "proto", None)
        label = text_format.MessageToString(proto, as_one_line=True) if proto is not None else ""
        lines.append(f"{pad}[{kind}:{getattr(node, 'type', '')}] {label}")
        for child in children.values():
            dump_node(child, depth + 1, lines)
        return
    lines.append(f"{pad}<{getattr(node, 'type', kind)}>")
    if node.type in ("arrow_data_frame", "dataframe", "table"):
        lines += [pad + "  " + line for line in node.value.to_csv().splitlines()]
    elif node.type == "plotly_chart":
        lines.append(pad + "  alt: " + node.proto.alt)
        spec = json.dumps(json.loads(node.proto.spec), indent=1, sort_keys=True)
        lines += [pad + "  " + line for line in spec.splitlines()]
    else:
        lines += [pad + "  " + line for line in text_format.MessageToString(node.proto).splitlines()]


def render_pages(out: Path) -> None:
    """Child-process mode: every page under each PAGE_PARAMS, dumped to out/pages/."""
    from streamlit.testing.v1 import AppTest

    for page in sorted(["app.py", *(f"app_pages/{p.name}" for p in (REPO / "app_pages").glob("*.py"))]):
        for label, params in PAGE_PARAMS.items():
            start = time.monotonic()
            at = AppTest.from_file(str(REPO / "app.py"), default_timeout=300)
            for key, value in params.items():
                at.query_params[key] = value
            if page != "app.py":
                at.switch_page(page)
            at.run()
            lines = [f"page {page} params {params}", "== sidebar"]
            dump_node(at.sidebar, 0, lines)
            lines.append("== main")
            dump_node(at.main, 0, lines)
            name = f"{Path(page).stem}_{label}.txt"
            (out / "pages" / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
            print(f"{time.monotonic() - start:6.1f} s  page {name}", flush=True)


def snapshot(out: Path) -> int:
    for sub in ("cli", "export", "plan", "report", "pages"):
        (out / sub).mkdir(parents=True, exist_ok=True)
    start = time.monotonic()
    with tempfile.TemporaryDirectory() as db_dir:
        env = {
            **os.environ,
            "KPI_DATABASE_URL": f"sqlite:///{db_dir}/kpi.db",
            "KPI_DEPLOYMENT": "local",
            "KPI_WARM_CACHES": "0",
            "PYTHONHASHSEED": "0",
        }
        for name, args in [("init", ["init"]), ("demo", ["demo", "--end", END])]:
            print(run_cli(name, args, out, env, db_dir), flush=True)
        pages = subprocess.Popen([sys.executable, __file__, "--pages", str(out)], cwd=REPO, env=env)
        with cf.ThreadPoolExecutor(max_workers=2) as pool:
            for line in pool.map(lambda job: run_cli(*job, out, env, db_dir), jobs(out)):
                print(line, flush=True)
        pages.wait()
    load = Path("/proc/loadavg").read_text().split()[:3]
    print(f"snapshot in {time.monotonic() - start:.0f} s, load average {' '.join(load)}")
    return pages.returncode


# ---------- comparison ----------

MASKS = [  # (pattern, replacement): text that changes from run to run, never with the code
    (r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:?\d\d)?", "<timestamp>"),
    (r"\d\d/\d\d/\d{4},? \d\d:\d\d(:\d\d)?", "<timestamp>"),
    (r"\d\d:\d\d(:\d\d)? on \d{1,2}[/ ]\w+[/ ]\d{4}", "<timestamp>"),
    (r"\b\d+(\.\d+)? s\b", "<seconds> s"),
    (r'deferred_file_id: "[0-9a-f]+"', 'deferred_file_id: "<random>"'),  # a download's file, made per run
    # a download's URL: the hash of its bytes, which for an XLSX hold their creation time; the
    # template's bytes are compared as template.xlsx (docProps timestamps masked)
    (r"/media/[0-9a-f]{32}\.", "/media/<hash>."),
    (r"\$\$ID-[0-9a-f]{32}-", "$$ID-<hash>-"),  # Streamlit's widget id hash: not shown, its inputs are
    (r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "<uuid>"),
]
TEXT = {".csv", ".txt", ".html", ".svg", ".json", ".xml", ".rels"}
IMAGES = {".png", ".jpg", ".jpeg", ".gif", ".bmp"}


def masked(text: str) -> list[str]:
    for pattern, repl in MASKS:
        text = re.sub(pattern, repl, text)
    return text.splitlines()


def first_diff(a: list[str], b: list[str], n: int = 6) -> str:
    lines = [line for line in difflib.unified_diff(a, b, "A", "B", n=0, lineterm="") if len(line) < 400]
    return "\n      ".join(lines[2 : 2 + n]) or "(long lines differ)"


def pixels(data: bytes) -> tuple:
    from PIL import Image

    image = Image.open(io.BytesIO(data)).convert("RGBA")
    return image.size, image.tobytes()


def pdf_views(path: Path) -> tuple[list[str], list[tuple]]:
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True).stdout
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["pdftoppm", "-r", "60", "-png", str(path), f"{tmp}/p"], check=True)
        pages = [pixels(p.read_bytes()) for p in sorted(Path(tmp).glob("p-*.png"))]
    return masked(text), pages


def compare_zip(a: bytes, b: bytes) -> tuple[bool, str]:
    za, zb = zipfile.ZipFile(io.BytesIO(a)), zipfile.ZipFile(io.BytesIO(b))
    if sorted(za.namelist()) != sorted(zb.namelist()):
        return False, "members differ: " + first_diff(sorted(za.namelist()), sorted(zb.namelist()))
    for name in sorted(za.namelist()):
        x, y = za.read(name), zb.read(name)
        if x == y:
            continue
        suffix = Path(name).suffix.lower()
        if suffix in IMAGES and pixels(x) == pixels(y):
            continue
        if suffix in TEXT:
            lx, ly = masked(x.decode("utf-8", "replace")), masked(y.decode("utf-8", "replace"))
            if lx == ly:
                continue
            return False, f"{name}: {first_diff(lx, ly)}"
        return False, f"{name}: bytes differ"
    return True, "zip members equal (docProps timestamps masked, images by pixels)"


def compare_file(a: Path, b: Path) -> tuple[str, str]:
    """('identical' | 'equal' | 'DIFFERENT', how or where)."""
    x, y = a.read_bytes(), b.read_bytes()
    if x == y:
        return "identical", ""
    suffix = a.suffix.lower()
    if suffix == ".pdf":
        (ta, pa), (tb, pb) = pdf_views(a), pdf_views(b)
        if ta != tb:
            return "DIFFERENT", "pdftotext: " + first_diff(ta, tb)
        if pa != pb:
            bad = [i + 1 for i, (p, q) in enumerate(zip(pa, pb, strict=False)) if p != q]
            return "DIFFERENT", f"pdftoppm: {len(pa)} vs {len(pb)} pages; pages with other pixels {bad[:10]}"
        return "equal", "pdftotext text and pdftoppm page pixels"
    if suffix in (".pptx", ".xlsx", ".docx"):
        ok, how = compare_zip(x, y)
        return ("equal" if ok else "DIFFERENT"), how
    if suffix in IMAGES:
        return ("equal", "decoded pixels") if pixels(x) == pixels(y) else ("DIFFERENT", "pixels differ")
    la, lb = masked(x.decode("utf-8", "replace")), masked(y.decode("utf-8", "replace"))
    if la == lb:
        return "equal", "text with timestamps, durations and UUIDs masked"
    return "DIFFERENT", first_diff(la, lb)


def compare(dir_a: Path, dir_b: Path) -> int:
    files_a = {p.relative_to(dir_a) for p in dir_a.rglob("*") if p.is_file()}
    files_b = {p.relative_to(dir_b) for p in dir_b.rglob("*") if p.is_file()}
    counts: dict[str, int] = {}
    for rel in sorted(files_a | files_b):
        if rel not in files_a or rel not in files_b:
            verdict, how = "DIFFERENT", f"only in {'A' if rel in files_a else 'B'}"
        else:
            verdict, how = compare_file(dir_a / rel, dir_b / rel)
        counts[verdict] = counts.get(verdict, 0) + 1
        note = f"\n      {how}" if verdict == "DIFFERENT" else f"  ({how})" if how else ""
        print(f"{verdict:9} {rel}{note}")
    print("summary:", ", ".join(f"{n} {v}" for v, n in sorted(counts.items())))
    return 1 if counts.get("DIFFERENT") else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", nargs="?", type=Path, help="folder to write the snapshot into")
    parser.add_argument("--compare", nargs=2, type=Path, metavar=("DIR_A", "DIR_B"))
    parser.add_argument("--pages", type=Path, help=argparse.SUPPRESS)  # child process: render pages
    args = parser.parse_args()
    if args.compare:
        return compare(*args.compare)
    if args.pages:
        sys.path.insert(0, str(REPO))
        render_pages(args.pages)
        return 0
    if not args.out:
        parser.error("give OUT_DIR or --compare DIR_A DIR_B")
    return snapshot(args.out.resolve())


if __name__ == "__main__":
    sys.exit(main())
