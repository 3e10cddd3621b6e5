"""Amazon SES: the events it publishes, and setting up and checking the account."""
