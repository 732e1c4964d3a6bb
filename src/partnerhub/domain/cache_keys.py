"""The names of what the auth cache holds, shared by the readers that cache and the writes that
invalidate (adapters/cache_tags.py finds those writes).

A cached value is stored under one of these names and *tagged* with the names of every row it
was read from; a commit that changes a row drops exactly the values tagged with its name.
"""

from __future__ import annotations


def api_key(digest: str) -> str:
    return "apikey:" + digest


def partner(partner_id: str) -> str:
    return "partner:" + partner_id


def user(user_id: str) -> str:
    return "user:" + user_id


def family(family_id: str) -> str:
    return "family:" + family_id


def channel_key(digest: str) -> str:
    return "chkey:" + digest


def channel(channel_id: str) -> str:
    return "channel:" + channel_id
