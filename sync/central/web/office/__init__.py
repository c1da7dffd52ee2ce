"""The office's pages, one module per area, all on the one `office` blueprint.

Importing the area modules attaches their routes to the blueprint.
"""

from sync.central.web.office import (
    activities,
    board,
    claims,
    dashboard,
    households,
    kiosks,
    notices,
    products,
    reports,
    rules,
    settlement,
    sign_in,
    users,
)
from sync.central.web.office.base import bp, problem_page

__all__ = [
    "activities",
    "board",
    "bp",
    "claims",
    "dashboard",
    "households",
    "kiosks",
    "notices",
    "problem_page",
    "products",
    "reports",
    "rules",
    "settlement",
    "sign_in",
    "users",
]
