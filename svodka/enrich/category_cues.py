"""Cues written for the category model where the rubric corpora teach it nothing: ordinary weather forecasts.

The tgcontest guidelines put "обычные прогнозы погоды" into Прочее (other) and weather disasters into Общество
(society). The rubric corpora file both under city news, so the model alone calls every forecast society.
"""

from __future__ import annotations

import re

# A weather word at a word start in the headline.
WEATHER_WORDS = re.compile(
    r"(?<![\w-])(погод|синоптик|метеоролог|гидрометцентр|морозы|мороз\b|заморозк|жара\b|жару\b|снегопад|ливн|дожд|"
    r"осадк|похолодан|потеплен|оттепел|гололед|туман|циклон|антициклон|зима отменяется|бабье лето)",
    re.IGNORECASE,
)
# Words of a weather story that is news of society: victims, damage, emergencies, the climate debate.
DISASTER_WORDS = re.compile(
    r"(?<![\w-])(погиб|гибел|жертв|эвакуа|разруш|пострада|землетрясен|наводнен|паводк|ураган|смерч|тайфун|"
    r"чрезвычайн|режим чс|обесточ|спасател|глобальн|климат)",
    re.IGNORECASE,
)
# How far into the text a disaster word still counts (the lead says what the story is about).
LEAD_CHARS = 600


def is_ordinary_weather(title: str, text: str = "") -> bool:
    """True for a forecast or weather note ("Дожди и ветер: …", "синоптики рассекретили план декабря");
    False when the headline has no weather word or the headline or lead tell of victims, damage or climate."""
    folded_title = (title or "").replace("ё", "е")
    if not WEATHER_WORDS.search(folded_title):
        return False
    lead = f"{folded_title} {(text or '')[:LEAD_CHARS]}".replace("ё", "е")
    return not DISASTER_WORDS.search(lead)


# Research and medical-finding words in a headline: the tgcontest "science" class ("Учёные выяснили…",
# "Кардиолог сообщил об опасности…"), which the rubric corpora barely have (340 of 20k training documents).
RESEARCH_WORDS = re.compile(
    r"(?<![\w-])(учен(ые|ых|ыми|ым)\b|исследовани|исследовател|научн|археолог|палеонтолог|астроном|астрофизик|"
    r"физики\b|генетик|биолог|медики\b|врачи\b|врач\b|кардиолог|онколог|диетолог|невролог|эндокринолог|"
    r"офтальмолог|иммунолог|вирусолог|диабет|вакцин|днк\b|динозавр|гробниц|телескоп|галактик|планет|мозг|"
    r"организм)",
    re.IGNORECASE,
)


def is_research_title(title: str) -> bool:
    """True when a headline names researchers, doctors or a research subject (a hint, not a verdict)."""
    return bool(RESEARCH_WORDS.search((title or "").replace("ё", "е")))


# Horoscopes and esoteric forecasts: "other" by the tgcontest category guidelines ("гороскопы считаются новостями
# в категории Прочее"), although the tgcontest news/not-news headline file marks them not-news.
HOROSCOPE_WORDS = re.compile(
    r"(?<![\w-])(гороскоп|знак(ов|ам|и|у|а)? зодиака|зодиак|астролог|таро\b|карты таро|нумеролог|лунн\w* календар)",
    re.IGNORECASE,
)


def is_horoscope(title: str) -> bool:
    """True for a horoscope or esoteric forecast headline."""
    return bool(HOROSCOPE_WORDS.search((title or "").replace("ё", "е")))


# Computer games are "Культура и развлечения" by the guidelines, esports is "Спорт"; the corpora have neither, so
# the model files game news under technology or sports.
GAME_WORDS = re.compile(
    r"(?<![\w-])(видеоигр|компьютерн\w* игр|игровой индустри|геймер|геймпле|steam\b|playstation|xbox|nintendo|"
    r"overwatch|terraria|cyberpunk|minecraft|fortnite|gta\b|world of warcraft|ведьмак|witcher|blizzard|ubisoft|"
    r"cd projekt|epic games|electronic arts|bethesda|rockstar games|dlc\b)",
    re.IGNORECASE,
)
ESPORTS_WORDS = re.compile(r"(?<![\w-])(киберспорт|турнир|чемпионат|the international|мейджор|major\b|лиг[аиуе]\b)",
                           re.IGNORECASE)


def is_game_title(title: str) -> bool:
    """True for a headline about computer games that is not an esports competition."""
    folded = (title or "").replace("ё", "е")
    return bool(GAME_WORDS.search(folded)) and not ESPORTS_WORDS.search(folded)
