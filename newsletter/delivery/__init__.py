"""Delivery: campaigns, the delivery ledger, pacing, executors and transports."""
