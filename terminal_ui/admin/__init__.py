"""The shopkeeper's admin screen at /admin: PIN sign-in, stock, goods, check-in, history, status.

Each area's pages live in their own module; importing them registers their routes on bp.
"""

from terminal_ui.admin import (  # noqa: F401
    activities,
    claims,
    goods,
    history,
    people,
    settings,
    signin,
    staff_calls,
    stock,
)
from terminal_ui.admin.base import ACTIONS, ACTORS, bp

__all__ = ["ACTIONS", "ACTORS", "bp"]
