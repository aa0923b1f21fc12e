"""A real SMTP server for the tests: aiosmtpd, started in this process on a free port.

Tests import the ``smtp_server`` fixture; it points ``LIMS_SMTP_*`` at the server (no TLS, no
sign-in) and collects every message it accepts, parsed, in ``smtp_server.messages``.
"""
from __future__ import annotations

import socket
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def body(self) -> str:
        part = self.message.get_body(("plain",))
        assert part is not None
        return part.get_content()


@dataclass
class Collector:
    messages: list[Received] = field(default_factory=list)
    refuse: bool = False  # answer 451 to every message

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse:
            return "451 4.3.0 mailbox temporarily unavailable"
        parsed = message_from_bytes(envelope.content, _class=EmailMessage, policy=policy.default)
        self.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos), parsed))  # type: ignore[arg-type]
        return "250 OK"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class SmtpServer:
    host: str
    port: int
    collector: Collector

    @property
    def messages(self) -> list[Received]:
        return self.collector.messages


@pytest.fixture
def smtp_server(monkeypatch) -> Any:
    collector = Collector()
    controller = Controller(collector, hostname="127.0.0.1", port=free_port())
    controller.start()
    monkeypatch.setenv("LIMS_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("LIMS_SMTP_PORT", str(controller.port))
    monkeypatch.setenv("LIMS_SMTP_SECURITY", "none")
    monkeypatch.setenv("LIMS_MAIL_FROM", "lims@lab.example")
    try:
        yield SmtpServer("127.0.0.1", controller.port, collector)
    finally:
        controller.stop()
