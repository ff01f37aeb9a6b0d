"""Packing station: scan an order, verify its items by scan, pack and ship."""
