"""Test data: a report whose action counts come from real action states, as the app computes them."""

from __future__ import annotations

from sqlmodel import Session, select

from models.tables import Action, ActionStatus, Report


def add_report(session: Session, *, objective_id: int, semester_id: int, done: int, planned: int, **fields) -> Report:
    """A report with `done` of the objective's `planned` active actions marked realizzata (the others
    non avviata). Actions are added to the objective up to `planned`; an objective that already has more
    active actions than `planned` is a mistake in the test's data."""
    actions = list(
        session.exec(
            select(Action).where(Action.objective_id == objective_id, Action.retired == False).order_by(Action.position)
        )
    )
    assert len(actions) <= planned, f"objective {objective_id} has {len(actions)} active actions, not {planned}"
    for position in range(len(actions), planned):
        action = Action(objective_id=objective_id, text=f"Azione di prova {position + 1}", position=position)
        session.add(action)
        actions.append(action)
    report = Report(objective_id=objective_id, semester_id=semester_id, **fields)
    session.add(report)
    session.flush()
    for i, action in enumerate(actions):
        session.add(
            ActionStatus(report_id=report.id, action_id=action.id, state="realizzata" if i < done else "non avviata")
        )
    session.flush()
    return report
