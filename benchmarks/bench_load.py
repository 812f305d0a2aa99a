"""How does the dashboard hold up under N simultaneous viewers, against a bare Streamlit app? Drives N
websocket sessions at once, speaking Streamlit's own protocol as a browser tab does (load the Overview,
then pick a trust in the sidebar), against the app (serve.py, as `make run` starts it) and against
benchmarks/bare_app.py (through bare_serve.py, on the same server) given the page's shape (PAGE_SHAPES:
as many charts, following a trust pick as the page's do) in the same run, each with 1 and 2 server
processes behind nginx, and prints p50/p95 session times, CPU-seconds per session and throughput, with
the app/bare ratios. Never fails a build.

    python benchmarks/bench_load.py                  # N = 10, 20, 40; 1 and 2 processes (a few minutes)
    python benchmarks/bench_load.py --quick          # smoke run: N = 5, one process
    python benchmarks/bench_load.py --sessions 40 --processes 2
    python benchmarks/bench_load.py --rounds 25 --sessions 40 --page trusts   # ageing: 1,000 sessions
    python benchmarks/bench_load.py --rounds 50 --sessions 20 --page trusts --against /tmp/main-before

The app runs on a demo SQLite database made in a temporary folder (kpi.seed.bootstrap.prepare_database);
several processes only read it, which SQLite allows. The proxy is deploy/nginx.conf.template rendered as
tests/browser/test_replicas.py renders it, ip_hash affinity included. ip_hash on IPv4 keys on the first
three octets of the client's address, so clients all on 127.0.0.1 would all reach one process: each
session here connects from its own loopback network, 127.0.<i+1>.1 (Linux routes all of 127/8 to lo),
which keeps the production config untouched and spreads sessions like distinct users. For this template
consecutive networks alternate between two upstreams; the table's `split` column counts, from nginx's
access log, the sessions each process actually served.

A session: open ws://proxy/_stcore/stream, send a BackMsg rerun_script (as the frontend does on connect),
read ForwardMsgs until script_finished, note the trust multiselect's widget id from the delta that drew
it (label "Trusts": the sidebar's f_trusts in the app, the same in the bare app), send a rerun with that
widget set to one trust (session i picks option i mod the number of options), and wait for the second
script_finished. Its time runs from connect to the end of the second run; `load` is the first run alone.
The client sends no cached message hashes, like a browser with an empty cache. CPU-seconds are the
server processes' utime + stime from /proc before and after each batch (nginx and this client not
included), divided by N. Each process is warmed with one session, straight to its port, first.

Client, servers and proxy share the machine: on a loaded 2-core machine every figure is inflated; the
load average is printed with the table.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from streamlit.proto.BackMsg_pb2 import BackMsg  # noqa: E402
from streamlit.proto.ClientState_pb2 import ClientState  # noqa: E402
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg  # noqa: E402
from streamlit.proto.WidgetStates_pb2 import WidgetState  # noqa: E402
from websockets.asyncio.client import connect  # noqa: E402

TEMPLATE = ROOT / "deploy" / "nginx.conf.template"
APP = ROOT / "serve.py"  # as `make run` and a deployment serve it
BARE_APP = ROOT / "benchmarks" / "bare_serve.py"  # bare_app.py on the same server
TRUST_LABEL = "Trusts"
# The bare app's query string for each page (benchmarks/bare_app.py), so that it has the page's shape
# (as bench_browser.py counts them): the Overview draws no Plotly chart; the Trusts page seven, each with
# the chosen trust's line; Workstreams seven, Collaboratives fourteen and Milestones one, none of which
# a trust pick changes.
PAGE_SHAPES = {
    "overview": "charts=0&follow=0",
    "trusts": "charts=7",
    "workstreams": "charts=7&follow=0",
    "collaboratives": "charts=14&follow=0",
    "milestones": "charts=1&follow=0",
}
SESSION_TIMEOUT = 600.0
FINISHED = ForwardMsg.FINISHED_SUCCESSFULLY
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


# ----------------------------------------------------------------------------------------------------
# Servers and proxy


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_healthy(url: str, seconds: float = 120) -> bool:
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                return True
        except OSError:
            time.sleep(0.3)
    return False


def demo_database(folder: Path) -> str:
    """A SQLite database with the reference and demo data, as tests/browser/conftest.py demo_app makes."""
    from kpi.seed.bootstrap import prepare_database
    from kpi.store.db import get_engine

    url = f"sqlite:///{folder / 'kpi.db'}"
    engine = get_engine(url)
    prepare_database(engine)
    engine.dispose()
    get_engine.cache_clear()
    return url


@dataclass
class ServerSet:
    """N streamlit processes of one script and the nginx in front of them."""

    name: str
    processes: list[subprocess.Popen] = field(default_factory=list)
    ports: list[int] = field(default_factory=list)
    proxy_port: int = 0
    access_log: Path | None = None

    @property
    def stream_url(self) -> str:
        return f"ws://127.0.0.1:{self.proxy_port}/_stcore/stream"

    def cpu_seconds(self) -> float:
        """utime + stime of the server processes so far (threads included)."""
        total = 0
        for process in self.processes:
            with contextlib.suppress(OSError):
                fields = Path(f"/proc/{process.pid}/stat").read_text().rsplit(")", 1)[1].split()
                total += int(fields[11]) + int(fields[12])  # utime, stime: fields 14 and 15 of stat
        return total / CLOCK_TICKS

    def stream_lines(self) -> list[str]:
        if self.access_log is None or not self.access_log.exists():
            return []
        return [line for line in self.access_log.read_text().splitlines() if "/_stcore/stream" in line]


def render_proxy_config(
    listen: int, upstreams: list[str], prefix: Path, *, forwarded_for: bool = True
) -> Path:
    """deploy/nginx.conf.template with its three placeholders filled, as tests/browser/test_replicas.py
    renders it (and as envsubst would); without its X-Forwarded-For and X-Forwarded-Proto lines when
    `forwarded_for` is False."""
    servers = " ".join(f"server {upstream.removeprefix('http://')};" for upstream in upstreams)
    config = (
        TEMPLATE.read_text()
        .replace("${KPI_PROXY_LISTEN}", f"127.0.0.1:{listen}")
        .replace("${KPI_UPSTREAM_SERVERS}", servers)
        .replace("${KPI_MAX_UPLOAD}", "60m")
    )
    if not forwarded_for:  # a proxy that does not say it is one: see the callers for why
        config = "\n".join(line for line in config.splitlines() if "X-Forwarded-" not in line) + "\n"
    (prefix / "tmp").mkdir(parents=True, exist_ok=True)
    path = prefix / "nginx.conf"
    path.write_text(config)
    return path


@contextlib.contextmanager
def serve(
    name: str,
    script: Path,
    processes: int,
    env: dict[str, str],
    folder: Path,
    nginx: str,
    root: Path = ROOT,
) -> Iterator[ServerSet]:
    """`processes` servers of `script` (run in `root`, whose `kpi` it imports) and nginx before them;
    everything stopped afterwards."""
    servers = ServerSet(name)
    proxy: subprocess.Popen | None = None
    folder.mkdir(parents=True, exist_ok=True)
    try:
        for index in range(processes):
            port = free_port()
            command = [sys.executable, "-m", "streamlit", "run", str(script), "--server.headless=true"]
            command += [f"--server.port={port}", "--server.address=127.0.0.1"]
            command += ["--browser.gatherUsageStats=false", "--server.fileWatcherType=none"]
            with (folder / f"streamlit-{index}.log").open("w") as log:  # the child keeps its own handle
                servers.processes.append(
                    subprocess.Popen(command, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT)
                )
            servers.ports.append(port)
        for port in servers.ports:
            if not wait_healthy(f"http://127.0.0.1:{port}"):
                raise RuntimeError(f"{name}: streamlit on port {port} did not start; see {folder}")
        servers.proxy_port = free_port()
        prefix = folder / "proxy"
        upstreams = [f"127.0.0.1:{port}" for port in servers.ports]
        # The app runs in local mode (these sessions cannot sign in), which it refuses to a request that
        # says it came through a proxy: this proxy does not say so.
        config = render_proxy_config(servers.proxy_port, upstreams, prefix, forwarded_for=False)
        nginx_args = [nginx, "-p", str(prefix), "-c", str(config), "-e", str(prefix / "error.log")]
        checked = subprocess.run([*nginx_args, "-t"], capture_output=True, text=True)
        if checked.returncode != 0:
            raise RuntimeError(f"nginx -t failed: {checked.stderr}")
        proxy = subprocess.Popen(
            [*nginx_args, "-g", "daemon off;"], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
        )
        servers.access_log = prefix / "access.log"
        if not wait_healthy(f"http://127.0.0.1:{servers.proxy_port}", 20):
            raise RuntimeError(f"nginx did not start; see {prefix / 'error.log'}")
        yield servers
    finally:
        for process in [*servers.processes, *([proxy] if proxy else [])]:
            process.terminate()
        for process in [*servers.processes, *([proxy] if proxy else [])]:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


# ----------------------------------------------------------------------------------------------------
# The client: one browser tab, over Streamlit's websocket protocol


@dataclass
class Outcome:
    seconds: float | None  # connect to the end of the second run; None when the session failed
    load_seconds: float | None = None
    error: str = ""
    exceptions: int = 0  # st.exception elements the app drew (errors shown on the page)


class Tab:
    """What a browser tab keeps between runs: the URL's query string, the page, the trust widget."""

    def __init__(self, page_name: str = "", query_string: str = "") -> None:
        # "" for the default page (the Overview), else the page's url_path ("trusts", ...)
        self.page_name = page_name
        self.query_string = query_string
        self.page_script_hash = ""
        self.trust_widget_id = ""
        self.trust_options: list[str] = []
        self.exceptions = 0

    def rerun(self, widget: WidgetState | None = None) -> bytes:
        state = ClientState(query_string=self.query_string, page_script_hash=self.page_script_hash)
        if self.page_name and not self.page_script_hash:  # the first run opens the page, as a link does
            state.page_name = self.page_name
        state.context_info.timezone = "Europe/London"
        state.context_info.locale = "en-GB"
        state.context_info.url = "http://127.0.0.1/"
        if widget is not None:
            state.widget_states.widgets.append(widget)
        message = BackMsg()
        message.rerun_script.CopyFrom(state)
        return message.SerializeToString()

    def read(self, message: ForwardMsg) -> int | None:
        """Take what a tab keeps from `message`; the script_finished status if it is one."""
        kind = message.WhichOneof("type")
        if kind == "script_finished":
            return message.script_finished
        if kind == "new_session" and message.new_session.page_script_hash:
            self.page_script_hash = message.new_session.page_script_hash
        elif kind == "navigation" and message.navigation.page_script_hash:
            self.page_script_hash = message.navigation.page_script_hash
        elif kind == "page_info_changed":
            self.query_string = message.page_info_changed.query_string
        elif kind == "delta" and message.delta.WhichOneof("type") == "new_element":
            element = message.delta.new_element
            element_kind = element.WhichOneof("type")
            if element_kind == "multiselect" and element.multiselect.label == TRUST_LABEL:
                self.trust_widget_id = element.multiselect.id
                self.trust_options = list(element.multiselect.options)
            elif element_kind == "exception":
                self.exceptions += 1
        return None


async def run_to_end(ws, tab: Tab, request: bytes) -> None:
    await ws.send(request)
    async for frame in ws:
        message = ForwardMsg()
        message.ParseFromString(frame)
        status = tab.read(message)
        if status == FINISHED:
            return
        if status is not None and status != ForwardMsg.FINISHED_EARLY_FOR_RERUN:
            raise RuntimeError(f"script_finished with status {status}")
    raise RuntimeError("the server closed the websocket mid-run")


async def one_session(
    url: str, index: int, client_address: str | None, page: str = "", query: str = ""
) -> Outcome:
    tab = Tab(page, query)
    started = time.perf_counter()
    try:
        async with asyncio.timeout(SESSION_TIMEOUT):
            async with connect(
                url,
                subprotocols=["streamlit"],
                max_size=None,
                proxy=None,
                open_timeout=SESSION_TIMEOUT,
                ping_interval=None,
                local_addr=(client_address, 0) if client_address else None,
            ) as ws:
                await run_to_end(ws, tab, tab.rerun())
                loaded = time.perf_counter() - started
                if not tab.trust_widget_id or not tab.trust_options:
                    raise RuntimeError("no Trusts multiselect on the first page")
                widget = WidgetState(id=tab.trust_widget_id)
                widget.string_array_value.data.append(tab.trust_options[index % len(tab.trust_options)])
                await run_to_end(ws, tab, tab.rerun(widget))
                return Outcome(time.perf_counter() - started, loaded, exceptions=tab.exceptions)
    except Exception as error:  # a failed session is counted, not raised: the benchmark never fails
        return Outcome(None, error=f"{type(error).__name__}: {error}"[:200], exceptions=tab.exceptions)


# ----------------------------------------------------------------------------------------------------
# Batches and the table


@dataclass
class Result:
    kind: str
    processes: int
    sessions: int
    p50: float | None
    p95: float | None
    load_p50: float | None
    cpu_per_session: float
    throughput: float
    errors: int
    exceptions: int
    split: str
    first_error: str = ""


def percentile(values: list[float], share: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    rank = share * (len(ordered) - 1)  # linear interpolation between closest ranks
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def client_address(index: int) -> str:
    """Session `index`'s own loopback network, so that ip_hash sees a distinct client (module doc)."""
    return f"127.0.{index % 254 + 1}.1"


def warm(servers: ServerSet) -> None:
    """One session straight to each process, so every process has its caches warm before measuring."""
    for port in servers.ports:
        outcome = asyncio.run(one_session(f"ws://127.0.0.1:{port}/_stcore/stream", 0, None))
        if outcome.seconds is None:
            print(f"  warm-up of {servers.name} on port {port} failed: {outcome.error}", flush=True)


def batch(servers: ServerSet, sessions: int, page: str = "", query: str = "") -> Result:
    async def run_all() -> list[Outcome]:
        return await asyncio.gather(
            *(one_session(servers.stream_url, i, client_address(i), page, query) for i in range(sessions))
        )

    lines_before = len(servers.stream_lines())
    cpu_before = servers.cpu_seconds()
    started = time.perf_counter()
    outcomes = asyncio.run(run_all())
    wall = time.perf_counter() - started
    time.sleep(0.5)  # nginx logs a websocket when it closes
    cpu = servers.cpu_seconds() - cpu_before
    served = Counter(line.split()[-1] for line in servers.stream_lines()[lines_before:])
    times = [o.seconds for o in outcomes if o.seconds is not None]
    loads = [o.load_seconds for o in outcomes if o.load_seconds is not None]
    failed = [o for o in outcomes if o.seconds is None]
    return Result(
        kind=servers.name,
        processes=len(servers.processes),
        sessions=sessions,
        p50=percentile(times, 0.5),
        p95=percentile(times, 0.95),
        load_p50=percentile(loads, 0.5),
        cpu_per_session=cpu / sessions,
        throughput=len(times) / wall if wall else 0.0,
        errors=len(failed),
        exceptions=sum(o.exceptions for o in outcomes),
        split="/".join(str(served.get(f"127.0.0.1:{port}", 0)) for port in servers.ports),
        first_error=failed[0].error if failed else "",
    )


def seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def ratio(a: float | None, b: float | None) -> str:
    return "-" if a is None or not b else f"{a / b:.2f}x"


def print_table(results: list[Result]) -> None:
    print()
    print(
        f"{'app':<5} {'procs':>5} {'N':>4} {'p50 s':>7} {'p95 s':>7} {'load p50':>8} {'CPU-s/sess':>10} "
        f"{'sess/s':>7} {'errors':>6} {'split':>7}"
    )
    for r in results:
        print(
            f"{r.kind:<5} {r.processes:>5} {r.sessions:>4} {seconds(r.p50):>7} {seconds(r.p95):>7} "
            f"{seconds(r.load_p50):>8} {r.cpu_per_session:>10.3f} {r.throughput:>7.2f} "
            f"{r.errors:>6} {r.split:>7}"
        )
    by_key = {(r.kind, r.processes, r.sessions): r for r in results}
    print("\napp / bare (same processes and N; <= 1.2x is the target for p95 and CPU):")
    print(f"{'procs':>5} {'N':>4} {'p50':>7} {'p95':>7} {'CPU/sess':>9} {'sess/s':>7}")
    for (kind, procs, n), app in by_key.items():
        bare = by_key.get(("bare", procs, n))
        if kind != "app" or bare is None:
            continue
        print(
            f"{procs:>5} {n:>4} {ratio(app.p50, bare.p50):>7} {ratio(app.p95, bare.p95):>7} "
            f"{ratio(app.cpu_per_session, bare.cpu_per_session):>9} "
            f"{ratio(app.throughput, bare.throughput):>7}"
        )
    scaling = [
        (kind, n, r, by_key.get((kind, 1, n)))
        for (kind, procs, n), r in by_key.items()
        if procs == 2 and (kind, 1, n) in by_key
    ]
    if scaling:
        print("\nthroughput, 2 processes / 1 (>= 1.8x is the target):")
        for kind, n, two, one in scaling:
            print(f"  {kind:<5} N={n:<3} {ratio(two.throughput, one.throughput)}")
    for r in results:
        if r.errors:
            print(f"\n{r.kind} {r.processes} proc N={r.sessions}: {r.errors} failed, e.g. {r.first_error}")
        if r.exceptions:
            print(
                f"\n{r.kind} {r.processes} proc N={r.sessions}: the page showed {r.exceptions} exception(s)"
            )


def rss_mb(servers: ServerSet) -> float:
    """The resident memory of the server processes, MB."""
    total = 0
    for process in servers.processes:
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{process.pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
    return total / 1024


def ageing(args: argparse.Namespace, nginx: str) -> None:
    """One process of the app, one of the bare app and, given `--against DIR` (a checkout of another
    commit, e.g. `git archive <commit> | tar -x -C DIR`), one of that checkout's app: each serves
    `--rounds` rounds of `--sessions` sessions of `--page` one after the other, interleaved round by
    round so that all see the same machine load. Per round: CPU-seconds per session, p95 and resident
    memory; at the end each one's drift (last round / first) and the last round's ratios."""
    sessions = int(args.sessions.split(",")[0])
    page = "" if args.page == "overview" else args.page
    print(f"load average before: {Path('/proc/loadavg').read_text().strip()}  ({os.cpu_count()} CPUs)")
    rows: dict[str, list[tuple[float, float | None, float]]] = {}
    with tempfile.TemporaryDirectory(prefix="kpi-ageing-") as tmp:
        folder = Path(tmp)
        env = {**os.environ, "KPI_DATABASE_URL": demo_database(folder), "KPI_DEPLOYMENT": "local"}
        with contextlib.ExitStack() as stack:
            apps = [stack.enter_context(serve("app", APP, 1, env, folder / "app", nginx))]
            if args.against:
                against = Path(args.against).resolve()
                apps.append(
                    stack.enter_context(
                        serve("base", against / "serve.py", 1, env, folder / "base", nginx, against)
                    )
                )
            bare = stack.enter_context(serve("bare", BARE_APP, 1, env, folder / "bare", nginx))
            for servers in (*apps, bare):
                warm(servers)
                rows[servers.name] = []
            for number in range(1, args.rounds + 1):
                for servers in (*apps, bare):
                    if servers is bare:
                        result = batch(servers, sessions, query=PAGE_SHAPES[args.page])
                    else:
                        result = batch(servers, sessions, page)
                    rows[servers.name].append((result.cpu_per_session, result.p95, rss_mb(servers)))
                    print(
                        f"  round {number:>3} {servers.name:<4} {sessions * number:>5} sessions served: "
                        f"{result.cpu_per_session:.3f} CPU-s/session, p95 {seconds(result.p95)} s, "
                        f"RSS {rss_mb(servers):.0f} MB, {result.errors} errors "
                        f"(load {Path('/proc/loadavg').read_text().split()[0]})",
                        flush=True,
                    )
    print(f"\nageing: {args.rounds} rounds of {sessions} sessions ({args.page} page), one process each")
    # Round 1 fills the caches (each trust's first view), so drift is measured from round 2 when there is
    # a third: the first round of a warm, fresh process.
    start = 1 if args.rounds >= 3 else 0
    print(f"  drift from round {start + 1} to round {args.rounds}:")
    for name, measured in rows.items():
        first, last = measured[start], measured[-1]
        print(
            f"  {name:<4} CPU/session {first[0]:.3f} -> {last[0]:.3f} ({ratio(last[0], first[0])}), "
            f"p95 {seconds(first[1])} -> {seconds(last[1])} s ({ratio(last[1], first[1])}), "
            f"RSS {first[2]:.0f} -> {last[2]:.0f} MB (peak {max(m[2] for m in measured):.0f})"
        )
    for name in [name for name in rows if name != "bare"]:
        last, bare_last = rows[name][-1], rows["bare"][-1]
        print(
            f"  last round, {name} / bare: CPU/session {ratio(last[0], bare_last[0])}, "
            f"p95 {ratio(last[1], bare_last[1])}"
        )
    print(f"load average after: {Path('/proc/loadavg').read_text().strip()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", default="10,20,40", help="comma-separated N (default 10,20,40)")
    parser.add_argument("--processes", default="1,2", help="comma-separated process counts (default 1,2)")
    parser.add_argument("--quick", action="store_true", help="smoke run: N = 5, one process")
    parser.add_argument(
        "--rounds", type=int, default=0, help="ageing: this many rounds of --sessions on one process"
    )
    parser.add_argument(
        "--against", default="", help="ageing: also age the app of this checkout (another commit)"
    )
    parser.add_argument("--page", default="overview", choices=list(PAGE_SHAPES), help="the page opened")
    args = parser.parse_args()
    sessions = [5] if args.quick else [int(n) for n in args.sessions.split(",")]
    process_counts = [1] if args.quick else [int(n) for n in args.processes.split(",")]

    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if nginx is None:
        print("no nginx (apt-get install nginx): the load benchmark needs the proxy; nothing measured")
        return
    if args.rounds:
        ageing(args, nginx)
        return
    print(f"load average before: {Path('/proc/loadavg').read_text().strip()}  ({os.cpu_count()} CPUs)")
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="kpi-load-") as tmp:
        folder = Path(tmp)
        started = time.perf_counter()
        database = demo_database(folder)
        print(f"demo database ready in {time.perf_counter() - started:.1f} s", flush=True)
        env = {**os.environ, "KPI_DATABASE_URL": database, "KPI_DEPLOYMENT": "local"}  # as `make run`
        client_started = time.process_time()
        for processes in process_counts:
            with contextlib.ExitStack() as stack:
                app = stack.enter_context(
                    serve("app", APP, processes, env, folder / f"app-{processes}", nginx)
                )
                bare = stack.enter_context(
                    serve("bare", BARE_APP, processes, env, folder / f"bare-{processes}", nginx)
                )
                warm(app)
                warm(bare)
                for n in sessions:
                    for servers in (app, bare):  # interleaved, so both see the same machine load
                        shape = PAGE_SHAPES["overview"] if servers is bare else ""
                        result = batch(servers, n, query=shape)
                        results.append(result)
                        print(
                            f"  {result.kind} {processes} proc N={n}: p50 {seconds(result.p50)} s, "
                            f"p95 {seconds(result.p95)} s, {result.cpu_per_session:.3f} CPU-s/session, "
                            f"{result.errors} errors  (load {Path('/proc/loadavg').read_text().split()[0]})",
                            flush=True,
                        )
            for log in sorted(folder.glob("*/streamlit-*.log")):
                if "Traceback" in log.read_text():
                    print(
                        f"note: {log.parent.name}/{log.name} logged a traceback:\n{log.read_text()[-1500:]}"
                    )
    print_table(results)
    print(f"\nclient CPU (this process, same machine): {time.process_time() - client_started:.1f} s")
    print(f"load average after: {Path('/proc/loadavg').read_text().strip()}")


if __name__ == "__main__":
    try:
        main()
    except Exception as error:  # never fail a build: say what went wrong and exit 0
        print(f"load benchmark stopped: {type(error).__name__}: {error}")
