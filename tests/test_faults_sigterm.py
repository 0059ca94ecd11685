"""Graceful shutdown: SIGTERM to `svodka crawl` in the middle of an ingest. The chunk being ingested finishes, fetches
in flight go back to the queue, the process exits 0, and a restart picks up exactly what was left."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select, text

from svodka.demo.replay import ReplayServer, load_corpus
from svodka.store import schema
from svodka.store import sources as store_sources
from svodka.store.db import open_database

PAGES = 60


def test_sigterm_during_ingest_finishes_the_chunk_and_requeues_the_rest(tmp_path: Path) -> None:
    database_url = f"sqlite:///{tmp_path / 'svodka.db'}"
    engine = open_database(database_url)
    corpus = load_corpus(datetime.now(UTC), limit=PAGES)
    env = {**os.environ, "SVODKA_DATABASE_URL": database_url, "SVODKA_ALLOW_PRIVATE_NETWORKS": "1",
           "SVODKA_PER_HOST_DELAY": "0", "SVODKA_PER_HOST_CONCURRENCY": "8"}
    articles = schema.articles.c

    def counts() -> tuple[int, int]:
        with engine.connect() as conn:
            return tuple(conn.execute(select(func.count(), func.count(articles.ingested_at))).one())  # type: ignore[return-value]

    with ReplayServer(corpus) as server:
        now = datetime.now(UTC).replace(tzinfo=None)
        for name, feed_url, site_url, zone in server.feeds():
            store_sources.add_source(engine, feed_url, name=name, site_url=site_url, timezone=zone, now=now)
        process = subprocess.Popen([sys.executable, "-m", "svodka", "crawl"], cwd=tmp_path, env=env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        try:
            deadline = time.monotonic() + 180
            # Articles stored but not yet ingested: the first chunk is inside the pipeline right now.
            while time.monotonic() < deadline and process.poll() is None:
                stored, ingested = counts()
                if stored > ingested:
                    break
                time.sleep(0.05)
            assert process.poll() is None and stored > ingested, "never caught the crawler inside an ingest"
            process.send_signal(signal.SIGTERM)
            _, stderr = process.communicate(timeout=180)
        finally:
            if process.poll() is None:
                process.kill()
        assert process.returncode == 0, stderr[-3000:]
        assert "stopped: stored" in stderr

        with engine.connect() as conn:
            states = dict(conn.execute(select(schema.feed_items.c.state, func.count())
                                       .group_by(schema.feed_items.c.state)).all())
        stored, ingested = counts()
        # The chunk that was in the pipeline finished; nothing is left half-ingested or in an in-between state.
        assert stored == ingested > 0
        assert set(states) <= {"new", "done"}
        assert states["done"] == stored
        assert states.get("new", 0) == PAGES - stored

        restart = subprocess.run([sys.executable, "-m", "svodka", "crawl", "--once"], cwd=tmp_path, env=env,
                                 capture_output=True, text=True, timeout=600)
    assert restart.returncode == 0, restart.stderr[-3000:]
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA integrity_check")).scalar_one() == "ok"
        urls = list(conn.execute(select(articles.canonical_url)).scalars())
        states = dict(conn.execute(select(schema.feed_items.c.state, func.count())
                                   .group_by(schema.feed_items.c.state)).all())
    assert len(urls) == len(set(urls)) == PAGES
    assert states == {"done": PAGES}
    assert counts() == (PAGES, PAGES)
