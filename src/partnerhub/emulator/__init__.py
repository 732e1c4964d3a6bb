"""The emulator: what a partner's test suite drives on top of the core [ours].

World seed and export (:mod:`.world`, its document :mod:`.wire`, its rows :mod:`.world_rows`),
the virtual clock and its control (:mod:`.clock`), webhook fault injection (:mod:`.faults`),
ready-made test partners (:mod:`.partners`) and the ``/_emulator`` routes (:mod:`.routes`).

It depends on the core (domain, adapters, server, wire); nothing in the core depends on it. The
composition root (:mod:`partnerhub.app`) adds it in emulator mode through the core's
:class:`~partnerhub.server.extensions.Extension` (:mod:`.extension`); hub mode never imports it.
The simulated Meta side (lifecycle, reviews, message statuses) is not here: a hub runs it too
(:mod:`partnerhub.adapters.simulator`). Importing this package imports nothing else.
"""
