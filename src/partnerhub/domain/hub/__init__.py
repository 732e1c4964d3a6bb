"""The Partner Hub dashboard's own domain: staff logins and sessions, and the read models its
pages show (overview counts, the clients-and-numbers table, a number's timeline, daily usage).

Everything that *changes* something (keys, webhook settings, retries, channel keys) goes through
the same services as the Partner API, so the dashboard and the API behave identically.
"""
