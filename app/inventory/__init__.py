"""Inventory: catalog, scan codes, locations and bins, the stock ledger, reservations, search."""
