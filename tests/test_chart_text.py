"""Every chart's text alternative holds the figures drawn on it (figures computed by hand)."""

import json

import plotly.graph_objects as go

from components.dashboard_controls import TABS
from models import charts, report_export
from models.dashboard_results import Money, TrendPoint
from models.db import session_scope
from models.scoring import BAND_LABELS
from tests.test_dashboard import app_data, open_cruscotto, open_tab  # noqa: F401  (fixture and helpers)
from tests.test_report_export import populate


def test_money_single_as_a_table():
    fig = charts.money_single(
        Money(budget=10000, budget_amounts=1, committed=6000, paid=2500, reported=True), "Budget e spesa · area A", 50.0
    )
    text = charts.text_alternative(fig)
    assert text.title.startswith("Budget e spesa · area A · liquidato 25,0 %")
    assert text.header == ["", "Valore", "Nota"]
    assert text.rows == [
        ["Budget", "10.000 €", ""],
        ["Impegnato", "6.000 €", ""],
        ["Liquidato", "2.500 €", "atteso 5.000 €"],
    ]


def test_trend_as_a_table_with_percentages_where_the_chart_has_no_label():
    points = [
        TrendPoint("I sem. 2025", 4051, "", 40.0, 10.0, 16.7),
        TrendPoint("II sem. 2025", 4052, "", 62.5, None, 33.3),
    ]
    text = charts.text_alternative(charts.trend_chart(points, "Tutto il piano", "II semestre 2025", "solo approvati"))
    assert text.header[:3] == ["", "Raggiungimento", "Liquidato / budget"]
    assert text.header[3].startswith("Liquidato atteso")
    assert text.rows == [["I sem. 2025", "40,0 %", "10,0 %", "16,7 %"], ["II sem. 2025", "62,5 %", "", "33,3 %"]]


def test_every_chart_of_the_cruscotto_has_its_table(app_data):
    at = open_cruscotto("com")
    for label in TABS:
        open_tab(at, label)
        figures = [json.loads(element.proto.spec) for element in at.get("plotly_chart")]
        titles = [e.label for e in at.expander if e.label.startswith("Dati del grafico in tabella: ")]
        assert len(titles) == len(figures), label
        for fig, title in zip(figures, titles):
            assert charts.text_alternative(go.Figure(fig)).title in title.replace("\\", "")
    # the bands chart's table: one row per area, one column per band (never colour alone)
    open_tab(at, TABS[0])
    table = at.table[0].value
    assert list(table.columns[:5]) == BAND_LABELS


def test_every_chart_of_the_annual_html_has_its_table(small_plan):
    populate(small_plan)
    with session_scope(small_plan) as s:
        page = report_export.annual_report_html(2025, actor=None, session=s).decode("utf-8")
    figures = page.count('<figure class="chart">')
    assert figures >= 4 and page.count("<summary>Dati del grafico in tabella</summary>") == figures
    assert '<th scope="col">nullo</th>' in page  # bands as column headers, never colour alone


def test_pages_draw_charts_only_through_the_chart_component():
    """components/chart_view.chart draws a chart with its table: a page calling st.plotly_chart itself would
    show a chart a screen reader cannot read."""
    from tests.apptest_helpers import ui_files_containing

    assert ui_files_containing(".plotly_chart(") == ["components/chart_view.py"]
