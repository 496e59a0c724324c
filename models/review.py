"""What the Ufficio di Piano sees when reviewing a semester."""
from __future__ import annotations

import math
from datetime import date

from sqlalchemy import case, func, literal
from sqlmodel import Session, select

from models.dashboard import VALID_SPEND
from models.formatting import INVALID_VALUE
from models.reports import _report, report_snapshot
from models.scoring import band_label, objective_achievement, spend_class_label, spend_ratio
from models.tables import BudgetLine, MacroArea, Objective, Report, Semester, Spend, User, UserArea
from models.vocab import ReportState


def _leads_by_area(session: Session) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    rows = session.exec(select(UserArea.area_letter, User.name).join(User, User.id == UserArea.user_id)
                        .where(User.active == True))  # noqa: E712
    for letter, name in rows:
        out.setdefault(letter, []).append(name)
    return out


def review_table(semester_id: int, *, session: Session, today: date | None = None) -> list[dict]:
    """Every live specific objective this semester, objectives with no data and late leads first."""
    today = today or date.today()
    sem = session.get(Semester, semester_id)
    reports = {r.objective_id: r for r in session.exec(select(Report).where(Report.semester_id == semester_id))}
    budget = {k: v for k, v in session.exec(select(BudgetLine.objective_id, func.sum(BudgetLine.amount))
                                            .where(BudgetLine.retired == False)  # noqa: E712
                                            .group_by(BudgetLine.objective_id))}
    paid = {k: (math.nan if invalid else v) for k, v, invalid in session.exec(  # see dashboard.VALID_SPEND
        select(Report.objective_id, func.sum(case((VALID_SPEND, Spend.paid))),
               func.count(case((VALID_SPEND, None), else_=literal(1))))
        .join(Spend, Spend.report_id == Report.id)
        .join(Semester, Semester.id == Report.semester_id)
        .where((Semester.year * 2 + Semester.half) <= sem.year * 2 + sem.half)
        .group_by(Report.objective_id))}
    leads = _leads_by_area(session)
    late = sem.deadline is not None and today > sem.deadline
    rows = []
    for obj, area in session.exec(select(Objective, MacroArea).join(MacroArea, MacroArea.id == Objective.area_id)
                                  .where(Objective.retired == False, Objective.kind == "specifico")  # noqa: E712
                                  .order_by(MacroArea.position, Objective.id)):
        rep = reports.get(obj.id)
        state = rep.state if rep else None
        ach = objective_achievement(rep.actions_done, rep.actions_planned) if rep else None
        spent = paid.get(obj.id) or 0.0
        if not math.isfinite(spent):
            ratio = math.nan  # a stored amount that is not plausible: shown as "valore non valido"
        else:
            ratio = spend_ratio(spent, budget.get(obj.id)) if budget.get(obj.id) else None
        overdue = late and state in (None, ReportState.BOZZA, ReportState.DA_RIVEDERE)
        rows.append({"objective_id": obj.id, "code": obj.code, "area": area.letter, "text": obj.text,
                     "lead": ", ".join(leads.get(area.letter, [])) or "—", "state": state or "nessun dato",
                     "achievement": ach, "band": band_label(ach) if rep else "—", "ratio": ratio,
                     "ratio_class": spend_class_label(ratio) if math.isfinite(spent) else INVALID_VALUE, "updated_at": rep.updated_at if rep else None,
                     "version": rep.version if rep else None, "no_data": rep is None, "overdue": overdue})
    rows.sort(key=lambda r: (not r["no_data"], not r["overdue"]))
    return rows


def report_with_previous(objective_id: int, semester_id: int, *, session: Session) -> dict:
    """This semester's report beside the previous semester's, field by field."""
    sem = session.get(Semester, semester_id)
    prev = session.exec(select(Semester).where((Semester.year * 2 + Semester.half) < sem.year * 2 + sem.half)
                        .order_by((Semester.year * 2 + Semester.half).desc())).first()
    current = _report(session, objective_id, semester_id)
    before = _report(session, objective_id, prev.id) if prev else None
    now_snap = report_snapshot(session, current, objective_id)
    prev_snap = report_snapshot(session, before, objective_id)
    fields = list(dict.fromkeys([*now_snap, *prev_snap]))
    return {"state": current.state if current else None, "version": current.version if current else None,
            "comment": current.reviewer_comment if current else "",
            "previous_label": f"{prev.half}° sem. {prev.year}" if prev else None,
            "rows": [{"Campo": f, "Semestre": now_snap.get(f) or "—", "Precedente": prev_snap.get(f) or "—"}
                     for f in fields]}
