"""`make remind` against a real SMTP server started by the test (aiosmtpd on a free port of 127.0.0.1): every
notice kind with its recipient and link, each notice once however often it runs, retry after the server refuses,
nothing sent without settings, the dry run, the demo data's first and second run, the SMTP settings."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller
from sqlmodel import Session, select

from models import cli, config, demo
from models.calendar import rome_today
from models.config import ConfigError
from models.db import create_db_and_tables, get_engine, session_scope
from models.mailer import SmtpSettings, send, smtp_settings
from models.reminders import NO_SMTP, REPORT_AFTER, notice_counts, notice_log, run_reminders
from models.tables import NoticeSent, Semester
from models.vocab import NoticeStatus
from tests.conftest import SMALL_PLAN
from tests.notice_helpers import (
    EMAILS,
    LEAD_A,
    LEAD_B,
    OFFICE,
    Mailbox,
    free_port,
    objective_ids,
    populate,
    review,
    save,
)

ROME = ZoneInfo("Europe/Rome")
SENDER = "pdz@example.invalid"
BASE = "https://pdz.example.it"


@pytest.fixture
def mailbox():
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    box.settings = SmtpSettings("127.0.0.1", controller.port, "none", "", "", SENDER)  # type: ignore[attr-defined]
    yield box
    controller.stop()


@pytest.fixture(autouse=True)
def _public_url(monkeypatch):
    monkeypatch.setenv("PDZ_PUBLIC_URL", BASE)


@pytest.fixture
def db(small_plan):
    return small_plan, populate(small_plan)


def rome(*args: int) -> datetime:
    return datetime(*args, tzinfo=ROME)


def remind(engine, box: Mailbox, now: datetime, **kw):
    return run_reminders(engine, now=now, settings=box.settings, send=send, **kw)  # type: ignore[attr-defined]


def rows(engine) -> list[NoticeSent]:
    with Session(engine) as s:
        return list(s.exec(select(NoticeSent).order_by(NoticeSent.id)))


def test_every_kind_reaches_its_recipient_with_its_link(db, mailbox):
    engine, sem = db
    ids = objective_ids(engine)
    save(engine, "A.1", LEAD_A, sem, submit=True)
    save(engine, "A.2", LEAD_A, sem, submit=False)
    save(engine, "B.1", LEAD_B, sem, submit=True)
    review(engine, "A.1", sem, "send_back", "Manca la spesa: è obbligatoria.")
    review(engine, "B.1", sem, "approve", "Bene così")
    result = remind(engine, mailbox, rome(2025, 7, 24, 9))  # 7 days before the deadline
    assert result.failed == 0 and result.sent == len(mailbox.messages) == result.recorded
    assert {rcpt[0] for rcpt, _ in mailbox.messages} <= set(EMAILS.values())
    for rcpt, message in mailbox.messages:
        assert rcpt == [message["To"]] and message["From"] == SENDER  # one recipient per message, never a copy
        assert message["Auto-Submitted"] == "auto-generated"
    subjects = mailbox.by_subject()
    opened_a = subjects["[Piano di Zona] Aperto il I semestre 2025: scadenza 31/07/2025"]
    assert sorted(r for r, m in mailbox.messages if "Aperto il" in str(m["Subject"])) == [
        [EMAILS[LEAD_A.user_id]],
        [EMAILS[LEAD_B.user_id]],
    ]
    assert f"{BASE}/inserimento?semestre={sem}" in opened_a[1].get_content()
    reminder = next((r, m) for r, m in mailbox.messages if "mancano 7 giorni" in str(m["Subject"]))
    assert reminder[0] == [EMAILS[LEAD_A.user_id]]  # B has nothing left to send
    body = reminder[1].get_content()
    assert "A.1 (da rivedere)" in body and "A.2 (bozza)" in body and "B.1" not in body
    assert f"{BASE}/inserimento?semestre={sem}&obiettivo={ids['A.2']}" in body
    back = subjects["[Piano di Zona] A.1 (I semestre 2025) rimandato dall'Ufficio di Piano"]
    assert back[0] == [EMAILS[LEAD_A.user_id]] and "> Manca la spesa: è obbligatoria." in back[1].get_content()
    approved = subjects["[Piano di Zona] B.1 (I semestre 2025) approvato"]
    assert approved[0] == [EMAILS[LEAD_B.user_id]]
    assert f"{BASE}/inserimento?semestre={sem}&obiettivo={ids['B.1']}" in approved[1].get_content()
    assert not [m for _, m in mailbox.messages if "Riepilogo" in str(m["Subject"])]  # nothing waits for review
    # the deadline passes with A's reports still open; A.2 is sent meanwhile and waits for review
    save(engine, "A.2", LEAD_A, sem, submit=True)
    mailbox.messages.clear()
    remind(engine, mailbox, rome(2025, 8, 1, 8))
    subjects = mailbox.by_subject()
    assert subjects["[Piano di Zona] I semestre 2025: scadenza superata, 1 report da completare"][0] == [
        EMAILS[LEAD_A.user_id]
    ]
    office = subjects["[Piano di Zona] I semestre 2025: scadenza superata, 1 report non inviato"]
    assert office[0] == [EMAILS[OFFICE.user_id]] and f"{BASE}/revisione?semestre={sem}" in office[1].get_content()
    digest = subjects["[Piano di Zona] Riepilogo settimanale: 1 report attende la revisione"]
    assert digest[0] == [EMAILS[OFFICE.user_id]]
    assert f"{BASE}/revisione?semestre={sem}&obiettivo={ids['A.2']}" in digest[1].get_content()
    for _, message in mailbox.messages:  # no one's address but the recipient's, no password, no token
        text = message.get_content()
        assert not [a for a in EMAILS.values() if a in text]
        assert "password" not in text.lower() and "token" not in text.lower()
    assert EMAILS[4] not in {r[0] for r, _ in mailbox.messages}  # the Comitato receives nothing


@pytest.mark.both_databases  # the claim and the unique key on PostgreSQL too
def test_running_again_sends_nothing_twice(db, mailbox):
    engine, sem = db
    save(engine, "B.1", LEAD_B, sem, submit=True)
    now = rome(2025, 7, 29, 7)  # 2 days left: reminder, opened, digest
    first = remind(engine, mailbox, now)
    assert first.sent == len(mailbox.messages) >= 4
    second = remind(engine, mailbox, now)
    third = remind(engine, mailbox, rome(2025, 7, 29, 19))  # later the same day
    assert (second.recorded, second.sent, third.recorded, third.sent) == (0, 0, 0, 0)
    assert len(mailbox.messages) == first.sent
    assert {r.status for r in rows(engine)} == {NoticeStatus.INVIATO}
    assert all(r.attempts == 1 and r.sent_at is not None for r in rows(engine))
    # the next day is still the same reminder (2 days before): nothing new; the deadline's day neither
    assert remind(engine, mailbox, rome(2025, 7, 31, 7)).sent == 0


@pytest.mark.both_databases  # the claim and the unique key on PostgreSQL too
def test_a_refused_notice_is_retried_on_the_next_run_and_reported_after_repeated_failures(db, mailbox):
    engine, _ = db
    mailbox.refuse = 1  # the server answers 451 to the first message
    first = remind(engine, mailbox, rome(2025, 7, 1, 9))  # two "semestre aperto"
    assert (first.sent, first.failed) == (1, 1)
    failed = [r for r in rows(engine) if r.status == NoticeStatus.NON_INVIATO]
    assert len(failed) == 1 and failed[0].attempts == 1 and "451" in failed[0].last_error
    assert not first.reported
    second = remind(engine, mailbox, rome(2025, 7, 1, 10))
    assert (second.recorded, second.sent, second.failed) == (0, 1, 0)
    assert len(mailbox.messages) == 2 and len({r[0] for r, _ in mailbox.messages}) == 2  # each lead once
    assert {r.status for r in rows(engine)} == {NoticeStatus.INVIATO}
    with Session(engine) as s:
        assert sorted(r.attempts for r in notice_log(session=s, actor=OFFICE)) == [1, 2]
    # a server that keeps refusing: after REPORT_AFTER failures the run reports it (and make remind exits 1)
    with session_scope(engine) as s:
        s.add(Semester(year=2025, half=2, deadline=date(2026, 1, 31)))  # two new "semestre aperto"
    mailbox.refuse = 100
    results = [remind(engine, mailbox, rome(2025, 7, 2, 9 + i)) for i in range(REPORT_AFTER)]
    assert [bool(r.reported) for r in results] == [False] * (REPORT_AFTER - 1) + [True]
    assert "II semestre 2025" in results[-1].reported[0] and "451" in results[-1].reported[0]
    assert any("ripetuti tentativi" in line for line in results[-1].lines)


def test_an_unreachable_server_loses_nothing(db, mailbox):
    engine, _ = db
    closed = SmtpSettings("127.0.0.1", free_port(), "none", "", "", SENDER)  # nobody listens there
    down = run_reminders(engine, now=rome(2025, 7, 1, 9), settings=closed, send=send)
    assert (down.sent, down.failed) == (0, 2)
    assert all("non raggiungibile" in r.last_error for r in rows(engine))
    up = remind(engine, mailbox, rome(2025, 7, 1, 10))
    assert (up.sent, len(mailbox.messages)) == (2, 2)


def test_without_smtp_settings_nothing_is_sent_or_recorded(db, mailbox, monkeypatch, tmp_path):
    engine, _ = db
    for name in config.SMTP_SETTINGS:
        monkeypatch.delenv(name, raising=False)
    assert smtp_settings(tmp_path / "secrets.toml") is None
    result = run_reminders(engine, now=rome(2025, 7, 1, 9), settings=None, send=send)
    assert result.lines == [NO_SMTP] and not result.configured
    assert rows(engine) == [] and mailbox.messages == []
    with Session(engine) as s:
        assert notice_counts(session=s, actor=OFFICE)[NoticeStatus.INVIATO] == 0


def test_dry_run_prints_what_would_be_sent_and_sends_nothing(db, mailbox):
    engine, sem = db
    result = remind(engine, mailbox, rome(2025, 7, 25, 9), dry_run=True)
    text = "\n".join(result.lines)
    assert "nulla viene inviato" in text and "Da inviare: 4 nuovi avvisi" in text  # 2 opened + 2 reminders
    assert f"a: {EMAILS[LEAD_A.user_id]}" in text and f"{BASE}/inserimento?semestre={sem}" in text
    assert rows(engine) == [] and mailbox.messages == []
    assert remind(engine, mailbox, rome(2025, 7, 25, 9)).sent == 4  # the real run sends exactly those


def test_the_command_reads_the_settings_and_sends(db, mailbox, monkeypatch, capsys, tmp_path):
    """make remind: python -m models.cli remind [--dry-run], settings from the environment."""
    url = f"sqlite:///{tmp_path / 'pdz.sqlite3'}"
    monkeypatch.setenv("PDZ_DATABASE_URL", url)
    monkeypatch.setenv("PDZ_PLAN_DIR", str(SMALL_PLAN))
    engine = get_engine(url)
    create_db_and_tables(engine)
    populate(engine, deadline=rome_today())  # today is the deadline: a reminder is due (the plan: at the start)
    for name in config.SMTP_SETTINGS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(config, "SECRETS_FILE", tmp_path / "none.toml")
    monkeypatch.setattr(cli, "configure_logging", lambda: None)  # no handler left on a closed captured stream
    assert cli.main(["remind"]) == 0
    assert NO_SMTP in capsys.readouterr().out
    assert cli.main(["remind", "--dry-run"]) == 0
    assert "oggi è l'ultimo giorno" in capsys.readouterr().out and not mailbox.messages
    monkeypatch.setenv("PDZ_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("PDZ_SMTP_PORT", str(mailbox.settings.port))  # type: ignore[attr-defined]
    monkeypatch.setenv("PDZ_SMTP_SECURITY", "none")
    monkeypatch.setenv("PDZ_SMTP_FROM", SENDER)
    assert cli.main(["remind"]) == 0
    out = capsys.readouterr().out
    assert "inviati" in out and len(mailbox.messages) >= 2
    assert cli.main(["remind"]) == 0 and "0 nuovi, 0 inviati" in capsys.readouterr().out
    engine.dispose()


def test_smtp_settings_from_the_environment_or_secrets_file(monkeypatch, tmp_path):
    for name in config.SMTP_SETTINGS:
        monkeypatch.delenv(name, raising=False)
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(
        'smtp_host = "mail.comune.it"\nsmtp_user = "pdz"\nsmtp_password = "segreta"\nsmtp_from = "pdz@comune.it"\n'
    )
    found = smtp_settings(secrets)
    assert (found.host, found.port, found.security, found.user, found.sender) == (
        "mail.comune.it",
        587,
        "starttls",
        "pdz",
        "pdz@comune.it",
    )
    assert "segreta" not in repr(found)
    monkeypatch.setenv("PDZ_SMTP_SECURITY", "tls")
    monkeypatch.setenv("PDZ_SMTP_HOST", "smtp.altro.it")  # the environment wins
    assert (smtp_settings(secrets).host, smtp_settings(secrets).port) == ("smtp.altro.it", 465)
    monkeypatch.setenv("PDZ_SMTP_SECURITY", "ssl")
    with pytest.raises(ConfigError, match="PDZ_SMTP_SECURITY"):
        smtp_settings(secrets)
    monkeypatch.setenv("PDZ_SMTP_SECURITY", "none")
    monkeypatch.setenv("PDZ_SMTP_PORT", "porta")
    with pytest.raises(ConfigError, match="PDZ_SMTP_PORT"):
        smtp_settings(secrets)
    monkeypatch.delenv("PDZ_SMTP_PORT")
    secrets.write_text('smtp_host = "mail.comune.it"\n')
    with pytest.raises(ConfigError, match="PDZ_SMTP_FROM"):
        smtp_settings(secrets)


def test_on_demo_data_the_first_run_sends_the_digest_and_the_second_nothing(real_plan, mailbox):
    with session_scope(real_plan) as s:
        demo.ensure_demo_accounts(s)
        demo.generate(s, seed=demo.DEMO_SEED, semesters=demo.semesters_until(rome_today(), 2025))
    first = run_reminders(real_plan, settings=mailbox.settings, send=send)  # type: ignore[attr-defined]
    assert first.failed == 0
    to_office = [m for r, m in mailbox.messages if r == ["ufficio@example.invalid"]]
    assert [str(m["Subject"]) for m in to_office if "Riepilogo settimanale" in str(m["Subject"])]
    assert all(r[0].endswith("@example.invalid") for r, _ in mailbox.messages)
    second = run_reminders(real_plan, settings=mailbox.settings, send=send)  # type: ignore[attr-defined]
    assert (second.recorded, second.sent) == (0, 0) and len(mailbox.messages) == first.sent
