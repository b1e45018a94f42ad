"""pytest configuration of the inventory service (its own session, its own settings)."""

pytest_plugins = ["strangler.service.testing"]
