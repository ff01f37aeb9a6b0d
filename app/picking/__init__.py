"""Picking: batch pick lists for ready orders, picks and short picks recorded by scanning."""
