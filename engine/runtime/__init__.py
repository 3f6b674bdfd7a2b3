"""Where connector code runs: one process per connector or task, forked from a clean parent.

`protocol` is the language of the rings between the supervisor and those processes; `launcher`
is the supervisor's side; `process` is the child's main; `source`/`sink` are the task loops and
`errors` Connect's `errors.*` handling (retries, tolerance, error log, dead letter queue).
"""
