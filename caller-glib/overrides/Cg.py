# Cg.py: the PyGObject override of caller-glib
#
# Copyright 2026 The caller-glib authors
#
# SPDX-License-Identifier: LGPL-2.1-or-later

"""Pythonic caller-glib, in the shape of the Python async_kernel ``Caller``
API it is modelled on.

``from gi.repository import Cg`` gives ``Cg.Caller`` (``call_soon``,
``call_later``, ``to_thread``, ``queue_call``, ``as_completed``, ``wait``,
``MAX_BUFFER_SIZE`` ...), ``Cg.Future`` (any Python value as result, the
very exception object a job raised, awaitable in asyncio and in coroutine
jobs), ``Cg.AsyncLock``, ``Cg.ReentrantAsyncLock``, ``Cg.sleep()``,
``Cg.FutureCancelledError`` and ``Cg.InvalidStateError``.

This module is a skin: queues, waits, done callbacks and error messages are
the library's. It maps errors to Python exceptions, bridges asyncio, and runs
coroutine jobs on the caller's GLib main loop, where they may await Cg
futures, ``Cg.sleep()``, ``Future.wait()``, locks, ``Caller.wait()`` and
``Caller.as_completed()`` (not asyncio objects: a caller's thread runs no
asyncio loop). ``contextvars`` are copied into jobs at submission.
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

# Python exceptions travel through the library as GErrors of this domain;
# the code is a token that finds the exception object again.
_PY_ERROR_DOMAIN = 'cg-python-exception-quark'
_PY_ERROR_QUARK = GLib.quark_from_string(_PY_ERROR_DOMAIN)


# Errors ------------------------------------------------------------------


class FutureCancelledError(Exception):
    """The future was cancelled (``CG_FUTURE_ERROR_CANCELLED``); the text is
    the library's, with every cancel message."""

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
# attributes of its Python wrapper (which PyGObject keeps alive as long as
# the GObject, through a toggle reference, and the garbage collector frees
# with it). The registry finds it by its token through weak references.
# The exception of a coroutine job is kept by the job's future, not by the
# private future of the coroutine that it follows in C (out of the
# collector's sight): a traceback that refers to the job's future would
# otherwise keep both alive for ever.


class _Held:
    __slots__ = ('exc', '__weakref__')

    def __init__(self, exc):
        self.exc = exc


_exc_lock = threading.Lock()
_exc_registry = weakref.WeakValueDictionary()  # token -> _Held
_exc_next_token = 1


def _take_token_locked():
    global _exc_next_token
    while True:
        token = _exc_next_token
        _exc_next_token = token + 1 if token < 0x7FFFFFFE else 1
        if token not in _exc_registry:
            return token


def _translate(error):
    """The Python exception for a GLib.Error of the library, with its
    (translated) message."""
    domain = error.domain
    if domain == _PY_ERROR_DOMAIN:
        held = _exc_registry.get(error.code)
        return error if held is None else held.exc
    if domain == _FUTURE_DOMAIN:
        if error.code == Cg.FutureError.CANCELLED:
            return FutureCancelledError(error.message)
        if error.code == Cg.FutureError.INVALID_STATE:
            return InvalidStateError(error.message)
    elif domain == _CALLER_DOMAIN and error.code == Cg.CallerError.TIMED_OUT:
        return TimeoutError(error.message)
    return error


def _call(func, *args):
    """func(*args), raising the Python exception of a GLib.Error."""
    error = None
    try:
        return func(*args)
    except GLib.Error as e:
        error = e
    raise _translate(error)


def _describe(exc):
    """The message of the GError that carries @exc: its type and text."""
    name = type(exc).__name__
    try:
        text = str(exc)
    except BaseException:  # noqa: B902
        text = ''
    message = '%s: %s' % (name, text) if text else name
    # GLib messages are UTF-8: escape what cannot be encoded.
    return message.encode('utf-8', 'backslashreplace').decode('utf-8')


def _fail(future, exc, owner=None):
    """Completes @future with @exc, kept by @owner (@future by default)."""
    if isinstance(exc, type) and issubclass(exc, BaseException):
        exc = exc()
    if not isinstance(exc, BaseException):
        raise TypeError('an exception is needed, not %r' % (exc,))
    owner = future if owner is None else owner
    held = _Held(exc)
    # In place before the future completes: other threads look it up then.
    with _exc_lock:
        token = _take_token_locked()
        kept = owner.__dict__.get('_cg_exceptions')
        if kept is None:
            kept = owner._cg_exceptions = {}
        kept[token] = held
        _exc_registry[token] = held
    error = None
    try:
        _CgFuture.return_error(future, GLib.Error.new_literal(
            _PY_ERROR_QUARK, _describe(exc), token))
    except GLib.Error as e:
        error = e
    if error is not None:
        with _exc_lock:
            kept.pop(token, None)
            _exc_registry.pop(token, None)
        raise _translate(error)


def _set_value(future, value):
    _call(_CgFuture.return_value, future, GObject.Value(GObject.TYPE_PYOBJECT, value))


def _outcome(future):
    """(True, result) or (False, exception) of a done @future. Frames that
    raise a future's exception drop the future first: the exception keeps
    them in its traceback and lives as long as the future."""
    try:
        return True, _CgFuture.propagate_value(future)[1]
    except GLib.Error as e:
        return False, _translate(e)


# Awaiting: in the coroutine runner or in asyncio ---------------------------

_tls = threading.local()
_get_running_loop = asyncio._get_running_loop


def _asyncio_loop():
    """The asyncio loop to await in, or None inside the coroutine runner."""
    loop = _get_running_loop()
    if loop is not None and loop is getattr(_tls, 'runner_loop', 0):
        return None
    return loop


class _GOp:
    """An awaitable over a GIO ``_async``/``_finish`` pair: ``start(cancellable,
    callback)``, ``finish(source, result)``. In the coroutine runner it starts
    on the caller's thread; in asyncio on a private GLib thread (the bridge).
    ``abandon(value)`` undoes a success nobody awaits any more."""

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
    """(True, value) or (False, exception)."""
    try:
        return True, op.finish(source, result)
    except GLib.Error as e:
        return False, _translate(e)
    except BaseException as e:  # noqa: B902
        return False, e


def _asyncio_op(op, loop):
    afut = loop.create_future()
    settled = loop.create_future()
    cancellable = Gio.Cancellable()

    def deliver(ok, value):
        if not settled.done():
            settled.set_result(None)
        if afut.done():
            if ok and op.abandon is not None and value is not None:
                op.abandon(value)
        elif ok:
            afut.set_result(value)
        else:
            afut.set_exception(value)

    def post(ok, value):
        try:
            loop.call_soon_threadsafe(deliver, ok, value)
        except RuntimeError:  # the loop is closed
            if ok and op.abandon is not None and value is not None:
                op.abandon(value)

    def start():
        try:
            op.start(cancellable, lambda s, r, *unused: post(*_finish_op(op, s, r)))
        except BaseException as e:  # noqa: B902
            post(False, _translate(e) if isinstance(e, GLib.Error) else e)

    _bridge.call(start)
    try:
        return (yield from afut)
    except asyncio.CancelledError:
        # The library applies its rules to the cancelled operation (a wait
        # cancels its future unless shielded) before the task ends.
        cancellable.cancel()
        if not settled.done():
            yield from settled
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

    def call(self, func):
        with self._lock:
            if self._context is None:
                ready = threading.Event()
                threading.Thread(target=self._main, args=(ready,),
                                 name='cg-asyncio-bridge', daemon=True).start()
                ready.wait()

        def run(*unused):
            try:
                func()
            except BaseException:  # noqa: B902
                _log.exception('Cg: a call on the asyncio bridge failed')
            return GLib.SOURCE_REMOVE

        source = GLib.Idle()
        source.set_callback(run)
        source.attach(self._context)


_bridge = _Bridge()


def _timeout(timeout):
    """A timeout in seconds for the C waits: None waits without limit (as
    do NaN and negative ones, by the library's rule)."""
    return -1.0 if timeout is None else float(timeout)


def _wait_flags(shield, result):
    return (_WAIT_SHIELD if shield else _WAIT_NONE) | (_WAIT_NONE if result else _WAIT_NO_RESULT)


def _wait_outcome(future, flags, wait):
    """(True, value) or (False, exception) of a C wait of @future: @wait()
    raises what the library reports (the future's failure, a timeout ...)."""
    try:
        wait()
    except GLib.Error as e:
        return False, _translate(e)
    return (True, None) if flags & _WAIT_NO_RESULT else _outcome(future)


def _wait_sync(future, timeout, flags):
    return _wait_outcome(future, flags, lambda: _CgFuture.wait_sync(future, timeout, flags, None))


@types.coroutine
def _wait_async(future, timeout, flags):
    """cg_future_wait_async(), awaited: (True, value) or (False, exception)."""
    timeout = _timeout(timeout)
    if _CgFuture.is_done(future):  # the library answers at once
        return _wait_sync(future, timeout, flags)
    try:
        yield from _GOp(lambda cancellable, callback: _CgFuture.wait_async(
                            future, timeout, flags, cancellable, callback),
                        lambda source, result: _CgFuture.wait_finish(future, result)).__await__()
    except Exception as e:  # noqa: B902
        return False, e
    return (True, None) if flags & _WAIT_NO_RESULT else _outcome(future)


async def _wait_coroutine(future, timeout, flags):
    ok, value = await _wait_async(future, timeout, flags)
    if ok:
        return value
    del future  # see _outcome()
    raise value


class _Done:
    """An awaitable that is finished already (what ``release()`` returns)."""

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
        state = ('cancelled' if self.is_cancelled() else
                 'done' if self.is_done() else 'pending')
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
        _call(_CgFuture.set_cancellable, self, cancellable)

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

    def add_done_callback(self, fn):
        """Calls ``fn(future)`` once the future is done, in the context current
        now, on the future's thread; the library's order (the reverse of
        registration) and thread rules apply."""
        entry = [fn, contextvars.copy_context()]
        with _callbacks_lock:
            self.__dict__.setdefault('_cg_callbacks', []).append(entry)
        _CgFuture.add_done_callback(self, _run_done_callback, entry)

    def remove_done_callback(self, fn):
        """Removes every registration of @fn that has not run; returns how
        many."""
        # A Python function reaches the library as a new pointer on every
        # call, so it cannot be matched there: the removed registrations stay
        # in the library's list and do nothing when their turn comes.
        with _callbacks_lock:
            entries = self.__dict__.get('_cg_callbacks') or []
            kept = [entry for entry in entries if entry[0] != fn]
            removed = len(entries) - len(kept)
            entries[:] = kept
        return removed

    def wait(self, timeout=None, shield=False, result=True):
        """Waits for the future (awaitable), in asyncio or in a coroutine job.
        A timeout raises TimeoutError and, unless @shield, cancels the future,
        as does cancelling the wait. Returns the result when @result."""
        return _wait_coroutine(self, timeout, _wait_flags(shield, result))

    def wait_sync(self, timeout=None, shield=False, result=True):
        """Blocks until the future is done (not on its own thread), with the
        rules of wait()."""
        ok, value = _wait_sync(self, _timeout(timeout), _wait_flags(shield, result))
        if ok:
            return value
        del self  # see _outcome()
        raise value

    def __await__(self):
        return _wait_coroutine(self, None, _WAIT_NONE).__await__()


Future = override(Future)
__all__.append('Future')


def _run_done_callback(future, entry):
    with _callbacks_lock:
        entries = future.__dict__.get('_cg_callbacks') or []
        for i, other in enumerate(entries):
            if other is entry:
                del entries[i]
                break
        else:
            return  # removed
    fn, ctx = entry
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
        _complete(_fail, future, e)
        return
    _complete_with(future, value, ctx)


def _complete(complete, future, value, *owner):
    try:
        complete(future, value, *owner)
    except (GLib.Error, InvalidStateError, FutureCancelledError):
        pass  # done already: the caller was stopped, say


async def _await_any(awaitable):
    return await awaitable


_PLAIN_TYPES = frozenset((type(None), bool, int, float, complex, str, bytes, bytearray,
                          tuple, list, dict, set, frozenset))


def _complete_with(future, value, ctx):
    """Completes a job's @future with what its function returned."""
    if type(value) in _PLAIN_TYPES:
        _complete(_set_value, future, value)
    elif isinstance(value, _CgFuture):
        try:
            _CgFuture.return_future(future, value)
        except GLib.Error as e:  # its own future, say
            _complete(_fail, future, _translate(e))
    elif inspect.isawaitable(value):
        coro = value if inspect.iscoroutine(value) else _await_any(value)
        runner = _Runner(coro, ctx, future)
        try:
            _CgFuture.return_future(future, runner.future)
        except GLib.Error:
            coro.close()
            return
        runner.step()
    else:
        _complete(_set_value, future, value)


class _Runner:
    """Drives a coroutine on the current caller's thread, from its GLib main
    loop; ``future`` completes with its outcome. Cancelling ``future`` throws
    FutureCancelledError into the coroutine at its next await. @owner, the
    job's future that follows ``future``, keeps the exception (see _fail())."""

    __slots__ = ('coro', 'ctx', 'future', 'owner', 'cancellable', 'caller')

    def __init__(self, coro, ctx, owner=None):
        self.coro = coro
        self.ctx = ctx
        self.future = Future()
        self.owner = owner
        self.cancellable = _CgFuture.get_cancellable(self.future)
        self.caller = _CgCaller.get_current()

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
                    _complete(_set_value, self.future, stop.value)
                    return
                except BaseException as e:  # noqa: B902
                    _complete(_fail, self.future, e, self.owner)
                    return
                value = exc = None
                if yielded is None:
                    self._resume_soon()
                    return
                if not isinstance(yielded, _GOp):
                    exc = RuntimeError('%r cannot be awaited in a Cg coroutine job' % (yielded,))
                    continue
                try:
                    yielded.start(self.cancellable, self._make_callback(yielded))
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
            # exception it raises keeps: it must not keep @result with it.
            del source, result, unused
            if ok:
                self.step(value)
                return
            if (isinstance(value, GLib.Error) and value.domain == _IO_DOMAIN
                    and value.code == Gio.IOErrorEnum.CANCELLED
                    and self.cancellable.is_cancelled()):
                try:
                    _CgFuture.check(self.future)
                except GLib.Error as e:
                    value = _translate(e)
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
    if not future.cancelled() and future.exception() is not None:
        _log.error('Cg: a direct call failed', exc_info=future.exception())


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
        raise ValueError('only the current threading.Thread; else a GLib.Thread')
    raise TypeError('not a thread: %r' % (thread,))


class _CallerMeta(type(Cg.Caller)):
    """The process-wide settings as class attributes (the C settings)."""

    @property
    def MAX_BUFFER_SIZE(cls):
        return _CgCaller.get_max_buffer_size()

    @MAX_BUFFER_SIZE.setter
    def MAX_BUFFER_SIZE(cls, value):
        value = int(value)
        if not 1 <= value <= 0x7FFFFFFF:
            raise ValueError('MAX_BUFFER_SIZE out of range: %d' % value)
        _CgCaller.set_max_buffer_size(value)

    @property
    def MAX_IDLE_POOL_INSTANCES(cls):
        return _CgCaller.get_max_idle_pool_instances()

    @MAX_IDLE_POOL_INSTANCES.setter
    def MAX_IDLE_POOL_INSTANCES(cls, value):
        value = int(value)
        if value < 0:
            raise ValueError('MAX_IDLE_POOL_INSTANCES out of range: %d' % value)
        _CgCaller.set_max_idle_pool_instances(value)


def _submit(submit, func, args, kwargs):
    return submit(_job_trampoline, (func, args, kwargs, contextvars.copy_context()))


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

    name = property(lambda self: _CgCaller.get_name(self))
    protected = property(lambda self: _CgCaller.get_protected(self))
    running = property(lambda self: _CgCaller.get_running(self))
    stopped = property(lambda self: _CgCaller.get_stopped(self))
    thread = property(lambda self: _CgCaller.get_thread(self),
                      doc='The #GLib.Thread the caller\'s jobs run in.')
    context = property(lambda self: _CgCaller.get_context(self),
                       doc='The #GLib.MainContext the caller\'s jobs run in.')
    log = property(lambda self: _CgCaller.get_log_domain(self),
                   doc='The log domain of the caller\'s messages.')

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
        _CgCaller.stop_all(bool(force or _stop_protected))
        for caller in list(_queue_owners):
            if _CgCaller.get_stopped(caller):
                _queue_forget(caller)

    def stop(self, force=False):
        """Stops the caller; a protected one only with @force."""
        _CgCaller.stop(self, bool(force))
        if _CgCaller.get_stopped(self):
            _queue_forget(self)

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
            raise ValueError('negative delay: %r' % delay)
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
        return future if future is not None else _CgCaller.current_future()

    # Execution queues: the library's named queues (see _queue_id())

    def queue_call(self, func, /, *args, max_buffer_size=None, wait=False):
        """Queues ``func(*args)`` in the FIFO queue of @func (for a bound
        method: of the method and its object) in this caller, from the
        caller's own thread. A full queue raises WOULD_BLOCK; with @wait this
        returns an awaitable that waits for room instead.

        @max_buffer_size is the room of the queue, in calls waiting besides
        the one handed to the caller, if this call makes the queue; None, 0
        or less means MAX_BUFFER_SIZE. Failing calls are logged by the
        library, and the queue goes on."""
        name, instance, anchors = _queue_id(func)
        payload = (func, args, {}, contextvars.copy_context())
        size = 0 if max_buffer_size is None else int(max_buffer_size)
        existed = _CgCaller.queue_exists_named(self, name, instance)
        if wait:
            def finish(source, result):
                _CgCaller.queue_call_finish(self, result)
                if not existed:
                    _queue_anchor(self, name, anchors)
            return _await_any(_GOp(
                lambda cancellable, callback: _CgCaller.queue_call_named_async(
                    self, name, instance, _job_trampoline, (payload,), size, cancellable,
                    callback),  # PyGObject spreads a tuple here: (payload,) gives payload
                finish))
        _CgCaller.queue_call_named(self, name, instance, _job_trampoline, payload, size)
        if not existed:
            _queue_anchor(self, name, anchors)
        return None

    def queue_close(self, func):
        """Closes the execution queue of @func, dropping the calls waiting in
        it (thread-safe)."""
        name, instance, unused = _queue_id(func)
        return _CgCaller.queue_close_named(self, name, instance)

    def queue_exists(self, func):
        """Whether the execution queue of @func is open (thread-safe)."""
        name, instance, unused = _queue_id(func)
        return _CgCaller.queue_exists_named(self, name, instance)

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
            futures = [f for f in items if f is not own]
            for future in futures:
                if not isinstance(future, _CgFuture):
                    raise TypeError('not a Cg future: %r' % (future,))
            iteration = Cg.AsCompleted.new(futures, bool(shield))
        elif hasattr(items, '__aiter__'):
            raise TypeError('a collection or a plain iterator of futures is needed')
        else:
            iteration = Cg.AsCompleted.new_from_generator(
                _Generator(iter(items), own), None,
                0 if max_concurrent is None else int(max_concurrent), bool(shield))
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
        timeout = _timeout(timeout)

        def finish(source, result):
            _ok, done, pending = _CgCaller.wait_finish(result)
            return set(done), set(pending)

        return await _GOp(lambda cancellable, callback: _CgCaller.wait_async(
            futures, timeout, when, cancellable, callback), finish)


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
                _log.error('Cg: as_completed() got %r, not a Cg future; it ends there', future)
                return None
            return future


# Execution queues ------------------------------------------------------------
#
# A Python function reaches C as a new pointer on every call, so each Python
# queue is a named C queue: the name says which function (and, for a bound
# method, which object) it belongs to. A queue closes when that function or
# object dies (a GObject's queue is bound to the GObject itself, in C); what
# cannot be referenced weakly is kept alive until the queue is closed.

_queues_lock = threading.Lock()
_queue_owners = weakref.WeakSet()  # callers that have _cg_queues


def _queue_id(func):
    """(name, instance, anchors) of the C queue of @func: anchors are the
    objects whose death closes it."""
    owner = getattr(func, '__self__', None)
    if owner is None or isinstance(owner, types.ModuleType):
        return 'py:%x' % id(func), None, (func,)
    inner = getattr(func, '__func__', None)
    what = '%x' % id(inner) if inner is not None else getattr(func, '__name__', '?')
    if isinstance(owner, GObject.Object):
        return 'py:%s' % what, owner, ()
    return 'py:%s:%x' % (what, id(owner)), None, (owner,) if inner is None else (inner, owner)


def _queue_anchor(caller, name, anchors):
    """Ties the new queue @name of @caller to the life of @anchors."""
    caller_ref = weakref.ref(caller)
    held = []
    for obj in anchors:
        try:
            held.append(weakref.finalize(obj, _queue_gone, caller_ref, name))
        except TypeError:
            held.append(obj)  # not weakly referable: kept alive
    with _queues_lock:
        queues = caller.__dict__.setdefault('_cg_queues', {})
        _queue_owners.add(caller)
        old = queues.pop(name, ())
        queues[name] = held
    _queue_release(old)


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


def _queue_forget(caller):
    """Drops what the Python side keeps for the queues of a stopped caller
    (the library closed them)."""
    with _queues_lock:
        queues = caller.__dict__.pop('_cg_queues', None) or {}
    for held in queues.values():
        _queue_release(held)


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
        raise _translate(value) if isinstance(value, GLib.Error) else value
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
    raise RuntimeError('Cg.sleep() needs a caller or an asyncio loop')


def _identity(value):
    return value


__all__.append('sleep')
