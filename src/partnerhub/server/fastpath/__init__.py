"""Hot paths: the few requests partners make at volume (and the upload that must stream),
answered below the framework.

One mechanism (:mod:`.dispatch`) serves them all: a table of :class:`~.dispatch.HotRoute`
(method, path template, error shape, handler). Each handler calls the same auth and services as
its routed twin, errors answer through the same renderers (:mod:`partnerhub.server.errors`), and
the routed handler stays the documented operation in ``/openapi.json`` and answers everything
the hot route does not (other methods, HEAD, malformed paths). They exist for throughput only
(docs/benchmarks.md); ``tests/integration/test_hot_paths.py`` compares every hot route with its
routed twin answer for answer.
"""

from __future__ import annotations

from partnerhub.server.fastpath.dispatch import HotPaths, HotRoute
from partnerhub.server.fastpath.media import ROUTES as MEDIA_ROUTES
from partnerhub.server.fastpath.partners import ROUTES as PARTNER_ROUTES
from partnerhub.server.fastpath.send import ROUTES as SEND_ROUTES

# Routes only answered here: POST /media streams its body to storage (the framework would
# read it whole). Served whether or not the hot paths are on.
STREAMED_ROUTES: tuple[HotRoute, ...] = MEDIA_ROUTES
# Every hot route, in the order they are matched.
HOT_ROUTES: tuple[HotRoute, ...] = (*SEND_ROUTES, *PARTNER_ROUTES, *STREAMED_ROUTES)

__all__ = ["HOT_ROUTES", "STREAMED_ROUTES", "HotPaths", "HotRoute"]
