"""components.selectors.objective_by_area: one selector up to BY_AREA_OVER objectives; past it (a hundred times
the plan) an Area selector first, the objective selector listing that area's, the area following an objective
chosen elsewhere; and the review table sent one page of rows at a time."""

from streamlit.testing.v1 import AppTest

from components.selectors import BY_AREA_OVER


def _script():
    import streamlit as st

    from components.selectors import choose, objective_by_area

    n = st.session_state["n"]
    ids = list(range(1, n + 1))
    area = {i: "ABC"[(i - 1) * 3 // n] for i in ids}  # three areas, in order
    st.button("Apri 7 in C", on_click=choose, args=("obj", n - 7))
    value = objective_by_area(
        "Obiettivo",
        ids,
        key="obj",
        default=5,
        format_func=lambda i: f"{area[i]} · {i}",
        area_of=area.__getitem__,
        first_in=lambda chunk: chunk[1],  # the second, to tell it from a plain first
    )
    st.text(f"scelto {value}")


def _app(n: int) -> AppTest:
    at = AppTest.from_function(_script, default_timeout=30)
    at.session_state["n"] = n
    at.run()
    assert not at.exception
    return at


def _chosen(at: AppTest) -> int:
    return int(at.text[0].value.split()[1])


def test_up_to_the_limit_one_selector_lists_every_objective():
    at = _app(BY_AREA_OVER)
    assert [s.label for s in at.selectbox] == ["Obiettivo"]
    assert len(at.selectbox[0].options) == BY_AREA_OVER
    assert _chosen(at) == 5


def test_past_the_limit_the_area_comes_first_and_the_list_is_that_areas():
    n = 3 * BY_AREA_OVER
    at = _app(n)
    area, objective = at.selectbox
    assert (area.label, objective.label) == ("Area", "Obiettivo")
    assert area.options == [f"Area {a} · {BY_AREA_OVER} obiettivi" for a in "ABC"]
    assert area.value == "A" and _chosen(at) == 5  # the default's area, the default chosen
    assert len(objective.options) == BY_AREA_OVER  # a third of the labels sent

    at.selectbox[0].set_value("B").run()  # another area: its `first_in`
    assert _chosen(at) == BY_AREA_OVER + 2
    assert all(o.startswith("B ·") for o in at.selectbox[1].options)

    at.selectbox[1].set_value(BY_AREA_OVER + 9).run()  # an objective of the area: the area stays
    assert at.selectbox[0].value == "B" and _chosen(at) == BY_AREA_OVER + 9

    at.button[0].click().run()  # chosen elsewhere (a button, a link): the area follows
    assert at.selectbox[0].value == "C" and _chosen(at) == n - 7
    assert all(o.startswith("C ·") for o in at.selectbox[1].options)


def _one_alone_script():
    import streamlit as st

    from components.selectors import BY_AREA_OVER, objective_by_area

    ids = list(range(BY_AREA_OVER + 2))
    objective_by_area(
        "Obiettivo", ids, key="o", default=0, format_func=str, area_of=lambda i: "Z" if i == ids[-1] else "A"
    )
    st.text("ok")


def test_the_area_labels_agree_with_their_count():
    at = AppTest.from_function(_one_alone_script, default_timeout=30)
    at.run()
    assert not at.exception
    assert at.selectbox[0].options == [f"Area A · {BY_AREA_OVER + 1} obiettivi", "Area Z · 1 obiettivo"]


def _pinned_script():
    import streamlit as st

    from components.selectors import BY_AREA_OVER, objective_by_area

    ids = list(range(1, 2 * BY_AREA_OVER + 1))  # areas A and B, and 0: "none", of no area
    value = objective_by_area(
        "Precedente",
        [0, *ids],
        key="p",
        default=st.session_state.get("start", 0),
        format_func=lambda i: "nessuno" if i == 0 else f"{'AB'[(i - 1) // BY_AREA_OVER]} · {i}",
        area_of=lambda i: None if i == 0 else "AB"[(i - 1) // BY_AREA_OVER],
        area_label="Area del piano precedente",
    )
    st.text(f"scelto {value}")


def test_an_option_of_no_area_heads_every_areas_list_and_is_not_counted():
    at = AppTest.from_function(_pinned_script, default_timeout=30)
    at.run()
    assert not at.exception
    area, picker = at.selectbox
    assert area.label == "Area del piano precedente" and area.value == "A"  # "none" chosen: the first area
    assert area.options == [f"Area {a} · {BY_AREA_OVER} obiettivi" for a in "AB"]
    assert picker.options[0] == "nessuno" and len(picker.options) == BY_AREA_OVER + 1 and _chosen(at) == 0

    area.set_value("B").run()  # another area: "none" stays chosen, and heads that area's list too
    assert _chosen(at) == 0
    assert at.selectbox[1].options[0] == "nessuno" and at.selectbox[1].options[1] == f"B · {BY_AREA_OVER + 1}"

    at.selectbox[1].set_value(BY_AREA_OVER + 3).run()
    assert at.selectbox[0].value == "B" and _chosen(at) == BY_AREA_OVER + 3
    at.selectbox[1].set_value(0).run()  # back to "none": the area stays where it is
    assert at.selectbox[0].value == "B" and _chosen(at) == 0


def test_a_linked_option_opens_on_its_own_area():
    at = AppTest.from_function(_pinned_script, default_timeout=30)
    at.session_state["start"] = BY_AREA_OVER + 5
    at.run()
    assert not at.exception
    assert at.selectbox[0].value == "B" and _chosen(at) == BY_AREA_OVER + 5


def _table_script():
    import streamlit as st

    from components import pager

    rows = list(range(st.session_state["rows"]))
    shown = pager.paginate(rows, key="t", noun="Righe", label="Pagina", size=pager.TABLE_PAGE_SIZE)
    st.text(f"{len(shown)} {shown[0]}")


def test_the_review_table_pages_hold_every_real_plan_row_and_cut_a_large_table():
    from components.pager import TABLE_PAGE_SIZE

    assert TABLE_PAGE_SIZE >= 57  # the real plan's objectives: one page, no control
    at = AppTest.from_function(_table_script, default_timeout=30)
    at.session_state["rows"] = 5304
    at.run()
    assert at.text[0].value == f"{TABLE_PAGE_SIZE} 0"
    assert at.selectbox[0].value == 0
    at.button[1].click().run()  # Successivi
    assert at.text[0].value == f"{TABLE_PAGE_SIZE} {TABLE_PAGE_SIZE}"
