"""No token, PIN or password ever reaches a log, whatever happens to it."""

from __future__ import annotations

import logging
import re

import pytest
from security_helpers import ADMIN_PASSWORD, audit_entry, bearer, sign_in

from kiosk.cli import main
from kiosk.services import staff
from sync.central.services import kiosks
from sync.central.services import tokens as tokens_service
from terminal_ui import create_app

PIN, WRONG_PIN = "246813", "975312"
WRONG_PASSWORD = "not-the-right-one-42"


class Everything(logging.Handler):
    """Keep every record, formatted with its arguments and any traceback."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.texts: list[str] = []
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.texts.append(self.format(record))
        self.texts.append(repr(record.args))


@pytest.fixture
def logs():
    handler = Everything()
    root = logging.getLogger()
    noisy = logging.getLogger("sqlalchemy.engine")  # statements and their parameters too
    saved = (root.level, noisy.level)
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    noisy.setLevel(logging.INFO)
    yield handler
    root.removeHandler(handler)
    root.setLevel(saved[0])
    noisy.setLevel(saved[1])


def test_enrol_push_sign_in_pin_and_office_tokens_leave_no_secret_in_the_logs(
    office, logs, seeded, tmp_path, capsys
):
    secrets: list[str] = []
    # Enrolment and office tokens, by function and by the command line.
    done = kiosks.enroll(office.central, "南村爱心超市", "K003")
    secrets.append(done.token)
    secrets.append(tokens_service.office_token(office.central, "viewer", "logs"))
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    assert main(["central", "enroll", "--store", "北村", "--json", "--database-url", url]) == 0
    assert main(["central", "office-token", "--database-url", url]) == 0
    printed = capsys.readouterr().out
    secrets += re.findall(r"ek[to]_[A-Za-z0-9_.-]+", printed)
    assert len(secrets) == 4
    secrets += [*office.kiosk_tokens.values(), office.admin_token, office.viewer_token]

    client = office.app().test_client()
    # Pushes, pulls, heartbeats with right, wrong and revoked tokens.
    for token in (done.token, office.kiosk_tokens["K001"]):
        kiosk_id = "K003" if token == done.token else "K001"
        assert client.post("/api/v1/push", json=audit_entry(kiosk_id), headers=bearer(token))
        client.get("/api/v1/changes", headers=bearer(token))
    wrong = done.token[:-4] + "AAAA"
    secrets.append(wrong)
    client.post("/api/v1/heartbeat", json={}, headers=bearer(wrong))
    kiosks.revoke_kiosk(office.central, "K003")
    client.post("/api/v1/heartbeat", json={}, headers=bearer(done.token))
    client.get("/api/v1/stats", headers=bearer(office.viewer_token))
    client.get("/api/v1/stats", headers=bearer(office.viewer_token[:-3] + "xyz"))

    # Office sign-in, wrong then right.
    assert sign_in(client, "admin", WRONG_PASSWORD).status_code == 401
    assert sign_in(client, "admin", ADMIN_PASSWORD).status_code == 302
    secrets += [WRONG_PASSWORD, ADMIN_PASSWORD]

    # The shopkeeper's PIN: set, wrong, right.
    rt, cards = seeded
    staff.set_pin(rt.kiosk, PIN, actor="test")
    kiosk = create_app(rt, {"DEMO_CARDS": cards}).test_client()
    for pin in (WRONG_PIN, PIN):
        page = kiosk.get("/admin/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page)
        with kiosk.session_transaction("/admin/") as sess:
            csrf = sess.get("csrf") or (token.group(1) if token else "")
        kiosk.post("/admin/login", data={"csrf_token": csrf, "pin": pin})

    assert len(logs.texts) > 20  # the capture did see the work (SQL statements at least)
    text = "\n".join(logs.texts)
    for secret in secrets:
        assert secret not in text, f"a secret reached the logs: {secret[:6]}…"
        if "." in secret:
            assert secret.rpartition(".")[2] not in text  # nor the secret part of a token
    for pin in (PIN, WRONG_PIN):
        # Standing alone: six digits may turn up inside a hash or a timestamp by chance.
        assert not re.search(rf"(?<![0-9A-Za-z]){pin}(?![0-9A-Za-z])", text), "a PIN was logged"
