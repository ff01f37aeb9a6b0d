"""Reports and the dashboard: set-based queries over orders, stock and returns."""
