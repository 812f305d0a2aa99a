"""How much memory and time does one upload cost? Runs `kpi.ingest.dispatch.prepare_file` (what the Import
page and `python -m kpi import` call) on generated files and prints, for each: the time, the peak resident
memory of the process while checking it, the memory the preview still holds afterwards (what the page
keeps for the session) and the problems kept and counted. Prints figures; never fails a build.

    python benchmarks/bench_upload.py            # all cases
    python benchmarks/bench_upload.py --quick    # without the 1,000,000-row good-shape file
    python benchmarks/bench_upload.py --case bad-1m
    python benchmarks/bench_upload.py --case one-line-16m --timeout 300   # give up on a case after 300 s

Cases, each in its own process so that peak memory is its own:
- bad-10k: 10,000 rows, every one with two problems (a period that is not a month, an unknown trust);
  the baseline for the bad file.
- bad-1m: the same, 1,000,000 rows (16 MB, under the 20 MB limit): the issue's case.
- good-1m: 1,000,000 rows that are all valid and new (28 MB, so it is run with the limit raised): the cost
  of the table itself, planned against an empty database.
- wide-50k, wide-200k: a header of 50,000 (or 200,000) columns and one row under it; the baseline for the
  wide file is the template's 5 columns (bad-10k).
- one-line-16m: 16 MB of the template's rows with their line breaks lost: one line of 2.6 million cells.

A case that has not finished after --timeout seconds is stopped and reported with the peak memory it had
reached by then.

What does a month's file cost to write, by database size (issue 25: within 1.5x of the demo's at 1M, under
2 s at 5M on PostgreSQL; the dry run's memory flat)? `--writes URL ...` takes existing databases (made by
`python -m kpi demo [--rows N]`, e.g. demo, 1M and 5M) and, for each in its own process, makes the demo's
month file (the demo trusts' figures of the database's last month, about 1,190 rows, dated the month after)
and times, `--repeat` times: the dry run (`prepare_file`: validate and plan, what `import --dry-run` and the
Import page's preview do), the import (`prepare_file` and `apply_import`), then its undo, which leaves the
database as it was. It prints the medians of wall and CPU seconds (this process's, plus the PostgreSQL
server's backends for this database), the dry run's peak resident memory over the process's before it,
and the load averages at the start and the end of each database's run:

    python benchmarks/bench_upload.py --writes sqlite:///demo.db sqlite:///1m.db \
        postgresql+psycopg://postgres@127.0.0.1/demo postgresql+psycopg://postgres@127.0.0.1/big5m
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import traceback
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

MB = 1024 * 1024
CASES = {
    "bad-10k": "10,000 bad rows (2 problems each)",
    "bad-1m": "1,000,000 bad rows (2 problems each)",
    "good-1m": "1,000,000 valid rows (limit raised)",
    "wide-50k": "header of 50,000 columns, 1 row",
    "wide-200k": "header of 200,000 columns, 1 row",
    "one-line-16m": "16 MB on one line (line breaks lost)",
}


def make_file(case: str) -> bytes:
    if case.startswith("wide"):
        columns = 50_000 if case == "wide-50k" else 200_000
        header = ",".join(f"column {n}" for n in range(columns)).encode()
        return header + b"\n" + b"1," * (columns - 1) + b"1\n"
    if case == "one-line-16m":
        row = b"2025-03,REM,PHYSIO,SIP_FTE,12.5,"
        return b"period,trust_code,profession,kpi_code,value," + row * (16 * MB // len(row))
    if case.startswith("bad"):
        rows = 10_000 if case == "bad-10k" else 1_000_000
        return b"period,trust_code,kpi_code,value\n" + b"x,XYZ,SIP_FTE,1\n" * rows
    # 18 trusts x 14 professions x 3 KPIs = 756 figures a month: 1,323 months, from January 1910.
    trusts = [
        "RBS",
        "RJR",
        "RBT",
        "RBN",
        "RJN",
        "RBQ",
        "REM",
        "REP",
        "REN",
        "RET",
        "RWW",
        "RBL",
        "RW4",
        "RXA",
        "RY2",
        "RY7",
        "RX7",
        "RTV",
    ]
    professions = [
        "ART",
        "DIET",
        "DRAMA",
        "MUSIC",
        "OT",
        "ODP",
        "ORTHOPT",
        "OSTEO",
        "PARA",
        "PHYSIO",
        "POD",
        "PO",
        "RAD",
        "SLT",
    ]
    lines = [b"period,trust_code,profession,kpi_code,value"]
    count = 0
    year, month = 1910, 1
    while count < 1_000_000:
        period = f"{year}-{month:02d}"
        for kpi in ("SIP_FTE", "SIP_HC", "SUPPORT_FTE"):
            for trust in trusts:
                for profession in professions:
                    lines.append(f"{period},{trust},{profession},{kpi},1".encode())
                    count += 1
        month += 1
        if month == 13:
            year, month = year + 1, 1
    return b"\n".join(lines[:1_000_001]) + b"\n"


def _rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def run_case(case: str, database: str, traced: bool) -> dict:
    """In a child process: check one file and measure it."""
    from kpi import ingest
    from kpi.ingest.dispatch import prepare_file
    from kpi.store.db import get_engine

    engine = get_engine(database)
    ingest.load_reference_data(engine)  # warm the imports and the connection
    data = make_file(case)
    max_bytes = 64 * MB if case == "good-1m" else ingest.MAX_BYTES
    gc.collect()
    before_rss = _rss_mb()
    if traced:
        tracemalloc.start()
    started = time.perf_counter()
    preview = prepare_file(engine, f"{case}.csv", data, max_bytes=max_bytes)
    seconds = time.perf_counter() - started
    del data
    gc.collect()
    out = {
        "case": case,
        "file_mb": round(len(make_file(case)) / MB, 1) if not traced else None,
        "seconds": round(seconds, 2),
        "problems_kept": len(preview.problems),
        "problems_total": getattr(preview, "problem_count", len(preview.problems)),
        "rows_in_file": preview.rows_in_file,
        "ok": preview.ok,
    }
    if traced:
        current, peak = tracemalloc.get_traced_memory()
        out["retained_mb"] = round(current / MB, 1)
        out["traced_peak_mb"] = round(peak / MB, 1)
    else:
        peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux
        out["peak_rss_mb"] = round(peak_rss, 1)
        out["peak_over_start_mb"] = round(peak_rss - before_rss, 1)
    del preview
    return out


def _loadavg() -> str:
    with open("/proc/loadavg") as file:
        return " ".join(file.read().split()[:3])


def _clear_peak() -> None:
    """Reset this process's high-water mark of resident memory (VmHWM), so it measures what follows."""
    with open("/proc/self/clear_refs", "w") as file:
        file.write("5")


def _status_mb(field: str) -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return 0.0


def _server_cpu(engine) -> float:
    """CPU seconds used so far by the PostgreSQL backends connected to this engine's database (their
    /proc entries: the server runs on this machine); 0 on SQLite, whose work is this process's."""
    if engine.dialect.name != "postgresql":
        return 0.0
    from sqlalchemy import text

    with engine.connect() as conn:
        pids = conn.execute(
            text("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
        ).scalars()
        total = 0
        for pid in pids:
            try:
                with open(f"/proc/{pid}/stat") as file:
                    fields = file.read().rsplit(")", 1)[1].split()
                total += int(fields[11]) + int(fields[12])  # utime, stime
            except (OSError, IndexError, ValueError):
                pass
    return total / os.sysconf("SC_CLK_TCK")


def month_file(engine) -> tuple[str, bytes]:
    """The demo's month: the figures of the database's last month from every batch but the synthetic
    benchmark trusts' (kpi.seed.demo_scale), dated the month after, as the template's CSV."""
    import csv
    import io

    from sqlalchemy import func, select

    from kpi.store.models import ImportBatch, Observation
    from kpi.words.months import add_months

    o = Observation
    with engine.connect() as conn:
        last = conn.execute(select(func.max(o.period))).scalar_one()
        rows = conn.execute(
            select(o.trust_code, o.profession_code, o.kpi_code, o.value, o.numerator, o.denominator)
            .join(ImportBatch, ImportBatch.id == o.batch_id)
            .where(o.period == last, ImportBatch.source != "benchmark")
            .order_by(o.kpi_code, o.trust_code, o.profession_code)
        ).all()
    month = add_months(last, 1).strftime("%Y-%m")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["period", "trust_code", "profession", "kpi_code", "value", "numerator", "denominator"])
    for row in rows:
        writer.writerow([month, *("" if cell is None else cell for cell in row)])
    return f"month-{month}.csv", out.getvalue().encode()


def run_writes(database: str, repeat: int) -> dict:
    """In a child process: dry run, import and undo a month's file `repeat` times; medians."""
    import statistics

    from sqlalchemy import func, select

    from kpi import ingest
    from kpi.cli.common import cli_user
    from kpi.ingest.dispatch import prepare_file
    from kpi.store.db import get_engine
    from kpi.store.models import Observation

    load_start = _loadavg()
    engine = get_engine(database)
    ingest.load_reference_data(engine)  # warm the imports and the connection
    with engine.connect() as conn:
        observations = conn.execute(select(func.count()).select_from(Observation)).scalar_one()
    name, data = month_file(engine)
    user = cli_user()
    laps: dict[str, list[float]] = {}

    def lap(key: str, func):
        gc.collect()
        server, cpu, wall = _server_cpu(engine), time.process_time(), time.perf_counter()
        result = func()
        laps.setdefault(f"{key}_wall", []).append(time.perf_counter() - wall)
        laps.setdefault(f"{key}_cpu", []).append(time.process_time() - cpu)
        laps.setdefault(f"{key}_db_cpu", []).append(_server_cpu(engine) - server)
        return result

    dry_peak = []
    for _ in range(repeat):
        gc.collect()
        start_rss = _status_mb("VmRSS")
        _clear_peak()
        preview = lap("dry", lambda: prepare_file(engine, name, data, channel="cli"))
        dry_peak.append(_status_mb("VmHWM") - start_rss)
        assert preview.ok and preview.rows_added == preview.rows_in_file, preview.summary()
        del preview

        def write():
            preview = prepare_file(engine, name, data, channel="cli")
            return ingest.apply_import(engine, user, preview, replace=False, source=preview.source)

        result = lap("import", write)
        assert result.applied, result.message
        lap("undo", lambda batch=result.batch_id: ingest.undo_batch(engine, user, batch))
    out = {key: round(statistics.median(values), 3) for key, values in laps.items()}
    return out | {
        "database": database.rsplit("/", 1)[-1],
        "backend": engine.dialect.name,
        "observations": observations,
        "rows": data.count(b"\n") - 1,
        "dry_peak_mb": round(max(dry_peak), 1),
        "rss_mb": round(_status_mb("VmRSS"), 1),
        "load_start": load_start,
        "load_end": _loadavg(),
    }


def writes(databases: list[str], repeat: int) -> None:
    header = (
        f"{'database':<12} {'backend':<10} {'observations':>12} {'rows':>5}  {'dry run s (CPU)':>16} "
        f"{'import s (CPU + db)':>22} {'undo s (CPU + db)':>20} {'dry peak MB':>11}  load start / end"
    )
    print(header)
    print("-" * len(header))
    for database in databases:
        command = [sys.executable, __file__, "--writes-child", database, "--repeat", str(repeat)]
        process = subprocess.run(command, capture_output=True, text=True)
        lines = [line for line in process.stdout.splitlines() if line.startswith("{")]
        if process.returncode != 0 or not lines:
            print(f"{database}: failed: {(process.stderr or process.stdout).strip().splitlines()[-1:]}")
            continue
        r = json.loads(lines[-1])

        def cell(key: str, r: dict = r) -> str:
            db = f" + {r[key + '_db_cpu']:.2f}" if r["backend"] == "postgresql" else ""
            return f"{r[key + '_wall']:.2f} ({r[key + '_cpu']:.2f}{db})"

        print(
            f"{r['database']:<12} {r['backend']:<10} {r['observations']:>12,} {r['rows']:>5}  "
            f"{cell('dry'):>16} {cell('import'):>22} {cell('undo'):>20} {r['dry_peak_mb']:>11}  "
            f"{r['load_start']} / {r['load_end']}"
        )
    print(
        f"Medians of {repeat}. Import: prepare_file and apply_import, as `python -m kpi import`; CPU: this "
        "process's, + db: the PostgreSQL backends' for this database. Dry peak: the highest resident memory "
        "during a dry run over the resident memory just before it."
    )


class Unfinished(Exception):
    """A case stopped at the time-out, with the peak memory it had reached."""


def _peak_mb(pid: int) -> float:
    """A running process's high-water mark of resident memory (VmHWM), in MB."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _child(case: str, database: str, traced: bool, timeout: float) -> dict:
    command = [sys.executable, __file__, "--child", case, "--database", database]
    process = subprocess.Popen(
        command + (["--traced"] if traced else []), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    started, peak = time.perf_counter(), 0.0
    while process.poll() is None:
        peak = max(peak, _peak_mb(process.pid))
        if time.perf_counter() - started > timeout:
            process.kill()
            process.communicate()
            raise Unfinished(f"not finished after {timeout:.0f} s; peak RSS {peak:,.0f} MB by then")
        time.sleep(0.5)
    stdout, stderr = process.communicate()
    lines = [line for line in stdout.splitlines() if line.startswith("{")]
    if process.returncode != 0 or not lines:
        raise RuntimeError((stderr or stdout).strip().splitlines()[-1:])
    return json.loads(lines[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="leave out the 1,000,000-row good-shape file")
    parser.add_argument("--case", choices=list(CASES), action="append", help="run only this case")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds before a case is given up")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--database", help=argparse.SUPPRESS)
    parser.add_argument("--traced", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--writes", nargs="+", metavar="URL", help="time a month's file into these databases")
    parser.add_argument("--repeat", type=int, default=3, help="runs per database with --writes (medians)")
    parser.add_argument("--writes-child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.writes_child:
        print(json.dumps(run_writes(args.writes_child, args.repeat)))
        return 0
    if args.writes:
        writes(args.writes, args.repeat)
        return 0
    if args.child:
        print(json.dumps(run_case(args.child, args.database, args.traced)))
        return 0

    try:
        from kpi.ingest import MAX_BYTES
        from kpi.reference.load import load_reference
        from kpi.store.db import get_engine, migrate

        folder = Path(tempfile.mkdtemp(prefix="bench-upload-"))
        database = f"sqlite:///{folder / 'bench.db'}"
        engine = get_engine(database)
        migrate(engine)
        load_reference(engine)
        engine.dispose()
        cap = getattr(sys.modules["kpi.ingest"], "MAX_PROBLEMS", None)
        print(f"Upload limit {MAX_BYTES / MB:.0f} MB; problems kept per file: {cap or 'no cap'}")
        header = (
            f"{'case':<40} {'file MB':>8} {'time s':>8} {'peak RSS MB':>12} {'peak - start':>13} "
            f"{'retained MB':>12} {'problems kept / total':>24}"
        )
        print(header)
        print("-" * len(header))
        cases = args.case or [c for c in CASES if not (args.quick and c == "good-1m")]
        for case in cases:
            try:
                plain = _child(case, database, traced=False, timeout=args.timeout)
                traced = _child(case, database, traced=True, timeout=args.timeout)
                print(
                    f"{CASES[case]:<40} {plain['file_mb']:>8} {plain['seconds']:>8} "
                    f"{plain['peak_rss_mb']:>12} {plain['peak_over_start_mb']:>13} "
                    f"{traced['retained_mb']:>12} "
                    f"{plain['problems_kept']:>11,} / {plain['problems_total'] or 0:<11,}"
                )
            except Unfinished as exc:
                print(f"{CASES[case]:<40} {len(make_file(case)) / MB:>8.1f} {exc}")
            except Exception as exc:  # a benchmark reports, it never fails the build
                print(f"{CASES[case]:<40} failed: {exc}")
        print(
            "peak RSS: the process's high-water mark (ru_maxrss); peak - start: above the RSS just before "
            "the check (the file's bytes already held); retained: what the preview still holds afterwards "
            "(tracemalloc, with the file's bytes released)."
        )
    except Exception:
        traceback.print_exc()
    return 0


if __name__ == "__main__":
    sys.exit(main())
