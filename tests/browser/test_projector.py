"""The projector on the real plan in Chromium: area J (14 objectives) is split over two slides and every
objective's label is drawn, at 1280x720 and at 1920x1080 (opened from a bookmark with &schermo=1920); text in
the bars is at least 14 px; the 0/50/80/100 % ticks are horizontal and apart; an area without budget shows a
sentence, not an empty chart. Labels are read from the Plotly figure's SVG in the page."""

from __future__ import annotations

import re

import pytest
from sqlmodel import Session, select

from models.charts import BAR_TEXT_MIN_PX
from models.db import get_engine
from models.tables import MacroArea, Objective
from tests.browser.conftest import Server, login, screenshot, seed_users, settled
from tests.conftest import REAL_PLAN

WAIT = 30000
CHART = '[data-testid="stPlotlyChart"]'


def objectives_chart(page):
    return page.locator(CHART).filter(has=page.locator(".gtitle", has_text="Raggiungimento degli obiettivi"))


@pytest.fixture(scope="module")
def plan_server(tmp_path_factory):
    db = tmp_path_factory.mktemp("proj") / "pdz.sqlite3"
    seed_users(f"sqlite:///{db}", (("com", "comitato", []),), REAL_PLAN)
    srv = Server(db, plan_dir=REAL_PLAN)
    yield srv
    srv.stop()


def _codes(server, letter: str) -> list[str]:
    with Session(get_engine(server.db_url)) as s:
        return [
            o.code
            for o in s.exec(
                select(Objective)
                .join(MacroArea, MacroArea.id == Objective.area_id)
                .where(MacroArea.letter == letter, Objective.kind == "specifico", Objective.retired == False)
            )
        ]


def _go_to(page, title: str) -> None:
    """Step through the slides with the projector's forward button until the chart's title is `title`."""
    for _ in range(25):
        if page.locator(f"{CHART} .gtitle", has_text=title).count():
            return
        before = page.locator(f"{CHART} .gtitle").all_text_contents()
        page.locator(".st-key-cr_next button").click()
        # the step is over when the titles have changed and the run has finished (no stale chart left)
        page.wait_for_function(
            """([sel, before]) => JSON.stringify([...document.querySelectorAll(sel)].map(e => e.textContent))
                                  !== JSON.stringify(before)""",
            arg=[f"{CHART} .gtitle", before],
            timeout=WAIT,
        )
        settled(page)
    raise AssertionError(f"slide not found: {title}")


def _chart_facts(page) -> dict:
    settled(page)
    chart = objectives_chart(page)
    chart.locator(".ytick text").first.wait_for(timeout=WAIT)
    page.wait_for_timeout(500)  # the figure's layout settles
    return chart.evaluate("""(el) => {
        const size = e => parseFloat(getComputedStyle(e).fontSize);
        const xt = [...el.querySelectorAll('.xtick text')];
        return {
            labels: [...el.querySelectorAll('.ytick text')].map(e => e.textContent),
            labelSizes: [...el.querySelectorAll('.ytick text')].map(size),
            barTextSizes: [...el.querySelectorAll('.bartext')].map(e => parseFloat(e.style.fontSize) || size(e)),
            xticks: xt.map(e => { const r = e.getBoundingClientRect();
                return {text: e.textContent, left: r.left, right: r.right, top: r.top, bottom: r.bottom,
                        rotated: (e.getAttribute('transform') || '').includes('rotate')}; }),
            width: el.getBoundingClientRect().width,
        };
    }""")


def _check_slide(facts: dict) -> list[str]:
    assert facts["labels"], "no objective label drawn"
    assert min(facts["labelSizes"]) >= 18 * 0.99, facts["labelSizes"]
    assert facts["barTextSizes"] and min(facts["barTextSizes"]) >= BAR_TEXT_MIN_PX, facts["barTextSizes"]
    ticks = facts["xticks"]
    assert [t["text"] for t in ticks] == ["0 %", "50 %", "80 %", "100 %"]
    assert not any(t["rotated"] for t in ticks)
    assert len({round(t["top"]) for t in ticks}) == 1  # one horizontal line
    for a, b in zip(ticks, ticks[1:]):
        assert a["right"] < b["left"], (a, b)  # apart, never overlapping
    return [label.split(" ")[0] for label in facts["labels"]]


@pytest.mark.parametrize("width,height,bookmark", [(1280, 720, ""), (1920, 1080, "&schermo=1920")])
def test_area_j_every_objective_label_over_two_slides(page, plan_server, width, height, bookmark):
    page.set_viewport_size({"width": width, "height": height})
    login(page, plan_server, "com")
    page.goto(f"{plan_server.url}/cruscotto?proiettore=1{bookmark}")
    page.locator(".st-key-cr_next button").wait_for(timeout=WAIT)
    expected = _codes(plan_server, "J")
    assert len(expected) == 14
    shown = []
    for part in ("1 di 2", "2 di 2"):
        _go_to(page, f"area J ({part})")
        facts = _chart_facts(page)
        screenshot(page, f"proiettore-J-{part[0]}-{width}x{height}")
        shown += _check_slide(facts)
        if width == 1920:
            assert facts["width"] > 1000, "sized for 1280 on a 1920 screen"
    assert sorted(shown) == sorted(expected)  # every objective, each once, none dropped
    if width == 1920:
        page.get_by_role("button", name="Opzioni").click()
        assert page.get_by_role("radio", name="1920 × 1080").is_checked()
        page.keyboard.press("Escape")


def test_area_without_budget_shows_a_sentence(page, plan_server):
    login(page, plan_server, "com")
    page.goto(f"{plan_server.url}/cruscotto?proiettore=1")
    page.locator(".st-key-cr_next button").wait_for(timeout=WAIT)
    _go_to(page, "area K")
    page.get_by_text(re.compile(r"L'area K non ha budget con importo nel piano")).wait_for(timeout=WAIT)
    assert page.locator(f"{CHART} .gtitle", has_text="Budget e spesa").count() == 0
    screenshot(page, "proiettore-K-senza-budget")


def test_options_panel_keeps_exit_and_slideshow_on_a_720_screen(page, plan_server):
    login(page, plan_server, "com")
    page.goto(f"{plan_server.url}/cruscotto?proiettore=1")
    page.get_by_role("button", name="Opzioni").click(timeout=WAIT)
    page.get_by_text("Presentazione automatica", exact=True).wait_for(timeout=WAIT)
    for name in ("Modalità proiettore", "Presentazione automatica"):
        box = page.get_by_text(name, exact=True).bounding_box()
        assert box and box["y"] >= 0 and box["y"] + box["height"] <= 720, (name, box)
