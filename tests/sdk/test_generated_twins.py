"""The SDK's sync resources are generated from the async ones: a stale one fails here."""

from __future__ import annotations

from partnerhub.client.resources import _twins


def test_every_sync_twin_is_generated_from_its_async_twin() -> None:
    stale = _twins.stale()
    assert not stale, f"run: python -m partnerhub.client.resources._twins ({stale})"


def test_the_rewrite_turns_an_async_twin_into_its_sync_twin() -> None:
    source = (
        "class AsyncUsers(_UserCalls):\n"
        "    def __init__(self, core: AsyncCore) -> None: ...\n"
        "    async def list(self) -> list[User]:\n"
        "        return (await self._core.send(self._list(a, b))).users\n"
        "    def iter(self) -> AsyncIterator[User]: ...\n"
    )
    assert _twins.to_sync(source) == (
        "class Users(_UserCalls):\n"
        "    def __init__(self, core: SyncCore) -> None: ...\n"
        "    def list(self) -> list[User]:\n"
        "        return self._core.send(self._list(a, b)).users\n"
        "    def iter(self) -> Iterator[User]: ...\n"
    )
