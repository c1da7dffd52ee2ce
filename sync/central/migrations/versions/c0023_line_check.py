"""line check: an exchange line's exchange is looked up for the whole statement at once

Revision ID: c0023_line_check
Revises: c0021_announcement_pictures
Create Date: 2026-12-04 20:25:00

`ek_line_exchange` (c0018) refuses a line whose exchange does not exist. It probed the exchanges
once per distinct exchange of the statement's lines, in a PL/pgSQL loop; under ingest's
`plan_cache_mode = force_custom_plan` each probe was planned afresh, so a batch's `COPY` of its
lines took twice as long as the `COPY` of its exchanges. It is now one anti-join over the
statement's lines, which the planner runs as index probes into each month's exchanges (the
transition table's row count is known to it). On SQLite nothing changes.
"""

from alembic import op

revision = "c0023_line_check"
down_revision = "c0021_announcement_pictures"
branch_labels = None
depends_on = None

SET_BASED = """
CREATE OR REPLACE FUNCTION ek_line_exchange() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    missing uuid;
BEGIN
    SELECT wanted.exchange_id INTO missing
    FROM (SELECT DISTINCT exchange_id FROM new_rows) AS wanted
    WHERE NOT EXISTS (SELECT 1 FROM exchanges e WHERE e.id = wanted.exchange_id)
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'exchange line refers to exchange % which does not exist', missing
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END $$
"""

# c0018's, as it was.
PROBE_LOOP = """
CREATE OR REPLACE FUNCTION ek_line_exchange() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    wanted uuid;
BEGIN
    FOR wanted IN SELECT DISTINCT exchange_id FROM new_rows LOOP
        PERFORM 1 FROM exchanges WHERE id = wanted;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'exchange line refers to exchange % which does not exist', wanted
                USING ERRCODE = 'foreign_key_violation';
        END IF;
    END LOOP;
    RETURN NULL;
END $$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(SET_BASED)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PROBE_LOOP)
