"""Returns: RMAs, receiving by scan or keyboard with dispositions, refunds, exchanges, credit."""
