"""The integrated onboarding flow (spec §8): IO signature checks and signup-form validation.

The page itself is in :mod:`server.pages.onboarding`; this module decides what is allowed.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import quote, urlsplit

from partnerhub.domain.clients import login
from partnerhub.domain.clients.onboarding import NewClient, NewNumber
from partnerhub.domain.clients.phones import normalize_phone
from partnerhub.domain.errors import InvalidInput, PermissionDenied
from partnerhub.domain.partners.model import Partner
from partnerhub.domain.ports import UnitOfWork
from partnerhub.domain.webhooks import signing

IO_SIGNATURE_MAX_AGE = 300  # seconds, spec §8 [ours]
IO_SIGNATURE_SUBMIT_WINDOW = 1800  # a form may be filled in for up to 30 minutes [ours]
NUMBER_ROWS = 3  # phone rows on the page; works without JavaScript


class Refused(PermissionDenied):
    """The onboarding link cannot be used; the message is shown to the client."""


def io_signature(platform_secret: str, partner_id: str, timestamp: int) -> str:
    """What the partner's server computes: hex HMAC-SHA512 of ``{partner_id}|{timestamp}``."""
    message = f"{partner_id}|{timestamp}".encode()
    return hmac.new(platform_secret.encode(), message, hashlib.sha512).hexdigest()


def _digest(signature: str) -> str:
    return hashlib.sha256(signature.encode()).hexdigest()


async def check_io_signature(
    uow: UnitOfWork,
    partner: Partner,
    master_key: str,
    signature: str | None,
    timestamp: str | None,
    now: datetime,
    *,
    max_age: int,
) -> None:
    """Raise :class:`Refused` saying why, when the partner requires IO signatures."""
    if not partner.io_signature_enabled:
        return
    if partner.platform_secret_nonce is None:
        raise Refused("This partner requires signed links but has no platform secret yet.")
    if not signature or not timestamp:
        raise Refused("This onboarding link is not signed. Ask the partner for a new link.")
    # UNIX seconds: at most 12 digits (a longer one would overflow the age arithmetic).
    if len(timestamp) > 12 or not timestamp.isdigit():
        raise Refused("This onboarding link has an invalid timestamp.")
    moment = int(timestamp)
    age = now.timestamp() - moment
    if age > max_age or age < -60:
        raise Refused("This onboarding link has expired. Ask the partner for a new link.")
    # During a rotation's grace period a link signed with the previous secret is still good.
    keys = signing.partner_secrets(master_key, partner, now)
    assert keys is not None
    given = signature.lower()
    if not any(
        hmac.compare_digest(io_signature(secret, partner.id, moment), given) for secret in keys.all
    ):
        raise Refused("This onboarding link's signature is wrong. Ask the partner for a new link.")
    if await uow.io_signatures.is_spent(_digest(signature.lower())):
        raise Refused(ALREADY_USED)


ALREADY_USED = "This onboarding link was already used. Ask the partner for a new link."


async def spend_io_signature(
    uow: UnitOfWork, partner: Partner, signature: str | None, now: datetime
) -> None:
    """Record the signature as used, in the change's own transaction (replay protection), and
    raise :class:`Refused` if another request spent it first.

    Call it first in that transaction, before the change: of posts racing with one signature,
    the losers wait on the winner's row (PostgreSQL) or on the write lock (SQLite), find it
    there and are refused before doing anything, rather than failing on the primary key at
    commit (a 500).
    """
    if not (partner.io_signature_enabled and signature):
        return
    if not await uow.io_signatures.spend(_digest(signature.lower()), partner.id, now):
        raise Refused(ALREADY_USED)


Row = tuple[str, str, bool]  # number, display name, permission ticked


@dataclass
class SignupForm:
    company: str = ""
    contact_name: str = ""
    email: str = ""
    password: str = ""  # never rendered back into the page
    numbers: list[Row] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)


def validate_numbers(rows: list[Row], errors: dict[str, str]) -> list[NewNumber]:
    """The filled-in phone rows as numbers; a bad one puts its message under ``phone_<row>``."""
    numbers: list[NewNumber] = []
    for index, (number, name, granted) in enumerate(rows):
        if not number.strip():
            continue
        try:
            phone = normalize_phone(f"phone_{index}", number)
        except InvalidInput:
            errors[f"phone_{index}"] = (
                "Enter the number in international format, e.g. +4915112345678."
            )
            continue
        numbers.append(NewNumber(phone, name.strip(), granted))
    if len({n.phone_number for n in numbers}) != len(numbers):
        errors["phone_0"] = "The same number is listed twice."
    return numbers


# One answer for a number that is in use, whoever holds it (this partner's client, another
# partner's, or the same client): the page is public, so it must not tell a stranger, or a
# partner, whose client a number is (issue 20, finding 4; docs/fidelity.md).
NUMBER_UNAVAILABLE = (
    "This number cannot be registered. If you signed up with it before, log in to manage "
    "your numbers; otherwise contact the company that sent you this link."
)


def place_taken(rows: list[Row], taken: list[str], errors: dict[str, str]) -> None:
    """Put :data:`NUMBER_UNAVAILABLE` next to each row whose number is in use."""
    for index, (number, _, _) in enumerate(rows):
        try:
            phone = normalize_phone("phone", number) if number.strip() else None
        except InvalidInput:
            phone = None
        if phone in taken:
            errors[f"phone_{index}"] = NUMBER_UNAVAILABLE
    if not any(key.startswith("phone_") for key in errors):
        errors["phone_0"] = NUMBER_UNAVAILABLE


def validate(form: SignupForm) -> tuple[NewClient, list[NewNumber]] | None:
    """Fill ``form.errors`` (field -> message) and return the signup when there are none."""
    if not form.company.strip():
        form.errors["company"] = "Enter your company's name."
    if not form.contact_name.strip():
        form.errors["contact_name"] = "Enter your name."
    email = form.email.strip()
    local, _, domain = email.partition("@")
    if not local or "." not in domain or " " in email or len(email) > 320 or "\x00" in email:
        form.errors["email"] = "Enter a valid email address."
    if not login.MIN_PASSWORD_LENGTH <= len(form.password) <= login.MAX_PASSWORD_LENGTH:
        form.errors["password"] = (
            f"Choose a password of at least {login.MIN_PASSWORD_LENGTH} characters."
        )
    numbers = validate_numbers(form.numbers, form.errors)
    if not numbers and not any(key.startswith("phone_") for key in form.errors):
        form.errors["phone_0"] = "Enter at least one phone number."
    if form.errors:
        return None
    return NewClient(
        name=form.company.strip(),
        contact_name=form.contact_name.strip(),
        email=email,
        password=form.password,
    ), numbers


def redirect_target(partner: Partner, requested: str | None) -> str:
    """The partner's redirect URL, or a ``redirect_url`` on the same origin (no open redirect)."""
    base = partner.partner_redirect_url
    if base is None:
        raise Refused(
            "This partner has not set up its redirect URL yet, so the signup cannot finish. "
            "Please contact the partner."
        )
    if requested:
        wanted, allowed = urlsplit(requested), urlsplit(base)
        if (wanted.scheme, wanted.netloc) == (allowed.scheme, allowed.netloc):
            return requested
    return base


def finish_url(
    target: str, client_id: str, channel_ids: list[str], revoked: list[str], state: str | None
) -> str:
    """``client=<id>&channels=[a,b]`` with literal brackets (spec §8), ``state`` echoed."""
    params = [f"client={quote(client_id)}", f"channels=[{','.join(channel_ids)}]"]
    if revoked:
        params.append(f"revoked=[{','.join(revoked)}]")
    if state is not None:
        params.append(f"state={quote(state, safe='')}")
    return target + ("&" if urlsplit(target).query else "?") + "&".join(params)
