"""The server side of books: the service the routers call (with the one access check), the
HTTP shapes, and how book errors map to statuses."""
