"""The Partner API's resources, one module per URL family under ``/api/v2/partners/{id}``.

In each module a ``_…Calls`` base builds every operation's :class:`~partnerhub.client._base.Call`
(method, path, parameters, body, how to read the answer) once, and two thin twins send it:
``AsyncFoo`` through an :class:`~partnerhub.client._base.AsyncCore`, ``Foo`` through a
:class:`~partnerhub.client._base.SyncCore`.
"""
