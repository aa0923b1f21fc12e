"""Flask extensions, created once and bound in :func:`lims.web.init_web`."""
from __future__ import annotations

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_smorest import Api as _Api
from flask_wtf.csrf import CSRFProtect


class Api(_Api):
    """flask-smorest's Api without its app-wide error handlers: ours answer HTML or JSON."""

    def _register_error_handlers(self) -> None:  # noqa: D401 - overriding
        return None


login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
