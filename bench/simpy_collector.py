"""The peer model in SimPy: the same collector as bench/peer-collector.toml.

Poisson spans, lognormal wire sizes, a bounded FIFO queue with tail drop (the queue counts
spans waiting, not those held by workers, as Jaeger's does), 50 workers writing with
exponential latency, storage hung during an outage (a write started in the outage waits
until it ends, then fails), queue length sampled every second.

Two ways to write it in SimPy, the same model either way (`--style`):
* `store` (default): the queue is a `simpy.Store` and the 50 workers are 50 long-lived
  processes taking from it. The faster of the two: one process per worker, not per span.
* `resource`: the way SimPy's own examples write servers (bank, carwash): a process per span
  that requests one of a `simpy.Resource(capacity=50)`; the resource's wait list is the queue.

Usage: python simpy_collector.py --seed 1 [--style resource] [--duration 600] ... ; prints one
JSON line.
"""
import argparse
import json
import math
import random
import time

import simpy


def simulate(a):
    rng = random.Random(a.seed)
    env = simpy.Environment()
    st = {"generated": 0, "dropped_queue_full": 0, "exported": 0, "storage_error": 0, "peak_queue": 0}
    samples = []
    mu = math.log(a.size_mean) - a.size_sigma ** 2 / 2

    def write():
        """A synchronous write: hung storage answers (with an error) when it comes back."""
        if a.outage_start <= env.now < a.outage_end:
            yield env.timeout(a.outage_end - env.now)
            st["storage_error"] += 1
        else:
            yield env.timeout(rng.expovariate(1.0 / a.latency))
            st["exported"] += 1

    if a.style == "store":
        queue = simpy.Store(env)

        def waiting():
            return len(queue.items)

        def admit(size):
            queue.put((env.now, size))
            st["peak_queue"] = max(st["peak_queue"], len(queue.items))

        def worker():
            while True:
                yield queue.get()
                yield from write()

        for _ in range(a.workers):
            env.process(worker())
    else:
        workers = simpy.Resource(env, capacity=a.workers)

        def waiting():
            return len(workers.queue)

        def span():
            with workers.request() as req:
                yield req
                yield from write()

        def admit(size):
            env.process(span())
            # The new request waits (it is queued) when every worker is busy.
            if workers.count >= a.workers:
                st["peak_queue"] = max(st["peak_queue"], len(workers.queue) + 1)

    def source():
        while True:
            yield env.timeout(rng.expovariate(a.rate))
            size = rng.lognormvariate(mu, a.size_sigma)
            st["generated"] += 1
            if waiting() >= a.queue:
                st["dropped_queue_full"] += 1
            else:
                admit(size)

    def sampler():
        while True:
            samples.append(waiting())
            yield env.timeout(1.0)

    env.process(source())
    env.process(sampler())
    env.run(until=a.duration)
    st["samples"] = len(samples)
    return st


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--style", choices=["store", "resource"], default="store")
    p.add_argument("--duration", type=float, default=600.0)
    p.add_argument("--rate", type=float, default=1300.0)
    p.add_argument("--size-mean", type=float, default=845.0)
    p.add_argument("--size-sigma", type=float, default=0.3)
    p.add_argument("--queue", type=int, default=20000)
    p.add_argument("--workers", type=int, default=50)
    p.add_argument("--latency", type=float, default=0.020)
    p.add_argument("--outage-start", type=float, default=180.0)
    p.add_argument("--outage-end", type=float, default=300.0)
    a = p.parse_args()
    t0 = time.perf_counter()
    st = simulate(a)
    st["wall_s"] = time.perf_counter() - t0
    print(json.dumps(st))


if __name__ == "__main__":
    main()
