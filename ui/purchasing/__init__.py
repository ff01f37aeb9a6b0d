"""Purchasing UI: suppliers, purchase orders, reordering, receiving, putaway and stock counts."""
