"""Lexicons written for svodka: cue words of categories, not-news headline patterns, rubric names of sites.

Used twice: to clean and split the rubric labels of the training corpora (Lenta's "Наука и техника" into science
and technology), and at run time as priors (a site section "sport" or an RSS category "Экономика" is strong evidence).
All stems are lower-case and matched at word starts; ё is folded to е before matching.
"""

from __future__ import annotations

import re

CATEGORIES = ("society", "economy", "technology", "sports", "entertainment", "science", "other", "not_news")

# Stems of words that mark research news (as opposed to gadgets, cars, internet services).
SCIENCE_STEMS = (
    "учен", "исследовател", "исследовани", "научн", "наук", "астроном", "астрофиз", "физик", "химик", "биолог",
    "генетик", "ген ", "генов", "днк", "палеонтолог", "археолог", "раскопк", "ископаем", "динозавр", "окаменел",
    "молекул", "клетк", "бактери", "вирусолог", "эволюци", "галактик", "звезд", "планет", "экзопланет",
    "телескоп", "черн дыр", "черной дыр", "вселенн", "космолог", "математик", "теорем", "мозг", "нейрон",
    "млекопитающ", "популяци", "вид животн", "новый вид", "журнал nature", "nature", "science", "лаборатори",
    "эксперимент", "открыти", "обнаружили", "выяснили", "доказали", "древн", "мумии", "мумия", "гробниц",
)

# Stems of medical findings and doctors' warnings (science in the tgcontest guidelines).
MEDICINE_STEMS = (
    "врач", "медик", "кардиолог", "онколог", "диетолог", "эндокринолог", "невролог", "гастроэнтеролог",
    "иммунолог", "диабет", "рак ", "рака ", "опухол", "вакцин", "лекарств", "препарат", "инсульт", "инфаркт",
    "давлени", "холестерин", "симптом", "болезн", "заболевани", "витамин", "организм", "здоровь",
)

# Stems of technology news: gadgets, software, internet, cars, telecom, launches of commercial satellites.
TECHNOLOGY_STEMS = (
    "смартфон", "iphone", "android", "apple", "samsung", "xiaomi", "huawei", "google", "microsoft", "windows",
    "гаджет", "ноутбук", "процессор", "видеокарт", "чип", "приложени", "мессенджер", "telegram", "whatsapp",
    "соцсет", "интернет", "браузер", "хакер", "кибер", "искусственн интеллект", "искусственного интеллекта",
    "нейросет", "chatgpt", "openai", "робот", "беспилотн", "электромобил", "автомобил", "кроссовер", "седан",
    "tesla", "spacex", "спутник", "ракет", "5g", "оператор связи", "мобильн", "айти", "it-", "софт",
    "программ", "обновлени", "устройств", "дисплей", "камер", "аккумулятор", "сервис", "стартап", "блокчейн",
    "криптовалют", "биткоин", "сеть", "wi-fi", "компьютер", "игров",
)

# Stems of military and security news: in our taxonomy these are society even inside a "техника" rubric.
MILITARY_STEMS = ("оружи", "вооружен", "зрк", "танк", "боев", "сво ", "всу", "минобороны", "истребител", "ракетн")

# Headline patterns of texts that are not news (how-tos, horoscopes, listicles, calendars, recipes, quizzes).
NOT_NEWS_TITLE_PATTERNS = (
    r"\bгороскоп", r"\bзнак(ов|ам|и)? зодиака", r"\bлунн\w* календар", r"\bастролог", r"\bнумеролог",
    r"^как\s", r"^что\s(делать|такое|значит|подарить|приготовить)", r"^почему\s", r"^зачем\s", r"^сколько\s",
    r"^когда\s", r"^где\s", r"\bрецепт", r"\bпошаговая\b", r"\bлайфхак", r"^\d+\s+(способ|причин|совет|лучш|правил"
    r"|вещ|ошиб|продукт|признак|фильм|книг|мест|идей|привыч|мелоч|фраз|упражнен|блюд|сериал)",
    r"\bсоветы\b", r"\bтест:", r"\bвикторин", r"\bкакой (сегодня )?праздник", r"\bкалендарь праздников",
    r"\bприметы\b", r"\bименины\b", r"\bсонник", r"\bкак (выбрать|приготовить|сделать|избавиться|похудеть)",
    r"\bреклам", r"\bскидк", r"\bакци[яи]\b.*\bтолько", r"\bпромокод", r"\bкупить\b", r"\bцена от\b",
)
NOT_NEWS_TITLE = re.compile("|".join(NOT_NEWS_TITLE_PATTERNS), re.IGNORECASE)

# Ordinary weather forecasts: "other" in the tgcontest guidelines (neither news of society nor not-news).
WEATHER_TITLE = re.compile(r"\bпрогноз погоды|\bпогода\b.*\b(на|в)\b|\bсиноптик", re.IGNORECASE)

# Names of site sections, URL path words and RSS categories, mapped onto our categories.
SECTION_WORDS: dict[str, str] = {
    # society
    "society": "society", "obshchestvo": "society", "obshestvo": "society", "общество": "society",
    "politics": "society", "politika": "society", "политика": "society", "власть": "society", "vlast": "society",
    "incidents": "society", "proisshestviya": "society", "происшествия": "society", "criminal": "society",
    "kriminal": "society", "криминал": "society", "accidents": "society", "incident": "society", "world": "society",
    "mir": "society", "мир": "society", "в мире": "society", "россия": "society", "russia": "society",
    "казахстан": "society", "kazakhstan": "society", "узбекистан": "society", "uzbekistan": "society",
    "регионы": "society", "regions": "society", "region": "society", "город": "society", "city": "society",
    "силовые структуры": "society", "армия": "society", "army": "society", "военное": "society",
    "здоровье": "society", "health": "society", "образование": "society", "education": "society",
    "obrazovanie": "society", "social": "society", "социум": "society", "закон": "society", "law": "society",
    "incidenty": "society", "чп": "society", "security": "society", "бывший ссср": "society",
    # economy
    "economy": "economy", "economics": "economy", "ekonomika": "economy", "экономика": "economy",
    "business": "economy", "biznes": "economy", "бизнес": "economy", "finance": "economy", "finansy": "economy",
    "финансы": "economy", "markets": "economy", "рынки": "economy", "money": "economy", "деньги": "economy",
    "недвижимость": "economy", "realty": "economy", "nedvizhimost": "economy", "банки": "economy",
    "banks": "economy", "energy": "economy", "энергетика": "economy", "agro": "economy", "агро": "economy",
    "промышленность": "economy", "industry": "economy", "строительство": "economy", "экономика и бизнес": "economy",
    # technology
    "technology": "technology", "technologies": "technology", "tech": "technology", "hitech": "technology",
    "hi-tech": "technology", "технологии": "technology", "tehnologii": "technology", "internet": "technology",
    "интернет": "technology", "gadgets": "technology", "гаджеты": "technology", "auto": "technology",
    "avto": "technology", "авто": "technology", "cars": "technology", "автомобили": "technology",
    "it": "technology", "digital": "technology", "цифровизация": "technology", "телеком": "technology",
    # sports
    "sport": "sports", "sports": "sports", "спорт": "sports", "football": "sports", "futbol": "sports",
    "футбол": "sports", "hockey": "sports", "hokkey": "sports", "хоккей": "sports", "tennis": "sports",
    "теннис": "sports", "boxing": "sports", "бокс": "sports", "mma": "sports", "esports": "sports",
    "киберспорт": "sports", "olympics": "sports",
    # entertainment
    "culture": "entertainment", "kultura": "entertainment", "культура": "entertainment",
    "entertainment": "entertainment", "showbiz": "entertainment", "шоу-бизнес": "entertainment",
    "шоубиз": "entertainment", "cinema": "entertainment", "kino": "entertainment", "кино": "entertainment",
    "music": "entertainment", "muzyka": "entertainment", "музыка": "entertainment", "stars": "entertainment",
    "звезды": "entertainment", "celebrities": "entertainment", "games": "entertainment", "игры": "entertainment",
    "art": "entertainment", "искусство": "entertainment", "книги": "entertainment", "books": "entertainment",
    "theatre": "entertainment", "театр": "entertainment", "культура и развлечения": "entertainment",
    # science
    "science": "science", "nauka": "science", "наука": "science", "space": "science", "космос": "science",
    "medicine": "science", "медицина": "science", "research": "science",
    # other
    "weather": "other", "pogoda": "other", "погода": "other", "lifestyle": "other", "стиль жизни": "other",
    "образ жизни": "other", "travel": "other", "туризм": "other", "путешествия": "other", "из жизни": "other",
    "ценности": "other", "style": "other", "moda": "other", "мода": "other", "fashion": "other", "food": "other",
    "еда": "other", "animals": "other", "животные": "other",
    # not news
    "horoscope": "not_news", "goroskop": "not_news", "гороскоп": "not_news", "гороскопы": "not_news",
    "recipes": "not_news", "рецепты": "not_news", "advertising": "not_news", "реклама": "not_news",
    "promo": "not_news", "partner": "not_news", "spec": "not_news", "спецпроект": "not_news",
    "blogs": "not_news", "блоги": "not_news", "opinion": "not_news", "мнения": "not_news", "колонки": "not_news",
    "howto": "not_news", "советы": "not_news", "tests": "not_news", "тесты": "not_news",
}

_STEM_SPLIT = re.compile(r"[^\wё+-]+")


def fold(text: str) -> str:
    """Lower-case and fold ё to е."""
    return text.lower().replace("ё", "е")


def count_stems(text: str, stems: tuple[str, ...]) -> int:
    """How many word starts in `text` match one of `stems` (multi-word stems match as substrings)."""
    folded = " " + _STEM_SPLIT.sub(" ", fold(text)) + " "
    return sum(folded.count(" " + stem) for stem in stems)


def is_not_news_title(title: str) -> bool:
    """A headline pattern of a how-to, horoscope, listicle, calendar, recipe or advertisement."""
    return bool(NOT_NEWS_TITLE.search(title.strip()))


def is_weather_title(title: str) -> bool:
    """A headline of an ordinary weather forecast."""
    return bool(WEATHER_TITLE.search(title))


def section_category(section: str | None, feed_categories: list[str] | None = None) -> str | None:
    """Our category named by a site section path ("/sport/football/"), a URL or RSS categories, if any says one.

    The most specific (last) path segment that names a category wins; RSS categories are read after the section.
    """
    names: list[str] = []
    if section:
        path = section.split("://", 1)[-1]
        if "://" in section:
            path = path.partition("/")[2]  # drop the host of a full URL
        names.extend(segment for segment in re.split(r"[/?#&=.]+", path) if segment)
    names.extend(feed_categories or [])
    found: str | None = None
    for name in names:
        key = fold(name.strip().replace("_", " "))
        category = SECTION_WORDS.get(key) or SECTION_WORDS.get(key.replace("-", " "))
        if category:
            found = category
    return found
