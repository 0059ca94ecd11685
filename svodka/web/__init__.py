"""The site: server-rendered pages, the JSON API, feeds out, metrics and admin (FastAPI; see `app.create_app`)."""
