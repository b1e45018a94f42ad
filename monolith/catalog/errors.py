"""The catalog's domain errors (re-exported by :mod:`monolith.catalog.interface`)."""

from strangler.errors import NotFound


class ProductNotFound(NotFound):
    code = "product_not_found"
