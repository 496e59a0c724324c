"""Cruscotto: the semester at a glance for the Comitato Ristretto, with a projector mode (?proiettore=1)."""

import streamlit as st

from components import auth_gate, layout
from components import dashboard_views as views
from models import dashboard
from models.vocab import PAGE_TITLES

user = auth_gate.signed_in()  # resolved by app.py in this run
projector = layout.projector_mode()
views.data_version()
views.auto_refresh()

semesters = views.fetch(dashboard.semester_options)
if not semesters:
    st.title(PAGE_TITLES["cruscotto"])
    st.info("Nessun semestre di monitoraggio: l'Ufficio di Piano lo apre dalla pagina Impostazione piano.")
    views.projector_toggle(projector)
    st.stop()

scale = 0.0  # chart scale: 0 on the normal page; on the projector 1 at 1280x720, larger at 1920x1080
if projector:
    head, nav, options = st.columns([5, 4.2, 1.6], vertical_alignment="center")
    with options.popover("Opzioni", icon="⚙️", width="stretch"):
        # exit and slideshow first: a 720-line screen cuts the bottom of a long panel
        views.projector_toggle(projector)
        slideshow = views.slideshow_controls()
        view = views.projector_view_choice()
        scale = views.screen_scale()
        choice = views.choose(semesters, user.actor.role, compact=True)
    layout.projector_style(large=scale > 1)
    head.markdown(f"**Cruscotto · {choice.semester.label}** · {dashboard.COUNT_SHORT[choice.include_submitted]}")
else:
    st.title(PAGE_TITLES["cruscotto"])
    choice = views.choose(semesters, user.actor.role)
    views.projector_toggle(projector)

summary = views.fetch(dashboard.semester_summary, **choice.params)
areas = views.fetch(dashboard.area_rows, **choice.params)
focus = views.focus_areas(areas)

if projector:
    area = views.current_area(focus)
    with nav:
        views.area_stepper(focus)
    if slideshow:
        views.run_slideshow(focus, slideshow)
    views.tiles(summary, compact=True)
    if view == "Area per area":
        views.area_focus(choice, area, projector=scale, slide=views.current_slide(area))
    elif view == "Tutte le aree":
        views.bands_section(choice, areas, projector=scale)
    elif view == "Budget e spesa":
        views.money_section(choice, areas, summary, projector=scale)
    else:
        views.trend_section(choice, areas, projector=scale, area=area)
    st.stop()

st.caption(views.report_states_line(summary))
if not summary.tally.reported:
    st.info(
        f"Nessun report conteggiato nel {choice.semester.label}: {choice.counted.lower()}. "
        "Le fasce restano a zero finché i report non vengono approvati (o inviati, se si contano anche quelli)."
    )
views.tiles(summary)
# Only the open tab is computed and drawn (on_change="rerun"): the page opens with one chart, not nine.
bands, money, trend, drill, subs = st.tabs(views.TABS, key=views.K_TAB, on_change="rerun")
if bands.open:
    with bands:
        views.bands_section(choice, areas, projector=0)
if money.open:
    with money:
        views.money_section(choice, areas, summary, projector=0)
if trend.open:
    with trend:
        views.trend_section(choice, areas, projector=0)
if drill.open:
    with drill:
        views.drilldown_section(choice, areas)
if subs.open:
    with subs:
        views.sub_area_section(choice)
