"""The herder: what a worker knows and does about connectors (Connect's `Herder`).

`base.Herder` is the contract the REST layer talks to; `entities` holds the JSON shapes of the
REST API. Standalone mode implements the herder in `standalone`, distributed mode in issue 5.
"""
