"""Domain errors: a stable code for machines and a translatable message for people.

How each program answers one (an HTTP status, a page) is the web layer's business:
terminal_ui/errors.py for the kiosk, sync/central/api.py for central.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A refused request: nothing was changed."""

    code = "error"
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


class BadRequest(DomainError):
    """A body that is not the JSON the request needs."""

    code = "bad_request"
    message = "The request is not valid JSON."


class BadCode(DomainError):
    """A scanned text that is not a code at all."""

    code = "bad_code"
    message = "This code cannot be read. Please try again."


class CodeTooLong(DomainError):
    """A scanned text longer than any code of ours."""

    code = "code_too_long"
    message = "This code is too long to be ours."


class UnknownCode(DomainError):
    """A code that is no card, product or activity."""

    code = "unknown_code"
    message = "This code is not a card, a product or an activity."


class UnknownCard(DomainError):
    """A card this kiosk does not know."""

    code = "unknown_card"
    message = "This card is not known here."


class UnknownCardOffline(DomainError):
    """A card this kiosk does not know, while central cannot be asked about it."""

    code = "unknown_card_offline"
    message = (
        "This card is not known at this store yet, and central cannot be reached to look it "
        "up. Please try again when the kiosk is online."
    )


class RevokedCard(DomainError):
    """A card that has been cancelled."""

    code = "revoked_card"
    message = "This card has been cancelled. Please ask the shopkeeper."


class UnknownProduct(DomainError):
    """A product code not in the catalogue."""

    code = "unknown_product"
    message = "No such product: {code}."


class InactiveProduct(DomainError):
    """A product that is not offered now."""

    code = "inactive_product"
    message = "{name} is not offered at the moment."


class UnknownActivity(DomainError):
    """An activity not known here."""

    code = "unknown_activity"
    message = "No such activity."


class InactiveActivity(DomainError):
    """An activity closed for check-in."""

    code = "inactive_activity"
    message = "The activity {name} is not open for check-in."


class ActivityNotToday(DomainError):
    """A check-in outside the activity's day."""

    code = "activity_not_today"
    message = "The activity {name} is on {day}; check-in is open only on that day."


class ActivityAtScreen(DomainError):
    """An activity code shown at the residents' screen."""

    code = "activity_at_screen"
    message = "Activity check-in is started by the shopkeeper on the admin screen, not here."


class ActivityFull(DomainError):
    """An activity that has reached its cap."""

    code = "activity_full"
    message = "The activity {name} is full."


class AlreadyCheckedIn(DomainError):
    """A second check-in of a resident to one activity."""

    code = "already_checked_in"
    message = "{resident} has already checked in to {name}."


class UnknownResident(DomainError):
    """A resident not known here."""

    code = "unknown_resident"
    message = "No such resident."


class NotInHousehold(DomainError):
    """A beneficiary from another household."""

    code = "not_in_household"
    message = "That person is not a member of this household."


class UnknownExchange(DomainError):
    """An exchange not known here."""

    code = "unknown_exchange"
    message = "No such exchange."


class UnknownReceipt(DomainError):
    """A receipt not known here."""

    code = "unknown_receipt"
    message = "No such receipt."


class NoSession(DomainError):
    """A terminal action before a card was shown."""

    code = "no_session"
    message = "Please show your points card first."


class WrongMode(DomainError):
    """An exchange action while the terminal checks in an activity."""

    code = "wrong_mode"
    message = "The terminal is checking in an activity; cancel it first."


class EmptyCart(DomainError):
    """A checkout with nothing chosen."""

    code = "empty_cart"
    message = "Nothing has been chosen yet."


class AlreadyCheckedOut(DomainError):
    """A second checkout of one session."""

    code = "already_checked_out"
    message = "This exchange has already been completed."


class InsufficientPoints(DomainError):
    """A spend beyond what the household may spend."""

    code = "insufficient_points"
    message = "Not enough points: {needed} needed, {available} available."


class QuotaExceeded(DomainError):
    """More of a scarce good than the household's quota for the period leaves."""

    code = "quota_exceeded"
    message = "{name}: at most {limit} {unit} per household each month; {left} left this month."
    WEEK_MESSAGE = "{name}: at most {limit} {unit} per household each week; {left} left this week."


class ExchangeWindowClosed(DomainError):
    """An exchange outside the store's published exchange hours."""

    code = "window_closed"
    message = "Exchanges are open {hours}. Please come back today at {time}."
    TOMORROW = "Exchanges are open {hours}. Please come back tomorrow at {time}."


class TooMuchInOneGo(DomainError):
    """A change too large for one synced record."""

    code = "too_much_in_one_go"
    message = "Too much for one record. Please do it in two parts, for example two exchanges."


class OutOfStock(DomainError):
    """More than the stock on hand."""

    code = "out_of_stock"
    message = "Only {available} of {name} left in stock."


class BadQuantity(DomainError):
    """A quantity outside its bounds."""

    code = "bad_quantity"
    message = "The quantity must be a whole number from {low} to {high}."


class BadPoints(DomainError):
    """A number of points outside its bounds."""

    code = "bad_points"
    message = "Points must be a whole number from {low} to {high}."


class BadSource(DomainError):
    """A restock source that is not donation, purchase or transfer."""

    code = "bad_source"
    message = "The source must be donation, purchase or transfer."


class BadValue(DomainError):
    """A field that is missing, too long or not of its form."""

    code = "bad_value"
    message = "{field} is not valid: {reason}."


class AlreadyVoided(DomainError):
    """A second void of one exchange."""

    code = "already_voided"
    message = "This exchange has already been voided."


class ReasonRequired(DomainError):
    """An action that needs a reason given without one."""

    code = "reason_required"
    message = "Please give a reason."


class CardAlreadyRevoked(DomainError):
    """A card cancelled a second time."""

    code = "card_already_revoked"
    message = "This card is already cancelled."


class Busy(DomainError):
    """A write that could not take the database's lock in time."""

    code = "busy"
    message = "The terminal is busy. Please try again."


class StorageUnavailable(DomainError):
    """A write was refused by the disk (full or read-only): nothing was saved."""

    code = "storage_unavailable"
    message = (
        "The kiosk cannot save right now: its storage is full or read-only. Nothing was "
        "changed. Please tell the shopkeeper."
    )
