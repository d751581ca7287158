/* cg-python-jobs.c: gi.overrides._Cg, the calls of the Python binding that
 * keep the GIL
 *
 * Copyright 2026 The caller-glib authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Every call PyGObject makes into C releases the GIL and takes it back,
 * and every copy or free of a Python object held in a GValue takes it
 * again. When two threads run Python (the thread that submits jobs and the
 * thread that runs them), each release is a hand-off: a futex wake-up and
 * often a sleep on the other side. A job submitted with
 * Caller.call_soon() and run to completion through PyGObject alone
 * releases the GIL five to seven times; concurrent.futures' thread pool
 * releases it almost never. This module does the calls of a job's life
 * that cannot block (submitting it, running it, completing its future)
 * without releasing the GIL, so a job costs one hand-off on the thread
 * that runs it and none on the thread that submits it.
 *
 * wait() is the one call here that blocks, and it releases the GIL while
 * it does, as PyGObject would; it reads the result in the same call. The
 * library calls no code of its users while it holds
 * a lock of its own, so holding the GIL across these calls cannot
 * deadlock against a thread that calls into Python from the library.
 *
 * The jobs are token jobs (cg_caller_call_soon_token()): the token is the
 * job's payload, a Python object with one reference owned by the job, and
 * the token runner of this module hands it to the Python function given
 * to set_job_runner(), or drops it when the job is dropped.
 *
 * The other calls that take a Python function (delayed and direct calls,
 * queued calls, continuations, done callbacks, completion hooks and the
 * callbacks of the _async calls) go through here too, with a C function
 * that calls the Python one: PyGObject 3.42, the one of Debian 12, leaks
 * about 110 bytes of libffi closure memory for every Python function it
 * passes to C (fixed in 3.44.2), so a program that awaited a future or
 * called call_later() in a loop grew without end.
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <pygobject.h>
#include <string.h>

#include "caller-glib.h"

static PyObject *job_runner;   /* (future, payload) -> None; under the GIL */
static GType python_object_type;

/* Calls @callable with the wrappers of the first @n of @a and @b (None
 * for NULL); reports what it raises. With the GIL. */
static void
call_with_wrappers (PyObject *callable,
                    guint     n,
                    gpointer  a,
                    gpointer  b)
{
  gpointer objects[2] = { a, b };
  PyObject *args[2] = { NULL, NULL };
  PyObject *result = NULL;
  guint i;

  for (i = 0; i < n; i++)
    {
      args[i] = objects[i] != NULL ? pygobject_new (G_OBJECT (objects[i])) : Py_NewRef (Py_None);
      if (args[i] == NULL)
        break;
    }
  if (i == n)
    result = PyObject_Vectorcall (callable, args, n, NULL);
  if (result == NULL)
    PyErr_WriteUnraisable (callable);
  Py_XDECREF (result);
  for (i = 0; i < n; i++)
    Py_XDECREF (args[i]);
}

/* Runs the job of @future (NULL: it is dropped) with @payload, which it
 * takes. With the GIL. */
static void
run_payload (CgFuture *future,
             PyObject *payload)
{
  if (future != NULL && job_runner != NULL)
    {
      PyObject *wrapper = pygobject_new (G_OBJECT (future));
      PyObject *result = NULL;

      if (wrapper != NULL)
        result = PyObject_CallFunctionObjArgs (job_runner, wrapper, payload, NULL);
      if (result == NULL)
        PyErr_WriteUnraisable (job_runner);
      Py_XDECREF (result);
      Py_XDECREF (wrapper);
    }
  Py_DECREF (payload);
}

static void
run_token (CgFuture *future,
           gsize     token,
           gpointer  user_data)
{
  PyGILState_STATE state;

  if (!Py_IsInitialized ())
    return; /* the interpreter is gone: so is what the payload was */

  state = PyGILState_Ensure ();
  run_payload (future, (PyObject *) token);
  PyGILState_Release (state);
}

/* A Python object the library holds for one call: taken (NULL) by the
 * call that uses it, with the GIL it holds then, else dropped by the
 * destroy notify, which takes the GIL. */
typedef struct
{
  PyObject *object;
} Held;

static Held *
held_new (PyObject *object)
{
  Held *held = g_new (Held, 1);

  Py_INCREF (object);
  held->object = object;
  return held;
}

static void
held_free (gpointer data)
{
  Held *held = data;

  if (held->object != NULL && Py_IsInitialized ())
    {
      PyGILState_STATE state = PyGILState_Ensure ();

      Py_CLEAR (held->object);
      PyGILState_Release (state);
    }
  g_free (held);
}

/* Takes the object out of @held, for a call that runs once. With the GIL. */
static PyObject *
held_take (Held *held)
{
  PyObject *object = held->object;

  held->object = NULL;
  return object;
}

/* CgJobFunc of the jobs submitted here: runs the payload. */
static void
run_held_job (CgFuture *future,
              gpointer  data)
{
  PyGILState_STATE state;

  if (!Py_IsInitialized ())
    return;
  state = PyGILState_Ensure ();
  run_payload (future, held_take (data));
  PyGILState_Release (state);
}

/* Takes the callable out of @held and calls it once with the wrappers of
 * the first @n of @a and @b; the library may drop @held later (nothing
 * then to release). Takes the GIL. */
static void
call_held_once (Held     *held,
                guint     n,
                gpointer  a,
                gpointer  b)
{
  PyGILState_STATE state;
  PyObject *callable;

  if (!Py_IsInitialized ())
    return;
  state = PyGILState_Ensure ();
  callable = held_take (held);
  call_with_wrappers (callable, n, a, b);
  Py_DECREF (callable);
  PyGILState_Release (state);
}

/* CgDirectFunc: callable (). */
static void
run_held_direct (gpointer data)
{
  call_held_once (data, 0, NULL, NULL);
}

/* CgContinuationFunc: callable (future, input). */
static void
run_held_continuation (CgFuture *future,
                       CgFuture *input,
                       gpointer  data)
{
  call_held_once (data, 2, future, input);
}

/* CgFutureCallback of done callbacks: callable (future), which runs once. */
static void
run_held_done (CgFuture *future,
               gpointer  data)
{
  call_held_once (data, 1, future, NULL);
}

/* CgFutureCallback of completion hooks: callable (). */
static void
run_held_hook (CgFuture *future,
               gpointer  data)
{
  call_held_once (data, 0, NULL, NULL);
}

/* GAsyncReadyCallback: callable (source, result), once; the record goes
 * with it. */
static void
run_held_ready (GObject      *source,
                GAsyncResult *result,
                gpointer      data)
{
  call_held_once (data, 2, source, result);
  g_free (data);
}

static PyObject *
set_job_runner (PyObject *module,
                PyObject *runner)
{
  if (!PyCallable_Check (runner))
    {
      PyErr_SetString (PyExc_TypeError, "the job runner must be callable");
      return NULL;
    }
  Py_INCREF (runner);
  Py_XSETREF (job_runner, runner);
  cg_set_token_runner (run_token, NULL, NULL);
  Py_RETURN_NONE;
}

/* The GObject of @object when it is a wrapper of an instance of @type. */
static gpointer
unwrap (PyObject   *object,
        GType       type,
        const char *what)
{
  if (!PyObject_TypeCheck (object, &PyGObject_Type) ||
      !G_TYPE_CHECK_INSTANCE_TYPE (pygobject_get (object), type))
    {
      PyErr_Format (PyExc_TypeError, "%s must be a %s, not %R", what, g_type_name (type),
                    object);
      return NULL;
    }
  return pygobject_get (object);
}

static PyObject *
wrap_future (CgFuture *future,
             GError   *error)
{
  if (future == NULL)
    {
      pyg_error_check (&error);
      return NULL;
    }
  return pygobject_new_full (G_OBJECT (future), TRUE, NULL);
}

/* The token of @payload: a reference the job owns. The library gives it
 * back to run_token() once, also when it refuses the job. */
static gsize
token_of (PyObject *payload)
{
  Py_INCREF (payload);
  return (gsize) payload;
}

static PyObject *
call_soon (PyObject *module,
           PyObject *args)
{
  PyObject *caller_object, *payload;
  CgCaller *caller;
  GError *error = NULL;
  CgFuture *future;

  if (!PyArg_ParseTuple (args, "OO:call_soon", &caller_object, &payload))
    return NULL;
  caller = unwrap (caller_object, CG_TYPE_CALLER, "caller");
  if (caller == NULL)
    return NULL;
  future = cg_caller_call_soon_token (caller, token_of (payload), &error);
  return wrap_future (future, error);
}

static PyObject *
to_thread (PyObject *module,
           PyObject *payload)
{
  GError *error = NULL;
  CgFuture *future;

  future = cg_caller_to_thread_token (token_of (payload), &error);
  return wrap_future (future, error);
}

/* The GObject of @object, or NULL for None. FALSE with a TypeError when
 * it is neither None nor a wrapper of an instance of @type. */
static gboolean
unwrap_nullable (PyObject   *object,
                 GType       type,
                 const char *what,
                 gpointer   *out)
{
  if (object == Py_None)
    {
      *out = NULL;
      return TRUE;
    }
  *out = unwrap (object, type, what);
  return *out != NULL;
}

static gboolean
check_callable (PyObject *callable)
{
  if (PyCallable_Check (callable))
    return TRUE;
  PyErr_Format (PyExc_TypeError, "not callable: %R", callable);
  return FALSE;
}

/* Raises @error (taken) and returns NULL; or None when there is none. */
static PyObject *
none_or_raise (gboolean  ok,
               GError   *error)
{
  if (!ok)
    {
      if (error == NULL)
        g_set_error_literal (&error, G_IO_ERROR, G_IO_ERROR_FAILED, "failed");
      pyg_error_check (&error);
      return NULL;
    }
  Py_RETURN_NONE;
}

static PyObject *
call_later (PyObject *module,
            PyObject *args)
{
  PyObject *caller_object, *payload;
  CgCaller *caller;
  double delay;
  GError *error = NULL;
  CgFuture *future;

  if (!PyArg_ParseTuple (args, "OdO:call_later", &caller_object, &delay, &payload))
    return NULL;
  caller = unwrap (caller_object, CG_TYPE_CALLER, "caller");
  if (caller == NULL)
    return NULL;
  future = cg_caller_call_later (caller, delay, run_held_job, held_new (payload), held_free,
                                 &error);
  return wrap_future (future, error);
}

static PyObject *
to_thread_full (PyObject *module,
                PyObject *args)
{
  PyObject *payload, *cancellable_object;
  const char *label;
  int priority;
  gpointer cancellable;
  GError *error = NULL;
  CgFuture *future;

  if (!PyArg_ParseTuple (args, "OziO:to_thread_full", &payload, &label, &priority,
                         &cancellable_object) ||
      !unwrap_nullable (cancellable_object, G_TYPE_CANCELLABLE, "cancellable", &cancellable))
    return NULL;
  future = cg_caller_to_thread_full (run_held_job, held_new (payload), held_free, label,
                                     priority, cancellable, &error);
  return wrap_future (future, error);
}

static PyObject *
to_thread_by_name (PyObject *module,
                   PyObject *args)
{
  PyObject *payload;
  const char *name;
  GError *error = NULL;
  CgFuture *future;

  if (!PyArg_ParseTuple (args, "zO:to_thread_by_name", &name, &payload))
    return NULL;
  future = cg_caller_to_thread_by_name (name, run_held_job, held_new (payload), held_free,
                                        &error);
  return wrap_future (future, error);
}

static PyObject *
queue_call (PyObject *module,
            PyObject *args)
{
  PyObject *caller_object, *instance_object, *payload;
  const char *name;
  gpointer caller, instance;
  int size;
  GError *error = NULL;
  gboolean ok;

  if (!PyArg_ParseTuple (args, "OsOOi:queue_call", &caller_object, &name, &instance_object,
                         &payload, &size) ||
      (caller = unwrap (caller_object, CG_TYPE_CALLER, "caller")) == NULL ||
      !unwrap_nullable (instance_object, G_TYPE_OBJECT, "instance", &instance))
    return NULL;
  ok = cg_caller_queue_call_named (caller, name, instance, run_held_job, held_new (payload),
                                   held_free, size, &error);
  return none_or_raise (ok, error);
}

static PyObject *
queue_call_async (PyObject *module,
                  PyObject *args)
{
  PyObject *caller_object, *instance_object, *payload, *cancellable_object, *callback;
  const char *name;
  gpointer caller, instance, cancellable;
  int size;

  if (!PyArg_ParseTuple (args, "OsOOiOO:queue_call_async", &caller_object, &name,
                         &instance_object, &payload, &size, &cancellable_object, &callback) ||
      (caller = unwrap (caller_object, CG_TYPE_CALLER, "caller")) == NULL ||
      !unwrap_nullable (instance_object, G_TYPE_OBJECT, "instance", &instance) ||
      !unwrap_nullable (cancellable_object, G_TYPE_CANCELLABLE, "cancellable", &cancellable) ||
      !check_callable (callback))
    return NULL;
  cg_caller_queue_call_named_async (caller, name, instance, run_held_job, held_new (payload),
                                    held_free, size, cancellable, run_held_ready,
                                    held_new (callback));
  Py_RETURN_NONE;
}

static PyObject *
call_direct (PyObject *module,
             PyObject *args)
{
  PyObject *caller_object, *callable;
  CgCaller *caller;
  GError *error = NULL;
  gboolean ok;

  if (!PyArg_ParseTuple (args, "OO:call_direct", &caller_object, &callable) ||
      (caller = unwrap (caller_object, CG_TYPE_CALLER, "caller")) == NULL ||
      !check_callable (callable))
    return NULL;
  ok = cg_caller_call_direct (caller, run_held_direct, held_new (callable), held_free, &error);
  return none_or_raise (ok, error);
}

/* What call_sync() hands to the caller's thread: the callable, and what
 * it returned or raised. */
typedef struct
{
  PyObject *callable;
  PyObject *result;
  PyObject *exc_type, *exc_value, *exc_traceback;
} SyncCall;

static void
run_sync_call (gpointer data)
{
  SyncCall *call = data;
  PyGILState_STATE state = PyGILState_Ensure ();

  call->result = PyObject_CallNoArgs (call->callable);
  if (call->result == NULL)
    PyErr_Fetch (&call->exc_type, &call->exc_value, &call->exc_traceback);
  PyGILState_Release (state);
}

/* call_sync(caller, callable, cancellable): cg_caller_call_sync() of
 * callable(); returns what it returned, or raises what it raised. */
static PyObject *
call_sync (PyObject *module,
           PyObject *args)
{
  PyObject *caller_object, *cancellable_object;
  SyncCall call = { NULL, NULL, NULL, NULL, NULL };
  gpointer caller, cancellable;
  GError *error = NULL;
  gboolean ok;

  if (!PyArg_ParseTuple (args, "OOO:call_sync", &caller_object, &call.callable,
                         &cancellable_object) ||
      (caller = unwrap (caller_object, CG_TYPE_CALLER, "caller")) == NULL ||
      !unwrap_nullable (cancellable_object, G_TYPE_CANCELLABLE, "cancellable", &cancellable) ||
      !check_callable (call.callable))
    return NULL;

  Py_BEGIN_ALLOW_THREADS
  ok = cg_caller_call_sync (caller, run_sync_call, &call, cancellable, &error);
  Py_END_ALLOW_THREADS

  if (!ok)
    return none_or_raise (FALSE, error);
  if (call.result == NULL)
    PyErr_Restore (call.exc_type, call.exc_value, call.exc_traceback);
  return call.result;
}

/* continue_with(kind, future, caller, callable): cg_future_and_then()
 * (kind 0), cg_future_catch() (1) or cg_future_finally() (2), with
 * callable(job, input). */
static PyObject *
continue_with (PyObject *module,
               PyObject *args)
{
  typedef CgFuture *(*Continue) (CgFuture *, CgCaller *, CgContinuationFunc, gpointer,
                                 GDestroyNotify, GError **);
  static const Continue continues[] = { cg_future_and_then, cg_future_catch, cg_future_finally };
  PyObject *future_object, *caller_object, *callable;
  gpointer future, caller;
  int kind;
  GError *error = NULL;

  if (!PyArg_ParseTuple (args, "iOOO:continue_with", &kind, &future_object, &caller_object,
                         &callable) ||
      (future = unwrap (future_object, CG_TYPE_FUTURE, "future")) == NULL ||
      !unwrap_nullable (caller_object, CG_TYPE_CALLER, "caller", &caller) ||
      !check_callable (callable))
    return NULL;
  if (kind < 0 || kind >= (int) G_N_ELEMENTS (continues))
    {
      PyErr_SetString (PyExc_ValueError, "no such continuation");
      return NULL;
    }
  return wrap_future (continues[kind] (future, caller, run_held_continuation,
                                       held_new (callable), held_free, &error),
                      error);
}

static PyObject *
add_done_callback (PyObject *module,
                   PyObject *args)
{
  PyObject *future_object, *callable;
  gpointer future;

  if (!PyArg_ParseTuple (args, "OO:add_done_callback", &future_object, &callable) ||
      (future = unwrap (future_object, CG_TYPE_FUTURE, "future")) == NULL ||
      !check_callable (callable))
    return NULL;
  return PyLong_FromUnsignedLong (cg_future_add_done_callback_full (future, run_held_done,
                                                                    held_new (callable),
                                                                    held_free));
}

static PyObject *
add_completion_hook (PyObject *module,
                     PyObject *args)
{
  PyObject *future_object, *callable;
  gpointer future;

  if (!PyArg_ParseTuple (args, "OO:add_completion_hook", &future_object, &callable) ||
      (future = unwrap (future_object, CG_TYPE_FUTURE, "future")) == NULL ||
      !check_callable (callable))
    return NULL;
  cg_future_add_completion_hook (future, run_held_hook, held_new (callable), held_free);
  Py_RETURN_NONE;
}

static PyObject *
wait_async (PyObject *module,
            PyObject *args)
{
  PyObject *future_object, *cancellable_object, *callback;
  gpointer future, cancellable;
  double timeout;
  int flags;

  if (!PyArg_ParseTuple (args, "OdiOO:wait_async", &future_object, &timeout, &flags,
                         &cancellable_object, &callback) ||
      (future = unwrap (future_object, CG_TYPE_FUTURE, "future")) == NULL ||
      !unwrap_nullable (cancellable_object, G_TYPE_CANCELLABLE, "cancellable", &cancellable) ||
      !check_callable (callback))
    return NULL;
  cg_future_wait_async (future, timeout, (CgWaitFlags) flags, cancellable, run_held_ready,
                        held_new (callback));
  Py_RETURN_NONE;
}

/* An _async call of the form (object, cancellable, callback, data). */
typedef void (*ObjectAsyncFunc) (gpointer            object,
                                 GCancellable       *cancellable,
                                 GAsyncReadyCallback callback,
                                 gpointer            user_data);

static PyObject *
object_async (PyObject        *args,
              const char      *format,
              GType            type,
              const char      *what,
              ObjectAsyncFunc  start)
{
  PyObject *object, *cancellable_object, *callback;
  gpointer instance, cancellable;

  if (!PyArg_ParseTuple (args, format, &object, &cancellable_object, &callback) ||
      (instance = unwrap (object, type, what)) == NULL ||
      !unwrap_nullable (cancellable_object, G_TYPE_CANCELLABLE, "cancellable", &cancellable) ||
      !check_callable (callback))
    return NULL;
  start (instance, cancellable, run_held_ready, held_new (callback));
  Py_RETURN_NONE;
}

static PyObject *
acquire_async (PyObject *module,
               PyObject *args)
{
  return object_async (args, "OOO:acquire_async", CG_TYPE_ASYNC_LOCK, "lock",
                       (ObjectAsyncFunc) cg_async_lock_acquire_async);
}

static PyObject *
next_async (PyObject *module,
            PyObject *args)
{
  return object_async (args, "OOO:next_async", CG_TYPE_AS_COMPLETED, "iteration",
                       (ObjectAsyncFunc) cg_as_completed_next_async);
}

static PyObject *
caller_wait_async (PyObject *module,
                   PyObject *args)
{
  PyObject *futures_object, *cancellable_object, *callback, *sequence;
  gpointer cancellable;
  double timeout;
  int when;
  CgFuture **futures;
  Py_ssize_t n, i;

  if (!PyArg_ParseTuple (args, "OdiOO:caller_wait_async", &futures_object, &timeout, &when,
                         &cancellable_object, &callback) ||
      !unwrap_nullable (cancellable_object, G_TYPE_CANCELLABLE, "cancellable", &cancellable) ||
      !check_callable (callback))
    return NULL;
  sequence = PySequence_Fast (futures_object, "futures must be a sequence");
  if (sequence == NULL)
    return NULL;
  n = PySequence_Fast_GET_SIZE (sequence);
  futures = g_new0 (CgFuture *, MAX (n, 1));
  for (i = 0; i < n; i++)
    {
      futures[i] = unwrap (PySequence_Fast_GET_ITEM (sequence, i), CG_TYPE_FUTURE, "futures");
      if (futures[i] == NULL)
        {
          g_free (futures);
          Py_DECREF (sequence);
          return NULL;
        }
    }
  cg_caller_wait_async (futures, (guint) n, timeout, (CgReturnWhen) when, cancellable,
                        run_held_ready, held_new (callback));
  g_free (futures);
  Py_DECREF (sequence);
  Py_RETURN_NONE;
}

/* CgFutureGenerator: callable() gives the next Cg future, or None; called
 * as often as the iteration draws. */
static CgFuture *
run_held_generator (gpointer data)
{
  Held *held = data;
  PyGILState_STATE state;
  CgFuture *next = NULL;
  PyObject *result;

  if (!Py_IsInitialized ())
    return NULL;
  state = PyGILState_Ensure ();
  result = PyObject_CallNoArgs (held->object);
  if (result == NULL)
    PyErr_WriteUnraisable (held->object);
  else if (result != Py_None && PyObject_TypeCheck (result, &PyGObject_Type) &&
           CG_IS_FUTURE (pygobject_get (result)))
    next = g_object_ref (CG_FUTURE (pygobject_get (result)));
  Py_XDECREF (result);
  PyGILState_Release (state);
  return next;
}

static PyObject *
as_completed_from_generator (PyObject *module,
                             PyObject *args)
{
  PyObject *callable;
  int max_concurrent, shield;
  CgAsCompleted *iteration;

  if (!PyArg_ParseTuple (args, "Oip:as_completed_from_generator", &callable, &max_concurrent,
                         &shield) ||
      !check_callable (callable))
    return NULL;
  iteration = cg_as_completed_new_from_generator (run_held_generator, held_new (callable),
                                                  held_free, max_concurrent, shield);
  return pygobject_new_full (G_OBJECT (iteration), TRUE, NULL);
}

/* CgPropertyPredicate: callable(value), true or not. */
static gboolean
run_held_predicate (GObject      *instance,
                    const GValue *value,
                    gpointer      data)
{
  Held *held = data;
  PyGILState_STATE state;
  PyObject *object, *result = NULL;
  gboolean yes = FALSE;

  if (!Py_IsInitialized ())
    return FALSE;
  state = PyGILState_Ensure ();
  object = pyg_value_as_pyobject (value, TRUE);
  if (object != NULL)
    result = PyObject_CallOneArg (held->object, object);
  if (result != NULL)
    yes = PyObject_IsTrue (result) == 1;
  if (PyErr_Occurred ())
    PyErr_WriteUnraisable (held->object);
  Py_XDECREF (result);
  Py_XDECREF (object);
  PyGILState_Release (state);
  return yes;
}

static PyObject *
future_for_property (PyObject *module,
                     PyObject *args)
{
  PyObject *instance_object, *predicate, *cancellable_object;
  const char *name;
  gpointer instance, cancellable;
  GError *error = NULL;

  if (!PyArg_ParseTuple (args, "OsOO:future_for_property", &instance_object, &name, &predicate,
                         &cancellable_object) ||
      (instance = unwrap (instance_object, G_TYPE_OBJECT, "instance")) == NULL ||
      !unwrap_nullable (cancellable_object, G_TYPE_CANCELLABLE, "cancellable", &cancellable) ||
      (predicate != Py_None && !check_callable (predicate)))
    return NULL;
  return wrap_future (cg_future_new_for_property (instance, name,
                                                  predicate != Py_None ? run_held_predicate : NULL,
                                                  predicate != Py_None ? held_new (predicate) : NULL,
                                                  predicate != Py_None ? held_free : NULL,
                                                  cancellable, &error),
                      error);
}

/* context_run(context, callable): callable() inside the CgContext; its
 * result, or what it raised. */
typedef struct
{
  PyObject *callable;
  PyObject *result;    /* NULL: it raised, and the exception is set */
} ContextCall;

static void
run_context_call (gpointer data)
{
  ContextCall *call = data;

  call->result = PyObject_CallNoArgs (call->callable);
}

static PyObject *
context_run (PyObject *module,
             PyObject *args)
{
  PyObject *context_object;
  ContextCall call = { NULL, NULL };
  GError *error = NULL;
  CgContext *context;

  if (!PyArg_ParseTuple (args, "OO:context_run", &context_object, &call.callable) ||
      !check_callable (call.callable))
    return NULL;
  if (!pyg_boxed_check (context_object, CG_TYPE_CONTEXT))
    {
      PyErr_Format (PyExc_TypeError, "context must be a Cg.Context, not %R", context_object);
      return NULL;
    }
  context = pyg_boxed_get (context_object, CgContext);
  /* Runs call on this thread, before it returns: the GIL stays held. */
  if (!cg_context_run (context, run_context_call, &call, &error))
    {
      Py_CLEAR (call.result);
      pyg_error_check (&error);
      return NULL;
    }
  return call.result;
}

/* Completes @future with @value. Exact bools, ints, floats and strings
 * that the C types hold exactly become the library's own values, and
 * None no value: C copies and frees them without the GIL. Anything else
 * is the Python object itself, in a GValue of PyGObject's type. */
static gboolean
return_value (CgFuture  *future,
              PyObject  *value,
              GError   **error)
{
  GValue boxed = G_VALUE_INIT;
  gboolean done;

  if (value == Py_None)
    return cg_future_return_pointer (future, NULL, NULL, error);
  if (PyBool_Check (value))
    return cg_future_return_boolean (future, value == Py_True, error);
  if (PyLong_CheckExact (value))
    {
      int overflow;
      long long number = PyLong_AsLongLongAndOverflow (value, &overflow);

      if (overflow == 0 && number >= G_MINSSIZE && number <= G_MAXSSIZE)
        return cg_future_return_int (future, (gssize) number, error);
    }
  else if (PyFloat_CheckExact (value))
    return cg_future_return_double (future, PyFloat_AS_DOUBLE (value), error);
  else if (PyUnicode_CheckExact (value))
    {
      Py_ssize_t length;
      const char *text = PyUnicode_AsUTF8AndSize (value, &length);

      if (text != NULL && strlen (text) == (size_t) length)
        return cg_future_return_string (future, text, error);
      PyErr_Clear (); /* lone surrogates, or a NUL inside: kept as it is */
    }

  g_value_init (&boxed, python_object_type);
  g_value_set_boxed (&boxed, value);
  done = cg_future_return_value (future, &boxed, error);
  g_value_unset (&boxed);
  return done;
}

static PyObject *
complete (PyObject *module,
          PyObject *args)
{
  PyObject *future_object, *value;
  CgFuture *future;
  GError *error = NULL;

  if (!PyArg_ParseTuple (args, "OO:complete", &future_object, &value))
    return NULL;
  future = unwrap (future_object, CG_TYPE_FUTURE, "future");
  if (future == NULL)
    return NULL;
  if (!return_value (future, value, &error))
    {
      pyg_error_check (&error);
      return NULL;
    }
  Py_RETURN_NONE;
}

/* The Python object of @value, which it empties. */
static PyObject *
take_value (GValue *value)
{
  PyObject *object = pyg_value_as_pyobject (value, TRUE);

  g_value_unset (value);
  return object;
}

static PyObject *
wait (PyObject *module,
      PyObject *args)
{
  PyObject *future_object;
  CgFuture *future;
  double timeout;
  int flags;
  GValue value = G_VALUE_INIT;
  GError *error = NULL;
  gboolean done;

  if (!PyArg_ParseTuple (args, "Odi:wait", &future_object, &timeout, &flags))
    return NULL;
  future = unwrap (future_object, CG_TYPE_FUTURE, "future");
  if (future == NULL)
    return NULL;

  /* The wait without the GIL; reading the result (a copy of a Python
   * object, maybe) with it. */
  g_object_ref (future);
  Py_BEGIN_ALLOW_THREADS
  done = cg_future_wait_sync (future, timeout, (CgWaitFlags) flags, NULL, &error);
  Py_END_ALLOW_THREADS
  if (done && !(flags & CG_WAIT_FLAGS_NO_RESULT))
    done = cg_future_propagate_value (future, &value, &error);
  g_object_unref (future);

  if (!done)
    {
      pyg_error_check (&error);
      return NULL;
    }
  if (flags & CG_WAIT_FLAGS_NO_RESULT)
    Py_RETURN_NONE;
  return take_value (&value);
}

static PyObject *
result (PyObject *module,
        PyObject *future_object)
{
  CgFuture *future = unwrap (future_object, CG_TYPE_FUTURE, "future");
  GValue value = G_VALUE_INIT;
  GError *error = NULL;

  if (future == NULL)
    return NULL;
  if (!cg_future_propagate_value (future, &value, &error))
    {
      pyg_error_check (&error);
      return NULL;
    }
  return take_value (&value);
}

static PyMethodDef methods[] = {
  { "set_job_runner", set_job_runner, METH_O,
    "set_job_runner(runner)\n--\n\n"
    "Has runner(future, payload) run the jobs of call_soon() and to_thread()." },
  { "call_soon", call_soon, METH_VARARGS,
    "call_soon(caller, payload)\n--\n\n"
    "cg_caller_call_soon() of a job that the job runner runs with payload." },
  { "to_thread", to_thread, METH_O,
    "to_thread(payload)\n--\n\n"
    "cg_caller_to_thread() of a job that the job runner runs with payload." },
  { "complete", complete, METH_VARARGS,
    "complete(future, value)\n--\n\n"
    "Completes future with value; GLib.Error when it cannot." },
  { "wait", wait, METH_VARARGS,
    "wait(future, timeout, flags)\n--\n\n"
    "cg_future_wait_sync() with the GIL released, then the result (None with "
    "NO_RESULT); GLib.Error when the wait fails." },
  { "result", result, METH_O,
    "result(future)\n--\n\n"
    "cg_future_propagate_value(): the result of a done future; GLib.Error "
    "when it failed or is not done." },
  { "call_later", call_later, METH_VARARGS,
    "call_later(caller, delay, payload)\n--\n\n"
    "cg_caller_call_later() of a job that the job runner runs with payload." },
  { "to_thread_full", to_thread_full, METH_VARARGS,
    "to_thread_full(payload, label, priority, cancellable)\n--\n\n"
    "cg_caller_to_thread_full() of a job that the job runner runs with payload." },
  { "to_thread_by_name", to_thread_by_name, METH_VARARGS,
    "to_thread_by_name(name, payload)\n--\n\n"
    "cg_caller_to_thread_by_name() of a job that the job runner runs with payload." },
  { "queue_call", queue_call, METH_VARARGS,
    "queue_call(caller, name, instance, payload, size)\n--\n\n"
    "cg_caller_queue_call_named() of a job that the job runner runs with payload." },
  { "queue_call_async", queue_call_async, METH_VARARGS,
    "queue_call_async(caller, name, instance, payload, size, cancellable, callback)\n--\n\n"
    "cg_caller_queue_call_named_async(); callback(source, result)." },
  { "call_sync", call_sync, METH_VARARGS,
    "call_sync(caller, callable, cancellable)\n--\n\n"
    "cg_caller_call_sync() of callable(): what it returned, or what it raised." },
  { "call_direct", call_direct, METH_VARARGS,
    "call_direct(caller, callable)\n--\n\n"
    "cg_caller_call_direct() of callable()." },
  { "continue_with", continue_with, METH_VARARGS,
    "continue_with(kind, future, caller, callable)\n--\n\n"
    "cg_future_and_then() (0), cg_future_catch() (1) or cg_future_finally() (2) "
    "with callable(job, input)." },
  { "add_done_callback", add_done_callback, METH_VARARGS,
    "add_done_callback(future, callable)\n--\n\n"
    "cg_future_add_done_callback_full() of callable(future); returns its id." },
  { "add_completion_hook", add_completion_hook, METH_VARARGS,
    "add_completion_hook(future, callable)\n--\n\n"
    "cg_future_add_completion_hook() of callable(), on the completing thread." },
  { "wait_async", wait_async, METH_VARARGS,
    "wait_async(future, timeout, flags, cancellable, callback)\n--\n\n"
    "cg_future_wait_async(); callback(source, result)." },
  { "acquire_async", acquire_async, METH_VARARGS,
    "acquire_async(lock, cancellable, callback)\n--\n\n"
    "cg_async_lock_acquire_async(); callback(source, result)." },
  { "next_async", next_async, METH_VARARGS,
    "next_async(iteration, cancellable, callback)\n--\n\n"
    "cg_as_completed_next_async(); callback(source, result)." },
  { "caller_wait_async", caller_wait_async, METH_VARARGS,
    "caller_wait_async(futures, timeout, return_when, cancellable, callback)\n--\n\n"
    "cg_caller_wait_async(); callback(None, result)." },
  { "as_completed_from_generator", as_completed_from_generator, METH_VARARGS,
    "as_completed_from_generator(generator, max_concurrent, shield)\n--\n\n"
    "cg_as_completed_new_from_generator() drawing generator() (a Cg future, "
    "or None at the end)." },
  { "future_for_property", future_for_property, METH_VARARGS,
    "future_for_property(instance, name, predicate, cancellable)\n--\n\n"
    "cg_future_new_for_property() with predicate(value), or None." },
  { "context_run", context_run, METH_VARARGS,
    "context_run(context, callable)\n--\n\n"
    "cg_context_run() of callable(): its result, or what it raised." },
  { NULL, NULL, 0, NULL },
};

static struct PyModuleDef module_def = {
  PyModuleDef_HEAD_INIT,
  .m_name = "gi.overrides._Cg",
  .m_doc = "The calls of the Cg override that keep the GIL: submitting, running "
           "and completing jobs.",
  .m_size = -1,
  .m_methods = methods,
};

PyMODINIT_FUNC PyInit__Cg (void);

PyMODINIT_FUNC
PyInit__Cg (void)
{
  PyObject *gobject = pygobject_init (3, 0, 0);

  if (gobject == NULL)
    return NULL;
  Py_DECREF (gobject);
  python_object_type = g_type_from_name ("PyObject");
  if (python_object_type == 0)
    {
      PyErr_SetString (PyExc_ImportError, "PyGObject registered no PyObject GType");
      return NULL;
    }
  return PyModule_Create (&module_def);
}
