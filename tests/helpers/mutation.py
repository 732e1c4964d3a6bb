"""Hostile variants of valid request bodies: junk values, and one thing replaced, deleted or
added somewhere (the send-body fuzz tests)."""

from __future__ import annotations

import copy
import random
from typing import Any

JUNK: list[Any] = [
    None,
    True,
    0,
    -1,
    2**70,
    10**400,
    1.5,
    float("inf"),
    float("nan"),
    "",
    " ",
    "x" * 100_000,
    "\x00",
    "\ud800",
    "👍",
    "٣",
    [],
    [None],
    [[[[[]]]]],
    {},
    {"": None},
    {"type": {"type": {"type": "text"}}},
    {1: 2},
    {None: "x"},
    b"bytes",
    object(),
    {"x"},
    ("tuple",),
    "0",
    "16505551234",
    "https://example.com/a",
    "a" * 21,
    "a" * 300,
    "\U0001f44d\U0001f44d",
]


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found += paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += paths(item, (*prefix, index))
    return found


def mutate(body: Any, rng: random.Random) -> Any:
    """Replace, delete or add one thing somewhere in a valid body."""
    body = copy.deepcopy(body)
    path = rng.choice(paths(body))
    if not path:
        return rng.choice(JUNK)
    parent = body
    for step in path[:-1]:
        parent = parent[step]
    action = rng.random()
    if action < 0.6:
        parent[path[-1]] = rng.choice(JUNK)
    elif action < 0.8 and isinstance(parent, dict):
        del parent[path[-1]]
    elif isinstance(parent, dict):
        parent[rng.choice(["type", "id", "text", "body", "junk", 7, "link", "emoji"])] = rng.choice(
            JUNK
        )
    else:
        parent.append(rng.choice([*JUNK, copy.deepcopy(parent[0])] if parent else JUNK))
    return body
