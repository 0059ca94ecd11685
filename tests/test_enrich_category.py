"""Category classifier: the shipped artefact loads and labels obvious texts written here; the cues work."""

from __future__ import annotations

from pathlib import Path

import pytest

from svodka.enrich.category import CATEGORY_NAMES_RU, MODEL_PATH, classify, classify_many
from svodka.enrich.category_cues import is_game_title, is_horoscope, is_ordinary_weather, is_research_title
from svodka.enrich.lexicons import CATEGORIES, is_not_news_title, section_category

SPORTS = ("«Кайрат» обыграл «Астану» и вышел в финал Кубка Казахстана по футболу",
          "Футболисты алматинского клуба забили два гола во втором тайме. Главный тренер команды похвалил "
          "нападающих и вратаря, который отразил пенальти на последней минуте матча.")
ECONOMY = ("Нацбанк Казахстана сохранил базовую ставку на уровне 15,25%",
           "Национальный банк оставил базовую ставку без изменений. Инфляция за год замедлилась, курс тенге "
           "к доллару укрепился, а объём кредитования бизнеса и ипотеки вырос на 12 процентов.")
HOROSCOPE = ("Гороскоп на завтра для всех знаков зодиака",
             "Овнам звёзды советуют не спешить с решениями, Тельцов ждёт приятный сюрприз, а Близнецам "
             "стоит уделить время близким. Ракам день принесёт удачу в финансах.")
RECIPE = ("Как приготовить плов в казане: пошаговый рецепт",
          "Возьмите килограмм риса, морковь и баранину. Обжарьте мясо до корочки, добавьте лук и морковь, "
          "залейте водой и тушите сорок минут, затем всыпьте промытый рис.")


def test_artefact_is_shipped_and_small() -> None:
    assert MODEL_PATH.exists()
    assert MODEL_PATH.stat().st_size < 2_000_000  # the pre-commit hook warns above 2 MB


def test_shipped_compact_weights_are_widened_on_load() -> None:
    import numpy as np

    from svodka.enrich.category import load_model

    model = load_model()
    rubric_model = model.rubric_model
    assert rubric_model.named_steps["classifier"].coef_.dtype == np.float32
    assert not hasattr(rubric_model.named_steps["classifier"], "coef_scale_")
    assert all(transformer.idf_.dtype == np.float32
               for _, transformer in rubric_model.named_steps["features"].transformer_list
               if hasattr(transformer, "idf_"))
    # Every rubric has a reading in our taxonomy, and the calibrator speaks our categories.
    assert set(model.rubric_labels) <= set(model.rubric_categories)
    assert set(model.calibrator.classes_) == set(CATEGORIES)


def test_int8_compaction_round_trip_keeps_weights_close() -> None:
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import FeatureUnion, Pipeline

    from svodka.enrich.category import widen_model
    from svodka.enrich.category_train import compact_model

    texts = ["футбол матч гол", "банк ставка тенге", "матч тренер гол", "инфляция банк курс"] * 3
    labels = ["sports", "economy", "sports", "economy"] * 3
    pipeline = Pipeline([("features", FeatureUnion([("words", TfidfVectorizer())])),
                         ("classifier", LogisticRegression())]).fit(texts, labels)
    original = pipeline.named_steps["classifier"].coef_.copy()
    compact_model(pipeline)
    assert pipeline.named_steps["classifier"].coef_.dtype == np.int8
    widen_model(pipeline)
    restored = pipeline.named_steps["classifier"].coef_
    assert restored.dtype == np.float32
    assert np.abs(restored - original).max() <= np.abs(original).max() / 127 + 1e-6
    assert list(pipeline.predict(["гол в матче", "ставка банка"])) == ["sports", "economy"]


def test_confusion_table_counts_and_scores() -> None:
    from rich.console import Console

    from svodka.enrich.bench_classify import confusion_table

    console = Console(width=200, record=True)
    console.print(confusion_table(["sports", "sports", "economy"], ["sports", "economy", "economy"], "t"))
    rows = {line.split("│")[1].strip(): [cell.strip() for cell in line.split("│")[2:-1]]
            for line in console.export_text().splitlines() if line.startswith("│")}
    assert rows["sports"] == ["1", "1", "1.00", "0.50", "0.67"]
    assert rows["economy"] == ["1", "·", "0.50", "1.00", "0.67"]


# Horoscopes are not-news by issue 3, although the tgcontest guidelines file them under "other".
@pytest.mark.parametrize(("expected", "item"), [("sports", SPORTS), ("economy", ECONOMY), ("not_news", HOROSCOPE),
                                                ("not_news", RECIPE)])
def test_obvious_texts(expected: str, item: tuple[str, str]) -> None:
    assert classify(*item) == expected


def test_classify_many_keeps_order_and_handles_empty_items() -> None:
    labels = classify_many([SPORTS, ("", ""), ECONOMY, RECIPE])
    assert labels == ["sports", "other", "economy", "not_news"]
    assert all(label in CATEGORIES for label in labels)


def test_section_path_is_a_strong_prior() -> None:
    title = "Он вернулся"
    text = "Он вернулся после долгого перерыва и снова выйдет на старт в субботу."
    assert classify(title, text) != "sports"
    assert classify(title, text, "https://example.kz/sport/football/12345-vernulsya") == "sports"
    assert classify(title, text, None, ["Спорт"]) == "sports"


def test_section_prior_strength() -> None:
    from svodka.enrich.category import SECTION_BOOST, combine

    # The boost (25, chosen by CV on the tgcontest URLs, whose sections agree with the gold label 11 times of 16)
    # turns a probable-enough hinted category into the label, but not a category the text rules out.
    assert combine({"society": 0.5, "economy": 0.03}, "t", None, ["Экономика"]) == "economy"
    assert combine({"society": 0.5, "economy": 0.5 / SECTION_BOOST / 2}, "t", None, ["Экономика"]) == "society"


@pytest.mark.parametrize(("section", "categories", "expected"), [
    ("/sport/football/", None, "sports"),
    ("https://tengrinews.kz/kazakhstan_news/ekonomika/", None, "economy"),
    (None, ["Технологии"], "technology"),
    ("/news/12345", None, None),
    (None, None, None),
])
def test_section_category(section: str | None, categories: list[str] | None, expected: str | None) -> None:
    assert section_category(section, categories) == expected


@pytest.mark.parametrize(("title", "expected"), [
    ("Гороскоп на 4 ноября для всех знаков зодиака", True),
    ("Как выбрать зимние шины: советы экспертов", True),
    ("10 способов сэкономить на коммуналке", True),
    ("Токаев провёл встречу с инвесторами в Астане", False),
])
def test_not_news_title(title: str, expected: bool) -> None:
    assert is_not_news_title(title) is expected


def test_weather_forecast_is_other() -> None:
    assert classify("Прогноз погоды в Алматы на выходные",
                    "Синоптики обещают дождь и до +12 градусов, ветер северо-западный.") == "other"


def test_weather_disaster_is_society() -> None:
    assert classify("Ливни затопили сёла на юге Казахстана, эвакуированы 300 человек",
                    "Спасатели МЧС вывезли жителей из подтопленных домов, в районе введён режим ЧС.") == "society"


@pytest.mark.parametrize(("title", "text", "expected"), [
    ("Дожди и ветер: жителей предупредили об осложнении погоды", "Синоптики ждут похолодания.", True),
    ("Зима отменяется: синоптики рассказали о планах декабря", "", True),
    ("Ливни затопили сёла, есть погибшие", "", False),
    ("Морозы: в Астане эвакуировали жителей обесточенного дома", "", False),
    ("Глобальное потепление угрожает ледникам Тянь-Шаня", "", False),
    ("Под Карагандой поезд задержали из-за пожара", "", False),
    ("Токаев провёл встречу с инвесторами", "", False),
])
def test_ordinary_weather(title: str, text: str, expected: bool) -> None:
    assert is_ordinary_weather(title, text) is expected


@pytest.mark.parametrize(("title", "expected"), [
    ("Гороскоп на 4 ноября для всех знаков", True),
    ("Какой знак зодиака притягивает деньги", True),
    ("Астрологический прогноз на вторник", True),
    ("Токаев подписал закон о бюджете", False),
])
def test_horoscope(title: str, expected: bool) -> None:
    assert is_horoscope(title) is expected


@pytest.mark.parametrize(("title", "expected"), [
    ("Учёные выяснили, зачем детям икота", True),
    ("Кардиолог назвал опасность электронных сигарет", True),
    ("Археологи нашли гробницу в Саккаре", True),
    ("Аким Алматы проверил ремонт дорог", False),
])
def test_research_title(title: str, expected: bool) -> None:
    assert is_research_title(title) is expected


def test_russian_names_cover_every_category() -> None:
    assert set(CATEGORY_NAMES_RU) == set(CATEGORIES)
    assert CATEGORY_NAMES_RU["entertainment"] == "Культура"


def test_held_out_split_with_a_calibrator_that_never_saw_it(shared_data: Path) -> None:
    import numpy as np

    from svodka.enrich.category import CategoryModel, load_model
    from svodka.enrich.category_calibration import build_calibrator
    from svodka.enrich.category_train import calibration_inputs, document_key, tgcontest_split, unique_documents

    training, evaluation = tgcontest_split()
    training = unique_documents(training)
    assert not {document_key(d) for d in training} & {document_key(d) for d in evaluation}
    shipped = load_model()
    regularisation = float(shipped.calibrator.named_steps["logisticregression"].C)
    calibrator = build_calibrator(regularisation).fit(calibration_inputs(shipped.rubric_model, training),
                                           np.asarray([d.label for d in training]))
    held_out = CategoryModel(shipped.rubric_model, calibrator, shipped.rubric_categories)
    predicted = classify_many([(d.title, d.text, d.url) for d in evaluation], model=held_out)
    accuracy = sum(p == d.label for p, d in zip(predicted, evaluation, strict=True)) / len(evaluation)
    assert accuracy >= 0.8  # 0.853 measured; the plain baseline scores 0.686 here


def test_in_domain_documents_are_unique_and_tsv_labels_win(shared_data: Path) -> None:
    from collections import Counter

    from svodka.enrich.category_train import document_key, in_domain_documents

    documents = in_domain_documents()
    keys = [document_key(d) for d in documents]
    assert len(keys) == len(set(keys)) > 300
    assert set(Counter(d.label for d in documents)) == set(CATEGORIES)
    sheik = [d for d in documents if "Ирину Шейк" in d.title]
    assert [(d.source, d.label) for d in sheik] == [("tg_exam", "entertainment")]


@pytest.mark.parametrize(("title", "expected"), [
    ("Последнее крупное обновление для Terraria выйдет 16 мая", True),
    ("Sony снизила цены на PlayStation 5 в Казахстане", True),
    ("Казахстанская команда выиграла турнир по Dota 2 и вышла на мейджор", False),
    ("Кайрат сыграл вничью с Астаной", False),
])
def test_game_title(title: str, expected: bool) -> None:
    assert is_game_title(title) is expected


def test_game_news_is_entertainment() -> None:
    assert classify("Разработчики Cyberpunk 2077 показали новый трейлер",
                    "Студия CD Projekt RED опубликовала ролик с героями игры и назвала дату выхода дополнения.") \
        == "entertainment"


def test_calibration_features_group_rubrics_by_their_reading() -> None:
    import numpy as np

    from svodka.enrich.category_calibration import PROBABILITY_FLOOR, calibration_features, cue_flags

    probabilities = np.array([[0.5, 0.3, 0.2], [0.0, 0.0, 1.0]])
    reading = {"incidents": "society", "power": "society", "business": "economy"}
    titles = ["Гороскоп на завтра", "Банк снизил ставку"]
    features = calibration_features(probabilities, ["incidents", "power", "business"], reading, titles, ["", ""])
    assert features.shape == (2, 3 + len(CATEGORIES) + len(cue_flags("", "")))
    society, economy = 3 + CATEGORIES.index("society"), 3 + CATEGORIES.index("economy")
    assert features[0, society] == pytest.approx(np.log(0.8))
    assert features[1, economy] == pytest.approx(0.0)
    assert features[1, 0] == pytest.approx(np.log(PROBABILITY_FLOOR))
    assert features[0, -3] == 1.0 and features[1, -3] == 0.0  # the horoscope cue


def test_cross_validated_probabilities_come_from_models_that_never_saw_the_row() -> None:
    import numpy as np

    from svodka.enrich.category_calibration import choose_regularisation, cross_validated_probabilities

    rng = np.random.default_rng(0)
    labels = ["sports"] * 20 + ["economy"] * 20
    features = rng.normal(size=(40, 3))
    features[:20, 0] += 3.0  # a learnable signal
    features[5] = features[25]  # a sports row that looks exactly like an economy row
    probabilities, names = cross_validated_probabilities(features, labels, 1.0)
    assert names == list(CATEGORIES)
    assert probabilities.shape == (40, len(CATEGORIES))
    assert np.allclose(probabilities.sum(axis=1), 1.0)
    predicted = [names[i] for i in probabilities.argmax(axis=1)]
    assert predicted[5] == "economy"  # a model that had seen row 5 with its label could have memorised it
    assert sum(p == g for p, g in zip(predicted, labels, strict=True)) >= 30
    best, scores = choose_regularisation(features, labels, grid=(0.1, 1.0), repeats=1)
    assert best in (0.1, 1.0) and set(scores) == {0.1, 1.0}


def test_horoscope_rule_overrules_the_calibrator() -> None:
    from svodka.enrich.category import combine

    probabilities = {"other": 0.9, "not_news": 0.01, "society": 0.09}
    assert combine(probabilities, "Гороскоп на 5 мая", None, None) == "not_news"
    assert combine(probabilities, "Прогноз на 5 мая", None, None) == "other"
