"""What the Ufficio di Piano sees when reviewing a semester."""
from __future__ import annotations

from datetime import date

from sqlmodel import Session, select

from models import dashboard, rules
from models.reports import allowed_review_actions, get_report, report_snapshot
from models.tables import Report, Semester, User, UserArea
from models.vocab import report_state_label, semester_label


def _leads_by_area(session: Session) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    rows = session.exec(select(UserArea.area_letter, User.name).join(User, User.id == UserArea.user_id)
                        .where(User.active == True))  # noqa: E712
    for letter, name in rows:
        out.setdefault(letter, []).append(name)
    return out


REVIEW_COUNTS_SUBMITTED = True  # the figures of what the office reviews: approved and submitted reports


def review_table(semester_id: int, *, session: Session, today: date | None = None) -> list[dict]:
    """Every monitored objective this semester, objectives with no data and late leads first.

    Achievement, band and money are the Cruscotto's (dashboard.objective_rows, counting approved and submitted
    reports): a draft or a report sent back shows its state, and its figures once it is submitted again."""
    today = today or date.today()
    sem = session.get(Semester, semester_id)
    reports = {r.objective_id: r for r in session.exec(select(Report).where(Report.semester_id == semester_id))}
    leads = _leads_by_area(session)
    late = sem.deadline is not None and today > sem.deadline
    rows = []
    for obj in dashboard.objective_rows(session=session, semester_id=semester_id,
                                        include_submitted=REVIEW_COUNTS_SUBMITTED):
        rep = reports.get(obj.id)
        state = rep.state if rep else None
        rows.append({"objective_id": obj.id, "code": obj.code, "area": obj.area, "text": obj.text,
                     "lead": ", ".join(leads.get(obj.area, [])) or "—", "state": report_state_label(state),
                     "counted": obj.counted, "actions": obj.actions.text if obj.counted else "—",
                     "achievement": obj.achievement, "band": obj.band, "budget": obj.money.budget,
                     "committed": obj.money.committed, "paid": obj.money.paid, "ratio": obj.money.ratio,
                     "ratio_class": obj.money.spend_class, "updated_at": rep.updated_at if rep else None,
                     "version": rep.version if rep else None, "no_data": rep is None,
                     "overdue": rules.is_overdue(state, late),
                     "actions_allowed": allowed_review_actions(state)})
    rows.sort(key=lambda r: (not r["no_data"], not r["overdue"]))
    return rows


def report_with_previous(objective_id: int, semester_id: int, *, session: Session) -> dict:
    """This semester's report beside the previous semester's, field by field."""
    sem = session.get(Semester, semester_id)
    prev = session.exec(select(Semester)
                        .where(rules.SEMESTER_ORDINAL_SQL < rules.semester_ordinal(sem.year, sem.half))
                        .order_by(rules.SEMESTER_ORDINAL_SQL.desc())).first()
    current = get_report(objective_id, semester_id, session=session)
    before = get_report(objective_id, prev.id, session=session) if prev else None
    now_snap = report_snapshot(session, current, objective_id)
    prev_snap = report_snapshot(session, before, objective_id)
    fields = list(dict.fromkeys([*now_snap, *prev_snap]))
    return {"state": current.state if current else None, "version": current.version if current else None,
            "comment": current.reviewer_comment if current else "",
            "previous_label": semester_label(prev.year, prev.half) if prev else None,
            "actions_allowed": allowed_review_actions(current.state if current else None),
            "rows": [{"Campo": f, "Semestre": now_snap.get(f) or "—", "Precedente": prev_snap.get(f) or "—"}
                     for f in fields]}
