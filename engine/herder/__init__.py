"""The herder: what a worker knows and does about connectors (Connect's `Herder`).

`base.Herder` is the contract the REST layer talks to; `entities` holds the JSON shapes of the
REST API. `lifecycle` runs connector and task instances (start, stop, target states, restarts by
hand and by policy) over `instances`' records, whatever stores them; `configs` validates configs
and guards secrets; `offsets` and `sink_offsets` serve the offsets endpoints. Standalone mode is
`standalone` (memory and the offsets file), distributed mode `distributed`.
"""
