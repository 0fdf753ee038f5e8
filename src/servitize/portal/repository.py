"""The portal's queries: every list is limited to the accounts the user may see."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

from servitize.contracts.models import AvailabilityContract
from servitize.field.models import SignUpSheet
from servitize.installed_base.access import account_scope, visible_account_ids
from servitize.installed_base.models import Account, Asset, CustomerAccount
from servitize.offers.models import Quote, QuoteStatus
from servitize.portal.models import (
    DisputeStatus,
    DowntimeDispute,
    PortalInvitation,
    QuoteChangeRequest,
    RequestStatus,
    ServiceRequest,
)
from servitize.sales.models import Survey
from servitize.service_work.models import WorkOrder
from servitize.trust.models import User

# The quotes a customer reads: sent to them, or settled; never drafts or internal steps.
CUSTOMER_QUOTES = (QuoteStatus.sent, QuoteStatus.accepted, QuoteStatus.rejected)


def _customer_reads() -> ColumnElement[bool]:
    """Quotes a customer reads: sent ones, and a superseded one they asked to change (so they
    read the answer on it)."""
    asked = select(QuoteChangeRequest.id).where(QuoteChangeRequest.quote_id == Quote.id).exists()
    return or_(
        Quote.status.in_(CUSTOMER_QUOTES), and_(Quote.status == QuoteStatus.superseded, asked)
    )


def accounts(session: Session, user: User) -> list[Account]:
    """The accounts the user may see, by name."""
    return list(session.scalars(select(Account).where(account_scope(user)).order_by(Account.name)))


def machines(session: Session, user: User, account_id: int | None = None) -> list[Asset]:
    """The machines of the user's accounts (of one, when given), by account and serial."""
    query = select(Asset).where(Asset.account_id.in_(visible_account_ids(user)))
    if account_id is not None:
        query = query.where(Asset.account_id == account_id)
    return list(session.scalars(query.order_by(Asset.account_id, Asset.serial, Asset.id)))


def contracts(session: Session, user: User) -> list[AvailabilityContract]:
    """The availability contracts of the user's accounts."""
    return list(
        session.scalars(
            select(AvailabilityContract)
            .where(AvailabilityContract.account_id.in_(visible_account_ids(user)))
            .order_by(AvailabilityContract.external_id)
        )
    )


def quotes(session: Session, user: User) -> list[Quote]:
    """The quotes a customer reads on the user's accounts, newest first."""
    return list(
        session.scalars(
            select(Quote)
            .where(
                Quote.account_id.in_(visible_account_ids(user)),
                _customer_reads(),
            )
            .order_by(Quote.id.desc())
        )
    )


def quote(session: Session, user: User, quote_id: int) -> Quote | None:
    """One quote a customer reads, on the user's accounts."""
    return session.scalar(
        select(Quote).where(
            Quote.id == quote_id,
            Quote.account_id.in_(visible_account_ids(user)),
            _customer_reads(),
        )
    )


def change_requests(session: Session, quote_id: int) -> list[QuoteChangeRequest]:
    """The customer's requests for changes to a quote, oldest first."""
    return list(
        session.scalars(
            select(QuoteChangeRequest)
            .where(QuoteChangeRequest.quote_id == quote_id)
            .order_by(QuoteChangeRequest.id)
        )
    )


def change_requests_of_number(session: Session, number: str) -> list[QuoteChangeRequest]:
    """The requests for changes to every revision of a quote number, oldest first."""
    return list(
        session.scalars(
            select(QuoteChangeRequest)
            .join(Quote, Quote.id == QuoteChangeRequest.quote_id)
            .where(Quote.number == number)
            .order_by(QuoteChangeRequest.id)
        )
    )


def sheets(session: Session, user: User) -> list[SignUpSheet]:
    """The sign-up sheets of the user's accounts, newest first."""
    return list(
        session.scalars(
            select(SignUpSheet)
            .where(SignUpSheet.account_id.in_(visible_account_ids(user)))
            .order_by(SignUpSheet.id.desc())
        )
    )


def sheet(session: Session, user: User, sheet_id: int) -> SignUpSheet | None:
    """One sign-up sheet of the user's accounts."""
    return session.scalar(
        select(SignUpSheet).where(
            SignUpSheet.id == sheet_id, SignUpSheet.account_id.in_(visible_account_ids(user))
        )
    )


def surveys(session: Session, user: User) -> list[Survey]:
    """The satisfaction surveys sent to the user's accounts, newest first."""
    return list(
        session.scalars(
            select(Survey)
            .where(Survey.account_id.in_(visible_account_ids(user)))
            .order_by(Survey.id.desc())
        )
    )


def work_orders_of_refs(session: Session, refs: list[str]) -> Sequence[WorkOrder]:
    """The work orders opened for these request references."""
    if not refs:
        return []
    return session.scalars(select(WorkOrder).where(WorkOrder.request_ref.in_(refs))).all()


def change_request(session: Session, request_id: int) -> QuoteChangeRequest | None:
    """One request for changes (the caller checks the quote is visible), locked to answer."""
    return session.scalar(
        select(QuoteChangeRequest).where(QuoteChangeRequest.id == request_id).with_for_update()
    )


def user_names(session: Session, ids: set[int]) -> dict[int, str]:
    """Users' names (full name, else username) by id."""
    if not ids:
        return {}
    rows = session.execute(select(User.id, User.full_name, User.username).where(User.id.in_(ids)))
    return {i: full or username for i, full, username in rows}


def add(session: Session, row: object) -> None:
    """Store a new row (its id is set)."""
    session.add(row)
    session.flush()


def disputes(
    session: Session,
    user: User,
    status: DisputeStatus | None = None,
    contract_id: int | None = None,
) -> list[DowntimeDispute]:
    """Disputes on the user's accounts (of a status, of a contract), newest first."""
    query = select(DowntimeDispute).where(DowntimeDispute.account_id.in_(visible_account_ids(user)))
    if status is not None:
        query = query.where(DowntimeDispute.status == status)
    if contract_id is not None:
        query = query.where(DowntimeDispute.contract_id == contract_id)
    return list(session.scalars(query.order_by(DowntimeDispute.id.desc())))


def dispute(
    session: Session, user: User, dispute_id: int, for_update: bool = False
) -> DowntimeDispute | None:
    """One dispute on the user's accounts."""
    query = select(DowntimeDispute).where(
        DowntimeDispute.id == dispute_id,
        DowntimeDispute.account_id.in_(visible_account_ids(user)),
    )
    return session.scalar(query.with_for_update() if for_update else query)


def open_dispute_of(session: Session, contract_id: int, serial: str, start: object) -> int | None:
    """The id of an open dispute of the same downtime period, if there is one."""
    return session.scalar(
        select(DowntimeDispute.id).where(
            DowntimeDispute.contract_id == contract_id,
            DowntimeDispute.serial == serial,
            DowntimeDispute.start == start,
            DowntimeDispute.status == DisputeStatus.open,
        )
    )


def service_requests(
    session: Session, user: User, status: RequestStatus | None = None
) -> list[ServiceRequest]:
    """Service requests on the user's accounts, newest first."""
    query = select(ServiceRequest).where(ServiceRequest.account_id.in_(visible_account_ids(user)))
    if status is not None:
        query = query.where(ServiceRequest.status == status)
    return list(session.scalars(query.order_by(ServiceRequest.id.desc())))


def service_request(session: Session, user: User, request_id: int) -> ServiceRequest | None:
    """One service request on the user's accounts."""
    return session.scalar(
        select(ServiceRequest).where(
            ServiceRequest.id == request_id,
            ServiceRequest.account_id.in_(visible_account_ids(user)),
        )
    )


def invitation_by_nonce(session: Session, nonce: str) -> PortalInvitation | None:
    """The invitation a signed link names."""
    return session.scalar(
        select(PortalInvitation).where(PortalInvitation.nonce == nonce).with_for_update()
    )


def invitations(session: Session, account_id: int) -> list[PortalInvitation]:
    """An account's invitations, newest first."""
    return list(
        session.scalars(
            select(PortalInvitation)
            .where(PortalInvitation.account_id == account_id)
            .order_by(PortalInvitation.id.desc())
        )
    )


def portal_users(
    session: Session, user: User, account_id: int | None = None
) -> Sequence[tuple[User, Account]]:
    """Customer users and the accounts they see, of the accounts the user may see."""
    query = (
        select(User, Account)
        .join(CustomerAccount, CustomerAccount.user_id == User.id)
        .join(Account, Account.id == CustomerAccount.account_id)
        .where(account_scope(user))
    )
    if account_id is not None:
        query = query.where(Account.id == account_id)
    return [(u, a) for u, a in session.execute(query.order_by(Account.name, User.username))]


def access_of(session: Session, user_id: int, account_id: int) -> CustomerAccount | None:
    """A customer user's access to one account."""
    return session.scalar(
        select(CustomerAccount).where(
            CustomerAccount.user_id == user_id, CustomerAccount.account_id == account_id
        )
    )


def user_by_email(session: Session, email: str) -> User | None:
    """A user whose username or email is this address."""
    return session.scalar(
        select(User).where((User.username == email) | (User.email == email)).limit(1)
    )


def remove(session: Session, row: object) -> None:
    """Delete a row."""
    session.delete(row)
    session.flush()
