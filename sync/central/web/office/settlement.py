"""Office pages: partner stores' settlements in money, and donors' certificates."""

from __future__ import annotations

import io
import re
from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for

from sync.central import localtime
from sync.central.documents import certificate_pdf, settlement_pdf, settlement_xlsx
from sync.central.queries import donations
from sync.central.queries import reports as report_queries
from sync.central.queries.settlement import settled_stores, settlement
from sync.central.services.errors import RegistryError
from sync.central.services.settlement import set_settlement
from sync.central.states import Role, SettlementPeriod
from sync.central.web.export import file_response
from sync.central.web.input import record_id
from sync.central.web.office.base import _, actor, bp, central, refusal, signed_in, zone

MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")
PDF = "application/pdf"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def first_month(text: str | None, today: date) -> date | None:
    """Read YYYY-MM as the first day of that month (the last month by default); None if bad."""
    if not text:
        return (today.replace(day=1) - date.resolution).replace(day=1)
    found = MONTH.fullmatch(text.strip())
    if not found or not 1 <= int(found[2]) <= 12:
        return None
    year = int(found[1])
    if not report_queries.FIRST_YEAR <= year <= report_queries.LAST_YEAR:
        return None
    return date(year, int(found[2]), 1)


def settlement_file(figures: dict, fmt: str) -> tuple[bytes, str, str]:
    """Return a settlement as (bytes, file name, type) in PDF or XLSX."""
    out = io.BytesIO()
    name = f"结算单-{figures['store']}-{figures['label']}.{fmt}"
    if fmt == "pdf":
        settlement_pdf(figures, out, localtime.today(zone()))
        return out.getvalue(), name, PDF
    settlement_xlsx(figures, out)
    return out.getvalue(), name, XLSX


@bp.get("/reports/settlement")
@bp.get("/reports/settlement.<fmt>")
@signed_in(whole_programme=True)
def report_settlement(fmt: str = "html"):
    """A partner store's settlement for a period: points, goods, the amount due; PDF or XLSX."""
    if fmt not in ("html", "pdf", "xlsx"):
        abort(404)
    stores = settled_stores(central())
    store_id = request.args.get("store", type=record_id) or (stores[0]["id"] if stores else None)
    month_text = request.args.get("month", "")[:7]
    first = first_month(month_text, localtime.today(zone()))
    figures = None
    if first is None:
        flash(_("Choose a month such as 2026-11."), "error")
    elif store_id is not None:
        try:
            figures = settlement(central(), store_id, first)
        except LookupError:
            abort(404)
    if fmt != "html":
        if figures is None:
            abort(404)
        return file_response(*settlement_file(figures, fmt))
    return render_template(
        "office/settlement.html",
        stores=stores,
        store_id=store_id,
        month=first.strftime("%Y-%m") if first else month_text,
        s=figures,
        periods=list(SettlementPeriod),
    )


@bp.post("/stores/<int:store_id>/settlement")
@signed_in(Role.ADMIN, whole_programme=True)
def store_settlement(store_id: int):
    """Set a partner store's rate (yuan per point) and settlement period."""
    found = {st["id"]: st for st in settled_stores(central())}.get(store_id)
    if found is None:
        abort(404)
    try:
        set_settlement(
            central(),
            found["name"],
            request.form.get("rate", ""),
            request.form.get("period", ""),
            actor(),
        )
    except RegistryError as exc:
        flash(_("Not saved: {reason}", reason=refusal(exc)), "error")
    else:
        flash(_("Saved."), "ok")
    return redirect(
        url_for("office.report_settlement", store=store_id, month=request.form.get("month", "")[:7])
    )


@bp.get("/reports/donors/certificate.pdf")
@signed_in(whole_programme=True)
def donor_certificate():
    """A donor's certificate (捐赠证明) for the dates between from and to, as PDF."""
    donor = request.args.get("donor", "")[:80]
    try:
        start, end = report_queries.period(
            request.args.get("from") or None, request.args.get("to") or None, zone()
        )
    except ValueError:
        abort(
            400,
            description=_(
                "Choose dates between {first} and {last}, the end on or after the start.",
                first=report_queries.FIRST_YEAR,
                last=report_queries.LAST_YEAR,
            ),
        )
    figures = donations.donation(central(), donor, start, end)
    if not figures["goods"] and not figures["goods_handed_out"]:
        abort(404)
    figures["from"] = start.date().isoformat()
    figures["to"] = (end.date() - date.resolution).isoformat()
    out = io.BytesIO()
    certificate_pdf(figures, out, localtime.today(zone()))
    name = f"捐赠证明-{donor}-{figures['from']}-{figures['to']}.pdf"
    return file_response(out.getvalue(), name, PDF)
