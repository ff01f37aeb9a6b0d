"""Inventory UI: catalog table, product details and ledger, product and stock dialogs, bins."""
