"""Purchasing: suppliers, purchase orders, receiving by scan or keyboard, putaway."""
