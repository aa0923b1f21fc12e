"""The ``workflow`` blueprint that every page module of the workflow registers its views on."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("workflow", __name__)
