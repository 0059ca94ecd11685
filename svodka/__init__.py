"""svodka: a self-hosted news aggregator for Russian-language media of Central Asia and the CIS."""

__version__ = "0.1.0"
USER_AGENT = f"svodka/{__version__} (+https://github.com/svodka/svodka; news aggregator bot)"
