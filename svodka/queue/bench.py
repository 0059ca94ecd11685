"""`svodka bench workers`: ingest throughput with 1, 2, 4 worker processes on PostgreSQL against single-process SQLite.

Everything is local: a throwaway PostgreSQL server, the BSNLP replay (`svodka.demo.replay`) as four news sites on
127.0.0.1, and `python -m svodka worker` subprocesses. The helpers (`start_workers`, `wait_until_drained`, …) are
also what the end-to-end tests use.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine, delete, select, text, update

from svodka.settings import Settings
from svodka.store import schema
from svodka.store import sources as store_sources

# The replay serves four sites from one host, so per-host limits are the real limits here.
REPLAY_ENV = {
    "SVODKA_ALLOW_PRIVATE_NETWORKS": "true",
    "SVODKA_PER_HOST_DELAY": "0",
    "SVODKA_PER_HOST_CONCURRENCY": "8",
    "SVODKA_LOG_LEVEL": "WARNING",
}


def replay_settings(database_url: str) -> Settings:
    return dataclasses.replace(Settings(), database_url=database_url, allow_private_networks=True,
                               per_host_delay=0.0, per_host_concurrency=8, log_level="WARNING")


def add_replay_sources(engine: Engine, feeds: list[tuple[str, str, str, str]]) -> None:
    """Register (name, feed_url, site_url, timezone) feeds, due now."""
    now = datetime.now(UTC).replace(tzinfo=None)
    for name, feed_url, site_url, zone in feeds:
        store_sources.add_source(engine, feed_url, name=name, site_url=site_url, timezone=zone, now=now)


def worker_env(database_url: str, extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SVODKA_")}
    env.update(REPLAY_ENV, SVODKA_DATABASE_URL=database_url, SVODKA_CONFIG=os.devnull, **(extra or {}))
    return env


def worker_command(concurrency: int, heartbeat: float = 1.0, stalled_after: float = 5.0) -> list[str]:
    return [sys.executable, "-m", "svodka", "worker", "--concurrency", str(concurrency),
            "--heartbeat", str(heartbeat), "--stalled-after", str(stalled_after)]


def start_workers(database_url: str, count: int, *, concurrency: int, log_dir: Path,
                  heartbeat: float = 1.0, stalled_after: float = 5.0) -> list[subprocess.Popen[bytes]]:
    """Start `count` `svodka worker` processes; their output goes to log_dir/worker-<pid>.log."""
    processes = []
    for _ in range(count):
        log = tempfile.NamedTemporaryFile(dir=log_dir, prefix="worker-", suffix=".log", delete=False)  # noqa: SIM115
        processes.append(subprocess.Popen(worker_command(concurrency, heartbeat, stalled_after),
                                          env=worker_env(database_url), stdout=log, stderr=subprocess.STDOUT))
    return processes


def stop_workers(processes: list[subprocess.Popen[bytes]], timeout: float = 30.0) -> None:
    """SIGTERM (graceful) then SIGKILL the stragglers."""
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + timeout
    for process in processes:
        try:
            process.wait(timeout=max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def live_workers(engine: Engine, within: float = 5.0) -> int:
    with engine.connect() as conn:
        query = text("SELECT count(*) FROM procrastinate_workers "
                     "WHERE last_heartbeat > now() - make_interval(secs => :s)")
        return conn.execute(query, {"s": within}).scalar_one()


def wait_for_workers(engine: Engine, count: int, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while live_workers(engine) < count:
        if time.monotonic() > deadline:
            raise RuntimeError(f"fewer than {count} workers registered after {timeout:.0f} s")
        time.sleep(0.2)


def ingest_progress(engine: Engine) -> tuple[int, int, int]:
    """(articles stored, items still pending, ingest jobs waiting or running)."""
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT count(*) FROM articles")).scalar_one()
        pending = conn.execute(text("SELECT count(*) FROM feed_items WHERE state IN ('new', 'retry')")).scalar_one()
        jobs = conn.execute(text("SELECT count(*) FROM procrastinate_jobs WHERE status IN ('todo', 'doing') "
                                 "AND task_name IN ('svodka:poll_feed', 'svodka:fetch_page')")).scalar_one()
    return stored, pending, jobs


def wait_until_drained(engine: Engine, timeout: float, *, on_tick: Callable[[int], None] | None = None) -> int:
    """Wait until feeds were polled and no item or ingest job is left; returns articles stored."""
    deadline = time.monotonic() + timeout
    while True:
        stored, pending, jobs = ingest_progress(engine)
        with engine.connect() as conn:
            items = conn.execute(text("SELECT count(*) FROM feed_items")).scalar_one()
        if items and not pending and not jobs:
            return stored
        if on_tick:
            on_tick(stored)
        if time.monotonic() > deadline:
            raise RuntimeError(f"queue not drained after {timeout:.0f} s: {stored} stored, {pending} items and "
                               f"{jobs} jobs left")
        time.sleep(0.2)


def queue_due_feeds(database_url: str, engine: Engine) -> int:
    """Queue a poll of every due feed (what the per-minute periodic task does), from this process."""
    from svodka.queue.app import build_app
    from svodka.queue.tasks import defer_due_feeds

    async def run() -> int:
        app = build_app(database_url)
        async with app.open_async():
            return await defer_due_feeds(app, engine)

    return asyncio.run(run())


def stored_state(engine: Engine) -> dict[str, str | None]:
    """canonical URL → title of every stored article: what must match between runs."""
    with engine.connect() as conn:
        return {url: title for url, title in conn.execute(
            select(schema.articles.c.canonical_url, schema.articles.c.title))}


def story_partition(engine: Engine) -> set[frozenset[str]]:
    """Stories as sets of article URLs (ids differ between runs; the grouping must not)."""
    groups: dict[int, set[str]] = {}
    with engine.connect() as conn:
        for url, story in conn.execute(select(schema.articles.c.canonical_url, schema.articles.c.story_id)
                                       .where(schema.articles.c.story_id.is_not(None))):
            groups.setdefault(story, set()).add(url)
    return {frozenset(g) for g in groups.values()}


# --- the benchmark ---------------------------------------------------------------------------------------------


@dataclass
class RunResult:
    label: str
    processes: int
    stored: int
    seconds: float
    note: str = ""
    # CPU seconds during the run: worker processes (for SQLite: the crawling process), the PostgreSQL server, this
    # process (the replay server's threads and the progress polling); and the 1-minute load when the run started.
    worker_cpu: float = 0.0
    postgres_cpu: float = 0.0
    replay_cpu: float = 0.0
    load: float = 0.0
    stories: int = 0
    kills: int = 0

    @property
    def rate(self) -> float:
        return self.stored / self.seconds if self.seconds else 0.0

    @property
    def cores(self) -> float:
        """CPU cores the run kept busy on average (workers + PostgreSQL + replay)."""
        cpu = self.worker_cpu + self.postgres_cpu + self.replay_cpu
        return cpu / self.seconds if self.seconds and self.worker_cpu else 0.0


@dataclass
class FinalState:
    """What every run must end with, whatever the number of workers: the articles and their grouping in stories."""

    articles: dict[str, str | None]
    stories: set[frozenset[str]]

    @classmethod
    def of(cls, engine: Engine) -> FinalState:
        return cls(stored_state(engine), story_partition(engine))

    def differences(self, reference: FinalState) -> str:
        """"" when equal, else what differs, for the note column."""
        if self.articles != reference.articles:
            return f"DIFFERENT articles ({len(self.articles)} vs {len(reference.articles)})!"
        if self.stories != reference.stories:
            return (f"same articles; stories {len(self.stories)} vs {len(reference.stories)}, pair agreement "
                    f"{pair_agreement(self.stories, reference.stories):.3f}")
        return ""


def _same_story_pairs(stories: set[frozenset[str]]) -> set[tuple[str, str]]:
    return {(a, b) for story in stories for a in story for b in story if a < b}


def pair_agreement(first: set[frozenset[str]], second: set[frozenset[str]]) -> float:
    """F1 of "these two articles are in one story" between two groupings of the same articles (1.0: identical).

    Online clustering depends on arrival order, which parallel workers do not fix, so runs agree closely, not
    exactly; this says how closely.
    """
    a, b = _same_story_pairs(first), _same_story_pairs(second)
    return 2 * len(a & b) / (len(a) + len(b)) if a or b else 1.0


def _proc_stat(pid: int) -> list[str] | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None


def _cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds the live processes have used so far (Linux /proc; 0 for a gone process)."""
    total = 0
    for pid in pids:
        fields = _proc_stat(pid)
        if fields:
            total += int(fields[11]) + int(fields[12])  # utime, stime in clock ticks
    return total / os.sysconf("SC_CLK_TCK")


def postgres_pids(data_dir: Path) -> list[int]:
    """The postmaster of the server on `data_dir` and its children (backends, writer, …)."""
    try:
        postmaster = int((data_dir / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return []
    children = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = _proc_stat(int(entry.name))
            if fields and int(fields[1]) == postmaster:
                children.append(int(entry.name))
    return [postmaster, *children]


def _sqlite_run(database_url: str, feeds: list[tuple[str, str, str, str]]) -> tuple[RunResult, FinalState]:
    from svodka.crawl import Crawler
    from svodka.fetch.client import Fetcher
    from svodka.pipeline import Pipeline
    from svodka.store.db import open_database

    engine = open_database(database_url)
    add_replay_sources(engine, feeds)
    settings = replay_settings(database_url)

    async def crawl() -> None:
        async with Fetcher(settings) as fetcher:
            await Crawler(engine, settings, Pipeline(engine, settings), fetcher).crawl_once()

    load = os.getloadavg()[0]
    started, cpu_before = time.perf_counter(), time.process_time()
    asyncio.run(crawl())
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu_before  # the crawl and the replay server share this process
    state = FinalState.of(engine)
    engine.dispose()
    return RunResult("SQLite, 1 process (crawl_once)", 1, len(state.articles), seconds,
                     "CPU includes the replay server", worker_cpu=cpu, load=load, stories=len(state.stories)), state


def _workers_run(database_url: str, feeds: list[tuple[str, str, str, str]], count: int, concurrency: int,
                 log_dir: Path, *, expected: int, kills: int = 0,
                 pg_data: Path | None = None) -> tuple[RunResult, FinalState]:
    from svodka.queue.app import ensure_queue_schema
    from svodka.store.db import open_database

    engine = open_database(database_url)
    ensure_queue_schema(engine)
    add_replay_sources(engine, feeds)
    load = os.getloadavg()[0]
    processes = start_workers(database_url, count, concurrency=concurrency, log_dir=log_dir)
    killed = 0
    try:
        # Startup (imports, connections) is not ingest: the clock starts when every worker is listening.
        wait_for_workers(engine, count)
        pg_pids = postgres_pids(pg_data) if pg_data else []
        started, cpu_before = time.perf_counter(), _cpu_seconds([p.pid for p in processes])
        pg_before, own_before = _cpu_seconds(pg_pids), time.process_time()
        queue_due_feeds(database_url, engine)
        kill_every = max(expected // (kills + 1), 1)

        def maybe_kill(stored: int) -> None:
            nonlocal killed
            if killed >= kills or stored < (killed + 1) * kill_every:
                return
            index = killed % len(processes)
            processes[index].kill()  # SIGKILL: its running jobs stay "doing" until its heartbeat goes stale
            processes[index].wait()
            processes[index] = start_workers(database_url, 1, concurrency=concurrency, log_dir=log_dir)[0]
            killed += 1

        stored = wait_until_drained(engine, timeout=1800, on_tick=maybe_kill if kills else None)
        seconds = time.perf_counter() - started
        # Startup is excluded; after a kill the dead worker's CPU is lost, so that run reports none.
        cpu = 0.0 if killed else _cpu_seconds([p.pid for p in processes]) - cpu_before
        pg_cpu, own_cpu = _cpu_seconds(pg_pids) - pg_before, time.process_time() - own_before
    finally:
        stop_workers(processes)
    label = f"PostgreSQL, {count} worker{'s' if count > 1 else ''}"
    note = f"{killed} × kill -9 mid-batch" if kills else ""
    state = FinalState.of(engine)
    engine.dispose()
    return RunResult(label, count, stored, seconds, note, cpu, pg_cpu, own_cpu, load, len(state.stories),
                     killed), state


def lock_throughput(database_url: str, seconds: float = 2.0) -> float:
    """Acquisitions per second of `story_assignment_lock` (empty body) in this process."""
    from svodka.store.db import make_engine
    from svodka.store.locks import story_assignment_lock

    engine = make_engine(database_url)
    count, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        with story_assignment_lock(engine):
            count += 1
    elapsed = time.perf_counter() - started
    engine.dispose()
    return count / elapsed


def assignment_throughput(database_url: str, batch: int = 1) -> tuple[int, float, float]:
    """Assign the articles of a finished run to stories again in arrival order, `batch` articles per hold of the
    story-assignment lock (a worker's ingest batch): returns (articles, articles per second in all, articles per
    second of holding the lock).

    The part under the lock is the one serialised step, so its rate is the ceiling of ingest however many workers
    run. The run's stories are deleted first (its database is not compared afterwards).
    """
    from svodka.pipeline import Pipeline
    from svodka.store.db import make_engine

    engine = make_engine(database_url)
    with engine.begin() as conn:
        conn.execute(update(schema.articles).values(story_id=None, duplicate_of=None, story_seq=None))
        conn.execute(delete(schema.stories))
        conn.execute(delete(schema.story_merges))
        ids = list(conn.execute(select(schema.articles.c.id).order_by(schema.articles.c.id)).scalars())
    pipeline = Pipeline(engine, replay_settings(database_url), enrich=False)
    started = time.perf_counter()
    for start in range(0, len(ids), batch):
        pipeline.assign_stories(ids[start: start + batch])
    elapsed = time.perf_counter() - started
    engine.dispose()
    locked = pipeline.seconds_under_lock
    return len(ids), len(ids) / elapsed if elapsed else 0.0, len(ids) / locked if locked else 0.0


def _checked(result: RunResult, state: FinalState, reference: FinalState) -> RunResult:
    """The run with a note saying whether it ended in the reference state (articles, stories)."""
    difference = state.differences(reference)
    verdict = difference or "same articles and stories as SQLite"
    result.note = "; ".join(n for n in (result.note, verdict) if n)
    return result


def _per_article_ms(cpu: float, result: RunResult) -> str:
    return f"{1000 * cpu / result.stored:.1f}" if result.stored and cpu else "—"


def print_results(console: Console, results: list[RunResult], *, concurrency: int, lock_rate: float,
                  command: str, assign_rates: dict[int, tuple[float, float]] | None = None) -> None:
    """The table, the scaling verdict and where the CPU goes, then the command that reproduces it."""
    one = next((r for r in results if r.processes == 1 and r.label.startswith("PostgreSQL")), None)
    table = Table("run", "articles", "stories", "seconds", "articles/s", "× one worker", "CPU ms/article: workers",
                  "postgres", "replay", "cores busy", "load", "note",
                  title=f"Ingest throughput (concurrency {concurrency} per worker; best of the repeats)")
    for r in results:
        ratio = f"{r.rate / one.rate:.2f}" if one and one.rate else "—"
        table.add_row(r.label, str(r.stored), str(r.stories), f"{r.seconds:.1f}", f"{r.rate:.1f}", ratio,
                      _per_article_ms(r.worker_cpu, r), _per_article_ms(r.postgres_cpu, r),
                      _per_article_ms(r.replay_cpu, r), f"{r.cores:.2f}" if r.cores else "—", f"{r.load:.1f}",
                      r.note)
    console.print(table)
    two = next((r for r in results if r.processes == 2 and r.label.startswith("PostgreSQL") and not r.kills), None)
    if one and two and one.rate:
        console.print(f"2 workers / 1 worker: {two.rate / one.rate:.2f}× (issue 6 asks ≥ 1.7×); cores kept busy "
                      f"{one.cores:.2f} → {two.cores:.2f}")
    if one and one.stored and one.worker_cpu:
        cpu_ms = 1000 * (one.worker_cpu + one.postgres_cpu + one.replay_cpu) / one.stored
        cores = os.cpu_count() or 1
        console.print(f"one article costs {cpu_ms:.1f} ms of CPU in all (workers + PostgreSQL + replay), so "
                      f"{cores} cores cap ingest near {cores * 1000 / cpu_ms:.0f} articles/s on an idle machine; "
                      "more worker processes than cores only add contention (the load column shows the machine's "
                      "other users)")
    console.print(f"story_assignment_lock: {lock_rate:.0f} acquisitions/s (one process, empty body): the ceiling "
                  "of serialised story assignment before its own work")
    for batch, (rate, locked_rate) in (assign_rates or {}).items():
        console.print(f"story assignment, {batch} article(s) per lock (a 1-worker run's articles assigned again): "
                      f"{rate:.1f} articles/s in all, {locked_rate:.1f} articles/s of holding the lock (the ceiling "
                      "of ingest with any number of workers)")
    console.print(f"rerun: {command}")


def run_bench(*, articles: int | None, worker_counts: list[int], concurrency: int, kills: int,
              repeat: int = 1) -> list[RunResult]:
    """Run every configuration `repeat` times and keep the fastest run of each (the machine is shared: the slower
    runs measure the other users), print the table and the command; returns the kept results."""
    from svodka.demo.replay import ReplayServer, load_corpus
    from svodka.store.throwaway_pg import PostgresUnavailable, ThrowawayPostgres

    console = Console(width=150)
    logging.getLogger("procrastinate").setLevel(logging.WARNING)
    corpus = load_corpus(datetime.now(UTC), limit=articles)
    console.print(f"replaying {len(corpus.articles)} articles as 4 sites on 127.0.0.1; {os.cpu_count()} CPU cores")
    results: list[RunResult] = []
    try:
        pg = ThrowawayPostgres().start()
    except PostgresUnavailable as error:
        raise RuntimeError(str(error)) from error
    with tempfile.TemporaryDirectory(prefix="svodka-bench-") as tmp, ReplayServer(corpus) as server:
        try:
            feeds = server.feeds()
            # Every run must end in the state of the single-process run: the same articles in the same stories.
            sqlite_runs = [_sqlite_run(f"sqlite:///{tmp}/bench-{n}.db", feeds) for n in range(repeat)]
            reference = sqlite_runs[0][1]
            runs = [_checked(result, state, reference) for result, state in sqlite_runs]
            results.append(max(runs, key=lambda r: r.rate))
            console.print(f"  {results[-1].label}: {', '.join(f'{r.rate:.1f}' for r in runs)} articles/s")
            assign_url: str | None = None
            for count in worker_counts:
                runs = []
                for n in range(repeat):
                    url = pg.create_database(f"bench_w{count}_{n}")
                    result, state = _workers_run(url, feeds, count, concurrency, Path(tmp),
                                                 expected=len(corpus.articles), pg_data=pg.data)
                    assign_url = assign_url or url
                    runs.append(_checked(result, state, reference))
                results.append(max(runs, key=lambda r: r.rate))
                console.print(f"  {result.label}: {', '.join(f'{r.rate:.1f}' for r in runs)} articles/s")
            if kills:
                result, state = _workers_run(pg.create_database("bench_kill"), feeds, 2, concurrency, Path(tmp),
                                             expected=len(corpus.articles), kills=kills)
                results.append(_checked(result, state, reference))
            lock_url = pg.create_database("bench_lock")
            lock_rate = lock_throughput(lock_url)
            assign_rates = {}
            if assign_url:
                for batch in sorted({1, concurrency}):
                    assign_rates[batch] = assignment_throughput(assign_url, batch)[1:]
        finally:
            pg.stop()
    command = (f"svodka bench workers --articles {articles or 0} --workers {','.join(map(str, worker_counts))} "
               f"--concurrency {concurrency} --kills {kills} --repeat {repeat}")
    print_results(console, results, concurrency=concurrency, lock_rate=lock_rate, command=command,
                  assign_rates=assign_rates)
    wrong = [r.label for r in results if "DIFFERENT articles" in r.note]
    if wrong:
        raise RuntimeError(f"runs that did not store exactly the articles of the single-process run: {wrong}")
    return results
