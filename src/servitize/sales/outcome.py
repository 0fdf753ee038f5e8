"""Win/loss analysis, reference cases, and satisfaction and loyalty surveys by signed link."""

from __future__ import annotations

from datetime import datetime
from statistics import mean

from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from servitize.core.db import utcnow
from servitize.core.errors import Conflict, InvalidInput, NotFound
from servitize.core.settings import Settings
from servitize.installed_base import repository as installed_base
from servitize.installed_base.access import get_account, require
from servitize.kit.money import to_cents
from servitize.sales import repository as repo
from servitize.sales import rules
from servitize.sales.models import Opportunity, Outcome, Survey
from servitize.sales.process import Policy, policy, template
from servitize.sales.schemas import AccountSurveys, OutcomeIn, OutcomeRead, SurveyAnswer
from servitize.sales.service import facts, for_edit
from servitize.trust import audit
from servitize.trust.audit import actor_of
from servitize.trust.editing import check_version
from servitize.trust.models import User

SURVEY_SALT = "servitize-survey"
SURVEY_MAX_AGE_S = 90 * 24 * 3600
CUSTOMER = audit.Actor("customer (survey link)")


def outcome_read(o: Outcome, opp: Opportunity | None = None, account_name: str = "") -> OutcomeRead:
    """A win/loss analysis with its opportunity's title."""
    extra = {"title": opp.title if opp else "", "account_name": account_name}
    return OutcomeRead.model_validate(o).model_copy(update=extra)


def record_outcome(
    session: Session,
    user: User,
    opportunity_id: int,
    data: OutcomeIn,
    now: datetime | None = None,
    pol: Policy | None = None,
) -> Outcome:
    """Close the opportunity (won needs a contract value and the gates) and keep the analysis."""
    now, pol = now or utcnow(), pol or policy()
    opp = repo.get(session, user, opportunity_id)
    require(user, "opportunity.outcome")
    opp = for_edit(session, user, opportunity_id, None)  # one outcome at a time (409 otherwise)
    current = repo.outcome_of(session, opp.id)
    check_version(
        data.version, current.version if current else 0, f"the outcome of opportunity {opp.id}"
    )
    known = set(pol.loss_reasons) | set(pol.win_reasons)
    unknown = sorted(set(data.reasons) - known)
    if unknown:
        raise InvalidInput(
            f"unknown reasons: {', '.join(unknown)}; known: {', '.join(sorted(known))}"
        )
    before = {"status": opp.status, "contract_value_cents": opp.contract_value_cents}
    if opp.status == "open":
        if data.result == "won":
            if data.contract_value is not None:
                opp.contract_value_cents = to_cents(data.contract_value)
            blockers = rules.win_blockers(facts(session, opp), template(opp.offering_type), pol)
            if blockers:
                raise Conflict("cannot mark won: " + "; ".join(blockers))
        opp.status, opp.closed_at = data.result, now
    elif opp.status != data.result:
        raise Conflict(f"the opportunity is already closed as {opp.status.replace('_', ' ')}")
    row = current or Outcome(opportunity_id=opp.id)
    row.result, row.reasons, row.competitor, row.lessons = (
        data.result,
        data.reasons,
        data.competitor,
        data.lessons,
    )
    row.reference_case = data.reference_case and data.result == "won"
    row.reference_summary, row.recorded_by = data.reference_summary, user.username
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor_of(user),
        "outcome",
        "opportunity",
        opp.id,
        before,
        {
            "status": opp.status,
            "contract_value_cents": opp.contract_value_cents,
            "reasons": data.reasons,
        },
        note=(data.lessons or "")[:500] or None,
    )
    return row


def search_outcomes(
    session: Session,
    user: User,
    *,
    q: str | None = None,
    reason: str | None = None,
    result: str | None = None,
    references_only: bool = False,
    limit: int = 100,
) -> list[OutcomeRead]:
    """Win/loss analyses the user may see, by words in lessons, competitor or title, and reason."""
    found = repo.outcomes_found(
        session,
        user,
        q=q,
        result=result,
        references_only=references_only,
        limit=limit * 5 if reason else limit,
    )
    found = [(o, opp) for o, opp in found if not reason or reason in (o.reasons or [])][:limit]
    names = installed_base.account_names(session, {opp.account_id for _o, opp in found})
    return [outcome_read(o, opp, names.get(opp.account_id, "")) for o, opp in found]


def _serializer(settings: Settings) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings.secret_key, salt=SURVEY_SALT)


def survey_link(settings: Settings, survey_id: int) -> str:
    """The signed answer link of a survey (what the customer opens; the portal lists it)."""
    return f"/survey/{_serializer(settings).dumps(survey_id)}"


def send_survey(
    session: Session,
    user: User,
    opportunity_id: int,
    settings: Settings,
    now: datetime | None = None,
) -> tuple[Survey, str]:
    """Create a satisfaction and loyalty survey after delivery; returns it and its signed token."""
    opp = repo.get(session, user, opportunity_id)
    require(user, "opportunity.survey")
    if opp.status != "won" or opp.phase < 4:
        raise Conflict("surveys go to customers of won opportunities after delivery (phase 4 or 5)")
    row = Survey(opportunity_id=opp.id, account_id=opp.account_id, sent_at=now or utcnow())
    session.add(row)
    session.flush()
    audit.record(
        session, actor_of(user), "send_survey", "opportunity", opp.id, after={"survey_id": row.id}
    )
    return row, _serializer(settings).dumps(row.id)


def survey_by_token(session: Session, settings: Settings, token: str) -> Survey:
    """The survey of a signed link; NotFound when the link is forged or expired."""
    try:
        survey_id = _serializer(settings).loads(token, max_age=SURVEY_MAX_AGE_S)
    except BadSignature:
        raise NotFound("this survey link is not valid or has expired") from None
    row = repo.survey(session, survey_id) if isinstance(survey_id, int) else None
    if row is None:
        raise NotFound("this survey link is not valid or has expired")
    return row


def answer_survey(
    session: Session,
    settings: Settings,
    token: str,
    satisfaction: int,
    recommend: int,
    comment: str | None = None,
    now: datetime | None = None,
) -> Survey:
    """Store the customer's answer (once): satisfaction 1..5, likelihood to recommend 0..10."""
    row = survey_by_token(session, settings, token)
    if row.answered_at is not None:
        raise Conflict("this survey has been answered already; thank you")
    if not 1 <= satisfaction <= 5 or not 0 <= recommend <= 10:
        raise InvalidInput("satisfaction is 1 to 5 and recommendation 0 to 10")
    row.satisfaction, row.recommend = satisfaction, recommend
    row.comment, row.answered_at = (comment or "").strip()[:5000] or None, now or utcnow()
    session.flush()
    audit.record(
        session,
        CUSTOMER,
        "answer_survey",
        "satisfaction_survey",
        row.id,
        after={"satisfaction": satisfaction, "recommend": recommend},
    )
    return row


def account_surveys(session: Session, user: User, account_id: int) -> AccountSurveys:
    """Survey results of an account: answers, average satisfaction and net promoter score."""
    get_account(session, user, account_id)
    rows = repo.surveys_of_account(session, account_id)
    answered = [r for r in rows if r.answered_at is not None]
    nps = None
    if answered:
        promoters = sum(1 for r in answered if (r.recommend or 0) >= 9)
        detractors = sum(1 for r in answered if (r.recommend or 0) <= 6)
        nps = round(100 * (promoters - detractors) / len(answered))
    return AccountSurveys(
        account_id=account_id,
        sent=len(rows),
        answered=len(answered),
        satisfaction=round(mean(r.satisfaction or 0 for r in answered), 2) if answered else None,
        nps=nps,
        answers=[
            SurveyAnswer(
                opportunity_id=r.opportunity_id,
                satisfaction=r.satisfaction,
                recommend=r.recommend,
                comment=r.comment,
                answered_at=r.answered_at,
            )
            for r in answered
        ],
    )
