# The Python example runs and prints what it promises.

import os
import pathlib
import subprocess
import sys

EXAMPLE = pathlib.Path(__file__).resolve().parents[2] / 'examples' / 'python' / 'example.py'


def test_example_runs():
    result = subprocess.run([sys.executable, str(EXAMPLE)], capture_output=True, text=True,
                            timeout=60, env=dict(os.environ))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == 'worker: example-worker'
    assert lines[1:] == ['square: %d' % (n * n) for n in (4, 3, 2, 1, 0)]
