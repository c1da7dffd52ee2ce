"""Domain errors: a stable code for machines and a translatable message for people."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A refused request: nothing was changed."""

    code = "error"
    status = 400
    message = "The request was refused."

    def __init__(self, message: str | None = None, **params: Any) -> None:
        self.params = params
        if message is not None:
            self.message = message
        super().__init__(self.render())

    def render(self) -> str:
        """Return the English message with its parameters filled in."""
        try:
            return self.message.format(**self.params)
        except (KeyError, IndexError, ValueError):
            return self.message


def _error(name: str, code: str, status: int, message: str) -> type[DomainError]:
    return type(name, (DomainError,), {"code": code, "status": status, "message": message})


BadRequest = _error("BadRequest", "bad_request", 400, "The request is not valid JSON.")
BadCode = _error("BadCode", "bad_code", 400, "This code cannot be read. Please try again.")
CodeTooLong = _error("CodeTooLong", "code_too_long", 400, "This code is too long to be ours.")
UnknownCode = _error(
    "UnknownCode", "unknown_code", 404, "This code is not a card, a product or an activity."
)
UnknownCard = _error("UnknownCard", "unknown_card", 404, "This card is not known here.")
RevokedCard = _error(
    "RevokedCard", "revoked_card", 403, "This card has been cancelled. Please ask the shopkeeper."
)
UnknownProduct = _error("UnknownProduct", "unknown_product", 404, "No such product: {code}.")
InactiveProduct = _error(
    "InactiveProduct", "inactive_product", 409, "{name} is not offered at the moment."
)
UnknownActivity = _error("UnknownActivity", "unknown_activity", 404, "No such activity.")
InactiveActivity = _error(
    "InactiveActivity", "inactive_activity", 409, "The activity {name} is not open for check-in."
)
ActivityNotToday = _error(
    "ActivityNotToday",
    "activity_not_today",
    409,
    "The activity {name} is on {day}; check-in is open only on that day.",
)
ActivityAtScreen = _error(
    "ActivityAtScreen",
    "activity_at_screen",
    403,
    "Activity check-in is started by the shopkeeper on the admin screen, not here.",
)
ActivityFull = _error("ActivityFull", "activity_full", 409, "The activity {name} is full.")
AlreadyCheckedIn = _error(
    "AlreadyCheckedIn", "already_checked_in", 409, "{resident} has already checked in to {name}."
)
UnknownResident = _error("UnknownResident", "unknown_resident", 404, "No such resident.")
NotInHousehold = _error(
    "NotInHousehold", "not_in_household", 409, "That person is not a member of this household."
)
UnknownExchange = _error("UnknownExchange", "unknown_exchange", 404, "No such exchange.")
UnknownReceipt = _error("UnknownReceipt", "unknown_receipt", 404, "No such receipt.")
NoSession = _error("NoSession", "no_session", 409, "Please show your points card first.")
WrongMode = _error(
    "WrongMode", "wrong_mode", 409, "The terminal is checking in an activity; cancel it first."
)
EmptyCart = _error("EmptyCart", "empty_cart", 409, "Nothing has been chosen yet.")
AlreadyCheckedOut = _error(
    "AlreadyCheckedOut", "already_checked_out", 409, "This exchange has already been completed."
)
InsufficientPoints = _error(
    "InsufficientPoints",
    "insufficient_points",
    409,
    "Not enough points: {needed} needed, {available} available.",
)
TooMuchInOneGo = _error(
    "TooMuchInOneGo",
    "too_much_in_one_go",
    409,
    "Too much for one record. Please do it in two parts, for example two exchanges.",
)
OutOfStock = _error("OutOfStock", "out_of_stock", 409, "Only {available} of {name} left in stock.")
BadQuantity = _error(
    "BadQuantity", "bad_quantity", 400, "The quantity must be a whole number from {low} to {high}."
)
BadPoints = _error(
    "BadPoints", "bad_points", 400, "Points must be a whole number from {low} to {high}."
)
BadSource = _error(
    "BadSource", "bad_source", 400, "The source must be donation, purchase or transfer."
)
BadValue = _error("BadValue", "bad_value", 400, "{field} is not valid: {reason}.")
AlreadyVoided = _error(
    "AlreadyVoided", "already_voided", 409, "This exchange has already been voided."
)
ReasonRequired = _error("ReasonRequired", "reason_required", 400, "Please give a reason.")
CardAlreadyRevoked = _error(
    "CardAlreadyRevoked", "card_already_revoked", 409, "This card is already cancelled."
)
Busy = _error("Busy", "busy", 503, "The terminal is busy. Please try again.")
