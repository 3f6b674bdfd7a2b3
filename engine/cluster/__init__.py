"""Distributed mode's group membership: Connect's wire protocol, the assignor and the group member.

`protocol` encodes and decodes worker metadata and assignments exactly as Connect does,
`assignor` decides which worker runs which connector and task (incremental cooperative or
eager), and `membership` joins the Kafka group with protocol type ``connect`` through
kafka-python's `BaseCoordinator`.
"""
