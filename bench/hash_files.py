#!/usr/bin/python3
# hash_files.py: real work from Python (PyGObject). Hashes every regular
# file under a directory (sha256 of its whole content, read by the job),
# N jobs in flight, three ways in the same run:
#   caller-glib           Caller.as_completed() over a generator of
#                         Caller.to_thread(hash_one, path), max_concurrent=N,
#                         inside asyncio.run()
#   thread_pool_executor  ThreadPoolExecutor(max_workers=N), fed lazily: at
#                         most N outstanding, concurrent.futures.wait(...,
#                         FIRST_COMPLETED) for the next free slot
#   asyncio_to_thread     asyncio.to_thread(hash_one, path) under an
#                         asyncio.Semaphore(N), gathered, inside asyncio.run()
# W8 (w8.py) measures the cost of a job with nothing in it; this measures
# what that cost becomes beside jobs that do something, the way a Python
# program fans out file work. Each side's time covers all it needs
# (asyncio.run() with its loop, the executor with its threads). Every side
# must give the same path -> digest dict (else the exit status is 1).
# After one warm-up round (which also warms the page cache for all), the
# sides run one after the other in each round, the first side rotating
# round by round; the figures are medians of each side, the ratios
# (caller-glib / rival, time: below 1 means caller-glib is faster) medians
# of the per-round ratios. With --json the figures are printed as one JSON
# object, with --plain as "figure.side value" lines.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import argparse
import asyncio
import concurrent.futures
import hashlib
import itertools
import json
import os
import stat
import statistics
import sys
import time

import gi

gi.require_version('Cg', '1.0')
from gi.repository import Cg  # noqa: E402

CHUNK = 1 << 20
SIDES = ('caller_glib', 'thread_pool_executor', 'asyncio_to_thread')


def hash_one(path):
    """(path, sha256 hex digest of the whole file); an unreadable file gives
    the name of its error instead, the same on every side."""
    digest = hashlib.sha256()
    try:
        with open(path, 'rb', buffering=0) as f:
            while True:
                chunk = f.read(CHUNK)
                if not chunk:
                    break
                digest.update(chunk)
    except OSError as e:
        return path, 'error:%s' % type(e).__name__
    return path, digest.hexdigest()


def list_files(root, max_files):
    """The first @max_files regular files under @root (no symbolic links),
    sorted, and their total size in bytes."""
    found = []
    for directory, dirs, files in os.walk(root):
        dirs.sort()
        for name in files:
            path = os.path.join(directory, name)
            try:
                info = os.lstat(path)
            except OSError:
                continue
            if stat.S_ISREG(info.st_mode):
                found.append((path, info.st_size))
    found.sort()
    found = found[:max_files]
    return [path for path, _ in found], sum(size for _, size in found)


# The three sides: each takes the paths and N, gives {path: digest}.

def run_caller_glib(paths, n):
    async def main():
        results = {}
        jobs = (Cg.Caller.to_thread(hash_one, path) for path in paths)
        async for future in Cg.Caller.as_completed(jobs, max_concurrent=n):
            path, digest = future.result()
            results[path] = digest
        return results
    return asyncio.run(main())


def run_thread_pool_executor(paths, n):
    results = {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=n) as pool:
        todo = iter(paths)
        pending = {pool.submit(hash_one, path) for path in itertools.islice(todo, n)}
        while pending:
            done, pending = concurrent.futures.wait(
                pending, return_when=concurrent.futures.FIRST_COMPLETED)
            for future in done:
                path, digest = future.result()
                results[path] = digest
            for path in itertools.islice(todo, len(done)):
                pending.add(pool.submit(hash_one, path))
    return results


def run_asyncio_to_thread(paths, n):
    async def main():
        semaphore = asyncio.Semaphore(n)

        async def one(path):
            async with semaphore:
                return await asyncio.to_thread(hash_one, path)
        return dict(await asyncio.gather(*(one(path) for path in paths)))
    return asyncio.run(main())


RUNNERS = {
    'caller_glib': run_caller_glib,
    'thread_pool_executor': run_thread_pool_executor,
    'asyncio_to_thread': run_asyncio_to_thread,
}


def measure(side, paths, n):
    """(wall seconds, process CPU seconds, results) of one side."""
    cpu = time.process_time()
    start = time.perf_counter()
    results = RUNNERS[side](paths, n)
    return time.perf_counter() - start, time.process_time() - cpu, results


def differences(reference, results):
    """A few words on how @results differs from @reference, or None."""
    if results == reference:
        return None
    missing = sorted(set(reference) - set(results))
    extra = sorted(set(results) - set(reference))
    wrong = sorted(p for p in set(reference) & set(results) if reference[p] != results[p])
    return '%d missing, %d extra, %d different (first: %s)' % (
        len(missing), len(extra), len(wrong), (missing + extra + wrong)[:1])


def main():
    parser = argparse.ArgumentParser(
        description='Hash files from Python: caller-glib beside ThreadPoolExecutor and '
                    'asyncio.to_thread')
    parser.add_argument('--root', default='/usr/share/doc', help='directory to hash')
    parser.add_argument('--max-files', type=int, default=None,
                        help='at most this many files (default 3000; 300 with --quick)')
    parser.add_argument('--concurrency', type=int, default=None,
                        help='jobs in flight (default Cg.Caller.MAX_IDLE_POOL_INSTANCES)')
    parser.add_argument('--quick', action='store_true', help='300 files, 2 runs')
    parser.add_argument('--runs', type=int, default=5, help='rounds after the warm-up')
    parser.add_argument('--json', action='store_true', help='print JSON only')
    parser.add_argument('--plain', action='store_true',
                        help='print "figure.side value" lines only')
    options = parser.parse_args()

    max_files = options.max_files or (300 if options.quick else 3000)
    runs = max(1, min(options.runs, 2) if options.quick else options.runs)
    n = options.concurrency or Cg.Caller.MAX_IDLE_POOL_INSTANCES or 4
    paths, total_bytes = list_files(options.root, max_files)
    if not paths:
        print('hash_files.py: no regular file under %s' % options.root, file=sys.stderr)
        return 2

    wall = {side: [] for side in SIDES}
    cpu = {side: [] for side in SIDES}
    reference = None
    failed = False
    for round_ in range(runs + 1):  # round 0 is the warm-up
        shift = round_ % len(SIDES)
        for side in SIDES[shift:] + SIDES[:shift]:
            seconds, cpu_seconds, results = measure(side, paths, n)
            if reference is None:
                reference = results
                if len(reference) != len(paths):
                    print('hash_files.py: %s gave %d digests for %d files'
                          % (side, len(reference), len(paths)), file=sys.stderr)
                    failed = True
            problem = differences(reference, results)
            if problem:
                print('hash_files.py: %s differs in round %d: %s' % (side, round_, problem),
                      file=sys.stderr)
                failed = True
            if round_:
                wall[side].append(seconds)
                cpu[side].append(cpu_seconds)
    Cg.Caller.stop_all(force=True)
    if failed:
        return 1

    figures = {
        'files': len(paths),
        'bytes': total_bytes,
        'concurrency': n,
        'runs': runs,
        'wall_ms': {side: statistics.median(wall[side]) * 1e3 for side in SIDES},
        'per_file_us': {side: statistics.median(wall[side]) / len(paths) * 1e6
                        for side in SIDES},
        'cpu_ms': {side: statistics.median(cpu[side]) * 1e3 for side in SIDES},
        'ratio': {side: statistics.median(ours / theirs for ours, theirs
                                          in zip(wall['caller_glib'], wall[side]))
                  for side in SIDES if side != 'caller_glib'},
        'digests_agree': True,
    }

    if options.json:
        print(json.dumps(figures))
        return 0
    if options.plain:
        for name, row in figures.items():
            if isinstance(row, dict):
                for side, value in row.items():
                    print('%s.%s %.6g' % (name, side, value))
        return 0

    print('hash-files (Python, PyGObject): %d files, %.1f MB under %s, %d in flight, '
          'medians of %d runs after a warm-up; digests agree'
          % (len(paths), total_bytes / 1e6, options.root, n, runs))
    print('  %-22s %10s %12s %10s %18s' % ('', 'wall ms', 'µs per file', 'CPU ms',
                                          'caller-glib/rival'))
    for side in SIDES:
        ratio = figures['ratio'].get(side)
        print('  %-22s %10.1f %12.1f %10.1f %18s'
              % (side, figures['wall_ms'][side], figures['per_file_us'][side],
                 figures['cpu_ms'][side], '' if ratio is None else '%.2f' % ratio))
    return 0


if __name__ == '__main__':
    sys.exit(main())
