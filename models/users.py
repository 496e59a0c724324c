"""Users, passwords, lockout and login-token validity. Passwords are bcrypt hashes only.

Over 400 lines: accounts, passwords and the lockout share the same rows and must change together."""

from __future__ import annotations

import logging
import re
import secrets
import string
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import overload

import bcrypt
from sqlalchemy import case, delete, func, or_, update
from sqlmodel import Session, col, select

from models import config, plans
from models.audit import audit_trail, record_change
from models.db import bump_data_change
from models.errors import DomainError
from models.permissions import Actor, PermissionDenied, require_office
from models.tables import ApiToken, LoginAttempt, MacroArea, User, UserArea, pk, utcnow
from models.validation import FieldError, refuse_control_characters
from models.vocab import Role

MIN_PASSWORD_LENGTH = 10  # issue 5: shorter passwords are refused
MAX_PASSWORD_LENGTH = 72  # bcrypt ignores bytes past 72
LOCK_AFTER_FAILURES = 5  # wrong passwords checked per account and lock period, whatever the concurrency
LOCK_DURATION = timedelta(minutes=15)
# One client address may fail this many times on one account per window: fewer than the account lock, so
# nobody can lock an account (e.g. admin) from a single address; and this many times in all (password spraying).
ADDRESS_FAILURES_PER_ACCOUNT = LOCK_AFTER_FAILURES - 1
ADDRESS_FAILURES_TOTAL = 20
ADDRESS_WINDOW = timedelta(minutes=15)
# The same words for unknown user, wrong password, locked account and throttled address (usernames and locks
# cannot be discovered), naming the lock so that a real user knows why the right password may be refused.
_LOCK_MINUTES = int(LOCK_DURATION.total_seconds()) // 60
LOGIN_FAILED = (
    "Nome utente o password non corretti, oppure troppi tentativi falliti: in quel caso riprovare "
    f"tra {_LOCK_MINUTES} minuti o chiedere all'Ufficio di Piano di sbloccare l'account."
)
CURRENT_PASSWORD_WRONG = (
    f"Password attuale: non corretta (dopo {LOCK_AFTER_FAILURES} tentativi falliti l'account "
    f"resta bloccato per {_LOCK_MINUTES} minuti)."
)
LOCK_FIELD = "blocco"  # audit field of lock and unlock events

# Usernames and addresses only, never a password: an unknown name is not logged (it may be a password typed
# in the wrong box).
log = logging.getLogger("pdz.login")


def bcrypt_rounds() -> int:
    """Cost 12 in production (~270 ms); tests lower it with PDZ_BCRYPT_ROUNDS."""
    return int(config.setting("PDZ_BCRYPT_ROUNDS"))


class LoginError(DomainError, ValueError):
    pass


class UserError(DomainError, ValueError):
    pass


@overload
def aware_utc(moment: datetime) -> datetime: ...
@overload
def aware_utc(moment: datetime | None) -> datetime | None: ...
def aware_utc(moment: datetime | None) -> datetime | None:
    """A naive moment read back from SQLite is UTC."""
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


def validate_password(password: str) -> str:
    if not isinstance(password, str):
        raise UserError("Password: valore non valido.")
    password = password.strip()  # the login form trims too
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"Password: deve avere almeno {MIN_PASSWORD_LENGTH} caratteri.")
    if len(password.encode()) > MAX_PASSWORD_LENGTH:
        raise UserError(f"Password: al massimo {MAX_PASSWORD_LENGTH} byte.")
    return password


def hash_password(password: str) -> str:
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=bcrypt_rounds())).decode()


def check_password(password: str, hashed: str) -> bool:
    try:
        return bcrypt.checkpw(password.encode(), hashed.encode())
    except ValueError:
        return False


@cache
def dummy_hash() -> str:
    """A hash of the configured cost: an unknown user costs the same time as a wrong password."""
    return hash_password("timing-equaliser")


def random_password(length: int = 16) -> str:
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(length))


def normalise_username(username: str) -> str:
    name = (username or "").strip().lower()
    if not name or len(name) > 64 or not all(ch.isalnum() or ch in "._-" for ch in name):
        raise UserError("Nome utente: usare da 1 a 64 caratteri tra lettere, cifre, punto, trattino e _.")
    return name


def user_areas(session: Session, user_id: int) -> frozenset[str]:
    return frozenset(session.exec(select(UserArea.area_letter).where(UserArea.user_id == user_id)))


def actor_for(session: Session, user: User) -> Actor:
    return Actor(
        user_id=pk(user), username=user.username, role=user.role, areas=user_areas(session, pk(user)), name=user.name
    )


def get_user(session: Session, username: str) -> User | None:
    try:
        name = normalise_username(username)
    except UserError:
        return None
    return session.exec(select(User).where(User.username == name)).first()


def area_choices(*, session: Session) -> list[dict]:
    """The current plan's macro-areas a referente may be assigned, in catalogue order: [{letter, title}]."""
    seen: dict[str, str] = {}
    plan = plans.current_plan_row(session)
    areas = select(MacroArea).where(*plans.areas_of(plan.id if plan else None))
    for area in session.exec(areas.order_by(col(MacroArea.position), col(MacroArea.letter))):
        seen.setdefault(area.letter, area.title)
    return [{"letter": letter, "title": title} for letter, title in seen.items()]


def _check_role_areas(session: Session, role: str, areas: list[str]) -> list[str]:
    if role not in tuple(Role):
        raise UserError(f"Ruolo: valore {role!r} non ammesso (ammessi: {', '.join(Role)}).")
    areas = sorted({a.strip().upper() for a in areas if a and a.strip()})
    if role == Role.REFERENTE and not areas:
        raise UserError("Aree: un referente deve avere almeno un'area assegnata.")
    if role != Role.REFERENTE and areas:
        raise UserError("Aree: solo un referente ha aree assegnate.")
    known = [a["letter"] for a in area_choices(session=session)]
    unknown = [a for a in areas if a not in known]
    if unknown:
        what = "non è una macro-area" if len(unknown) == 1 else "non sono macro-aree"
        raise UserError(
            f"Aree: {', '.join(unknown)} {what} del piano "
            f"(ammesse: {', '.join(known) or 'nessuna, piano non caricato'})."
        )
    return areas


def _set_areas(session: Session, user: User, areas: list[str]) -> None:
    bump_data_change(session)  # the areas' leads are shown beside the figures (Revisione reads them cached)
    for row in session.exec(select(UserArea).where(UserArea.user_id == user.id)):
        session.delete(row)
    session.flush()
    for letter in areas:
        session.add(UserArea(user_id=pk(user), area_letter=letter))


_MANAGE = "la gestione degli utenti"
MAX_EMAIL_LENGTH = 254  # RFC 5321's limit for a whole address
# One address, plain: local part of letters, digits and . _ % + - ; a domain of dot-separated labels ending in a
# top-level domain of 2+ letters. Stricter than the RFC on purpose: what a municipality's mail server accepts.
_EMAIL = re.compile(
    r"[A-Za-z0-9](?:[A-Za-z0-9._%+-]{0,62}[A-Za-z0-9_%+-])?@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+"
    r"[A-Za-z]{2,63}"
)


def clean_email(email: str) -> str:
    """A validated e-mail address ('' = none: that user receives no notices)."""
    email = (email or "").strip()
    if not email:
        return ""
    if len(email) > MAX_EMAIL_LENGTH:
        raise UserError(f"Indirizzo e-mail: al massimo {MAX_EMAIL_LENGTH} caratteri.")
    if not _EMAIL.fullmatch(email) or ".." in email:
        raise UserError(f"Indirizzo e-mail: «{email[:80]}» non è un indirizzo valido (es. nome.cognome@comune.it).")
    local, domain = email.rsplit("@", 1)
    return f"{local}@{domain.lower()}"


def _target(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise UserError("Utente: non trovato.")
    return user


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise UserError("Nome e cognome: campo obbligatorio.")
    if len(name) > 120:
        raise UserError("Nome e cognome: al massimo 120 caratteri.")
    try:
        refuse_control_characters(name, "Nome e cognome")
    except FieldError as exc:
        raise UserError(str(exc)) from None
    return name


def create_user(
    session: Session,
    *,
    actor: Actor | None,
    username: str,
    name: str,
    role: str,
    areas: list[str],
    password: str,
    one_time: bool = True,
    email: str = "",
) -> User:
    """Create a user. `actor` None only for the bootstrap and the command line (trusted callers)."""
    if actor is not None:
        require_office(actor, _MANAGE)
    username = normalise_username(username)
    name = _clean_name(name)
    areas = _check_role_areas(session, role, areas)
    if get_user(session, username) is not None:
        raise UserError(f"Nome utente: '{username}' esiste già.")
    email = clean_email(email)
    user = User(
        username=username,
        name=name,
        email=email,
        role=role,
        password_hash=hash_password(validate_password(password)),
        must_change_password=one_time,
    )
    session.add(user)
    session.flush()
    _set_areas(session, user, areas)
    record_change(
        session,
        actor,
        entity="user",
        entity_id=user.id,
        field="creato",
        old=None,
        new=f"{username} ({role}{': ' + ','.join(areas) if areas else ''})",
    )
    return user


def add_user(
    session: Session, *, actor: Actor, username: str, name: str, role: str, areas: list[str], email: str = ""
) -> str:
    """Create a user with a random one-time password and return it (shown once, stored only hashed)."""
    password = random_password()
    create_user(
        session,
        actor=actor,
        username=username,
        name=name,
        role=role,
        areas=areas,
        password=password,
        one_time=True,
        email=email,
    )
    return password


def set_email(session: Session, *, actor: Actor | None, user_id: int, email: str) -> User:
    """Set a user's e-mail address: the Ufficio di Piano for anyone, a user for themselves (None: command line)."""
    if actor is not None and actor.user_id != user_id:
        require_office(actor, _MANAGE)
    user = _target(session, user_id)
    email = clean_email(email)
    if email != user.email:
        record_change(session, actor, entity="user", entity_id=user.id, field="e-mail", old=user.email, new=email)
        user.email = email
        user.version += 1
        session.add(user)
    return user


def update_user(session: Session, *, actor: Actor, user_id: int, role: str, areas: list[str], name: str) -> User:
    """Change a user's role, areas and name (takes effect at that user's next page load)."""
    require_office(actor, _MANAGE)
    user = _target(session, user_id)
    name = _clean_name(name)
    areas = _check_role_areas(session, role, areas)
    if user.id == actor.user_id and role != Role.UFFICIO_DI_PIANO:
        raise UserError("Ruolo: non è possibile togliere a se stessi il ruolo di Ufficio di Piano.")
    old = f"{user.name} ({user.role}: {','.join(sorted(user_areas(session, pk(user))))})"
    new = f"{name} ({role}: {','.join(areas)})"
    if old == new:
        return user
    user.role, user.name = role, name
    user.version += 1
    session.add(user)
    _set_areas(session, user, areas)
    record_change(session, actor, entity="user", entity_id=user.id, field="ruolo e aree", old=old, new=new)
    return user


def reset_password(
    session: Session, *, actor: Actor | None, user_id: int, password: str, one_time: bool = True
) -> None:
    """Set a new password, unlock the account, end the user's logins everywhere and revoke their API tokens."""
    if actor is not None:
        require_office(actor, "il ripristino delle password")
    user = _target(session, user_id)
    user.password_hash = hash_password(validate_password(password))  # a refused password revokes nothing
    revoke_user_api_tokens(session, actor, user_id)
    user.must_change_password = one_time
    user.failed_logins, user.locked_until = 0, None
    user.tokens_valid_after = utcnow()
    user.version += 1
    session.add(user)
    record_change(
        session,
        actor,
        entity="user",
        entity_id=user.id,
        field="password",
        old=None,
        new="reimpostata (monouso)" if one_time else "reimpostata",
    )


def revoke_user_api_tokens(session: Session, actor: Actor | None, user_id: int, now: datetime | None = None) -> int:
    """Revoke every still valid API token of a user whose password someone else has set (reset_password): a
    stolen token must not outlive the reset meant to shut its thief out. Returns how many were revoked."""
    now = now or utcnow()
    rows = session.exec(select(ApiToken).where(ApiToken.user_id == user_id, col(ApiToken.revoked_at).is_(None)))
    live = [row for row in rows if aware_utc(row.expires_at) > now]
    for row in live:
        revoke_api_token(session, actor, row, now, f"{row.name} (password reimpostata)")
    return len(live)


def revoke_api_token(session: Session, actor: Actor | None, row: ApiToken, now: datetime, what: str) -> None:
    """Mark one token revoked and log it (models.api_tokens.revoke_token and revoke_user_api_tokens)."""
    if row.revoked_at is None:
        row.revoked_at = now
        session.add(row)
        record_change(session, actor, entity="apitoken", entity_id=pk(row), field="revocato", old=None, new=what)


def issue_one_time_password(session: Session, *, actor: Actor, user_id: int) -> str:
    """Reset a user's password to a random one-time one and return it (shown once, stored only hashed)."""
    require_office(actor, "il ripristino delle password")
    password = random_password()
    reset_password(session, actor=actor, user_id=user_id, password=password, one_time=True)
    return password


def change_own_password(
    session: Session, *, user_id: int, current: str, new: str, address: str | None = None, now: datetime | None = None
) -> None:
    """Wrong current passwords count like failed logins (same counter, same lock, same throttle)."""
    user = session.get(User, user_id)
    if user is None or not _checked(session, user, user.username, current, now or utcnow(), address):
        raise UserError(CURRENT_PASSWORD_WRONG)
    new = validate_password(new)
    if new == current.strip():
        raise UserError("Nuova password: deve essere diversa da quella attuale.")
    user.password_hash = hash_password(new)
    user.must_change_password = False
    user.tokens_valid_after = utcnow()  # a copied cookie stops working
    user.version += 1
    session.add(user)
    record_change(
        session,
        Actor(pk(user), user.username, user.role),
        entity="user",
        entity_id=user.id,
        field="password",
        old=None,
        new="cambiata dall'utente",
    )


def _apply_active(session: Session, actor: Actor | None, user: User, active: bool) -> None:
    if user.active != active:
        bump_data_change(session)  # an inactive user is no longer an area's lead
        user.active = active
        user.tokens_valid_after = utcnow()  # deactivation ends every login at the next page load
        user.version += 1
        session.add(user)
        record_change(session, actor, entity="user", entity_id=user.id, field="attivo", old=not active, new=active)


def set_active(session: Session, *, actor: Actor, user_id: int, active: bool) -> None:
    """Deactivate or reactivate a user (never deleted: the audit trail keeps its author)."""
    require_office(actor, _MANAGE)
    user = _target(session, user_id)
    if user.id == actor.user_id and not active:
        raise UserError("Attivo: non è possibile disattivare il proprio account.")
    _apply_active(session, actor, user, active)


def unlock_user(session: Session, *, actor: Actor | None, user_id: int) -> None:
    """Lift a lock for failed logins before its 15 minutes are over."""
    if actor is not None:
        require_office(actor, _MANAGE)
    user = _target(session, user_id)
    if user.locked_until is None and not user.failed_logins:
        return
    old = (
        f"bloccato fino a {aware_utc(user.locked_until):%d/%m/%Y %H:%M} UTC"
        if user.locked_until
        else f"{user.failed_logins} tentativi falliti"
    )
    user.failed_logins, user.locked_until = 0, None
    user.version += 1
    session.add(user)
    record_change(session, actor, entity="user", entity_id=user.id, field=LOCK_FIELD, old=old, new="sbloccato")


def provision_user(
    session: Session, *, username: str, name: str, role: str, areas: list[str], password: str, email: str = ""
) -> bool:
    """Command line (trusted): create the user, or reset its password, unlock and reactivate it.

    The password is not one-time. Role and areas of an existing user are left as they are; a non-empty
    `email` replaces the address. Returns True when the user was created.
    """
    validate_password(password)
    clean_email(email)  # before anything is written
    user = get_user(session, username)
    if user is None:
        create_user(
            session,
            actor=None,
            username=username,
            name=name or username,
            role=role,
            areas=areas,
            password=password,
            one_time=False,
            email=email,
        )
        return True
    reset_password(session, actor=None, user_id=pk(user), password=password, one_time=False)
    _apply_active(session, None, user, True)
    if email.strip():
        set_email(session, actor=None, user_id=pk(user), email=email)
    return False


def _lock_minutes(remaining: timedelta) -> str:
    minutes = max(1, -(-int(remaining.total_seconds()) // 60))  # rounded up
    return "1 minuto" if minutes == 1 else f"{minutes} minuti"


def _reserve_attempt(session: Session, user_id: int, now: datetime) -> int | None:
    """Count one password check for this account, atomically, BEFORE the password is checked.

    One UPDATE ... RETURNING (SQLite >= 3.35 and PostgreSQL): concurrent attempts each get their own number,
    so at most LOCK_AFTER_FAILURES checks are ever granted per lock period. The attempt that reaches the limit
    also sets the lock, in the same statement (a crash after it cannot leave an unlocked full counter); it is
    still checked, and a right password lifts the lock. An expired lock starts a new period.
    Returns the attempt's number (1..LOCK_AFTER_FAILURES), or None when the account is locked.
    """
    expired = col(User.locked_until).is_not(None)  # with the WHERE below, a lock still present has expired
    number = case((expired, 1), else_=User.failed_logins + 1)
    statement = (
        update(User)
        .where(col(User.id) == user_id)
        .where(or_(col(User.locked_until).is_(None), col(User.locked_until) <= now))
        .where(or_(expired, col(User.failed_logins) < LOCK_AFTER_FAILURES))
        .values(
            failed_logins=number, locked_until=case((number >= LOCK_AFTER_FAILURES, now + LOCK_DURATION), else_=None)
        )
        .returning(col(User.failed_logins))
        .execution_options(synchronize_session=False)
    )
    return session.execute(statement).scalar_one_or_none()


def _address_throttled(session: Session, address: str, username: str, now: datetime) -> bool:
    since = now - ADDRESS_WINDOW
    recent = (
        select(func.count()).select_from(LoginAttempt).where(LoginAttempt.address == address, LoginAttempt.at > since)
    )
    total = session.exec(recent).one()
    same = session.exec(recent.where(LoginAttempt.username == username)).one()
    return total >= ADDRESS_FAILURES_TOTAL or same >= ADDRESS_FAILURES_PER_ACCOUNT


def _note_attempt(session: Session, address: str | None, username: str, now: datetime) -> int:
    """Record the attempt (the throttle counts those with an address). Written for every attempt, known user
    or not, so that every refusal costs the same database work as a wrong password."""
    session.execute(delete(LoginAttempt).where(col(LoginAttempt.at) <= now - ADDRESS_WINDOW))
    attempt = LoginAttempt(address=(address or "")[:64], username=username[:64], at=now)
    session.add(attempt)
    session.flush()
    return pk(attempt)


def _checked(
    session: Session, user: User | None, username: str, password: str, now: datetime, address: str | None
) -> bool:
    """Whether `password` is the user's, with every attempt counted and exactly one bcrypt check of the
    configured cost in every case (unknown, inactive, locked, throttled, wrong, right): same time for all.

    The attempt is committed before bcrypt runs (the session's next statements open a new transaction), so
    neither concurrent requests nor a crash can check more passwords than the limits allow.
    """
    name = (username or "").strip().lower()
    throttled = _address_throttled(session, address, name, now) if address else False
    number = None
    if user is not None and user.active and not throttled:
        number = _reserve_attempt(session, pk(user), now)
    attempt_id = _note_attempt(session, address, name, now)
    session.commit()
    if number is None or user is None:  # a number is only ever reserved for a user
        check_password(password or "", dummy_hash())
        if throttled:
            log.warning("login refused: too many failed attempts from address %s", address)
        elif user is not None and user.active:
            log.info("login refused for %s: account locked", user.username)
        return False
    if not check_password((password or "").strip(), user.password_hash):
        log.info("wrong password for %s (attempt %d from %s)", user.username, number, address or "-")
        if number >= LOCK_AFTER_FAILURES:
            log.warning(
                "account %s locked for %s after %d failed attempts (last from %s)",
                user.username,
                _lock_minutes(LOCK_DURATION),
                LOCK_AFTER_FAILURES,
                address or "-",
            )
            record_change(
                session,
                None,
                entity="user",
                entity_id=user.id,
                field=LOCK_FIELD,
                old=None,
                new=f"bloccato per {_lock_minutes(LOCK_DURATION)} dopo {LOCK_AFTER_FAILURES} "
                f"tentativi falliti" + (f" (ultimo da {address})" if address else ""),
            )
        return False
    session.execute(
        update(User)
        .where(col(User.id) == user.id)
        .values(failed_logins=0, locked_until=None)
        .execution_options(synchronize_session=False)
    )
    session.execute(delete(LoginAttempt).where(col(LoginAttempt.id) == attempt_id))
    session.refresh(user)
    return True


def authenticate(
    session: Session, username: str, password: str, now: datetime | None = None, address: str | None = None
) -> User:
    """Check a login from client `address` (None if unknown). Every refusal is LoginError(LOGIN_FAILED).

    Commits the attempt's count before checking the password (see _checked); the caller's transaction then
    holds only the reset of a successful login or the audit entry of a lock.
    """
    now = now or utcnow()
    user = get_user(session, username)
    if not _checked(session, user, username, password, now, address) or user is None:
        raise LoginError(LOGIN_FAILED)
    return user


def lock_events(session: Session, *, actor: Actor, limit: int = 50) -> list[dict]:
    """The latest locks for failed logins and unlocks, newest first (Ufficio di Piano only)."""
    require_office(actor, "la consultazione dei blocchi")
    names = dict(session.exec(select(User.id, User.username)).all())
    return [
        {"at": e.at, "username": names.get(e.entity_id, "?"), "event": e.new or "", "by": e.username}
        for e in audit_trail(session, field_contains=LOCK_FIELD, limit=limit)
        if e.entity == "user"
    ]


def is_locked(user: User, now: datetime | None = None) -> bool:
    locked_until = aware_utc(user.locked_until)
    return locked_until is not None and locked_until > (now or utcnow())


def revoke_tokens(session: Session, user_id: int) -> None:
    """Called at logout: every cookie issued until now stops working, in every browser."""
    user = session.get(User, user_id)
    if user is not None:
        user.tokens_valid_after = utcnow()
        session.add(user)


def bootstrap_admin(session: Session) -> str | None:
    """First start with no users: create 'admin' with a random one-time password and return it."""
    if session.exec(select(User.id)).first() is not None:
        return None
    password = random_password()
    create_user(
        session,
        actor=None,
        username="admin",
        name="Ufficio di Piano (amministratore)",
        role=Role.UFFICIO_DI_PIANO,
        areas=[],
        password=password,
        one_time=True,
    )
    return password


def list_users(session: Session, *, actor: Actor) -> list[dict]:
    require_office(actor, "la consultazione degli utenti")
    users = session.exec(select(User).order_by(User.username)).all()
    return [
        {
            "id": u.id,
            "username": u.username,
            "name": u.name,
            "email": u.email,
            "role": u.role,
            "areas": sorted(user_areas(session, pk(u))),
            "active": u.active,
            "locked": is_locked(u),
            "must_change_password": u.must_change_password,
        }
        for u in users
    ]


__all__ = [
    "LoginError",
    "PermissionDenied",
    "UserError",
    "add_user",
    "area_choices",
    "authenticate",
    "bootstrap_admin",
    "change_own_password",
    "create_user",
    "issue_one_time_password",
    "list_users",
    "lock_events",
    "provision_user",
    "reset_password",
    "revoke_api_token",
    "revoke_user_api_tokens",
    "set_active",
    "set_email",
    "unlock_user",
    "update_user",
]
