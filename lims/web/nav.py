"""Menu entries and dashboard panels, extended by each feature's blueprint.

An entry is shown to a user holding one of its roles (admins see everything).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import url_for
from flask_login import current_user

from lims.models import Role


@dataclass
class NavItem:
    endpoint: str
    title: Any
    roles: tuple = ()
    values: dict = field(default_factory=dict)
    order: int = 100


NAV_ITEMS: list[NavItem] = []
DASHBOARD_PANELS: list[tuple[str, tuple]] = []  # (template name, roles)


def add_nav(item: NavItem) -> None:
    if all(i.endpoint != item.endpoint or i.values != item.values for i in NAV_ITEMS):
        NAV_ITEMS.append(item)


def add_dashboard_panel(template: str, roles: tuple = ()) -> None:
    if all(t != template for t, _ in DASHBOARD_PANELS):
        DASHBOARD_PANELS.append((template, roles))


def _allowed(roles: tuple) -> bool:
    return current_user.has_role(Role.admin) or bool(roles and current_user.has_role(*roles))


def nav_context() -> dict:
    if not current_user.is_authenticated:
        return {"nav": [], "dashboard_tiles": []}
    items = [(url_for(i.endpoint, **i.values), i.title)
             for i in sorted(NAV_ITEMS, key=lambda i: i.order) if _allowed(i.roles)]
    panels = [t for t, roles in DASHBOARD_PANELS if _allowed(roles)]
    return {"nav": items, "dashboard_tiles": panels}
