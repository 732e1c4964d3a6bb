"""``…/users``: the partner's users, their passwords and logins."""

from __future__ import annotations

import builtins

import httpx

from partnerhub.client._auth import TokenAuth
from partnerhub.client._base import (
    AsyncCore,
    Call,
    SyncCore,
    call,
    expect,
    twin_docs,
)
from partnerhub.client.resources._common import (
    _Resource,
    _seg,
)
from partnerhub.wire import users as wire_users

# --------------------------------------------------------------------------- users

ME = "me"


class _UserCalls(_Resource):
    def _path(self, user_id: str) -> str:
        return f"{self._base}/users/{_seg(user_id)}"

    def _list(self) -> Call[wire_users.UserList]:
        return call("GET", f"{self._base}/users", expect(wire_users.UserList))

    def _get(self, user_id: str) -> Call[wire_users.User]:
        return call("GET", self._path(user_id), expect(wire_users.User))

    def _set_disabled(self, user_id: str, disabled: bool) -> Call[wire_users.User]:
        return call(
            "PATCH",
            self._path(user_id),
            expect(wire_users.User),
            json=wire_users.UserPatch(disabled=disabled),
        )

    def _change_password(
        self, user_id: str, current_password: str, new_password: str
    ) -> Call[wire_users.LoginsRevoked]:
        return call(
            "POST",
            self._path(user_id) + "/password",
            expect(wire_users.LoginsRevoked),
            json=wire_users.PasswordChange(
                current_password=current_password, new_password=new_password
            ),
        )

    def _revoke_sessions(self, user_id: str) -> Call[wire_users.LoginsRevoked]:
        return call(
            "POST", self._path(user_id) + "/revoke_sessions", expect(wire_users.LoginsRevoked)
        )


def _follow_password(auth: httpx.Auth, user_id: str, new_password: str) -> None:
    """A client signed in as the user whose password changed keeps working: its token auth
    signs in with the new password next time (the change ended its tokens)."""
    if user_id == ME and isinstance(auth, TokenAuth):
        auth.use_password(new_password)


class Users(_UserCalls):
    """``…/users`` [ours]: the partner's users, their passwords and logins.

    ``user_id="me"`` is the user signed in through this client's ``username`` and ``password``
    (bearer tokens); with an API key, give a user id (from :meth:`list`).
    """

    def __init__(self, core: SyncCore, partner_id: str, auth: httpx.Auth) -> None:
        super().__init__(partner_id)
        self._core = core
        self._auth = auth

    def list(self) -> builtins.list[wire_users.User]:
        """Every user of the partner (never a password)."""
        return self._core.send(self._list()).users

    def get(self, user_id: str = ME) -> wire_users.User:
        """One user; ``me`` by default."""
        return self._core.send(self._get(user_id))

    def change_password(
        self, current_password: str, new_password: str, *, user_id: str = ME
    ) -> wire_users.LoginsRevoked:
        """Change a password (the current one is required). Every login of the user ends: its
        bearer tokens and dashboard sessions. For ``me`` this client switches to the new
        password by itself."""
        revoked = self._core.send(self._change_password(user_id, current_password, new_password))
        _follow_password(self._auth, user_id, new_password)
        return revoked

    def revoke_sessions(self, user_id: str = ME) -> wire_users.LoginsRevoked:
        """End every login of the user (token families and dashboard sessions); the password
        stays. For ``me``, this client signs in again on its next request."""
        return self._core.send(self._revoke_sessions(user_id))

    def disable(self, user_id: str) -> wire_users.User:
        """Disable a user: its logins end and no new one is allowed until :meth:`enable`."""
        return self._core.send(self._set_disabled(user_id, True))

    def enable(self, user_id: str) -> wire_users.User:
        """Enable a disabled user again (its old logins stay ended)."""
        return self._core.send(self._set_disabled(user_id, False))


@twin_docs(Users)
class AsyncUsers(_UserCalls):
    def __init__(self, core: AsyncCore, partner_id: str, auth: httpx.Auth) -> None:
        super().__init__(partner_id)
        self._core = core
        self._auth = auth

    async def list(self) -> builtins.list[wire_users.User]:
        return (await self._core.send(self._list())).users

    async def get(self, user_id: str = ME) -> wire_users.User:
        return await self._core.send(self._get(user_id))

    async def change_password(
        self, current_password: str, new_password: str, *, user_id: str = ME
    ) -> wire_users.LoginsRevoked:
        revoked = await self._core.send(
            self._change_password(user_id, current_password, new_password)
        )
        _follow_password(self._auth, user_id, new_password)
        return revoked

    async def revoke_sessions(self, user_id: str = ME) -> wire_users.LoginsRevoked:
        return await self._core.send(self._revoke_sessions(user_id))

    async def disable(self, user_id: str) -> wire_users.User:
        return await self._core.send(self._set_disabled(user_id, True))

    async def enable(self, user_id: str) -> wire_users.User:
        return await self._core.send(self._set_disabled(user_id, False))
