"""The Cruscotto's plain results (dataclasses) and the words of what is counted; models.dashboard computes them."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction

from models import rules, scoring, vocab
from models.formatting import INVALID_VALUE
from models.vocab import ReportState, semester_label

APPROVED_ONLY: tuple[str, ...] = (ReportState.APPROVATA,)
WITH_SUBMITTED: tuple[str, ...] = (ReportState.APPROVATA, ReportState.INVIATA)
CATEGORY_LABELS: tuple[str, ...] = (*scoring.BAND_LABELS, scoring.NOT_COMPUTABLE)  # five bands, then grey
STATE_ORDER: tuple[str, ...] = tuple(ReportState)
NO_REPORT = vocab.NO_REPORT  # a monitored objective with no report at all in the semester
NO_SPEND_DATA = vocab.NO_SPEND_DATA  # no counted spend line at all: not the same as zero spent


# What is counted, in the words of every chart subtitle, tile and report (False: approved only).
COUNTED_LABELS = {
    False: "Conteggiati solo i report approvati",
    True: "Conteggiati i report approvati e quelli inviati (in attesa di approvazione)",
}
COUNT_OPTIONS = {False: "Solo report approvati", True: "Anche report inviati (da approvare)"}  # the choice
COUNT_SHORT = {False: "solo report approvati", True: "anche inviati"}  # the projector's one-line header


def counted_states(include_submitted: bool) -> tuple[str, ...]:
    return WITH_SUBMITTED if include_submitted else APPROVED_ONLY


def safe_achievement(done: int, planned: int) -> float | None:
    """Grid achievement; inconsistent counts (done > planned) are shown as non calcolabile, never a crash
    in front of the Comitato (the entry form validates them on save)."""
    try:
        return scoring.objective_achievement(int(done), int(planned))
    except ValueError:
        return None


def category_of(achievement: float | None) -> str:
    """Band label, or NOT_COMPUTABLE."""
    return scoring.band_label(achievement)


# --- plain results ----------------------------------------------------------------------------


@dataclass(frozen=True)
class BudgetPeriod:
    """The budget period the spend is compared with (see the module docstring)."""

    semesters: tuple[tuple[int, int], ...]  # monitored (year, half) up to the chosen semester, in time order
    plan_semesters: int  # semesters in the plan's period (6 for 2025-2027)
    annual: frozenset[tuple[object, int]]  # (holder, year): holders whose annual lines of that year are used
    label: str  # "budget 2025", "budget del triennio pro quota 2/6", ...
    short_label: str = ""  # the same in a few words, for a tile under the word "Budget": "triennio, 2/6"
    plan_id: int | None = None  # the plan whose budget lines count (None: no plan, every line)

    @property
    def expected_share(self) -> float | None:
        """By the end of the chosen semester the whole period is over: all its budget should be paid."""
        return 100.0 if self.semesters else None

    def weight(self, holder: object, year: int | None) -> Fraction:
        """Share of a line's amount that belongs to the period (annual lines: 1/2 per monitored semester of
        their year; plan lines: 1/plan_semesters per monitored semester without an annual budget). Exact: a
        float 1/6 made 22,65 € × 1/6 read 3,77 € where 22,65 / 6 is 3,775 € (3,78 €)."""
        if year is not None:
            return Fraction(sum(1 for y, _h in self.semesters if y == year), 2)
        if not self.plan_semesters:
            return Fraction(0)
        return Fraction(sum(1 for y, _h in self.semesters if (holder, y) not in self.annual), self.plan_semesters)


@dataclass(frozen=True)
class SemesterInfo:
    id: int
    year: int
    half: int
    state: str

    @property
    def label(self) -> str:
        return semester_label(self.year, self.half)

    @property
    def ordinal(self) -> int:
        return rules.semester_ordinal(self.year, self.half)


@dataclass
class Tally:
    """Counted reports by band (all five always present, plus non calcolabile) and their summed actions."""

    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CATEGORY_LABELS, 0))
    done: int = 0
    planned: int = 0
    submitted: int = 0  # counted reports still in state `inviata` (not yet approved)

    def add(self, state: str, done: int, planned: int, n: int) -> None:
        self.counts[category_of(safe_achievement(done, planned))] += n
        self.done += done * n
        self.planned += planned * n
        if state == ReportState.INVIATA:
            self.submitted += n

    @property
    def reported(self) -> int:
        return sum(self.counts.values())

    @property
    def achievement(self) -> float | None:
        return safe_achievement(self.done, self.planned)

    @property
    def band(self) -> str:
        return category_of(self.achievement)


@dataclass
class Money:
    budget: float = 0.0
    budget_missing: int = 0  # budget lines without an amount (to be completed): left out of `budget`
    budget_amounts: int = 0  # counted budget lines with an amount: none means "da definire", not 0 €
    committed: float = 0.0
    paid: float = 0.0
    # At least one counted spend line: without any the spend is «nessun dato», not 0 % (an empty line in the
    # form is not stored, so a line of zeros is a real "zero spent").
    reported: bool = False

    @property
    def valid(self) -> bool:
        """False when a counted spend row holds a value that is not a plausible amount (see _spend)."""
        return math.isfinite(self.committed) and math.isfinite(self.paid)

    @property
    def budget_set(self) -> bool:
        """False when the plan states no amount: the budget is to be defined, not zero."""
        return self.budget_amounts > 0

    @property
    def planned(self) -> float | None:
        """The budget to show: None when it is to be defined (formatting.budget_euro prints that)."""
        return self.budget if self.budget_set else None

    @property
    def ratio(self) -> float | None:
        return scoring.spend_ratio(self.paid, self.budget) if self.budget and self.valid and self.reported else None

    @property
    def spend_class(self) -> str:
        if not self.valid:
            return INVALID_VALUE
        return scoring.spend_class_label(self.ratio) if self.reported else NO_SPEND_DATA


@dataclass
class Summary:
    semester: SemesterInfo
    states: tuple[str, ...]
    tally: Tally
    money: Money
    expected_share: float | None
    objectives: int  # monitored objectives in the plan
    report_states: dict[str, int]  # every report state, plus NO_REPORT, for this semester
    period: BudgetPeriod | None = None  # the budget the money is compared with, and its label
    areas: list[AreaRow] = field(default_factory=list)  # the same figures per macro-area (dashboard.area_rows)


@dataclass
class AreaRow:
    letter: str
    title: str
    objectives: int
    tally: Tally
    money: Money


@dataclass
class SourceRow:
    code: str
    label: str
    money: Money


@dataclass
class TrendPoint:
    semester: str
    ordinal: int
    area: str  # letter, or "" for the whole plan
    achievement: float | None
    ratio: float | None
    expected_share: float | None


@dataclass(frozen=True)
class ObjectivePoint:
    """One semester of an objective's trend: its own, or a predecessor's in an earlier plan (`code` says which)."""

    semester: str
    ordinal: int
    code: str
    achievement: float | None
    own: bool = True  # False: a predecessor's report, in an earlier plan

    @property
    def band(self) -> str:
        return category_of(self.achievement)


@dataclass
class ObjectiveRow:
    id: int
    code: str
    text: str
    state: str  # report state, or NO_REPORT
    counted: bool
    done: int
    planned: int
    money: Money
    area: str = ""
    retired: int = 0  # retired actions with a state in the report: shown apart, never counted

    @property
    def actions(self) -> rules.ActionCount:
        return rules.ActionCount(done=self.done, planned=self.planned, retired=self.retired)

    @property
    def achievement(self) -> float | None:
        return safe_achievement(self.done, self.planned) if self.counted else None

    @property
    def band(self) -> str:
        return category_of(self.achievement) if self.counted else "—"


@dataclass(slots=True)
class IndicatorPoint:
    semester: str
    ordinal: int
    year: int
    value_num: float | None
    value_text: str
    note: str
    state: str  # "" when no counted value
    target: float | None


@dataclass(slots=True)
class IndicatorSeries:
    id: int
    text: str
    battery: str
    unit: str
    higher_is_better: bool
    points: list[IndicatorPoint]
    targets: dict[int, float]  # year -> target
    target_origins: dict[int, str] = field(default_factory=dict)  # year -> provenance.Origin label

    @property
    def has_values(self) -> bool:
        return any(p.state for p in self.points)

    @property
    def latest_achievement(self) -> float | None:
        """Achievement against the target in the chosen semester (None without value or target)."""
        return self.achievement_at(self.points[-1]) if self.points else None

    def achievement_at(self, point: IndicatorPoint) -> float | None:
        """The grid's indicator achievement of one semester's value against that year's target."""
        try:
            return scoring.indicator_achievement(point.value_num, point.target, higher_is_better=self.higher_is_better)
        except ValueError:
            return None


@dataclass
class SplitRow:
    indicator_id: int
    indicator: str
    unit: str
    objective: str
    area: str
    sub_area: str
    value: float
    submitted: bool
