"""Metrology LIMS.

Kept light on purpose: importing ``lims`` (or ``lims.metrology``) must not pull in
Flask or SQLAlchemy. The web app factory is ``lims.app:create_app``.
"""

__version__ = "0.1.0"
