"""Amazon SNS: verifying the messages SES's event publishing posts to our webhook."""
