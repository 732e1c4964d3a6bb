"""The wire contract: msgspec Structs for every request, response and event body.

One module per resource. The server encodes and decodes with these; the SDK will reuse them, so
a shape is defined exactly once.
"""
