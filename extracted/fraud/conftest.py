"""pytest configuration of the fraud service (its own session, its own settings)."""

pytest_plugins = ["strangler.service.testing"]
