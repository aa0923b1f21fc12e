"""Web layer: blueprints ``ui`` (staff and business pages), ``public`` (no login) and ``api`` (/api/v1).

The app factory builds it with :func:`lims.web.setup.init_web`; this package module stays
light (it imports no view module), so that any view can import its siblings.
"""
from __future__ import annotations

from lims.web.language import select_language

__all__ = ["select_language"]
