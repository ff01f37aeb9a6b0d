"""Dashboard workflow: the first page, a glance at the shop."""
