"""The offline demo: a local replay of news sites that the real crawler ingests."""
