"""The analytics service: sales figures kept from the order events it subscribes to."""
