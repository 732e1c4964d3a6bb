"""``…/waba_accounts/{id}/waba_templates``: message templates."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from typing import Any

from partnerhub.client import models
from partnerhub.client._base import (
    AsyncCore,
    Call,
    Page,
    SyncCore,
    call,
    expect,
    expect_nothing,
    expect_page,
    list_params,
    twin_docs,
)
from partnerhub.client.resources._common import (
    DEFAULT_PAGE_SIZE,
    Filters,
    Sort,
    _Resource,
    _seg,
    _sort,
)

# --------------------------------------------------------------------------- templates


class _TemplateCalls(_Resource):
    def _path(self, waba_account_id: str) -> str:
        return f"{self._base}/waba_accounts/{_seg(waba_account_id)}/waba_templates"

    def _list(
        self,
        waba_account_id: str,
        limit: int | None,
        offset: int | None,
        sort: Sort,
        filters: Filters,
    ) -> Call[Page[models.Template]]:
        return call(
            "GET",
            self._path(waba_account_id),
            expect_page(models.TemplateList, "waba_templates"),
            params=list_params(limit, offset, _sort(sort), filters),
        )

    def _create(self, waba_account_id: str, body: dict[str, Any]) -> Call[models.Template]:
        return call("POST", self._path(waba_account_id), expect(models.Template), json=body)

    def _delete(self, waba_account_id: str, name: str) -> Call[None]:
        return call("DELETE", f"{self._path(waba_account_id)}/{_seg(name)}", expect_nothing)

    def _edit(
        self, waba_account_id: str, template_id: str, body: dict[str, Any]
    ) -> Call[models.Template]:
        return call(
            "PATCH",
            f"{self._path(waba_account_id)}/{_seg(template_id)}",
            expect(models.Template),
            json=body,
        )


def template_edit_body(
    components: Sequence[Mapping[str, Any]] | None, category: str | None, extra: Mapping[str, Any]
) -> dict[str, Any]:
    body: dict[str, Any] = dict(extra)
    if components is not None:
        body["components"] = [dict(c) for c in components]
    if category is not None:
        body["category"] = category
    return body


def template_body_for_review(
    name: str,
    language: str,
    category: str,
    components: Sequence[Mapping[str, Any]] | None,
    extra: Mapping[str, Any],
) -> dict[str, Any]:
    return {
        "name": name,
        "language": language,
        "category": category,
        "components": [dict(c) for c in components or ()],
        **extra,
    }


class Templates(_TemplateCalls):
    """``…/waba_accounts/{id}/waba_templates``: message templates of one WABA."""

    def __init__(self, core: SyncCore, partner_id: str) -> None:
        super().__init__(partner_id)
        self._core = core

    def list(
        self,
        waba_account_id: str,
        *,
        limit: int | None = None,
        offset: int | None = None,
        sort: Sort = None,
        filters: Filters = None,
    ) -> Page[models.Template]:
        """One page of templates (400 requests / minute)."""
        return self._core.send(self._list(waba_account_id, limit, offset, sort, filters))

    def iter(
        self,
        waba_account_id: str,
        *,
        page_size: int = DEFAULT_PAGE_SIZE,
        sort: Sort = None,
        filters: Filters = None,
    ) -> Iterator[models.Template]:
        """Every template of the WABA, a page at a time."""
        return self._core.iterate(
            lambda offset: self._list(waba_account_id, page_size, offset, sort, filters)
        )

    def create(
        self,
        waba_account_id: str,
        *,
        name: str,
        language: str,
        category: str,
        components: Sequence[Mapping[str, Any]] | None = None,
        **extra: Any,
    ) -> models.Template:
        """Submit a template for review (60 / minute per WABA); ``extra`` goes in the body."""
        body = template_body_for_review(name, language, category, components, extra)
        return self._core.send(self._create(waba_account_id, body))

    def delete(self, waba_account_id: str, name: str) -> None:
        """Delete a template by name (every language of it)."""
        self._core.send(self._delete(waba_account_id, name))

    def edit(
        self,
        waba_account_id: str,
        template_id: str,
        *,
        components: Sequence[Mapping[str, Any]] | None = None,
        category: str | None = None,
        **extra: Any,
    ) -> models.Template:
        """Replace a template's components and/or category; it goes back to review. Meta's
        rules apply: only approved, rejected or paused templates; an approved one keeps its
        category and can be edited once a day, ten times in 30 days."""
        body = template_edit_body(components, category, extra)
        return self._core.send(self._edit(waba_account_id, template_id, body))


@twin_docs(Templates)
class AsyncTemplates(_TemplateCalls):
    def __init__(self, core: AsyncCore, partner_id: str) -> None:
        super().__init__(partner_id)
        self._core = core

    async def list(
        self,
        waba_account_id: str,
        *,
        limit: int | None = None,
        offset: int | None = None,
        sort: Sort = None,
        filters: Filters = None,
    ) -> Page[models.Template]:
        return await self._core.send(self._list(waba_account_id, limit, offset, sort, filters))

    def iter(
        self,
        waba_account_id: str,
        *,
        page_size: int = DEFAULT_PAGE_SIZE,
        sort: Sort = None,
        filters: Filters = None,
    ) -> AsyncIterator[models.Template]:
        return self._core.iterate(
            lambda offset: self._list(waba_account_id, page_size, offset, sort, filters)
        )

    async def create(
        self,
        waba_account_id: str,
        *,
        name: str,
        language: str,
        category: str,
        components: Sequence[Mapping[str, Any]] | None = None,
        **extra: Any,
    ) -> models.Template:
        body = template_body_for_review(name, language, category, components, extra)
        return await self._core.send(self._create(waba_account_id, body))

    async def delete(self, waba_account_id: str, name: str) -> None:
        await self._core.send(self._delete(waba_account_id, name))

    async def edit(
        self,
        waba_account_id: str,
        template_id: str,
        *,
        components: Sequence[Mapping[str, Any]] | None = None,
        category: str | None = None,
        **extra: Any,
    ) -> models.Template:
        body = template_edit_body(components, category, extra)
        return await self._core.send(self._edit(waba_account_id, template_id, body))
