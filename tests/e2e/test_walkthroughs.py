"""docs/walkthroughs.md runs as written: issue 18's processes, end to end, from the outside.

Every ```sh block of docs/walkthroughs.md is run IN ORDER by one bash process against a fresh
``partnerhub serve --demo`` (SQLite) on a free loopback port, as a new user pastes them: the
``export`` lines get what the server printed (and a free port for the doc's webhook receiver,
``HOOK_PORT``), ``curl`` fails the run on any answer but 2xx unless a ``# expect: NNN`` comment
announces it (the conventions of tests/helpers/doc_scripts.py, shared with the README's test).
The doc's own receiver (a Python script it writes and starts) gets the webhooks, and its
``received`` helper fails a block when an announced event does not arrive within 10 s.

Each section's output must show the answers and events its prose promises (``EXPECTED``), and
every block must have run to its end. Bounded: 120 s for the whole run; the doc moves time with
``/_emulator/clock/advance``, and only its ``received`` helper polls (for deliveries, which
arrive on their own a moment later).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
from pathlib import Path

import pytest

from tests.e2e.conftest import free_port
from tests.helpers.doc_scripts import PRELUDE, REPO, blocks_with_sections, prepare, start_demo, stop

pytestmark = pytest.mark.slow

DOC = REPO / "docs" / "walkthroughs.md"
BLOCK_DONE = "walkthrough-block-done"

# What each section's output shows (the answers and the received webhooks, as jq prints them).
EXPECTED: dict[str, list[str]] = {
    "Before you start": ['"event":"webhook_test"'],
    "1. WhatsApp Flows": [
        '"error":"INVALID_PROPERTY"',
        '"path":"screens[0].layout.children[0].initial-text"',
        "(#139002) Publishing Flow failed",
        '"validation_errors":[]',
        '"status":"PUBLISHED"',
        '"preview_url":"https://business.facebook.com/wa/manage/flows/',
        '"event":"FLOW_STATUS_CHANGE"',
        '"new_status":"PUBLISHED"',
        '"type":"nfm_reply"',
        '"profile":{"name":"Grace"}',
        '\\"flow_token\\":\\"order-42\\"',
    ],
    "2. Host-your-own Embedded Signup": [
        '"event":"client_created"',
        '"type":"WA_EMBEDDED_SIGNUP","event":"FINISH"',
        '"message":"Success. Please wait, your number is onboarding."',
        '"event":"channel_created"',
        '"event":"channel_live"',
        '"status":"live","external_id":',
    ],
    "3. Coexistence": [
        '"coexistence":true',
        '{"status":"live","is_on_biz_app":true}',
        '"event":"smb_app_state_sync"',
        '"full_name":"Grace Hopper","first_name":"Grace"',
        "history was already started for this phone number",
        '{"metadata":{"phase":2,"chunk_order":1,"progress":100},"texts":["Thanks for the tulips"]}',
        '{"metadata":{"phase":0,"chunk_order":1,"progress":33},'
        '"texts":["Roses for Friday?","Of course!"]}',
        '"field":"smb_message_echoes"',
        '"text":{"body":"Your roses are ready"}',
    ],
    "4. Number migration": [
        '{"name":"service_due","status":"approved"}',
        '"http_code":409,"developer_message":"Two-step verification is enabled',
        '"status":"pending_verification","channel":{"status":"created","is_migrated":false}',
        '{"status":"code_sent","code_method":"SMS"',
        '"developer_message":"code: wrong verification code"',
        '{"status":"completed","is_migrated":true}',
        '"status":"live","phone_number":"+4915112340005"}',
        '"currency":"USD","currency_changed":true,"moved":2,"templates":1}',
        '{"status":"approved","settings":{"currency":"USD"}}',
    ],
    "5. Partner change": [
        '"filters":{"status":"pending"},"partner_change_requests":[{',
        '"status":"completed"}',
        '"name":"Cafe"}',
        '{"phone_number":"+4915112340006","status":"live"}',
        '{"event":"channel_permission_revoked","phone_number":"+4915112340006"}',
        '"status":"rejected"}',
        "The partner change request is rejected already",
        '{"auto_approve":true}',
        '{"status":"completed"}',
    ],
    "6. Display names and policy enforcement": [
        "display_name: must not contain a URL",
        '"status":"PENDING_REVIEW"',
        "A display name change is already in review",
        '"decision":"APPROVED","requested_verified_name":"Bistro Rosso"',
        '{"phone_name":"Bistro Rosso","name_status":"APPROVED","requests":1}',
        '"decision":"REJECTED","rejection_reason":"The name does not match the business"}',
        '{"event":"account_violation","violation_type":"SCAM"}',
        '{"event":"account_restriction","violation_type":"SPAM","restriction_info":'
        '[{"restriction_type":"RESTRICTED_BIZ_INITIATED_MESSAGING"',
        '{"event":"template_messaging_disabled"}',
        '{"status":"account_restriction","restriction_info":[{',
        '"code":131031',
        '{"event":"template_messaging_enabled"}',
        '{"id":"wamid.',
    ],
    "7. Click-to-WhatsApp ads signals": ['"ctwa_enabled":true}', '"ctwa_enabled":false}'],
    "When you are done": [],
}


def test_each_walkthrough_runs_as_written(tmp_path: Path) -> None:
    if not (REPO / ".venv/bin/partnerhub").exists():
        pytest.skip("needs the project's .venv (make .venv/.installed)")
    if shutil.which("jq") is None:
        pytest.skip("docs/walkthroughs.md uses jq (apt-get install jq; .ci/run installs it)")
    found = blocks_with_sections(DOC)
    sections = list(dict.fromkeys(section for _, _, section in found))
    assert sections == list(EXPECTED), "docs/walkthroughs.md's sections changed: update EXPECTED"

    process, printed, log_path = start_demo(tmp_path)
    try:
        values = {name: printed[name] for name in ("HUB", "PARTNER_ID", "API_KEY")}
        values["EMULATOR_TOKEN"] = printed["EMULATOR_TOKEN"]
        values["HOOK_PORT"] = str(free_port())
        assert all(values.values()), f"not printed: {values}\n{log_path.read_text()}"
        parts = [PRELUDE]
        current = None
        for line, block, section in found:
            if section != current:
                parts.append(f"printf '\\n@@@ %s\\n' '{section}'")
                current = section
            parts.append(f'echo "### docs/walkthroughs.md line {line} ({section})" >&2')
            parts.append(prepare(block, values))
            parts.append(f"echo {BLOCK_DONE} >&2")
        script = tmp_path / "walkthroughs.sh"
        script.write_text("\n".join(parts) + "\n")
        work = tmp_path / "work"
        work.mkdir()
        env = {k: v for k, v in os.environ.items() if not k.startswith("PARTNERHUB_")}
        env["PATH"] = f"{REPO / '.venv/bin'}:{env['PATH']}"
        out_path, err_path = tmp_path / "walkthroughs.out", tmp_path / "walkthroughs.err"
        # Into files, not pipes: the doc's receiver runs in the background with bash's output,
        # and a pipe would stay open while it lives. Kept for whoever debugs a failure.
        with out_path.open("w") as out, err_path.open("w") as err:
            run = subprocess.Popen(
                ["bash", str(script)],
                cwd=work,
                env=env,
                stdout=out,
                stderr=err,
                start_new_session=True,  # the doc's receiver is in this group: ended below
            )
            try:
                run.wait(timeout=120)
            finally:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(run.pid, signal.SIGKILL)
                run.wait()
        stdout, stderr = out_path.read_text(), err_path.read_text()
        assert run.returncode == 0, (
            f"docs/walkthroughs.md failed as written (exit {run.returncode}):\n"
            f"{stderr[-4000:]}\n--- stdout ---\n{stdout[-3000:]}"
        )
        assert stderr.count(BLOCK_DONE) == len(found), stderr  # every block ran to its end
        outputs = {
            chunk.split("\n", 1)[0]: chunk for chunk in stdout.split("\n@@@ ")[1:] if chunk.strip()
        }
        for section, wanted in EXPECTED.items():
            shown = outputs.get(section, "")
            missing = [text for text in wanted if text not in shown]
            assert not missing, f"{section}: not in its output: {missing}\n{shown[-3000:]}"
    finally:
        stop(process)
    assert "Traceback" not in log_path.read_text(errors="replace")
