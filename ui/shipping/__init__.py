"""Shipments: list, ship, void, tracking numbers, printed documents and customer mail."""
