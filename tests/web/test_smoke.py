"""Pages and API answer, in Vietnamese by default and in English on request."""
from __future__ import annotations


def test_home_page_is_public_and_vietnamese_by_default(client):
    resp = client.get("/")
    assert resp.status_code == 200
    assert 'lang="vi"' in resp.get_data(as_text=True)


def test_openapi_description_is_served(client):
    resp = client.get("/api/v1/openapi.json")
    assert resp.status_code == 200
    spec = resp.get_json()
    assert spec["openapi"].startswith("3.")
    assert "/api/v1/instruments" in spec["paths"]
    assert spec["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


def test_the_menu_is_what_the_registered_blueprints_declare(app):
    from lims.web import ui

    menu = app.extensions["lims.nav"]
    assert all(item in menu.items for item in ui.NAV)
    assert [i.values["key"] for i in menu.items if i.endpoint == "ui.section_list"] == [
        "instruments", "organisations", "instrument-types", "standards", "national-standards", "users"]
    assert len({(i.endpoint, tuple(i.values.items())) for i in menu.items}) == len(menu.items)


def test_menu_entries_follow_the_roles(client, make_user, login):
    make_user("biz", "business")
    page = login("biz").get("/dashboard").get_data(as_text=True)
    assert "/admin/instruments" in page and "/admin/organisations" not in page


def test_a_blueprint_module_declares_its_menu_and_importing_registers_nothing(monkeypatch):
    import types

    from flask import Blueprint, Flask

    from lims.web import nav

    module = types.ModuleType("lims_test_feature")
    module.bp = Blueprint("feature", "lims_test_feature")
    module.NAV = (nav.NavItem("feature.index", "Feature", ("technician",), order=5),)
    module.PANELS = (nav.Panel("feature/panel.html", ("technician",)),)
    monkeypatch.setitem(__import__("sys").modules, "lims_test_feature", module)

    app = Flask("lims_test_app")
    app.register_blueprint(module.bp)
    menu = nav.collect(app)
    assert [i.endpoint for i in menu.items] == ["feature.index"]
    assert [p.template for p in menu.panels] == ["feature/panel.html"]
    assert nav.collect(Flask("lims_empty_app")).items == []  # an app without the blueprint has no entry
