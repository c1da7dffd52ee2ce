"""The office's pages, one module per area, all on the one `office` blueprint.

Importing the area modules attaches their routes to the blueprint.
"""

from sync.central.web.office import (
    activities,
    dashboard,
    households,
    kiosks,
    notices,
    reports,
    sign_in,
)
from sync.central.web.office.base import bp, problem_page

__all__ = [
    "activities",
    "bp",
    "dashboard",
    "households",
    "kiosks",
    "notices",
    "problem_page",
    "reports",
    "sign_in",
]
