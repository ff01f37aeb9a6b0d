"""Reports workflow: sales, fulfilment, returns and stock reports with charts and exports."""
