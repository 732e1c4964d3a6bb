"""The domain core: rules and services that know nothing of HTTP or of the database engine."""
