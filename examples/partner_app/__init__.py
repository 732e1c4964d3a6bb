"""A small partner back end built on partnerhub's SDK; see app.py and README.md."""
