"""Connectors bundled with kconnect; each imports only `engine.api`."""
