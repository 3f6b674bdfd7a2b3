"""The Connect REST API (Connect's `RestServer` and resources) on starlette and uvicorn.

`create_app(herder)` builds the application over a `engine.herder.base.Herder`;
`serve(app, listeners)` binds the listeners and returns a server to await in the supervisor's
loop. `listeners.advertised_url`/`worker_id` compute what the worker advertises.
"""

from engine.rest.app import create_app
from engine.rest.listeners import advertised_url, worker_id
from engine.rest.server import RestServer, serve

__all__ = ["RestServer", "advertised_url", "create_app", "serve", "worker_id"]
