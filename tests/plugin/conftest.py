"""tests/conftest.py has an in-process ``partner`` fixture of its own; here the plugin's wins,
as it would in a partner's suite that does not define one."""

from partnerhub.pytest_plugin import partner

__all__ = ["partner"]
