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
    """Apply database migrations (also done implicitly on first use)."""
    from svodka.store.db import current_revision, make_engine, upgrade

    engine = make_engine(get_settings().database_url)
    upgrade(engine)
    typer.echo(f"database at revision {current_revision(engine)}")


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)


_ = Path  # re-exported for command modules that annotate paths
