"""`story_assignment_lock`: two processes (PostgreSQL) or two threads (SQLite) never hold it at once."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from svodka.store.db import make_engine
from svodka.store.locks import story_assignment_lock, story_row_lock

ROUNDS = 15

# Each contender appends "pid enter" / "pid exit" around a short critical section.
CONTENDER = """
import os, sys, time
from svodka.store.db import make_engine
from svodka.store.locks import story_assignment_lock
engine = make_engine(sys.argv[1])
log, start, rounds = sys.argv[2], sys.argv[3], int(sys.argv[4])
while not os.path.exists(start):
    time.sleep(0.005)
for _ in range(rounds):
    with story_assignment_lock(engine):
        with open(log, "a") as fh:
            fh.write(f"{os.getpid()} enter\\n")
        time.sleep(0.01)
        with open(log, "a") as fh:
            fh.write(f"{os.getpid()} exit\\n")
"""


def _assert_never_overlapping(lines: list[str], holders: int) -> None:
    """The log must read enter/exit pairs of one holder at a time."""
    assert len(lines) == 2 * ROUNDS * holders
    for enter, leave in zip(lines[::2], lines[1::2], strict=True):
        who, what = enter.split()
        assert what == "enter", f"{enter!r} while the lock was held"
        assert leave == f"{who} exit", f"{leave!r} inside {who}'s critical section"
    assert len({line.split()[0] for line in lines}) == holders


@pytest.mark.postgres
def test_two_processes_never_hold_the_lock_together(postgres_server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    url = postgres_server.create_database("lock_processes")
    log, start = tmp_path / "log", tmp_path / "start"
    processes = [subprocess.Popen([sys.executable, "-c", CONTENDER, url, str(log), str(start), str(ROUNDS)])
                 for _ in range(2)]
    time.sleep(0.5)
    start.touch()
    for process in processes:
        assert process.wait(timeout=120) == 0
    _assert_never_overlapping(log.read_text().splitlines(), holders=2)


def test_two_threads_never_hold_the_lock_together_on_sqlite(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'lock.db'}")
    lines: list[str] = []
    go = threading.Event()

    def contend(name: str) -> None:
        go.wait()
        for _ in range(ROUNDS):
            with story_assignment_lock(engine):
                lines.append(f"{name} enter")
                time.sleep(0.002)
                lines.append(f"{name} exit")

    threads = [threading.Thread(target=contend, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    go.set()
    for thread in threads:
        thread.join(timeout=60)
    _assert_never_overlapping(lines, holders=2)


@pytest.mark.postgres
def test_lock_is_reentrant_and_released_when_its_holder_is_killed(postgres_server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    url = postgres_server.create_database("lock_kill")
    engine = make_engine(url)
    with story_assignment_lock(engine), story_assignment_lock(engine):
        pass  # a nested block in the same thread must not wait for itself
    held = tmp_path / "held"
    holder = subprocess.Popen([sys.executable, "-c", (
        "import sys, time, pathlib\n"
        "from svodka.store.db import make_engine\n"
        "from svodka.store.locks import story_assignment_lock\n"
        "with story_assignment_lock(make_engine(sys.argv[1])):\n"
        "    pathlib.Path(sys.argv[2]).touch()\n"
        "    time.sleep(600)\n"), url, str(held)])
    try:
        deadline = time.monotonic() + 60
        while not held.exists():
            assert time.monotonic() < deadline and holder.poll() is None, "the holder never took the lock"
            time.sleep(0.05)
        acquired = threading.Event()

        def take() -> None:
            with story_assignment_lock(engine):
                acquired.set()

        waiter = threading.Thread(target=take, daemon=True)
        waiter.start()
        assert not acquired.wait(0.5), "the lock was taken while another process held it"
        holder.kill()  # a crashed worker: its connection drops and PostgreSQL releases the lock
        assert acquired.wait(30), "the lock stayed held after its holder died"
    finally:
        holder.kill()
        holder.wait()
    engine.dispose()


def test_assignment_throughput_reassigns_every_article_one_lock_at_a_time(backend_url: str) -> None:
    from sqlalchemy import select
    from web_fixtures import populate

    from svodka.queue.bench import assignment_throughput
    from svodka.store.db import open_database
    from svodka.store.schema import articles, stories

    engine = open_database(backend_url)
    populate(engine)
    assigned, rate, locked_rate = assignment_throughput(backend_url)
    assert assigned == 5 and rate > 0
    assert locked_rate >= rate  # the lock is held for part of the work only
    with engine.connect() as conn:
        rows = conn.execute(select(articles.c.id, articles.c.story_id, articles.c.story_seq)
                            .order_by(articles.c.id)).all()
        story_ids = set(conn.execute(select(stories.c.id)).scalars())
    assert [r.story_seq for r in rows] == [1, 2, 3, 4, 5]  # one assignment per article, in arrival order
    assert {r.story_id for r in rows} <= story_ids and None not in {r.story_id for r in rows}
    engine.dispose()


def test_a_second_refresh_of_one_story_waits_for_the_first(backend_url: str) -> None:
    """`story_row_lock` (FOR UPDATE on PostgreSQL, a local lock on SQLite): refreshes of a story take turns."""
    from datetime import datetime

    from sqlalchemy import insert, select, update

    from svodka.store.db import open_database
    from svodka.store.schema import stories

    engine = open_database(backend_url)
    when = datetime(2025, 1, 1)
    with engine.begin() as conn:
        story_id = conn.execute(insert(stories).values(
            title="t", first_seen=when, last_seen=when, article_count=0, source_count=0, score=0.0,
            breaking=False, tags=[], updated_at=when)).inserted_primary_key[0]
    events: list[str] = []
    first_in = threading.Event()

    def refresh(name: str, count: int) -> None:
        with story_row_lock(engine, story_id) as conn:
            events.append(f"{name} in")
            first_in.set()
            seen = conn.execute(select(stories.c.article_count).where(stories.c.id == story_id)).scalar_one()
            time.sleep(0.3)
            conn.execute(update(stories).where(stories.c.id == story_id).values(article_count=seen + count))
            events.append(f"{name} out")

    first = threading.Thread(target=refresh, args=("a", 1))
    first.start()
    assert first_in.wait(30)
    second = threading.Thread(target=refresh, args=("b", 10))
    second.start()
    first.join(60)
    second.join(60)
    assert events == ["a in", "a out", "b in", "b out"]
    with engine.connect() as conn:
        # The second read what the first wrote: no update was lost.
        assert conn.execute(select(stories.c.article_count).where(stories.c.id == story_id)).scalar_one() == 11
    engine.dispose()
