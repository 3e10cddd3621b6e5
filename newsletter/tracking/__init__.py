"""Tracking: the open pixel, click redirect, SNS webhook, SES events and honest figures."""
