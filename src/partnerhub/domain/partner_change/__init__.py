"""Partner change between 360dialog partners (issue 18 item 5): see :mod:`.services`."""
