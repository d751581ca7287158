#!/usr/bin/env python3
# caller-glib from Python: a worker thread, the thread pool and as_completed.
#
# Run from a build tree with:
#   GI_TYPELIB_PATH=build/caller-glib LD_LIBRARY_PATH=build/caller-glib \
#   PYTHONPATH=build/python python3 examples/python/example.py

import asyncio
import time

import gi

gi.require_version('Cg', '1.0')
from gi.repository import Cg  # noqa: E402


def slow_square(n):
    time.sleep(0.05 * (4 - n))  # the bigger n, the sooner it is done
    return n * n


async def main():
    worker = Cg.Caller.start_new(name='example-worker')
    print('worker:', await worker.call_soon(lambda: Cg.Caller().name))

    squares = [Cg.Caller.to_thread(slow_square, n) for n in range(5)]
    async for future in Cg.Caller.as_completed(squares):
        print('square:', future.result())

    worker.stop()


asyncio.run(main())
Cg.Caller.stop_all()
