"""A small local news site for the worker tests: an RSS feed of 36 Russian articles about 9 events (4 outlets' takes
on each, so a story stage has something to group), served by pytest-httpserver with an optional delay per page.

The texts are written for these tests; names of people and places are real, the events are made up.
"""

from __future__ import annotations

import html
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

# (titles of the four takes, facts every take retells in its own order)
EVENTS: list[tuple[list[str], list[str]]] = [
    (["В Туркестанской области запустили солнечную электростанцию на 100 МВт",
      "Новая солнечная станция заработала на юге Казахстана",
      "Казахстан ввёл в строй солнечную электростанцию мощностью 100 мегаватт",
      "Солнечная электростанция в Туркестанской области дала первый ток"],
     ["Станция мощностью 100 мегаватт построена за полтора года на участке в 200 гектаров.",
      "Инвестиции в проект составили 120 миллионов долларов, деньги вложили компании из ОАЭ.",
      "По расчётам министерства энергетики, станция обеспечит светом около 50 тысяч домохозяйств.",
      "К 2030 году доля возобновляемых источников в энергобалансе Казахстана должна достичь 15 процентов."]),
    (["Токаев и Мирзиёев обсудили в Ташкенте 78 совместных проектов",
      "Президент Казахстана прибыл с государственным визитом в Узбекистан",
      "Казахстан и Узбекистан договорились довести товарооборот до 10 млрд долларов",
      "В Ташкенте прошли переговоры Касым-Жомарта Токаева и Шавката Мирзиёева"],
     ["Касым-Жомарт Токаев прибыл в Ташкент с государственным визитом по приглашению Шавката Мирзиёева.",
      "Стороны обсудили 78 совместных проектов на общую сумму около 10 миллиардов долларов.",
      "Лидеры договорились довести взаимный товарооборот до 10 миллиардов долларов к 2030 году.",
      "По итогам встречи подписаны соглашения о промышленной кооперации и транзите грузов."]),
    (["Сборная Кыргызстана по футболу обыграла Таджикистан со счётом 2:1",
      "Кыргызстанские футболисты победили соседей в товарищеском матче",
      "Товарищеский матч Кыргызстан — Таджикистан завершился победой хозяев",
      "Два гола во втором тайме принесли Кыргызстану победу над Таджикистаном"],
     ["Национальная сборная Кыргызстана победила команду Таджикистана со счётом 2:1.",
      "Матч прошёл на стадионе имени Долена Омурзакова в Бишкеке при 15 тысячах зрителей.",
      "Оба мяча у хозяев забил нападающий команды во втором тайме, гости отыгрались с пенальти.",
      "Следующую игру сборная Кыргызстана проведёт через месяц в Омане."]),
    (["Правительство России внесло в Госдуму проект бюджета на три года",
      "Дефицит федерального бюджета России ожидается на уровне 1,7% ВВП",
      "Доходы российского бюджета запланированы на уровне 40 трлн рублей",
      "Госдума получила проект федерального бюджета на 2027–2029 годы"],
     ["Правительство России внесло в Государственную думу проект федерального бюджета на три года.",
      "Доходы запланированы на уровне 40 триллионов рублей, расходы составят 42 триллиона рублей.",
      "Дефицит бюджета ожидается на уровне 1,7 процента валового внутреннего продукта.",
      "Первое чтение документа в Госдуме намечено на конец октября."]),
    (["В Алматы открыли новую линию метро с тремя станциями",
      "Алматинское метро продлили на три станции",
      "Жители Алматы получили три новые станции метрополитена",
      "Новый участок метро в Алматы перевезёт 40 тысяч пассажиров в день"],
     ["В Алматы открылся новый участок метрополитена длиной 8,5 километра с тремя станциями.",
      "По оценке акимата, новый участок будет перевозить около 40 тысяч пассажиров в день.",
      "Стоимость строительства составила 180 миллиардов тенге, работы шли четыре года.",
      "Интервал движения поездов в часы пик сократится до шести минут."]),
    (["Узбекистан повысил минимальную зарплату на 10 процентов",
      "Минимальная зарплата в Узбекистане выросла до 1,1 млн сумов",
      "В Узбекистане с 1 августа увеличены зарплаты, пенсии и пособия",
      "Указ о повышении минимальной оплаты труда подписан в Узбекистане"],
     ["Президент Узбекистана подписал указ о повышении минимальной заработной платы на 10 процентов.",
      "С 1 августа минимальная зарплата составит 1,1 миллиона сумов в месяц.",
      "Одновременно на ту же величину повышаются пенсии, стипендии и социальные пособия.",
      "На эти цели из государственного бюджета будет направлено около 4 триллионов сумов."]),
    (["В Бишкеке из-за ремонта теплотрассы без горячей воды остались 20 тысяч человек",
      "Отключение горячей воды затронуло три микрорайона Бишкека",
      "Коммунальщики Бишкека обещают вернуть горячую воду через трое суток",
      "Авария на теплотрассе оставила часть Бишкека без горячей воды"],
     ["В трёх микрорайонах Бишкека отключена горячая вода из-за ремонта магистральной теплотрассы.",
      "Без горячего водоснабжения остались около 20 тысяч жителей столицы Кыргызстана.",
      "В компании «Бишкектеплосеть» пообещали завершить работы в течение трёх суток.",
      "Ремонт потребовался после порыва трубы диаметром 800 миллиметров."]),
    (["Казахстанская пшеница подешевела на 7 процентов за месяц",
      "Цены на зерно в Казахстане снижаются после рекордного урожая",
      "Экспортные цены на казахстанскую пшеницу упали до 230 долларов за тонну",
      "Рекордный урожай обрушил цены на пшеницу в Казахстане"],
     ["Экспортные цены на казахстанскую пшеницу за месяц снизились на 7 процентов.",
      "Тонна зерна третьего класса на границе стоит около 230 долларов.",
      "Аналитики связывают снижение с рекордным урожаем в 26 миллионов тонн.",
      "Главными покупателями казахстанского зерна остаются Узбекистан, Таджикистан и Афганистан."]),
    (["Авиакомпания Air Astana открыла прямые рейсы из Астаны в Сеул",
      "Из Астаны в Сеул теперь можно долететь без пересадок",
      "Air Astana начала полёты в Южную Корею из столицы Казахстана",
      "Первый прямой рейс Астана — Сеул выполнен 1 сентября"],
     ["Авиакомпания Air Astana открыла прямые рейсы между Астаной и Сеулом.",
      "Полёты будут выполняться три раза в неделю на самолётах Airbus A321LR.",
      "Время в пути составит около семи часов, билет в одну сторону стоит от 180 тысяч тенге.",
      "Ранее в Южную Корею из Казахстана можно было долететь без пересадки только из Алматы."]),
]
OUTLETS = ("Степь Ньюс", "Ташкент Дейли", "Бишкек Пресс", "Столичный вестник")
AUTHORS = ("Айгерим Сапарова", "Дмитрий Попов", "Нодира Каримова", "Азамат Исаев")


@dataclass
class SiteArticle:
    slug: str
    title: str
    paragraphs: list[str]
    published: datetime
    outlet: str
    author: str


def build_articles(now: datetime) -> list[SiteArticle]:
    """Every event told four times: each outlet rotates the facts and adds its own closing line."""
    result = []
    for e, (titles, facts) in enumerate(EVENTS):
        for t, title in enumerate(titles):
            rotated = facts[t:] + facts[:t]
            closing = f"Подробности читайте на сайте «{OUTLETS[t]}» и в наших социальных сетях."
            result.append(SiteArticle(
                slug=f"news-{e + 1}-{t + 1}", title=title, paragraphs=[*rotated, closing],
                published=now - timedelta(hours=e, minutes=7 * t), outlet=OUTLETS[t], author=AUTHORS[(e + t) % 4]))
    return result


def render_page(article: SiteArticle, base_url: str) -> str:
    esc = html.escape
    url = f"{base_url}/news/{article.slug}.html"
    stamp = article.published.isoformat()
    body = "".join(f"<p>{esc(p)}</p>" for p in article.paragraphs[1:])
    return f"""<!DOCTYPE html>
<html lang="ru"><head><meta charset="utf-8"><title>{esc(article.title)} — {esc(article.outlet)}</title>
<link rel="canonical" href="{esc(url)}">
<meta property="og:title" content="{esc(article.title)}"><meta property="og:type" content="article">
<meta property="article:published_time" content="{stamp}"><meta name="author" content="{esc(article.author)}">
</head><body><header><nav><a href="/">Главная</a> | <a href="/news/rss.xml">RSS</a></nav></header>
<main><article><h1>{esc(article.title)}</h1>
<div class="meta"><time datetime="{stamp}">{article.published.strftime("%d.%m.%Y %H:%M")}</time>
<span class="byline">Автор: {esc(article.author)}</span></div>
<p class="lead"><strong>{esc(article.paragraphs[0])}</strong></p>{body}
<div class="share">Поделиться: <a href="#">Telegram</a> <a href="#">WhatsApp</a></div>
</article></main><footer>© {esc(article.outlet)}</footer></body></html>"""


def render_feed(articles: list[SiteArticle], base_url: str) -> str:
    esc = html.escape
    items = "".join(
        f"<item><title>{esc(a.title)}</title><link>{base_url}/news/{a.slug}.html</link>"
        f"<guid>{base_url}/news/{a.slug}.html</guid><pubDate>{format_datetime(a.published)}</pubDate>"
        f"<description>{esc(a.paragraphs[0])}</description></item>"
        for a in articles)
    return (f'<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel><title>Лента новостей</title>'
            f"<link>{base_url}/</link><description>Новости Центральной Азии</description>{items}</channel></rss>")


def serve_site(server: HTTPServer, *, page_delay: float = 0.0) -> list[SiteArticle]:
    """Register the feed (/news/rss.xml) and the pages on the server; pages answer after `page_delay` s."""
    base_url = server.url_for("").rstrip("/")
    articles = build_articles(datetime(2026, 11, 20, 12, 0, tzinfo=UTC))
    pages = {f"/news/{a.slug}.html": render_page(a, base_url) for a in articles}

    def page(request: Request) -> Response:
        time.sleep(page_delay)  # keeps jobs "doing" long enough for a kill -9 to land mid-batch
        return Response(pages[request.path], content_type="text/html; charset=utf-8")

    server.expect_request("/news/rss.xml").respond_with_data(
        render_feed(articles, base_url), content_type="application/rss+xml; charset=utf-8")
    server.expect_request("/robots.txt").respond_with_data("User-agent: *\nAllow: /\n", content_type="text/plain")
    for path in pages:
        server.expect_request(path).respond_with_handler(page)
    return articles
