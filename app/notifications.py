"""Customer mail: queued in the same transaction as the change, sent later off the GUI thread
through the configured SMTP server, retried with backoff, visible and retryable when it fails."""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app.audit import record_event
from app.changes import ChangeSet
from app.errors import NotFound, ValidationError
from app.settings import get_setting, get_settings
from app.shipping.dto import ShippedParcel
from app.uow import unit_of_work
from db.enums import MailStatus
from db.models import MailMessage
from db.types import utcnow

MAX_ATTEMPTS = 8
MAIL_CHANGED = ChangeSet(shipments=True)


class _Defaulting(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def render_template(template: str, values: dict[str, str]) -> str:
    """Fill {placeholders}; unknown ones stay as typed instead of failing the whole mail."""
    return template.format_map(_Defaulting(values))


def queue_shipped_mail(session: Session, parcel: ShippedParcel) -> bool:
    """Queue the "your order shipped" mail if enabled and the order has an address; True if so."""
    if not parcel.email or not get_setting(session, "mail.notify_shipped"):
        return False
    settings = get_settings(session)
    values = {
        "customer_name": parcel.ship_name or parcel.email,
        "order_number": parcel.order_number,
        "carrier": parcel.carrier or "",
        "tracking_number": parcel.tracking_number or "",
        "tracking_url": parcel.tracking_url or "",
        "business_name": settings["business.name"],
    }
    session.add(
        MailMessage(
            kind="shipped",
            order_id=parcel.order_id,
            shipment_id=parcel.shipment_id,
            to_address=parcel.email,
            subject=render_template(settings["mail.shipped_subject"], values),
            body=render_template(settings["mail.shipped_body"].replace("\\n", "\n"), values),
            status=MailStatus.PENDING,
            next_attempt_at=utcnow(),
            created_at=utcnow(),
        )
    )
    return True


@dataclass(frozen=True, slots=True)
class SmtpConfig:
    host: str
    port: int
    security: str  # starttls, ssl or none
    username: str
    password: str | None
    from_address: str
    timeout: float = 20.0


def smtp_config(session: Session, password: str | None) -> SmtpConfig:
    """The SMTP settings; raises ValidationError when mail is not set up."""
    s = get_settings(session)
    if not s["mail.smtp_host"] or not s["mail.from_address"]:
        raise ValidationError(
            "set the SMTP server and the sender address in Settings first", field="mail.smtp_host"
        )
    return SmtpConfig(
        s["mail.smtp_host"],
        int(s["mail.smtp_port"]),
        s["mail.smtp_security"],
        s["mail.smtp_username"],
        password,
        s["mail.from_address"],
    )


def _deliver(config: SmtpConfig, message: MailMessage) -> None:
    mail = EmailMessage()
    mail["From"] = config.from_address
    mail["To"] = message.to_address
    mail["Subject"] = message.subject
    mail.set_content(message.body)
    if config.security == "ssl":
        client = smtplib.SMTP_SSL(
            config.host, config.port, timeout=config.timeout, context=ssl.create_default_context()
        )
    else:
        client = smtplib.SMTP(config.host, config.port, timeout=config.timeout)
    with client:
        if config.security == "starttls":
            client.starttls(context=ssl.create_default_context())
        if config.username:
            client.login(config.username, config.password or "")
        client.send_message(mail)


@dataclass(frozen=True, slots=True)
class SendReport:
    sent: int
    failed: int
    dead: int
    changes: ChangeSet = MAIL_CHANGED


def backoff(attempts: int) -> timedelta:
    return timedelta(minutes=min(2**attempts, 360))


def send_pending_mail(
    session_factory: sessionmaker,
    *,
    password: str | None = None,
    now: Callable[[], datetime] = utcnow,
    limit: int = 50,
    deliver: Callable[[SmtpConfig, MailMessage], None] = _deliver,
) -> SendReport:
    """Send due mail one message at a time: the network call happens outside any transaction,
    and each outcome is recorded in its own (failures get a backoff; after MAX_ATTEMPTS a
    message is dead until a person retries it)."""
    with unit_of_work(session_factory, write=False) as session:
        config = smtp_config(session, password)
        due = list(
            session.scalars(
                select(MailMessage)
                .where(
                    MailMessage.status == MailStatus.PENDING, MailMessage.next_attempt_at <= now()
                )
                .order_by(MailMessage.next_attempt_at, MailMessage.id)
                .limit(limit)
            )
        )
    sent = failed = dead = 0
    for message in due:
        error = None
        try:
            deliver(config, message)
        except (OSError, smtplib.SMTPException) as exc:
            error = f"{type(exc).__name__}: {exc}"
        with unit_of_work(session_factory) as session:
            row = session.get(MailMessage, message.id)
            row.attempts += 1
            if error is None:
                row.status, row.sent_at, row.last_error = MailStatus.SENT, now(), None
                sent += 1
            elif row.attempts >= MAX_ATTEMPTS:
                row.status, row.last_error = MailStatus.DEAD, error
                dead += 1
            else:
                row.last_error = error
                row.next_attempt_at = now() + backoff(row.attempts)
                failed += 1
            record_event(
                session,
                actor="mail",
                action=f"mail.{row.status}",
                entity_type="order",
                entity_id=row.order_id,
                summary=f"Mail to {row.to_address}: "
                + ("sent" if error is None else f"failed ({error})"),
            )
    return SendReport(sent, failed, dead)


def retry_mail(session: Session, message_id: int, *, actor: str) -> ChangeSet:
    """Put a dead or failing message back in the queue to be sent now."""
    row = session.get(MailMessage, message_id)
    if row is None:
        raise NotFound(f"mail #{message_id} does not exist")
    row.status, row.next_attempt_at = MailStatus.PENDING, utcnow()
    if row.attempts >= MAX_ATTEMPTS:
        row.attempts = 0
    record_event(
        session,
        actor=actor,
        action="mail.retry",
        entity_type="order",
        entity_id=row.order_id,
        summary=f"Retry mail to {row.to_address}",
    )
    return MAIL_CHANGED


@dataclass(frozen=True, slots=True)
class MailRow:
    id: int
    to_address: str
    subject: str
    status: str
    attempts: int
    last_error: str | None
    created_at: datetime
    next_attempt_at: datetime


def list_mail(session: Session, *, problems_only: bool = False, limit: int = 200) -> list[MailRow]:
    """Newest first; `problems_only` shows failed (retrying) and dead messages."""
    query = select(MailMessage).order_by(MailMessage.id.desc()).limit(limit)
    if problems_only:
        query = query.where(
            (MailMessage.status == MailStatus.DEAD)
            | ((MailMessage.status == MailStatus.PENDING) & (MailMessage.attempts > 0))
        )
    return [
        MailRow(
            m.id,
            m.to_address,
            m.subject,
            m.status,
            m.attempts,
            m.last_error,
            m.created_at,
            m.next_attempt_at,
        )
        for m in session.scalars(query)
    ]


def mail_problem_count(session: Session) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(MailMessage)
            .where(
                (MailMessage.status == MailStatus.DEAD)
                | ((MailMessage.status == MailStatus.PENDING) & (MailMessage.attempts > 0))
            )
        )
        or 0
    )
