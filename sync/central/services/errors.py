"""Why an office request is refused: a stable code, and an English message to translate."""

from __future__ import annotations

from enum import StrEnum


class Refusal(StrEnum):
    """The stable code of each reason the office's use cases refuse a request."""

    STORE_NAME = "store_name"
    KIOSK_ID = "kiosk_id"
    KIOSK_ENROLLED = "kiosk_enrolled"
    NO_KIOSK = "no_kiosk"
    ALLOWANCE = "allowance"
    NO_STORE = "no_store"
    ROLE = "role"
    NO_OFFICE_TOKEN = "no_office_token"
    USER_NAME = "user_name"
    PASSWORD = "password"
    NO_USER = "no_user"
    NO_CARD = "no_card"
    ACTIVITY_CODE = "activity_code"
    ACTIVITY_POINTS = "activity_points"
    ACTIVITY_NAME = "activity_name"
    ACTIVITY_TYPE = "activity_type"
    ACTIVITY_CAP = "activity_cap"
    ACTIVITY_DAY = "activity_day"
    ACTIVITY_EXISTS = "activity_exists"
    NO_ACTIVITY = "no_activity"
    POINTS_WHOLE = "points_whole"
    POINTS_RANGE = "points_range"
    REASON = "reason"
    NO_HOUSEHOLD = "no_household"
    NO_AREA = "no_area"
    AREA_LEVEL = "area_level"
    AREA_OUTSIDE = "area_outside"
    ROSTER_GROUP = "roster_group"
    USER_EXISTS = "user_exists"
    ROSTER_OUTSIDE = "roster_outside"


# Each message is also its id in the office's catalogues (sync/central/translations).
MESSAGES: dict[Refusal, str] = {
    Refusal.STORE_NAME: "a store name of 1 to 80 characters is needed",
    Refusal.KIOSK_ID: "a kiosk id is 1 to 40 letters, digits, . _ or - (and not CENTRAL)",
    Refusal.KIOSK_ENROLLED: "kiosk {kiosk_id} is already enrolled",
    Refusal.NO_KIOSK: "no kiosk {kiosk_id}",
    Refusal.ALLOWANCE: "the allowance must be a whole number from 0 to {most}",
    Refusal.NO_STORE: "no store {store}",
    Refusal.ROLE: "the role must be admin, viewer, approver or group_leader",
    Refusal.NO_OFFICE_TOKEN: "no office token {token_id}",
    Refusal.USER_NAME: "a user name of 1 to 40 characters is needed",
    Refusal.PASSWORD: "the password must have at least 8 characters",
    Refusal.NO_USER: "no office user {username}",
    Refusal.NO_CARD: "no active card {card_id}",
    Refusal.ACTIVITY_CODE: "the activity code must be 1 to 32 letters, digits, . _ or -",
    Refusal.ACTIVITY_POINTS: "points must be a whole number from 1 to {most}",
    Refusal.ACTIVITY_NAME: "the activity needs a name of 1 to 80 printable characters",
    Refusal.ACTIVITY_TYPE: "the activity type has at most 40 printable characters",
    Refusal.ACTIVITY_CAP: "the cap must be a whole number from 1 to {most}",
    Refusal.ACTIVITY_DAY: "the day must be a date, such as 2026-11-01",
    Refusal.ACTIVITY_EXISTS: "an activity with code {code} exists",
    Refusal.NO_ACTIVITY: "no activity {activity_id}",
    Refusal.POINTS_WHOLE: "points must be a whole number",
    Refusal.POINTS_RANGE: "points must be from -{most} to {most}, not 0",
    Refusal.REASON: "a reason of 1 to 200 characters is required",
    Refusal.NO_HOUSEHOLD: "no household {household_id}",
    Refusal.NO_AREA: "no area {path} (import it first with kiosk central import-areas)",
    Refusal.AREA_LEVEL: "{path} is not a {level}",
    Refusal.AREA_OUTSIDE: "{path} lies outside your area",
    Refusal.ROSTER_OUTSIDE: "line {line}: household {household} cannot be changed from your area",
    Refusal.USER_EXISTS: "a user named {username} exists outside your area",
    Refusal.ROSTER_GROUP: "line {line}: no villagers' group {path} among the areas",
}

# Refusals because the record a request names does not exist (the API answers 404).
NOT_FOUND = frozenset(
    {
        Refusal.NO_KIOSK,
        Refusal.NO_STORE,
        Refusal.NO_OFFICE_TOKEN,
        Refusal.NO_USER,
        Refusal.NO_CARD,
        Refusal.NO_ACTIVITY,
        Refusal.NO_HOUSEHOLD,
        Refusal.NO_AREA,
    }
)


class RegistryError(ValueError):
    """An office request that cannot be carried out; nothing was changed.

    `code` is stable for programs; `message` (English, with {placeholders}) is the id the
    office's catalogues translate it under, and `params` fill it in. str() is the English text.
    """

    def __init__(self, code: Refusal, /, **params: object) -> None:
        self.code, self.message, self.params = code, MESSAGES[code], params
        super().__init__(self.message.format(**params))

    @property
    def not_found(self) -> bool:
        """Say whether the request named a record that does not exist."""
        return self.code in NOT_FOUND
