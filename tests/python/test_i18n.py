# The override raises the library's own messages, translated through its
# gettext domain: run under de_DE.UTF-8 with the translations of the build
# tree (as tests/i18n does for C). Skipped when the locale is not installed.

import os
import subprocess
import sys
import textwrap

import pytest

SCRIPT = textwrap.dedent('''
    import asyncio, locale, sys, threading
    try:
        locale.setlocale(locale.LC_ALL, '')
    except locale.Error:
        sys.exit(77)
    import gi
    gi.require_version('Cg', '1.0')
    from gi.repository import Cg, GLib

    worker = Cg.Caller.start_new(name='i18n-worker')
    try:
        slow = worker.call_later(10, lambda: None)
        try:
            slow.wait_sync(0.01)
        except TimeoutError as e:
            print('timeout:', e)
        try:
            slow.result()
        except Cg.FutureCancelledError as e:
            print('cancelled:', e)

        async def in_asyncio():
            try:
                await worker.call_later(10, lambda: None).wait(timeout=0.01)
            except TimeoutError as e:
                print('asyncio timeout:', e)
        asyncio.run(asyncio.wait_for(in_asyncio(), 10))

        own = Cg.Future()
        try:
            Cg.Future.return_future(own, own)
        except GLib.Error as e:
            print('own future:', e.message)

        def nothing(*unused):
            pass

        def fill():
            caller = Cg.Caller()
            caller.queue_call(nothing, max_buffer_size=1)
            try:
                caller.queue_call(nothing)
            except GLib.Error as e:
                return e.message
        print('full:', worker.call_soon(fill).wait_sync(5))
        try:
            worker.queue_call(nothing)
        except GLib.Error as e:
            print('wrong thread:', e.message)
    finally:
        worker.stop()
''')


def test_messages_come_translated_from_the_library():
    build_lib = os.environ['GI_TYPELIB_PATH'].split(os.pathsep)[0]
    env = dict(os.environ, LANG='de_DE.UTF-8', LC_ALL='de_DE.UTF-8', LANGUAGE='de',
               CG_LOCALEDIR=os.path.join(os.path.dirname(build_lib), 'po'))
    run = subprocess.run([sys.executable, '-c', SCRIPT], env=env, capture_output=True,
                         text=True, encoding='utf-8', timeout=60)
    if run.returncode == 77:
        pytest.skip('the de_DE.UTF-8 locale is not installed')
    assert run.returncode == 0, run.stderr
    lines = dict(line.split(': ', 1) for line in run.stdout.splitlines() if ': ' in line)
    timed_out = 'Das Future wurde vor Ablauf der Zeitbegrenzung nicht abgeschlossen'
    assert lines['timeout'] == timed_out
    assert lines['asyncio timeout'] == timed_out
    assert lines['cancelled'] == 'Beim Warten auf das Future wurde die Zeitbegrenzung überschritten'
    assert lines['own future'] == 'Ein Future kann nicht auf sich selbst warten'
    assert lines['full'].startswith('Die Ausführungswarteschlange ist voll (1 Aufrufe warten)')
    assert lines['wrong thread'].startswith('Aufrufe können im Caller „i18n-worker“ nur aus')
