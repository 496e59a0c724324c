"""SQLModel tables. Codes from models.vocab are stored as plain strings.

Over 400 lines: one class per table, so that the whole schema (and Alembic's comparison) reads in one place."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, Protocol

from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


class _Row(Protocol):
    @property
    def id(self) -> int | None: ...


def pk(row: _Row) -> int:
    """The id of a row read from the database or flushed: the `int | None` of the table class is None only
    before the first flush, so a None here is a programming error, raised rather than passed on."""
    if row.id is None:
        raise ValueError(f"{type(row).__name__} has no id yet (not flushed)")
    return row.id


class SchemaInfo(SQLModel, table=True):
    """One row: the schema version this database was created or last migrated with."""

    id: int = Field(default=1, primary_key=True)
    version: int
    updated_at: datetime = Field(default_factory=utcnow)


# --- the plan ---------------------------------------------------------------------------------


class Plan(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    title: str
    ambito: str
    first_year: int
    last_year: int
    source: str = ""
    state: str = Field(default="in_corso", max_length=16)  # vocab.PlanState: in_corso | chiuso
    closed_at: datetime | None = None


class MacroArea(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    letter: str = Field(index=True, max_length=2)
    title: str
    position: int = 0
    line: int | None = None
    __table_args__ = (UniqueConstraint("plan_id", "letter"),)


class KeyPoint(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    area_id: int = Field(foreign_key="macroarea.id", index=True)
    text: str = Field(sa_column=Column(Text, nullable=False))
    position: int = 0
    line: int | None = None


class Card(SQLModel, table=True):
    """One objective card (scheda) of Chapter 6; area J has three."""

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    area_id: int = Field(foreign_key="macroarea.id", index=True)
    code: str = Field(max_length=8)
    title: str = ""
    position: int = 0
    line: int | None = None
    target_group: str = Field(default="", sa_column=Column(Text))
    staff: str = Field(default="", sa_column=Column(Text))
    transversal_areas: str = ""  # letters, comma separated
    transversal_text: str = Field(default="", sa_column=Column(Text))
    service_kind: str | None = None  # nuovo | rivisto | esistente
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))  # flags with text and line
    __table_args__ = (UniqueConstraint("plan_id", "code"),)


class Objective(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    card_id: int = Field(foreign_key="card.id", index=True)
    area_id: int = Field(foreign_key="macroarea.id", index=True)
    code: str = Field(index=True, max_length=16)
    kind: str  # vocab.ObjectiveKind
    text: str = Field(sa_column=Column(Text, nullable=False))
    position: int = 0
    line: int | None = None
    retired: bool = False
    version: int = 1
    # The same objective in the previous plan (carried over): trends read its semesters too.
    predecessor_id: int | None = Field(default=None, foreign_key="objective.id")
    # The Cruscotto's monitored objectives by area, read from the index alone (revision 0005)
    __table_args__ = (Index("ix_objective_area_live", "area_id", "retired", "kind"),)


class Action(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    objective_id: int = Field(foreign_key="objective.id", index=True)
    text: str = Field(sa_column=Column(Text, nullable=False))
    position: int = 0
    line: int | None = None
    retired: bool = False  # retired actions keep their history and drop out of new semesters
    version: int = 1


class Indicator(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    objective_id: int = Field(foreign_key="objective.id", index=True)
    battery: str  # vocab.Battery
    text: str = Field(sa_column=Column(Text, nullable=False))
    unit: str  # vocab.Unit
    higher_is_better: bool = True
    position: int = 0
    line: int | None = None
    retired: bool = False
    version: int = 1


class IndicatorTarget(SQLModel, table=True):
    """Baseline and target of an indicator for one year (set by the Piano Operativo Annuale)."""

    id: int | None = Field(default=None, primary_key=True)
    indicator_id: int = Field(foreign_key="indicator.id", index=True)
    year: int
    baseline: float | None = None
    target: float | None = None
    version: int = 1
    __table_args__ = (UniqueConstraint("indicator_id", "year"),)


class SubArea(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True, max_length=8)  # AT1..AT7
    name: str
    position: int = 0
    line: int | None = None


class Municipality(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    sub_area_id: int = Field(foreign_key="subarea.id", index=True)
    name: str


class ObjectiveSubArea(SQLModel, table=True):
    """An objective that is local to some sub-areas (none = the whole Ambito)."""

    objective_id: int = Field(foreign_key="objective.id", primary_key=True)
    sub_area_id: int = Field(foreign_key="subarea.id", primary_key=True)


class BudgetLine(SQLModel, table=True):
    """Planned budget: per objective (or whole card), funding source and year."""

    id: int | None = Field(default=None, primary_key=True)
    card_id: int = Field(foreign_key="card.id", index=True)
    objective_id: int | None = Field(default=None, foreign_key="objective.id", index=True)
    year: int | None = None  # None: the whole plan period
    item: str = ""
    source: str | None = None  # vocab.FundingSource
    public: bool | None = None  # None: not stated in the plan
    amount: float | None = None
    approximate: bool = False
    to_be_completed: bool = False
    text: str = Field(default="", sa_column=Column(Text))
    line: int | None = None
    origin: str = "piano"  # piano (from the document) | ufficio (set in the app)
    retired: bool = False
    version: int = 1


class BudgetLineKind(SQLModel, table=True):
    """What the document says a plan budget line is (models/budget_rules.py: BudgetKind). A line without a row
    here is *preventivato*: the plan's own budget. A table of its own, not a column: no migration needed."""

    budget_line_id: int = Field(foreign_key="budgetline.id", primary_key=True)
    kind: str


class SetByOffice(SQLModel, table=True):
    """Who set a value in the app (a target, a budget) and when: shown beside it instead of a document line."""

    id: int | None = Field(default=None, primary_key=True)
    entity: str = Field(max_length=32)  # indicatortarget | budgetline
    entity_id: int
    user_id: int | None = Field(default=None, foreign_key="user.id")
    name: str = ""  # the user's display name at the time
    at: datetime = Field(default_factory=utcnow)
    __table_args__ = (UniqueConstraint("entity", "entity_id"),)


class SharedProject(SQLModel, table=True):
    """A supra-zonal project shared with other Ambiti or partners (seed 000)."""

    id: int | None = Field(default=None, primary_key=True)
    name: str
    total: float
    objective_id: int | None = Field(default=None, foreign_key="objective.id")
    note: str = ""
    version: int = 1


class PartnerShare(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="sharedproject.id", index=True)
    partner: str
    amount: float


# --- semesters and reports --------------------------------------------------------------------


class Semester(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    year: int
    half: int  # 1 or 2
    state: str = "aperto"  # vocab.SemesterState
    deadline: date | None = None
    closed_reason: str = ""
    version: int = 1
    __table_args__ = (UniqueConstraint("year", "half"),)


class Report(SQLModel, table=True):
    """One objective's semester report: the unit of data entry, review and concurrency."""

    id: int | None = Field(default=None, primary_key=True)
    objective_id: int = Field(foreign_key="objective.id", index=True)
    semester_id: int = Field(foreign_key="semester.id", index=True)
    state: str = "bozza"  # vocab.ReportState
    users_assessment: str = Field(default="", sa_column=Column(Text))
    users_not_relevant: bool = False
    resource_adequacy: str | None = None  # vocab.ResourceAdequacy
    critical_issues: str = Field(default="", sa_column=Column(Text))
    need_answered: bool | None = None
    need_reason: str = Field(default="", sa_column=Column(Text))
    proposed_again: bool | None = None
    proposed_reason: str = Field(default="", sa_column=Column(Text))
    reviewer_comment: str = Field(default="", sa_column=Column(Text))
    approved_snapshot: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    # No longer written or read: action counts are computed from the plan's active actions (models/rules.py),
    # so a plan change can never leave them stale. Kept only because existing databases have these NOT NULL
    # columns; drop them in the first schema migration.
    actions_planned: int = 0
    actions_done: int = 0
    version: int = 1
    updated_at: datetime = Field(default_factory=utcnow)
    updated_by: int | None = Field(default=None, foreign_key="user.id")
    __table_args__ = (
        UniqueConstraint("objective_id", "semester_id"),
        # Covering indexes of the Cruscotto's counts and sums (revision 0005): a semester's reports by state, and
        # an objective's reports by state, read without visiting the table's rows.
        Index("ix_report_semester_state_objective", "semester_id", "state", "objective_id"),
        Index("ix_report_objective_state_semester", "objective_id", "state", "semester_id"),
    )


class ReportComment(SQLModel, table=True):
    """One message of a report's review conversation (comment, reply, send-back, approval), never edited.

    A send-back keeps the report as it was at that moment (`snapshot`), so that the next review can show
    what changed since, side by side. Report.reviewer_comment still holds the latest reviewer's comment.
    """

    id: int | None = Field(default=None, primary_key=True)
    report_id: int = Field(foreign_key="report.id", index=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    user_id: int | None = Field(default=None, foreign_key="user.id")
    author: str = ""  # the user's name when written (a renamed user keeps their old messages)
    role: str = ""  # vocab.Role
    kind: str = "commento"  # vocab.CommentKind
    text: str = Field(default="", sa_column=Column(Text))
    snapshot: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))


class ActionStatus(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    report_id: int = Field(foreign_key="report.id", index=True)
    action_id: int = Field(foreign_key="action.id", index=True)
    state: str = "non avviata"  # vocab.ActionState
    __table_args__ = (UniqueConstraint("report_id", "action_id"),)


class IndicatorValue(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    report_id: int = Field(foreign_key="report.id", index=True)
    indicator_id: int = Field(foreign_key="indicator.id", index=True)
    value_num: float | None = None  # numero, percentuale, si_no (1/0)
    value_text: str = Field(default="", sa_column=Column(Text))  # testo
    note: str = Field(default="", sa_column=Column(Text))
    __table_args__ = (UniqueConstraint("report_id", "indicator_id"),)


class SubAreaValue(SQLModel, table=True):
    """An indicator value split by sub-area AT1..AT7."""

    id: int | None = Field(default=None, primary_key=True)
    value_id: int = Field(foreign_key="indicatorvalue.id", index=True)
    sub_area_id: int = Field(foreign_key="subarea.id")
    value: float
    __table_args__ = (UniqueConstraint("value_id", "sub_area_id"),)


class Spend(SQLModel, table=True):
    """Committed and paid per objective, funding source and semester (cumulative within the semester)."""

    id: int | None = Field(default=None, primary_key=True)
    report_id: int = Field(foreign_key="report.id", index=True)
    source: str  # vocab.FundingSource
    committed: float = 0.0
    paid: float = 0.0
    document_ref: str = ""
    note: str = Field(default="", sa_column=Column(Text))
    __table_args__ = (
        UniqueConstraint("report_id", "source"),
        # The sums of spend by area or source read from the index alone (revision 0005)
        Index("ix_spend_report_amounts", "report_id", "source", "committed", "paid"),
    )


class SubmissionNote(SQLModel, table=True):
    """A report sent with data missing: what was missing and the lead's note (shown to the reviewer).
    Its own table, so that every sending keeps its note and no column is added to `report`."""

    id: int | None = Field(default=None, primary_key=True)
    report_id: int = Field(foreign_key="report.id", index=True)
    at: datetime = Field(default_factory=utcnow)
    user_id: int | None = Field(default=None, foreign_key="user.id")
    username: str = ""
    gaps: str = Field(default="", sa_column=Column(Text))  # e.g. "3 indicatori senza valore, 1 fonte senza spesa"
    note: str = Field(default="", sa_column=Column(Text))


# --- a previous plan's final assessment (the 2021-2023 plan's: Chapter 1) ----------------------


class HistoricalOutcome(SQLModel, table=True):
    """One objective's final outcome in a previous plan, shown on the history page of `plan_id` (the plan that
    followed it). Written from the document (2021-2023) or by closing a plan (models/plans.py): then
    `closed_plan_id` is the closed plan, and `plan_id` stays None until the next plan is loaded."""

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int | None = Field(default=None, foreign_key="plan.id", index=True)
    closed_plan_id: int | None = Field(default=None, foreign_key="plan.id")
    source_objective_id: int | None = Field(default=None, foreign_key="objective.id")
    area_letter: str | None = None
    area_title: str = ""
    objective: str = Field(sa_column=Column(Text, nullable=False))
    output: str = Field(default="", sa_column=Column(Text))
    achievement_range: str = ""
    band: str | None = None
    users_assessment: str = Field(default="", sa_column=Column(Text))
    resource_adequacy: str | None = None
    resource_note: str = Field(default="", sa_column=Column(Text))
    spend_class: str | None = None
    critical_issues: str = Field(default="", sa_column=Column(Text))
    need_answered: bool | None = None
    need_reason: str = Field(default="", sa_column=Column(Text))
    continuity_previous: bool | None = None
    proposed_again: bool | None = None
    proposed_reason: str = Field(default="", sa_column=Column(Text))
    position: int = 0
    line: int | None = None


# --- users and audit --------------------------------------------------------------------------


class User(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(unique=True, index=True, max_length=64)
    name: str
    email: str = ""
    role: str  # vocab.Role
    password_hash: str
    must_change_password: bool = True
    active: bool = True
    failed_logins: int = 0
    locked_until: datetime | None = None
    # Login tokens issued before this instant are refused (logout, password change, deactivation).
    tokens_valid_after: datetime = Field(default_factory=utcnow)
    created_at: datetime = Field(default_factory=utcnow)
    version: int = 1


class UserArea(SQLModel, table=True):
    user_id: int = Field(foreign_key="user.id", primary_key=True)
    area_letter: str = Field(primary_key=True, max_length=2)


class AuditEntry(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    user_id: int | None = Field(default=None, foreign_key="user.id")
    username: str = ""
    entity: str  # table name
    entity_id: int | None = None
    objective_id: int | None = Field(default=None, index=True)
    semester_id: int | None = None
    field: str = ""
    old: str | None = Field(default=None, sa_column=Column(Text))
    new: str | None = Field(default=None, sa_column=Column(Text))
    reason: str = Field(default="", sa_column=Column(Text))


class DemoMarker(SQLModel, table=True):
    """Present (one row) when models/demo.py generated this database's data: every export is then marked."""

    id: int = Field(default=1, primary_key=True)
    seed: int = 0
    generated_at: datetime = Field(default_factory=utcnow)


class DataChange(SQLModel, table=True):
    """One row, bumped on every write: dashboards poll it to refresh their cached figures."""

    id: int = Field(default=1, primary_key=True)
    counter: int = 0
    at: datetime = Field(default_factory=utcnow)


class LoginAttempt(SQLModel, table=True):
    """A login (or password-change) attempt and its client address ("" when unknown), kept while it counts.

    Written before the password is checked, deleted when it was right; rows older than the throttle window are
    pruned. Only attempts with an address count for the per-address throttle (models.users).
    """

    id: int | None = Field(default=None, primary_key=True)
    address: str = Field(index=True, max_length=64)
    username: str = Field(default="", max_length=64)
    at: datetime = Field(default_factory=utcnow, index=True)


# --- e-mail notices (models/notices.py, models/reminders.py) ----------------------------------


class NoticeSent(SQLModel, table=True):
    """One e-mail notice: what was (or is to be) sent, to whom, when, and the failures.

    `dedupe_key` (kind + semester/report + recipient + the reminder's day) is unique: however often
    `make remind` runs, a notice is recorded once and sent once; a failed one is retried on later runs.
    """

    id: int | None = Field(default=None, primary_key=True)
    dedupe_key: str = Field(unique=True, max_length=200)
    kind: str = Field(max_length=32)  # vocab.NoticeKind
    user_id: int = Field(foreign_key="user.id", index=True)
    address: str = Field(max_length=254)  # the recipient's address when the notice was recorded
    subject: str = Field(max_length=300)
    body: str = Field(default="", sa_column=Column(Text, nullable=False))
    link: str = Field(default="", max_length=500)
    status: str = Field(default="da inviare", max_length=16, index=True)  # vocab.NoticeStatus
    attempts: int = 0
    last_error: str = Field(default="", sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, index=True)
    last_attempt_at: datetime | None = None
    sent_at: datetime | None = None


class NoticeOptOut(SQLModel, table=True):
    """A kind of notice a user does not want (no row: the user receives it). Every kind: no notices at all."""

    user_id: int = Field(foreign_key="user.id", primary_key=True)
    kind: str = Field(primary_key=True, max_length=32)  # vocab.NoticeKind


class NoticeSettings(SQLModel, table=True):
    """Per plan: how many days before the deadline leads are reminded (no row: the default, 7 and 2)."""

    plan_id: int = Field(foreign_key="plan.id", primary_key=True)
    reminder_days: str = Field(default="7, 2", max_length=64)  # comma-separated, largest first


# --- the read API and open data ---------------------------------------------------------------


class ApiToken(SQLModel, table=True):
    """A personal API token: only its sha256 is stored (the token is shown once, at creation)."""

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    name: str = Field(max_length=80)
    token_hash: str = Field(unique=True, index=True, max_length=64)
    hint: str = Field(default="", max_length=12)  # the first characters, so the owner can tell tokens apart
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    revoked_at: datetime | None = None
    last_used_at: datetime | None = None


class ApiTokenUse(SQLModel, table=True):
    """One request made with a token (refused ones too, with their status)."""

    id: int | None = Field(default=None, primary_key=True)
    token_id: int = Field(foreign_key="apitoken.id", index=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    path: str = Field(max_length=300)
    status: int = 200


class StoredSetting(SQLModel, table=True):
    """A setting changed in the app (not in the environment): e.g. whether open data are published."""

    key: str = Field(primary_key=True, max_length=64)
    value: str = ""
    updated_at: datetime = Field(default_factory=utcnow)
    user_id: int | None = Field(default=None, foreign_key="user.id")
