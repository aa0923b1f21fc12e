"""pyserial URL handler for ``mock://DEVICE?options`` (found through
``serial.protocol_handler_packages``, which ``import instruments`` extends)."""

from __future__ import annotations

from instruments.mock.port import MockSerial as Serial

__all__ = ["Serial"]
