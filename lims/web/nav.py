"""Menu entries and dashboard panels, declared by each blueprint's module.

How a feature adds to the menu and the dashboard: the module that defines the blueprint
declares two constants, and :func:`init_nav` (called by ``init_web`` once every blueprint is
registered) collects them from the module of every registered blueprint::

    bp = Blueprint("workflow", __name__)
    NAV = (NavItem("workflow.records_list", _l("Records"), (Role.technician, Role.reviewer), order=21),)
    PANELS = (Panel("workflow/panel.html", policy.STAFF_ROLES + (Role.business,)),)

Nothing is registered by importing a module, so the menu of an app is exactly what its
registered blueprints declare. The menu lives in ``app.extensions["lims.nav"]``.

An entry is shown to a user holding one of its roles, asked of :mod:`lims.services.policy`
(admins hold every role; an entry with no roles is for admins only).

"""
from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, current_app, url_for
from flask_login import current_user

from lims.models import Role
from lims.services import policy


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    title: Any
    roles: tuple[Role | str, ...] = ()
    values: dict = field(default_factory=dict, hash=False)
    order: int = 100


@dataclass(frozen=True)
class Panel:
    """A template included on the dashboard for users holding one of ``roles``."""

    template: str
    roles: tuple[Role | str, ...] = ()


@dataclass
class Menu:
    items: list[NavItem] = field(default_factory=list)
    panels: list[Panel] = field(default_factory=list)

    def add_item(self, item: NavItem) -> None:
        if all(i.endpoint != item.endpoint or i.values != item.values for i in self.items):
            self.items.append(item)

    def add_panel(self, panel: Panel) -> None:
        if all(p.template != panel.template for p in self.panels):
            self.panels.append(panel)


def collect(app: Flask) -> Menu:
    """The menu declared by the modules of ``app``'s blueprints."""
    menu = Menu()
    for bp in app.blueprints.values():
        module = sys.modules.get(bp.import_name)
        for item in getattr(module, "NAV", ()):
            menu.add_item(item)
        for panel in getattr(module, "PANELS", ()):
            menu.add_panel(panel)
    return menu


def _allowed(roles: tuple) -> bool:
    return policy.has_role(current_user, *roles) if roles else policy.has_role(current_user, Role.admin)


def nav_context() -> dict:
    if not current_user.is_authenticated:
        return {"nav": [], "dashboard_tiles": []}
    menu: Menu = current_app.extensions["lims.nav"]
    items = [(url_for(i.endpoint, **i.values), i.title)
             for i in sorted(menu.items, key=lambda i: i.order) if _allowed(i.roles)]
    panels = [p.template for p in menu.panels if _allowed(p.roles)]
    return {"nav": items, "dashboard_tiles": panels}


def init_nav(app: Flask) -> None:
    """Collect the menu of ``app`` (after every blueprint is registered) and offer it to templates."""
    app.extensions["lims.nav"] = collect(app)
    app.context_processor(nav_context)
