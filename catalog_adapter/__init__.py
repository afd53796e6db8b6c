"""Ports and adapters to the library's systems: catalog, locations (RFID, SIP2),
recommendations and permissions. Depends on nothing else of readingroom."""
