"""`make bench-region`: a Region hosting all its Ambiti on one PostgreSQL, simulated and measured (docs/regione.md).

A throwaway cluster (tests/pg.py) holds N Ambiti, each the real plan plus REGION_SEMESTERS semesters of data from
models.demo.generate. REGION_SEEDS Ambiti are built by the app's own start-up (models.startup.prepare_database, on
an engine from models.db.make_engine whose URL sets the schema: `?options=-csearch_path=ambito_01`) and the
generator, each with its own seed; every other Ambito is a copy of one of them (round robin) under its own name,
because generating ninety Ambiti would take most of the time budget and measures nothing more.

Two layouts, one after the other, each on a throwaway cluster of its own (REGION_MODES):
- `schema`: one database, one schema per Ambito; a copy is the template schema's pg_dump replayed by psql and
  renamed, in one transaction;
- `database`: one database per Ambito (schema public, as a single Ambito runs today); a copy is CREATE DATABASE
  ... TEMPLATE.
Every Ambito holds one idle connection, as its app process would (the app is not multi-tenant: one process, or
more, per Ambito). The number of Ambiti grows in REGION_STEPS; at each step REGION_SAMPLE random Ambiti are
measured, REGION_REPS times each after one warm-up: a report save (load_entry + save_report, as
run_bench.save_one), and the Cruscotto's data after the data-change counter moved (semester_options +
semester_summary, as run_bench.data_after_save). Per step: median, min and max, the first Cruscotto of each
sampled Ambito (new connection, cold caches), the data's size (pg_database_size), the server's memory (PSS of
every server process) and connections, and the step's build time. The server is durable (fsync and synchronous
commit on, unlike the test suite's), with PostgreSQL's default memory settings.
Over 400 lines: two layouts, their copies, the measurements and the table of one simulation, read together.
The last line: `region: mode=... ambiti=... save_ms=... cruscotto_ms=... mb_per_ambito=... ...`.
"""

from __future__ import annotations

import os
import random
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("PDZ_BCRYPT_ROUNDS", "4")
os.environ.setdefault("PDZ_COOKIE_KEY", "benchmark-only-key-" + "x" * 40)

from tests.bench.run_bench import SEED, SEMESTERS, Figure  # noqa: E402

STEPS = [int(n) for n in os.environ.get("REGION_STEPS", "1,10,30,60,90").split(",")]
SAMPLE = int(os.environ.get("REGION_SAMPLE", "5"))
REPS = int(os.environ.get("REGION_REPS", "15"))
N_SEMESTERS = int(os.environ.get("REGION_SEMESTERS", str(len(SEMESTERS))))
SEEDS = int(os.environ.get("REGION_SEEDS", "3"))
MODES = os.environ.get("REGION_MODES", "schema,database").split(",")
# Durable like a production server (REGION_DURABLE=0: the test suite's fast settings); room for 90 idle
# connections plus the benchmark's own.
DURABLE = os.environ.get("REGION_DURABLE", "1") != "0"
SERVER_OPTIONS = (
    "" if DURABLE else "-F -c synchronous_commit=off "
) + "-c max_connections=250 -c log_min_messages=warning"
REGION_DB = "regione"


def ambito_name(n: int) -> str:
    return f"ambito_{n:02d}"


def schema_url(url: str, schema: str) -> str:
    """The URL of one Ambito's schema: psycopg passes `options` to the server, so every connection of the app's
    own engine (models.db.make_engine) works in that schema; nothing in the app changes."""
    from sqlalchemy.engine import make_url

    return make_url(url).update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(False)


def build_ambito(url: str, *, plan_dir: Path, seed: int, semesters: list[tuple[int, int]]) -> None:
    """The app's start-up (schema by Alembic, plan, first administrator) and generated data, on `url`."""
    from models.db import make_engine, session_scope
    from models.demo import generate
    from models.startup import prepare_database

    engine = make_engine(url)
    try:
        prepare_database(engine, plan_dir)
        with session_scope(engine) as s:
            generate(s, seed=seed, semesters=semesters)
    finally:
        engine.dispose()


def _tool(bindir: Path, name: str, url: str, *args: str, stdin: bytes | None = None) -> bytes:
    """Run a PostgreSQL client on `url` (password in the environment, never on the command line)."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    env = {**os.environ, "PGPASSWORD": str(parsed.password or "")}
    target = parsed.set(drivername="postgresql", password=None, query={}).render_as_string(False)
    done = subprocess.run([str(bindir / name), *args, "--dbname", target], input=stdin, env=env, capture_output=True)
    if done.returncode:
        raise RuntimeError(f"{name}: {done.stderr.decode(errors='replace')[-500:]}")
    return done.stdout


def dump_schema(url: str, schema: str, bindir: Path) -> bytes:
    """One Ambito's schema as SQL (what a per-Ambito backup of the schema layout is: pg_dump -n)."""
    return _tool(bindir, "pg_dump", url, "--no-owner", "--no-privileges", f"--schema={schema}")


def copy_schema(url: str, dump: bytes, source: str, target: str, bindir: Path) -> None:
    """Replay a schema's dump and rename it to `target`, its plan named after it: one transaction."""
    rename = f"ALTER SCHEMA {source} RENAME TO {target};\nUPDATE {target}.plan SET ambito = '{target}';\n"
    _tool(bindir, "psql", url, "--no-psqlrc", "--quiet", "--single-transaction", "-v", "ON_ERROR_STOP=1",
          stdin=dump + rename.encode())  # fmt: skip


def copy_database(admin_url: str, template: str, target: str) -> None:
    from tests.pg import admin_execute, with_database

    admin_execute(admin_url, f'CREATE DATABASE "{target}" TEMPLATE "{template}" STRATEGY FILE_COPY')
    admin_execute(with_database(admin_url, target), f"UPDATE plan SET ambito = '{target}'")


# --- what is measured ---------------------------------------------------------------------------------------


@dataclass
class SaveTarget:
    actor: object
    objective_id: int
    semester_id: int


def save_target(engine) -> SaveTarget:
    """The Ufficio di Piano and a report it may still edit in the open semester (as run_bench.save_one)."""
    from sqlmodel import Session, col, select

    from models.permissions import Actor
    from models.tables import Report, Semester, User

    with Session(engine) as s:
        office = s.exec(select(User).where(User.role == "ufficio_di_piano")).first()
        rep = s.exec(
            select(Report)
            .join(Semester, col(Semester.id) == Report.semester_id)
            .where(Semester.state == "aperto", col(Report.state).in_(("bozza", "da_rivedere", "inviata")))
            .order_by(col(Report.id))
        ).first()
        if office is None or rep is None:
            raise RuntimeError("Ambito senza Ufficio di Piano o senza un report modificabile in un semestre aperto")
        return SaveTarget(Actor(office.id, office.username, office.role), rep.objective_id, rep.semester_id)


def save_once(engine, target: SaveTarget, n: int) -> float:
    """One save as the data-entry page does it (load, then save_report in one transaction); milliseconds."""
    from models.db import session_scope
    from models.entry_view import load_entry
    from models.reports import IndicatorInput, ReportInput, save_report

    t = time.perf_counter()
    with session_scope(engine) as s:
        view = load_entry(target.objective_id, target.semester_id, actor=target.actor, session=s)
        data = ReportInput(
            target.objective_id,
            target.semester_id,
            view.report["version"],
            view.snapshot,
            critical_issues=f"Nota di prova {n}",
            indicators={i["id"]: IndicatorInput(str(n)) for i in view.indicators if i["unit"] == "numero"},
        )
        save_report(data, actor=target.actor, session=s)
    return (time.perf_counter() - t) * 1000


def cruscotto_once(engine) -> float:
    """The data-change counter moves (somebody saved), then the Cruscotto's queries run again; milliseconds."""
    from models import dashboard, dashboard_sql
    from models.db import bump_data_change, session_scope

    with session_scope(engine) as s:
        bump_data_change(s)
    t = time.perf_counter()
    with session_scope(engine) as s:
        semester_id = dashboard_sql.semester_options(session=s)[-1].id
        dashboard.semester_summary(session=s, semester_id=semester_id, include_submitted=False)
    return (time.perf_counter() - t) * 1000


def measure_ambito(url: str, reps: int) -> tuple[list[float], list[float], float]:
    """Save and Cruscotto samples of one Ambito on a new engine, and its first Cruscotto (a new server process:
    cold catalog caches)."""
    from models.db import make_engine

    engine = make_engine(url)
    try:
        first = cruscotto_once(engine)
        target = save_target(engine)
        save_once(engine, target, 0)  # warm-up
        saves, crus = [], []
        for n in range(1, reps + 1):
            saves.append(save_once(engine, target, n))
            crus.append(cruscotto_once(engine))
        return saves, crus, first
    finally:
        engine.dispose()


def startup_s(url: str) -> float:
    """One Ambito's app start on its existing data (models.startup.prepare_database: the migration check under
    the lock, the plan read again): what a release repeats for every Ambito; seconds."""
    from models.db import make_engine
    from models.startup import prepare_database
    from tests.conftest import REAL_PLAN

    engine = make_engine(url)
    try:
        t = time.perf_counter()
        prepare_database(engine, REAL_PLAN)
        return time.perf_counter() - t
    finally:
        engine.dispose()


def server_memory_mb(cluster) -> float:
    """Proportional set size of the postmaster and every process it started (shared buffers counted once)."""
    pid = int((cluster.root / "data" / "postmaster.pid").read_text().split()[0])
    total_kb = 0
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            ppid = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
            if int(proc.name) != pid and ppid != pid:
                continue
            for line in (proc / "smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total_kb += int(line.split()[1])
        except (OSError, ValueError, IndexError):
            continue  # the process ended meanwhile
    return total_kb / 1024


def scalar(url: str, sql: str) -> float:
    import psycopg

    from tests.pg import libpq_url

    with psycopg.connect(libpq_url(url)) as conn:
        row = conn.execute(sql).fetchone()
        return float(row[0]) if row and row[0] is not None else 0.0


# --- one layout, growing ----------------------------------------------------------------------------------------


@dataclass
class Step:
    mode: str
    ambiti: int
    build_s: float
    save: Figure
    cruscotto: Figure
    first: Figure
    size_mb: float
    memory_mb: float
    connections: int


class Region:
    """The Ambiti of one layout on the cluster: copies the templates, holds one idle connection per Ambito."""

    def __init__(self, cluster, mode: str, templates: list[str], dumps: list[bytes]):
        from tests.pg import with_database

        self.cluster, self.mode, self.templates, self.dumps = cluster, mode, templates, dumps
        self.region_url = with_database(cluster.url, REGION_DB)
        self.count = 0
        self.idle: list = []

    def url(self, n: int) -> str:
        from tests.pg import with_database

        if self.mode == "schema":
            return schema_url(self.region_url, ambito_name(n))
        return with_database(self.cluster.url, ambito_name(n))

    def grow(self, to: int) -> None:
        import psycopg

        from tests.pg import libpq_url

        while self.count < to:
            self.count += 1
            k = (self.count - 1) % len(self.templates)
            if self.mode == "schema":
                copy_schema(
                    self.region_url, self.dumps[k], self.templates[k], ambito_name(self.count), self.cluster.bindir
                )
            else:
                copy_database(self.cluster.url, self.templates[k], ambito_name(self.count))
            conn = psycopg.connect(libpq_url(self.url(self.count)))  # the Ambito's app, idle after a page view
            conn.execute("SELECT count(*) FROM report").fetchone()
            conn.rollback()
            self.idle.append(conn)

    def size_mb(self) -> float:
        if self.mode == "schema":
            sql = f"SELECT pg_database_size('{REGION_DB}')"
        else:
            sql = "SELECT sum(pg_database_size(datname)) FROM pg_database WHERE datname LIKE 'ambito\\_%'"
        return scalar(self.cluster.url, sql) / 2**20

    def close(self) -> None:
        for conn in self.idle:
            conn.close()
        self.idle.clear()


def measure_step(region: Region, build_s: float, rng: random.Random) -> Step:
    sample = sorted(rng.sample(range(1, region.count + 1), min(SAMPLE, region.count)))
    saves, crus, firsts = [], [], []
    for n in sample:
        s, c, f = measure_ambito(region.url(n), REPS)
        saves += s
        crus += c
        firsts.append(f)
    connections = scalar(
        region.cluster.url, "SELECT count(*) FROM pg_stat_activity WHERE backend_type='client backend'"
    )
    return Step(
        region.mode,
        region.count,
        build_s,
        Figure("salvataggio", saves),
        Figure("cruscotto", crus),
        Figure("primo cruscotto", firsts),
        region.size_mb(),
        server_memory_mb(region.cluster),
        int(connections) - 1,  # not the query's own
    )


def build_templates(
    cluster, mode: str, semesters: list[tuple[int, int]]
) -> tuple[list[str], list[bytes], list[str], float]:
    """REGION_SEEDS Ambiti built by the app, each with its own seed: schemas of the region database (kept as
    dumps) or databases. Returns schema names, dumps, database names, seconds."""
    from tests.conftest import REAL_PLAN
    from tests.pg import admin_execute, with_database

    t = time.perf_counter()
    region_url = with_database(cluster.url, REGION_DB)
    admin_execute(cluster.url, f"CREATE DATABASE {REGION_DB}")
    schemas, dumps, databases = [], [], []
    for k in range(SEEDS):
        seed = SEED + k
        if mode == "schema":
            name = f"modello_{k + 1}"
            admin_execute(region_url, f"CREATE SCHEMA {name}")
            build_ambito(schema_url(region_url, name), plan_dir=REAL_PLAN, seed=seed, semesters=semesters)
            dumps.append(dump_schema(region_url, name, cluster.bindir))
            admin_execute(region_url, f"DROP SCHEMA {name} CASCADE")  # only the Ambiti count in the size
            schemas.append(name)
        else:
            name = f"modello_{k + 1}"
            admin_execute(cluster.url, f"CREATE DATABASE {name}")
            build_ambito(with_database(cluster.url, name), plan_dir=REAL_PLAN, seed=seed, semesters=semesters)
            databases.append(name)
    return schemas, dumps, databases, time.perf_counter() - t


def fmt(x: float, p: int = 1) -> str:
    return f"{x:,.{p}f}".replace(",", "_").replace(".", ",").replace("_", ".")


def spread(samples: list[float]) -> str:
    return f"{fmt(statistics.median(samples))} ({fmt(min(samples))}-{fmt(max(samples))})"


def print_table(steps: list[Step]) -> None:
    print(
        "| layout | Ambiti | costruzione del passo (s) | salvataggio ms: mediana (min-max) | "
        "Cruscotto ms: mediana (min-max) | primo Cruscotto ms: mediana (max) | dati MB | memoria server MB | "
        "connessioni |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for s in steps:
        sv, cr, fi = s.save.samples, s.cruscotto.samples, s.first.samples
        print(
            f"| {s.mode} | {s.ambiti} | {fmt(s.build_s)} | {spread(sv)} | {spread(cr)} | "
            f"{fmt(statistics.median(fi))} ({fmt(max(fi))}) | {fmt(s.size_mb, 0)} | {fmt(s.memory_mb, 0)} | "
            f"{s.connections} |"
        )


def run_layout(mode: str, semesters: list[tuple[int, int]]) -> tuple[list[Step], float, Figure]:
    """One layout on a cluster of its own (so that neither layout's memory or files count in the other's)."""
    from tests.pg import start_cluster

    cluster = start_cluster(SERVER_OPTIONS)
    steps: list[Step] = []
    try:
        schemas, dumps, databases, template_s = build_templates(cluster, mode, semesters)
        print(f"  [{mode}] {SEEDS} Ambiti built by the app in {template_s:.1f} s", flush=True)
        region = Region(cluster, mode, schemas or databases, dumps)
        rng = random.Random(SEED)
        try:
            for n in STEPS:
                t = time.perf_counter()
                region.grow(n)
                build_s = time.perf_counter() - t
                steps.append(measure_step(region, build_s, rng))
                s = steps[-1]
                print(
                    f"  [{mode}] {n} Ambiti: built in {build_s:.1f} s, save {s.save.median:.1f} ms, "
                    f"cruscotto {s.cruscotto.median:.1f} ms, {s.size_mb:.0f} MB, server {s.memory_mb:.0f} MB",
                    flush=True,
                )
            sample = sorted(rng.sample(range(1, region.count + 1), min(SAMPLE, region.count)))
            starts = Figure(
                f"{mode}: avvio di un Ambito (prepare_database)", [startup_s(region.url(n)) for n in sample], "s"
            )
        finally:
            region.close()
    finally:
        cluster.stop()
    return steps, len(dumps[0]) / 1024 if dumps else 0.0, starts


def main() -> int:
    started = time.perf_counter()
    semesters = SEMESTERS[:N_SEMESTERS]
    print(
        f"region: steps={STEPS} sample={SAMPLE} reps={REPS} semesters={len(semesters)} seeds={SEEDS} modes={MODES} "
        f"durable={DURABLE} (REGION_STEPS, REGION_SAMPLE, REGION_REPS, REGION_SEMESTERS, REGION_SEEDS, "
        f"REGION_MODES, REGION_DURABLE); {os.cpu_count()} CPU, load average {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    steps: list[Step] = []
    dump_kb = 0.0
    starts = []
    for mode in MODES:
        mine, kb, start = run_layout(mode, semesters)
        steps += mine
        starts.append(start)
        dump_kb = kb or dump_kb
    print()
    print_table(steps)
    for start in starts:
        print(f"{start.name}: mediana {start.median:.2f} s, min {min(start.samples):.2f}, max {max(start.samples):.2f}")
    if dump_kb:
        print(f"one Ambito's schema as plain SQL (pg_dump -n): {dump_kb:.0f} KB")
    parts = []
    for mode in MODES:
        mine = [s for s in steps if s.mode == mode]
        first, last = mine[0], mine[-1]
        per = (last.size_mb - first.size_mb) / (last.ambiti - first.ambiti) if last.ambiti > first.ambiti else 0.0
        parts.append(
            f"mode={mode} ambiti={last.ambiti} save_ms={last.save.median:.1f} cruscotto_ms={last.cruscotto.median:.1f} "
            f"mb_per_ambito={per:.2f} server_mb={last.memory_mb:.0f}"
        )
    print(f"load average at the end: {os.getloadavg()[0]:.1f} (other work on the machine makes the figures noisier)")
    print(f"region: {' | '.join(parts)} total_s={time.perf_counter() - started:.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
