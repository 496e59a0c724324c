"""Read queries of *Il Piano* and *Piano 2021-2023* (models/plan_browser.py) and both pages under AppTest."""

from __future__ import annotations

import re
import shutil
from contextlib import contextmanager

import pytest
import yaml
from sqlmodel import Session, select

from components import pager
from components.pager import range_label
from components.plan_view import OBJECTIVES_PER_PAGE
from components.safe import md_escape
from models.db import session_scope
from models.permissions import Actor
from models.plan_browser import (
    BudgetView,
    history_area_bands,
    history_band_counts,
    history_outcomes,
    matches,
    normalise,
    plan_tree,
    search_words,
)
from models.plan_setup import set_target
from models.scoring import BANDS, Band, SpendClass
from models.startup import prepare_database
from models.tables import Indicator, IndicatorTarget, Objective, User
from models.users import create_user
from tests.apptest_helpers import PASSWORD, app_env, logged_in, prepared, shown_table
from tests.bench.scaled_plan import write_scaled_plan
from tests.conftest import REAL_PLAN, SMALL_PLAN

ROLES = ("uff", "refa", "com")  # ufficio_di_piano, referente (area A), comitato: every role reads both pages


def _tree(engine, **kwargs):
    with Session(engine) as s:
        return plan_tree(session=s, **kwargs)


def _codes(view) -> list[str]:
    return [o.code for a in view.areas for c in a.cards for o in c.objectives]


# --- the plan tree ----------------------------------------------------------------------------


def test_tree_follows_catalogue_order_with_key_points_and_cards(small_plan):
    view = _tree(small_plan)
    assert [a.letter for a in view.areas] == ["A", "B", "D"]
    a, b, d = view.areas
    assert a.key_points == (("Rafforzamento delle reti sociali", 11),)
    assert [c.code for c in a.cards] == ["A"] and d.cards == ()
    assert _codes(view) == ["A.0", "A.1", "A.2", "B.1"]
    a1 = a.cards[0].objectives[1]
    assert [x.text for x in a1.actions][:2] == ["Costituire la cabina di regia", "Formare gli operatori"]
    assert [i.battery for i in a1.indicators] == ["processo", "output", "output", "outcome", "outcome"]
    waiting = next(i for i in a1.indicators if i.text.startswith("Tempi"))
    assert waiting.higher_is_better is False and waiting.line == 123 and waiting.unit_label == "numero"
    assert view.hits.total == 0 and view.query == ""


def test_card_fields_flags_and_budget(small_plan):
    card = _tree(small_plan).areas[0].cards[0]
    assert (card.target_group, card.target_group_line) == ("Persone in povertà", 110)
    assert card.transversal_areas == ("B",) and card.service_kind_label == "Servizio esistente"
    flags = {f.key: f for f in card.flags}
    assert len(flags) == 10  # every question of the form, answered or not
    assert (flags["asst_analysis"].answer, flags["asst_analysis"].line) == ("Sì", 114)
    assert flags["premiale"].answer == "—" and flags["premiale"].number == "X.13"
    assert [(b.objective, b.amount_label) for b in card.budget] == [
        ("A.1", "100.000,00 €"),
        ("A.1", "da completare"),
        ("A.2", "circa 50.000,00 €"),
    ]
    assert card.budget_total == 150000 and card.budget_to_complete == 1
    assert [b.public_label for b in card.budget] == ["pubblico"] * 3
    assert card.budget[1].source_label == "Fondo Povertà"


@pytest.mark.parametrize(
    "line, label",
    [
        (dict(amount=1234567, approximate=False, to_be_completed=False), "1.234.567,00 €"),  # cents in tables
        (dict(amount=99870.89, approximate=True, to_be_completed=False), "circa 99.870,89 €"),
        (dict(amount=None, approximate=False, to_be_completed=True), "da completare"),
        (dict(amount=None, approximate=False, to_be_completed=False), "—"),
    ],
)
def test_budget_amount_labels(line, label):
    view = BudgetView(
        objective=None, item="x", source=None, public=None, year=None, text="x", line=1, origin="piano", **line
    )
    assert view.amount_label == label
    assert view.source_label == "non indicata" and view.public_label == "non indicato"


def test_targets_per_year_are_shown(small_plan):
    with session_scope(small_plan) as s:
        ind = s.exec(select(Indicator).where(Indicator.text == "N. di incontri della cabina di regia")).one()
        s.add(IndicatorTarget(indicator_id=ind.id, year=2026, target=12.5))
        s.add(IndicatorTarget(indicator_id=ind.id, year=2025, target=10))
        s.add(IndicatorTarget(indicator_id=ind.id, year=2027, baseline=3))  # a baseline alone is no target
    a1 = _tree(small_plan).areas[0].cards[0].objectives[1]
    # written straight into the table: no recorded origin, and never the indicator's document line
    assert a1.indicators[0].target_label == "2025: 10 · 2026: 12,5 (origine non registrata)"
    assert all(i.target_label == "" for i in a1.indicators[1:])


def test_retired_records_are_not_shown(small_plan):
    with session_scope(small_plan) as s:
        s.exec(select(Indicator).where(Indicator.text == "Cambiamento percepito")).one().retired = True
        s.exec(select(Objective).where(Objective.code == "A.2")).one().retired = True
    view = _tree(small_plan)
    assert _codes(view) == ["A.0", "A.1", "B.1"]
    assert "Cambiamento percepito" not in [i.text for i in view.areas[0].cards[0].objectives[1].indicators]


# --- search -----------------------------------------------------------------------------------


def test_normalise_ignores_case_accents_and_typographic_apostrophes():
    assert normalise("POVERTA' Città Perché l\u2019affido") == "poverta' citta perche l'affido"
    assert matches(search_words("poverta"), "Fondo Povertà")
    assert matches(search_words("  CABINA   regia "), "N. di incontri della cabina di regia")
    assert not matches(search_words("cabina sportello"), "N. di incontri della cabina di regia")
    assert matches((), "anything")


def test_search_keeps_only_matching_actions_and_indicators(small_plan):
    view = _tree(small_plan, query="Cabina")
    assert [a.letter for a in view.areas] == ["A"]  # areas and cards without a match are dropped
    (objective,) = view.areas[0].cards[0].objectives
    assert objective.code == "A.1"
    assert [a.text for a in objective.actions] == ["Costituire la cabina di regia"]
    assert [i.text for i in objective.indicators] == ["N. di incontri della cabina di regia"]
    assert (view.hits.objectives, view.hits.actions, view.hits.indicators) == (0, 1, 1)
    assert view.query == "Cabina"


def test_search_on_objective_text_keeps_the_whole_objective(small_plan):
    view = _tree(small_plan, query="grave marginalita")  # no accent typed, "marginalità" in the plan
    (objective,) = [o for a in view.areas for c in a.cards for o in c.objectives]
    assert objective.code == "A.2"
    assert [a.text for a in objective.actions] == ["Aprire il servizio di fermo posta"]
    assert [i.text for i in objective.indicators] == ["N. persone accolte"]
    assert (view.hits.objectives, view.hits.actions, view.hits.indicators) == (1, 0, 0)


def test_search_accents_insensitive_and_area_filter(small_plan):
    assert _codes(_tree(small_plan, query="PROSSIMITA")) == ["B.1"]
    assert _codes(_tree(small_plan, query="sportello")) == ["B.1"]
    assert _codes(_tree(small_plan, query="sportello", area="A")) == []
    assert _codes(_tree(small_plan, area="B")) == ["B.1"]
    empty = _tree(small_plan, query="nessuna parola simile")
    assert empty.areas == () and empty.hits.total == 0


def test_search_on_the_real_plan(real_plan):
    view = _tree(real_plan, query="affido")
    assert {a.letter for a in view.areas} == {"I"}
    assert view.hits.total >= 3  # I.3 (line 2252), action 2267, indicators 2396 and 2406
    assert "I.3" in _codes(view)
    assert _codes(_tree(real_plan, query="RSD")) == _codes(_tree(real_plan, query="rsd"))


# --- the 2021-2023 history --------------------------------------------------------------------


def test_history_views(small_plan):
    with Session(small_plan) as s:
        (outcome,) = history_outcomes(session=s)
        assert outcome.band is Band.SUFFICIENTE and outcome.band_label == "sufficiente"
        assert outcome.adequacy_label == "Adeguato"
        assert outcome.spend_class is SpendClass.SOTTO_100
        assert outcome.spend_label == "<100% · non realizzato come programmato o sovrastimato"
        assert history_outcomes(session=s, band="buono") == []
        assert len(history_outcomes(session=s, area="A")) == 1
        assert history_band_counts(session=s) == {
            "nullo": 0,
            "insufficiente": 0,
            "sufficiente": 1,
            "buono": 0,
            "ottimo": 0,
        }
        (row,) = history_area_bands(session=s)
        assert (row.letter, row.title, row.total) == ("A", "Contrasto alla povertà", 1)
        assert list(row.counts) == ["nullo", "insufficiente", "sufficiente", "buono", "ottimo"]


def test_history_views_on_the_real_plan(real_plan):
    with Session(real_plan) as s:
        assert history_band_counts(session=s) == {
            "nullo": 0,
            "insufficiente": 1,
            "sufficiente": 6,
            "buono": 9,
            "ottimo": 0,
        }
        rows = history_area_bands(session=s)
        assert [(r.letter, r.total) for r in rows] == [("A", 5), ("B", 3), ("E", 5), ("F", 1), ("I", 2)]
        assert all(o.adequacy_label != "—" and o.spend_class is not None for o in history_outcomes(session=s))


# --- the pages under AppTest ------------------------------------------------------------------


SUMMARY = re.compile(r'<details class="pdz-objective"( open)?><summary><strong>([^<]+)</strong>')


def _summaries(at, opened: bool = False) -> list[str]:
    """The codes of the objectives drawn on Il Piano, in order (their <summary> labels); `opened`: open only."""
    return [code for m in at.markdown for is_open, code in SUMMARY.findall(m.value) if is_open or not opened]


@pytest.fixture
def app_db(tmp_path):
    with app_env(tmp_path / "app.sqlite3") as engine:
        yield prepared(engine)


@pytest.mark.parametrize("username", ROLES)
def test_piano_page_for_every_role(app_db, username):
    at = logged_in(username, "pages/piano.py")
    assert not at.exception
    assert at.title[0].value == "Il Piano"
    assert [h.value for h in at.header] == [
        "A · Contrasto alla povertà",
        "B · Politiche abitative",
        "D · Domiciliarità",
    ]
    assert any("non ha una scheda obiettivi" in i.value for i in at.info)  # D: catalogue only
    assert "A.1" in _summaries(at)
    assert at.get("download_button"), "the Excel download is offered"


def test_piano_search_filters_the_page(app_db):
    at = logged_in("com", "pages/piano.py")
    at.text_input(key="piano_query").input("sportello").run()
    assert not at.exception
    assert [h.value for h in at.header] == ["B · Politiche abitative"]
    assert any("Trovati per «sportello»: 0 obiettivi, 1 azione, 1 indicatore" in c.value for c in at.caption)
    at.text_input(key="piano_query").input("parola inesistente").run()
    assert not at.header and any("Nessun obiettivo, azione o indicatore" in i.value for i in at.info)
    at.text_input(key="piano_query").input("")
    at.selectbox(key="piano_area").set_value("A").run()
    assert [h.value for h in at.header] == ["A · Contrasto alla povertà"]


def test_a_large_plan_opens_on_its_first_area(app_db, monkeypatch):
    """Past BY_AREA_OVER objectives (here 2 for the small plan's 4) Il Piano opens on the first macro-area, not
    on every card of the plan; *Tutte le macro-aree* is still one choice away."""
    from components import selectors

    monkeypatch.setattr(selectors, "BY_AREA_OVER", 2)
    at = logged_in("com", "pages/piano.py")
    assert not at.exception, at.exception
    assert [h.value for h in at.header] == ["A · Contrasto alla povertà"]
    at.selectbox(key="piano_area").set_value("").run()
    assert len(at.header) == 3


def test_piano_page_escapes_plan_text(tmp_path):
    """Markdown or HTML in a plan text is shown as written, not interpreted."""
    plan = tmp_path / "plan"
    shutil.copytree(SMALL_PLAN, plan)
    card_file = plan / "cards" / "B.yaml"
    card = yaml.safe_load(card_file.read_text())
    card["objectives"][0]["text"] = "**grassetto** <img src=x onerror=alert(1)> [link](http://esempio.it)"
    card_file.write_text(yaml.safe_dump(card, allow_unicode=True))
    with app_env(tmp_path / "app.sqlite3", plan) as engine:
        prepare_database(engine, plan)
        with session_scope(engine) as s:
            create_user(
                s, actor=None, username="com", name="COM", role="comitato", areas=[], password=PASSWORD, one_time=False
            )
        at = logged_in("com", "pages/piano.py")
    assert not at.exception
    bodies = [m.value for m in at.markdown if "grassetto" in m.value]
    assert bodies and all(r"\*\*grassetto\*\*" in b and r"\<img" in b and r"\[link\]" in b for b in bodies)
    # the <details> label is HTML (markdown is not read there): escaped as HTML, no tag of the text survives
    summaries = [b for b in bodies if "<summary>" in b]
    assert summaries and all("&lt;img src=x onerror=alert(1)&gt;" in b for b in summaries)
    assert not any(re.search(r"(?<!\\)<img", b) for b in bodies), "a tag only as escaped text"


def test_piano_page_reads_the_plan_again_after_a_save(app_db):
    """The plan view is cached per data change (components/dashboard_cache.shared): a save shows on the next run."""
    at = logged_in("uff", "pages/piano.py")
    assert "target 2025" not in " ".join(m.value for m in at.markdown)
    with session_scope(app_db) as s:
        uff = s.exec(select(User).where(User.username == "uff")).one()
        ind = s.exec(select(Indicator).where(Indicator.text == "N. di incontri della cabina di regia")).one()
        set_target(ind.id, 2025, "", "12", actor=Actor(uff.id, "uff", "ufficio_di_piano", name="UFF"), session=s)
    at.run()
    assert not at.exception, at.exception
    shown = " ".join(m.value for m in at.markdown).replace("\\", "")  # md_escape: "2025\\: 12"
    assert "target 2025: 12 (fissato dall'Ufficio di Piano (UFF" in shown


# --- Il Piano's pages of objectives (components/pager.py) ------------------------------------------


@contextmanager
def _signed_in_on(tmp_path, plan_dir):
    """Il Piano for the comitato, on a database loaded from `plan_dir` (the app's settings hold until exit)."""
    with app_env(tmp_path / "app.sqlite3", plan_dir) as engine:
        prepare_database(engine, plan_dir)
        with session_scope(engine) as s:
            create_user(
                s, actor=None, username="com", name="COM", role="comitato", areas=[], password=PASSWORD, one_time=False
            )
        at = logged_in("com", "pages/piano.py")
        assert not at.exception, at.exception
        yield at, engine


def _shown(at, card: str) -> list[str]:
    """The codes of the card's objectives drawn, in order (from their <summary> labels)."""
    return [code for code in _summaries(at) if code.startswith(f"{card}.")]


def _pager(at, card: str):
    return next(s for s in at.selectbox if (s.key or "").startswith(f"piano_pagina_{card}_"))


def test_range_label():
    assert range_label(0, 530, "Obiettivi", OBJECTIVES_PER_PAGE) == "Obiettivi 1–20 di 530"
    assert range_label(26, 530, "Obiettivi", OBJECTIVES_PER_PAGE) == "Obiettivi 521–530 di 530"
    assert OBJECTIVES_PER_PAGE == 20


def test_a_long_card_shows_its_objectives_a_page_at_a_time(tmp_path):
    """Card B copied to 30 objectives: the first 20, a control naming them, then the next 10; card A (61
    objectives) keeps its own page."""
    b_codes = ["B.1", *(f"B.1~{k}" for k in range(2, 31))]
    with _signed_in_on(tmp_path, write_scaled_plan(SMALL_PLAN, tmp_path / "plan", 30)) as (at, _):
        assert _shown(at, "B") == b_codes[:20]
        pager = _pager(at, "B")
        assert pager.label == "Obiettivi della scheda B da mostrare"
        assert pager.options == ["Obiettivi 1–20 di 30", "Obiettivi 21–30 di 30"]
        assert _pager(at, "A").options[-1] == "Obiettivi 61–61 di 61"
        pager.set_value(1).run()
        assert not at.exception, at.exception
        assert _shown(at, "B") == b_codes[20:]
        assert len(_shown(at, "A")) == 20  # the other card stays on its first page


def test_a_search_narrows_and_its_hits_are_paginated_alike(tmp_path):
    with _signed_in_on(tmp_path, write_scaled_plan(SMALL_PLAN, tmp_path / "plan", 30)) as (at, _):
        _pager(at, "B").set_value(1).run()
        at.text_input(key="piano_query").input("sportello").run()  # B.1's action and indicator, in every copy
        assert not at.exception, at.exception
        assert [h.value for h in at.header] == ["B · Politiche abitative"]
        assert _shown(at, "B") == ["B.1", *(f"B.1~{k}" for k in range(2, 21))]  # a new search: its first page
        assert _pager(at, "B").options == ["Obiettivi 1–20 di 30", "Obiettivi 21–30 di 30"]
        assert _summaries(at, opened=True) == _shown(at, "B")  # hits are open
        _pager(at, "B").set_value(1).run()
        assert _shown(at, "B") == [f"B.1~{k}" for k in range(21, 31)]


def test_the_real_plan_shows_every_objective_and_no_pager(tmp_path):
    with _signed_in_on(tmp_path, REAL_PLAN) as (at, engine):
        assert not [s for s in at.selectbox if (s.key or "").startswith("piano_pagina_")]
        with Session(engine) as s:
            objectives = [o.code for o in s.exec(select(Objective).where(Objective.retired == False))]
    shown = _summaries(at)
    assert sorted(shown) == sorted(objectives) and len(objectives) > OBJECTIVES_PER_PAGE  # all of them, in one page


@pytest.mark.parametrize("username", ROLES)
def test_storico_page_for_every_role(app_db, username):
    at = logged_in(username, "pages/storico.py")
    assert not at.exception
    assert at.title[0].value == "Piano 2021-2023"
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Obiettivi valutati"] == "1" and metrics["sufficiente (50-79%)"] == "1"
    assert metrics["ottimo (100%)"] == "0"
    assert [e.label for e in _cards(at)] == ["sufficiente · Rafforzamento della rete"]
    assert at.get("plotly_chart")


def _cards(at):
    return [e for e in at.expander if not e.label.startswith("Dati del grafico")]


def test_storico_band_filter(app_db):
    at = logged_in("uff", "pages/storico.py")
    at.selectbox(key="storico_band").set_value("sufficiente").run()
    assert not at.exception and len(_cards(at)) == 1


def test_storico_table_is_html_and_pages_past_the_page_size(tmp_path, monkeypatch):
    """The cards' table is an HTML table (every text as written, band colours; not the grid) and, past
    HTML_TABLE_PAGE_SIZE cards (here 10 of the real history's 16), table and cards go one page at a time."""
    monkeypatch.setattr(pager, "HTML_TABLE_PAGE_SIZE", 10)
    with _signed_in_on(tmp_path, REAL_PLAN) as (at, _engine):
        at.switch_page("pages/storico.py").run()
        assert not at.exception, at.exception
        assert not at.dataframe
        first = shown_table(at.table[-1])
        assert len(first) == 10 and len(_cards(at)) == 10
        assert list(first.columns)[:4] == ["Area", "Obiettivo", "Raggiungimento", "Fascia"]
        assert set(first["Fascia"]) <= {b.label for b in BANDS}
        css = at.table[-1].proto.arrow_data.styler.styles
        assert all(band.colour in css for band in BANDS if band.label in set(first["Fascia"])), css
        at.button(key="storico_pagina_forward").click().run()
        second = shown_table(at.table[-1])
        assert len(second) == 6 and len(_cards(at)) == 6
        assert not set(first["Obiettivo"]) & set(second["Obiettivo"])
        assert [e.label.split(" · ", 1)[1] for e in _cards(at)] == [md_escape(t) for t in second["Obiettivo"]]


def test_storico_chart_has_its_figures_as_a_table(tmp_path):
    """The chart of the real 2021-2023 cards per band and area has its text alternative under it, as every
    Cruscotto chart: one row per area, one column per band, the same counts as the model's."""
    with _signed_in_on(tmp_path, REAL_PLAN) as (at, engine):
        at.switch_page("pages/storico.py").run()
        assert not at.exception, at.exception
        title = "Dati del grafico in tabella: " + md_escape("Obiettivi 2021-2023 per fascia")
        assert any(e.label.startswith(title) for e in at.expander)
        alt = shown_table(at.table[0])
        with Session(engine) as s:
            rows = history_area_bands(session=s)
            totals = history_band_counts(session=s)
        assert list(alt.columns) == [f"{b.label} · {totals[b.label]}" for b in BANDS]
        assert len(alt) == len(rows) and sum(totals.values()) == 16
        for (_, shown), row in zip(alt.iterrows(), rows):
            assert [int(v) for v in shown] == [row.counts[b.label] for b in BANDS]


def test_a_history_card_names_its_area_and_answers_as_the_page_shows_them():
    from dataclasses import replace

    from models.plan_browser import OutcomeView, answer_with_reason

    card = OutcomeView(
        area_letter="A",
        area_title="Contrasto alla povertà",
        objective="Obiettivo",
        output="",
        achievement_range="50-79%",
        band=None,
        users_assessment="",
        resource_adequacy=None,
        resource_note="",
        spend_class=None,
        critical_issues="",
        need_answered=True,
        need_reason="Perché sì",
        continuity_previous=None,
        proposed_again=False,
        proposed_reason="",
        line=12,
    )
    assert card.area_label == "A · Contrasto alla povertà"
    assert replace(card, area_title="").area_label == "A (scheda senza titolo d'area)"
    assert replace(card, area_letter=None).area_label == "non indicata"
    assert card.need_answer == "Sì. Perché sì" and card.proposed_answer == "No"
    assert answer_with_reason(None, "") == "Sì/No non indicato"


def test_one_area_of_the_tree_is_that_area_of_the_whole_tree(real_plan):
    """plan_tree(area=…) reads only that area's rows (models/plan_browser.py): what it shows is exactly the
    area's part of the whole plan, with and without a search."""
    for query in ("", "minori"):
        whole = _tree(real_plan, query=query)
        assert whole.areas
        for area in whole.areas:
            one = _tree(real_plan, query=query, area=area.letter)
            assert one.areas == (area,)


def test_an_action_added_in_the_app_says_it_has_no_document_line():
    """components/plan_view: an action or key point without a line of the plan document (added in Impostazione
    piano) reads «riga non indicata», as an indicator does, never «riga None»."""
    from components.plan_view import objective_block
    from models.plan_browser import ActionView, ObjectiveView

    objective = ObjectiveView(
        "A.1", "specifico", "Obiettivo", 10, (ActionView("Dal documento", 11), ActionView("Aggiunta", None)), ()
    )
    _label, body = objective_block(objective)
    assert "riga 11 del documento" in body and "riga non indicata" in body and "None" not in body


def test_an_objective_block_escapes_every_text_of_the_plan():
    """Il Piano draws these blocks with unsafe_allow_html (components/plan_view.py): the code, which a workbook
    import lets the office write (up to 16 characters), is escaped like the texts, in the label and the body."""
    from components.plan_view import objective_block
    from models.plan_browser import ActionView, IndicatorView, ObjectiveView

    hostile = "<svg/onload=f()>"
    objective = ObjectiveView(
        code=hostile,
        kind="specifico",
        text=f"testo {hostile}",
        line=3,
        actions=(ActionView(text=f"azione {hostile}", line=4),),
        indicators=(IndicatorView("processo", f"indicatore {hostile}", "numero", True, 5),),
    )
    label, body = objective_block(objective)
    assert "<svg" not in label and "&lt;svg/onload=f()&gt;" in label
    assert not re.search(r"(?<!\\)<", body), body
    assert body.count(r"\<svg/onload=f\(\)\>") == 4
