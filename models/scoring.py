"""The regional evaluation grid (DOMAIN.md; plan lines 48-60) as pure functions.

Every band and spend class has one Italian label and one colour, defined here and only here.
Colours: Okabe-Ito palette (made to be told apart with colour-blind vision); the label is always shown too.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum
from numbers import Real

NOT_COMPUTABLE = "non calcolabile"
NOT_COMPUTABLE_COLOUR = "#BBBBBB"


@dataclass(frozen=True)
class Style:
    label: str
    colour: str
    text_colour: str  # readable on `colour`


class Band(Enum):
    """Degree of achievement: (actions carried out x 100) / actions planned."""

    NULLO = Style("nullo", "#6E6E6E", "#FFFFFF")
    INSUFFICIENTE = Style("insufficiente", "#D55E00", "#000000")  # black 5,4:1; white only 3,9:1 (WCAG AA)
    SUFFICIENTE = Style("sufficiente", "#E69F00", "#000000")
    BUONO = Style("buono", "#56B4E9", "#000000")
    OTTIMO = Style("ottimo", "#0072B2", "#FFFFFF")

    @property
    def label(self) -> str:
        return self.value.label

    @property
    def colour(self) -> str:
        return self.value.colour

    @property
    def range_label(self) -> str:
        return BAND_RANGES[self]


BANDS: tuple[Band, ...] = tuple(Band)  # grid order, worst to best
BAND_RANGES = {
    Band.NULLO: "0%",
    Band.INSUFFICIENTE: "1-49%",
    Band.SUFFICIENTE: "50-79%",
    Band.BUONO: "80-99%",
    Band.OTTIMO: "100%",
}
BAND_COLOURS = {b.label: b.colour for b in BANDS}
BAND_LABELS = [b.label for b in BANDS]


class SpendClass(Enum):
    """Match between budgeted and paid: (paid x 100) / budgeted."""

    SOTTO_100 = Style("non realizzato come programmato o sovrastimato", "#E69F00", "#000000")
    OTTIMO = Style("ottimo", "#0072B2", "#FFFFFF")
    SOTTOSTIMATO = Style("sottostimato", "#CC79A7", "#000000")

    @property
    def label(self) -> str:
        return self.value.label

    @property
    def colour(self) -> str:
        return self.value.colour

    @property
    def short_label(self) -> str:
        return {SpendClass.SOTTO_100: "<100%", SpendClass.OTTIMO: "100%", SpendClass.SOTTOSTIMATO: ">100%"}[self]


SPEND_CLASSES: tuple[SpendClass, ...] = tuple(SpendClass)


def _checked_percent(value: object, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, Real):
        raise ValueError(f"{what}: atteso un numero, ricevuto {value!r}")
    number = float(value)
    if math.isnan(number) or math.isinf(number):
        raise ValueError(f"{what}: il valore {value!r} non è un numero valido")
    if number < 0:
        raise ValueError(f"{what}: il valore non può essere negativo ({value!r})")
    return number


def achievement_band(percent: float) -> Band:
    """The grid's band of an achievement percentage.

    The grid is written in whole percents (0 / 1-49 / 50-79 / 80-99 / 100). Rule for the gaps:
    - exactly 0 is *nullo*;
    - above 0 and below 1 (e.g. 0.5) is *insufficiente*: something was done;
    - otherwise the band of the value rounded down to a whole percent (49.5 -> 49 -> insufficiente,
      79.99 -> sufficiente, 99.9 -> buono): a band is reached only when fully reached;
    - 100 or more is *ottimo* (over 100 can happen for indicators that beat their target).
    A negative value or a non-number raises ValueError with an Italian message.
    """
    number = _checked_percent(percent, "Grado di raggiungimento")
    if number == 0:
        return Band.NULLO
    whole = math.floor(number)
    if whole < 50:
        return Band.INSUFFICIENTE
    if whole < 80:
        return Band.SUFFICIENTE
    if whole < 100:
        return Band.BUONO
    return Band.OTTIMO


def band_or_none(percent: float | None) -> Band | None:
    """Band, or None for "non calcolabile"."""
    return None if percent is None else achievement_band(percent)


def band_label(percent: float | None) -> str:
    band = band_or_none(percent)
    return NOT_COMPUTABLE if band is None else band.label


def objective_achievement(actions_done: int, actions_planned: int) -> float | None:
    """(actions realizzate x 100) / actions planned; None (non calcolabile) with no planned actions."""
    for name, value in (("Azioni realizzate", actions_done), ("Azioni programmate", actions_planned)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f"{name}: atteso un numero intero non negativo, ricevuto {value!r}")
    if actions_done > actions_planned:
        raise ValueError(
            f"Azioni realizzate: non possono superare le azioni programmate ({actions_done} su {actions_planned})"
        )
    if actions_planned == 0:
        return None
    return actions_done * 100 / actions_planned


def indicator_achievement(value: float | None, target: float | None, *, higher_is_better: bool = True) -> float | None:
    """Achievement of an indicator against its target, in percent; None when not computable.

    - higher is better: value x 100 / target (may exceed 100: beating the target is *ottimo*);
      target 0 gives None (no meaningful ratio).
    - lower is better (waiting times, drop-outs): reaching or beating the target (value <= target)
      is 100; otherwise target x 100 / value, so twice the target is 50. Target 0 and value above it is 0.
    - a missing value or target is None. Negative values raise ValueError.
    """
    if value is None or target is None:
        return None
    value = _checked_percent(value, "Valore dell'indicatore")
    target = _checked_percent(target, "Target dell'indicatore")
    if higher_is_better:
        if target == 0:
            return None
        ratio = value * 100 / target
        if not math.isfinite(ratio):  # a stored 1e308 (written before the input limits) overflows
            raise ValueError(f"Valore dell'indicatore: il valore {value!r} non è un numero valido")
        return ratio
    if value <= target:
        return 100.0
    return target * 100 / value


def spend_ratio(paid: float | None, budgeted: float | None) -> float | None:
    """(paid x 100) / budgeted; None (non calcolabile) when the budget is 0 or missing."""
    if paid is None or budgeted is None:
        return None
    paid = _checked_percent(paid, "Pagato")
    budgeted = _checked_percent(budgeted, "Preventivato")
    if budgeted == 0:
        return None
    # Rounded to 1e-9 to drop float noise (0.3/0.1 must be exactly 300, and 100 exactly 100).
    return round(paid * 100 / budgeted, 9)


def spend_class(ratio: float | None) -> SpendClass | None:
    """Grid class of a spend ratio: below 100, exactly 100 (ottimo), above 100 (sottostimato).

    Exact comparison: 99.9 is below 100 and 100.01 is above; to the cent, paid equal to budget is 100.
    None (non calcolabile) stays None.
    """
    if ratio is None:
        return None
    number = _checked_percent(ratio, "Rapporto pagato/preventivato")
    if number < 100:
        return SpendClass.SOTTO_100
    if number == 100:
        return SpendClass.OTTIMO
    return SpendClass.SOTTOSTIMATO


def spend_class_label(ratio: float | None) -> str:
    cls = spend_class(ratio)
    return NOT_COMPUTABLE if cls is None else cls.label


def expected_share(year: int, half: int, first_year: int, last_year: int) -> float:
    """Expected share (percent) of the whole plan's budget spent by the end of semester (year, half).

    Pro rata over the plan's semesters: with 2025-2027, the end of 2025 H1 is 1/6 = 16.7%, of 2026 H2 4/6.
    Semesters before the plan give 0, after it 100.
    """
    if half not in (1, 2):
        raise ValueError(f"Semestre: atteso 1 o 2, ricevuto {half!r}")
    if last_year < first_year:
        raise ValueError("Anni del piano: l'ultimo anno precede il primo")
    total = (last_year - first_year + 1) * 2
    elapsed = (year - first_year) * 2 + half
    return max(0.0, min(100.0, elapsed * 100 / total))


def expected_share_of_year(half: int) -> float:
    """Expected share of one year's budget spent by the end of that year's semester `half`."""
    if half not in (1, 2):
        raise ValueError(f"Semestre: atteso 1 o 2, ricevuto {half!r}")
    return 50.0 if half == 1 else 100.0
