"""The SDK's resources, one module per URL family: the Partner API's under
``/api/v2/partners/{id}``, the Messaging API's (``messages``, ``messaging_webhook``,
``messaging_templates``) under the channel's address.

In each module a ``_…Calls`` base builds every operation's :class:`~partnerhub.client._base.Call`
(method, path, parameters, body, how to read the answer) once. The async twin ``AsyncFoo``
sends it through an :class:`~partnerhub.client._base.AsyncCore` and is written by hand; the sync
twin ``Foo`` (through a :class:`~partnerhub.client._base.SyncCore`) is generated from it at the
bottom of the module by :mod:`partnerhub.client.resources._twins`, and a test fails when it is
stale, so the two cannot drift.
"""
