"""Shipping: packing verification, shipments, packages, tracking numbers, notifications."""
