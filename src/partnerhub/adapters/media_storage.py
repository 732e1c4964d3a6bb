"""Where media bytes are kept (the :class:`~partnerhub.domain.ports.MediaStorage` port).

- :class:`LocalMediaStorage` (the default): files under ``<data dir>/media``. An object is
  written to a temporary file in the same directory and renamed into place once complete, so a
  reader sees the whole file or none; a refused or broken upload leaves nothing.
- :class:`S3MediaStorage` (``PARTNERHUB_MEDIA_S3_URL``): an S3-compatible bucket, shared by API
  processes on several machines, through aiobotocore (botocore's own client on aiohttp, which
  the server already uses). An object up to one part is one ``PutObject``; a larger one a
  multipart upload of 8 MiB parts, completed at the end or aborted: S3 shows the object only once
  it is complete. At most one part is held in memory.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from partnerhub.adapters.db import private_dir

CHUNK = 256 * 1024
PART = 8 * 1024 * 1024  # S3's minimum part is 5 MiB


class LocalMediaStorage:
    def __init__(self, root: Path) -> None:
        self.root = root
        private_dir(root)
        self._tmp = root / ".incoming"
        private_dir(self._tmp)

    def _path(self, key: str) -> Path:
        if not key.isalnum():
            raise ValueError(f"not a storage key: {key!r}")
        return self.root / key[:2] / key

    async def put(self, key: str, chunks: AsyncIterator[bytes]) -> None:
        final = self._path(key)
        partial = self._tmp / f"{key}.{secrets.token_hex(4)}"
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as out:
                async for chunk in chunks:
                    out.write(chunk)
            final.parent.mkdir(mode=0o700, exist_ok=True)
            os.replace(partial, final)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                partial.unlink()
            raise

    async def get(self, key: str) -> AsyncIterator[bytes]:
        with self._path(key).open("rb") as source:
            while chunk := source.read(CHUNK):
                yield chunk
                await asyncio.sleep(0)

    async def delete(self, key: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self._path(key).unlink()


class S3MediaStorage:
    """Objects ``<prefix><key>`` in ``bucket`` of the S3-compatible service at ``endpoint_url``."""

    def __init__(
        self,
        endpoint_url: str,
        bucket: str,
        *,
        access_key: str | None = None,
        secret_key: str | None = None,
        region: str = "us-east-1",
        prefix: str = "media/",
    ) -> None:
        from aiobotocore.session import get_session  # only when configured

        self._session = get_session()
        self._options: dict[str, Any] = {
            "endpoint_url": endpoint_url,
            "region_name": region,
            "aws_access_key_id": access_key,
            "aws_secret_access_key": secret_key,
        }
        self.bucket = bucket
        self._prefix = prefix
        self._client: Any = None
        self._exit: contextlib.AsyncExitStack | None = None
        self._lock = asyncio.Lock()

    async def _s3(self) -> Any:
        if self._client is None:
            async with self._lock:
                if self._client is None:
                    stack = contextlib.AsyncExitStack()
                    self._client = await stack.enter_async_context(
                        self._session.create_client("s3", **self._options)
                    )
                    self._exit = stack
        return self._client

    async def aclose(self) -> None:
        if self._exit is not None:
            await self._exit.aclose()
            self._client = self._exit = None

    async def ensure_bucket(self) -> None:
        s3 = await self._s3()
        try:
            await s3.head_bucket(Bucket=self.bucket)
        except Exception:
            await s3.create_bucket(Bucket=self.bucket)

    async def put(self, key: str, chunks: AsyncIterator[bytes]) -> None:
        s3 = await self._s3()
        name = self._prefix + key
        buffer = bytearray()
        upload_id: str | None = None
        parts: list[dict[str, Any]] = []
        try:
            async for chunk in chunks:
                buffer += chunk
                while len(buffer) >= PART:
                    if upload_id is None:
                        started = await s3.create_multipart_upload(Bucket=self.bucket, Key=name)
                        upload_id = started["UploadId"]
                    await self._part(s3, name, upload_id, parts, bytes(buffer[:PART]))
                    del buffer[:PART]
            if upload_id is None:
                await s3.put_object(Bucket=self.bucket, Key=name, Body=bytes(buffer))
                return
            if buffer:
                await self._part(s3, name, upload_id, parts, bytes(buffer))
            await s3.complete_multipart_upload(
                Bucket=self.bucket,
                Key=name,
                UploadId=upload_id,
                MultipartUpload={"Parts": parts},
            )
        except BaseException:
            if upload_id is not None:
                with contextlib.suppress(Exception):
                    await s3.abort_multipart_upload(
                        Bucket=self.bucket, Key=name, UploadId=upload_id
                    )
            raise

    async def _part(
        self, s3: Any, name: str, upload_id: str, parts: list[dict[str, Any]], body: bytes
    ) -> None:
        number = len(parts) + 1
        sent = await s3.upload_part(
            Bucket=self.bucket, Key=name, UploadId=upload_id, PartNumber=number, Body=body
        )
        parts.append({"ETag": sent["ETag"], "PartNumber": number})

    async def get(self, key: str) -> AsyncIterator[bytes]:
        s3 = await self._s3()
        try:
            answer = await s3.get_object(Bucket=self.bucket, Key=self._prefix + key)
        except s3.exceptions.NoSuchKey:
            raise FileNotFoundError(key) from None
        async with answer["Body"] as body:
            async for chunk in body.iter_chunks(CHUNK):
                yield chunk

    async def delete(self, key: str) -> None:
        s3 = await self._s3()
        await s3.delete_object(Bucket=self.bucket, Key=self._prefix + key)
