"""Customer mail through a real SMTP server on 127.0.0.1: sent, retried with backoff, dead."""

from __future__ import annotations

import socket
from datetime import UTC, datetime, timedelta

import pytest
from aiosmtpd.controller import Controller

from app.errors import ValidationError
from app.notifications import (
    MAX_ATTEMPTS,
    list_mail,
    mail_problem_count,
    render_template,
    retry_mail,
    send_pending_mail,
)
from app.settings import update_settings
from app.uow import unit_of_work
from db.models import MailMessage


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], str]] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(
            (envelope.mail_from, envelope.rcpt_tos, envelope.content.decode("utf-8", "replace"))
        )
        return "250 OK"


@pytest.fixture
def smtp_server():
    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, inbox
    finally:
        controller.stop()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _configure(session_factory, port: int) -> None:
    with unit_of_work(session_factory) as s:
        update_settings(
            s,
            {
                "mail.smtp_host": "127.0.0.1",
                "mail.smtp_port": port,
                "mail.smtp_security": "none",
                "mail.from_address": "shop@example.com",
            },
            actor="owner",
        )


def _queue(session_factory, to: str = "zoe@example.com") -> int:
    with unit_of_work(session_factory) as s:
        message = MailMessage(
            kind="shipped",
            to_address=to,
            subject="Your order SO-000001",
            body="Hello Zoë Łukasiewicz,\nit shipped.",
        )
        s.add(message)
        s.flush()
        return message.id


def test_pending_mail_is_sent(session_factory, smtp_server):
    port, inbox = smtp_server
    _configure(session_factory, port)
    _queue(session_factory)
    report = send_pending_mail(session_factory)
    assert (report.sent, report.failed) == (1, 0)
    ((sender, recipients, content),) = inbox.messages
    assert sender == "shop@example.com" and recipients == ["zoe@example.com"]
    assert "Subject: Your order SO-000001" in content
    with unit_of_work(session_factory, write=False) as s:
        assert [m.status for m in list_mail(s)] == ["sent"]
    assert send_pending_mail(session_factory).sent == 0  # nothing sent twice


def test_unreachable_server_backs_off_then_gives_up(session_factory):
    _configure(session_factory, _free_port())
    message_id = _queue(session_factory)
    clock = [datetime.now(UTC) + timedelta(seconds=1)]
    report = send_pending_mail(session_factory, now=lambda: clock[0])
    assert (report.sent, report.failed) == (0, 1)
    with unit_of_work(session_factory, write=False) as s:
        row = s.get(MailMessage, message_id)
        assert row.attempts == 1 and "ConnectionRefusedError" in row.last_error
        assert row.next_attempt_at == clock[0] + timedelta(minutes=2)
        assert mail_problem_count(s) == 1
    assert send_pending_mail(session_factory, now=lambda: clock[0]).failed == 0  # not due yet
    for _ in range(MAX_ATTEMPTS):
        clock[0] += timedelta(hours=7)
        send_pending_mail(session_factory, now=lambda: clock[0])
    with unit_of_work(session_factory) as s:
        row = s.get(MailMessage, message_id)
        assert (row.status, row.attempts) == ("dead", MAX_ATTEMPTS)
        retry_mail(s, message_id, actor="owner")
        assert s.get(MailMessage, message_id).status == "pending"


def test_mail_needs_settings(session_factory):
    _queue(session_factory)
    with pytest.raises(ValidationError, match="set the SMTP server"):
        send_pending_mail(session_factory)


def test_templates_keep_unknown_placeholders():
    assert (
        render_template("Hi {customer_name}, {oops}", {"customer_name": "Søren"})
        == "Hi Søren, {oops}"
    )
