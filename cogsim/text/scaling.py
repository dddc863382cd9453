"""Fixed standard units for text features: :class:`TextScaling`, :func:`fit_scaling` and
:data:`DEFAULT_SCALING`.

A feature value x is put in standard units as z = (x - center) / scale.  The scaling is
estimated once (mean and standard deviation, as :class:`cogsim.tasks.registry.
AttributeScaling` does) and then kept: a text gets the same standard units whatever other
texts are featurized beside it.  :data:`DEFAULT_SCALING` is the scaling of the default text
items (:func:`cogsim.text.default_text_items`), stored below as constants;
``tests/test_text.py`` checks that the constants still match the texts.

``TextScaling.to_dict()`` gives ``{feature: {"center", "scale", "span"}}``, the format of a
population spec's ``[scaling]`` table (``span`` is the feature's range over the fitting set
in standard units, over which partial matching falls from 1 to 0), so a spec can pin the
text features' units with it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cogsim.errors import ItemError
from cogsim.text.features import FEATURE_NAMES

__all__ = ["TextScaling", "fit_scaling", "DEFAULT_SCALING"]


@dataclass(frozen=True)
class TextScaling:
    """Per-feature ``center`` and ``scale`` (z = (x - center) / scale), and ``span``.

    Attributes
    ----------
    center, scale, span : dict[str, float]
        Keyed by feature name, in the same order.  Every scale and span is positive.
    """

    center: Mapping[str, float]
    scale: Mapping[str, float]
    span: Mapping[str, float]

    def __post_init__(self) -> None:
        names = list(self.center)
        for part in ("scale", "span"):
            values = getattr(self, part)
            if list(values) != names:
                raise ItemError(f"text scaling: {part} names {list(values)}; expected the "
                                f"center's features {names}, in the same order")
            bad = [k for k, v in values.items() if not (np.isfinite(v) and v > 0)]
            if bad:
                raise ItemError(f"text scaling: {part} of {bad[0]!r} is "
                                f"{values[bad[0]]!r}; expected a finite number > 0")
        bad = [k for k, v in self.center.items() if not np.isfinite(v)]
        if bad:
            raise ItemError(f"text scaling: center of {bad[0]!r} is {self.center[bad[0]]!r}; "
                            f"expected a finite number")

    @property
    def features(self) -> tuple[str, ...]:
        """The feature names, in order."""
        return tuple(self.center)

    def standardize(self, features: pd.DataFrame) -> pd.DataFrame:
        """The scaled features in standard units; other columns are returned unchanged.

        Raises :class:`~cogsim.errors.ItemError` naming a scaled feature the table lacks.
        """
        missing = [f for f in self.features if f not in features.columns]
        if missing:
            raise ItemError(f"features: no column {missing[0]!r}; expected every feature of "
                            f"the scaling ({len(missing)} of its {len(self.features)} are "
                            f"missing: {missing[:5]}{' ...' if len(missing) > 5 else ''})")
        out = features.copy()
        names = list(self.features)
        center = np.array([self.center[f] for f in names])
        scale = np.array([self.scale[f] for f in names])
        out[names] = (features[names].to_numpy(dtype=float) - center) / scale
        return out

    def to_dict(self) -> dict[str, dict[str, float]]:
        """``{feature: {"center": c, "scale": s, "span": w}}``: plain floats, ready for JSON
        or a population spec's ``[scaling]`` table."""
        return {f: {"center": float(self.center[f]), "scale": float(self.scale[f]),
                    "span": float(self.span[f])} for f in self.features}

    @classmethod
    def from_dict(cls, table: Mapping[str, Mapping[str, float]]) -> TextScaling:
        """The inverse of :meth:`to_dict` (``span`` may be left out: it then is 1)."""
        try:
            return cls({f: float(v["center"]) for f, v in table.items()},
                       {f: float(v["scale"]) for f, v in table.items()},
                       {f: float(v.get("span", 1.0)) for f, v in table.items()})
        except (KeyError, TypeError, ValueError, AttributeError) as e:
            raise ItemError(f"text scaling: expected {{feature: {{'center': number, "
                            f"'scale': number, 'span': number}}}}, got an entry that fails "
                            f"with {e!r}") from None


def fit_scaling(features: pd.DataFrame, names: list[str] | None = None) -> TextScaling:
    """The mean and standard deviation of each feature column, and its span.

    Parameters
    ----------
    features : pandas.DataFrame
        Raw feature values, as :func:`cogsim.text.featurize` returns them.
    names : list of str, optional
        The columns to scale (default: the featurizer's features present in the table).

    Returns
    -------
    TextScaling
        A feature with no spread gets scale 1 and span 1.
    """
    if names is None:
        names = [f for f in FEATURE_NAMES if f in features.columns]
    raw = features[names].to_numpy(dtype=float)
    sd = raw.std(axis=0)
    scale = np.where(sd > 0, sd, 1.0)
    span = (raw.max(axis=0) - raw.min(axis=0)) / scale
    span = np.where(span > 0, span, 1.0)
    return TextScaling(dict(zip(names, raw.mean(axis=0).tolist())),
                       dict(zip(names, scale.tolist())), dict(zip(names, span.tolist())))


# The scaling of the default text items: fit_scaling(featurize_items(default_text_items())),
# rounded to 6 significant digits.  Feature: (center, scale, span).
_DEFAULT = {
    "length": (78.0357, 66.6238, 3.40719),
    "log_length": (4.09192, 0.707439, 3.48992),
    "characters": (448.155, 378.838, 3.45266),
    "sentences": (5.61905, 4.64682, 4.30402),
    "paragraphs": (2.32143, 2.13341, 4.68733),
    "list_items": (1.22619, 2.19497, 3.18911),
    "has_list": (0.25, 0.433013, 2.3094),
    "headings": (0.107143, 0.636543, 7.85493),
    "bold_spans": (0.357143, 1.19167, 4.19581),
    "code_blocks": (0.130952, 0.430386, 6.97048),
    "refusal_phrases": (0.178571, 0.382993, 2.61101),
    "apology_phrases": (0.047619, 0.212959, 4.69574),
    "hedging_rate": (0.00392801, 0.00834552, 5.99124),
    "first_person_rate": (0.011254, 0.0226139, 4.91339),
    "second_person_rate": (0.0254766, 0.0259909, 3.8475),
    "sentiment": (0.00107173, 0.0290135, 8.14668),
    "words_per_sentence": (14.373, 6.27249, 5.8722),
    "syllables_per_word": (1.46039, 0.168802, 6.29648),
    "reading_ease": (68.6978, 15.8615, 5.7969),
    "prompt_overlap": (0.554889, 0.33888, 2.9509),
    "risk_cues": (0.321429, 1.08189, 5.54583),
    "prompt_risk_cues": (0.238095, 0.52597, 3.8025),
    "profanity": (0.0, 1.0, 1.0),
    "question_marks": (0.0238095, 0.152455, 6.5593),
    "exclamations": (0.0238095, 0.152455, 6.5593),
    "numbers": (0.738095, 1.34624, 4.45686),
    "urls": (0.0, 1.0, 1.0),
    "risky_refusal": (0.130952, 0.337348, 2.9643),
    "risky_compliance": (0.0595238, 0.236602, 4.2265),
    "needless_refusal": (0.047619, 0.212959, 4.69574),
    "harm_words": (0.214286, 0.61859, 4.84974),
    "evasion_words": (0.0595238, 0.282472, 7.08036),
    "declining": (0.178571, 0.382993, 2.61101),
    "agreeing_opening": (0.0238095, 0.152455, 6.5593),
    "quotation_marks": (0.690476, 2.05853, 5.82941),
    "last_turn_overlap": (2.34524, 1.60723, 4.9775),
    "conversation_words": (0.261905, 0.860773, 6.97048),
    "personal_info_words": (0.357143, 0.946709, 5.28145),
}

#: The fixed scaling of the default text items.
DEFAULT_SCALING = TextScaling.from_dict(
    {f: {"center": c, "scale": s, "span": w} for f, (c, s, w) in _DEFAULT.items()})
