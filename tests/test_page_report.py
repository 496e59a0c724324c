"""Report ed Excel under AppTest: each role sees its part of the page, and only that."""

import pytest

from tests.apptest_helpers import app_env, logged_in, prepared

PAGE = "pages/report.py"


@pytest.fixture
def app_db(tmp_path):
    with app_env(tmp_path / "app.sqlite3") as engine:
        yield prepared(engine)


def _headings(at) -> list[str]:
    return [m.value for m in at.markdown if m.value.startswith("### ")]


def _downloads(at) -> list[str]:
    return [b.proto.label for b in at.get("download_button")]


def test_lead_gets_the_template_of_their_areas_and_no_reports(app_db):
    at = logged_in("refa", PAGE)
    assert not at.exception, at.exception
    assert _headings(at) == ["### Inserimento offline con Excel", "### Dati aperti"]
    assert at.multiselect(key="tpl_areas").options == ["A"] and at.multiselect(key="tpl_areas").value == ["A"]
    assert _downloads(at) == ["Scarica il modello Excel"]


def test_comitato_gets_the_reports_and_no_template(app_db):
    at = logged_in("com", PAGE)
    assert not at.exception, at.exception
    assert _headings(at) == ["### Report semestrale e annuale", "### Dati aperti"]
    assert _downloads(at) == ["Report semestrale .xlsx", "Report annuale .xlsx", "Report annuale .html"]
    assert at.radio(key="rep_submitted").value is False  # only approved reports, unless asked


def test_office_gets_both(app_db):
    at = logged_in("uff", PAGE)
    assert not at.exception, at.exception
    assert _headings(at) == ["### Inserimento offline con Excel", "### Report semestrale e annuale", "### Dati aperti"]
    assert len(_downloads(at)) == 4


# --- downloads re-check the login when the file is built (issue 15) ------------------------------------


@pytest.fixture
def deferred_builds(monkeypatch):
    """The callables the download buttons register (Streamlit runs them on click, on another thread)."""
    from streamlit.runtime.media_file_manager import MediaFileManager

    builds: dict[str, object] = {}
    original = MediaFileManager.add_deferred

    def recording(self, data, *args, **kwargs):
        file_id = original(self, data, *args, **kwargs)
        builds[file_id] = data
        return file_id

    monkeypatch.setattr(MediaFileManager, "add_deferred", recording)
    return builds


def _builders(at, builds) -> dict[str, object]:
    return {b.proto.label: builds[b.proto.deferred_file_id] for b in at.get("download_button")}


@pytest.mark.parametrize(
    ("username", "label"),
    [("com", "Report annuale .html"), ("com", "Report semestrale .xlsx"), ("refa", "Scarica il modello Excel")],
)
def test_a_download_after_deactivation_is_refused(app_db, deferred_builds, username, label):
    from models.db import session_scope
    from models.permissions import PermissionDenied
    from models.sessions import LOGIN_ENDED
    from models.users import actor_for, get_user, set_active

    at = logged_in(username, PAGE)
    build = _builders(at, deferred_builds)[label]
    assert build()  # the file, while the user is active
    with session_scope(app_db) as s:
        set_active(s, actor=actor_for(s, get_user(s, "uff")), user_id=get_user(s, username).id, active=False)
    with pytest.raises(PermissionDenied, match="Accesso non più valido"):
        build()  # the page drawn before the deactivation is still open: its button builds nothing
    assert LOGIN_ENDED.startswith("Accesso non più valido")


def test_a_download_uses_the_role_of_the_click_not_of_the_drawing(app_db, deferred_builds):
    from models.db import session_scope
    from models.permissions import PermissionDenied
    from models.users import actor_for, get_user, update_user

    at = logged_in("refa", PAGE)
    build = _builders(at, deferred_builds)["Scarica il modello Excel"]
    with session_scope(app_db) as s:  # area A taken away from the lead after the page was drawn
        update_user(
            s,
            actor=actor_for(s, get_user(s, "uff")),
            user_id=get_user(s, "refa").id,
            role="comitato",
            areas=[],
            name="REFA",
        )
    with pytest.raises(PermissionDenied):
        build()
