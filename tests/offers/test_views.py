"""The quote pages: a new quote, the line editor with live totals, the steps each role may take,
revisions with their diff, and the customer's signed link (no login)."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal as D

from sqlalchemy.orm import Session

from servitize.offers import repository as offers_repo
from servitize.offers.models import Contract, Quote
from servitize.trust.service import issue_token
from tests import builders as b
from tests.offers.catalogue import catalogue, pumps

BUNDLE = "Pumping as a service"


def _auth(session: Session, user, htmx: bool = True) -> dict[str, str]:  # type: ignore[no-untyped-def]
    headers = {"Authorization": f"Bearer {issue_token(session, user)}"}
    return headers | ({"HX-Request": "true", "HX-Target": "quote-work"} if htmx else {})


def _total(html: str, name: str) -> str:
    found = re.search(rf'data-total="{name}">([^<]+)<', html)
    assert found, f"no total {name}"
    return found.group(1).replace("\u00a0", " ")


def _world(session: Session):  # type: ignore[no-untyped-def]
    owner = b.user(session, role="account_owner", full_name="Olga Owner")
    manager = b.user(session, role="sales_manager")
    account = b.account(session, name="Nordic Paper", owner_id=owner.id)
    machines = pumps(session, account)
    return owner, manager, account, machines, catalogue(session)


def _new_quote(app_client, session, owner, account, **extra) -> int:  # type: ignore[no-untyped-def]
    form = {"account_id": account.id, "title": "Pumps as a service", "term_months": "24"}
    r = app_client.post(
        "/quotes",
        data=form | extra,
        headers=_auth(session, owner, htmx=False),
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    return int(r.headers["location"].rsplit("/", 1)[1])


def _add(app_client, session, user, qid: int, offering, **extra) -> str:  # type: ignore[no-untyped-def]
    r = app_client.post(
        f"/quotes/{qid}/lines",
        data={"offering": offering.external_id, "bundle": BUNDLE, "bundle_discount_pct": "15"}
        | extra,
        headers=_auth(session, user),
    )
    assert r.status_code == 200, r.text
    return r.text


def test_the_line_editor_shows_totals_per_revenue_stream_after_each_change(
    session: Session, app_client
) -> None:  # type: ignore[no-untyped-def]
    owner, _manager, account, machines, cat = _world(session)
    qid = _new_quote(
        app_client, session, owner, account, clause_kind="linear", clause_target_pct="97",
        clause_pct_per_point="2", clause_floor_pct="90", clause_cap_pct="20", payment_days="30",
    )  # fmt: skip
    html = _add(app_client, session, owner, qid, cat.machine)
    # the machine alone: 10,000.00 less 15 % = 8,500.00 once
    assert _total(html, "one_time") == "8,500.00 EUR"
    assert _total(html, "contract_value") == "8,500.00 EUR"
    html = _add(app_client, session, owner, qid, cat.agreement, asset_ids=[str(machines[0].id)])
    # + 2,400.00 a year = 200.00 a month, less 15 % = 170.00 a month; 24 months: 4,080.00
    assert _total(html, "monthly_recurring") == "170.00 EUR"
    assert _total(html, "yearly_recurring") == "2,040.00 EUR"
    assert _total(html, "contract_value") == "12,580.00 EUR"
    html = _add(app_client, session, owner, qid, cat.monitoring)
    # + 90.00 a month less 15 % = 76.50; monthly 246.50, yearly 2,958.00; 24 months: 14,416.00
    assert (_total(html, "one_time"), _total(html, "monthly_recurring")) == (
        "8,500.00 EUR",
        "246.50 EUR",
    )
    assert _total(html, "yearly_recurring") == "2,958.00 EUR"
    assert _total(html, "usage_estimate_monthly") == "0.00 EUR"
    assert _total(html, "contract_value") == _total(html, "contract_value_company")
    assert _total(html, "contract_value") == "14,416.00 EUR"
    assert "line added" in html and "Subscriptions" in html and "One-time" in html
    # the clause in words: the customer reads it on the page too
    assert 'data-testid="clause"' in html and "97" in html

    line_id = offers_repo.lines_of(session, qid)[-1].id  # the monitoring line
    r = app_client.post(f"/quotes/{qid}/lines/{line_id}/remove", headers=_auth(session, owner))
    assert r.status_code == 200 and "line removed" in r.text
    assert _total(r.text, "contract_value") == "12,580.00 EUR"
    api = app_client.get(f"/api/v1/quotes/{qid}", headers=_auth(session, owner, False)).json()
    assert api["totals"]["contract_value"] == "12580.00"


def test_bad_lines_show_their_reason_in_the_form_never_a_500(session: Session, app_client) -> None:  # type: ignore[no-untyped-def]
    owner, _m, account, _machines, cat = _world(session)
    qid = _new_quote(app_client, session, owner, account)
    for data, reason in (
        ({"offering": "NOPE"}, "offering: no catalogue item"),
        ({"offering": cat.machine.external_id, "quantity": "-1"}, "quantity"),
        ({"offering": cat.machine.external_id, "quantity": "lots"}, "quantity: not an amount"),
        ({"offering": cat.machine.external_id, "discount_pct": "80"}, "discount_pct"),
    ):
        r = app_client.post(f"/quotes/{qid}/lines", data=data, headers=_auth(session, owner))
        assert r.status_code == 200 and reason in r.text, (data, r.text[:300])
        assert 'data-testid="message"' in r.text
        plain = app_client.post(
            f"/quotes/{qid}/lines", data=data, headers=_auth(session, owner, htmx=False)
        )
        assert plain.status_code == 422 and reason in plain.text
    assert (
        app_client.get(f"/api/v1/quotes/{qid}", headers=_auth(session, owner, False)).json()[
            "lines"
        ]
        == []
    )
    r = app_client.post(f"/quotes/{qid}/submit", headers=_auth(session, owner))
    assert r.status_code == 200 and "has no lines" in r.text
    bad = app_client.post(
        "/quotes",
        data={"account_id": account.id, "title": "X", "term_months": "soon"},
        headers=_auth(session, owner, htmx=False),
    )
    assert bad.status_code == 422 and "term_months" in bad.text
    bad = app_client.post(
        "/quotes",
        data={"account_id": account.id, "title": "X", "clause_kind": "linear"},
        headers=_auth(session, owner, htmx=False),
    )
    assert bad.status_code == 422 and "target_pct" in bad.text


def test_submit_approve_with_override_send_and_the_customer_accepts_through_the_link(
    session: Session, app_client
) -> None:  # type: ignore[no-untyped-def]
    owner, manager, account, machines, cat = _world(session)
    qid = _new_quote(
        app_client, session, owner, account, clause_kind="linear", clause_target_pct="98.5",
        clause_pct_per_point="2", clause_cap_pct="10", notes="Internal: they pay late",
    )  # fmt: skip
    _add(app_client, session, owner, qid, cat.machine)
    _add(app_client, session, owner, qid, cat.agreement, asset_ids=[str(m.id) for m in machines])
    page = app_client.get(f"/quotes/{qid}", headers=_auth(session, owner, False)).text
    assert f'action="/quotes/{qid}/approve"' not in page  # the owner never approves
    r = app_client.post(f"/quotes/{qid}/submit", headers=_auth(session, owner))
    assert "waiting for a manager" in r.text
    assert "term outside" in r.text and "discount" in r.text  # the reasons, listed

    mgr = _auth(session, manager)
    page = app_client.get(f"/quotes/{qid}", headers=_auth(session, manager, False)).text
    assert f'action="/quotes/{qid}/approve"' in page and 'name="reason"' in page
    r = app_client.post(f"/quotes/{qid}/approve", data={"reason": ""}, headers=mgr)
    assert r.status_code == 200 and "override reason" in r.text
    r = app_client.post(
        f"/quotes/{qid}/approve",
        data={"reason": "Strategic customer, spare pump on site"},
        headers=mgr,
    )
    assert "approved" in r.text and "Strategic customer" in r.text

    r = app_client.post(f"/quotes/{qid}/send", headers=_auth(session, owner))
    link = re.search(r'data-testid="accept-link">[^<]*(/q/[^<]+)<', r.text)
    assert link, r.text[:500]
    url = link.group(1)
    again = app_client.get(f"/quotes/{qid}", headers=_auth(session, owner, False)).text
    assert url not in again  # shown once

    customer = app_client.get(url)  # no login
    assert customer.status_code == 200
    text = customer.text
    assert "Nordic Paper" in text and "Your service partner" in text
    assert "I accept on behalf of Nordic Paper" in text
    assert "they pay late" not in text and "term outside" not in text
    assert "Strategic customer" not in text
    token = re.search(r'name="csrf_token" value="([^"]+)"', text)
    assert token
    forged = app_client.post(url, data={"name": "Eva Buyer", "csrf_token": "forged"})
    assert forged.status_code == 403
    short = app_client.post(url, data={"name": "E", "csrf_token": token.group(1)})
    assert short.status_code == 422 and "name" in short.text
    done = app_client.post(url, data={"name": "Eva Buyer", "csrf_token": token.group(1)})
    assert (
        done.status_code == 200 and "Accepted on behalf of Nordic Paper by Eva Buyer" in done.text
    )
    contracts = session.query(Contract).filter(Contract.account_id == account.id).all()
    assert [c.kind.value for c in contracts] == ["service_agreement"]
    for m in machines:
        session.refresh(m)
        assert m.coverage == "full_service"
    gone = app_client.get(url)
    assert gone.status_code == 404 and "not valid any more" in gone.text
    assert app_client.get("/q/" + "x" * 40).status_code == 404


def test_revise_lists_the_diff_and_supersedes_the_link(session: Session, app_client) -> None:  # type: ignore[no-untyped-def]
    owner, _m, account, _machines, cat = _world(session)
    qid = _new_quote(app_client, session, owner, account)
    _add(app_client, session, owner, qid, cat.monitoring, bundle="", bundle_discount_pct="0")
    app_client.post(f"/quotes/{qid}/submit", headers=_auth(session, owner))
    sent = app_client.post(f"/quotes/{qid}/send", headers=_auth(session, owner)).text
    url = re.search(r'data-testid="accept-link">[^<]*(/q/[^<]+)<', sent).group(1)  # type: ignore[union-attr]
    r = app_client.post(f"/quotes/{qid}/revise", headers=_auth(session, owner))
    new_id = int(r.headers["HX-Redirect"].rsplit("/", 1)[1])
    assert new_id != qid
    old_line = offers_repo.lines_of(session, new_id)[0].id
    app_client.post(f"/quotes/{new_id}/lines/{old_line}/remove", headers=_auth(session, owner))
    _add(app_client, session, owner, new_id, cat.machine, bundle="", bundle_discount_pct="0")
    page = app_client.get(f"/quotes/{new_id}", headers=_auth(session, owner, False)).text
    revisions = page.split('data-testid="revisions"', 1)[1]
    assert "revision 2" in revisions and "revision 1" in revisions and "superseded" in revisions
    # the differences to revision 1, in words and as a table: 90.00 a month over 24 months
    # (12 months minimum) = 2,160.00 became the machine's 10,000.00 once
    words = re.search(r'data-testid="diff-words">([^<]+)<', page).group(1)  # type: ignore[union-attr]
    assert words == (
        "Against revision 1: removed Condition monitoring; added Pump PX-200; "
        "one-time total 0.00 EUR → 10,000.00 EUR; monthly recurring 90.00 EUR → 0.00 EUR; "
        "yearly recurring 1,080.00 EUR → 0.00 EUR; "
        "contract value 2,160.00 EUR → 10,000.00 EUR."
    )
    table = page.split('data-testid="diff"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r'<tr data-change="(\w+)">.*?<td>([^<]+)</td>\s*<td>([^<]+)</td>\s*'
                      r'<td>([^<]+)</td>', table, re.S)  # fmt: skip
    monitoring = "90 EUR / month, 24 months, 3 months&#39; notice"  # the lead's words, + notice
    assert rows[0] == ("removed", "Condition monitoring", monitoring, "—")
    assert rows[1] == ("added", "Pump PX-200", "—", "10,000.00 EUR once")
    assert rows[-1] == ("changed", "contract value", "2,160.00 EUR", "10,000.00 EUR")
    api = app_client.get(
        f"/api/v1/quotes/{qid}/diff/{new_id}", headers=_auth(session, owner, False)
    ).json()
    assert api[-1] == {
        "what": "changed",
        "part": "total",
        "line": "contract value",
        "before": "2,160.00 EUR",
        "after": "10,000.00 EUR",
        "detail": "2,160.00 EUR → 10,000.00 EUR",
    }
    gone = app_client.get(url)
    assert gone.status_code == 404 and "revised" in gone.text


def test_an_expired_link_answers_a_clear_page(session: Session, app_client) -> None:  # type: ignore[no-untyped-def]
    owner, _m, account, _machines, cat = _world(session)
    qid = _new_quote(app_client, session, owner, account)
    _add(app_client, session, owner, qid, cat.machine, bundle="", bundle_discount_pct="0")
    app_client.post(f"/quotes/{qid}/submit", headers=_auth(session, owner))
    sent = app_client.post(f"/quotes/{qid}/send", headers=_auth(session, owner)).text
    url = re.search(r'data-testid="accept-link">[^<]*(/q/[^<]+)<', sent).group(1)  # type: ignore[union-attr]
    session.get(Quote, qid).valid_until = date.today() - timedelta(days=1)  # type: ignore[union-attr]
    session.flush()
    r = app_client.get(url)
    assert r.status_code == 410 and "expired on" in r.text


def test_the_list_filters_by_status_and_the_analyst_sees_no_step(
    session: Session, app_client
) -> None:  # type: ignore[no-untyped-def]
    owner, _m, account, _machines, cat = _world(session)
    analyst = b.user(session, role="analyst")
    draft = _new_quote(app_client, session, owner, account, title="Draft one")
    done = _new_quote(app_client, session, owner, account, title="Submitted one")
    _add(app_client, session, owner, done, cat.machine, bundle="", bundle_discount_pct="0")
    app_client.post(f"/quotes/{done}/submit", headers=_auth(session, owner))
    listing = app_client.get("/quotes?status=draft", headers=_auth(session, owner, False)).text
    assert "Draft one" in listing and "Submitted one" not in listing
    listing = app_client.get("/quotes", headers=_auth(session, owner, False)).text
    assert "Draft one" in listing and "Submitted one" in listing
    page = app_client.get(f"/quotes/{draft}", headers=_auth(session, analyst, False)).text
    refused = app_client.get(
        f"/quotes/new?account_id={account.id}", headers=_auth(session, analyst, False)
    )
    assert refused.status_code == 403
    assert "Add line" not in page and "/submit" not in page and "/revise" not in page
    nav = app_client.get("/quotes", headers=_auth(session, owner, False)).text
    assert 'href="/quotes" aria-current="page"' in nav
    form = app_client.get(
        f"/quotes/new?account_id={account.id}", headers=_auth(session, owner, False)
    )
    assert form.status_code == 200 and "Create quote" in form.text


def test_a_quote_from_an_opportunity_wins_it_with_the_contract_value(
    session: Session, app_client
) -> None:  # type: ignore[no-untyped-def]
    from servitize.sales.models import Opportunity

    owner, _m, account, _machines, cat = _world(session)
    opp = Opportunity(
        account_id=account.id, title="Pumps for PM3", phase=3, status="open", owner_id=owner.id
    )
    session.add(opp)
    session.flush()
    opp_page = app_client.get(f"/opportunities/{opp.id}", headers=_auth(session, owner, False))
    assert f'href="/quotes/new?opportunity_id={opp.id}"' in opp_page.text
    form = app_client.get(
        f"/quotes/new?opportunity_id={opp.id}", headers=_auth(session, owner, False)
    )
    assert form.status_code == 200 and "Pumps for PM3" in form.text
    assert f'name="opportunity_id" value="{opp.id}"' in form.text
    qid = _new_quote(app_client, session, owner, account, opportunity_id=str(opp.id))
    _add(app_client, session, owner, qid, cat.machine, bundle="", bundle_discount_pct="0")
    app_client.post(f"/quotes/{qid}/submit", headers=_auth(session, owner))
    r = app_client.post(
        f"/quotes/{qid}/accept", data={"name": "Eva Buyer"}, headers=_auth(session, owner)
    )
    assert r.status_code == 200 and "accepted by Eva Buyer" in r.text
    other = _new_quote(app_client, session, owner, account, title="Not for PM3")
    listing = app_client.get(
        f"/quotes?opportunity_id={opp.id}", headers=_auth(session, owner, False)
    ).text
    assert f'data-quote="{qid}"' in listing and f'data-quote="{other}"' not in listing
    session.refresh(opp)
    # won with the quote's contract value: the machine, 10,000.00 once
    assert (opp.status, opp.contract_value_cents) == ("won", 10_000_00)
    again = app_client.post(
        f"/quotes/{qid}/accept", data={"name": "Eva Buyer"}, headers=_auth(session, owner)
    )
    assert again.status_code == 200 and "this one is accepted" in again.text  # never twice


def _formula_item(session: Session):  # type: ignore[no-untyped-def]
    from servitize.offers.models import OfferingPrice

    item = b.offering(
        session,
        name="Fleet monitoring",
        shell="digital_service",
        revenue_model="subscription",
        list_price_cents=300_00,
    )
    formula = {
        "base_by_size_cents": {"S": 15_000, "M": 25_000},
        "hourly_cents": "12",
        "volume_steps": {"5": "5", "10": "10"},
        "term_steps": {"24": "4"},
        "region_factors": {"NO": "1.15"},
        "budget_spread_pct": "15",
    }
    session.add(
        OfferingPrice(
            offering_id=item.id,
            model="subscription",
            terms={"period": "month", "minimum_term_months": 12, "formula": formula},
        )
    )
    session.flush()
    return item


def test_a_budget_price_appears_at_once_and_the_fixed_offer_is_computed(
    session: Session, app_client
) -> None:  # type: ignore[no-untyped-def]
    owner, _m, account, _machines, _cat = _world(session)
    item = _formula_item(session)
    qid = _new_quote(app_client, session, owner, account, kind="budget")
    page = app_client.get(f"/quotes/{qid}", headers=_auth(session, owner, False)).text
    assert 'data-testid="formula"' in page and "Fleet monitoring" in page
    params = {
        "offering": item.external_id,
        "machines": "12",
        "size_class": "M",
        "operating_hours_per_year": "6000",
        "region": "NO",
        "term_months": "24",
    }
    r = app_client.post(f"/quotes/{qid}/formula", data=params, headers=_auth(session, owner))
    assert r.status_code == 200
    # 250.00 + 0.12 × 6,000 / 12 = 310.00; × 12 = 3,720.00; − 10 % = 3,348.00; × 1.15 =
    # 3,850.20; − 4 % (24 months) = 3,696.19; ± 15 %: 3,142 – 4,251
    assert "budget 3,142 – 4,251 EUR / month (± 15 %, indicative)" in r.text
    assert "= 3,696.19 EUR / month" in r.text
    assert offers_repo.lines_of(session, qid) == []  # the budget price writes nothing
    bad = app_client.post(
        f"/quotes/{qid}/formula", data=params | {"machines": "0"}, headers=_auth(session, owner)
    )
    assert bad.status_code == 200 and "machines" in bad.text and "formula-error" in bad.text
    bad = app_client.post(
        f"/quotes/{qid}/formula", data=params | {"size_class": "XL"}, headers=_auth(session, owner)
    )
    assert "unknown size class" in bad.text

    html = app_client.post(
        f"/quotes/{qid}/formula/lines", data=params, headers=_auth(session, owner)
    ).text
    assert "line added at the formula" in html
    assert _total(html, "monthly_recurring") == "3,696.19 EUR"
    # 24 months × 3,696.19 = 88,708.56; the budget offer's range ± 15 %: 75,402 – 102,015
    assert _total(html, "contract_value") == "88,708.56 EUR"
    assert "75,402 – 102,015 EUR" in html and "± 15 %" in html
    assert 'data-testid="formula-evidence"' in html and "12 machines, size M" in html
    bad = app_client.post(
        f"/quotes/{qid}/formula/lines",
        data=params | {"machines": "x"},
        headers=_auth(session, owner),
    )
    assert bad.status_code in (200, 422) and "machines" in bad.text

    pdf = app_client.get(f"/quotes/{qid}.pdf", headers=_auth(session, owner, False))
    text = _pdf_text(pdf.content)
    assert "3,696.19 EUR / month, 24 months" in text  # the lead's and the sheet's words
    assert "priced for 12 machines, size M" in text  # the line wraps after it
    assert "75,402 - 102,015 EUR" in text  # the budget's range (the dash spelled for Latin-1)
    r = app_client.post(
        f"/quotes/{qid}/revise", data={"kind": "fixed"}, headers=_auth(session, owner)
    )
    fixed_id = int(r.headers["HX-Redirect"].rsplit("/", 1)[1])
    page = app_client.get(f"/quotes/{fixed_id}", headers=_auth(session, owner, False)).text
    assert "fixed offer" in page and 'data-testid="budget-range"' not in page
    words = re.search(r'data-testid="diff-words">([^<]+)<', page).group(1)  # type: ignore[union-attr]
    assert words == "Against revision 1: offer budget offer → fixed offer."


def _pdf_text(data: bytes) -> str:
    from tests.offers.test_pdf import _text

    return _text(data)


def test_cents_are_written_as_the_document_writes_them() -> None:
    from servitize.offers.views import _cents

    # 1,234,567.89 EUR; 0.05; a credit of 1,234.56
    assert _cents(123_456_789, "EUR") == "1,234,567.89 EUR"
    assert _cents(5, "EUR") == "0.05 EUR"
    assert _cents(-123_456, "EUR") == "-1,234.56 EUR"


def test_the_api_prices_by_formula_and_adds_the_fixed_line(session: Session, app_client) -> None:  # type: ignore[no-untyped-def]
    owner, _m, account, _machines, _cat = _world(session)
    item = _formula_item(session)
    qid = _new_quote(app_client, session, owner, account, kind="budget")
    token = {"Authorization": f"Bearer {issue_token(session, owner)}"}
    params = {
        "offering": item.external_id,
        "machines": 12,
        "size_class": "M",
        "operating_hours_per_year": "6000",
        "region": "NO",
        "term_months": 24,
    }
    r = app_client.post(f"/api/v1/quotes/{qid}/formula", json=params, headers=token)
    assert r.status_code == 200, r.text
    got = r.json()
    # the same steps as the page: 3,696.19 a month; ± 15 %: 3,141.76 → 3,142 and
    # 4,250.62 → 4,251 (a budget shows whole currency units)
    assert D(got["fixed_monthly"]) == D("3696.19")
    assert (D(got["budget_low"]), D(got["budget_high"])) == (D("3142"), D("4251"))
    assert offers_repo.lines_of(session, qid) == []  # asking writes nothing
    bad = app_client.post(
        f"/api/v1/quotes/{qid}/formula", json=params | {"machines": 0}, headers=token
    )
    assert bad.status_code == 422 and "machines" in bad.text
    added = app_client.post(f"/api/v1/quotes/{qid}/formula/lines", json=params, headers=token)
    assert added.status_code == 201, added.text
    (line,) = offers_repo.lines_of(session, qid)
    assert line.unit_price_cents == 3_696_19 and line.formula is not None
