"""Second stage of the category model: from rubric probabilities and headline cues to our categories.

The first stage (`category_train.build_rubric_pipeline`) reads a text and says how likely each editorial rubric of
the corpora is ("incidents", "power", "business", "building", "culture", …); it never sees a tgcontest document.
The rubrics do not map onto our taxonomy one to one (Fontanka's "Бизнес" holds state decisions on money, which the
tgcontest guidelines call society), so a small logistic regression learns the mapping from the in-domain tgcontest
documents: its inputs are the log rubric probabilities of the full text and of the lead, the log probabilities of
the default rubric → category reading, and the headline cues of `category_cues.py` / `lexicons.py`. Because the
first stage never saw an in-domain document, k-fold cross-validation of this stage alone is an honest measure over
every in-domain document.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from svodka.enrich.category_cues import is_game_title, is_horoscope, is_ordinary_weather, is_research_title
from svodka.enrich.lexicons import CATEGORIES, is_not_news_title

# Probabilities below this are clipped before the log (a rubric the model rules out is "very unlikely", not -inf).
PROBABILITY_FLOOR = 1e-5
# Folds of the cross-validation and the seed of their stratified shuffle.
FOLDS = 5
FOLD_SEED = 13
# The rubric model also reads the headline with only this much of the text (the lead): a second view whose log
# probabilities join the features (+0.014 CV accuracy at C=0.1 over three fold seeds, in-domain documents only).
LEAD_VIEW_CHARS = 300
# Inverse regularisation strengths tried by cross-validation when the calibrator is fitted.
REGULARISATION_GRID = (0.03, 0.1, 0.3, 1.0)


def cue_flags(title: str, text: str) -> list[float]:
    """0/1 headline cues: not-news pattern, ordinary weather, horoscope, research, computer games."""
    return [float(is_not_news_title(title)), float(is_ordinary_weather(title, text)), float(is_horoscope(title)),
            float(is_research_title(title)), float(is_game_title(title))]


def calibration_features(rubric_probabilities: Any, rubric_labels: Sequence[str],
                         rubric_categories: dict[str, str], titles: Sequence[str], texts: Sequence[str],
                         lead_probabilities: Any | None = None) -> Any:
    """One row per document: log rubric probabilities, log summed probabilities per category of the default
    rubric reading (`rubric_categories`), log rubric probabilities of the lead view (when given), then the
    `cue_flags`. Input rows align with `titles` and `texts`."""
    import numpy as np

    probabilities = np.asarray(rubric_probabilities, dtype=np.float64)
    grouped = np.zeros((probabilities.shape[0], len(CATEGORIES)))
    for column, rubric in enumerate(rubric_labels):
        grouped[:, CATEGORIES.index(rubric_categories[rubric])] += probabilities[:, column]
    cues = np.array([cue_flags(title, text) for title, text in zip(titles, texts, strict=True)], dtype=np.float64)
    lead = [] if lead_probabilities is None else [np.log(np.clip(np.asarray(lead_probabilities, dtype=np.float64),
                                                                  PROBABILITY_FLOOR, 1.0))]
    return np.hstack([np.log(np.clip(probabilities, PROBABILITY_FLOOR, 1.0)),
                      np.log(np.clip(grouped, PROBABILITY_FLOOR, 1.0)), *lead, cues.reshape(len(titles), -1)])


def model_features(rubric_model: Any, rubric_categories: dict[str, str], titles: Sequence[str],
                   texts: Sequence[str]) -> Any:
    """`calibration_features` of documents under a fitted rubric model: its full view (headline + text) and its
    lead view, predicted in one batch."""
    from svodka.enrich.category import join_document

    full = [join_document(title, text) for title, text in zip(titles, texts, strict=True)]
    leads = [join_document(title, text[:LEAD_VIEW_CHARS]) for title, text in zip(titles, texts, strict=True)]
    rows = rubric_model.predict_proba(full + leads)
    return calibration_features(rows[:len(full)], [str(label) for label in rubric_model.classes_],
                                rubric_categories, titles, texts, lead_probabilities=rows[len(full):])


def build_calibrator(regularisation: float) -> Any:
    """Untrained calibrator: standardised features -> multinomial logistic regression (no class weights: the
    in-domain label distribution, two thirds society, is the one real news has)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(StandardScaler(), LogisticRegression(C=regularisation, max_iter=5000))


def fold_indices(labels: Sequence[str], folds: int = FOLDS, seed: int = FOLD_SEED) -> list[tuple[Any, Any]]:
    """(train, test) index arrays of a stratified k-fold split; a class rarer than `folds` still gets spread."""
    import numpy as np
    from sklearn.model_selection import StratifiedKFold

    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    return list(splitter.split(np.zeros(len(labels)), np.asarray(labels)))


def cross_validated_probabilities(features: Any, labels: Sequence[str], regularisation: float,
                                  folds: int = FOLDS, seed: int = FOLD_SEED) -> tuple[Any, list[str]]:
    """Out-of-fold category probabilities: each row comes from a calibrator that never saw that document.

    Returns (rows × CATEGORIES matrix, CATEGORIES as a list); a category absent from a fold's training part gets 0.
    """
    import numpy as np

    gold = np.asarray(labels)
    result = np.zeros((len(gold), len(CATEGORIES)))
    for train, test in fold_indices(labels, folds, seed):
        calibrator = build_calibrator(regularisation).fit(features[train], gold[train])
        columns = [CATEGORIES.index(str(label)) for label in calibrator.classes_]
        result[np.ix_(test, columns)] = calibrator.predict_proba(features[test])
    return result, list(CATEGORIES)


def choose_regularisation(features: Any, labels: Sequence[str], grid: Sequence[float] = REGULARISATION_GRID,
                          repeats: int = 3) -> tuple[float, dict[float, float]]:
    """The grid value with the best mean out-of-fold accuracy over `repeats` differently seeded k-fold splits
    (plain argmax, before the run-time cues), and every value's accuracy."""
    import numpy as np

    gold = np.asarray(labels)
    scores: dict[float, float] = {}
    for value in grid:
        accuracies = []
        for repeat in range(repeats):
            probabilities, names = cross_validated_probabilities(features, labels, value, seed=FOLD_SEED + repeat)
            predicted = np.asarray(names)[probabilities.argmax(axis=1)]
            accuracies.append(float((predicted == gold).mean()))
        scores[value] = sum(accuracies) / len(accuracies)
    best = max(grid, key=lambda value: (scores[value], -value))
    return best, scores
