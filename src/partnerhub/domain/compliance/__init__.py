"""Display names, WABA policy enforcement and Click-to-WhatsApp signals (issue 18 items 6, 7).

- :mod:`.display_names`: a partner requests a new display name for a number; the simulated
  Meta review decides it after a delay (or the emulator decides it now), with the
  ``phone_number_name_update`` event.
- :mod:`.enforcement`: Meta warns a WABA (``account_violation``) or restricts it
  (``account_restriction`` with ``restriction_info``); a restriction blocks sends while it
  lasts, and ``template_messaging_disabled`` / ``template_messaging_enabled`` announce when
  business-initiated messaging stops and starts again.
- :mod:`.ctwa`: ``enable_ctwa`` / ``disable_ctwa`` per number.

:func:`run_due` is the simulator's round for the first two (reviews due, restrictions ending).
"""
