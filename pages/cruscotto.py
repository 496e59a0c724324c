"""Cruscotto: the semester at a glance for the Comitato Ristretto, with a projector mode (?proiettore=1)."""

import streamlit as st

from components import auth_gate, layout, plan_selector
from components import dashboard_cache as cache
from components import dashboard_controls as controls
from components import dashboard_sections as sections
from models import dashboard, dashboard_results, dashboard_sql
from models.vocab import PAGE_TITLES

user = auth_gate.signed_in()  # resolved by app.py in this run
projector = layout.projector_mode()
cache.data_version()
cache.auto_refresh()

semesters = cache.fetch(dashboard_sql.semester_options, plan_id=plan_selector.selected())
if not semesters:
    st.title(PAGE_TITLES["cruscotto"])
    st.info("Nessun semestre di monitoraggio: l'Ufficio di Piano lo apre dalla pagina Impostazione piano.")
    controls.projector_toggle(projector)
    st.stop()

scale = 0.0  # chart scale: 0 on the normal page; on the projector 1 at 1280x720, larger at 1920x1080
if projector:
    head, nav, options = st.columns([5, 4.2, 1.6], vertical_alignment="center")
    with options.popover("Opzioni", icon="⚙️", width="stretch"):
        # exit and slideshow first: a 720-line screen cuts the bottom of a long panel
        controls.projector_toggle(projector)
        slideshow = controls.slideshow_controls()
        view = controls.projector_view_choice()
        scale = controls.screen_scale()
        choice = controls.choose(semesters, user.actor.role, compact=True)
    layout.projector_style(large=scale > 1)
    head.markdown(
        f"**Cruscotto · {choice.semester.label}** · {dashboard_results.COUNT_SHORT[choice.include_submitted]}"
    )
else:
    st.title(PAGE_TITLES["cruscotto"])
    choice = controls.choose(semesters, user.actor.role)
    controls.projector_toggle(projector)

summary = cache.fetch(dashboard.semester_summary, **choice.params)
areas = summary.areas
focus = controls.focus_areas(areas)

if projector:
    area = controls.current_area(focus)
    with nav:
        controls.area_stepper(focus)
    if slideshow:
        controls.run_slideshow(focus, slideshow)
    sections.tiles(summary, compact=True)
    if view == "Area per area":
        sections.area_focus(choice, area, projector=scale, slide=controls.current_slide(area))
    elif view == "Tutte le aree":
        sections.bands_section(choice, areas, projector=scale)
    elif view == "Budget e spesa":
        sections.money_section(choice, areas, summary, projector=scale)
    else:
        sections.trend_section(choice, areas, projector=scale, area=area)
    st.stop()

st.caption(sections.report_states_line(summary))
if not summary.tally.reported:
    st.info(
        f"Nessun report conteggiato nel {choice.semester.label}: {choice.counted.lower()}. "
        "Le fasce restano a zero finché i report non vengono approvati (o inviati, se si contano anche quelli)."
    )
sections.tiles(summary)
# Only the open tab is computed and drawn (on_change="rerun"): the page opens with one chart, not nine.
bands, money, trend, drill, subs = st.tabs(controls.TABS, key=controls.K_TAB, on_change="rerun")
if bands.open:
    with bands:
        sections.bands_section(choice, areas, projector=0)
if money.open:
    with money:
        sections.money_section(choice, areas, summary, projector=0)
if trend.open:
    with trend:
        sections.trend_section(choice, areas, projector=0)
if drill.open:
    with drill:
        sections.drilldown_section(choice, areas)
if subs.open:
    with subs:
        sections.sub_area_section(choice)
