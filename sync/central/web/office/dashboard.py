"""Office page: the programme's figures, per store and per month, with charts."""

from __future__ import annotations

from flask import render_template

from sync.central.queries import reports, stats
from sync.central.web.office import charts
from sync.central.web.office.base import _, bp, scope, signed_in
from sync.central.web.reads import reader


@bp.get("/")
@signed_in()
def dashboard():
    """Show the programme's figures, per store and per month, with charts."""
    c = reader()
    figures = stats.stats(c, scope())
    months = reports.monthly(c, scope=scope())[-12:]
    donors = reports.donors(c, scope())[:10]
    labels = [m["month"] for m in months]  # 2026-12: a two-digit year read as a day
    chart_points = charts.bars(
        labels, [m["points_redeemed"] for m in months], title=_("Points redeemed per month")
    )
    chart_issued = charts.bars(
        labels,
        [m["points_issued"] for m in months],
        colour="#0d47a1",
        title=_("Points issued per month"),
    )
    chart_donors = charts.hbars(
        [d["donor"] for d in donors],
        [int(d["value_yuan"]) for d in donors],
        colour="#6a1b9a",
        title=_("Donated value by donor (yuan)"),
    )
    return render_template(
        "office/dashboard.html",
        figures=figures,
        months=months,
        donors=donors,
        chart_points=chart_points,
        chart_issued=chart_issued,
        chart_donors=chart_donors,
    )
