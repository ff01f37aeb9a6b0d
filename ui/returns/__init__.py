"""Returns screens: RMA list and detail, new returns, the receiving station, slips."""
