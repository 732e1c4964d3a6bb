"""The business profile of a number and its resumable upload sessions (rules in
:mod:`partnerhub.domain.messaging.profile`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

UPLOAD_PREFIX = "upload:"


@dataclass
class UploadSession:
    id: str
    channel_id: str
    file_name: str
    file_length: int
    file_type: str
    file_offset: int
    created_at: datetime
    expires_at: datetime
    handle: str | None = None
    completed_at: datetime | None = None

    @property
    def wire_id(self) -> str:
        return f"{UPLOAD_PREFIX}{self.id}"

    @property
    def complete(self) -> bool:
        return self.completed_at is not None

    @property
    def content_type(self) -> str:
        """The type the bytes are served with (``image/jpg`` is not a registered type)."""
        return "image/jpeg" if self.file_type == "image/jpg" else self.file_type


@dataclass
class BusinessProfile:
    channel_id: str
    about: str | None = None
    address: str | None = None
    description: str | None = None
    email: str | None = None
    websites: list[str] = field(default_factory=list)
    vertical: str | None = None
    picture_id: str | None = None  # the upload session whose bytes are the picture
    updated_at: datetime | None = None


@dataclass
class BusinessEncryptionKey:
    """The business public key of a number (WhatsApp Flows' data exchange, issue 18): the PEM
    uploaded with ``POST /whatsapp_business_encryption``, as a SubjectPublicKeyInfo PEM."""

    channel_id: str
    public_key: str
    updated_at: datetime
