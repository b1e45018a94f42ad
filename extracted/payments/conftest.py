"""pytest configuration of the payments service (its own session, its own settings)."""

pytest_plugins = ["strangler.service.testing"]
