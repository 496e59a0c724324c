"""Shares of a shared project (seed 000: 20.000 € in two halves or three equal parts), to the cent.

One pure function, `split_total`, turns what the Ufficio di Piano types into amounts that always add up to the
total exactly:
- shares as fractions or percentages ("1/3", "1/2", "50%"): they must add up to exactly one whole;
- shares as euro amounts: accepted when they add up to the total within half a cent per share (each amount is
  its exact part rounded to the cent: 3 x 6.666,67 = 20.000,01 means three equal parts), then re-derived.
Either way the total in cents is divided in proportion, every share rounded down to the cent, and the cents
left over (at most one per share) go one each to the shares with the largest dropped fraction, the earlier
partner first on a tie: 20.000 in thirds is 6.666,67 + 6.666,67 + 6.666,66. The remainder is returned, so the
screen can say where it went.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

from models.errors import DomainError
from models.formatting import euro_cents

_FRACTION = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")
_PERCENT = re.compile(r"^\s*(\d+(?:[.,]\d+)?)\s*%\s*$")


class ShareError(DomainError, ValueError):
    """A share that cannot be used; the message is Italian and names the problem."""


@dataclass(frozen=True)
class Split:
    cents: tuple[int, ...]  # each share in euro cents; sum(cents) == the total in cents
    remainder_to: tuple[int, ...]  # indexes of the shares that received one cent of the remainder

    @property
    def amounts(self) -> tuple[float, ...]:
        return tuple(c / 100 for c in self.cents)

    def remainder_note(self, names: list[str]) -> str:
        """'resto di 2 centesimi assegnato a A, B', or '' when the total divides exactly."""
        if not self.remainder_to:
            return ""
        n = len(self.remainder_to)
        who = ", ".join(names[i] for i in self.remainder_to)
        return f"resto di {n} {'centesimo' if n == 1 else 'centesimi'} assegnato a {who} (1 centesimo ciascuno)"

    def describe(self, names: list[str]) -> str:
        parts = " + ".join(euro_cents(a) for a in self.amounts)
        note = self.remainder_note(names)
        return f"{parts} = {euro_cents(sum(self.cents) / 100)}" + (f" ({note})" if note else "")


def parse_fraction(text: object) -> Fraction | None:
    """'1/3' -> 1/3, '50%' or '33,5 %' -> the exact fraction; None when the text is not a fraction."""
    raw = str(text or "")
    if m := _FRACTION.match(raw):
        if int(m.group(2)) == 0:
            raise ShareError(f"«{raw.strip()}»: il denominatore non può essere zero.")
        return Fraction(int(m.group(1)), int(m.group(2)))
    if m := _PERCENT.match(raw):
        return Fraction(m.group(1).replace(",", ".")) / 100
    return None


def allocate(total_cents: int, weights: list[Fraction]) -> Split:
    """Divide total_cents in proportion to weights (largest remainder): exact sum, remainder explicit."""
    whole = sum(weights)
    if total_cents < 0 or not weights or whole <= 0 or any(w < 0 for w in weights):
        raise ShareError("quote non valide: servono quote positive e un importo totale.")
    exact = [Fraction(total_cents) * w / whole for w in weights]
    floors = [int(x) for x in exact]  # exact >= 0: int() rounds down
    left = total_cents - sum(floors)
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - floors[i]), i))
    extra = tuple(sorted(order[:left]))
    return Split(tuple(f + (1 if i in extra else 0) for i, f in enumerate(floors)), extra)


def split_total(total: float, shares: list[Fraction | float]) -> Split:
    """Shares as all fractions (adding up to one) or all euro amounts (adding up to the total within half a
    cent per share): the amounts to the cent, summing exactly to the total."""
    total_cents = round(total * 100)
    fractions = [s for s in shares if isinstance(s, Fraction)]
    if len(fractions) == len(shares):
        whole = sum(fractions, Fraction(0))
        if whole != 1:
            raise ShareError(
                f"le frazioni sommano a {_fraction_text(whole)}, non a 1 (l'intero "
                "importo): ad esempio 1/2 + 1/2 oppure 1/3 + 1/3 + 1/3."
            )
        return allocate(total_cents, fractions)
    if fractions:
        raise ShareError("indicare tutte le quote come frazioni (es. 1/3) oppure tutte come importi in euro.")
    cents = [round(float(s) * 100) for s in shares]
    if abs(sum(cents) - total_cents) * 2 > len(cents):  # more than half a cent per share away
        raise ShareError(
            f"la somma delle quote ({euro_cents(sum(cents) / 100)}) non corrisponde all'importo "
            f"totale ({euro_cents(total_cents / 100)}); per parti uguali si possono scrivere "
            "frazioni come 1/3."
        )
    return allocate(total_cents, [Fraction(c) for c in cents])


def _fraction_text(f: Fraction) -> str:
    return str(f.numerator) if f.denominator == 1 else f"{f.numerator}/{f.denominator}"
