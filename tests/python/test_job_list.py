# The GListModel of a caller's jobs (cg_caller_get_jobs()) from Python.

import threading

import gi

gi.require_version('Cg', '1.0')
from gi.repository import Cg, Gio  # noqa: E402

from conftest import run_until  # noqa: E402


def test_jobs_appear_progress_and_leave(main_caller):
    jobs = main_caller.get_jobs()
    assert isinstance(jobs, Gio.ListModel)
    assert jobs.get_item_type() == Cg.Job.__gtype__
    assert jobs.get_n_items() == 0

    changes = []
    jobs.connect('items-changed',
                 lambda model, pos, removed, added:
                 changes.append((threading.current_thread() is threading.main_thread(),
                                 removed, added)))

    gate = threading.Event()

    def work():
        Cg.Caller.current_future().report_progress(0.5)
        assert gate.wait(5)
        return 'done'

    futures = [Cg.Caller.to_thread(work) for _ in range(3)]
    futures[0].set_label('first')
    assert jobs.get_n_items() == 3
    items = [jobs.get_item(i) for i in range(3)]
    assert [item.get_future() for item in items] == futures
    assert items[0].get_label() == 'first'

    run_until(lambda: all(item.get_state() == Cg.JobState.RUNNING and
                          item.get_progress() == 0.5 for item in items))

    gate.set()
    run_until(lambda: jobs.get_n_items() == 0)
    assert [f.result() for f in futures] == ['done'] * 3
    assert all(item.get_state() == Cg.JobState.DONE for item in items)
    # Every change came on the main thread (the caller's), 3 added, 3 removed.
    assert all(on_main for on_main, _, _ in changes)
    assert sum(added for _, _, added in changes) == 3
    assert sum(removed for _, removed, _ in changes) == 3


def test_cancelled_jobs_leave_the_list(main_caller):
    jobs = main_caller.get_jobs()
    worker = Cg.Caller.start_new(name='job-list-py')
    later = worker.call_later(3600, lambda: None)
    assert jobs.get_n_items() == 1
    later.cancel('not in an hour')
    run_until(lambda: jobs.get_n_items() == 0)
    assert later.cancelled()
