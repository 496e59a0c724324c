"""Shared set-up of the e-mail notice tests: an office, two leads, the Comitato and one semester on the small plan;
a mailbox for the local SMTP server the tests start."""

from __future__ import annotations

import email
import socket
from datetime import date
from email import policy
from email.message import EmailMessage

from sqlmodel import Session, select

from models.db import session_scope
from models.permissions import Actor
from models.reports import ReportInput, save_report
from models.review import review_report
from models.tables import Objective, Report, Semester, User

OFFICE = Actor(1, "uff", "ufficio_di_piano", name="Ufficio Uno")
LEAD_A = Actor(2, "refa", "referente", frozenset({"A"}), name="Referente A")
LEAD_B = Actor(3, "refb", "referente", frozenset({"B"}), name="Referente B")
COMITATO = Actor(4, "com", "comitato", name="Comitato")
EMAILS = {1: "ufficio@example.invalid", 2: "refa@example.invalid", 3: "refb@example.invalid", 4: "com@example.invalid"}
DEADLINE = date(2025, 7, 31)
BEFORE = date(2025, 7, 1)  # a day on which leads may still save


def populate(engine, deadline: date = DEADLINE) -> int:
    """Users (with addresses) and the I semestre 2025; returns the semester's id."""
    from models.tables import UserArea

    with session_scope(engine) as s:
        sem = Semester(year=2025, half=1, deadline=deadline)
        s.add(sem)
        for actor in (OFFICE, LEAD_A, LEAD_B, COMITATO):
            s.add(
                User(
                    id=actor.user_id,
                    username=actor.username,
                    name=actor.name,
                    email=EMAILS[actor.user_id],
                    role=actor.role,
                    password_hash="x",
                    must_change_password=False,
                )
            )
        s.flush()
        for actor in (LEAD_A, LEAD_B):
            for letter in actor.areas:
                s.add(UserArea(user_id=actor.user_id, area_letter=letter))
        s.flush()
        return sem.id  # type: ignore[return-value]


def objective_ids(engine) -> dict[str, int]:
    with Session(engine) as s:
        return {o.code: o.id for o in s.exec(select(Objective))}  # type: ignore[misc]


def save(engine, code: str, actor: Actor, semester_id: int, *, submit: bool) -> None:
    oid = objective_ids(engine)[code]
    with session_scope(engine) as s:
        rep = s.exec(select(Report).where(Report.objective_id == oid, Report.semester_id == semester_id)).first()
        data = ReportInput(
            objective_id=oid,
            semester_id=semester_id,
            base_version=rep.version if rep else None,
            users_not_relevant=True,
            resource_adequacy="adeguato",
            need_answered="SI",
            need_reason="sì",
            proposed_again="SI",
            proposed_reason="sì",
        )
        save_report(data, actor=actor, session=s, submit=submit, today=BEFORE)


def review(engine, code: str, semester_id: int, action: str, comment: str = "") -> None:
    oid = objective_ids(engine)[code]
    with session_scope(engine) as s:
        rep = s.exec(select(Report).where(Report.objective_id == oid, Report.semester_id == semester_id)).one()
        review_report(oid, semester_id, action, actor=OFFICE, session=s, expected_version=rep.version, comment=comment)


class Mailbox:
    """The test server's handler: keeps every accepted message; refuses the next `refuse` ones with 451."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], EmailMessage]] = []
        self.refuse = 0

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd calls it by this name
        if self.refuse:
            self.refuse -= 1
            return "451 4.3.0 Servizio temporaneamente non disponibile"
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append((list(envelope.rcpt_tos), message))  # type: ignore[arg-type]
        return "250 OK"

    def by_subject(self) -> dict[str, tuple[list[str], EmailMessage]]:
        return {str(m["Subject"]): (rcpt, m) for rcpt, m in self.messages}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
