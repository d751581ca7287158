# Cg.py: the PyGObject override of caller-glib
#
# Copyright 2026 The caller-glib authors
#
# SPDX-License-Identifier: LGPL-2.1-or-later

"""Pythonic caller-glib, shaped as the async_kernel ``Caller`` API: ``Caller``,
``Future``, ``AsyncLock``, ``ReentrantAsyncLock``, ``sleep()``,
``FutureCancelledError`` and ``InvalidStateError``.

A thin skin over the library (its queues, waits, done callbacks and
translated messages): Python exceptions, asyncio support and a coroutine
runner. Jobs run in a copy of the ``contextvars`` context current at
submission. A caller made inside a running asyncio loop is run by that
loop, and its coroutine jobs are asyncio tasks; on other callers coroutine
jobs run on the caller's GLib main loop and may await Cg futures,
``sleep()``, waits, locks, ``Caller.wait()`` and ``Caller.as_completed()``,
not asyncio objects. docs/python.md is the guide; the C reference of the
``cg_`` functions says the rest.
"""

import asyncio
import collections.abc
import contextvars
import inspect
import logging
import threading
import types
import weakref

from gi.repository import GLib, GObject, Gio

from ..module import get_introspection_module
from ..overrides import override
from . import _Cg

Cg = get_introspection_module('Cg')

__all__ = ['FutureCancelledError', 'InvalidStateError', 'Future', 'Caller', 'AsyncLock',
           'ReentrantAsyncLock', 'TaskGroup', 'sleep', 'timeout']

_log = logging.getLogger('Cg')

_CgFuture = Cg.Future
_CgCaller = Cg.Caller
_CgAsyncLock = Cg.AsyncLock
_CgTaskGroup = Cg.TaskGroup

_WAIT_NONE = Cg.WaitFlags(0)
_WAIT_SHIELD = Cg.WaitFlags.SHIELD
_WAIT_NO_RESULT = Cg.WaitFlags.NO_RESULT

_FUTURE_DOMAIN = GLib.quark_to_string(Cg.future_error_quark())
_CALLER_DOMAIN = GLib.quark_to_string(Cg.caller_error_quark())
_IO_DOMAIN = GLib.quark_to_string(Gio.io_error_quark())

# Python exceptions travel through the library as GErrors of this domain,
# whose code is a token that finds the exception object again.
_PY_ERROR_DOMAIN = 'cg-python-exception-quark'
_PY_ERROR_QUARK = GLib.quark_from_string(_PY_ERROR_DOMAIN)


# Errors ------------------------------------------------------------------


class _Error:
    domain = _FUTURE_DOMAIN
    message = property(str)


class FutureCancelledError(_Error, Exception):
    """The future was cancelled (``CG_FUTURE_ERROR_CANCELLED``)."""

    code = int(Cg.FutureError.CANCELLED)


class InvalidStateError(_Error, RuntimeError):
    """The operation does not fit the future's state
    (``CG_FUTURE_ERROR_INVALID_STATE``)."""

    code = int(Cg.FutureError.INVALID_STATE)


_EXCEPTIONS = {
    (_FUTURE_DOMAIN, FutureCancelledError.code): FutureCancelledError,
    (_FUTURE_DOMAIN, InvalidStateError.code): InvalidStateError,
    (_CALLER_DOMAIN, int(Cg.CallerError.TIMED_OUT)): TimeoutError,
}

# A failed future's exception lives in its wrapper's attributes, which
# PyGObject keeps with the GObject (a toggle reference) and the collector
# frees with it; the registry finds it by token through a weak reference.
# A coroutine job's exception is kept by the job's future, not by the
# coroutine's future it follows in C, out of the collector's sight: a
# traceback referring to the job's future would keep both alive for ever.

class _Held(list):
    """[exception], weakly referable (built-in exceptions are not)."""


_exc_lock = threading.Lock()
_exc_registry = weakref.WeakValueDictionary()  # token -> _Held
_exc_next_token = 1


def _translate(error):
    """The Python exception for an exception, a GLib.Error of the library
    among them (with its message)."""
    if not isinstance(error, GLib.Error):
        return error
    if error.domain == _PY_ERROR_DOMAIN:
        held = _exc_registry.get(error.code)
        return error if held is None else held[0]
    kind = _EXCEPTIONS.get((error.domain, error.code))
    return error if kind is None else kind(error.message)


def _call(func, *args):
    """func(*args), raising the Python exception of a GLib.Error."""
    try:
        return func(*args)
    except GLib.Error as e:
        error = e
    raise _translate(error)


def _describe(exc):
    """The GError message carrying *exc*: its type and text, in UTF-8."""
    try:
        text = str(exc)
    except BaseException:  # noqa: B902
        text = ''
    message = '%s: %s' % (type(exc).__name__, text) if text else type(exc).__name__
    return message.encode('utf-8', 'backslashreplace').decode('utf-8')


def _fail(future, exc, owner=None):
    """Completes *future* with *exc*, kept by *owner* (*future* by default)."""
    global _exc_next_token
    if isinstance(exc, type) and issubclass(exc, BaseException):
        exc = exc()
    if not isinstance(exc, BaseException):
        raise TypeError('not an exception: %r' % (exc,))
    held = _Held((exc,))
    with _exc_lock:  # in place before other threads can see the failure
        while _exc_next_token in _exc_registry:
            _exc_next_token = _exc_next_token % 0x7FFFFFFE + 1
        token = _exc_next_token
        _exc_next_token = token % 0x7FFFFFFE + 1
        kept = (future if owner is None else owner).__dict__.setdefault('_cg_exceptions', {})
        kept[token] = _exc_registry[token] = held
    try:
        _CgFuture.return_error(future, GLib.Error.new_literal(
            _PY_ERROR_QUARK, _describe(exc), token))
        return
    except GLib.Error as e:
        with _exc_lock:
            kept.pop(token, None)
            _exc_registry.pop(token, None)
        error = e
    raise _translate(error)


# _Cg.complete(): exact bools, ints, floats and strs complete the future as
# the library's own values (C copies and frees them without the GIL), other
# objects in a GObject.Value.
_set_value = _Cg.complete


def _outcome(future):
    """(True, result) or (False, exception) of a done *future*. Frames that
    raise a future's exception drop the future first: the exception keeps
    them in its traceback and lives as long as the future."""
    try:
        return True, _Cg.result(future)
    except GLib.Error as e:
        return False, _translate(e)


# Awaiting: in the coroutine runner or in asyncio ---------------------------

_tls = threading.local()
_get_running_loop = asyncio._get_running_loop


def _asyncio_loop():
    """The asyncio loop to await in, or None inside the coroutine runner."""
    loop = _get_running_loop()
    return None if loop is not None and loop is getattr(_tls, 'runner_loop', 0) else loop


class _GOp:
    """An awaitable ``_async``/``_finish`` pair, started on the current
    thread, in the coroutine runner or in asyncio. ``abandon(value)`` undoes
    a success nobody awaits any more; with ``cancel()``, a cancelled await
    in asyncio calls it rather than cancelling a Gio.Cancellable made for
    the operation."""

    __slots__ = ('start', 'finish', 'abandon', 'cancel')

    def __init__(self, start, finish, abandon=None, cancel=None):
        self.start, self.finish, self.abandon, self.cancel = start, finish, abandon, cancel

    def __await__(self):
        loop = _asyncio_loop()
        if loop is None:
            return (yield self)
        return (yield from _asyncio_op(self, loop))


def _finish_op(op, source, result):
    """(True, value) or (False, exception)."""
    try:
        return True, op.finish(source, result)
    except BaseException as e:  # noqa: B902
        return False, _translate(e)


def _asyncio_op(op, loop):
    """Runs *op* for a coroutine of *loop*: started in the loop's thread with
    the loop's GLib context as the thread-default context, so that its
    answer arrives there and the loop runs it."""
    host = _Host.of(loop)
    afut, answered = loop.create_future(), loop.create_future()
    cancellable = Gio.Cancellable() if op.cancel is None else None

    def callback(source, result, *unused):
        ok, value = _finish_op(op, source, result)
        del source, result, unused  # see _Runner._callback()
        answered.set_result(None)
        host.release()
        if not afut.done():
            (afut.set_result if ok else afut.set_exception)(value)
        elif ok and op.abandon is not None and value is not None:
            op.abandon(value)

    host.hold()
    try:
        host.call(op.start, cancellable, callback)
    except BaseException as e:  # noqa: B902
        host.release()
        raise _translate(e)
    try:
        return (yield from afut)
    except asyncio.CancelledError:
        # The library settles the cancelled operation (a wait cancels its
        # future unless shielded) before the task ends.
        if cancellable is None:
            op.cancel()
        else:
            cancellable.cancel()
        if not answered.done():
            yield from asyncio.shield(answered)
        raise


# Hosting: an asyncio loop runs GLib main contexts --------------------------
#
# Through Cg.HostedContext, an asyncio loop runs its own GLib main context
# (where the answers of the library's calls made in the loop arrive, and
# where callers made in the loop live) and the context of a caller started
# in it that no other thread runs, while they have users.

_hosts_lock = threading.Lock()
_hosts = weakref.WeakKeyDictionary()  # loop -> {context: _Host, None: context}


class _Host:
    """A GLib.MainContext run by an asyncio loop while it has users (and a
    second longer, for the next await); closed at the latest when the loop
    shuts down and cancels its tasks."""

    __slots__ = ('_loop', 'context', 'hosted', 'users', 'timer', 'closer', 'keeper')

    IDLE_SECONDS = 1.0

    def __init__(self, loop, context):
        self._loop, self.context = weakref.ref(loop), context
        self.hosted, self.users, self.timer, self.closer, self.keeper = (None, 0, None, None,
                                                                         None)

    @property
    def loop(self):
        """The loop, or None once it is gone (the host does not keep it)."""
        return self._loop()

    @classmethod
    def of(cls, loop, context=None):
        """The host of *context* (by default the loop's own) in *loop*."""
        with _hosts_lock:
            hosts = _hosts.setdefault(loop, {})
            if context is None:
                context = hosts.get(None)
                if context is None:
                    context = hosts[None] = GLib.MainContext.new_with_flags(
                        GLib.MainContextFlags.OWNERLESS_POLLING)
            host = hosts.get(context)
            if host is None:
                host = hosts[context] = cls(loop, context)
        return host

    def call(self, func, *args):
        """func(*args) with the host's context as the thread-default one."""
        self.context.push_thread_default()
        try:
            return func(*args)
        finally:
            self.context.pop_thread_default()

    def hold(self):
        """One more user; the loop runs the context from now on. GLib.Error
        (BUSY) if another thread runs it."""
        if self.hosted is None:
            loop = self.loop
            self.hosted = Cg.HostedContext.new(self.context)
            loop.add_reader(self.hosted.get_fd(), self.run)
            loop.call_soon(self.run)
            self.keeper = _watch_shutdown(self)
        self.users += 1

    def release(self):
        self.users -= 1
        loop = self.loop
        if self.users == 0 and self.closer is None and loop is not None and not loop.is_closed():
            self.closer = loop.call_later(self.IDLE_SECONDS, self._close_unused)

    def release_threadsafe(self):
        loop = self.loop
        try:
            if loop is not None:
                loop.call_soon_threadsafe(self.release)
        except RuntimeError:  # the loop is closed
            pass

    def _close_unused(self):
        self.closer = None
        if self.users == 0:
            self._close()

    def _close(self):
        if self.hosted is None:
            return
        keeper, self.keeper = self.keeper, None
        if keeper is not None:
            _run_now(keeper.aclose())
        loop = self.loop
        if loop is not None and not loop.is_closed():
            loop.remove_reader(self.hosted.get_fd())
        for handle in (self.timer, self.closer):
            if handle is not None:
                handle.cancel()
        self.hosted.close()
        self.hosted = self.timer = self.closer = self.keeper = None

    def run(self):
        if self.hosted is None:
            return
        saved = getattr(_tls, 'host', None)
        _tls.host = self
        try:
            timeout = self.hosted.iterate()
        finally:
            _tls.host = saved
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        if timeout >= 0 and self.hosted is not None:
            loop = self.loop
            self.timer = loop.call_at(loop.time() + timeout / 1000, self.run)


def _run_now(coroutine):
    """Runs *coroutine*, which must not suspend, to its end."""
    try:
        coroutine.send(None)
    except StopIteration:
        pass


async def _shutdown_watch(host):
    try:
        yield
    finally:  # closed by the loop's shutdown, or by host._close()
        if host.keeper is not None:
            host.keeper = None
            host._close()


def _watch_shutdown(host):
    """An asynchronous generator, started in the running loop, that closes
    *host* when the loop shuts down: asyncio.run() and Runner close the
    asynchronous generators of the loop (shutdown_asyncgens()) before they
    close it. Unlike a task, it stays out of asyncio.all_tasks()."""
    watch = _shutdown_watch(host)
    _run_now(watch.asend(None))
    return watch


def _host_caller(caller, loop):
    """Has *loop* run *caller*'s jobs until it stops, unless someone else runs
    its context."""
    hosted = caller.__dict__.get('_cg_host')
    if caller.stopped or (hosted is not None and hosted.hosted is not None):
        return
    host = _Host.of(loop, caller.context)
    try:
        host.hold()
    except GLib.Error:  # another thread runs the context
        return
    caller.__dict__['_cg_host'] = host
    caller.__dict__['_cg_tasks'] = set()
    caller.connect('notify::stopped', lambda *unused: host.release_threadsafe())


def _asyncio_await(future, loop):
    """``await future`` in *loop*: the future's completion hook wakes the loop,
    no thread in between. As in asyncio, a cancelled await cancels the
    future (with the task's cancel message)."""
    done = loop.create_future()

    def resolve():
        if not done.done():
            done.set_result(None)

    def hook(*unused):
        try:
            loop.call_soon_threadsafe(resolve)
        except RuntimeError:  # the loop is closed
            pass

    _Cg.add_completion_hook(future, hook)
    try:
        yield from done
    except asyncio.CancelledError as e:
        Future.cancel(future, *e.args[:1])
        raise
    ok, value = _outcome(future)
    if ok:
        return value
    del future  # see _outcome()
    raise value


def _timeout(timeout):
    """None as the library's no limit (as are NaN and negative timeouts)."""
    return -1.0 if timeout is None else float(timeout)


_FLAGS = {(shield, result): (_WAIT_SHIELD if shield else _WAIT_NONE) |
          (_WAIT_NONE if result else _WAIT_NO_RESULT)
          for shield in (False, True) for result in (False, True)}


def _flags(shield, result):
    return _FLAGS[bool(shield), bool(result)]


def _wait_sync(future, timeout, flags):
    """cg_future_wait_sync() and the result: (True, value) or (False,
    exception)."""
    try:
        return True, _Cg.wait(future, timeout, int(flags))
    except GLib.Error as e:
        return False, _translate(e)


@types.coroutine
def _wait_async(future, timeout, flags):
    """cg_future_wait_async(): (True, value) or (False, exception)."""
    if not _CgFuture.is_done(future):  # else the library answers at once
        try:
            yield from _GOp(lambda cancellable, callback: _Cg.wait_async(
                                future, timeout, int(flags), cancellable, callback),
                            lambda source, result: _CgFuture.wait_finish(future, result)
                            ).__await__()
        except Exception as e:  # noqa: B902
            return False, e
    return _wait_sync(future, timeout, flags)  # done: at once


async def _wait(future, timeout, flags):
    ok, value = await _wait_async(future, _timeout(timeout), flags)
    if ok:
        return value
    del future  # see _outcome()
    raise value


class _Done:
    """Done already: what ``release()`` returns, for ``await lock.release()``."""

    def __await__(self):
        return iter(())


# Futures -------------------------------------------------------------------

_callbacks_lock = threading.RLock()


class Future(Cg.Future):
    """A result that another thread delivers, as asyncio.Future.

    ``Cg.Future()`` belongs to the current thread, ``Cg.Future(thread)`` to a
    GLib.Thread, where its done callbacks run. Another thread can complete
    it only if its thread has a caller: made in an asyncio loop, the thread
    gets one that the loop runs. Any Python value can be the
    result; ``result()``, ``exception()`` and ``await`` give back the very
    exception object that was set or that a job raised.
    """

    def __new__(cls, thread=None):
        if thread is not None:
            return _CgFuture.new_for_thread(thread)
        _host_if_asyncio()
        return _CgFuture.new()

    def __init__(self, thread=None):
        pass

    def __repr__(self):
        state = 'cancelled' if self.is_cancelled() else 'done' if self.is_done() else 'pending'
        return '<Cg.Future %s at 0x%x>' % (state, id(self))

    thread = property(_CgFuture.get_thread, doc='The GLib.Thread the future belongs to.')
    done = _CgFuture.is_done
    cancelled = _CgFuture.is_cancelled

    def cancel(self, msg=None):
        """Cancels the future unless done; returns cancelled(). A future
        whose job is running becomes done when the job returns (its
        Gio.Cancellable is cancelled at once), so done() may stay False
        for a while, unlike asyncio.Future.cancel()."""
        return _CgFuture.cancel(self, None if msg is None else str(msg))

    def set_result(self, value):
        """Completes the future with *value*, any Python object."""
        _call(_set_value, self, value)

    def set_exception(self, exception):
        """Completes the future with *exception*, kept as it is."""
        _fail(self, exception)

    def set_cancel_scope(self, cancellable):
        """Cancels *cancellable* (a Gio.Cancellable) when the future is."""
        _call(_CgFuture.set_cancellable, self, cancellable)

    def result(self):
        """The result; raises the future's exception, FutureCancelledError or
        InvalidStateError."""
        ok, value = _outcome(self)
        if ok:
            return value
        del self  # see _outcome()
        raise value

    def exception(self):
        """The future's exception or None; raises FutureCancelledError or
        InvalidStateError."""
        error = _call(_CgFuture.dup_exception, self)
        return None if error is None else _translate(error)

    def add_done_callback(self, fn):
        """Calls ``fn(future)`` once done, in the context current now; see
        cg_future_add_done_callback()."""
        entry = [fn, contextvars.copy_context()]
        with _callbacks_lock:  # re-entered if the library runs it from here
            self.__dict__.setdefault('_cg_callbacks', []).append(entry)
            entry.append(_Cg.add_done_callback(
                self, lambda future: _run_done_callback(future, entry)))

    def remove_done_callback(self, fn):
        """Removes the registrations of *fn* that are not run or scheduled;
        returns how many. See cg_future_remove_done_callback_by_id()."""
        with _callbacks_lock:
            entries = self.__dict__.get('_cg_callbacks') or []
            ids = [entry[2] for entry in entries if entry[0] == fn]
            entries[:] = [entry for entry in entries if entry[0] != fn]
        return sum(_CgFuture.remove_done_callback_by_id(self, i) for i in ids)

    def wait(self, timeout=None, shield=False, result=True):
        """A coroutine waiting for the future, in asyncio or a coroutine job;
        see cg_future_wait_async(). TimeoutError on timeout. Returns the
        result when *result*."""
        return _wait(self, timeout, _flags(shield, result))

    def with_timeout(self, delay):
        """A future that follows this one, or fails with TimeoutError and
        cancels this one when *delay* seconds pass first; see
        cg_future_with_timeout(). Needs a caller on the current thread."""
        return _call(_CgFuture.with_timeout, self, float(delay))

    @staticmethod
    def all(futures, *, shield=False):
        """A future that succeeds (with None) once every one of *futures*
        succeeded, and fails as soon as one fails, as that one did; see
        cg_future_all(). Cancelling it cancels the futures still pending,
        unless *shield*. Needs a caller on the current thread; in asyncio
        (which gives it one), *futures* may be any awaitables, run as tasks
        of the loop."""
        _host_if_asyncio()
        return _call(_CgFuture.all, [_as_cg_future(f) for f in futures], bool(shield))

    @staticmethod
    def any(futures, *, shield=False):
        """A future that completes as the first of *futures* to succeed, or
        as the last to fail when none does; see cg_future_any()."""
        _host_if_asyncio()
        return _call(_CgFuture.any, [_as_cg_future(f) for f in futures], bool(shield))

    @staticmethod
    def first(futures, *, shield=False):
        """A future that completes as the first of *futures* to complete;
        see cg_future_first()."""
        _host_if_asyncio()
        return _call(_CgFuture.first, [_as_cg_future(f) for f in futures], bool(shield))

    @staticmethod
    def for_signal(instance, signal, cancellable=None):
        """A future of the first emission of *signal* by the GObject
        *instance*, with the signal's first argument; see
        cg_future_new_for_signal(). Needs a caller on the current thread
        (in asyncio, the loop gets one)."""
        _host_if_asyncio()
        return _call(_CgFuture.new_for_signal, instance, signal, cancellable)

    @staticmethod
    def for_property(instance, name, predicate=None, cancellable=None):
        """A future of the value of the property *name* of *instance* once
        ``predicate(value)`` is true (at once if it is now; without
        *predicate*, at the next change); see cg_future_new_for_property()."""
        _host_if_asyncio()
        return _call(_Cg.future_for_property, instance, name, predicate, cancellable)

    def then(self, fn, caller=None):
        """A future completed by ``fn(self)``, run as a job of *caller* (the
        current thread's by default) once this future succeeded; this
        future's failure passes through. See cg_future_then()."""
        return _continue(0, self, fn, caller)

    def catch(self, fn, caller=None):
        """As then(), with ``fn(self)`` run once this future failed or was
        cancelled; its success passes through. See cg_future_catch()."""
        return _continue(1, self, fn, caller)

    def finally_(self, fn, caller=None):
        """As then(), with ``fn(self)`` run whatever the outcome; the result
        is this future's outcome unless *fn* fails. See
        cg_future_finally()."""
        return _continue(2, self, fn, caller)

    def wait_sync(self, timeout=None, shield=False, result=True):
        """Blocks until the future is done; see cg_future_wait_sync()."""
        ok, value = _wait_sync(self, _timeout(timeout), _flags(shield, result))
        if ok:
            return value
        del self  # see _outcome()
        raise value

    def __await__(self):
        loop = _asyncio_loop()
        if loop is None:
            return _wait(self, None, _WAIT_NONE).__await__()
        return _asyncio_await(self, loop)


Future = override(Future)


def _host_if_asyncio():
    """Other threads complete a future of this thread through its caller:
    in asyncio, one that the loop runs, made now if there is none."""
    if _asyncio_loop() is not None and _CgCaller.get_current() is None:
        Caller.__new__(Caller, create=True).__enter__()


def _continue(kind, future, fn, caller):
    """A continuation (cg_future_and_then(), _catch() or _finally(): *kind*
    0, 1 or 2): *fn(input)* as a Python job (a coroutine function's
    coroutine runs as a coroutine job), in a copy of the current context."""
    ctx = contextvars.copy_context()
    _host_if_asyncio()
    return _call(_Cg.continue_with, kind, future, caller,
                 lambda job, input_: _job_trampoline(job, (fn, (input_,), {}, ctx)))


def _run_done_callback(future, entry):
    with _callbacks_lock:
        entries = future.__dict__.get('_cg_callbacks') or []
        entries[:] = [other for other in entries if other is not entry]
    try:
        entry[1].run(entry[0], future)
    except BaseException:  # noqa: B902
        _log.exception('Cg: the done callback %r of %r failed', entry[0], future)


# Jobs --------------------------------------------------------------------

_current_future = contextvars.ContextVar('Cg.current_future', default=None)


def _call_job(future, func, args, kwargs):
    _current_future.set(future)
    if not callable(func) and inspect.isawaitable(func):
        return func
    return func(*args, **kwargs)


# Results that are neither futures nor awaitables, known without asking.
_PLAIN_TYPES = frozenset((bool, int, float, str, bytes, tuple, list, dict, set))


def _job_trampoline(future, payload):
    """The CgJobFunc of every Python job."""
    func, args, kwargs, ctx = payload
    try:
        value = ctx.run(_call_job, future, func, args, kwargs)
    except BaseException as e:  # noqa: B902
        _complete(_fail, future, e)
        return
    if value is None:
        pass  # the library completes the job's future with no value: None
    elif type(value) in _PLAIN_TYPES:
        _complete(_set_value, future, value)
    elif value is future:
        # A job that returns its own future completes it with itself, as in
        # the async_kernel Caller API (C would refuse to chain it to itself).
        _complete(_set_value, future, value)
    elif isinstance(value, _CgFuture):
        try:
            _CgFuture.return_future(future, value)
        except GLib.Error as e:
            _complete(_fail, future, _translate(e))
    elif inspect.isawaitable(value):
        inner, start = _coroutine_future(value, ctx, future)
        try:
            _CgFuture.return_future(future, inner)
        except GLib.Error:  # done already: the caller was stopped, say
            Future.cancel(inner)
            if start is not _nothing and inspect.iscoroutine(value):
                value.close()
            return
        start()
    else:
        _complete(_set_value, future, value)


def _coroutine_future(awaitable, ctx, owner=None):
    """(future, start) for *awaitable* run as a coroutine job: an asyncio task
    where an asyncio loop hosts the current caller, else the library's
    coroutine runner. The future follows its outcome; cancelling the future
    cancels the coroutine. *owner* keeps its exception (see _fail())."""
    host = getattr(_tls, 'host', None)
    if host is None:
        runner = _Runner(awaitable, ctx, owner)
        return runner.future, runner.step
    loop, future = host.loop, Future()
    coro = awaitable if inspect.iscoroutine(awaitable) else _await_any(awaitable)
    task = loop.create_task(coro, context=ctx)
    host.hold()  # runs on until the task ends, stopped caller or not
    caller = _CgCaller.get_current()
    tasks = None if caller is None else caller.__dict__.get('_cg_tasks')
    if tasks is not None:
        tasks.add(task)

    def ended(task):
        host.release()
        if tasks is not None:
            tasks.discard(task)

    _follow_task(task, future, owner, ended)
    return future, _nothing


def _follow_task(task, future, owner=None, ended=None):
    """Completes *future* with the outcome of the asyncio *task* (after
    ``ended(task)``); cancelling *future* cancels the task. *owner* keeps
    its exception (see _fail())."""
    def settle(task):
        # Connected, the handler would keep the task, the future and its
        # cancellable in a cycle through C that the collector cannot see.
        GObject.Object.disconnect(cancellable, handler)
        if ended is not None:
            ended(task)
        if task.cancelled():
            Future.cancel(future)
            _complete(_set_value, future, None)  # completes as cancelled
        elif task.exception() is not None:
            _complete(_fail, future, task.exception(), owner)
        else:
            _complete(_set_value, future, task.result())

    def cancel(*unused):  # the future's cancellation, on the loop's thread
        task.cancel(_cancel_message(future))

    cancellable = _CgFuture.get_cancellable(future)
    handler = GObject.Object.connect(cancellable, 'cancelled', cancel)
    task.add_done_callback(settle)


def _as_cg_future(item):
    """*item* as a Cg future: itself, or, in an asyncio loop, a future that
    follows it as a task of the loop."""
    if isinstance(item, _CgFuture):
        return item
    if _asyncio_loop() is None or not inspect.isawaitable(item):
        raise TypeError('not a Cg future (nor, in asyncio, an awaitable): %r' % (item,))
    _host_if_asyncio()
    future = Future()
    _follow_task(asyncio.ensure_future(item), future)
    return future


def _nothing():
    pass


def _cancel_message(future):
    try:
        _CgFuture.check(future)
    except GLib.Error as e:
        return e.message
    return None


# call_soon() and to_thread() submit through _Cg, which keeps the GIL (see
# cg-python-jobs.c): payload (func, args, kwargs, context).
_Cg.set_job_runner(_job_trampoline)


def _complete(complete, future, value, *owner):
    try:
        complete(future, value, *owner)
    except (GLib.Error, InvalidStateError, FutureCancelledError):
        pass  # done already: the caller was stopped, say


async def _await_any(awaitable):
    return await awaitable


class _Runner:
    """Drives a coroutine on the current caller's thread, from its GLib main
    loop; ``future`` completes with its outcome, and cancelling it throws
    FutureCancelledError into the coroutine. *owner*, the job's future that
    follows ``future``, keeps its exception (see _fail())."""

    __slots__ = ('coro', 'ctx', 'future', 'owner', 'cancellable')

    def __init__(self, awaitable, ctx, owner=None):
        self.coro = awaitable if inspect.iscoroutine(awaitable) else _await_any(awaitable)
        self.ctx = ctx
        self.future = Future()
        self.owner = owner
        self.cancellable = _CgFuture.get_cancellable(self.future)

    def step(self, value=None, exc=None):
        saved = getattr(_tls, 'runner_loop', 0)
        _tls.runner_loop = _get_running_loop()
        try:
            while True:
                try:
                    if exc is None:
                        op = self.ctx.run(self.coro.send, value)
                    else:
                        op = self.ctx.run(self.coro.throw, exc)
                except StopIteration as stop:
                    return _complete(_set_value, self.future, stop.value)
                except BaseException as e:  # noqa: B902
                    return _complete(_fail, self.future, e, self.owner)
                value = exc = None
                if op is None:
                    return self._resume_soon()
                if not isinstance(op, _GOp):
                    exc = RuntimeError('%r cannot be awaited in a Cg coroutine job' % (op,))
                    continue
                try:
                    return op.start(self.cancellable, self._callback(op))
                except BaseException as e:  # noqa: B902
                    exc = _translate(e)
        finally:
            _tls.runner_loop = saved

    def _callback(self, op):
        def callback(source, result, *unused):
            ok, value = _finish_op(op, source, result)
            # The coroutine runs on from this frame, which the traceback of an
            # exception it raises keeps: it must not keep *result* with it.
            del source, result, unused
            if ok:
                return self.step(value)
            if (isinstance(value, GLib.Error) and value.domain == _IO_DOMAIN
                    and value.code == Gio.IOErrorEnum.CANCELLED
                    and self.cancellable.is_cancelled()):
                try:
                    _CgFuture.check(self.future)
                except GLib.Error as e:  # the future's cancellation
                    value = _translate(e)
            self.step(None, value)
        return callback

    def _resume_soon(self):
        def resume(*unused):
            self.step()
            return GLib.SOURCE_REMOVE

        caller = _CgCaller.get_current()
        if caller is not None:
            try:
                return _Cg.call_direct(caller, resume)
            except GLib.Error:  # stopped
                pass
        source = GLib.Idle()
        source.set_callback(resume)
        source.attach(GLib.MainContext.ref_thread_default())


def _direct_trampoline(payload):
    func, args, kwargs = payload
    try:
        value = func(*args, **kwargs)
        if inspect.isawaitable(value):
            future, start = _coroutine_future(value, contextvars.copy_context())
            future.add_done_callback(_log_direct_failure)
            start()
    except BaseException:  # noqa: B902
        _log.exception('Cg: the direct call %r failed', func)


def _log_direct_failure(future):
    if not future.cancelled() and future.exception() is not None:
        _log.error('Cg: a direct call failed', exc_info=future.exception())


# Callers ------------------------------------------------------------------


def _spawn_thread(start):
    """Starts the library's threads as threading.Threads: named as their
    callers, and keeping their Python thread state from one job to the next
    (a thread Python does not know builds one for every call into Python)."""
    threading.Thread(target=start.run, name=start.get_name(), daemon=True).start()
    return True


Cg.set_thread_spawner(_spawn_thread)


def _gthread(thread):
    if thread is None or isinstance(thread, GLib.Thread):
        return thread
    if not isinstance(thread, threading.Thread):
        raise TypeError('not a thread: %r' % (thread,))
    if thread is not threading.current_thread():
        raise ValueError('only the current threading.Thread; else its GLib.Thread')


def _setting(name, minimum, doc):
    getter, setter = getattr(_CgCaller, 'get_' + name), getattr(_CgCaller, 'set_' + name)

    def set_value(cls, value):
        value = int(value)
        if not minimum <= value <= 0x7FFFFFFF:
            raise ValueError('out of range: %d' % value)
        setter(value)
    return property(lambda cls: getter(), set_value, doc=doc)


def _class_setting(name):
    """A process-wide setting seen from a caller: the class attribute."""
    return property(lambda self: getattr(type(self), name),
                    lambda self, value: setattr(type(self), name, value),
                    doc='Process-wide, the same as ``Caller.%s``.' % name)


class _CallerMeta(type(Cg.Caller)):
    """The process-wide settings of the library, as class attributes."""

    MAX_BUFFER_SIZE = _setting('max_buffer_size', 1,
                               'Room of an execution queue when queue_call() names none.')
    MAX_IDLE_POOL_INSTANCES = _setting('max_idle_pool_instances', 0,
                                       'Idle pool workers kept for new jobs.')
    MAX_POOL_THREADS = _setting('max_pool_threads', 0,
                                'Cap on pool threads running jobs; 0: min(32, CPUs + 4).')


def _payload(func, args, kwargs):
    return func, args, kwargs, contextvars.copy_context()


class Caller(Cg.Caller, metaclass=_CallerMeta):
    """Calls functions in a thread's GLib main loop and gives futures back.

    ``Cg.Caller()`` is the current thread's caller; ``Cg.Caller(create=True)``
    makes one for the thread-default main context (see cg_caller_get()), or,
    inside a running asyncio loop, one that the loop runs. ``with caller:``
    and ``async with caller:`` start and stop it (a protected caller stays:
    stop it with ``stop(force=True)``). *log* is accepted for compatibility
    with the async_kernel ``Caller`` API and not used.
    """

    def __new__(cls, *, thread=None, log=None, create=False, protected=False):
        thread = _gthread(thread)
        loop = _asyncio_loop() if create and thread is None else None
        if loop is None:
            return _CgCaller.get(thread, bool(create), bool(protected))
        # Made in a running asyncio loop: that loop runs it.
        host = _Host.of(loop)
        caller = host.call(_CgCaller.get, None, True, bool(protected))
        _host_caller(caller, loop)
        return caller

    def __init__(self, *args, **kwargs):
        pass

    def __repr__(self):
        state = ('running' if self.running else 'stopped' if self.stopped else 'not started')
        return '<Cg.Caller %r %s at 0x%x>' % (self.name, state, id(self))

    MAX_BUFFER_SIZE = _class_setting('MAX_BUFFER_SIZE')
    MAX_IDLE_POOL_INSTANCES = _class_setting('MAX_IDLE_POOL_INSTANCES')
    MAX_POOL_THREADS = _class_setting('MAX_POOL_THREADS')
    name = property(_CgCaller.get_name, doc='Its name, unique among running callers.')
    protected = property(_CgCaller.get_protected, doc='Whether only stop(force=True) stops it.')
    running = property(_CgCaller.get_running, doc='Whether it is started and not stopped.')
    stopped = property(_CgCaller.get_stopped, doc='Whether it is stopped (for good).')
    thread = property(_CgCaller.get_thread, doc="The GLib.Thread of the caller's jobs.")
    context = property(_CgCaller.get_context, doc="The GLib.MainContext of its jobs.")
    log = property(_CgCaller.get_log_domain, doc="The log domain of its messages.")

    @classmethod
    def start_new(cls, *, name=None, protected=False, context=None, backend=None,
                  log=None, backend_options=None):
        """Starts a caller in a new thread (a threading.Thread named as the
        caller); see cg_caller_start_new(). A GLib.MainContext given as
        *context* or *backend* is its context; *log* and *backend_options*
        are accepted for compatibility and not used."""
        if context is None and isinstance(backend, GLib.MainContext):
            context = backend
        return _CgCaller.start_new(name, bool(protected), context)

    @classmethod
    def get_instance(cls, name='MainThread', create=False):
        """The running caller named *name*; with *create*, one is started if
        there is none (``MainThread``: the main thread's)."""
        return _CgCaller.get_instance(name, bool(create))

    @classmethod
    def all_callers(cls, running_only=True):
        """The callers that exist (only the running ones by default)."""
        return list(_CgCaller.all_callers(bool(running_only)))

    @classmethod
    def stop_all(cls, force=False, *, _stop_protected=False):
        """Stops every unprotected caller (every caller with *force*)."""
        _CgCaller.stop_all(bool(force or _stop_protected))

    def stop(self, force=False):
        """Stops the caller; a protected one only with *force*."""
        _CgCaller.stop(self, bool(force))

    def __enter__(self):
        """Starts the caller."""
        _CgCaller.start(self)
        return self

    def __exit__(self, *exc_info):
        self.stop()

    async def __aenter__(self):
        """Starts the caller; inside a running asyncio loop, on this
        caller's thread, has the loop run it."""
        loop = _asyncio_loop()
        if loop is not None and self.thread == GLib.Thread.self():
            _host_caller(self, loop)
        return self.__enter__()

    async def __aexit__(self, *exc_info):
        """Stops the caller; in asyncio, waits until the coroutine jobs it
        cancelled have ended."""
        self.stop()
        tasks = self.__dict__.get('_cg_tasks')
        if tasks and _asyncio_loop() is not None:
            await asyncio.wait(tasks)

    def call_soon(self, func, /, *args, **kwargs):
        """Runs ``func(*args, **kwargs)`` in the caller's loop, in a copy of the
        current context; a coroutine function runs there as a coroutine."""
        return _Cg.call_soon(self, (func, args, kwargs, contextvars.copy_context()))

    def call_later(self, delay, func, /, *args, **kwargs):
        """As call_soon(), no earlier than *delay* seconds from now."""
        delay = float(delay)
        if delay < 0:
            raise ValueError('negative delay: %r' % delay)
        return _Cg.call_later(self, delay, _payload(func, args, kwargs))

    def call_direct(self, func, /, *args, **kwargs):
        """As call_soon(), with no future and no context copy; failures are
        logged."""
        _call(_Cg.call_direct, self, lambda: _direct_trampoline((func, args, kwargs)))

    def call_sync(self, func, /, *args, cancellable=None, **kwargs):
        """Runs ``func(*args, **kwargs)`` in the caller's thread and blocks until
        it returned: returns what it returned, raises what it raised. On the
        caller's own thread it runs at once. No future and no context copy;
        *cancellable* gives the call up if it has not started."""
        if inspect.iscoroutinefunction(func):
            raise TypeError('call_sync() runs plain functions; use call_soon() for %r' % func)
        return _call(_Cg.call_sync, self, lambda: func(*args, **kwargs), cancellable)

    @classmethod
    def to_thread(cls, func, /, *args, **kwargs):
        """Runs ``func(*args, **kwargs)`` in a pooled worker thread."""
        return _Cg.to_thread((func, args, kwargs, contextvars.copy_context()))

    @classmethod
    def to_thread_full(cls, func, /, *args, label=None, priority=GLib.PRIORITY_DEFAULT,
                       cancellable=None, **kwargs):
        """As to_thread(), with options given at submission, before the job
        can start: its label in the job list, its priority in the pool's
        queue (GLib's scale: lower is more urgent) and a Gio.Cancellable
        that cancels it; see cg_caller_to_thread_full(). The option names
        are taken: pass a function with arguments of those names through
        functools.partial."""
        return _call(_Cg.to_thread_full, _payload(func, args, kwargs), label, int(priority),
                     cancellable)

    @classmethod
    def to_thread_by_name(cls, name, func, /, *args, **kwargs):
        """As to_thread(), in the caller named *name*; see
        cg_caller_to_thread_by_name()."""
        return _Cg.to_thread_by_name(name, _payload(func, args, kwargs))

    @classmethod
    def current_future(cls):
        """Inside a job (also a coroutine job, across its awaits), its future."""
        future = _current_future.get()
        return future if future is not None else _CgCaller.current_future()

    def queue_call(self, func, /, *args, max_buffer_size=None, wait=False):
        """Queues ``func(*args)`` in the library's queue of *func* (of a bound
        method and its object), from the caller's thread; see
        cg_caller_queue_call_named(). With *wait*, returns an awaitable that
        waits for room. *max_buffer_size*: None means MAX_BUFFER_SIZE."""
        name, instance, anchors = _queue_id(func)
        payload = _payload(func, args, {})
        size = 0 if max_buffer_size is None else int(max_buffer_size)
        _queue_anchor(self, name, anchors)
        if wait:
            return _await_any(_GOp(
                lambda cancellable, callback: _Cg.queue_call_async(
                    self, name, instance, payload, size, cancellable, callback),
                lambda source, result: _CgCaller.queue_call_finish(self, result) and None))
        _call(_Cg.queue_call, self, name, instance, payload, size)

    def queue_close(self, func):
        """Closes the queue of *func*, dropping its waiting calls (thread-safe)."""
        return _CgCaller.queue_close_named(self, *_queue_id(func)[:2])

    def queue_exists(self, func):
        """Whether the queue of *func* is open (thread-safe)."""
        return _CgCaller.queue_exists_named(self, *_queue_id(func)[:2])

    @classmethod
    async def as_completed(cls, items, *, max_concurrent=None, shield=False):
        """Yields the futures of *items* as they complete (``async for``): a
        collection is watched all at once (*max_concurrent* does not apply),
        an iterator or an asynchronous iterator drawn lazily, at most
        *max_concurrent* futures outstanding (by default
        MAX_IDLE_POOL_INSTANCES); see cg_caller_as_completed(). Leaving early
        cancels the rest unless *shield*: at once in the library's coroutine
        runner, once asyncio closes the generator in asyncio (use
        ``contextlib.aclosing()`` to make it at once there too)."""
        own = cls.current_future()
        if hasattr(items, '__aiter__'):
            async for future in _as_completed_async(items, own, max_concurrent, shield):
                yield future
            return
        futures = (f for f in items if f is not own)  # iter(items) now: TypeError here
        if isinstance(items, collections.abc.Collection):
            iteration = Cg.AsCompleted.new(list(futures), bool(shield))
        else:
            iteration = _Cg.as_completed_from_generator(
                _generator(futures), 0 if max_concurrent is None else int(max_concurrent),
                bool(shield))
        op = _GOp(lambda cancellable, callback: _Cg.next_async(iteration, cancellable, callback),
                  lambda source, result: iteration.next_finish(result),
                  cancel=iteration.cancel)
        task = asyncio.current_task() if _asyncio_loop() is not None else None
        try:
            while True:
                # A cancellation comes in at an await: without one, every
                # future that completed meanwhile comes out, and none is
                # drawn once the job or task that iterates is cancelled.
                if own is not None and _CgFuture.is_cancelled(own):
                    _call(_CgFuture.check, own)
                if task is not None and task.cancelling():
                    await asyncio.sleep(0)
                future, over = iteration.try_next()
                if future is None:
                    if over:
                        return
                    future = await op
                    if future is None:
                        return
                yield future
        finally:
            iteration.cancel()

    @classmethod
    async def wait(cls, items, *, timeout=None, return_when='ALL_COMPLETED'):
        """Waits for the futures of *items*; returns the sets (done, pending);
        see cg_caller_wait_async()."""
        futures, timeout = list(items), _timeout(timeout)
        when = return_when
        if isinstance(return_when, str):
            when = getattr(Cg.ReturnWhen, return_when, None)
            if when is None or not isinstance(when, Cg.ReturnWhen):
                raise ValueError('return_when: not one of ALL_COMPLETED, FIRST_COMPLETED, '
                                 'FIRST_EXCEPTION: %r' % (return_when,))

        def finish(source, result):
            _ok, done, pending = _CgCaller.wait_finish(result)
            return set(done), set(pending)
        return await _GOp(lambda cancellable, callback: _Cg.caller_wait_async(
            futures, timeout, int(when), cancellable, callback), finish)


Caller = override(Caller)


async def _as_completed_async(items, own, max_concurrent, shield):
    """as_completed() of an asynchronous iterator: drawn while fewer than
    @max_concurrent futures are outstanding, watched with Caller.wait()."""
    limit = Caller.MAX_IDLE_POOL_INSTANCES if not max_concurrent or max_concurrent < 1 \
        else int(max_concurrent)
    iterator, pending, more = items.__aiter__(), set(), True
    try:
        while True:
            while more and len(pending) < limit:
                try:
                    future = await iterator.__anext__()
                except StopAsyncIteration:
                    more = False
                    break
                if not isinstance(future, _CgFuture):
                    _log.error('Cg: as_completed() got %r, not a Cg future; it ends there',
                               future)
                    more = False
                elif future is not own:
                    pending.add(future)
            if not pending:
                return
            done, pending = await Caller.wait(pending, return_when='FIRST_COMPLETED')
            for future in done:
                yield future
    finally:
        if not shield:
            for future in pending:
                future.cancel()


def _generator(futures):
    """The CgFutureGenerator of as_completed(): next(*futures*), in the
    context current now; None ends the iteration."""
    ctx = contextvars.copy_context()

    def generate(*unused):
        try:
            future = ctx.run(next, futures, None)
        except BaseException:  # noqa: B902
            _log.exception('Cg: the generator of as_completed() failed')
            return None
        if future is None or isinstance(future, _CgFuture):
            return future
        _log.error('Cg: as_completed() got %r, not a Cg future; it ends there', future)
        return None
    return generate


# Execution queues ------------------------------------------------------------
#
# A Python function reaches C as a new pointer each time, so a Python queue
# is a named C queue, named for its function (and bound object). A GObject
# is the queue's C instance, whose finalization closes it in C; the queues
# of other objects and of functions close when these die (what cannot be
# weakly referenced is kept alive).

_queues_lock = threading.RLock()  # a collection may run _queue_gone()


def _queue_id(func):
    """(name, instance, anchors) of the C queue of *func*; its anchors are
    the objects whose death closes it."""
    owner = getattr(func, '__self__', None)
    if owner is None or isinstance(owner, types.ModuleType):
        return 'py:%x' % id(func), None, (func,)
    inner = getattr(func, '__func__', None)
    what = '%x' % id(inner) if inner is not None else getattr(func, '__name__', '?')
    if isinstance(owner, GObject.Object):
        return 'py:' + what, owner, ()
    return 'py:%s:%x' % (what, id(owner)), None, (owner,) if inner is None else (inner, owner)


def _queue_anchor(caller, name, anchors):
    """Ties the queue *name* of *caller*, once, to the life of *anchors*,
    until the caller stops (which closes its queues)."""
    if not anchors:
        return
    with _queues_lock:
        queues = caller.__dict__.get('_cg_queues')
        if queues is None:
            queues = caller.__dict__['_cg_queues'] = {}
            caller.connect('notify::stopped', _queue_forget)
        if name in queues:
            return
        queues[name] = held = []
    for obj in anchors:
        try:
            held.append(weakref.finalize(obj, _queue_gone, weakref.ref(caller), name))
        except TypeError:
            held.append(obj)  # not weakly referable: kept alive


def _queue_gone(caller_ref, name):
    caller = caller_ref()
    if caller is not None:
        _CgCaller.queue_close_named(caller, name, None)
        with _queues_lock:
            held = caller.__dict__.get('_cg_queues', {}).pop(name, ())
        _queue_release(held)


def _queue_release(held):
    for obj in held:
        if isinstance(obj, weakref.finalize):
            obj.detach()


def _queue_forget(caller, *unused):
    """Drops the anchors of a stopped caller's queues (the library closed
    them), however it was stopped."""
    with _queues_lock:
        queues = caller.__dict__.pop('_cg_queues', None) or {}
    for held in queues.values():
        _queue_release(held)


# Locks ---------------------------------------------------------------------
#
# A C lock belongs to a CgContext, which the asyncio tasks of a thread share.
# So a Python context variable carries a CgContext, copied with the Python
# context (into tasks and jobs), and lock calls run in a copy of it: as in
# async_kernel, a Python context is a lock context.

_lock_context = contextvars.ContextVar('Cg.lock_context', default=None)


def _run_in_c_context(c_context, func):
    return _call(_Cg.context_run, c_context, func)


def _c_context():
    current = _lock_context.get()
    return current.copy() if current is not None else Cg.Context.copy_current()


async def _acquire(lock):
    # A coroutine runs in the context that awaits it: the acquisition names
    # that context in c_context, kept for the release and for the jobs this
    # context spawns.
    c_context = _c_context()
    _lock_context.set(c_context)

    def abandon(unused):
        try:
            _run_in_c_context(c_context.copy(), lambda: _CgAsyncLock.release(lock))
        except Exception:  # noqa: B902
            _log.exception('Cg: releasing an abandoned lock acquisition failed')

    await _GOp(lambda cancellable, callback: _run_in_c_context(
                   c_context, lambda: _Cg.acquire_async(lock, cancellable, callback)),
               lambda source, result: _CgAsyncLock.acquire_finish(lock, result), abandon)
    return lock


class _LockMixin:
    """``async with lock``, ``await lock.acquire()``, ``lock.release()``."""

    def acquire(self):
        """Acquires the lock for the current context (awaitable)."""
        return _acquire(self)

    def release(self):
        """Gives back one acquisition of the current context; returns an
        awaitable that is done, so ``await lock.release()`` works too."""
        _run_in_c_context(_c_context(), lambda: _CgAsyncLock.release(self))
        return _Done()

    def is_in_context(self):
        """Whether the current context holds the lock."""
        if _lock_context.get() is None:
            return False
        return _run_in_c_context(_c_context(), lambda: _CgAsyncLock.is_in_context(self))

    count = property(_CgAsyncLock.get_count)
    reentrant = property(_CgAsyncLock.get_reentrant)

    async def __aenter__(self):
        return await _acquire(self)

    async def __aexit__(self, *exc_info):
        self.release()


class AsyncLock(_LockMixin, Cg.AsyncLock):
    """An asynchronous mutex: acquiring it again from the context that holds
    it raises (a GLib.Error NOT_REENTRANT, a RuntimeError)."""


AsyncLock = override(AsyncLock)


# Cg.ReentrantAsyncLock derives from the override of Cg.AsyncLock, made
# above, so it has the mixin already.
class ReentrantAsyncLock(Cg.ReentrantAsyncLock):
    """An asynchronous lock that the holding context, and the jobs it
    spawns, enter again."""


ReentrantAsyncLock = override(ReentrantAsyncLock)


class TaskGroup(Cg.TaskGroup):
    """Futures that end together, as asyncio.TaskGroup: in ``async with
    Cg.TaskGroup() as group:``, start work with ``group.call_soon(caller,
    fn, *args)``, ``group.to_thread(fn, *args)`` or ``group.add(future)``
    (in asyncio, any awaitable). Leaving the block waits for every member;
    the first failure cancels the others (unless *keep_going*) and is
    raised there; *timeout* seconds bound the whole group (TimeoutError,
    every member cancelled); an exception in the block cancels the group.
    See CgTaskGroup."""

    def __new__(cls, *, keep_going=False, timeout=None):
        _host_if_asyncio()
        flags = Cg.TaskGroupFlags.KEEP_GOING if keep_going else Cg.TaskGroupFlags.NONE
        return _call(_CgTaskGroup.new, flags, _timeout(timeout))

    def __init__(self, *args, **kwargs):
        pass

    def add(self, future):
        """Makes *future* a member; returns it (as a Cg future)."""
        future = _as_cg_future(future)
        _CgTaskGroup.add(self, future)
        return future

    def call_soon(self, caller, func, /, *args, **kwargs):
        """``caller.call_soon(func, *args, **kwargs)``, a member."""
        return self.add(caller.call_soon(func, *args, **kwargs))

    def to_thread(self, func, /, *args, **kwargs):
        """``Caller.to_thread(func, *args, **kwargs)``, a member."""
        return self.add(Caller.to_thread(func, *args, **kwargs))

    def cancel(self, msg=None):
        """Cancels every member; the group ends as cancelled."""
        _CgTaskGroup.cancel(self, None if msg is None else str(msg))

    async def wait(self):
        """Closes the group and waits until every member ended; raises the
        first failure, TimeoutError or FutureCancelledError."""
        _CgTaskGroup.close(self)
        return await _CgTaskGroup.get_future(self)

    async def __aenter__(self):
        return self

    async def __aexit__(self, exc_type, exc, traceback):
        if exc is not None:
            self.cancel('the block of the task group raised')
        try:
            await self.wait()
        except BaseException:  # noqa: B902
            if exc is None:
                raise
        # an exception of the block goes on as it is


TaskGroup = override(TaskGroup)


def timeout(delay):
    """A Cg.Future that fails with TimeoutError after *delay* seconds (a
    delayed job of the current thread's caller); see
    cg_future_new_timeout()."""
    return _call(_CgFuture.new_timeout, float(delay))


def sleep(delay, result=None):
    """Finishes after *delay* seconds with *result*: asyncio.sleep() in an
    asyncio loop, otherwise a call_later() future of the current caller."""
    if _asyncio_loop() is not None:
        return asyncio.sleep(delay, result)
    caller = _CgCaller.get_current()
    if caller is None:
        raise RuntimeError('Cg.sleep() needs a caller or an asyncio loop')
    return Caller.call_later(caller, max(float(delay), 0.0), lambda: result)
