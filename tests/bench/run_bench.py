"""`make bench`: the Cruscotto against a bare Streamlit page, saves, reports, import, memory; two data sizes.

Size 1: the real plan with generated values for six semesters. Size 100: the plan copied 100 times by
models.demo.generate(scale=100) (about 5,000 objectives' worth of indicators and values), same generator,
fixed seed. Every figure: median, min and max over REPS repetitions after one warm-up.
"""
from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("PDZ_BCRYPT_ROUNDS", "4")
os.environ.setdefault("PDZ_COOKIE_KEY", "benchmark-only-key-" + "x" * 40)

REPS = int(os.environ.get("BENCH_REPS", "15"))
SEMESTERS = [(2025, 1), (2025, 2), (2026, 1), (2026, 2), (2027, 1), (2027, 2)]
SIZES = {"size1": 1, "size100": int(os.environ.get("BENCH_SCALE", "100"))}
BENCH = Path(__file__).resolve().parent


@dataclass
class Figure:
    name: str
    samples: list[float]
    unit: str = "ms"

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    def row(self) -> str:
        s = self.samples
        return f"{self.name:<52} {self.median:>10.1f} {min(s):>10.1f} {max(s):>10.1f} {self.unit:>4}  n={len(s)}"


def measure(name: str, fn: Callable[[], object], reps: int = REPS, unit: str = "ms") -> Figure:
    fn()  # warm-up
    samples = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t) * 1000)
    return Figure(name, samples, unit)


def build_database(path: Path, scale: int) -> str:
    from models.db import get_engine, session_scope
    from models.demo import generate
    from models.startup import prepare_database
    from tests.conftest import REAL_PLAN
    url = f"sqlite:///{path}"
    engine = get_engine(url)
    prepare_database(engine, REAL_PLAN)
    t = time.perf_counter()
    with session_scope(engine) as s:
        result = generate(s, seed=20251, semesters=SEMESTERS, scale=scale)
    print(f"  generated scale={scale}: {result} in {time.perf_counter() - t:.1f} s", flush=True)
    return url


def server_side(url: str) -> tuple[Figure, Figure]:
    """(a) a fresh AppTest run of the Cruscotto page and of the bare page, alternated in one loop."""
    from streamlit.testing.v1 import AppTest

    from models.permissions import Actor
    from models.sessions import SessionUser
    os.environ["PDZ_DATABASE_URL"] = url

    def run(script: Path, with_user: bool) -> None:
        at = AppTest.from_file(str(script), default_timeout=300)
        if with_user:
            at.session_state["pdz_resolved_user"] = SessionUser(Actor(0, "bench", "comitato"), False)
        at.run()
        if at.exception:
            raise RuntimeError(at.exception[0].message)

    page = ROOT / "pages" / "cruscotto.py"
    bare = BENCH / "bare_app.py"
    run(page, True), run(bare, False)
    crus, base = [], []
    for _ in range(REPS):
        for target, store, user in ((page, crus, True), (bare, base, False)):
            t = time.perf_counter()
            run(target, user)
            store.append((time.perf_counter() - t) * 1000)
    return Figure("cruscotto (AppTest run)", crus), Figure("pagina vuota (AppTest run)", base)


def browser(url: str) -> tuple[Figure, Figure, int]:
    """(b) in Chromium: navigation to every Plotly chart drawn, vs navigation to the bare page's text."""
    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import CHROMIUM, CHROMIUM_FLAGS
    from tests.bench.servers import serve
    with serve(BENCH / "cruscotto_app.py", url) as crus_url, serve(BENCH / "bare_app.py", url) as bare_url, \
            sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        charts = _count_charts(b, crus_url)
        ready = ("n => { const c = document.querySelectorAll('[data-testid=\"stPlotlyChart\"]');"
                 " return c.length >= n && [...c].every(e => e.querySelector('.main-svg')); }")

        def open_crus():
            ctx = b.new_context(viewport={"width": 1280, "height": 720})
            pg = ctx.new_page()
            pg.goto(crus_url)
            pg.wait_for_function(ready, arg=charts, timeout=120000)
            ctx.close()

        def open_bare():
            ctx = b.new_context(viewport={"width": 1280, "height": 720})
            pg = ctx.new_page()
            pg.goto(bare_url)
            pg.get_by_text("Pagina vuota di riferimento").wait_for(timeout=60000)
            ctx.close()
        open_crus(), open_bare()
        crus, base = [], []
        for _ in range(REPS):
            for fn, store in ((open_crus, crus), (open_bare, base)):
                t = time.perf_counter()
                fn()
                store.append((time.perf_counter() - t) * 1000)
        b.close()
    return Figure(f"cruscotto nel browser ({charts} grafici)", crus), Figure("pagina vuota nel browser", base), charts


def _count_charts(b, url: str) -> int:
    ctx = b.new_context(viewport={"width": 1280, "height": 720})
    pg = ctx.new_page()
    pg.goto(url)
    pg.wait_for_selector('[data-testid="stPlotlyChart"] .main-svg', timeout=120000)
    time.sleep(3)  # let every chart of the page arrive once
    n = pg.locator('[data-testid="stPlotlyChart"]').count()
    ctx.close()
    return n


def save_one(url: str) -> Figure:
    from sqlmodel import Session, select

    from models.db import get_engine, session_scope
    from models.permissions import Actor
    from models.reports import IndicatorInput, ReportInput, load_entry, save_report
    from models.tables import Report, Semester, User
    engine = get_engine(url)
    with Session(engine) as s:
        office = s.exec(select(User).where(User.role == "ufficio_di_piano")).first()
        actor = Actor(office.id, office.username, office.role)
        sem = s.exec(select(Semester).where(Semester.state == "aperto")).first() or \
            s.exec(select(Semester)).all()[-1]
        sem.state = "aperto"
        s.add(sem)
        s.commit()
        rep = s.exec(select(Report).where(Report.semester_id == sem.id, Report.state == "bozza")).first()
        objective_id, semester_id = rep.objective_id, sem.id
    counter = [0]

    def once():
        counter[0] += 1
        with session_scope(engine) as s:
            view = load_entry(objective_id, semester_id, actor=actor, session=s)
            data = ReportInput(objective_id, semester_id, view.report["version"], view.snapshot,
                               critical_issues=f"Nota di prova {counter[0]}",
                               indicators={i["id"]: IndicatorInput(str(counter[0])) for i in view.indicators
                                           if i["unit"] == "numero"})
            save_report(data, actor=actor, session=s)
    return measure("salvataggio di un report (carica + salva)", once)


def optional(name: str, fn: Callable[[], Figure | None]) -> Figure | None:
    try:
        return fn()
    except Exception as exc:  # noqa: BLE001  (a missing piece is reported, not fatal)
        print(f"  {name}: non misurato ({type(exc).__name__}: {exc})", flush=True)
        return None


def main() -> int:
    from tests.bench import extra
    tmp = Path(tempfile.mkdtemp(prefix="pdz-bench-"))
    figures: list[Figure] = []
    ratios: dict[str, float] = {}
    urls = {}
    for label, scale in SIZES.items():
        print(f"[{label}] database...", flush=True)
        urls[label] = build_database(tmp / f"{label}.sqlite3", scale)
    for label, url in urls.items():
        print(f"[{label}] server-side...", flush=True)
        crus, bare = server_side(url)
        crus.name, bare.name = f"{label}: {crus.name}", f"{label}: {bare.name}"
        figures += [crus, bare]
        ratios[label] = crus.median / bare.median
        print(f"[{label}] save, reports, import...", flush=True)
        for fig in (optional("save", lambda: save_one(url)), optional("report", lambda: extra.semester_report(url)),
                    optional("annual", lambda: extra.annual_report(url))):
            if fig:
                fig.name = f"{label}: {fig.name}"
                figures.append(fig)
    imp = optional("import", lambda: extra.import_template(urls["size100"], rows=5000))
    if imp:
        imp.name = f"size100: {imp.name}"
        figures.append(imp)
    print("[size1] browser...", flush=True)
    crus_b, bare_b, _ = browser(urls["size1"])
    figures += [crus_b, bare_b]
    ratios["browser"] = crus_b.median / bare_b.median
    print("[size100] memory of the app process...", flush=True)
    mem = optional("memory", lambda: extra.peak_memory(urls["size100"]))
    if mem:
        figures.append(mem)
    noise = (max(bare.samples) - min(bare.samples)) / bare.median * 100
    print()
    print(f"{'figura':<52} {'mediana':>10} {'min':>10} {'max':>10}")
    for fig in figures:
        print(fig.row())
    print(f"rumore della macchina (pagina vuota, {SIZES['size100']}x): spread {noise:.0f}% della mediana")
    print(f"ratio cruscotto/bare: size1={ratios['size1']:.2f} size100={ratios['size100']:.2f} "
          f"browser={ratios['browser']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
