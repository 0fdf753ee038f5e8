"""Invitations of a customer's people to the portal: a signed, expiring link that works once.

The owner of an account (or a sales or service manager, an admin) invites an email address for
one account; the link carries a signed nonce, expires after ``settings.portal.invitation_days``
and is used up when the invitee sets their password (the same policy as staff). An address
that is already a customer user gets the account added at once. Ending access removes one
account from a customer user. Everything is audited.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from servitize.core.errors import Conflict, NotFound
from servitize.core.settings import Settings
from servitize.installed_base.access import get_account, require
from servitize.installed_base.models import Account, CustomerAccount
from servitize.portal import mail, rules
from servitize.portal import repository as repo
from servitize.portal.models import PortalInvitation
from servitize.trust import audit
from servitize.trust.context import Context
from servitize.trust.models import Role, User
from servitize.trust.service import create_user

SALT = "servitize-portal-invitation"
EXPIRED = "this invitation has expired; ask your contact for a new one"
INVALID = "this invitation link is not valid (any more); ask your contact for a new one"


@dataclass(frozen=True)
class Invited:
    """An invitation made: its link (None when the address had access already) and whether a
    mail was sent."""

    invitation: PortalInvitation | None
    link: str | None
    mailed: bool
    user: User | None  # the existing customer user who got the account at once


def _serializer(settings: Settings) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings.secret_key, salt=SALT)


def link_of(settings: Settings, token: str) -> str:
    """The address of an invitation link as the invitee opens it."""
    return f"{settings.portal.public_url.rstrip('/')}/portal/join/{token}"


def _may_invite(ctx: Context, account: Account) -> None:
    require(ctx.user, "portal.invite", own=account.owner_id == ctx.user.id)


def invite(ctx: Context, account_id: int, email: str, full_name: str | None = None) -> Invited:
    """Invite an address to the portal of one account (mail it when a mail server is set)."""
    account = get_account(ctx.session, ctx.user, account_id)
    _may_invite(ctx, account)
    address = rules.email(email)
    existing = repo.user_by_email(ctx.session, address)
    if existing is not None:
        if existing.role != Role.customer.value:
            raise Conflict(f"email: {address} belongs to a user of the company, not a customer")
        if repo.access_of(ctx.session, existing.id, account.id) is None:
            repo.add(ctx.session, CustomerAccount(user_id=existing.id, account_id=account.id))
            audit.record(
                ctx.session,
                ctx.actor,
                "grant_portal",
                "account",
                account.id,
                after={"user": existing.username},
            )
        return Invited(None, None, False, existing)
    nonce = secrets.token_urlsafe(24)
    invitation = PortalInvitation(
        account_id=account.id,
        email=address,
        full_name=(full_name or "").strip() or None,
        nonce=nonce,
        invited_by_id=ctx.user.id,
        expires_at=ctx.now + timedelta(days=ctx.settings.portal.invitation_days),
    )
    repo.add(ctx.session, invitation)
    audit.record(
        ctx.session,
        ctx.actor,
        "invite",
        "portal_invitation",
        invitation.id,
        after={"account_id": account.id, "email": address, "expires_at": invitation.expires_at},
    )
    link = link_of(ctx.settings, _serializer(ctx.settings).dumps(nonce))
    mailed = mail.send_invitation(ctx.settings, address, account.name, link, invitation.expires_at)
    return Invited(invitation, link, mailed, None)


def invitation_of(
    session: Session, settings: Settings, token: str, now: datetime
) -> PortalInvitation:
    """The open invitation of a link; NotFound when forged, used or expired (never which)."""
    try:
        nonce = _serializer(settings).loads(
            token, max_age=settings.portal.invitation_days * 24 * 3600
        )
    except SignatureExpired:
        raise NotFound(EXPIRED) from None
    except BadSignature:
        raise NotFound(INVALID) from None
    invitation = repo.invitation_by_nonce(session, str(nonce))
    if invitation is None or invitation.used_at is not None:
        raise NotFound(INVALID)
    if invitation.expires_at <= now:
        raise NotFound(EXPIRED)
    return invitation


def join(session: Session, settings: Settings, token: str, password: str, now: datetime) -> User:
    """The invitee sets their password: a customer user who sees the account; the link is used."""
    invitation = invitation_of(session, settings, token, now)
    s = session
    if repo.user_by_email(s, invitation.email) is not None:
        raise Conflict(f"a user {invitation.email} exists already; log in instead")
    actor = audit.Actor(f"customer: {invitation.email}"[:120])
    user, _token = create_user(
        s,
        actor,
        invitation.email,
        Role.customer.value,
        password=password,
        full_name=invitation.full_name or "",
        email=invitation.email,
        with_token=False,
        min_length=settings.password_min_length,
    )
    repo.add(s, CustomerAccount(user_id=user.id, account_id=invitation.account_id))
    invitation.used_at, invitation.user_id = now, user.id
    audit.record(
        s,
        audit.actor_of(user),
        "join",
        "portal_invitation",
        invitation.id,
        after={"user": user.username, "account_id": invitation.account_id},
    )
    return user


def revoke(ctx: Context, account_id: int, user_id: int) -> None:
    """End a customer user's access to one account (their other accounts stay)."""
    account = get_account(ctx.session, ctx.user, account_id)
    _may_invite(ctx, account)
    access = repo.access_of(ctx.session, user_id, account.id)
    if access is None:
        raise NotFound(f"user {user_id} has no portal access to account {account_id}")
    repo.remove(ctx.session, access)
    audit.record(
        ctx.session, ctx.actor, "revoke_portal", "account", account.id, before={"user_id": user_id}
    )


def users(ctx: Context, account_id: int | None = None) -> list[tuple[User, Account]]:
    """Customer users and their accounts, of the accounts the user may see."""
    if account_id is not None:
        get_account(ctx.session, ctx.user, account_id)
    return list(repo.portal_users(ctx.session, ctx.user, account_id))


def open_invitations(ctx: Context, account_id: int) -> list[PortalInvitation]:
    """An account's invitations not used yet and not expired."""
    get_account(ctx.session, ctx.user, account_id)
    return [
        i
        for i in repo.invitations(ctx.session, account_id)
        if i.used_at is None and i.expires_at > ctx.now
    ]
