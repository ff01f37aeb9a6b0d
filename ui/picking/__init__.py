"""Picking: batch pick lists from ready orders, picked by scanning bins and items."""
