"""The worker: its configuration (and, with the herder, the processes it supervises)."""
