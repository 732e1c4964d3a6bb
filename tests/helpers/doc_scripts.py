"""Run a Markdown document's shell examples as written, against ``partnerhub serve --demo``.

Shared by tests/e2e/test_readme.py (README.md) and tests/e2e/test_walkthroughs.py
(docs/walkthroughs.md). Conventions the documents keep:

* ``<!-- readme-test: skip -->`` (or ``<!-- readme-test: skip (why) -->``) on the line before a
  block: the block is not run.
* ``export VAR=...`` lines for the names in ``PRINTED`` (and any other name the caller passes)
  get this server's values: the documents say "set these from what ``make run`` printed".
* ``curl`` is a bash function (``PRELUDE``) that calls the real curl and fails the script on any
  answer that is not 2xx, unless the line before the command is a comment ``# expect: NNN …``
  which announces that status (the reader sees the same comment).
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import time
from pathlib import Path

import httpx

from tests.e2e.conftest import free_port

REPO = Path(__file__).resolve().parents[2]
SKIP = "<!-- readme-test: skip"  # optionally with a reason: <!-- readme-test: skip (why) -->
EXPECT = re.compile(r"^\s*# expect: (\d{3})\b")
PRINTED = ("HUB", "PARTNER_ID", "API_KEY", "EMAIL", "PASSWORD", "EMULATOR_TOKEN")

PRELUDE = r"""
set -euo pipefail
README_EXPECT=""
curl() {
  local body status expect="${README_EXPECT:-2xx}"
  README_EXPECT=""
  body=$(mktemp)
  if ! status=$(command curl -sS --max-time 30 -o "$body" -w '%{http_code}' "$@"); then
    echo "readme-test: curl did not get an answer: curl $*" >&2
    return 1
  fi
  cat "$body"
  case "$expect" in
    2xx) [[ $status == 2?? ]] ;;
    *) [[ $status == "$expect" ]] ;;
  esac || {
    echo >&2
    echo "readme-test: HTTP $status (expected $expect): curl $*" >&2
    cat "$body" >&2
    echo >&2
    return 1
  }
}
"""


def blocks(path: Path, language: str = "sh") -> list[tuple[int, str]]:
    """The ```sh (or other) blocks of a Markdown file not marked skip: (first line, text)."""
    return [(line, text) for line, text, _ in blocks_with_sections(path, language)]


def blocks_with_sections(path: Path, language: str = "sh") -> list[tuple[int, str, str]]:
    """Like :func:`blocks`, with the ``## `` heading each block is under ("" before the first)."""
    lines = path.read_text().splitlines()
    found: list[tuple[int, str, str]] = []
    previous = ""
    section = ""
    index = 0
    while index < len(lines):
        line = lines[index]
        if line.strip() == f"```{language}":
            start = index + 1
            end = start
            while lines[end].strip() != "```":
                end += 1
            if not previous.strip().startswith(SKIP):
                found.append((start + 1, "\n".join(lines[start:end]), section))
            index = end + 1
            previous = ""
            continue
        if line.startswith("```"):  # another language's block: skip it whole
            end = index + 1
            while lines[end].strip() != "```":
                end += 1
            index = end + 1
            previous = ""
            continue
        if line.startswith("## "):
            section = line[3:].strip()
        if line.strip():
            previous = line
        index += 1
    return found


def prepare(block: str, values: dict[str, str]) -> str:
    """Put the server's values into ``export`` lines; turn ``# expect:`` into code."""
    out: list[str] = []
    for line in block.splitlines():
        if line.lstrip().startswith("export "):
            for name, value in values.items():
                line = re.sub(
                    rf"\b{name}=\S+", lambda _m, n=name, v=value: f"{n}={shlex.quote(v)}", line
                )
        out.append(line)
        expected = EXPECT.match(line)
        if expected:
            out.append(f"README_EXPECT={expected.group(1)}")
    return "\n".join(out)


def start_demo(tmp_path: Path) -> tuple[subprocess.Popen[bytes], dict[str, str], Path]:
    """``partnerhub serve --demo`` as ``make run`` starts it, and what it printed."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PARTNERHUB_")}
    env.update(
        PARTNERHUB_DATA_DIR=str(tmp_path / "var"), PARTNERHUB_LOG_FORMAT="json", COLUMNS="200"
    )
    log_path = tmp_path / "serve.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [str(REPO / ".venv/bin/partnerhub"), "serve", "--demo", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=tmp_path,
        )
    hub = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        assert process.poll() is None, log_path.read_text()
        assert time.monotonic() < deadline, log_path.read_text()
        try:
            if httpx.get(f"{hub}/readyz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.1)
    text = log_path.read_text()

    def shown(label: str) -> str:
        """What the server printed after ``label :`` ("" when it did not: a later run)."""
        found = re.search(rf"{label}\s*:\s*(\S+)", text)
        return found.group(1) if found else ""

    printed = {
        "HUB": hub,
        "PARTNER_ID": shown("partner id"),
        "API_KEY": shown("API key"),
        "EMAIL": shown("login"),
        "PASSWORD": shown("password"),
        "EMULATOR_TOKEN": shown("emulator token"),
    }
    return process, printed, log_path


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(15)
    except subprocess.TimeoutExpired:
        process.kill()
