#!/usr/bin/python3
# cg-gtk-demo.py: caller-glib in a GTK 4 window, with PyGObject
#
# Copyright 2026 The caller-glib authors
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The Python twin of cg-gtk-demo.c: a batch of CPU-bound jobs (counting the
# primes of consecutive ranges, or SHA-256 of generated data) fanned out to
# pool threads with Cg.Caller.to_thread(), MAX_CONCURRENT at a time (`async
# for ... in Cg.Caller.as_completed(generator)` in a coroutine job on the
# main thread's caller). The window shows the overall progress, the live jobs
# (a Gtk.ListView bound to the job list of the main thread's caller), the
# results as they complete and a summary; Cancel cancels every outstanding
# job.
#
# --autotest (or CG_GTK_DEMO_AUTOTEST=1) drives the window and checks it, as
# the C program does: see class Autotest. From a build tree:
#
#   GI_TYPELIB_PATH=build/caller-glib LD_LIBRARY_PATH=build/caller-glib \
#   PYTHONPATH=build/python /usr/bin/python3 examples/gtk/cg-gtk-demo.py

import dataclasses
import hashlib
import json
import math
import os
import sys
import time

import gi

gi.require_version('Cg', '1.0')
gi.require_version('Gtk', '4.0')
from gi.repository import Cg, Gio, GLib, GObject, Gtk, Pango  # noqa: E402

MAX_CONCURRENT = 4
PRIMES_BASE = 1_000_000_000
PRIMES_WINDOW = 2000         # a job counts 2 to 5 windows
BLOCK_SIZE = 65536           # a SHA-256 job hashes 128 to 768 such blocks
CANCEL_MESSAGE = 'Cancelled by the user'
REPORT_SECONDS = 0.05
PRIMES, SHA256 = 0, 1
PATTERN = bytes(range(256)) * (BLOCK_SIZE // 256 + 1)


@dataclasses.dataclass
class Work:
    kind: int
    index: int
    lo: int                  # primes: the range [lo, hi); SHA-256: hi blocks
    hi: int
    progress: float = 0.0    # written by the job

    @property
    def label(self):
        if self.kind == PRIMES:
            return f'#{self.index:02} primes in [{self.lo}, {self.hi})'
        return f'#{self.index:02} SHA-256 of {self.hi * BLOCK_SIZE // 2 ** 20} MiB'

    def block(self, k):
        """Block k of job i holds the bytes (j + 131 i + 7 k) mod 256."""
        offset = (131 * self.index + 7 * k) % 256
        return PATTERN[offset:offset + BLOCK_SIZE]


# The work, in pool threads -------------------------------------------------

def is_prime(n):
    if n < 2 or n % 2 == 0:
        return n == 2
    return all(n % d for d in range(3, math.isqrt(n) + 1, 2))


def run_work(work):
    """A job: blocking is fine here, widgets are off limits. It reports its
    progress to the job list and stops once it is cancelled."""
    future = Cg.Caller.current_future()
    cancellable = future.get_cancellable()
    next_report = 0.0

    def going_on(fraction):
        # Calls into GLib let go of the GIL and take it back: a few a second.
        nonlocal next_report
        work.progress = fraction
        if time.monotonic() < next_report:
            return True
        next_report = time.monotonic() + REPORT_SECONDS
        future.report_progress(fraction)
        return not cancellable.is_cancelled()

    span = work.hi - work.lo
    if work.kind == PRIMES:
        count = 0
        for n in range(work.lo, work.hi):
            if (n - work.lo) % 64 == 0 and not going_on((n - work.lo) / span):
                return None      # whatever it returns, the future completes as cancelled
            count += is_prime(n)
        return f'{count} primes'
    checksum = hashlib.sha256()
    for k in range(span):
        if not going_on(k / span):
            return None
        checksum.update(work.block(k))   # hashlib lets other threads run meanwhile
    return checksum.hexdigest()


# The window, on the main thread ---------------------------------------------

class Demo:
    def __init__(self, autotest):
        # The main thread's caller, on GLib's default main context, which
        # GTK runs: coroutine jobs submitted to it run there.
        self.ui = Cg.Caller(create=True)
        self.ui.start()
        self.jobs = self.ui.get_jobs()
        self.works, self.futures, self.shown = [], [], set()
        self.batch = None
        self.progress_tick = 0
        self.running = self.cancelling = False
        self.fraction = 0.0
        self.started = self.finished = 0.0
        self.n_completed = self.n_cancelled = self.n_failed = 0
        self.test = Autotest(self, os.environ.get('CG_GTK_DEMO_SCREENSHOT')) if autotest else None

    def activate(self, application):
        self.window = Gtk.ApplicationWindow(application=application,
                                            title='caller-glib: jobs in pool threads',
                                            default_width=720, default_height=600)
        self.kind = Gtk.DropDown.new_from_strings(['Primes in ranges',
                                                   'SHA-256 of generated data'])
        self.count = Gtk.SpinButton.new_with_range(1, 400, 1)
        self.count.set_value(40)
        self.start = Gtk.Button(label='Start', css_classes=['suggested-action'])
        self.cancel = Gtk.Button(label='Cancel', sensitive=False)
        self.start.connect('clicked', self.on_start)
        self.cancel.connect('clicked', self.on_cancel)
        bar = Gtk.Box(spacing=8)
        for widget in (Gtk.Label(label='Work'), self.kind, Gtk.Label(label='Jobs'), self.count,
                       self.start, self.cancel):
            bar.append(widget)
        self.progress = Gtk.ProgressBar(show_text=True)

        # The live jobs: the job list of the main thread's caller, as it is.
        factory = Gtk.SignalListItemFactory()
        factory.connect('setup', self.on_row_setup)
        factory.connect('bind', self.on_row_bind)
        factory.connect('unbind', self.on_row_unbind)
        self.bound = {}
        view = Gtk.ListView(model=Gtk.NoSelection(model=self.jobs), factory=factory)

        self.results = Gtk.ListBox(selection_mode=Gtk.SelectionMode.NONE)
        self.summary = Gtk.Label(label='Choose the work and press Start', xalign=0)
        box = Gtk.Box(orientation=Gtk.Orientation.VERTICAL, spacing=10, margin_start=12,
                      margin_end=12, margin_top=12, margin_bottom=12)
        for widget in (bar, self.progress,
                       framed('Live jobs (Caller.get_jobs)', view, False),
                       framed('Results, as they complete', self.results, True),
                       self.summary):
            box.append(widget)
        self.window.set_child(box)
        self.window.present()
        if self.test:
            self.test.start()

    # The live jobs: rows bound to Cg.Job items

    def on_row_setup(self, factory, item):
        row = Gtk.Box(spacing=12)
        row.append(Gtk.Label(xalign=0, hexpand=True))
        row.append(Gtk.Label(width_chars=8))
        row.append(Gtk.ProgressBar(width_request=140, valign=Gtk.Align.CENTER))
        item.set_child(row)

    def on_row_bind(self, factory, item):
        """The row follows the job's notify::label, notify::state and
        notify::progress through property bindings (no Python on a progress
        report)."""
        job = item.get_item()
        label = item.get_child().get_first_child()
        state = label.get_next_sibling()
        flags = GObject.BindingFlags.SYNC_CREATE
        self.bound[item] = [
            job.bind_property('label', label, 'label', flags),
            job.bind_property('state', state, 'label', flags,
                              lambda binding, value: Cg.JobState(value).value_nick),
            job.bind_property('progress', state.get_next_sibling(), 'fraction', flags),
        ]

    def on_row_unbind(self, factory, item):
        for binding in self.bound.pop(item):
            binding.unbind()

    def on_progress_tick(self, widget, clock):
        """The overall progress, once a frame while the batch runs."""
        self.update_progress()
        if not self.running:
            self.progress_tick = 0
        return self.running

    # The batch

    def on_start(self, button):
        if self.running:
            return
        kind = PRIMES if self.kind.get_selected() == 0 else SHA256
        self.works, lo = [], PRIMES_BASE
        for i in range(self.count.get_value_as_int()):
            if kind == PRIMES:
                hi = lo + PRIMES_WINDOW * (2 + (i * 7) % 4)
                self.works.append(Work(kind, i, lo, hi))
                lo = hi
            else:
                self.works.append(Work(kind, i, 0, 128 * (1 + (i * 5) % 6)))
        self.futures, self.shown = [], set()
        while (row := self.results.get_first_child()) is not None:
            self.results.remove(row)
        self.n_completed = self.n_cancelled = self.n_failed = 0
        self.fraction = 0.0
        self.running, self.cancelling = True, False
        self.started = time.monotonic()
        self.start.set_sensitive(False)
        self.cancel.set_sensitive(True)
        if not self.progress_tick:
            self.progress_tick = self.progress.add_tick_callback(self.on_progress_tick)
        # A coroutine job on the main thread; it is in the job list too.
        self.batch = self.ui.call_soon(self.run_batch)
        self.batch.set_label(f'the batch: {len(self.works)} jobs, {MAX_CONCURRENT} at a time')
        self.batch.add_done_callback(self.on_coroutine_done)
        self.update_progress()
        self.update_summary()

    def draw(self):
        """The generator of as_completed(): drawn on the main thread whenever
        fewer than MAX_CONCURRENT jobs are outstanding."""
        for work in self.works:
            future = Cg.Caller.to_thread(run_work, work)
            future.set_label(work.label)
            self.futures.append(future)
            yield future

    async def run_batch(self):
        # Shielded: Cancel cancels the futures itself, with its own message.
        try:
            async for future in Cg.Caller.as_completed(self.draw(), shield=True,
                                                       max_concurrent=MAX_CONCURRENT):
                self.show_result(future)
                self.update_summary()
                if self.test:
                    self.test.result()
        except Cg.FutureCancelledError:
            return           # on_cancel() finishes the batch
        self.batch_finished()

    def on_cancel(self, button):
        if not self.running or self.cancelling:
            return
        self.cancelling = True
        self.cancel.set_sensitive(False)
        outstanding = [future for future in self.futures if future.cancel(CANCEL_MESSAGE)]
        # Leaves the `async for`: no more jobs are drawn.
        self.batch.cancel(CANCEL_MESSAGE)
        # A cancelled job's future is done once the job returned.
        waiter = self.ui.call_soon(self.wait_ended, outstanding + [self.batch])
        waiter.set_label('waiting for the cancelled jobs to return')
        waiter.add_done_callback(self.on_coroutine_done)
        self.update_summary()

    def on_coroutine_done(self, future):
        """A coroutine job keeps its exception in its future: show it."""
        error = None if future.cancelled() else future.exception()
        if error is not None:
            sys.excepthook(type(error), error, error.__traceback__)
            if self.test:
                self.test.fail(f'a coroutine job failed: {error!r}')

    async def wait_ended(self, futures):
        await Cg.Caller.wait(futures)
        self.batch_finished()

    def batch_finished(self):
        self.running = False
        self.finished = time.monotonic()
        for future in self.futures:    # done when Cancel was pressed, never handed out
            self.show_result(future)
        self.update_progress()
        self.update_summary()
        self.start.set_sensitive(True)
        self.cancel.set_sensitive(False)
        if self.test:
            self.test.batch_finished()

    def show_result(self, future):
        if future in self.shown:
            return
        self.shown.add(future)
        label = self.works[self.futures.index(future)].label
        try:
            text = f'{label}: {future.result()}'
            self.n_completed += 1
        except Cg.FutureCancelledError as e:
            text = f'{label}: {e}'
            self.n_cancelled += 1
        except Exception as e:  # noqa: B902
            text = f'{label}: {e}'
            self.n_failed += 1
        self.results.prepend(Gtk.Label(label=text, xalign=0, ellipsize=Pango.EllipsizeMode.END))

    def update_progress(self):
        """The jobs that came out plus the progress of the live ones, from
        plain Python data: while CPU-bound Python threads run, every call
        into GTK or GLib on the main thread may wait for the GIL."""
        total = len(self.works)
        done = len(self.shown) + sum(work.progress for work, future in zip(self.works, self.futures)
                                     if future not in self.shown)
        fraction = max(self.fraction, min(done / total, 1.0) if total else 1.0)
        if round(fraction, 2) != round(self.fraction, 2) or fraction in (0.0, 1.0):
            self.progress.set_fraction(fraction)
            self.progress.set_text(f'{100 * fraction:.0f} %')
            if self.batch is not None and self.running:
                self.batch.report_progress(fraction)
        self.fraction = fraction

    def update_summary(self):
        end = time.monotonic() if self.running else self.finished
        state = 'Cancelling' if self.cancelling else 'Running' if self.running else 'Finished'
        total = len(self.works)
        self.summary.set_text(f'{state}: {self.n_completed} of {total} done, '
                              f'{self.n_cancelled} cancelled, {self.n_failed} failed, '
                              f'{total - len(self.futures)} not started · '
                              f'{end - self.started:.2f} s')


def framed(title, child, expand):
    heading = Gtk.Label(label=title, xalign=0, css_classes=['heading'])
    scrolled = Gtk.ScrolledWindow(child=child, has_frame=True, min_content_height=130,
                                  vexpand=True)
    box = Gtk.Box(orientation=Gtk.Orientation.VERTICAL, spacing=4, vexpand=expand)
    box.append(heading)
    box.append(scrolled)
    return box


# --autotest -------------------------------------------------------------------

class Autotest:
    """Drives the window through its real widgets, as cg-gtk-demo-autotest.c
    does: 12 SHA-256 jobs run to the end, then 40 primes jobs cancelled with
    the Cancel button once CANCEL_AFTER came out. After each batch: the job
    list empties, every future is done (completed, or cancelled with the
    Cancel message), the counts add up, each result matches one computed
    another way. A 5 ms timeout records the main-loop stalls while a batch
    is in flight. Prints one line of JSON; status 0 on success."""

    TICK_MS, SECONDS, CANCEL_AFTER = 5, 90, 10

    def __init__(self, demo, screenshot):
        self.demo, self.screenshot = demo, screenshot
        self.status, self.phase = 1, 0
        self.report = {'app': 'cg-gtk-demo.py'}
        self.gaps, self.last_tick = [], 0.0
        self.shot_requested = self.shot_done = self.cancel_queued = False
        self.cancelled_at = None

    def fail(self, message):
        print(f'cg-gtk-demo.py: autotest failed: {message}', file=sys.stderr)
        self.status = 1
        Gio.Application.get_default().quit()
        return False

    def start(self):
        GLib.timeout_add(self.TICK_MS, self.tick)
        GLib.timeout_add_seconds(self.SECONDS, lambda: self.fail(f'not finished after '
                                                                  f'{self.SECONDS} s'))
        GLib.timeout_add(300, self.next_batch)

    def tick(self):
        now = time.monotonic()
        if self.demo.running:
            self.gaps.append(now - self.last_tick)
        self.last_tick = now
        return GLib.SOURCE_CONTINUE

    def next_batch(self):
        self.phase += 1
        self.demo.kind.set_selected(1 if self.phase == 1 else 0)
        self.demo.count.set_value(12 if self.phase == 1 else 40)
        self.gaps, self.last_tick = [], time.monotonic()
        self.demo.start.emit('clicked')
        return GLib.SOURCE_REMOVE

    def result(self):
        if self.phase != 2:
            return
        if not self.shot_requested and len(self.demo.shown) >= self.CANCEL_AFTER // 2:
            self.shot_requested = True
            clock = self.demo.window.get_frame_clock()
            self.paint_handler = clock.connect('after-paint', self.after_paint)
            self.demo.window.queue_draw()
        self.maybe_cancel()

    def after_paint(self, clock):
        """Right after a frame was drawn, when the layout is valid."""
        clock.disconnect(self.paint_handler)
        shot = time.monotonic()
        if self.screenshot and not save_screenshot(self.demo.window, self.screenshot):
            return self.fail(f'could not save the screenshot {self.screenshot}')
        self.last_tick = time.monotonic()   # the test's work, not a stall of the app
        self.report['screenshot_ms'] = round((self.last_tick - shot) * 1e3, 1)
        self.report['screenshot_in_flight'] = self.cancelled_at is None
        self.shot_done = True

    def maybe_cancel(self):
        if (not self.cancel_queued and self.cancelled_at is None
                and len(self.demo.shown) >= self.CANCEL_AFTER):
            self.cancel_queued = True
            # At the priority of the jobs: a lower one could wait for the whole batch.
            GLib.idle_add(self.click_cancel, priority=GLib.PRIORITY_DEFAULT)

    def click_cancel(self):
        self.cancel_queued = False
        # Only while some job is under way, so that there is something to cancel.
        if any(not future.done() for future in self.demo.futures):
            self.cancelled_at = time.monotonic()
            self.demo.cancel.emit('clicked')
        return GLib.SOURCE_REMOVE

    def batch_finished(self):
        # The job list empties from the main loop, right after.
        self.emptied = None
        GLib.timeout_add(1, self.until_jobs_empty)

    def until_jobs_empty(self):
        if self.demo.jobs.get_n_items():
            return GLib.SOURCE_CONTINUE
        self.emptied = self.emptied or time.monotonic()
        if self.shot_requested and not self.shot_done:
            return GLib.SOURCE_CONTINUE     # the screenshot waits for a frame
        if not self.check_batch():
            return GLib.SOURCE_REMOVE
        if self.phase == 1:
            GLib.timeout_add(100, self.next_batch)
            return GLib.SOURCE_REMOVE
        renderer = self.demo.window.get_native().get_renderer()
        self.report.update(renderer=renderer.__gtype__.name, ok=True)
        print(json.dumps(self.report))
        self.status = 0
        Gio.Application.get_default().quit()
        return GLib.SOURCE_REMOVE

    def check_batch(self):
        demo = self.demo
        for i, future in enumerate(demo.futures):
            if not future.done():
                return self.fail(f'job {i} has not ended')
            if future.cancelled():
                try:
                    future.result()
                except Cg.FutureCancelledError as e:
                    if CANCEL_MESSAGE not in str(e):
                        return self.fail(f'job {i} was cancelled with {e}')
            elif future.result() != expected_result(demo.works[i]):
                return self.fail(f'job {i} found {future.result()}, not '
                                 f'{expected_result(demo.works[i])}')
        n = len(demo.futures)
        if (demo.n_completed + demo.n_cancelled != n or demo.n_failed
                or len(demo.shown) != n or n > len(demo.works)):
            return self.fail('the counts do not add up')
        if self.phase == 1 and demo.n_completed != len(demo.works):
            return self.fail('the hashing batch did not complete')
        if self.phase == 2 and (not demo.cancelling or demo.n_completed < self.CANCEL_AFTER
                                or not demo.n_cancelled):
            return self.fail(f'the primes batch was not cancelled half-way: '
                             f'{demo.n_completed} completed, {demo.n_cancelled} cancelled')
        gaps = sorted(self.gaps) or [0.0]
        stats = {'jobs': len(demo.works), 'completed': demo.n_completed,
                 'cancelled': demo.n_cancelled, 'not_started': len(demo.works) - n,
                 'elapsed_ms': round((demo.finished - demo.started) * 1e3, 1),
                 'ticks': len(self.gaps), 'max_gap_ms': round(gaps[-1] * 1e3, 1),
                 'p99_gap_ms': round(gaps[len(gaps) * 99 // 100] * 1e3, 1),
                 'mean_gap_ms': round(sum(gaps) / len(gaps) * 1e3, 2),
                 'list_empty_ms': round((self.emptied - demo.finished) * 1e3, 1)}
        if self.phase == 2:
            stats['cancel_to_end_ms'] = round((demo.finished - self.cancelled_at) * 1e3, 1)
        self.report['sha256' if self.phase == 1 else 'primes'] = stats
        return True


def expected_result(work):
    """What a job should have found, computed another way: a sieve, or one
    checksum over all of the job's data at once."""
    if work.kind == SHA256:
        return hashlib.sha256(b''.join(work.block(k) for k in range(work.hi))).hexdigest()
    composite = bytearray(work.hi - work.lo)
    for p in range(2, math.isqrt(work.hi - 1) + 1):
        first = max(p * p, (work.lo + p - 1) // p * p)
        composite[first - work.lo::p] = b'\1' * len(range(first, work.hi, p))
    return f'{composite.count(0)} primes'


def save_screenshot(window, path):
    """A GtkSnapshot of the window, rendered to a texture and saved as PNG.
    PyGObject 3.42 (Debian 12) cannot hand a GskRenderNode to Python, so
    the node stays in C: the calls go through ctypes."""
    import ctypes
    from ctypes import c_char_p, c_double, c_float, c_int, c_void_p

    gtk = ctypes.CDLL('libgtk-4.so.1')
    signatures = {
        'gtk_widget_paintable_new': (c_void_p, [c_void_p]),
        'gtk_snapshot_new': (c_void_p, []),
        'gdk_paintable_snapshot': (None, [c_void_p, c_void_p, c_double, c_double]),
        'gtk_snapshot_free_to_node': (c_void_p, [c_void_p]),
        'gtk_native_get_renderer': (c_void_p, [c_void_p]),
        'gsk_renderer_render_texture': (c_void_p, [c_void_p, c_void_p, c_void_p]),
        'gdk_texture_save_to_png': (c_int, [c_void_p, c_char_p]),
        'gsk_render_node_unref': (None, [c_void_p]),
        'g_object_unref': (None, [c_void_p]),
    }
    c = {}
    for name, (restype, argtypes) in signatures.items():
        c[name] = getattr(gtk, name)
        c[name].restype, c[name].argtypes = restype, argtypes
    pointer = ctypes.pythonapi.PyCapsule_GetPointer
    pointer.restype, pointer.argtypes = c_void_p, [ctypes.py_object, c_char_p]
    widget = pointer(window.__gpointer__, None)
    width, height = window.get_width(), window.get_height()

    paintable = c['gtk_widget_paintable_new'](widget)
    snapshot = c['gtk_snapshot_new']()
    c['gdk_paintable_snapshot'](paintable, snapshot, width, height)
    node = c['gtk_snapshot_free_to_node'](snapshot)
    c['g_object_unref'](paintable)
    if not node:
        return False
    viewport = (c_float * 4)(0, 0, width, height)     # a graphene_rect_t
    texture = c['gsk_renderer_render_texture'](c['gtk_native_get_renderer'](widget), node,
                                                 viewport)
    c['gsk_render_node_unref'](node)
    saved = c['gdk_texture_save_to_png'](texture, os.fsencode(path))
    c['g_object_unref'](texture)
    return bool(saved)


def main():
    # CPU-bound Python in the job threads holds the GIL, which the GTK thread
    # needs for every Python callback and takes back after every call into
    # GTK: a shorter switch interval (5 ms by default) lets it in sooner.
    sys.setswitchinterval(0.001)
    autotest = '--autotest' in sys.argv or os.environ.get('CG_GTK_DEMO_AUTOTEST') == '1'
    demo = Demo(autotest)
    application = Gtk.Application(application_id='org.caller_glib.GtkDemoPython',
                                  flags=Gio.ApplicationFlags.NON_UNIQUE)
    application.connect('activate', demo.activate)
    status = application.run([arg for arg in sys.argv if arg != '--autotest'])
    # Cancels the jobs still running and ends the pool threads.
    Cg.Caller.stop_all()
    return demo.test.status if autotest else status


if __name__ == '__main__':
    sys.exit(main())
