"""The semester report (.xlsx) and the annual report (.xlsx, or one self-contained .html) for the Assemblea.

The entry points: who may read a report, which data it holds (models.report_model, models.report_tables) and
which renderer writes it (models.report_xlsx, models.report_html). See models.report_model for where each figure
comes from.
"""

from __future__ import annotations

import gc
import threading
from contextlib import ContextDecorator

from sqlmodel import Session

from models import dashboard, dashboard_sql, report_html
from models.dashboard_results import COUNTED_LABELS
from models.demo_mark import demo_file_name
from models.errors import InputRefused, NotFound
from models.permissions import Actor, require_report_reader
from models.report_model import (
    Slot,
    build_context,
    continuity_flags,
    indicator_series,
    load_semester,
    query_params,
    semester_info,
)
from models.report_tables import annual_content, esiti_table, fund_table, indicator_table, spend_table, summary_tables
from models.tables import Semester

__all__ = [
    "annual_report_html",
    "annual_report_name",
    "annual_report_xlsx",
    "report_years",
    "semester_report_name",
    "semester_report_xlsx",
]

FILE_EXTENSIONS = ("xlsx", "html")


class _GcPaused(ContextDecorator):
    """Python's cyclic garbage collector paused while a report is built: its full rounds over the report's
    hundreds of thousands of live cells and points cost more than a second at size 100, and a report's objects
    go by reference counting anyway (same peak memory, measured). Reports built at once share the pause; the
    collector is switched back on when the last one ends, if it was on before the first."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._building = 0
        self._resume = False

    def __enter__(self) -> None:
        with self._lock:
            if self._building == 0:
                self._resume = gc.isenabled()
                gc.disable()
            self._building += 1

    def __exit__(self, *_exc: object) -> None:
        with self._lock:
            self._building -= 1
            if self._building == 0 and self._resume:
                gc.enable()


_gc_paused = _GcPaused()


# --- public API --------------------------------------------------------------------------------


@_gc_paused
def semester_report_xlsx(
    semester_id: int, *, actor: Actor | None, session: Session, include_submitted: bool = False
) -> bytes:
    """One semester: Sintesi, Tabella Esiti, Indicatori, Spesa (the figures of the Cruscotto)."""
    # XlsxWriter (11 MB) is imported where a report is written, the worker process (models/file_worker.py), not in
    # the app process, which only names the files
    from models.report_xlsx import SHEETS, ReportBook

    require_report_reader(actor)
    sem = semester_info(session, semester_id)
    data = load_semester(session, sem, include_submitted)
    slots = [Slot(sem.year, sem.half, data)]
    ctx = build_context(session, f"Report semestrale · {sem.label}", slots, include_submitted)
    book = ReportBook(ctx)
    subtitle = f"{sem.label} · {COUNTED_LABELS[include_submitted]}"
    book.summary_sheet(summary_tables(slots))
    book.table_sheet(SHEETS[1], esiti_table(slots, continuity_flags(session)), subtitle)
    book.table_sheet(SHEETS[2], indicator_table(slots, indicator_series(session, slots, include_submitted)), subtitle)
    book.table_sheet(SHEETS[3], spend_table(session, data), f"righe di spesa del {subtitle}", [fund_table(slots)])
    return book.to_bytes()


@_gc_paused
def annual_report_xlsx(year: int, *, actor: Actor | None, session: Session, include_submitted: bool = False) -> bytes:
    """A year, both semesters side by side (a semester not yet opened is said to be so)."""
    from models.report_xlsx import SHEETS, ReportBook  # XlsxWriter (11 MB): imported where a report is written

    require_report_reader(actor)
    content = annual_content(session, year, include_submitted)
    ctx, slots = content.ctx, content.slots
    book = ReportBook(ctx)
    subtitle = f"anno {year} · {COUNTED_LABELS[include_submitted]}"
    book.summary_sheet(content.tables)
    book.table_sheet(SHEETS[1], content.esiti, subtitle)
    book.table_sheet(SHEETS[2], indicator_table(slots, indicator_series(session, slots, include_submitted)), subtitle)
    book.table_sheet(SHEETS[3], content.funds, subtitle)
    return book.to_bytes()


@_gc_paused
def annual_report_html(year: int, *, actor: Actor | None, session: Session, include_submitted: bool = False) -> bytes:
    """The annual report as one self-contained HTML page, UTF-8 (Plotly inlined once: works offline)."""
    require_report_reader(actor)
    content = annual_content(session, year, include_submitted)
    last = [s.data for s in content.slots if s.data][-1]
    trend = dashboard.trend(session=session, **query_params(last.info, include_submitted))
    return report_html.annual_document(content, trend)


def report_years(*, session: Session, plan_id: int | None = None) -> list[int]:
    """Years with at least one semester (of one plan, when given), newest first."""
    return sorted({s.year for s in dashboard_sql.semester_options(session=session, plan_id=plan_id)}, reverse=True)


def semester_report_name(semester_id: int, *, session: Session) -> str:
    sem = session.get(Semester, semester_id)
    if sem is None:
        raise NotFound("Semestre non trovato.")
    return demo_file_name(f"report_semestrale_{sem.year}_{'I' if sem.half == 1 else 'II'}.xlsx", session=session)


def annual_report_name(year: int, ext: str) -> str:
    ext = ext.lower().lstrip(".")
    if ext not in FILE_EXTENSIONS:
        raise InputRefused(f"Formato {ext!r} non previsto per il report annuale (ammessi: xlsx, html).")
    return f"report_annuale_{year}.{ext}"


def annual_report_file_name(year: int, ext: str, *, session: Session) -> str:
    """The download's name: annual_report_name, prefixed DIMOSTRATIVO_ for generated data."""
    return demo_file_name(annual_report_name(year, ext), session=session)
