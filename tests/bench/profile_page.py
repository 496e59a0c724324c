"""Where a page's server time goes: `python -m tests.bench.profile_page URL PAGE_KEY [ROWS]`.

Runs the page once (warm-up) and once more under cProfile as tests.bench.page_speed measures it (a fresh AppTest
of tests/bench/page_app.py for the benchmark's Ufficio di Piano), profiling the script's own thread (AppTest runs
the script in a thread of its own: a plain cProfile of the caller would only see it waiting). Set PDZ_PLAN_DIR
to the database's plan folder (the size-100 one is beside its database in bench-results/cache).
"""

from __future__ import annotations

import cProfile
import os
import pstats
import sys
import threading
import time

from tests.bench import page_speed
from tests.bench.run_bench import BENCH


def main(url: str, key: str, rows: int = 50) -> None:
    from streamlit.testing.v1 import AppTest

    os.environ["PDZ_DATABASE_URL"] = url
    os.environ["PDZ_BENCH_PAGE"] = key
    page_speed.bench_actor(url)

    def once() -> None:
        at = AppTest.from_file(str(BENCH / "page_app.py"), default_timeout=300)
        at.session_state["pdz_username"] = page_speed.USERNAME
        at.session_state["pdz_login_at"] = time.time()
        at.run()
        if at.exception:
            raise RuntimeError(at.exception[0].message)

    once()
    profiles: list[cProfile.Profile] = []

    def start(frame, event, arg) -> None:  # the first event of every new thread: profile that thread
        sys.setprofile(None)
        profile = cProfile.Profile()
        profiles.append(profile)
        profile.enable()

    threading.setprofile(start)
    t = time.perf_counter()
    once()
    print(f"{key}: {(time.perf_counter() - t) * 1000:.0f} ms")
    threading.setprofile(None)  # type: ignore[arg-type]
    stats = pstats.Stats(profiles[0])
    for profile in profiles[1:]:
        stats.add(profile)
    stats.sort_stats(os.environ.get("PROFILE_SORT", "cumulative")).print_stats(rows)
    if os.environ.get("PROFILE_CALLERS"):  # who calls a function: PROFILE_CALLERS=filtered_state
        stats.print_callers(os.environ["PROFILE_CALLERS"])


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 50)
