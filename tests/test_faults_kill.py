"""SIGKILL at random moments during ingest: `svodka crawl` killed -9 again and again on one SQLite database, then
let finish. Nothing may be corrupted, lost or stored twice, and every stage must have run on every article."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, func, select, text

from svodka.demo.replay import ReplayServer, load_corpus
from svodka.store import schema
from svodka.store import sources as store_sources
from svodka.store.db import open_database

PAGES = 60
KILLS = 22
SEED = 20261125
# A few kills land at a random time during start-up (imports, first poll). The others wait for a random number of
# changes of the database (pages kept, articles saved, enriched, assigned, indexed, marked) plus a random fraction
# of a second, so they land inside the ingest on a fast or a loaded machine alike (model loading takes 3-10 s).
EARLY_KILLS = 5
MAX_RUN = 60.0


def db_state(engine: Engine) -> tuple[object, ...]:
    """Marks that move with every ingest step, redone work included (times of the last write of each step), and
    at the end the counts (raw pages, articles, ingested, queue items done)."""
    a = schema.articles.c
    with engine.connect() as conn:
        return tuple(conn.execute(select(
            select(func.max(schema.raw_pages.c.fetched_at)).scalar_subquery(),
            select(func.max(a.updated_at)).scalar_subquery(),
            select(func.max(a.enriched_at)).scalar_subquery(),
            select(func.max(a.story_seq)).scalar_subquery(),
            select(func.count()).select_from(schema.raw_pages).scalar_subquery(),
            select(func.count()).select_from(schema.articles).scalar_subquery(),
            select(func.count(a.ingested_at)).scalar_subquery(),
            select(func.count()).select_from(schema.feed_items).where(schema.feed_items.c.state == "done")
            .scalar_subquery(),
        )).one())


def wait_for_kill_moment(engine: Engine, process: subprocess.Popen[bytes], rng: random.Random, early: bool) -> None:
    if early:
        time.sleep(rng.uniform(0.3, 3.0))
        return
    target, extra = rng.randint(1, 5), rng.uniform(0.0, 0.4)
    state, changes = db_state(engine), 0
    deadline = time.monotonic() + MAX_RUN
    while changes < target and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.05)
        new = db_state(engine)
        if new != state:
            changes, state = changes + 1, new
        if state[-1] == PAGES and state[-2] == PAGES:
            break  # nothing left to ingest: kill the idle crawler now
    time.sleep(extra)


def scalar(engine: Engine, query) -> int:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return int(conn.execute(query).scalar_one())


def crawl_env(database_url: str) -> dict[str, str]:
    return {**os.environ, "SVODKA_DATABASE_URL": database_url, "SVODKA_ALLOW_PRIVATE_NETWORKS": "1",
            "SVODKA_PER_HOST_DELAY": "0", "SVODKA_PER_HOST_CONCURRENCY": "8", "SVODKA_LOG_LEVEL": "WARNING"}


def test_sigkill_during_ingest_loses_and_doubles_nothing(tmp_path: Path) -> None:
    database_url = f"sqlite:///{tmp_path / 'svodka.db'}"
    engine = open_database(database_url)
    corpus = load_corpus(datetime.now(UTC), limit=PAGES)
    rng = random.Random(SEED)
    log_path = tmp_path / "crawl.log"
    env = crawl_env(database_url)
    kills = killed_mid_ingest = 0
    started = time.monotonic()
    with ReplayServer(corpus) as server, log_path.open("a") as log:
        now = datetime.now(UTC).replace(tzinfo=None)
        for name, feed_url, site_url, zone in server.feeds():
            store_sources.add_source(engine, feed_url, name=name, site_url=site_url, timezone=zone, now=now)
        expected = {f"{server.base_url}/{a.site}/{a.slug}.html" for a in corpus.articles.values()}
        early_runs = set(rng.sample(range(KILLS), EARLY_KILLS))
        for run in range(KILLS):
            before = db_state(engine)
            process = subprocess.Popen([sys.executable, "-m", "svodka", "crawl"], cwd=tmp_path, env=env,
                                       stdout=subprocess.DEVNULL, stderr=log)
            wait_for_kill_moment(engine, process, rng, early=run in early_runs)
            assert process.poll() is None, f"crawl exited by itself ({process.returncode}); see {log_path}"
            os.kill(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
            kills += 1
            # This run wrote something and left pages fetched or articles stored but not ingested: cut mid-ingest.
            *_, raw, stored, ingested, done = after = db_state(engine)
            killed_mid_ingest += after != before and (stored > ingested or raw > done)
        killing_took = time.monotonic() - started
        finish = subprocess.run([sys.executable, "-m", "svodka", "crawl", "--once"], cwd=tmp_path, env=env,
                                stdout=subprocess.PIPE, stderr=log, text=True, timeout=600)
    elapsed = time.monotonic() - started
    print(f"{kills} SIGKILLs ({killed_mid_ingest} cut an ingest in half), {PAGES} pages, {killing_took:.0f} s of "
          f"kills, {elapsed - killing_took:.0f} s to finish")
    assert finish.returncode == 0, log_path.read_text()[-3000:]
    assert kills >= 20
    assert killed_mid_ingest >= 1  # the kills did land inside ingests, not only between them

    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA integrity_check")).scalar_one() == "ok"
        # The full-text index (external content, kept by triggers) agrees with its table.
        conn.execute(text("INSERT INTO search_fts(search_fts) VALUES ('integrity-check')"))
        urls = list(conn.execute(select(schema.articles.c.canonical_url)).scalars())
        states = dict(conn.execute(select(schema.feed_items.c.state, func.count())
                                   .group_by(schema.feed_items.c.state)).all())
    assert len(urls) == len(set(urls)) == PAGES
    assert set(urls) == expected
    assert states == {"done": PAGES}
    articles = schema.articles.c
    assert scalar(engine, select(func.count()).select_from(schema.articles).where(articles.ingested_at.is_(None))) == 0
    assert scalar(engine, select(func.count()).select_from(schema.articles).where(articles.enriched_at.is_(None))) == 0
    assert scalar(engine, select(func.count()).select_from(schema.articles).where(articles.story_id.is_(None))) == 0
    assert scalar(engine, text("SELECT count(*) FROM search_docs")) == PAGES
    # Every story's counters match its members (refreshed after the last assignment, not left half-done).
    with engine.connect() as conn:
        members = dict(conn.execute(select(articles.story_id, func.count()).group_by(articles.story_id)).all())
        counted = dict(conn.execute(select(schema.stories.c.id, schema.stories.c.article_count)).all())
    assert {k: v for k, v in counted.items() if v} == members
