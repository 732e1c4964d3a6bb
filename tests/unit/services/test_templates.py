"""Message templates: creation with Meta's limits, deletion by name, edits under Meta's edit
rules, the simulated review and the emulator's verdicts, each with its status event."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from partnerhub.domain.clients.model import WabaAccount
from partnerhub.domain.errors import Conflict, InvalidInput, NotFound, RateLimited
from partnerhub.domain.listing import ListQuery
from partnerhub.domain.templates import services as templates
from partnerhub.domain.templates.model import TemplateStatus
from partnerhub.domain.templates.rules import NewTemplate, TemplateEdit
from tests.fakes import FakeClock, FakeDatabase, FakeRateLimits, FakeUnitOfWork, builders

Uow = Callable[[], FakeUnitOfWork]
REVIEW = 30.0
BODY = [{"type": "BODY", "text": "Your order is on its way"}]


@pytest.fixture
def waba(db: FakeDatabase, clock: FakeClock) -> WabaAccount:
    partner = builders.partner(clock.now(), webhook_url="https://acme.example/hook")
    client = builders.client(partner, clock.now())
    account = builders.waba(client, clock.now())
    db.seed(partner, client, account)
    return account


async def _create(
    new_uow: Uow,
    clock: FakeClock,
    waba: WabaAccount,
    name: str = "order_update",
    language: str = "en",
    limits: FakeRateLimits | None = None,
) -> str:
    async with new_uow() as uow:
        template = await templates.create_template(
            uow,
            clock,
            waba.partner_id,
            waba.id,
            NewTemplate(name, "utility", language, BODY),
            review_seconds=REVIEW,
            limits=limits,
        )
    return template.id


async def test_a_new_template_is_submitted_with_its_review_scheduled_and_no_event(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase, waba: WabaAccount
) -> None:
    template_id = await _create(new_uow, clock, waba)
    stored = db.tables.templates[template_id]
    assert stored.status == TemplateStatus.SUBMITTED
    assert stored.category == "UTILITY"
    assert stored.namespace == waba.namespace
    assert stored.created_by == {"user_id": "partner", "user_name": waba.partner_id}
    assert stored.review_at is not None
    assert (stored.review_at - stored.created_at).total_seconds() == REVIEW
    assert not db.events()


async def test_a_template_name_and_language_is_unique_per_waba(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase, waba: WabaAccount
) -> None:
    await _create(new_uow, clock, waba)
    with pytest.raises(Conflict, match="already exists"):
        await _create(new_uow, clock, waba)
    await _create(new_uow, clock, waba, language="de")  # another language of the name
    assert len(db.tables.templates) == 2


async def test_a_waba_holds_at_most_250_template_names(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase, waba: WabaAccount
) -> None:
    db.seed(
        *(
            builders.template(waba, clock.now(), name=f"t{n}")
            for n in range(templates.MAX_NAMES_PER_WABA)
        )
    )
    with pytest.raises(Conflict, match="at most 250"):
        await _create(new_uow, clock, waba, name="one_more")
    await _create(new_uow, clock, waba, name="t1", language="de")  # an existing name is fine


async def test_an_invalid_template_is_refused_naming_its_field(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase, waba: WabaAccount
) -> None:
    async with new_uow() as uow:
        with pytest.raises(InvalidInput) as refused:
            await templates.create_template(
                uow,
                clock,
                waba.partner_id,
                waba.id,
                NewTemplate("Bad Name", "utility", "en", BODY),
                review_seconds=REVIEW,
            )
    assert refused.value.field == "name"
    assert not db.tables.templates


async def test_creation_spends_the_wabas_request_budget(
    new_uow: Uow, clock: FakeClock, waba: WabaAccount, limits: FakeRateLimits
) -> None:
    for n in range(templates.CREATE_LIMIT.amount):
        await _create(new_uow, clock, waba, name=f"t{n}", limits=limits)
    with pytest.raises(RateLimited):
        await _create(new_uow, clock, waba, name="over", limits=limits)
    clock.advance(templates.CREATE_LIMIT.seconds)
    await _create(new_uow, clock, waba, name="later", limits=limits)


async def test_another_partners_waba_is_not_found(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase, waba: WabaAccount
) -> None:
    other = builders.partner(clock.now())
    db.seed(other)
    async with new_uow() as uow:
        with pytest.raises(NotFound):
            await templates.list_templates(uow, other.id, waba.id, ListQuery())


async def test_templates_are_listed_with_a_category_filter_in_any_case(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase, waba: WabaAccount
) -> None:
    db.seed(
        builders.template(waba, clock.now(), name="a", category="MARKETING"),
        builders.template(waba, clock.now(), name="b", category="UTILITY"),
    )
    async with new_uow() as uow:
        found, total = await templates.list_templates(
            uow, waba.partner_id, waba.id, ListQuery(filters={"category": "marketing"})
        )
    assert ([t.name for t in found], total) == (["a"], 1)


async def test_deleting_by_name_deletes_every_language_and_by_id_one(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase, waba: WabaAccount
) -> None:
    await _create(new_uow, clock, waba, language="en")
    await _create(new_uow, clock, waba, language="de")
    kept = await _create(new_uow, clock, waba, name="other", language="en")
    gone = await _create(new_uow, clock, waba, name="other", language="de")
    async with new_uow() as uow:
        deleted = await templates.delete_template(uow, waba.partner_id, waba.id, "order_update")
    assert sorted(t.language for t in deleted) == ["de", "en"]
    async with new_uow() as uow:
        await templates.delete_template(uow, waba.partner_id, waba.id, gone)
    assert list(db.tables.templates) == [kept]
    async with new_uow() as uow:
        with pytest.raises(NotFound):
            await templates.delete_template(uow, waba.partner_id, waba.id, "order_update")


# Review ---------------------------------------------------------------------------------------


async def _review_round(new_uow: Uow, clock: FakeClock, reject_names: bool = True) -> int:
    async with new_uow() as uow:
        return await templates.run_due_reviews(uow, clock, reject_names=reject_names)


async def test_the_review_approves_when_due_and_rejects_names_marked_reject(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase, waba: WabaAccount
) -> None:
    good = await _create(new_uow, clock, waba)
    bad = await _create(new_uow, clock, waba, name="please_reject_me")
    assert await _review_round(new_uow, clock) == 0
    clock.advance(REVIEW)
    assert await _review_round(new_uow, clock) == 2
    assert db.tables.templates[good].status == TemplateStatus.APPROVED
    assert db.tables.templates[bad].status == TemplateStatus.REJECTED
    assert db.tables.templates[bad].rejected_reason == "INVALID_FORMAT"
    bodies = db.bodies("waba_template_status_changed")
    assert {b["data"]["id"]: b["data"]["status"] for b in bodies} == {
        good: "approved",
        bad: "rejected",
    }
    assert all(b["data"]["client_id"] == waba.client_id for b in bodies)
    assert await _review_round(new_uow, clock) == 0  # decided once


async def test_without_reject_names_every_template_is_approved(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase, waba: WabaAccount
) -> None:
    template_id = await _create(new_uow, clock, waba, name="please_reject_me")
    clock.advance(REVIEW)
    await _review_round(new_uow, clock, reject_names=False)
    assert db.tables.templates[template_id].status == TemplateStatus.APPROVED


async def _verdict(
    new_uow: Uow, clock: FakeClock, template_id: str, status: str, reason: str | None = None
) -> None:
    async with new_uow() as uow:
        await templates.review(uow, clock, template_id, status, reason, review_seconds=REVIEW)


async def test_the_emulators_verdict_sets_status_and_reason_with_one_event(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase, waba: WabaAccount
) -> None:
    template_id = await _create(new_uow, clock, waba)
    await _verdict(new_uow, clock, template_id, "rejected", "  TAG_CONTENT_MISMATCH ")
    stored = db.tables.templates[template_id]
    assert (stored.status, stored.rejected_reason) == ("rejected", "TAG_CONTENT_MISMATCH")
    assert stored.review_at is None  # decided: the automatic review ends
    await _verdict(new_uow, clock, template_id, "rejected", "TAG_CONTENT_MISMATCH")
    assert len(db.events()) == 1  # the same verdict again changes nothing
    await _verdict(new_uow, clock, template_id, "pending")
    assert db.tables.templates[template_id].review_at is not None  # back in review


@pytest.mark.parametrize(
    ("status", "reason", "field"),
    [
        ("maybe", None, "status"),
        ("approved", "SPAM", "rejected_reason"),
        ("rejected", " ", "rejected_reason"),
    ],
)
async def test_an_invalid_verdict_is_refused(
    new_uow: Uow,
    clock: FakeClock,
    waba: WabaAccount,
    status: str,
    reason: str | None,
    field: str,
) -> None:
    template_id = await _create(new_uow, clock, waba)
    with pytest.raises(InvalidInput) as refused:
        await _verdict(new_uow, clock, template_id, status, reason)
    assert refused.value.field == field


# Edits ----------------------------------------------------------------------------------------


async def _edit(
    new_uow: Uow, clock: FakeClock, waba: WabaAccount, template_id: str, edit: TemplateEdit
) -> None:
    async with new_uow() as uow:
        await templates.edit_template(
            uow, clock, waba.partner_id, waba.id, template_id, edit, review_seconds=REVIEW
        )


NEW_BODY = TemplateEdit(components=[{"type": "BODY", "text": "Your order has shipped"}])


async def test_editing_an_approved_template_sends_it_back_to_review_with_an_event(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase, waba: WabaAccount
) -> None:
    template_id = await _create(new_uow, clock, waba)
    await _verdict(new_uow, clock, template_id, "approved")
    await _edit(new_uow, clock, waba, template_id, NEW_BODY)
    stored = db.tables.templates[template_id]
    assert stored.status == TemplateStatus.SUBMITTED
    assert stored.components == NEW_BODY.components
    assert len(stored.approved_edits) == 1
    assert db.bodies("waba_template_status_changed")[-1]["data"]["status"] == "submitted"


async def test_an_approved_template_is_edited_once_a_day_and_keeps_its_category(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase, waba: WabaAccount
) -> None:
    template_id = await _create(new_uow, clock, waba)
    await _verdict(new_uow, clock, template_id, "approved")
    with pytest.raises(InvalidInput) as refused:
        await _edit(new_uow, clock, waba, template_id, TemplateEdit(category="marketing"))
    assert refused.value.field == "category"
    await _edit(new_uow, clock, waba, template_id, NEW_BODY)
    await _verdict(new_uow, clock, template_id, "approved")
    with pytest.raises(Conflict, match="1 time in 24 hours"):
        await _edit(new_uow, clock, waba, template_id, TemplateEdit(components=BODY))
    clock.advance(24 * 3600)
    await _edit(new_uow, clock, waba, template_id, TemplateEdit(components=BODY))


async def test_a_template_in_review_cannot_be_edited(
    new_uow: Uow, clock: FakeClock, waba: WabaAccount
) -> None:
    template_id = await _create(new_uow, clock, waba)
    with pytest.raises(Conflict, match="only approved, paused, rejected"):
        await _edit(new_uow, clock, waba, template_id, NEW_BODY)


async def test_an_edit_that_changes_nothing_spends_nothing(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase, waba: WabaAccount
) -> None:
    template_id = await _create(new_uow, clock, waba)
    await _verdict(new_uow, clock, template_id, "approved")
    events = len(db.events())
    await _edit(new_uow, clock, waba, template_id, TemplateEdit(components=BODY))
    stored = db.tables.templates[template_id]
    assert (stored.status, stored.approved_edits) == ("approved", [])
    assert len(db.events()) == events


async def test_an_empty_edit_and_an_unknown_template_are_refused(
    new_uow: Uow, clock: FakeClock, waba: WabaAccount
) -> None:
    with pytest.raises(InvalidInput) as refused:
        await _edit(new_uow, clock, waba, "TPmissing", TemplateEdit())
    assert refused.value.field == "components"
    with pytest.raises(NotFound):
        await _edit(new_uow, clock, waba, "TPmissing", NEW_BODY)


# The Messaging API's side (a WABA resolved from a channel key) ---------------------------------


async def test_through_a_channel_key_the_client_is_the_author(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase, waba: WabaAccount
) -> None:
    async with new_uow() as uow:
        created = await templates.create_for_waba(
            uow, clock, waba, NewTemplate("hello", "marketing", "en", BODY), review_seconds=0
        )
    stored = db.tables.templates[created.id]
    assert stored.created_by == {"user_id": "client", "user_name": waba.client_id}
    assert templates.template_fields(stored)["created_by"] == stored.created_by
    async with new_uow() as uow:
        await templates.run_due_reviews(uow, clock, reject_names=False)
    async with new_uow() as uow:
        edited = await templates.edit_for_waba(
            uow, clock, waba, created.id, NEW_BODY, review_seconds=REVIEW
        )
    assert edited.modified_by == {"user_id": "client", "user_name": waba.client_id}
    async with new_uow() as uow:
        listed, total = await templates.list_for_waba(uow, waba.id, ListQuery())
        assert total == 1
        deleted = await templates.delete_for_waba(uow, waba, "hello")
    assert [t.id for t in deleted] == [t.id for t in listed]
    assert not db.tables.templates


def test_a_template_from_before_authors_were_recorded_shows_its_partner(
    clock: FakeClock, waba: WabaAccount
) -> None:
    old = builders.template(waba, clock.now(), created_by=None)
    assert templates.template_fields(old)["created_by"] == {
        "user_id": "partner",
        "user_name": waba.partner_id,
    }


# Template types (issue 17 item 8) ----------------------------------------------------------


def _named_body(text: str) -> list[dict[str, object]]:
    return [
        {
            "type": "BODY",
            "text": text,
            "example": {"body_text_named_params": [{"param_name": "first_name", "example": "A"}]},
        }
    ]


async def test_an_edit_keeps_a_named_templates_format_unless_it_sends_one(
    new_uow: Uow, clock: FakeClock, db: FakeDatabase, waba: WabaAccount
) -> None:
    async with new_uow() as uow:
        created = await templates.create_template(
            uow,
            clock,
            waba.partner_id,
            waba.id,
            NewTemplate("greeting", "utility", "en", _named_body("Hi {{first_name}}"), "NAMED"),
            review_seconds=REVIEW,
        )
    await _verdict(new_uow, clock, created.id, "approved")
    # The stored texts say NAMED: an edit without parameter_format keeps it.
    await _edit(
        new_uow,
        clock,
        waba,
        created.id,
        TemplateEdit(components=_named_body("Hello {{first_name}}")),
    )
    assert db.tables.templates[created.id].components[0]["text"] == "Hello {{first_name}}"
    await _verdict(new_uow, clock, created.id, "rejected")
    with pytest.raises(InvalidInput) as refused:
        await _edit(new_uow, clock, waba, created.id, TemplateEdit(parameter_format="POSITIONAL"))
    assert refused.value.field == "components[0].text"
