"""Orders pages: the orders table with filters, order details and actions, manual order entry."""
