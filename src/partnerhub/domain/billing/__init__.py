"""Balances and usage: who pays for delivered messages, and the reports over what was used."""
