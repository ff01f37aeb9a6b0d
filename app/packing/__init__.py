"""Packing station: one scan field routes order, pick list, item and command scans."""
