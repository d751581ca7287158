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
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <pygobject.h>
#include <string.h>

#include "caller-glib.h"

static PyObject *job_runner;   /* (future, payload) -> None; under the GIL */
static GType python_object_type;

static void
run_token (CgFuture *future,
           gsize     token,
           gpointer  user_data)
{
  PyObject *payload = (PyObject *) token;
  PyGILState_STATE state;

  if (!Py_IsInitialized ())
    return; /* the interpreter is gone: so is what the payload was */

  state = PyGILState_Ensure ();
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
  PyGILState_Release (state);
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
