"""One declarative route table per stage: the gateway serves it, the nginx export writes it."""

from strangler.routing.table import RouteTable, RouteTableError, load_route_table, parse_route_table

__all__ = ["RouteTable", "RouteTableError", "load_route_table", "parse_route_table"]
