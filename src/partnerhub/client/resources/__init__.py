"""The Partner API's resources, one module per URL family under ``/api/v2/partners/{id}``.

In each module a ``_…Calls`` base builds every operation's :class:`~partnerhub.client._base.Call`
(method, path, parameters, body, how to read the answer) once. The async twin ``AsyncFoo``
sends it through an :class:`~partnerhub.client._base.AsyncCore` and is written by hand; the sync
twin ``Foo`` (through a :class:`~partnerhub.client._base.SyncCore`) is generated from it at the
bottom of the module by :mod:`partnerhub.client.resources._twins`, and a test fails when it is
stale, so the two cannot drift.
"""
