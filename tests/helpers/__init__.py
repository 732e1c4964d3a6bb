"""Helpers shared by test modules: API calls, assertions, waits and processes.

Test modules import from here, never from one another, so that reading a test never means
reading another test file first.
"""
