"""A local "replay" of a few news sites: RSS feeds and article pages built from a real corpus.

The pages look like real outlets' pages (byline, dateline with offset, photo with credit, sub-headings, tag list,
"Читайте также", share buttons, and for some articles a rewrite credit "…, сообщает …") so the demo exercises the
normal fetch → extract → enrich → stories path. The corpus is BSNLP from ../shared/data when present, otherwise a small
sample written for this project.
"""

from __future__ import annotations

import html
import random
import re
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

# The replayed outlets: names, time zones and house styles are ours; only the texts come from the corpus.
SITES = (
    ("Степь Ньюс", "step", "Asia/Almaty"),
    ("Ташкент Дейли", "tashkent", "Asia/Tashkent"),
    ("Бишкек Пресс", "bishkek", "Asia/Bishkek"),
    ("Столичный вестник", "vestnik", "Europe/Moscow"),
)
AUTHORS = ("Айгерим Сапарова", "Дмитрий Попов", "Нодира Каримова", "Азамат Исаев", "Ольга Ким")
CREDITS = ("Акорда", "пресс-служба правительства", "Дмитрий Азаров / Коммерсантъ", "pixabay.com")
# Outlets some replayed articles credit as their original source, with the address "Читать на сайте" links to.
ORIGINS = {"prosud.kz": "https://prosud.kz/", "ТАСС": "https://tass.ru/", "Интерфакс": "https://www.interfax.ru/",
           "kun.uz": "https://kun.uz/"}
# The replay's photos: one neutral picture, so article pages show an image with its credit.
PLACEHOLDER_PICTURE = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="1200" height="675" viewBox="0 0 1200 675">'
    b'<rect width="1200" height="675" fill="#dfe6ee"/><circle cx="930" cy="170" r="80" fill="#f4c95d"/>'
    b'<path d="M0 560 L300 330 L520 520 L760 300 L1200 600 L1200 675 L0 675 Z" fill="#8aa4bf"/></svg>'
)
TOPIC_NAMES = {
    "asia_bibi": "Азия Биби", "brexit": "Брексит", "nord_stream": "Северный поток", "ec": "Еврокомиссия",
    "trump": "Дональд Трамп", "covid-19": "Коронавирус", "us_election_2020": "Выборы в США",
}


@dataclass
class ReplayArticle:
    slug: str
    site: str
    title: str
    paragraphs: list[str]
    published: datetime
    topic: str
    author: str
    credit: str
    origin: str | None = None
    related: list[str] = field(default_factory=list)


@dataclass
class ReplayCorpus:
    articles: dict[tuple[str, str], ReplayArticle] = field(default_factory=dict)

    def by_site(self, site: str) -> list[ReplayArticle]:
        items = [a for a in self.articles.values() if a.site == site]
        return sorted(items, key=lambda a: a.published, reverse=True)


def _split_paragraphs(text: str) -> list[str]:
    paragraphs = [p.strip() for p in text.replace("\r", "").split("\n") if len(p.strip()) > 1]
    return paragraphs or [text.strip()]


def _sample_documents() -> list[tuple[str, str, str]]:
    """A tiny corpus written for this project, used when BSNLP is absent: (topic, title, text)."""
    return [
        ("energy", "В Казахстане запустили новую солнечную электростанцию",
         "В Туркестанской области Казахстана начала работу солнечная электростанция мощностью 100 мегаватт.\n"
         "Проект стоимостью 120 млн долларов реализован совместно с инвесторами из ОАЭ. По данным министерства "
         "энергетики, станция обеспечит электричеством около 50 тысяч домохозяйств.\n"
         "К 2030 году доля возобновляемых источников в энергобалансе страны должна достичь 15%."),
        ("energy", "Солнечная станция на 100 МВт заработала в Туркестанской области",
         "Новая солнечная электростанция мощностью 100 МВт введена в эксплуатацию в Туркестанской области.\n"
         "Инвестиции в проект составили 120 млн долларов, его реализовали при участии компании из ОАЭ.\n"
         "Министерство энергетики Казахстана ожидает, что к 2030 году ВИЭ дадут 15% выработки."),
        ("summit", "Токаев и Мирзиёев обсудили сотрудничество в Ташкенте",
         "Президент Казахстана Касым-Жомарт Токаев прибыл в Ташкент с государственным визитом.\n"
         "На переговорах с Шавкатом Мирзиёевым стороны обсудили 78 совместных проектов на общую сумму "
         "$10 млрд.\nЛидеры договорились довести товарооборот до 10 млрд долларов к 2030 году."),
        ("summit", "Касым-Жомарт Токаев прибыл с визитом в Узбекистан",
         "Глава Казахстана Касым-Жомарт Токаев находится с государственным визитом в Узбекистане.\n"
         "В Ташкенте Токаев и Шавкат Мирзиёев подписали соглашения о 78 совместных проектах.\n"
         "Общая стоимость проектов оценивается в 10 млрд долларов."),
        ("football", "Сборная Кыргызстана по футболу обыграла Таджикистан",
         "Национальная сборная Кыргызстана победила команду Таджикистана со счётом 2:1 в товарищеском матче.\n"
         "Оба мяча у кыргызстанцев забил нападающий команды во втором тайме.\n"
         "Следующую игру сборная проведёт в Бишкеке через месяц."),
        ("budget", "Правительство России внесло в Госдуму проект бюджета",
         "Правительство России внесло в Государственную думу проект федерального бюджета на три года.\n"
         "Доходы запланированы на уровне 40 трлн рублей, расходы составят 42 трлн рублей.\n"
         "Дефицит бюджета ожидается на уровне 1,7% ВВП."),
    ]


def load_corpus(now: datetime, limit: int | None = None, seed: int = 7) -> ReplayCorpus:
    """Spread the corpus over the four sites and the last three days, deterministic for a given seed."""
    rng = random.Random(seed)
    try:
        from svodka.corpora.bsnlp import iter_documents

        # A few BSNLP "titles" are page furniture ("Search form"): an outlet would not publish those.
        documents = [(d.topic, d.title, d.text) for d in iter_documents()
                     if d.text and re.search("[А-Яа-яЁё]{3}", d.title or "")]
    except FileNotFoundError:
        documents = []
    if not documents:
        documents = _sample_documents()
    seen_titles: set[str] = set()
    unique = []
    for topic, title, text in documents:
        if title not in seen_titles:
            seen_titles.add(title)
            unique.append((topic, title, text))
    rng.shuffle(unique)
    if limit:
        unique = unique[:limit]
    corpus = ReplayCorpus()
    by_topic: dict[str, list[ReplayArticle]] = {}
    for index, (topic, title, text) in enumerate(unique):
        site = SITES[index % len(SITES)][1]
        article = ReplayArticle(
            slug=f"news-{index + 1}",
            site=site,
            title=title,
            paragraphs=_split_paragraphs(text),
            published=(now - timedelta(minutes=rng.randint(10, 72 * 60))).replace(second=0, microsecond=0),
            topic=TOPIC_NAMES.get(topic, topic),
            author=rng.choice(AUTHORS),
            credit=rng.choice(CREDITS),
            origin=rng.choice(sorted(ORIGINS)) if rng.random() < 0.25 else None,
        )
        corpus.articles[(site, article.slug)] = article
        by_topic.setdefault(topic, []).append(article)
    for group in by_topic.values():
        for article in group:
            others = [a for a in group if a is not article and a.site == article.site][:3]
            article.related = [a.slug for a in others]
    return corpus


def _site_meta(site: str) -> tuple[str, str]:
    for name, key, zone in SITES:
        if key == site:
            return name, zone
    raise KeyError(site)


def render_article(article: ReplayArticle, base_url: str, corpus: ReplayCorpus) -> str:
    site_name, zone = _site_meta(article.site)
    local = article.published.astimezone(ZoneInfo(zone))
    esc = html.escape
    url = f"{base_url}/{article.site}/{article.slug}.html"
    lead = article.paragraphs[0]
    body_parts = []
    rest = article.paragraphs[1:]
    for i, paragraph in enumerate(rest):
        # A sub-heading every few paragraphs, from the paragraph's opening words, as many outlets do.
        if i and i % 4 == 0:
            heading = " ".join(paragraph.split()[:5]).rstrip(",.:;")
            body_parts.append(f"<h2>{esc(heading)}</h2>")
        body_parts.append(f"<p>{esc(paragraph)}</p>")
    if article.origin:
        lead_html = f"{esc(lead.rstrip('.'))}, сообщает {esc(article.origin)}."
        body_parts.append(f'<p class="source"><a href="{esc(ORIGINS[article.origin])}">Читать на сайте '
                          f"{esc(article.origin)}</a></p>")
    else:
        lead_html = esc(lead)
    related = "".join(
        f'<li><a href="/{article.site}/{slug}.html">{esc(corpus.articles[(article.site, slug)].title)}</a></li>'
        for slug in article.related
    )
    tags = "".join(f'<a href="/{article.site}/tag/{esc(t)}">{esc(t)}</a> ' for t in (article.topic, site_name))
    return f"""<!DOCTYPE html>
<html lang="ru"><head><meta charset="utf-8">
<title>{esc(article.title)} — {esc(site_name)}</title>
<link rel="canonical" href="{esc(url)}">
<meta property="og:title" content="{esc(article.title)}">
<meta property="og:type" content="article">
<meta property="og:image" content="{esc(base_url)}/static/{esc(article.slug)}.jpg">
<meta property="article:published_time" content="{local.isoformat()}">
<meta property="article:section" content="{esc(article.topic)}">
<meta name="author" content="{esc(article.author)}">
<meta name="keywords" content="{esc(article.topic)}, {esc(site_name)}">
</head><body>
<header><nav><a href="/{article.site}/">{esc(site_name)}</a> | <a href="/{article.site}/rss.xml">RSS</a></nav></header>
<main><article>
<div class="breadcrumbs"><a href="/{article.site}/">Главная</a> / <a href="/{article.site}/{esc(article.topic)}/">
{esc(article.topic)}</a></div>
<h1>{esc(article.title)}</h1>
<div class="meta"><time datetime="{local.isoformat()}">{local.strftime("%d.%m.%Y %H:%M")}</time>
<span class="byline">Автор: <a rel="author" href="/{article.site}/authors/">{esc(article.author)}</a></span></div>
<figure><img src="/static/{esc(article.slug)}.jpg" alt=""><figcaption>Иллюстративное фото. Фото: {esc(article.credit)}
</figcaption></figure>
<p class="lead"><strong>{lead_html}</strong></p>
{"".join(body_parts)}
<div class="tags">Теги: {tags}</div>
<div class="share">Поделиться: <a href="#">Telegram</a> <a href="#">WhatsApp</a> · Комментарии (0)</div>
<aside class="related"><h3>Читайте также</h3><ul>{related}</ul></aside>
</article></main>
<footer>© {esc(site_name)}. Подписывайтесь на наш Telegram-канал.</footer>
</body></html>"""


def render_feed(site: str, base_url: str, corpus: ReplayCorpus) -> str:
    site_name, _ = _site_meta(site)
    esc = html.escape
    items = []
    for article in corpus.by_site(site):
        link = f"{base_url}/{site}/{article.slug}.html"
        items.append(
            f"<item><title>{esc(article.title)}</title><link>{esc(link)}</link><guid>{esc(link)}</guid>"
            f"<pubDate>{format_datetime(article.published.astimezone(UTC))}</pubDate>"
            f"<category>{esc(article.topic)}</category>"
            f"<description>{esc(article.paragraphs[0][:300])}</description></item>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
        f"<title>{esc(site_name)}</title><link>{esc(base_url)}/{site}/</link><ttl>15</ttl>"
        f"<description>{esc(site_name)}: новости</description>{''.join(items)}</channel></rss>"
    )


class ReplayServer:
    """Serves the corpus on 127.0.0.1 in a background thread: `/{site}/rss.xml`, `/{site}/{slug}.html`."""

    def __init__(self, corpus: ReplayCorpus, host: str = "127.0.0.1", port: int = 0) -> None:
        self.corpus = corpus
        handler = self._make_handler()
        self.httpd = ThreadingHTTPServer((host, port), handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def feeds(self) -> list[tuple[str, str, str, str]]:
        """(name, feed_url, site_url, timezone) of each replayed outlet."""
        return [(name, f"{self.base_url}/{key}/rss.xml", f"{self.base_url}/{key}/", zone) for name, key, zone in SITES]

    def _make_handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
                pass

            def do_GET(self) -> None:  # noqa: N802 - stdlib name
                path = urlsplit(self.path).path
                parts = [p for p in path.split("/") if p]
                body, ctype, status = b"not found", "text/plain; charset=utf-8", 404
                if path == "/robots.txt":
                    body, ctype, status = b"User-agent: *\nDisallow: /private/\n", "text/plain", 200
                elif len(parts) == 2 and parts[1] == "rss.xml" and parts[0] in {s[1] for s in SITES}:
                    body = render_feed(parts[0], server.base_url, server.corpus).encode()
                    ctype, status = "application/rss+xml; charset=utf-8", 200
                elif len(parts) == 2 and parts[0] == "static":
                    body, ctype, status = PLACEHOLDER_PICTURE, "image/svg+xml", 200
                elif len(parts) == 2 and parts[1].endswith(".html"):
                    article = server.corpus.articles.get((parts[0], parts[1].removesuffix(".html")))
                    if article:
                        body = render_article(article, server.base_url, server.corpus).encode()
                        ctype, status = "text/html; charset=utf-8", 200
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        return Handler

    def __enter__(self) -> ReplayServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
