"""Fast paths: the hottest request (``POST /messages``) answered below the framework.

They exist for throughput only (docs/benchmarks.md); a test compares each with the routed
handler answer for answer (tests/integration/test_send_path.py).
"""
