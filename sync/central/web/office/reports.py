"""Office pages: reports on donors, a partner store's statement and the monthly figures,
each also as CSV or XLSX."""

from __future__ import annotations

from flask import flash, render_template, request

from sync.central.queries import donations
from sync.central.queries import reports as report_queries
from sync.central.queries.areas import area_rollup
from sync.central.queries.stores import stores as all_stores
from sync.central.web.export import table_response
from sync.central.web.input import record_id
from sync.central.web.office.base import _, bp, scope, signed_in, zone
from sync.central.web.reads import reader

PERIOD_HELP = "Choose dates between {first} and {last}, the end on or after the start."


def _stores() -> list[dict]:
    return [{"id": st["id"], "name": st["name"]} for st in all_stores(reader(), scope())]


WHOLE_ONLY_PERIOD = (
    "A date range is for users of the whole programme; your area's figures are for all time."
)


@bp.get("/reports/donors")
@bp.get("/reports/donors.<fmt>")
@signed_in()
def report_donors(fmt: str = "html"):
    """Per donor: goods given, goods handed out, households reached; for all time, or for the
    dates between from and to (inclusive)."""
    start = request.args.get("from", "").strip()[:10]
    end = request.args.get("to", "").strip()[:10]
    rows, period = None, None
    if (start or end) and not scope().everything:
        # The dated report reads the whole programme's batches: an area's user gets all time.
        flash(_(WHOLE_ONLY_PERIOD), "info")
        start = end = ""
    if start or end:
        try:
            period = report_queries.period(start or None, end or start or None, zone())
        except ValueError:
            flash(
                _(PERIOD_HELP, first=report_queries.FIRST_YEAR, last=report_queries.LAST_YEAR),
                "error",
            )
        else:
            rows = donations.donors_between(reader(), *period)
    if rows is None:
        rows = report_queries.donors(reader(), scope())
    if fmt in ("csv", "xlsx"):
        header = [
            _("Donor"),
            _("Goods given"),
            _("Value (yuan)"),
            _("Kinds of goods"),
            _("Goods handed out"),
            _("Households reached"),
            _("Villages reached"),
        ]
        name = f"donors-{start}-{end}" if period else "donors"
        return table_response(
            fmt,
            name,
            header,
            [
                [
                    r["donor"],
                    r["goods_given"],
                    r["value_yuan"],
                    r["kinds_of_goods"],
                    r["goods_handed_out"],
                    r["households_reached"],
                    r["villages_reached"],
                ]
                for r in rows
            ],
        )
    return render_template(
        "office/donors.html", rows=rows, start=start, end=end, ranged=period is not None
    )


@bp.get("/reports/statement")
@bp.get("/reports/statement.<fmt>")
@signed_in()
def report_statement(fmt: str = "html"):
    """A partner store's statement for a period."""
    stores = _stores()
    store_id = request.args.get("store", type=record_id) or (stores[0]["id"] if stores else None)
    try:
        start, end = report_queries.period(request.args.get("from"), request.args.get("to"), zone())
        statement = (
            report_queries.store_statement(reader(), store_id, start, end, scope())
            if store_id
            else None
        )
    except ValueError:  # not a date, out of range, or ending before it starts
        flash(
            _(PERIOD_HELP, first=report_queries.FIRST_YEAR, last=report_queries.LAST_YEAR),
            "error",
        )
        statement, start, end = None, None, None
    except LookupError:
        flash(_("No such store."), "error")
        statement, start, end = None, None, None
    if fmt in ("csv", "xlsx") and statement:
        header = [_("Code"), _("Goods"), _("Quantity"), _("Points")]
        rows = [[g["code"], g["name"], g["qty"], g["points"]] for g in statement["goods"]]
        rows.append(
            [
                "",
                _("Total"),
                sum(g["qty"] for g in statement["goods"]),
                statement["points_redeemed"],
            ]
        )
        return table_response(fmt, f"statement-{statement['from']}", header, rows)
    return render_template("office/statement.html", stores=stores, store_id=store_id, s=statement)


@bp.get("/reports/monthly")
@bp.get("/reports/monthly.<fmt>")
@signed_in()
def report_monthly(fmt: str = "html"):
    """The programme's figures per month, overall or for one store."""
    store_id = request.args.get("store", type=record_id)
    rows = report_queries.monthly(reader(), store_id, scope())
    if fmt in ("csv", "xlsx"):
        header = [
            _("Month"),
            _("Points issued"),
            _("Points redeemed"),
            _("Exchanges"),
            _("Goods given out"),
            _("Participations"),
        ]
        return table_response(
            fmt,
            "monthly",
            header,
            [
                [
                    r["month"],
                    r["points_issued"],
                    r["points_redeemed"],
                    r["exchanges"],
                    r["goods_issued"],
                    r["participations"],
                ]
                for r in rows
            ],
        )
    return render_template("office/monthly.html", rows=rows, stores=_stores(), store_id=store_id)


@bp.get("/reports/areas")
@bp.get("/reports/areas.<fmt>")
@signed_in()
def report_areas(fmt: str = "html"):
    """The areas one level below the user's own, side by side, with participation rates."""
    rows = area_rollup(reader(), scope())
    if fmt in ("csv", "xlsx"):
        header = [
            _("Area"),
            _("Households"),
            _("Households taking part"),
            _("Participation rate"),
            _("Points issued"),
            _("Points redeemed"),
            _("Exchanges"),
        ]
        return table_response(
            fmt,
            "areas",
            header,
            [
                [
                    r["path"] or _("In no group"),
                    r["households"],
                    r["participating"],
                    round(r["rate"], 4),
                    r["points_issued"],
                    r["points_redeemed"],
                    r["exchanges"],
                ]
                for r in rows
            ],
        )
    return render_template("office/areas.html", areas=rows)
