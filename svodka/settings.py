"""One settings object: defaults, then an optional TOML file, then SVODKA_* environment variables.

The TOML file is `./svodka.toml` or the path in SVODKA_CONFIG; keys are the field names below.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields
from functools import lru_cache
from pathlib import Path


@dataclass(frozen=True)
class Settings:
    database_url: str = "sqlite:///var/svodka.db"
    allow_private_networks: bool = False
    # Politeness: at most this many requests in flight per host, and this delay between them.
    per_host_concurrency: int = 2
    per_host_delay: float = 1.0
    total_concurrency: int = 16
    request_timeout: float = 20.0
    max_response_bytes: int = 10 * 1024 * 1024
    max_redirects: int = 5
    # Adaptive polling bounds (Miniflux's entry-frequency rule, clamped).
    min_poll_interval: int = 5 * 60
    max_poll_interval: int = 24 * 3600
    max_items_per_feed: int = 200
    site_timezone: str = "Asia/Almaty"
    default_source_timezone: str = "Asia/Almaty"
    host: str = "127.0.0.1"
    port: int = 8000
    admin_token: str = ""
    # Per-client token buckets on search and the JSON API: requests per minute and burst; 0 per minute disables.
    rate_limit_search: int = 60
    rate_limit_search_burst: int = 30
    rate_limit_api: int = 600
    rate_limit_api_burst: int = 120
    # Comma-separated addresses or networks of reverse proxies whose X-Forwarded-For names the client.
    trusted_proxies: str = ""
    log_level: str = "INFO"
    extra: dict[str, str] = field(default_factory=dict)


def _coerce(raw: str, kind: type) -> object:
    if kind is bool:
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    if kind is int:
        return int(raw)
    if kind is float:
        return float(raw)
    return raw


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    """Build settings from the TOML file (if any) and the environment; unknown keys are an error."""
    env = dict(os.environ if environ is None else environ)
    values: dict[str, object] = {}
    kinds = {f.name: f.type for f in fields(Settings) if f.name != "extra"}
    type_map = {"str": str, "bool": bool, "int": int, "float": float}
    config_path = Path(env.get("SVODKA_CONFIG", "svodka.toml"))
    if config_path.is_file():
        with config_path.open("rb") as fh:
            data = tomllib.load(fh)
        for key, value in data.items():
            if key not in kinds:
                raise ValueError(f"{config_path}: unknown setting {key!r}")
            values[key] = value
    for name, kind in kinds.items():
        raw = env.get(f"SVODKA_{name.upper()}")
        if raw is not None:
            values[name] = _coerce(raw, type_map[str(kind)])
    return Settings(**values)  # type: ignore[arg-type]


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
