"""``kconnect bench``: the benchmark harness, a product feature for tuning and comparing pipelines.

It runs a named scenario (`engine.bench.scenarios`) against a real broker
(`engine.localkafka`, started if none is given) for each system
(`engine.bench.systems`: kconnect, Apache Kafka Connect, a raw client),
watches each one's output from the outside (`engine.bench.observe`),
samples its process tree from ``/proc`` (`engine.bench.procstat`), and
reports records/s, MB/s, latency percentiles, CPU seconds, peak RSS and
ratios (`engine.bench.report`, JSON, and `engine.bench.plot` for sweeps).
The command line is `engine.bench.cli`.

The package itself imports nothing, so ``kconnect --help`` stays fast.
"""

__all__: list[str] = []
