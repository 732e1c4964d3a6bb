"""WhatsApp Coexistence's pure rules: the app's state as stored and checked, the history's split
into Meta's phases, and the 20 messages per second of a coexistence number."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from partnerhub.domain.clients.model import Channel
from partnerhub.domain.errors import InvalidInput
from partnerhub.domain.messaging import coexistence as co
from partnerhub.domain.messaging.errors import GraphError
from partnerhub.domain.messaging.throughput import CoexistenceThroughput

NOW = datetime(2026, 12, 6, 12, tzinfo=UTC)


def channel(state: dict[str, object]) -> Channel:
    return Channel(
        id="ch",
        partner_id="p",
        client_id="c",
        waba_account_id="w",
        status="running",
        phone_number="+4915112345678",
        phone_name="Shop",
        external_id="1234",
        created_at=NOW,
        modified_at=NOW,
        is_on_biz_app=True,
        smb_app_state=state,
    )


def test_app_state_stores_absolute_times_and_digits() -> None:
    state = co.app_state(
        NOW,
        [co.AppContact("+4915100000001", full_name="Ada King")],
        [co.AppThread("+4917600000000", [co.AppMessage("hi", days_ago=1.5)])],
    )
    assert state["contacts"] == [
        {"phone_number": "4915100000001", "full_name": "Ada King", "first_name": "Ada"}
    ]
    (thread,) = state["threads"]
    assert thread["wa_id"] == "4917600000000"
    assert datetime.fromisoformat(thread["messages"][0]["at"]) == NOW - timedelta(days=1.5)
    assert co.stored_state("s", state) == state  # what is stored reads back unchanged


@pytest.mark.parametrize(
    ("contacts", "threads", "field"),
    [
        ([co.AppContact("12")], [], "coexistence.contacts[0].phone_number"),
        ([], [co.AppThread("x")], "coexistence.threads[0].wa_id"),
        (
            [],
            [co.AppThread("4917600000000", [co.AppMessage("hi", status="SEEN")])],
            "coexistence.threads[0].messages[0].status",
        ),
        (
            [],
            [co.AppThread("4917600000000", [co.AppMessage("hi", days_ago=-1)])],
            "coexistence.threads[0].messages[0].days_ago",
        ),
    ],
)
def test_app_state_refusals_name_the_field(
    contacts: list[co.AppContact], threads: list[co.AppThread], field: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        co.app_state(NOW, contacts, threads)
    assert refused.value.field == field


def test_history_phases_split_by_age_and_drop_older_than_180_days() -> None:
    ages = [0.2, 0.99, 1.0, 89.9, 90.0, 179.9, 180.0, 400]
    state = co.app_state(
        NOW,
        threads=[
            co.AppThread(
                "4917600000000",
                [co.AppMessage(str(age), from_business=age == 0.2, days_ago=age) for age in ages],
            )
        ],
    )
    chunks = co.history_data(channel(state), "99", NOW)
    got = [
        [m.text["body"] for t in c.history[0].threads or [] for m in t.messages if m.text]
        for c in chunks
    ]
    assert got == [["0.2", "0.99"], ["1.0", "89.9"], ["90.0", "179.9"]]
    first = chunks[0].history[0].threads[0].messages[0]  # type: ignore[index]
    assert first.from_ == "4915112345678" and first.to == "4917600000000"
    second = chunks[0].history[0].threads[0].messages[1]  # type: ignore[index]
    assert second.from_ == "4917600000000" and second.to is None
    assert [c.history[0].metadata.progress for c in chunks] == [33, 67, 100]  # type: ignore[union-attr]


def test_declined_history_is_one_error_chunk() -> None:
    state = co.app_state(NOW, share_history=False)
    (only,) = co.history_data(channel(state), "99", NOW)
    (error,) = only.history[0].errors or []
    assert error.code == 2593109 and only.history[0].metadata is None


def test_stored_state_refuses_malformed_seeds() -> None:
    with pytest.raises(InvalidInput):
        co.stored_state("s", {"threads": [{"wa_id": "4917600000000", "messages": [{"text": 1}]}]})
    with pytest.raises(InvalidInput):
        co.stored_state("s", {"unknown": True})
    naive = {
        "threads": [
            {"wa_id": "4917600000000", "messages": [{"text": "a", "at": "2026-01-01T00:00:00"}]}
        ]
    }
    with pytest.raises(InvalidInput):
        co.stored_state("s", naive)


def test_throughput_is_20_per_second_per_number() -> None:
    limit = CoexistenceThroughput()
    for i in range(20):
        limit.check("a", 100.0 + i * 0.01)
    with pytest.raises(GraphError) as refused:
        limit.check("a", 100.5)
    assert refused.value.code == 130429
    limit.check("b", 100.5)  # another number has its own budget
    limit.check("a", 101.0)  # a second later the first send left the window
