#!/usr/bin/python3
# w8.py: W8 of cg-bench, caller-glib from Python (PyGObject) beside what a
# Python programmer would use instead, in the same run:
#   round trip   Caller.call_soon(f).wait_sync()   vs ThreadPoolExecutor
#                submit(f).result() and asyncio.run_coroutine_threadsafe()
#   throughput   n call_soon() on one caller        vs n submit() to a
#                one-thread ThreadPoolExecutor
#   fan-out      n Caller.to_thread()               vs n submit() to a
#                ThreadPoolExecutor with the pool's idle limit of workers
# Each figure is the median of several runs after a warm-up. With --json the
# figures are printed as one JSON object (cg-bench reads it).
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import argparse
import asyncio
import concurrent.futures
import json
import statistics
import sys
import threading
import time

import gi

gi.require_version('Cg', '1.0')
from gi.repository import Cg  # noqa: E402


def tiny():
    return 1


def median_of(runs, measure):
    measure()  # warm-up
    return statistics.median(measure() for _ in range(runs))


def main():
    parser = argparse.ArgumentParser(description='W8: caller-glib from Python')
    parser.add_argument('--quick', action='store_true', help='small sizes')
    parser.add_argument('--runs', type=int, default=5, help='runs per figure')
    parser.add_argument('--json', action='store_true', help='print JSON only')
    parser.add_argument('--plain', action='store_true',
                        help='print "figure.rival value" lines only (for cg-bench)')
    options = parser.parse_args()

    n_trips = 300 if options.quick else 3000
    n_items = 2000 if options.quick else 30000
    runs = max(1, min(options.runs, 3 if options.quick else options.runs))

    worker = Cg.Caller.start_new(name='w8-worker')
    tpe1 = concurrent.futures.ThreadPoolExecutor(max_workers=1)
    tpe = concurrent.futures.ThreadPoolExecutor(
        max_workers=Cg.Caller.MAX_IDLE_POOL_INSTANCES)
    loop = asyncio.new_event_loop()
    loop_thread = threading.Thread(target=loop.run_forever, daemon=True)
    loop_thread.start()

    async def tiny_coro():
        return 1

    def trip_cg():
        start = time.perf_counter()
        for _ in range(n_trips):
            worker.call_soon(tiny).wait_sync(10)
        return (time.perf_counter() - start) / n_trips * 1e6

    def trip_tpe():
        start = time.perf_counter()
        for _ in range(n_trips):
            tpe1.submit(tiny).result(10)
        return (time.perf_counter() - start) / n_trips * 1e6

    def trip_asyncio():
        start = time.perf_counter()
        for _ in range(n_trips):
            asyncio.run_coroutine_threadsafe(tiny_coro(), loop).result(10)
        return (time.perf_counter() - start) / n_trips * 1e6

    def throughput_cg():
        start = time.perf_counter()
        last = None
        for _ in range(n_items):
            last = worker.call_soon(tiny)
        last.wait_sync(60)
        return n_items / (time.perf_counter() - start) / 1e3

    def throughput_tpe():
        start = time.perf_counter()
        last = None
        for _ in range(n_items):
            last = tpe1.submit(tiny)
        last.result(60)
        return n_items / (time.perf_counter() - start) / 1e3

    def fanout_cg():
        start = time.perf_counter()
        futures = [Cg.Caller.to_thread(tiny) for _ in range(n_items)]
        for future in futures:
            future.wait_sync(60)
        return n_items / (time.perf_counter() - start) / 1e3

    def fanout_tpe():
        start = time.perf_counter()
        futures = [tpe.submit(tiny) for _ in range(n_items)]
        for future in futures:
            future.result(60)
        return n_items / (time.perf_counter() - start) / 1e3

    figures = {
        'round_trip_us': {
            'caller_glib': median_of(runs, trip_cg),
            'thread_pool_executor': median_of(runs, trip_tpe),
            'asyncio_threadsafe': median_of(runs, trip_asyncio),
        },
        'throughput_k_per_s': {
            'caller_glib': median_of(runs, throughput_cg),
            'thread_pool_executor': median_of(runs, throughput_tpe),
        },
        'fan_out_k_per_s': {
            'caller_glib': median_of(runs, fanout_cg),
            'thread_pool_executor': median_of(runs, fanout_tpe),
        },
    }

    loop.call_soon_threadsafe(loop.stop)
    loop_thread.join(10)
    tpe1.shutdown()
    tpe.shutdown()
    Cg.Caller.stop_all(force=True)

    if options.json:
        print(json.dumps(figures))
        return 0
    if options.plain:
        for name, row in figures.items():
            for rival, value in row.items():
                print('%s.%s %.6g' % (name, rival, value))
        return 0

    print('W8 (Python, PyGObject), medians of %d runs after a warm-up' % runs)
    for name, row in figures.items():
        ours = row['caller_glib']
        for rival, value in row.items():
            if rival == 'caller_glib':
                continue
            if name.startswith('round_trip'):
                ratio = value / ours
            else:
                ratio = ours / value
            print('  %-20s caller-glib %10.2f   %-22s %10.2f   %.2fx'
                  % (name, ours, rival, value, ratio))
    return 0


if __name__ == '__main__':
    sys.exit(main())
