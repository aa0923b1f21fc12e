"""Pages anyone may open without signing in."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user

from lims.web.auth import public

bp = Blueprint("public", __name__)


@bp.route("/")
@public
def home():
    """Landing page: staff go to their dashboard; everyone else sees how to check a certificate."""
    if current_user.is_authenticated:
        return redirect(url_for("ui.dashboard"))
    return render_template("public/home.html")
