"""Which budget lines are the plan's budget, and how a budget that is not there is shown.

The document's X.4 field mixes three things (data/SCHEMA.md, "Budget lines: one rule"):
- *preventivato*: resources the card plans for 2025-2027 (possibly approximate: the form allows "Importo,
  anche approssimativo", line 105). Only these, and the budgets the Ufficio di Piano sets in the app, are the
  plan's budget: they enter every budget total and every paid/budget ratio.
- *esempio biennio precedente*: an amount of the past given as an example (card A, line 1181: "A titolo di
  esempio, l'importo relativo all'ultimo biennio è di circa").
- *previsione*: a forecast the card itself calls so (card A, line 1203: "previsione sul prossimo biennio"),
  not yet a budget: the Piano Operativo Annuale fixes it.
The last two are shown as what they are and never summed. A total with no counted amount is not zero: it is
"da definire nel Piano Operativo Annuale".
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import ColumnElement
from sqlmodel import col, select

from models.formatting import BUDGET_TO_DEFINE  # noqa: F401  (the label lives with the formatting helper)
from models.tables import BudgetLine, BudgetLineKind


class BudgetKind(StrEnum):
    PREVENTIVATO = "preventivato"
    ESEMPIO_PASSATO = "esempio_biennio_precedente"
    PREVISIONE = "previsione"


BUDGET_KIND_LABELS = {
    BudgetKind.PREVENTIVATO: "preventivato",
    BudgetKind.ESEMPIO_PASSATO: "esempio biennio precedente",
    BudgetKind.PREVISIONE: "previsione",
}
COUNTED_KINDS: tuple[str, ...] = (BudgetKind.PREVENTIVATO,)


def kind_label(kind: str | None) -> str:
    return BUDGET_KIND_LABELS[BudgetKind(kind or BudgetKind.PREVENTIVATO)]


def counts_in_budget(kind: str | None) -> bool:
    """The rule in Python, for rows already read."""
    return (kind or BudgetKind.PREVENTIVATO) in COUNTED_KINDS


def counted_budget_line() -> ColumnElement[bool]:
    """The rule in SQL: a WHERE clause keeping the budget lines that are the plan's budget (any query on
    BudgetLine that sums amounts adds it)."""
    not_counted = select(BudgetLineKind.budget_line_id).where(col(BudgetLineKind.kind).not_in(COUNTED_KINDS))
    return col(BudgetLine.id).not_in(not_counted)
