"""Settings workflow: business settings stored in the database."""
