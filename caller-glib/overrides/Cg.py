# Cg.py: the PyGObject override of caller-glib
#
# Copyright 2026 The caller-glib authors
#
# SPDX-License-Identifier: LGPL-2.1-or-later

"""Pythonic caller-glib: the shape of async_kernel's ``Caller`` API.

``from gi.repository import Cg`` gives:

- ``Cg.Caller``: ``Cg.Caller(create=True)``, ``Cg.Caller.start_new()``,
  ``caller.call_soon(func, *args, **kwargs)``, ``Cg.Caller.to_thread(...)``,
  ``caller.queue_call(...)``, ``Cg.Caller.as_completed(...)``,
  ``Cg.Caller.wait(...)``, ``Cg.Caller.MAX_BUFFER_SIZE`` ...
- ``Cg.Future``: any Python value as result, ``result()``/``exception()``
  raising or returning the very exception object a job raised, awaitable in
  asyncio coroutines (on any thread) and in coroutine jobs.
- ``Cg.AsyncLock`` / ``Cg.ReentrantAsyncLock``: ``async with lock``.
- ``Cg.sleep(delay)``, ``Cg.FutureCancelledError``, ``Cg.InvalidStateError``.

Coroutine functions given to ``call_soon``, ``call_later``, ``to_thread``
and ``queue_call`` run on the caller's thread, driven by a small coroutine
runner on its GLib main loop: they may await Cg futures, ``Cg.sleep()``,
``Future.wait()``, locks, ``Caller.wait()`` and ``Caller.as_completed()``
(not asyncio objects: there is no asyncio loop on a caller's thread).

Python ``contextvars`` are carried into jobs: ``contextvars.copy_context()``
is taken at submission and the job runs inside it.
"""

import asyncio
import collections.abc
import contextvars
import inspect
import logging
import threading
import weakref

from gi.repository import GLib, GObject, Gio

from ..module import get_introspection_module
from ..overrides import override

Cg = get_introspection_module('Cg')

__all__ = []

_log = logging.getLogger('Cg')

_CgFuture = Cg.Future
_CgCaller = Cg.Caller
_CgAsyncLock = Cg.AsyncLock

_WAIT_NONE = Cg.WaitFlags(0)
_WAIT_SHIELD = Cg.WaitFlags.SHIELD
_WAIT_NO_RESULT = Cg.WaitFlags.NO_RESULT

_FUTURE_DOMAIN = GLib.quark_to_string(Cg.future_error_quark())
_CALLER_DOMAIN = GLib.quark_to_string(Cg.caller_error_quark())
_IO_DOMAIN = GLib.quark_to_string(Gio.io_error_quark())

# Python exceptions travel through the C library as GErrors of this domain;
# the code is a token that finds the exception object again.
_PY_ERROR_DOMAIN = 'cg-python-exception-quark'
_PY_ERROR_QUARK = GLib.quark_from_string(_PY_ERROR_DOMAIN)


# Errors ------------------------------------------------------------------


class FutureCancelledError(Exception):
    """The future was cancelled (``CG_FUTURE_ERROR_CANCELLED``).

    Its text is every cancel message, joined by newlines.
    """

    domain = _FUTURE_DOMAIN
    code = int(Cg.FutureError.CANCELLED)

    @property
    def message(self):
        return str(self)


class InvalidStateError(RuntimeError):
    """The operation does not fit the future's state
    (``CG_FUTURE_ERROR_INVALID_STATE``)."""

    domain = _FUTURE_DOMAIN
    code = int(Cg.FutureError.INVALID_STATE)

    @property
    def message(self):
        return str(self)


__all__ += ['FutureCancelledError', 'InvalidStateError']

# The exception a future failed with is kept by that future alone, in the
# attributes of its Python wrapper: PyGObject keeps a wrapper that has
# attributes alive for as long as the GObject lives (a toggle reference), and
# once only the wrapper holds the GObject, the garbage collector frees both,
# with the exception and its traceback, even though the traceback's frames
# refer back to the future. The registry finds an exception by its token
# through weak references, so its entry goes with the future too.
#
# A future that another one follows (cg_future_return_future()) is held by
# that follower in C, where the garbage collector cannot see it: if it held
# its exception, whose traceback often refers to the follower (the frame
# that waited for it, say), neither could ever be freed. So the exception
# of a coroutine job is kept by the job's future, not by the private future
# of the coroutine that it follows.
#
# One case stays out of reach: PyGObject can make two wrappers for one
# GObject when two threads wrap it at the same moment (a job's thread and
# the thread that submitted it, say) and a garbage collection in one lets
# the other run in between. The toggle reference then follows the wrong
# wrapper, and that future is never freed, with its exception.


class _Held:
    """An exception as the registry knows it."""

    __slots__ = ('exc', '__weakref__')

    def __init__(self, exc):
        self.exc = exc


_exc_lock = threading.Lock()
_exc_registry = weakref.WeakValueDictionary()  # token -> _Held
_exc_next_token = 1


def _take_token_locked():
    """A token that no living future uses. Holds _exc_lock."""
    global _exc_next_token
    while True:
        token = _exc_next_token
        _exc_next_token = token + 1 if token < 0x7FFFFFFE else 1
        if token not in _exc_registry:
            return token


def _exception_of(token):
    """The exception a living future failed with under @token, or None."""
    held = _exc_registry.get(token)
    return None if held is None else held.exc


def _translate(error):
    """The Python exception for a GLib.Error that came out of the library."""
    domain = error.domain
    if domain == _PY_ERROR_DOMAIN:
        exc = _exception_of(error.code)
        return exc if exc is not None else error
    if domain == _FUTURE_DOMAIN:
        if error.code == Cg.FutureError.CANCELLED:
            return FutureCancelledError(error.message)
        if error.code == Cg.FutureError.INVALID_STATE:
            return InvalidStateError(error.message)
    elif domain == _CALLER_DOMAIN and error.code == Cg.CallerError.TIMED_OUT:
        return TimeoutError(error.message)
    return error


def _caller_error(code, message):
    return GLib.Error.new_literal(Cg.caller_error_quark(), message, int(code))


def _is_io_cancelled(error):
    return (isinstance(error, GLib.Error) and error.domain == _IO_DOMAIN
            and error.code == Gio.IOErrorEnum.CANCELLED)


def _describe(exc):
    """The message of the GError that carries @exc through the library: the
    name of its type and its text. Never fails: an exception whose str()
    raises is described by its type's name alone."""
    name = type(exc).__name__
    try:
        text = str(exc)
    except BaseException:  # noqa: B902
        text = ''
    message = '%s: %s' % (name, text) if text else name
    # GLib messages are UTF-8: escape what cannot be encoded (lone surrogates).
    return message.encode('utf-8', 'backslashreplace').decode('utf-8')


def _fail(future, exc, owner=None):
    """Completes @future with the Python exception @exc, kept by identity
    for as long as @owner lives: @future itself by default, or the future
    that follows @future and reports its outcome."""
    if isinstance(exc, type) and issubclass(exc, BaseException):
        exc = exc()
    if not isinstance(exc, BaseException):
        raise TypeError('set_exception() needs an exception, not %r' % (exc,))
    if owner is None:
        owner = future
    message = _describe(exc)
    held = _Held(exc)
    # In place before the future completes: waiters on other threads look
    # the exception up as soon as it has. Two threads may fail the future at
    # once, so each keeps its own token until one of them wins.
    with _exc_lock:
        token = _take_token_locked()
        kept = owner.__dict__.get('_cg_exceptions')
        if kept is None:
            kept = owner._cg_exceptions = {}
        kept[token] = held
        _exc_registry[token] = held
    error = None
    try:
        _CgFuture.return_error(future, GLib.Error.new_literal(_PY_ERROR_QUARK, message, token))
    except GLib.Error as e:
        error = e
    if error is not None:
        with _exc_lock:
            kept.pop(token, None)
            _exc_registry.pop(token, None)
        raise _translate(error)


def _set_value(future, value):
    error = None
    try:
        _CgFuture.return_value(future, GObject.Value(GObject.TYPE_PYOBJECT, value))
    except GLib.Error as e:
        error = e
    if error is not None:
        raise _translate(error)


# Where an awaitable is awaited --------------------------------------------

_tls = threading.local()
_get_running_loop = asyncio._get_running_loop


def _asyncio_loop():
    """The asyncio loop to await in, or None inside the Cg coroutine runner."""
    loop = _get_running_loop()
    if loop is not None and loop is getattr(_tls, 'runner_loop', 0):
        return None
    return loop


class _GOp:
    """An awaitable over a GIO-style ``_async``/``_finish`` pair.

    ``start(cancellable, callback)`` begins the operation, ``finish(source,
    result)`` reads its outcome (raising the Python exception). In the Cg
    coroutine runner the operation starts on the caller's thread; in asyncio
    it starts on a private GLib thread (the ``_async`` callbacks need a
    running GLib main context) and the outcome comes back with
    ``call_soon_threadsafe()``. ``abandon(value)`` undoes a success that
    nobody awaits any more (a lock acquired after the awaiter was cancelled).
    """

    __slots__ = ('start', 'finish', 'abandon')

    def __init__(self, start, finish, abandon=None):
        self.start = start
        self.finish = finish
        self.abandon = abandon

    def __await__(self):
        loop = _asyncio_loop()
        if loop is None:
            return (yield self)
        return (yield from _asyncio_op(self, loop))


def _finish_op(op, source, result):
    """Returns (True, value) or (False, exception)."""
    try:
        return True, op.finish(source, result)
    except GLib.Error as e:
        return False, _translate(e)
    except BaseException as e:  # noqa: B902
        return False, e


def _asyncio_op(op, loop):
    afut = loop.create_future()
    cancellable = Gio.Cancellable()

    def deliver(ok, value):
        if afut.done():
            if ok and op.abandon is not None and value is not None:
                op.abandon(value)
            return
        if ok:
            afut.set_result(value)
        else:
            afut.set_exception(value)

    def post(ok, value):
        try:
            loop.call_soon_threadsafe(deliver, ok, value)
        except RuntimeError:  # the loop is closed
            if ok and op.abandon is not None and value is not None:
                op.abandon(value)

    def callback(source, result, *unused):
        ok, value = _finish_op(op, source, result)
        post(ok, value)

    def start():
        try:
            op.start(cancellable, callback)
        except GLib.Error as e:
            post(False, _translate(e))
        except BaseException as e:  # noqa: B902
            post(False, e)

    _bridge.call(start)
    try:
        return (yield from afut)
    except asyncio.CancelledError:
        cancellable.cancel()
        raise


class _Bridge:
    """A private thread running a GLib main loop, for ``_async`` calls made
    from asyncio: their callbacks need a main context that runs."""

    def __init__(self):
        self._lock = threading.Lock()
        self._context = None

    def _main(self, ready):
        context = GLib.MainContext.new()
        context.push_thread_default()
        loop = GLib.MainLoop.new(context, False)
        self._context = context
        ready.set()
        loop.run()

    def _ensure(self):
        context = self._context
        if context is not None:
            return context
        with self._lock:
            if self._context is None:
                ready = threading.Event()
                thread = threading.Thread(target=self._main, args=(ready,),
                                          name='cg-asyncio-bridge', daemon=True)
                thread.start()
                ready.wait()
            return self._context

    def call(self, func):
        def run(*unused):
            try:
                func()
            except BaseException:  # noqa: B902
                _log.exception('Cg: a call on the asyncio bridge failed')
            return GLib.SOURCE_REMOVE

        source = GLib.Idle()
        source.set_callback(run)
        source.attach(self._ensure())


_bridge = _Bridge()


def _hook_asyncio_future(future, loop):
    """An asyncio future of @loop that resolves once @future is done."""
    afut = loop.create_future()

    def resolve():
        if not afut.done():
            afut.set_result(None)

    def hook(done_future, unused):
        try:
            loop.call_soon_threadsafe(resolve)
        except RuntimeError:  # the loop is closed
            pass

    _CgFuture.add_completion_hook(future, hook, None)
    return afut


def _wait_limit(timeout):
    """@timeout in seconds as the C waits read it: None (no limit) for None,
    NaN and negative timeouts, otherwise a float of at least 0."""
    if timeout is None:
        return None
    timeout = float(timeout)
    if not timeout >= 0:  # NaN or negative
        return None
    return timeout


def _c_timeout(limit):
    """A limit of _wait_limit() as the timeout argument of the C waits."""
    return -1.0 if limit is None else limit


def _asyncio_wait(future, loop, timeout, shield):
    """Waits in @loop for @future; @timeout comes from _wait_limit()."""
    afut = _hook_asyncio_future(future, loop)
    handle = None
    if timeout is not None:
        def timed_out():
            if not afut.done():
                if not shield:
                    _CgFuture.cancel(future, 'A wait for the future timed out')
                afut.set_exception(TimeoutError('The future was not done before the timeout'))
        handle = loop.call_later(timeout, timed_out)
    try:
        yield from afut
    except asyncio.CancelledError:
        if not shield:
            _CgFuture.cancel(future, 'The wait for the future was cancelled')
        raise
    finally:
        if handle is not None:
            handle.cancel()


def _wait_op(future, timeout, flags):
    """cg_future_wait_async() as an awaitable; @timeout comes from
    _wait_limit()."""
    return _GOp(lambda cancellable, callback: _CgFuture.wait_async(
                    future, _c_timeout(timeout), flags, cancellable, callback),
                lambda source, result: _CgFuture.wait_finish(future, result))


class _FutureWait:
    __slots__ = ('future', 'timeout', 'shield')

    def __init__(self, future, timeout, shield):
        self.future = future
        self.timeout = timeout
        self.shield = shield

    def __await__(self):
        loop = _asyncio_loop()
        if loop is None:
            flags = _WAIT_NO_RESULT | (_WAIT_SHIELD if self.shield else _WAIT_NONE)
            yield _wait_op(self.future, self.timeout, flags)
        else:
            yield from _asyncio_wait(self.future, loop, self.timeout, self.shield)


class _Done:
    """An awaitable that is finished already: what ``release()`` returns, so
    that both ``lock.release()`` and ``await lock.release()`` work."""

    __slots__ = ()

    def __await__(self):
        return
        yield  # pragma: no cover


_DONE = _Done()


# Futures -------------------------------------------------------------------

_callbacks_lock = threading.Lock()


class Future(Cg.Future):
    """A result that another thread delivers, modelled on asyncio.Future.

    ``Cg.Future()`` belongs to the current thread, ``Cg.Future(thread)`` to a
    given #GLib.Thread: its done callbacks run there. Any Python value can be
    the result; ``result()``, ``exception()`` and ``await`` give back the very
    exception object that was set or that a job raised.
    """

    def __new__(cls, thread=None):
        if thread is None:
            return _CgFuture.new()
        return _CgFuture.new_for_thread(thread)

    def __init__(self, thread=None):
        pass

    def __repr__(self):
        if self.is_cancelled():
            state = 'cancelled'
        elif self.is_done():
            state = 'done'
        else:
            state = 'pending'
        return '<Cg.Future %s at 0x%x>' % (state, id(self))

    @property
    def thread(self):
        """The #GLib.Thread the future belongs to."""
        return _CgFuture.get_thread(self)

    def done(self):
        return _CgFuture.is_done(self)

    def cancelled(self):
        return _CgFuture.is_cancelled(self)

    def cancel(self, msg=None):
        """Cancels the future if it is not done (thread-safe); returns
        ``cancelled()``."""
        return _CgFuture.cancel(self, None if msg is None else str(msg))

    def set_result(self, value):
        """Completes the future with @value (thread-safe)."""
        _set_value(self, value)

    def set_exception(self, exception):
        """Completes the future with @exception (thread-safe)."""
        _fail(self, exception)

    def set_cancel_scope(self, cancellable):
        """Cancels @cancellable (a Gio.Cancellable) when the future is."""
        error = None
        try:
            _CgFuture.set_cancellable(self, cancellable)
        except GLib.Error as e:
            error = e
        if error is not None:
            raise _translate(error)

    def result(self):
        """The result; raises the exception the future failed with,
        FutureCancelledError or InvalidStateError."""
        ok, value = _outcome(self)
        if ok:
            return value
        del self  # see _outcome()
        raise value

    def exception(self):
        """The exception the future failed with, or None; raises
        FutureCancelledError or InvalidStateError."""
        if _CgFuture.is_cancelled(self) or not _CgFuture.is_done(self):
            self.result()  # raises
        try:
            _CgFuture.check(self)
        except GLib.Error as e:
            return _translate(e)
        return None

    def get_caller(self):
        return _CgFuture.get_caller(self)

    # Done callbacks: one C callback per batch, our own Python list.

    def add_done_callback(self, fn):
        """Calls ``fn(future)`` on the future's thread once it is done, in the
        context current now. Callbacks run in reverse order of registration."""
        entry = (fn, contextvars.copy_context())
        with _callbacks_lock:
            entries = self.__dict__.get('_cg_callbacks')
            register = entries is None
            if register:
                entries = self._cg_callbacks = []
            entries.append(entry)
        if register:
            _CgFuture.add_done_callback(self, _run_done_callbacks, entries)

    def remove_done_callback(self, fn):
        """Removes every registration of @fn that has not run; returns how
        many."""
        with _callbacks_lock:
            entries = self.__dict__.get('_cg_callbacks')
            if not entries:
                return 0
            kept = [entry for entry in entries if entry[0] != fn]
            removed = len(entries) - len(kept)
            entries[:] = kept
        return removed

    # Waiting

    def wait(self, timeout=None, shield=False, result=True):
        """Waits for the future (a coroutine): in asyncio or in a coroutine
        job. A timeout raises TimeoutError and, unless @shield, cancels the
        future; None, NaN and negative timeouts mean no limit, as in
        wait_sync(). Returns the result when @result."""
        return _wait_coroutine(self, _wait_limit(timeout), shield, result)

    def wait_sync(self, timeout=None, shield=False, result=True):
        """Blocks until the future is done (not on its own thread). A timeout
        raises TimeoutError and, unless @shield, cancels the future; None,
        NaN and negative timeouts mean no limit."""
        flags = _WAIT_NO_RESULT | (_WAIT_SHIELD if shield else _WAIT_NONE)
        try:
            _CgFuture.wait_sync(self, _c_timeout(_wait_limit(timeout)), flags, None)
        except GLib.Error as e:
            error = e
        else:
            if not result:
                return None
            ok, value = _outcome(self)
            if ok:
                return value
            del self  # see _outcome()
            raise value
        raise _translate(error)

    def __await__(self):
        if not _CgFuture.is_done(self):
            loop = _asyncio_loop()
            if loop is None:
                yield self
            else:
                yield from _asyncio_wait(self, loop, None, False)
        ok, value = _outcome(self)
        if ok:
            return value
        del self  # see _outcome()
        raise value


Future = override(Future)
__all__.append('Future')


def _outcome(future):
    """(True, the result of @future) or (False, the exception to raise).

    The frames that raise a future's exception drop the future first: the
    exception keeps them in its traceback, and the exception lives as long
    as the future that failed with it. When @future follows that future
    (a job that returned another job's future), @future holds it in C, out
    of the garbage collector's sight, and a frame that kept @future would
    keep both alive for ever.
    """
    try:
        return True, _CgFuture.propagate_value(future)[1]
    except GLib.Error as e:
        return False, _translate(e)


async def _wait_coroutine(future, timeout, shield, result):
    if not _CgFuture.is_done(future):
        await _FutureWait(future, timeout, shield)
    if not result:
        return None
    ok, value = _outcome(future)
    if ok:
        return value
    del future  # see _outcome()
    raise value


def _run_done_callbacks(future, entries):
    with _callbacks_lock:
        if future.__dict__.get('_cg_callbacks') is entries:
            future._cg_callbacks = None
        batch = entries[:]
        entries.clear()
    for fn, ctx in reversed(batch):
        try:
            ctx.run(fn, future)
        except BaseException:  # noqa: B902
            _log.exception('Cg: the done callback %r of %r failed', fn, future)


# Jobs --------------------------------------------------------------------

_current_future = contextvars.ContextVar('Cg.current_future', default=None)


def _call_job(future, func, args, kwargs):
    _current_future.set(future)
    if not callable(func) and inspect.isawaitable(func):
        return func
    return func(*args, **kwargs)


def _job_trampoline(future, payload):
    """The CgJobFunc of every Python job."""
    func, args, kwargs, ctx = payload
    try:
        value = ctx.run(_call_job, future, func, args, kwargs)
    except BaseException as e:  # noqa: B902
        _complete_failed(future, e)
        return
    _complete_with(future, value, ctx)


def _complete_failed(future, exc):
    try:
        _fail(future, exc)
    except (GLib.Error, InvalidStateError, FutureCancelledError):
        pass


async def _await_any(awaitable):
    return await awaitable


_PLAIN_TYPES = frozenset((type(None), bool, int, float, complex, str, bytes, bytearray,
                          tuple, list, dict, set, frozenset))


def _complete_with(future, value, ctx):
    """Completes a job's @future with what its function returned."""
    try:
        if type(value) in _PLAIN_TYPES:
            _set_value(future, value)
        elif value is future:
            _fail(future, InvalidStateError('A job cannot return its own future: it '
                                            'would wait for itself'))
        elif isinstance(value, _CgFuture):
            _CgFuture.return_future(future, value)
        elif inspect.iscoroutine(value) or inspect.isawaitable(value):
            coro = value if inspect.iscoroutine(value) else _await_any(value)
            runner = _Runner(coro, ctx, future)
            _CgFuture.return_future(future, runner.future)
            runner.step()
        else:
            _set_value(future, value)
    except (GLib.Error, InvalidStateError, FutureCancelledError):
        pass  # done already: the caller was stopped, say


class _Runner:
    """Drives a coroutine on the current caller's thread, from its GLib main
    loop; ``future`` completes with the coroutine's outcome. Cancelling the
    future throws FutureCancelledError into the coroutine at its next await.
    @owner, the job's future that follows ``future``, keeps the exception
    the coroutine fails with (see _fail()).
    """

    __slots__ = ('coro', 'ctx', 'future', 'owner', 'cancellable', 'caller')

    def __init__(self, coro, ctx, owner=None):
        self.coro = coro
        self.ctx = ctx
        self.future = Future()
        self.owner = owner
        self.cancellable = _CgFuture.get_cancellable(self.future)
        self.caller = _CgCaller.get_current()

    def _cancelled_error(self):
        try:
            _CgFuture.check(self.future)
        except GLib.Error as e:
            return _translate(e)
        return FutureCancelledError('The future was cancelled')

    def step(self, value=None, exc=None):
        coro = self.coro
        saved = getattr(_tls, 'runner_loop', 0)
        _tls.runner_loop = _get_running_loop()
        try:
            while True:
                try:
                    if exc is None:
                        yielded = self.ctx.run(coro.send, value)
                    else:
                        yielded = self.ctx.run(coro.throw, exc)
                except StopIteration as stop:
                    self._finish(True, stop.value)
                    return
                except BaseException as e:  # noqa: B902
                    self._finish(False, e)
                    return
                value = exc = None
                if isinstance(yielded, _CgFuture):
                    if _CgFuture.is_done(yielded):
                        continue
                    op = _wait_op(yielded, None, _WAIT_NO_RESULT)
                elif isinstance(yielded, _GOp):
                    op = yielded
                elif yielded is None:
                    self._resume_soon()
                    return
                else:
                    exc = RuntimeError(
                        '%r cannot be awaited in a caller-glib coroutine job: await Cg '
                        'futures, Cg.sleep(), locks, Caller.wait() or '
                        'Caller.as_completed() there' % (yielded,))
                    continue
                try:
                    op.start(self.cancellable, self._make_callback(op))
                except GLib.Error as e:
                    exc = _translate(e)
                    continue
                except BaseException as e:  # noqa: B902
                    exc = e
                    continue
                return
        finally:
            _tls.runner_loop = saved

    def _make_callback(self, op):
        def callback(source, result, *unused):
            ok, value = _finish_op(op, source, result)
            # The coroutine runs on from this frame, which the traceback of an
            # exception it raises keeps: this frame must not keep @result (a
            # task that holds the awaited future in C) along with it.
            del source, result, unused
            if ok:
                self.step(value)
            else:
                if _is_io_cancelled(value) and self.cancellable.is_cancelled():
                    value = self._cancelled_error()
                self.step(None, value)
        return callback

    def _resume_soon(self):
        def resume(*unused):
            self.step()
            return GLib.SOURCE_REMOVE

        if self.caller is not None:
            try:
                _CgCaller.call_direct(self.caller, resume, None)
                return
            except GLib.Error:
                pass
        source = GLib.Idle()
        source.set_callback(resume)
        source.attach(GLib.MainContext.ref_thread_default())

    def _finish(self, ok, value):
        try:
            if ok:
                _set_value(self.future, value)
            else:
                _fail(self.future, value, self.owner)
        except (GLib.Error, InvalidStateError, FutureCancelledError):
            pass


def _direct_trampoline(payload):
    func, args, kwargs = payload
    try:
        value = func(*args, **kwargs)
        if inspect.isawaitable(value):
            coro = value if inspect.iscoroutine(value) else _await_any(value)
            runner = _Runner(coro, contextvars.copy_context())
            runner.future.add_done_callback(_log_direct_failure)
            runner.step()
    except BaseException:  # noqa: B902
        _log.exception('Cg: the direct call %r failed', func)


def _log_direct_failure(future):
    if future.cancelled():
        return
    exc = future.exception()
    if exc is not None:
        _log.error('Cg: a direct call failed', exc_info=exc)


# Callers ------------------------------------------------------------------

_RETURN_WHEN = {
    'ALL_COMPLETED': Cg.ReturnWhen.ALL_COMPLETED,
    'FIRST_COMPLETED': Cg.ReturnWhen.FIRST_COMPLETED,
    'FIRST_EXCEPTION': Cg.ReturnWhen.FIRST_EXCEPTION,
}


def _gthread(thread):
    if thread is None or isinstance(thread, GLib.Thread):
        return thread
    if isinstance(thread, threading.Thread):
        if thread is threading.current_thread():
            return None
        raise ValueError('Only the current threading.Thread can be given; for another '
                         'thread pass its GLib.Thread (a caller\'s thread property)')
    raise TypeError('thread must be a GLib.Thread or a threading.Thread, not %r' % (thread,))


class _CallerMeta(type(Cg.Caller)):
    """Makes the process-wide settings class attributes that read and write
    the C settings."""

    @property
    def MAX_BUFFER_SIZE(cls):
        return _CgCaller.get_max_buffer_size()

    @MAX_BUFFER_SIZE.setter
    def MAX_BUFFER_SIZE(cls, value):
        value = int(value)
        if not 1 <= value <= 0x7FFFFFFF:
            raise ValueError('MAX_BUFFER_SIZE must be at least 1')
        _CgCaller.set_max_buffer_size(value)

    @property
    def MAX_IDLE_POOL_INSTANCES(cls):
        return _CgCaller.get_max_idle_pool_instances()

    @MAX_IDLE_POOL_INSTANCES.setter
    def MAX_IDLE_POOL_INSTANCES(cls, value):
        value = int(value)
        if value < 0:
            raise ValueError('MAX_IDLE_POOL_INSTANCES cannot be negative')
        _CgCaller.set_max_idle_pool_instances(value)


def _submit(submit, func, args, kwargs):
    payload = (func, args, kwargs, contextvars.copy_context())
    return submit(_job_trampoline, payload)


class Caller(Cg.Caller, metaclass=_CallerMeta):
    """Calls functions in a thread's GLib main loop and gives futures back.

    ``Cg.Caller()`` is the caller of the current thread (RuntimeError, a
    GLib.Error NOT_FOUND, when it has none); ``Cg.Caller(create=True)`` makes
    one bound to the thread-default main context, which runs its jobs once
    ``start()`` was called and the context runs (``with caller:`` and ``async
    with caller:`` start and stop it).
    """

    def __new__(cls, *, thread=None, log=None, create=False, protected=False):
        return _CgCaller.get(_gthread(thread), bool(create), bool(protected))

    def __init__(self, *args, **kwargs):
        pass

    def __repr__(self):
        return '<Cg.Caller %r %s at 0x%x>' % (
            _CgCaller.get_name(self),
            'running' if _CgCaller.get_running(self) else
            'stopped' if _CgCaller.get_stopped(self) else 'not started', id(self))

    # Settings on instances too, as in async_kernel.

    @property
    def MAX_BUFFER_SIZE(self):
        return type(self).MAX_BUFFER_SIZE

    @property
    def MAX_IDLE_POOL_INSTANCES(self):
        return type(self).MAX_IDLE_POOL_INSTANCES

    # Properties

    @property
    def name(self):
        return _CgCaller.get_name(self)

    @property
    def protected(self):
        return _CgCaller.get_protected(self)

    @property
    def running(self):
        return _CgCaller.get_running(self)

    @property
    def stopped(self):
        return _CgCaller.get_stopped(self)

    @property
    def thread(self):
        """The #GLib.Thread the caller's jobs run in."""
        return _CgCaller.get_thread(self)

    @property
    def context(self):
        """The #GLib.MainContext the caller's jobs run in (async_kernel's
        backend)."""
        return _CgCaller.get_context(self)

    @property
    def log(self):
        """The log domain of the caller's messages."""
        return _CgCaller.get_log_domain(self)

    # Life cycle

    @classmethod
    def start_new(cls, *, name=None, protected=False, context=None, backend=None,
                  log=None, backend_options=None):
        """Starts a new thread running a GLib main loop with a caller; returns
        once it accepts jobs. @context (or a GLib.MainContext given as
        @backend) is the context it runs, a new one by default."""
        if context is None and isinstance(backend, GLib.MainContext):
            context = backend
        return _CgCaller.start_new(name, bool(protected), context)

    @classmethod
    def get_instance(cls, name='MainThread', create=False):
        return _CgCaller.get_instance(name, bool(create))

    @classmethod
    def all_callers(cls, running_only=True):
        return list(_CgCaller.all_callers(bool(running_only)))

    @classmethod
    def stop_all(cls, force=False, *, _stop_protected=False):
        """Stops every unprotected caller (every caller with @force)."""
        force = bool(force or _stop_protected)
        _CgCaller.stop_all(force)
        for caller in list(_queue_owners):
            if _CgCaller.get_stopped(caller):
                _close_all_queues(caller)

    def stop(self, force=False):
        """Stops the caller; a protected one only with @force."""
        _CgCaller.stop(self, bool(force))
        if _CgCaller.get_stopped(self):
            _close_all_queues(self)

    def __enter__(self):
        _CgCaller.start(self)
        return self

    def __exit__(self, *exc_info):
        self.stop()

    async def __aenter__(self):
        _CgCaller.start(self)
        return self

    async def __aexit__(self, *exc_info):
        self.stop()

    # Calls

    def call_soon(self, func, /, *args, **kwargs):
        """Runs ``func(*args, **kwargs)`` in the caller's loop, in a copy of the
        current context; a coroutine function runs there as a coroutine."""
        return _submit(lambda f, p: _CgCaller.call_soon(self, f, p), func, args, kwargs)

    def call_later(self, delay, func, /, *args, **kwargs):
        """As call_soon(), no earlier than @delay seconds from now."""
        delay = float(delay)
        if delay < 0:
            raise ValueError('delay cannot be negative')
        return _submit(lambda f, p: _CgCaller.call_later(self, delay, f, p), func, args, kwargs)

    def call_direct(self, func, /, *args, **kwargs):
        """Runs ``func(*args, **kwargs)`` in the caller's loop: no future, no
        context copy; failures are logged."""
        _CgCaller.call_direct(self, _direct_trampoline, (func, args, kwargs))

    @classmethod
    def to_thread(cls, func, /, *args, **kwargs):
        """Runs ``func(*args, **kwargs)`` in a pooled worker thread."""
        return _submit(_CgCaller.to_thread, func, args, kwargs)

    @classmethod
    def to_thread_by_name(cls, name, func, /, *args, **kwargs):
        """Runs ``func(*args, **kwargs)`` in the caller named @name, starting it
        when absent; None means to_thread()."""
        return _submit(lambda f, p: _CgCaller.to_thread_by_name(name, f, p), func, args, kwargs)

    @classmethod
    def current_future(cls):
        """Inside a job (also a coroutine job, across its awaits), its future."""
        future = _current_future.get()
        if future is None:
            future = _CgCaller.current_future()
        return future

    # Execution queues, in Python (see _ExecQueue)

    def queue_call(self, func, /, *args, max_buffer_size=None, wait=False):
        """Queues ``func(*args)`` in the FIFO queue of @func in this caller
        (from the caller's own thread only). With @wait, returns a coroutine
        that waits for room; otherwise a full queue raises WOULD_BLOCK.

        @max_buffer_size is the room of the queue, in calls waiting besides
        the one handed to the caller, if this call makes the queue; None, 0
        or less means MAX_BUFFER_SIZE."""
        self._check_queue_thread()
        ctx = contextvars.copy_context()
        if wait:
            return _queue_put_wait(self, func, args, ctx, max_buffer_size)
        _queue_put(self, func, args, ctx, max_buffer_size)
        return None

    def queue_close(self, func):
        """Closes the execution queue of @func (thread-safe)."""
        return _queue_close(self, _queue_key(func)[0])

    def queue_exists(self, func):
        queues = self.__dict__.get('_cg_queues')
        return bool(queues) and _queue_key(func)[0] in queues

    def _check_queue_thread(self):
        if _CgCaller.get_current() != self:
            raise _caller_error(
                Cg.CallerError.WRONG_THREAD,
                'Calls can be queued in caller “%s” only from its own thread; use '
                'call_soon() to get there first' % _CgCaller.get_name(self))
        if _CgCaller.get_stopped(self):
            raise _caller_error(Cg.CallerError.CLOSED,
                                'Caller “%s” is stopped and takes no new jobs'
                                % _CgCaller.get_name(self))

    # Many futures

    @classmethod
    async def as_completed(cls, items, *, max_concurrent=None, shield=False):
        """Yields the futures of @items as they complete (``async for``).

        @items is a collection (watched all at once) or an iterator, such as
        a generator (drawn lazily, at most @max_concurrent futures
        outstanding; default MAX_IDLE_POOL_INSTANCES). Leaving early cancels
        the rest unless @shield.
        """
        own = cls.current_future()
        if isinstance(items, collections.abc.Collection):
            futures = []
            for future in items:
                if not isinstance(future, _CgFuture):
                    raise TypeError('as_completed() takes Cg futures, not %r' % (future,))
                if future is not own:
                    futures.append(future)
            iteration = Cg.AsCompleted.new(futures, bool(shield))
        elif hasattr(items, '__aiter__'):
            raise TypeError('as_completed() takes a collection or a plain generator of '
                            'futures, not an asynchronous iterator')
        else:
            draw = _Generator(iter(items), own)
            iteration = Cg.AsCompleted.new_from_generator(
                draw, None, 0 if max_concurrent is None else int(max_concurrent),
                bool(shield))
        op = _GOp(lambda cancellable, callback: iteration.next_async(cancellable, callback),
                  lambda source, result: iteration.next_finish(result))
        try:
            while True:
                future = await op
                if future is None:
                    return
                yield future
        finally:
            iteration.cancel()

    @classmethod
    async def wait(cls, items, *, timeout=None, return_when='ALL_COMPLETED'):
        """Waits for the futures of @items; returns the sets (done, pending).
        A timeout is no error."""
        futures = list(items)
        when = _RETURN_WHEN[return_when] if isinstance(return_when, str) else return_when
        timeout = _c_timeout(_wait_limit(timeout))

        def start(cancellable, callback):
            _CgCaller.wait_async(futures, timeout, when, cancellable, callback)

        def finish(source, result):
            _ok, done, pending = _CgCaller.wait_finish(result)
            return set(done), set(pending)

        return await _GOp(start, finish)


Caller = override(Caller)
__all__.append('Caller')


class _Generator:
    """The CgFutureGenerator of as_completed() over a Python iterator."""

    __slots__ = ('iterator', 'own', 'ctx')

    def __init__(self, iterator, own):
        self.iterator = iterator
        self.own = own
        self.ctx = contextvars.copy_context()

    def __call__(self, *unused):
        while True:
            try:
                future = self.ctx.run(next, self.iterator)
            except StopIteration:
                return None
            except BaseException:  # noqa: B902
                _log.exception('Cg: the generator of as_completed() failed')
                return None
            if future is self.own:
                continue
            if not isinstance(future, _CgFuture):
                _log.error('Cg: the generator of as_completed() gave %r, not a Cg future; '
                           'the iteration ends there', future)
                return None
            return future


# Execution queues -----------------------------------------------------------
#
# The C execution queues key on the C function pointer (and an instance), but
# every Python callable reaches C through a new libffi closure, so that key
# cannot name a Python function: the queues are kept here, per caller and per
# function (a bound method: per function and instance), and each queued call
# runs as a call_soon() job of the caller, one after the other.

_queues_lock = threading.RLock()
_queue_owners = weakref.WeakSet()


class _ExecQueue:
    __slots__ = ('caller', 'key', 'max', 'items', 'waiters', 'busy', 'closed',
                 'refs', '__weakref__')

    def __init__(self, caller, key, max_size):
        self.caller = caller
        self.key = key
        self.max = max_size
        self.items = collections.deque()
        self.waiters = collections.deque()
        self.busy = False
        self.closed = False
        self.refs = []


def _queue_key(func):
    """(key, objects whose death closes the queue)."""
    owner = getattr(func, '__self__', None)
    function = getattr(func, '__func__', None)
    if owner is not None and function is not None:
        return (id(function), id(owner)), (function, owner)
    if owner is not None and not isinstance(owner, type(inspect)):
        name = getattr(func, '__name__', None)
        if name is not None:
            return ('builtin', id(owner), name), (owner,)
    return (id(func), None), (func,)


def _queue_get(caller, func, max_buffer_size):
    key, owners = _queue_key(func)
    with _queues_lock:
        queues = caller.__dict__.get('_cg_queues')
        if queues is None:
            queues = caller._cg_queues = {}
            _queue_owners.add(caller)
        queue = queues.get(key)
        if queue is None:
            # As in C: None, 0 or less means MAX_BUFFER_SIZE.
            size = 0 if max_buffer_size is None else int(max_buffer_size)
            if size <= 0:
                size = _CgCaller.get_max_buffer_size()
            queue = _ExecQueue(caller, key, size)
            queues[key] = queue
            caller_ref = weakref.ref(caller)

            def gone(unused=None, key=key):
                owner = caller_ref()
                if owner is not None:
                    _queue_close(owner, key)

            for obj in owners:
                try:
                    weakref.finalize(obj, gone)
                except TypeError:
                    queue.refs.append(obj)  # not weakly referable: kept alive
    return queue


def _queue_put(caller, func, args, ctx, max_buffer_size):
    with _queues_lock:
        queue = _queue_get(caller, func, max_buffer_size)
        if len(queue.items) >= queue.max:
            raise _caller_error(Cg.CallerError.WOULD_BLOCK,
                                'The execution queue is full (%u calls wait); try again '
                                'later or pass wait=True' % queue.max)
        queue.items.append((func, args, ctx))
    _queue_pump(queue)


async def _queue_put_wait(caller, func, args, ctx, max_buffer_size):
    caller._check_queue_thread()
    with _queues_lock:
        queue = _queue_get(caller, func, max_buffer_size)
        if len(queue.items) < queue.max and not queue.waiters:
            queue.items.append((func, args, ctx))
            room = None
        else:
            room = Future()
            queue.waiters.append(((func, args, ctx), room))
    if room is None:
        _queue_pump(queue)
    else:
        await room


def _queue_pump(queue):
    """Hands the next call to the caller when none runs. Owner thread."""
    admitted = []
    with _queues_lock:
        if queue.busy or queue.closed or not queue.items:
            return
        func, args, ctx = queue.items.popleft()
        queue.busy = True
        while queue.waiters and len(queue.items) < queue.max:
            item, room = queue.waiters.popleft()
            queue.items.append(item)
            admitted.append(room)
    for room in admitted:
        try:
            room.set_result(None)
        except (GLib.Error, InvalidStateError):
            pass
    payload = (func, args, {}, ctx)
    try:
        future = _CgCaller.call_soon(queue.caller, _job_trampoline, payload)
    except GLib.Error:
        _queue_close(queue.caller, queue.key)
        return
    _CgFuture.add_done_callback(future, _queue_item_done, queue)


def _queue_item_done(future, queue):
    if not _CgFuture.is_cancelled(future):
        exc = future.exception()
        if exc is not None:
            logging.getLogger(_CgCaller.get_log_domain(queue.caller)).warning(
                'A queued call in caller “%s” failed', _CgCaller.get_name(queue.caller),
                exc_info=exc)
    with _queues_lock:
        queue.busy = False
    _queue_pump(queue)


def _queue_close(caller, key):
    with _queues_lock:
        queues = caller.__dict__.get('_cg_queues')
        queue = queues.pop(key, None) if queues else None
        if queue is None:
            return False
        queue.closed = True
        queue.items.clear()
        waiters = list(queue.waiters)
        queue.waiters.clear()
        queue.refs = []
    for item, room in waiters:
        try:
            room.set_exception(_caller_error(
                Cg.CallerError.CLOSED,
                'The execution queue was closed before the call could be queued'))
        except (GLib.Error, InvalidStateError):
            pass
    return True


def _close_all_queues(caller):
    with _queues_lock:
        keys = list(caller.__dict__.get('_cg_queues') or ())
    for key in keys:
        _queue_close(caller, key)


# Locks ---------------------------------------------------------------------
#
# A C lock belongs to a C context (CgContext), but asyncio tasks that share a
# thread share its C context. So the override carries a C context in a Python
# context variable, copied as Python contexts are (into asyncio tasks and into
# jobs), and runs every lock call inside a copy of it: a Python context is a
# lock context, as in async_kernel.

_lock_context = contextvars.ContextVar('Cg.lock_context', default=None)


def _run_in_c_context(c_context, func):
    outcome = []

    def run(*unused):
        try:
            outcome.append((True, func()))
        except BaseException as e:  # noqa: B902
            outcome.append((False, e))

    c_context.run(run)
    ok, value = outcome[0]
    if not ok:
        if isinstance(value, GLib.Error):
            raise _translate(value)
        raise value
    return value


def _lock_call(func):
    current = _lock_context.get()
    c_context = current.copy() if current is not None else Cg.Context.copy_current()
    return _run_in_c_context(c_context, func)


class _LockAcquire:
    __slots__ = ('lock',)

    def __init__(self, lock):
        self.lock = lock

    def __await__(self):
        lock = self.lock
        current = _lock_context.get()
        c_context = current.copy() if current is not None else Cg.Context.copy_current()
        # The acquisition names this context in c_context; keep it for the
        # release and for the jobs this context spawns.
        _lock_context.set(c_context)

        def start(cancellable, callback):
            _run_in_c_context(c_context, lambda: _CgAsyncLock.acquire_async(
                lock, cancellable, callback))

        def abandon(unused):
            try:
                _run_in_c_context(c_context.copy(), lambda: _CgAsyncLock.release(lock))
            except Exception:  # noqa: B902
                _log.exception('Cg: releasing an abandoned lock acquisition failed')

        yield from _GOp(start, lambda source, result: _CgAsyncLock.acquire_finish(lock, result),
                        abandon).__await__()
        return lock


class _LockMixin:
    """``async with lock``, ``await lock.acquire()``, ``lock.release()``."""

    def acquire(self):
        """Acquires the lock for the current context (awaitable)."""
        return _LockAcquire(self)

    def release(self):
        """Gives back one acquisition of the current context. Returns an
        awaitable that is done already, so ``await lock.release()`` works."""
        _lock_call(lambda: _CgAsyncLock.release(self))
        return _DONE

    def is_in_context(self):
        """Whether the current context holds the lock."""
        if _lock_context.get() is None:
            return False
        return _lock_call(lambda: _CgAsyncLock.is_in_context(self))

    @property
    def count(self):
        return _CgAsyncLock.get_count(self)

    @property
    def reentrant(self):
        return _CgAsyncLock.get_reentrant(self)

    async def __aenter__(self):
        await _LockAcquire(self)
        return self

    async def __aexit__(self, *exc_info):
        self.release()


class AsyncLock(_LockMixin, Cg.AsyncLock):
    """An asynchronous mutex: acquiring it again from the context that holds
    it raises (a GLib.Error NOT_REENTRANT, a RuntimeError)."""


AsyncLock = override(AsyncLock)
__all__.append('AsyncLock')


# Cg.ReentrantAsyncLock derives from the override of Cg.AsyncLock, made
# above, so it has the mixin already.
_reentrant_bases = ((Cg.ReentrantAsyncLock,) if issubclass(Cg.ReentrantAsyncLock, _LockMixin)
                    else (_LockMixin, Cg.ReentrantAsyncLock))


class ReentrantAsyncLock(*_reentrant_bases):
    """An asynchronous lock that the holding context, and the jobs it
    spawns, enter again."""


ReentrantAsyncLock = override(ReentrantAsyncLock)
__all__.append('ReentrantAsyncLock')


# Sleeping ------------------------------------------------------------------


def sleep(delay, result=None):
    """An awaitable that finishes after @delay seconds with @result: in a
    coroutine job (or any code of a caller's thread), a future completed with
    call_later() on the current caller; inside an asyncio loop,
    asyncio.sleep()."""
    if _asyncio_loop() is not None:
        return asyncio.sleep(delay, result)
    caller = _CgCaller.get_current()
    if caller is not None:
        return Caller.call_later(caller, max(float(delay), 0.0), _identity, result)
    raise RuntimeError('Cg.sleep() needs a caller or a running asyncio loop in this thread')


def _identity(value):
    return value


__all__.append('sleep')
