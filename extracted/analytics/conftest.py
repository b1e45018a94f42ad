"""pytest configuration of the analytics service (its own session, its own settings)."""

pytest_plugins = ["strangler.service.testing"]
