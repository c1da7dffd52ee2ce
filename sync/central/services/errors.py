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
    RULE_CODE = "rule_code"
    RULE_NAME = "rule_name"
    RULE_CATEGORY = "rule_category"
    RULE_POINTS = "rule_points"
    RULE_EVIDENCE = "rule_evidence"
    RULE_APPROVER = "rule_approver"
    RULE_CAP = "rule_cap"
    RULE_ACTIVE = "rule_active"
    NO_RULE = "no_rule"
    RULE_INACTIVE = "rule_inactive"
    CLAIM_RESIDENT = "claim_resident"
    CLAIM_RESIDENTS_NEEDED = "claim_residents_needed"
    CLAIM_NOTE = "claim_note"
    CLAIM_PHOTOS = "claim_photos"
    PHOTO_NEEDED = "photo_needed"
    PHOTO_TYPE = "photo_type"
    PHOTO_SIZE = "photo_size"
    NO_CLAIM = "no_claim"
    CLAIM_DECIDED = "claim_decided"
    CLAIM_CAP = "claim_cap"
    APPROVER_LEVEL = "approver_level"
    CLAIM_OWN = "claim_own"
    NO_AREA = "no_area"
    NO_VILLAGE = "no_village"
    PICTURE_TYPE = "picture_type"
    PICTURE_SIZE = "picture_size"
    AREA_LEVEL = "area_level"
    AREA_OUTSIDE = "area_outside"
    ROSTER_GROUP = "roster_group"
    USER_EXISTS = "user_exists"
    ROSTER_OUTSIDE = "roster_outside"
    HOUSEHOLD_NAME = "household_name"
    HOUSEHOLD_EXISTS = "household_exists"
    RESIDENT_NAME = "resident_name"
    RESIDENT_EXISTS = "resident_exists"
    PHONE = "phone"
    NO_RESIDENT = "no_resident"
    SAME_HOUSEHOLD = "same_household"
    PRODUCT_CODE = "product_code"
    PRODUCT_NAME = "product_name"
    PRODUCT_CATEGORY = "product_category"
    PRODUCT_UNIT = "product_unit"
    PRODUCT_POINTS = "product_points"
    PRODUCT_EXISTS = "product_exists"
    NO_PRODUCT = "no_product"
    OPENING_POINTS = "opening_points"
    ACTIVITY_CLOSED = "activity_closed"
    SETTLEMENT_RATE = "settlement_rate"
    SETTLEMENT_PERIOD = "settlement_period"
    BOARD_MONTH = "board_month"
    BOARD_SECTION = "board_section"
    BOARD_RANKING = "board_ranking"
    WHOLE_FEED_READERS = "whole_feed_readers"


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
    Refusal.RULE_CODE: "the rule code must be 1 to 32 letters, digits, . _ or -",
    Refusal.RULE_NAME: "the rule needs a name of 1 to 80 printable characters",
    Refusal.RULE_CATEGORY: "the rule needs a category of 1 to 40 printable characters",
    Refusal.RULE_POINTS: "a rule's points must be a whole number from -{most} to {most}, not 0",
    Refusal.RULE_EVIDENCE: "the evidence must be none or photo",
    Refusal.RULE_APPROVER: "the approver must be village or town",
    Refusal.RULE_CAP: (
        "the cap counts per resident or household over none, day, week, month or year, "
        "from 1 to {most} times (no count when the period is none)"
    ),
    Refusal.RULE_ACTIVE: "active must be true or false",
    Refusal.NO_RULE: "no rule {code}",
    Refusal.RULE_INACTIVE: "rule {code} is not in use",
    Refusal.CLAIM_RESIDENT: "resident {resident_id} is not a member of household {household_id}",
    Refusal.CLAIM_RESIDENTS_NEEDED: "rule {code} counts per resident: name at least one resident",
    Refusal.CLAIM_NOTE: "the note has at most 200 printable characters",
    Refusal.CLAIM_PHOTOS: "a claim has at most {most} photos",
    Refusal.PHOTO_NEEDED: "rule {code} needs a photo",
    Refusal.PHOTO_TYPE: "a photo must be a JPEG, PNG or WebP image",
    Refusal.PHOTO_SIZE: "a photo may be at most {mb} MB",
    Refusal.NO_CLAIM: "no claim {claim_id}",
    Refusal.CLAIM_DECIDED: "claim {claim_id} is already {status}",
    Refusal.CLAIM_CAP: "the cap of rule {code} is reached: {count} approved in this period",
    Refusal.APPROVER_LEVEL: (
        "rule {code} is decided by the town: a village's approver may not decide claim {claim_id}"
    ),
    Refusal.CLAIM_OWN: "a claim is approved by someone other than the person who recorded it",
    Refusal.NO_AREA: "no area {path} (import it first with kiosk central import-areas)",
    Refusal.AREA_LEVEL: "{path} is not a {level}",
    Refusal.NO_VILLAGE: "no village {path} among the areas",
    Refusal.PICTURE_TYPE: "the picture must be a JPEG or PNG image",
    Refusal.PICTURE_SIZE: "the picture may be at most {kb} KB",
    Refusal.AREA_OUTSIDE: "{path} lies outside your area",
    Refusal.ROSTER_OUTSIDE: "line {line}: household {household} cannot be changed from your area",
    Refusal.USER_EXISTS: "a user named {username} exists outside your area",
    Refusal.ROSTER_GROUP: "line {line}: no villagers' group {path} among the areas",
    Refusal.HOUSEHOLD_NAME: "a household needs a name of 1 to 80 printable characters",
    Refusal.HOUSEHOLD_EXISTS: "a household named {name} exists",
    Refusal.RESIDENT_NAME: "a resident needs a name of 1 to 80 printable characters",
    Refusal.RESIDENT_EXISTS: "household {household_id} already has a resident named {name}",
    Refusal.PHONE: "a phone number has at most 20 digits, spaces, + or -",
    Refusal.NO_RESIDENT: "no resident {resident_id}",
    Refusal.SAME_HOUSEHOLD: "the resident already belongs to household {household_id}",
    Refusal.PRODUCT_CODE: "the product code must be 1 to 32 letters, digits, . _ or -",
    Refusal.PRODUCT_NAME: "the product needs a name of 1 to 80 printable characters",
    Refusal.PRODUCT_CATEGORY: "the category needs 1 to 40 printable characters",
    Refusal.PRODUCT_UNIT: "the unit needs 1 to 16 printable characters",
    Refusal.PRODUCT_POINTS: "points must be a whole number from 1 to {most}",
    Refusal.PRODUCT_EXISTS: "a product with code {code} exists",
    Refusal.NO_PRODUCT: "no product {code}",
    Refusal.OPENING_POINTS: "opening points must be a whole number from 0 to {most}",
    Refusal.ACTIVITY_CLOSED: "activity {activity_id} is closed",
    Refusal.SETTLEMENT_RATE: "the rate is yuan per point, such as 0.01, with at most 4 decimals",
    Refusal.SETTLEMENT_PERIOD: "the settlement period is monthly or quarterly",
    Refusal.BOARD_MONTH: "the month must be written YYYY-MM, such as 2026-11, not {month}",
    Refusal.BOARD_SECTION: "the board shows awards, deductions, ranking or exchange_day",
    Refusal.BOARD_RANKING: "the ranking shows 1 to {most} households",
    Refusal.WHOLE_FEED_READERS: (
        "kiosks of an earlier release still read the whole feed: {kiosks}; upgrade them first"
        " (or close it anyway: they would sell on the balances they last heard)"
    ),
}

# Refusals because the record is no longer in a state that allows it (the API answers 409).
CONFLICT = frozenset({Refusal.CLAIM_DECIDED, Refusal.CLAIM_CAP, Refusal.CLAIM_OWN})

# Refusals because the user may see the record but not do this to it (the API answers 403).
FORBIDDEN = frozenset({Refusal.APPROVER_LEVEL})

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
        Refusal.NO_RULE,
        Refusal.NO_CLAIM,
        Refusal.NO_AREA,
        Refusal.NO_RESIDENT,
        Refusal.NO_PRODUCT,
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

    @property
    def forbidden(self) -> bool:
        """Say whether the user may not do this to the record named."""
        return self.code in FORBIDDEN

    @property
    def conflict(self) -> bool:
        """Say whether the record named is in a state that refuses the request."""
        return self.code in CONFLICT
