"""Sending the portal's mails through the SMTP server named in ``settings.portal.mail_url``
(smtp://user:password@host:587 with STARTTLS when offered, smtps:// for TLS from the start);
without one nothing is sent and the page shows the link to pass on."""

from __future__ import annotations

import smtplib
from datetime import datetime
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

from servitize.core.errors import InvalidInput
from servitize.core.settings import Settings


def message(
    settings: Settings, to: str, account: str, link: str, expires: datetime
) -> EmailMessage:
    """The invitation mail."""
    company = settings.branding.name or settings.company_name
    mail = EmailMessage()
    mail["From"] = settings.portal.mail_from
    mail["To"] = to
    mail["Subject"] = f"{company}: your access to the customer portal of {account}"
    mail.set_content(
        f"Hello,\n\n{company} invites you to its customer portal for {account}: your machines, "
        f"operation reports, quotes and requests in one place.\n\nOpen this link to choose your "
        f"password (it works once, until {expires:%Y-%m-%d %H:%M} UTC):\n\n{link}\n"
    )
    return mail


def send_invitation(
    settings: Settings, to: str, account: str, link: str, expires: datetime
) -> bool:
    """Mail the invitation; False when no mail server is configured."""
    url = settings.portal.mail_url.strip()
    if not url:
        return False
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise InvalidInput("portal mail_url: use smtp://host:port or smtps://host:port")
    smtp_class = smtplib.SMTP_SSL if parts.scheme == "smtps" else smtplib.SMTP
    port = parts.port or (465 if parts.scheme == "smtps" else 25)
    with smtp_class(parts.hostname, port, timeout=20) as smtp:
        if parts.scheme == "smtp":
            smtp.ehlo()
            if smtp.has_extn("starttls"):
                smtp.starttls()
                smtp.ehlo()
        if parts.username:
            smtp.login(unquote(parts.username), unquote(parts.password or ""))
        smtp.send_message(message(settings, to, account, link, expires))
    return True
