/* test-future.c: tests of CgFuture and of the GIO bridge
 *
 * Copyright 2026 The caller-glib authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <caller-glib.h>

#include "test-helpers.h"

#define MAIN_CTX (g_main_context_default ())

/* ------------------------------------------------------------------ */
/* Done-callback recording                                             */
/* ------------------------------------------------------------------ */

typedef struct
{
  GMutex   mutex;
  GString *order;        /* tags of the callbacks, in the order they ran */
  GThread *expected;     /* the thread every callback must run on */
  gint     wrong_thread; /* callbacks that ran elsewhere */
  gint     not_done;     /* callbacks that saw a future not done */
  gint     calls;
} CbLog;

typedef struct
{
  CbLog    *log;
  char      tag;
  CgFuture *expected_future;
  gint      destroyed;
} CbItem;

static void
cb_log_init (CbLog   *log,
             GThread *expected)
{
  g_mutex_init (&log->mutex);
  log->order = g_string_new (NULL);
  log->expected = expected;
  log->wrong_thread = 0;
  log->not_done = 0;
  log->calls = 0;
}

static void
cb_log_clear (CbLog *log)
{
  g_string_free (log->order, TRUE);
  g_mutex_clear (&log->mutex);
}

static char *
cb_log_dup_order (CbLog *log)
{
  char *ret;

  g_mutex_lock (&log->mutex);
  ret = g_strdup (log->order->str);
  g_mutex_unlock (&log->mutex);
  return ret;
}

static void
cb_item_init (CbItem   *item,
              CbLog    *log,
              char      tag,
              CgFuture *future)
{
  item->log = log;
  item->tag = tag;
  item->expected_future = future;
  item->destroyed = 0;
}

static void
record_cb (CgFuture *future,
           gpointer  user_data)
{
  CbItem *item = user_data;
  CbLog *log = item->log;

  g_assert_true (future == item->expected_future);
  g_mutex_lock (&log->mutex);
  g_string_append_c (log->order, item->tag);
  if (g_thread_self () != log->expected)
    log->wrong_thread++;
  if (!cg_future_is_done (future))
    log->not_done++;
  g_mutex_unlock (&log->mutex);
  g_atomic_int_inc (&log->calls);
}

static void
other_cb (CgFuture *future,
          gpointer  user_data)
{
  record_cb (future, user_data);
}

static void
item_destroyed (gpointer user_data)
{
  CbItem *item = user_data;

  g_atomic_int_inc (&item->destroyed);
}

/* ------------------------------------------------------------------ */
/* Running something in another thread                                 */
/* ------------------------------------------------------------------ */

typedef void (*ThreadAction) (gpointer data);

typedef struct
{
  ThreadAction action;
  gpointer     data;
  gint         finished;
} ActionThread;

static gpointer
action_thread_func (gpointer user_data)
{
  ActionThread *at = user_data;

  at->action (at->data);
  g_atomic_int_set (&at->finished, 1);
  return NULL;
}

/* Runs @action (@data) in a new thread while the main thread iterates the
 * default context (so deliveries to the main caller can happen), then joins
 * the thread. */
static void
run_in_thread_iterating (ThreadAction action,
                         gpointer     data)
{
  ActionThread at = { action, data, 0 };
  GThread *thread;

  thread = g_thread_new ("test-action", action_thread_func, &at);
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, g_atomic_int_get (&at.finished));
  g_thread_join (thread);
}

/* Runs @action (@data) in a new thread and joins it without iterating
 * anything in the main thread meanwhile. */
static void
run_in_thread_blocking (ThreadAction action,
                        gpointer     data)
{
  ActionThread at = { action, data, 0 };
  GThread *thread;

  thread = g_thread_new ("test-action", action_thread_func, &at);
  g_thread_join (thread);
  g_assert_true (g_atomic_int_get (&at.finished));
}

/* ------------------------------------------------------------------ */
/* Construction                                                        */
/* ------------------------------------------------------------------ */

static void
test_new_current_thread (void)
{
  g_autoptr(CgFuture) future = cg_future_new ();

  g_assert_true (CG_IS_FUTURE (future));
  g_assert_true (cg_future_get_thread (future) == g_thread_self ());
  g_assert_false (cg_future_is_done (future));
  g_assert_false (cg_future_is_cancelled (future));
  /* The main thread has a caller (see main()): it is the future's caller. */
  g_assert_true (cg_future_get_caller (future) == cg_test_main_caller ());
}

static gpointer
idle_thread_func (gpointer user_data)
{
  CgTestGate *gate = user_data;

  g_assert_true (cg_test_gate_wait (gate, CG_TEST_TIMEOUT_S, NULL));
  return NULL;
}

static void
test_new_for_thread (void)
{
  CgTestGate gate;
  GThread *thread;
  CgFuture *future;

  cg_test_gate_init (&gate);
  thread = g_thread_new ("test-idle", idle_thread_func, &gate);

  future = cg_future_new_for_thread (thread);
  g_assert_true (CG_IS_FUTURE (future));
  g_assert_true (cg_future_get_thread (future) == thread);
  g_assert_false (cg_future_is_done (future));
  /* That thread has no caller. */
  g_assert_null (cg_future_get_caller (future));
  g_object_unref (future);

  future = cg_future_new_for_thread (g_thread_self ());
  g_assert_true (cg_future_get_thread (future) == g_thread_self ());
  g_object_unref (future);

  cg_test_gate_open (&gate);
  g_thread_join (thread);
  cg_test_gate_clear (&gate);
}

/* SPEC: "new future targeting the current thread, or a given thread;
 * property `thread`." */
static void
test_thread_property (void)
{
  g_autoptr(CgFuture) future = cg_future_new ();
  CgTestGate gate;
  GThread *thread;
  CgFuture *other;

  g_assert_nonnull (g_object_class_find_property (G_OBJECT_GET_CLASS (future), "thread"));
  g_assert_true (cg_test_get_pointer_property (future, "thread") == g_thread_self ());

  cg_test_gate_init (&gate);
  thread = g_thread_new ("test-idle", idle_thread_func, &gate);
  other = cg_future_new_for_thread (thread);
  g_assert_true (cg_test_get_pointer_property (other, "thread") == thread);
  g_object_unref (other);
  cg_test_gate_open (&gate);
  g_thread_join (thread);
  cg_test_gate_clear (&gate);
}

/* ------------------------------------------------------------------ */
/* Typed return / propagate pairs                                      */
/* ------------------------------------------------------------------ */

static void
test_return_boolean (void)
{
  GError *error = NULL;
  gboolean i;

  for (i = 0; i <= 1; i++)
    {
      g_autoptr(CgFuture) future = cg_future_new ();

      g_assert_true (cg_future_return_boolean (future, i, &error));
      g_assert_no_error (error);
      g_assert_true (cg_future_is_done (future));
      g_assert_false (cg_future_is_cancelled (future));
      g_assert_cmpint (cg_future_propagate_boolean (future, &error), ==, i);
      g_assert_no_error (error);
      /* Reading does not consume the result. */
      g_assert_cmpint (cg_future_propagate_boolean (future, &error), ==, i);
      g_assert_no_error (error);
      g_assert_true (cg_future_check (future, &error));
      g_assert_no_error (error);
    }
}

static void
test_return_int (void)
{
  const gssize values[] = { 0, 1, -1, 42, G_MAXSSIZE, G_MINSSIZE };
  GError *error = NULL;
  guint i;

  for (i = 0; i < G_N_ELEMENTS (values); i++)
    {
      g_autoptr(CgFuture) future = cg_future_new ();

      g_assert_true (cg_future_return_int (future, values[i], &error));
      g_assert_no_error (error);
      g_assert_true (cg_future_is_done (future));
      g_assert_cmpint (cg_future_propagate_int (future, &error), ==, values[i]);
      g_assert_no_error (error);
      g_assert_cmpint (cg_future_propagate_int (future, &error), ==, values[i]);
      g_assert_no_error (error);
    }
}

static void
test_return_pointer (void)
{
  GError *error = NULL;
  CgFuture *future = cg_future_new ();
  gint destroyed = 0;

  g_assert_true (cg_future_return_pointer (future, &destroyed,
                                           cg_test_count_destroy, &error));
  g_assert_no_error (error);
  g_assert_true (cg_future_is_done (future));

  /* transfer none: the future keeps the pointer, reads give it each time */
  g_assert_true (cg_future_propagate_pointer (future, &error) == &destroyed);
  g_assert_no_error (error);
  g_assert_true (cg_future_propagate_pointer (future, &error) == &destroyed);
  g_assert_no_error (error);
  g_assert_cmpint (g_atomic_int_get (&destroyed), ==, 0);

  /* read as a GValue too */
  {
    GValue value = G_VALUE_INIT;

    g_assert_true (cg_future_propagate_value (future, &value, &error));
    g_assert_no_error (error);
    g_assert_true (G_VALUE_HOLDS_POINTER (&value));
    g_assert_true (g_value_get_pointer (&value) == &destroyed);
    g_value_unset (&value);
  }

  /* a second value is refused, and its destroy notify runs at once */
  {
    gint refused = 0;

    g_assert_false (cg_future_return_pointer (future, &refused, cg_test_count_destroy, &error));
    g_assert_error (error, CG_FUTURE_ERROR, CG_FUTURE_ERROR_INVALID_STATE);
    g_clear_error (&error);
    g_assert_cmpint (g_atomic_int_get (&refused), ==, 1);
    g_assert_true (cg_future_propagate_pointer (future, &error) == &destroyed);
    g_assert_no_error (error);
  }

  /* the destroy notify runs once, at finalize */
  cg_test_unref_and_wait_finalized (MAIN_CTX, future);
  g_assert_cmpint (g_atomic_int_get (&destroyed), ==, 1);

  /* NULL is a valid value, and needs no destroy notify */
  future = cg_future_new ();
  g_assert_true (cg_future_return_pointer (future, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_null (cg_future_propagate_pointer (future, &error));
  g_assert_no_error (error);
  g_assert_true (cg_future_check (future, &error));
  g_assert_no_error (error);
  g_object_unref (future);
}

static void
test_return_object (void)
{
  GError *error = NULL;
  CgFuture *future = cg_future_new ();
  GObject *object = g_object_new (G_TYPE_OBJECT, NULL);
  GObject *got;
  gint finalized = 0;

  g_object_weak_ref (object, cg_test_finalized_cb, &finalized);

  /* transfer none: the future takes its own reference */
  g_assert_true (cg_future_return_object (future, object, &error));
  g_assert_no_error (error);
  g_object_unref (object);
  g_assert_cmpint (finalized, ==, 0);

  /* propagate_object is transfer full */
  got = cg_future_propagate_object (future, &error);
  g_assert_no_error (error);
  g_assert_true (got == object);
  g_object_unref (got);
  g_assert_cmpint (finalized, ==, 0);

  got = cg_future_propagate_object (future, &error);
  g_assert_no_error (error);
  g_assert_true (got == object);
  g_object_unref (got);
  g_assert_cmpint (finalized, ==, 0);

  /* the future drops its reference when it goes */
  cg_test_unref_and_wait_finalized (MAIN_CTX, future);
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, g_atomic_int_get (&finalized));
}

/* More futures alive at once than the library keeps for reuse (a
 * magazine of 128 per thread and a depot of 256 such batches): when they
 * go, those without room are finalized by their last unref and the others
 * kept. Either way each is disposed once and its outcome freed once, and
 * the futures made afterwards, recycled or new, start empty. The valgrind
 * and ASan runs see that none is leaked or freed twice. */
#define MANY_FUTURES (128 * 256 + 5000)

static void
count_call (gpointer data)
{
  g_atomic_int_inc ((gint *) data);
}

static void
count_weak_notify (gpointer  data,
                   GObject  *where_the_object_was)
{
  g_atomic_int_inc ((gint *) data);
}

static void
test_recycle_many (void)
{
  CgFuture **futures = g_new (CgFuture *, MANY_FUTURES);

  for (guint round = 0; round < 2; round++)
    {
      gint destroyed = 0;
      gint disposed = 0;

      for (guint i = 0; i < MANY_FUTURES; i++)
        {
          GError *error = NULL;

          futures[i] = cg_future_new ();
          g_assert_false (cg_future_is_done (futures[i]));
          g_object_weak_ref (G_OBJECT (futures[i]), count_weak_notify, &disposed);
          g_assert_true (cg_future_return_pointer (futures[i], &destroyed, count_call, &error));
          g_assert_no_error (error);
        }
      g_assert_cmpint (g_atomic_int_get (&destroyed), ==, 0);

      for (guint i = 0; i < MANY_FUTURES; i++)
        g_object_unref (futures[i]);
      g_assert_cmpint (g_atomic_int_get (&disposed), ==, MANY_FUTURES);
      g_assert_cmpint (g_atomic_int_get (&destroyed), ==, MANY_FUTURES);
    }

  g_free (futures);
}

static void
test_return_value (void)
{
  GError *error = NULL;
  g_autoptr(CgFuture) future = cg_future_new ();
  g_autoptr(CgFuture) future2 = cg_future_new ();
  GValue in = G_VALUE_INIT;
  GValue out = G_VALUE_INIT;
  GValue out2 = G_VALUE_INIT;

  g_value_init (&in, G_TYPE_STRING);
  g_value_set_string (&in, "hello, future");
  g_assert_true (cg_future_return_value (future, &in, &error));
  g_assert_no_error (error);
  /* the future copied it */
  g_value_set_string (&in, "changed");
  g_value_unset (&in);

  /* propagate_value copies into an uninitialised GValue */
  g_assert_true (cg_future_propagate_value (future, &out, &error));
  g_assert_no_error (error);
  g_assert_true (G_VALUE_HOLDS_STRING (&out));
  g_assert_cmpstr (g_value_get_string (&out), ==, "hello, future");
  g_assert_true (cg_future_propagate_value (future, &out2, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (g_value_get_string (&out2), ==, "hello, future");
  /* two independent copies */
  g_assert_true (g_value_get_string (&out) != g_value_get_string (&out2));
  g_value_unset (&out);
  g_value_unset (&out2);

  /* a numeric GValue */
  g_value_init (&in, G_TYPE_DOUBLE);
  g_value_set_double (&in, 2.5);
  g_assert_true (cg_future_return_value (future2, &in, &error));
  g_assert_no_error (error);
  g_value_unset (&in);
  g_assert_true (cg_future_propagate_value (future2, &out, &error));
  g_assert_no_error (error);
  g_assert_true (G_VALUE_HOLDS_DOUBLE (&out));
  g_assert_cmpfloat (g_value_get_double (&out), ==, 2.5);
  g_value_unset (&out);
}

static void
assert_failed_with (CgFuture   *future,
                    GQuark      domain,
                    gint        code,
                    const char *message)
{
  GError *error = NULL;
  GError *exc;
  GValue value = G_VALUE_INIT;
  GObject *object;

  g_assert_true (cg_future_is_done (future));

  g_assert_false (cg_future_check (future, &error));
  g_assert_error (error, domain, code);
  g_assert_cmpstr (error->message, ==, message);
  g_clear_error (&error);

  cg_future_propagate_int (future, &error);
  g_assert_error (error, domain, code);
  g_assert_cmpstr (error->message, ==, message);
  g_clear_error (&error);

  g_assert_false (cg_future_propagate_boolean (future, &error));
  g_assert_error (error, domain, code);
  g_clear_error (&error);

  g_assert_null (cg_future_propagate_pointer (future, &error));
  g_assert_error (error, domain, code);
  g_clear_error (&error);

  object = cg_future_propagate_object (future, &error);
  g_assert_null (object);
  g_assert_error (error, domain, code);
  g_clear_error (&error);

  g_assert_false (cg_future_propagate_value (future, &value, &error));
  g_assert_error (error, domain, code);
  g_clear_error (&error);
  g_assert_false (G_IS_VALUE (&value));

  /* a failure is the outcome: dup_exception returns a copy, no error */
  exc = cg_future_dup_exception (future, &error);
  g_assert_no_error (error);
  g_assert_nonnull (exc);
  g_assert_error (exc, domain, code);
  g_assert_cmpstr (exc->message, ==, message);
  g_error_free (exc);
}

static void
test_return_error (void)
{
  GError *error = NULL;
  g_autoptr(CgFuture) future = cg_future_new ();
  GError *failure = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                                         "no such thing");

  /* takes ownership of failure */
  g_assert_true (cg_future_return_error (future, failure, &error));
  g_assert_no_error (error);
  g_assert_false (cg_future_is_cancelled (future));
  assert_failed_with (future, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "no such thing");
}

static void
test_return_new_error (void)
{
  GError *error = NULL;
  g_autoptr(CgFuture) future = cg_future_new ();

  g_assert_true (cg_future_return_new_error (future, G_IO_ERROR,
                                             G_IO_ERROR_PERMISSION_DENIED,
                                             &error, "denied %d times by %s",
                                             3, "the test"));
  g_assert_no_error (error);
  assert_failed_with (future, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                      "denied 3 times by the test");
}

static void
test_return_twice (void)
{
  GError *error = NULL;
  g_autoptr(CgFuture) future = cg_future_new ();
  g_autoptr(CgFuture) failed = cg_future_new ();
  GValue value = G_VALUE_INIT;
  GObject *object;

  g_assert_true (cg_future_return_int (future, 1, &error));
  g_assert_no_error (error);

  g_assert_false (cg_future_return_int (future, 2, &error));
  cg_test_assert_error_clear (&error, CG_FUTURE_ERROR, CG_FUTURE_ERROR_INVALID_STATE);
  g_assert_false (cg_future_return_boolean (future, TRUE, &error));
  cg_test_assert_error_clear (&error, CG_FUTURE_ERROR, CG_FUTURE_ERROR_INVALID_STATE);
  g_assert_false (cg_future_return_pointer (future, NULL, NULL, &error));
  cg_test_assert_error_clear (&error, CG_FUTURE_ERROR, CG_FUTURE_ERROR_INVALID_STATE);
  object = g_object_new (G_TYPE_OBJECT, NULL);
  g_assert_false (cg_future_return_object (future, object, &error));
  cg_test_assert_error_clear (&error, CG_FUTURE_ERROR, CG_FUTURE_ERROR_INVALID_STATE);
  g_object_unref (object);
  g_value_init (&value, G_TYPE_INT);
  g_value_set_int (&value, 3);
  g_assert_false (cg_future_return_value (future, &value, &error));
  cg_test_assert_error_clear (&error, CG_FUTURE_ERROR, CG_FUTURE_ERROR_INVALID_STATE);
  g_value_unset (&value);
  /* return_error takes ownership of its GError even when refused */
  g_assert_false (cg_future_return_error (future,
                                          g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, "late"),
                                          &error));
  cg_test_assert_error_clear (&error, CG_FUTURE_ERROR, CG_FUTURE_ERROR_INVALID_STATE);
  g_assert_false (cg_future_return_new_error (future, G_IO_ERROR, G_IO_ERROR_FAILED,
                                              &error, "late %s", "again"));
  cg_test_assert_error_clear (&error, CG_FUTURE_ERROR, CG_FUTURE_ERROR_INVALID_STATE);

  /* the first outcome stands */
  g_assert_cmpint (cg_future_propagate_int (future, &error), ==, 1);
  g_assert_no_error (error);

  /* the same when the first completion was a failure */
  g_assert_true (cg_future_return_new_error (failed, G_IO_ERROR, G_IO_ERROR_BUSY,
                                             &error, "busy"));
  g_assert_no_error (error);
  g_assert_false (cg_future_return_int (failed, 5, &error));
  cg_test_assert_error_clear (&error, CG_FUTURE_ERROR, CG_FUTURE_ERROR_INVALID_STATE);
  assert_failed_with (failed, G_IO_ERROR, G_IO_ERROR_BUSY, "busy");
}

/* ------------------------------------------------------------------ */
/* Reading a future that is not done / dup_exception                   */
/* ------------------------------------------------------------------ */

static void
test_read_not_done (void)
{
  GError *error = NULL;
  g_autoptr(CgFuture) future = cg_future_new ();
  GValue value = G_VALUE_INIT;
  GObject *object;

  g_assert_false (cg_future_is_done (future));

  g_assert_false (cg_future_check (future, &error));
  cg_test_assert_error_clear (&error, CG_FUTURE_ERROR, CG_FUTURE_ERROR_INVALID_STATE);
  cg_future_propagate_int (future, &error);
  cg_test_assert_error_clear (&error, CG_FUTURE_ERROR, CG_FUTURE_ERROR_INVALID_STATE);
  g_assert_false (cg_future_propagate_boolean (future, &error));
  cg_test_assert_error_clear (&error, CG_FUTURE_ERROR, CG_FUTURE_ERROR_INVALID_STATE);
  g_assert_null (cg_future_propagate_pointer (future, &error));
  cg_test_assert_error_clear (&error, CG_FUTURE_ERROR, CG_FUTURE_ERROR_INVALID_STATE);
  object = cg_future_propagate_object (future, &error);
  g_assert_null (object);
  cg_test_assert_error_clear (&error, CG_FUTURE_ERROR, CG_FUTURE_ERROR_INVALID_STATE);
  g_assert_false (cg_future_propagate_value (future, &value, &error));
  cg_test_assert_error_clear (&error, CG_FUTURE_ERROR, CG_FUTURE_ERROR_INVALID_STATE);
  g_assert_null (cg_future_dup_exception (future, &error));
  cg_test_assert_error_clear (&error, CG_FUTURE_ERROR, CG_FUTURE_ERROR_INVALID_STATE);

  /* reading changed nothing */
  g_assert_false (cg_future_is_done (future));
  g_assert_false (cg_future_is_cancelled (future));
  g_assert_true (cg_future_return_int (future, 9, &error));
  g_assert_no_error (error);
  g_assert_cmpint (cg_future_propagate_int (future, &error), ==, 9);
  g_assert_no_error (error);
}

static void
test_dup_exception (void)
{
  GError *error = NULL;
  g_autoptr(CgFuture) ok = cg_future_new ();
  g_autoptr(CgFuture) cancelled = cg_future_new ();

  /* success: NULL and no error */
  g_assert_true (cg_future_return_boolean (ok, TRUE, &error));
  g_assert_null (cg_future_dup_exception (ok, &error));
  g_assert_no_error (error);

  /* cancelled: NULL and the CANCELLED error */
  g_assert_true (cg_future_cancel (cancelled, "gone"));
  g_assert_null (cg_future_dup_exception (cancelled, &error));
  g_assert_error (error, CG_FUTURE_ERROR, CG_FUTURE_ERROR_CANCELLED);
  g_assert_cmpstr (error->message, ==, "gone");
  g_clear_error (&error);
  g_assert_true (cg_future_return_int (cancelled, 1, &error));
  g_assert_no_error (error);
  g_assert_null (cg_future_dup_exception (cancelled, &error));
  cg_test_assert_error_clear (&error, CG_FUTURE_ERROR, CG_FUTURE_ERROR_CANCELLED);
}

/* ------------------------------------------------------------------ */
/* Cancellation                                                        */
/* ------------------------------------------------------------------ */

static void
test_cancel_not_done (void)
{
  GError *error = NULL;
  g_autoptr(CgFuture) future = cg_future_new ();
  CbLog log;
  CbItem item;

  cb_log_init (&log, g_thread_self ());
  cb_item_init (&item, &log, 'a', future);
  cg_future_add_done_callback (future, record_cb, &item, NULL);

  g_assert_true (cg_future_cancel (future, "first reason"));
  /* cancelled at once, but not done */
  g_assert_true (cg_future_is_cancelled (future));
  g_assert_false (cg_future_is_done (future));
  g_assert_cmpint (g_atomic_int_get (&log.calls), ==, 0);

  g_assert_false (cg_future_check (future, &error));
  g_assert_error (error, CG_FUTURE_ERROR, CG_FUTURE_ERROR_CANCELLED);
  g_assert_cmpstr (error->message, ==, "first reason");
  g_clear_error (&error);

  /* a second cancel appends its message */
  g_assert_true (cg_future_cancel (future, "second reason"));
  g_assert_true (cg_future_is_cancelled (future));
  g_assert_false (cg_future_is_done (future));
  cg_future_propagate_int (future, &error);
  g_assert_error (error, CG_FUTURE_ERROR, CG_FUTURE_ERROR_CANCELLED);
  g_assert_cmpstr (error->message, ==, "first reason\nsecond reason");
  g_clear_error (&error);

  /* setting a value now completes it as cancelled */
  g_assert_true (cg_future_return_int (future, 5, &error));
  g_assert_no_error (error);
  g_assert_true (cg_future_is_done (future));
  g_assert_true (cg_future_is_cancelled (future));
  cg_future_propagate_int (future, &error);
  g_assert_error (error, CG_FUTURE_ERROR, CG_FUTURE_ERROR_CANCELLED);
  g_assert_cmpstr (error->message, ==, "first reason\nsecond reason");
  g_clear_error (&error);

  /* the completion ran the callbacks (owner thread: inline) */
  g_assert_cmpint (g_atomic_int_get (&log.calls), ==, 1);
  g_assert_cmpint (log.not_done, ==, 0);

  /* done now: cancel is refused, the outcome does not change */
  g_assert_false (cg_future_return_int (future, 6, &error));
  cg_test_assert_error_clear (&error, CG_FUTURE_ERROR, CG_FUTURE_ERROR_INVALID_STATE);
  cg_future_cancel (future, "third reason");
  g_assert_true (cg_future_is_cancelled (future));
  g_assert_false (cg_future_check (future, &error));
  g_assert_error (error, CG_FUTURE_ERROR, CG_FUTURE_ERROR_CANCELLED);
  g_assert_cmpstr (error->message, ==, "first reason\nsecond reason");
  g_clear_error (&error);

  cb_log_clear (&log);
}

static void
test_cancel_then_error (void)
{
  GError *error = NULL;
  g_autoptr(CgFuture) future = cg_future_new ();

  g_assert_true (cg_future_cancel (future, "stop"));
  /* an error set after cancel also completes it as cancelled */
  g_assert_true (cg_future_return_new_error (future, G_IO_ERROR, G_IO_ERROR_FAILED,
                                             &error, "too late"));
  g_assert_no_error (error);
  g_assert_true (cg_future_is_done (future));
  g_assert_false (cg_future_check (future, &error));
  g_assert_error (error, CG_FUTURE_ERROR, CG_FUTURE_ERROR_CANCELLED);
  g_assert_cmpstr (error->message, ==, "stop");
  g_clear_error (&error);
}

static void
test_cancel_done (void)
{
  GError *error = NULL;
  g_autoptr(CgFuture) future = cg_future_new ();

  g_assert_true (cg_future_return_int (future, 3, &error));
  g_assert_no_error (error);
  g_assert_false (cg_future_cancel (future, "too late"));
  g_assert_false (cg_future_is_cancelled (future));
  g_assert_cmpint (cg_future_propagate_int (future, &error), ==, 3);
  g_assert_no_error (error);
}

static void
test_cancel_cancellable (void)
{
  GError *error = NULL;
  g_autoptr(CgFuture) future = cg_future_new ();
  GCancellable *cancellable;

  /* made on demand, then the same one */
  cancellable = cg_future_get_cancellable (future);
  g_assert_true (G_IS_CANCELLABLE (cancellable));
  g_assert_true (cg_future_get_cancellable (future) == cancellable);
  g_assert_false (g_cancellable_is_cancelled (cancellable));

  g_assert_true (cg_future_cancel (future, "x"));
  /* cancel() cancels it on the owner thread (this one) */
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, g_cancellable_is_cancelled (cancellable));

  g_assert_true (cg_future_return_boolean (future, TRUE, &error));
  g_assert_no_error (error);
}

static void
cancel_action (gpointer data)
{
  g_assert_true (cg_future_cancel (CG_FUTURE (data), "from a thread"));
  g_assert_true (cg_future_is_cancelled (CG_FUTURE (data)));
}

static void
test_cancel_from_other_thread (void)
{
  GError *error = NULL;
  g_autoptr(CgFuture) future = cg_future_new ();
  GCancellable *cancellable = cg_future_get_cancellable (future);

  run_in_thread_blocking (cancel_action, future);
  /* marked cancelled at once */
  g_assert_true (cg_future_is_cancelled (future));
  g_assert_false (cg_future_is_done (future));
  /* the cancellable is cancelled on this, the owner thread */
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, g_cancellable_is_cancelled (cancellable));

  g_assert_true (cg_future_return_int (future, 1, &error));
  g_assert_no_error (error);
  cg_future_propagate_int (future, &error);
  g_assert_error (error, CG_FUTURE_ERROR, CG_FUTURE_ERROR_CANCELLED);
  g_assert_cmpstr (error->message, ==, "from a thread");
  g_clear_error (&error);
}

static void
test_set_cancellable (void)
{
  GError *error = NULL;
  g_autoptr(CgFuture) future = cg_future_new ();
  g_autoptr(CgFuture) future2 = cg_future_new ();
  g_autoptr(CgFuture) future3 = cg_future_new ();
  g_autoptr(GCancellable) mine = g_cancellable_new ();
  g_autoptr(GCancellable) other = g_cancellable_new ();

  /* set once */
  g_assert_true (cg_future_set_cancellable (future, mine, &error));
  g_assert_no_error (error);
  g_assert_true (cg_future_get_cancellable (future) == mine);
  /* set twice: refused */
  g_assert_false (cg_future_set_cancellable (future, other, &error));
  cg_test_assert_error_clear (&error, CG_FUTURE_ERROR, CG_FUTURE_ERROR_INVALID_STATE);
  g_assert_true (cg_future_get_cancellable (future) == mine);
  /* cancel() cancels the one that was set */
  g_assert_true (cg_future_cancel (future, "bye"));
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, g_cancellable_is_cancelled (mine));
  g_assert_false (g_cancellable_is_cancelled (other));
  g_assert_true (cg_future_return_int (future, 0, &error));
  g_assert_no_error (error);

  /* one made on demand counts as set */
  g_assert_nonnull (cg_future_get_cancellable (future2));
  g_assert_false (cg_future_set_cancellable (future2, other, &error));
  cg_test_assert_error_clear (&error, CG_FUTURE_ERROR, CG_FUTURE_ERROR_INVALID_STATE);

  /* already cancelled: refused */
  g_assert_true (cg_future_cancel (future3, "cancelled first"));
  g_assert_false (cg_future_set_cancellable (future3, other, &error));
  cg_test_assert_error_clear (&error, CG_FUTURE_ERROR, CG_FUTURE_ERROR_INVALID_STATE);
  g_assert_false (g_cancellable_is_cancelled (other));
  g_assert_true (cg_future_return_int (future3, 0, &error));
  g_assert_no_error (error);
}

/* ------------------------------------------------------------------ */
/* Done callbacks                                                      */
/* ------------------------------------------------------------------ */

static void
test_callbacks_reverse_order (void)
{
  GError *error = NULL;
  CgFuture *future = cg_future_new ();
  CbLog log;
  CbItem items[4];
  const char tags[] = "abcd";
  g_autofree char *order = NULL;
  guint i;

  cb_log_init (&log, g_thread_self ());
  for (i = 0; i < G_N_ELEMENTS (items); i++)
    {
      cb_item_init (&items[i], &log, tags[i], future);
      cg_future_add_done_callback (future, record_cb, &items[i], item_destroyed);
    }
  g_assert_cmpint (g_atomic_int_get (&log.calls), ==, 0);

  /* completing on the owner thread runs them inline, newest first */
  g_assert_true (cg_future_return_int (future, 1, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_atomic_int_get (&log.calls), ==, 4);
  order = cb_log_dup_order (&log);
  g_assert_cmpstr (order, ==, "dcba");
  g_assert_cmpint (log.wrong_thread, ==, 0);
  g_assert_cmpint (log.not_done, ==, 0);

  /* each destroy notify runs exactly once, by finalize at the latest */
  cg_test_unref_and_wait_finalized (MAIN_CTX, future);
  for (i = 0; i < G_N_ELEMENTS (items); i++)
    g_assert_cmpint (g_atomic_int_get (&items[i].destroyed), ==, 1);
  /* and nothing runs twice */
  cg_test_drain (MAIN_CTX);
  g_assert_cmpint (g_atomic_int_get (&log.calls), ==, 4);

  cb_log_clear (&log);
}

typedef struct
{
  CgFuture *future;
  gssize    value;
} CompleteIntData;

static void
complete_int_action (gpointer data)
{
  CompleteIntData *cd = data;
  GError *error = NULL;

  g_assert_true (cg_future_return_int (cd->future, cd->value, &error));
  g_assert_no_error (error);
}

static void
test_callbacks_other_thread (void)
{
  GError *error = NULL;
  g_autoptr(CgFuture) future = cg_future_new ();
  CompleteIntData cd = { future, 77 };
  CbLog log;
  CbItem items[3];
  const char tags[] = "xyz";
  g_autofree char *order = NULL;
  guint i;

  cb_log_init (&log, g_thread_self ());
  for (i = 0; i < G_N_ELEMENTS (items); i++)
    {
      cb_item_init (&items[i], &log, tags[i], future);
      cg_future_add_done_callback (future, record_cb, &items[i], item_destroyed);
    }

  /* complete from another thread while this one iterates nothing: the
   * callbacks must wait for this thread's caller */
  run_in_thread_blocking (complete_int_action, &cd);
  g_assert_cmpint (g_atomic_int_get (&log.calls), ==, 0);

  CG_TEST_ITERATE_UNTIL (MAIN_CTX, g_atomic_int_get (&log.calls) == 3);
  order = cb_log_dup_order (&log);
  g_assert_cmpstr (order, ==, "zyx");
  g_assert_cmpint (log.wrong_thread, ==, 0);
  g_assert_cmpint (log.not_done, ==, 0);

  g_assert_true (cg_future_is_done (future));
  g_assert_cmpint (cg_future_propagate_int (future, &error), ==, 77);
  g_assert_no_error (error);

  cg_test_drain (MAIN_CTX);
  g_assert_cmpint (g_atomic_int_get (&log.calls), ==, 3);
  cb_log_clear (&log);
}

static void
test_callbacks_already_done (void)
{
  GError *error = NULL;
  g_autoptr(CgFuture) future = cg_future_new ();
  CbLog log;
  CbItem a, b;

  g_assert_true (cg_future_return_boolean (future, TRUE, &error));
  g_assert_no_error (error);

  cb_log_init (&log, g_thread_self ());
  cb_item_init (&a, &log, 'a', future);
  cb_item_init (&b, &log, 'b', future);
  cg_future_add_done_callback (future, record_cb, &a, item_destroyed);
  /* never inline */
  g_assert_cmpint (g_atomic_int_get (&log.calls), ==, 0);
  cg_future_add_done_callback (future, record_cb, &b, item_destroyed);
  g_assert_cmpint (g_atomic_int_get (&log.calls), ==, 0);

  /* scheduled through this thread's caller */
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, g_atomic_int_get (&log.calls) == 2);
  g_assert_cmpint (log.wrong_thread, ==, 0);
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, g_atomic_int_get (&a.destroyed) == 1 &&
                                   g_atomic_int_get (&b.destroyed) == 1);
  cg_test_drain (MAIN_CTX);
  g_assert_cmpint (g_atomic_int_get (&log.calls), ==, 2);
  g_assert_cmpint (g_atomic_int_get (&a.destroyed), ==, 1);
  g_assert_cmpint (g_atomic_int_get (&b.destroyed), ==, 1);
  cb_log_clear (&log);
}

static void
test_callbacks_remove (void)
{
  GError *error = NULL;
  CgFuture *future = cg_future_new ();
  CbLog log;
  CbItem one, two;
  g_autofree char *order = NULL;

  cb_log_init (&log, g_thread_self ());
  cb_item_init (&one, &log, '1', future);
  cb_item_init (&two, &log, '2', future);

  cg_future_add_done_callback (future, record_cb, &one, item_destroyed);  /* removed */
  cg_future_add_done_callback (future, record_cb, &two, item_destroyed);  /* stays: other data */
  cg_future_add_done_callback (future, other_cb, &one, item_destroyed);   /* stays: other func */
  cg_future_add_done_callback (future, record_cb, &one, item_destroyed);  /* removed */

  g_assert_cmpuint (cg_future_remove_done_callback (future, record_cb, &one), ==, 2);
  g_assert_cmpuint (cg_future_remove_done_callback (future, record_cb, &one), ==, 0);
  g_assert_cmpuint (cg_future_remove_done_callback (future, other_cb, &two), ==, 0);

  g_assert_true (cg_future_return_int (future, 0, &error));
  g_assert_no_error (error);
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, g_atomic_int_get (&log.calls) == 2);
  order = cb_log_dup_order (&log);
  /* other_cb(one) was added last, so it runs first */
  g_assert_cmpstr (order, ==, "12");

  /* once done there is nothing left to remove */
  g_assert_cmpuint (cg_future_remove_done_callback (future, record_cb, &two), ==, 0);

  /* every registration's destroy notify ran exactly once: 3 for "one"
   * (two removed, one run), 1 for "two" */
  cg_test_unref_and_wait_finalized (MAIN_CTX, future);
  g_assert_cmpint (g_atomic_int_get (&one.destroyed), ==, 3);
  g_assert_cmpint (g_atomic_int_get (&two.destroyed), ==, 1);
  g_assert_cmpint (g_atomic_int_get (&log.calls), ==, 2);
  cb_log_clear (&log);
}

/* Registrations by id: each is found by its id alone, also among
 * registrations of the same function and data. */
static void
test_callbacks_remove_by_id (void)
{
  GError *error = NULL;
  CgFuture *future = cg_future_new ();
  g_autoptr(CgFuture) other = cg_future_new ();
  CbLog log;
  CbItem one, two;
  guint first, second, third;
  g_autofree char *order = NULL;

  cb_log_init (&log, g_thread_self ());
  cb_item_init (&one, &log, '1', future);
  cb_item_init (&two, &log, '2', future);

  first = cg_future_add_done_callback_full (future, record_cb, &one, item_destroyed);
  second = cg_future_add_done_callback_full (future, record_cb, &one, item_destroyed);
  third = cg_future_add_done_callback_full (future, record_cb, &two, item_destroyed);
  g_assert_cmpuint (first, !=, 0);
  g_assert_cmpuint (second, !=, first);
  g_assert_cmpuint (third, !=, second);
  g_assert_cmpuint (third, !=, first);

  /* removed right away, its destroy notify called here */
  g_assert_true (cg_future_remove_done_callback_by_id (future, second));
  g_assert_cmpint (g_atomic_int_get (&one.destroyed), ==, 1);
  g_assert_false (cg_future_remove_done_callback_by_id (future, second));
  /* an id of another future, or none at all, removes nothing */
  g_assert_false (cg_future_remove_done_callback_by_id (other, first));
  g_assert_false (cg_future_remove_done_callback_by_id (future, G_MAXUINT));
  /* the function-pointer removal does not see them */
  g_assert_cmpuint (cg_future_remove_done_callback (future, record_cb, &one), ==, 0);

  g_assert_true (cg_future_return_int (future, 0, &error));
  g_assert_no_error (error);
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, g_atomic_int_get (&log.calls) == 2);
  order = cb_log_dup_order (&log);
  g_assert_cmpstr (order, ==, "21");  /* reverse order, as the others */
  g_assert_cmpint (log.wrong_thread, ==, 0);

  /* run: nothing left to remove */
  g_assert_false (cg_future_remove_done_callback_by_id (future, first));

  /* on a done future: scheduled, so no longer removable */
  third = cg_future_add_done_callback_full (future, record_cb, &two, item_destroyed);
  g_assert_false (cg_future_remove_done_callback_by_id (future, third));
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, g_atomic_int_get (&log.calls) == 3);

  cg_test_unref_and_wait_finalized (MAIN_CTX, future);
  g_assert_cmpint (g_atomic_int_get (&one.destroyed), ==, 2);
  g_assert_cmpint (g_atomic_int_get (&two.destroyed), ==, 2);
  g_assert_cmpint (g_atomic_int_get (&log.calls), ==, 3);
  cb_log_clear (&log);
}

static void
test_callbacks_cancelled (void)
{
  GError *error = NULL;
  g_autoptr(CgFuture) future = cg_future_new ();
  CbLog log;
  CbItem a;

  cb_log_init (&log, g_thread_self ());
  cb_item_init (&a, &log, 'a', future);
  cg_future_add_done_callback (future, record_cb, &a, NULL);

  /* cancel alone does not complete it: no callback yet */
  g_assert_true (cg_future_cancel (future, "c"));
  cg_test_iterate_for (MAIN_CTX, 20);
  g_assert_cmpint (g_atomic_int_get (&log.calls), ==, 0);

  g_assert_true (cg_future_return_int (future, 1, &error));
  g_assert_no_error (error);
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, g_atomic_int_get (&log.calls) == 1);
  cb_log_clear (&log);
}

typedef struct
{
  CgFuture *future;
} NoCallerData;

static void
complete_without_caller_action (gpointer data)
{
  NoCallerData *nc = data;
  GError *error = NULL;

  /* the owner thread has no caller: the completion cannot be delivered */
  g_assert_false (cg_future_return_int (nc->future, 1, &error));
  g_assert_error (error, CG_CALLER_ERROR, CG_CALLER_ERROR_NOT_FOUND);
  g_clear_error (&error);
}

static void
test_callbacks_no_caller (void)
{
  CgTestGate gate;
  GThread *owner;
  NoCallerData nc;
  CbLog log;
  CbItem a;

  cg_test_gate_init (&gate);
  owner = g_thread_new ("test-no-caller", idle_thread_func, &gate);
  nc.future = cg_future_new_for_thread (owner);

  cb_log_init (&log, owner);
  cb_item_init (&a, &log, 'a', nc.future);
  cg_future_add_done_callback (nc.future, record_cb, &a, NULL);

  /* from this thread, which is not the owner */
  complete_without_caller_action (&nc);
  g_assert_false (cg_future_is_done (nc.future));
  g_assert_cmpint (g_atomic_int_get (&log.calls), ==, 0);

  cg_test_gate_open (&gate);
  g_thread_join (owner);
  g_assert_cmpint (g_atomic_int_get (&log.calls), ==, 0);
  g_object_unref (nc.future);
  cg_test_gate_clear (&gate);
  cb_log_clear (&log);
}

/* ------------------------------------------------------------------ */
/* Results and errors across threads                                   */
/* ------------------------------------------------------------------ */

typedef struct
{
  CgFuture *int_future;
  CgFuture *error_future;
  CgFuture *object_future;
  CgFuture *value_future;
  GObject  *object;
} CrossData;

static void
cross_complete_action (gpointer data)
{
  CrossData *cd = data;
  GError *error = NULL;
  GValue value = G_VALUE_INIT;

  g_assert_true (cg_future_return_int (cd->int_future, -12345, &error));
  g_assert_no_error (error);
  g_assert_true (cg_future_return_new_error (cd->error_future, G_IO_ERROR,
                                             G_IO_ERROR_TIMED_OUT, &error,
                                             "failed in %s", "a thread"));
  g_assert_no_error (error);
  g_assert_true (cg_future_return_object (cd->object_future, cd->object, &error));
  g_assert_no_error (error);
  g_value_init (&value, G_TYPE_STRING);
  g_value_set_string (&value, "across");
  g_assert_true (cg_future_return_value (cd->value_future, &value, &error));
  g_assert_no_error (error);
  g_value_unset (&value);

  /* a second completion is refused from any thread */
  g_assert_false (cg_future_return_int (cd->int_future, 1, &error));
  cg_test_assert_error_clear (&error, CG_FUTURE_ERROR, CG_FUTURE_ERROR_INVALID_STATE);
}

static void
test_thread_results (void)
{
  GError *error = NULL;
  CrossData cd;
  GObject *got;
  GValue value = G_VALUE_INIT;

  cd.int_future = cg_future_new ();
  cd.error_future = cg_future_new ();
  cd.object_future = cg_future_new ();
  cd.value_future = cg_future_new ();
  cd.object = g_object_new (G_TYPE_OBJECT, NULL);

  run_in_thread_iterating (cross_complete_action, &cd);
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, cg_future_is_done (cd.int_future) &&
                                   cg_future_is_done (cd.error_future) &&
                                   cg_future_is_done (cd.object_future) &&
                                   cg_future_is_done (cd.value_future));

  g_assert_cmpint (cg_future_propagate_int (cd.int_future, &error), ==, -12345);
  g_assert_no_error (error);
  assert_failed_with (cd.error_future, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                      "failed in a thread");
  got = cg_future_propagate_object (cd.object_future, &error);
  g_assert_no_error (error);
  g_assert_true (got == cd.object);
  g_object_unref (got);
  g_assert_true (cg_future_propagate_value (cd.value_future, &value, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (g_value_get_string (&value), ==, "across");
  g_value_unset (&value);

  g_object_unref (cd.int_future);
  g_object_unref (cd.error_future);
  g_object_unref (cd.object_future);
  g_object_unref (cd.value_future);
  g_object_unref (cd.object);
}

/* ------------------------------------------------------------------ */
/* wait_async / wait_finish                                            */
/* ------------------------------------------------------------------ */

typedef struct
{
  gint          called;
  GThread      *thread;
  GMainContext *context;  /* thread-default context when the callback ran */
  gboolean      ret;
  GError       *error;
} WaitResult;

static void
wait_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  WaitResult *wr = user_data;

  g_assert_true (CG_IS_FUTURE (source));
  wr->thread = g_thread_self ();
  wr->context = g_main_context_get_thread_default ();
  if (wr->context == NULL)
    wr->context = g_main_context_default ();
  wr->ret = cg_future_wait_finish (CG_FUTURE (source), result, &wr->error);
  g_atomic_int_inc (&wr->called);
}

static void
wait_result_clear (WaitResult *wr)
{
  g_clear_error (&wr->error);
}

static void
test_wait_async_success (void)
{
  g_autoptr(CgFuture) future = cg_future_new ();
  CompleteIntData cd = { future, 31 };
  WaitResult wr = { 0 };
  GError *error = NULL;

  cg_future_wait_async (future, CG_TEST_TIMEOUT_S, CG_WAIT_FLAGS_NONE, NULL,
                        wait_cb, &wr);
  /* never inline */
  g_assert_cmpint (wr.called, ==, 0);
  run_in_thread_iterating (complete_int_action, &cd);
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, g_atomic_int_get (&wr.called));
  g_assert_true (wr.ret);
  g_assert_no_error (wr.error);
  g_assert_true (wr.thread == g_thread_self ());
  g_assert_cmpint (cg_future_propagate_int (future, &error), ==, 31);
  g_assert_no_error (error);
  cg_test_drain (MAIN_CTX);
  g_assert_cmpint (wr.called, ==, 1);
}

static void
test_wait_async_already_done (void)
{
  g_autoptr(CgFuture) future = cg_future_new ();
  WaitResult wr = { 0 };
  GError *error = NULL;

  g_assert_true (cg_future_return_boolean (future, TRUE, &error));
  g_assert_no_error (error);
  cg_future_wait_async (future, CG_TIMEOUT_INFINITE, CG_WAIT_FLAGS_NONE, NULL,
                        wait_cb, &wr);
  g_assert_cmpint (wr.called, ==, 0);
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, g_atomic_int_get (&wr.called));
  g_assert_true (wr.ret);
  g_assert_no_error (wr.error);
}

static void
test_wait_async_error (void)
{
  g_autoptr(CgFuture) future = cg_future_new ();
  WaitResult wr = { 0 };
  GError *error = NULL;

  cg_future_wait_async (future, CG_TEST_TIMEOUT_S, CG_WAIT_FLAGS_NONE, NULL,
                        wait_cb, &wr);
  g_assert_true (cg_future_return_new_error (future, G_IO_ERROR,
                                             G_IO_ERROR_NOT_SUPPORTED, &error,
                                             "nope"));
  g_assert_no_error (error);
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, g_atomic_int_get (&wr.called));
  g_assert_false (wr.ret);
  g_assert_error (wr.error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
  g_assert_cmpstr (wr.error->message, ==, "nope");
  wait_result_clear (&wr);
}

static void
test_wait_async_cancelled (void)
{
  g_autoptr(CgFuture) future = cg_future_new ();
  WaitResult wr = { 0 };
  GError *error = NULL;

  cg_future_wait_async (future, CG_TEST_TIMEOUT_S, CG_WAIT_FLAGS_NONE, NULL,
                        wait_cb, &wr);
  g_assert_true (cg_future_cancel (future, "one"));
  g_assert_true (cg_future_cancel (future, "two"));
  g_assert_true (cg_future_return_int (future, 1, &error));
  g_assert_no_error (error);
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, g_atomic_int_get (&wr.called));
  g_assert_false (wr.ret);
  g_assert_error (wr.error, CG_FUTURE_ERROR, CG_FUTURE_ERROR_CANCELLED);
  g_assert_cmpstr (wr.error->message, ==, "one\ntwo");
  wait_result_clear (&wr);
}

static void
test_wait_async_no_result (void)
{
  g_autoptr(CgFuture) failed = cg_future_new ();
  g_autoptr(CgFuture) cancelled = cg_future_new ();
  WaitResult wr1 = { 0 }, wr2 = { 0 };
  GError *error = NULL;

  cg_future_wait_async (failed, CG_TEST_TIMEOUT_S, CG_WAIT_FLAGS_NO_RESULT, NULL,
                        wait_cb, &wr1);
  cg_future_wait_async (cancelled, CG_TEST_TIMEOUT_S, CG_WAIT_FLAGS_NO_RESULT, NULL,
                        wait_cb, &wr2);
  g_assert_true (cg_future_return_new_error (failed, G_IO_ERROR, G_IO_ERROR_FAILED,
                                             &error, "failure"));
  g_assert_no_error (error);
  g_assert_true (cg_future_cancel (cancelled, "cancel"));
  g_assert_true (cg_future_return_int (cancelled, 1, &error));
  g_assert_no_error (error);
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, g_atomic_int_get (&wr1.called) &&
                                   g_atomic_int_get (&wr2.called));
  g_assert_no_error (wr1.error);
  g_assert_true (wr1.ret);
  g_assert_no_error (wr2.error);
  g_assert_true (wr2.ret);
}

static void
test_wait_async_timeout (void)
{
  g_autoptr(CgFuture) future = cg_future_new ();
  WaitResult wr = { 0 };
  GError *error = NULL;

  cg_future_wait_async (future, 0.05, CG_WAIT_FLAGS_NONE, NULL, wait_cb, &wr);
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, g_atomic_int_get (&wr.called));
  g_assert_false (wr.ret);
  g_assert_error (wr.error, CG_CALLER_ERROR, CG_CALLER_ERROR_TIMED_OUT);
  wait_result_clear (&wr);
  /* not shielded: the timeout cancelled the future */
  g_assert_true (cg_future_is_cancelled (future));
  g_assert_false (cg_future_check (future, &error));
  cg_test_assert_error_clear (&error, CG_FUTURE_ERROR, CG_FUTURE_ERROR_CANCELLED);

  /* it completes as cancelled */
  g_assert_true (cg_future_return_int (future, 4, &error));
  g_assert_no_error (error);
  cg_future_propagate_int (future, &error);
  cg_test_assert_error_clear (&error, CG_FUTURE_ERROR, CG_FUTURE_ERROR_CANCELLED);
}

static void
test_wait_async_timeout_shield (void)
{
  g_autoptr(CgFuture) future = cg_future_new ();
  WaitResult wr = { 0 }, wr2 = { 0 };
  GError *error = NULL;

  cg_future_wait_async (future, 0.05, CG_WAIT_FLAGS_SHIELD, NULL, wait_cb, &wr);
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, g_atomic_int_get (&wr.called));
  g_assert_false (wr.ret);
  g_assert_error (wr.error, CG_CALLER_ERROR, CG_CALLER_ERROR_TIMED_OUT);
  wait_result_clear (&wr);
  cg_test_iterate_for (MAIN_CTX, 20);
  /* shielded: the future goes on */
  g_assert_false (cg_future_is_cancelled (future));
  g_assert_false (cg_future_is_done (future));

  /* and can still be waited for and completed */
  cg_future_wait_async (future, CG_TEST_TIMEOUT_S, CG_WAIT_FLAGS_NONE, NULL,
                        wait_cb, &wr2);
  g_assert_true (cg_future_return_int (future, 8, &error));
  g_assert_no_error (error);
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, g_atomic_int_get (&wr2.called));
  g_assert_true (wr2.ret);
  g_assert_no_error (wr2.error);
  g_assert_cmpint (cg_future_propagate_int (future, &error), ==, 8);
  g_assert_no_error (error);
}

static void
test_wait_async_cancellable (void)
{
  g_autoptr(CgFuture) future = cg_future_new ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  WaitResult wr = { 0 };
  GError *error = NULL;

  cg_future_wait_async (future, CG_TEST_TIMEOUT_S, CG_WAIT_FLAGS_NONE,
                        cancellable, wait_cb, &wr);
  cg_test_iterate_for (MAIN_CTX, 10);
  g_assert_cmpint (wr.called, ==, 0);
  g_cancellable_cancel (cancellable);
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, g_atomic_int_get (&wr.called));
  g_assert_false (wr.ret);
  g_assert_error (wr.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  wait_result_clear (&wr);
  /* not shielded: the future is cancelled too */
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, cg_future_is_cancelled (future));
  g_assert_true (cg_future_return_int (future, 0, &error));
  g_assert_no_error (error);
}

static void
test_wait_async_cancellable_shield (void)
{
  g_autoptr(CgFuture) future = cg_future_new ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  WaitResult wr = { 0 };
  GError *error = NULL;

  cg_future_wait_async (future, CG_TEST_TIMEOUT_S, CG_WAIT_FLAGS_SHIELD,
                        cancellable, wait_cb, &wr);
  g_cancellable_cancel (cancellable);
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, g_atomic_int_get (&wr.called));
  g_assert_false (wr.ret);
  g_assert_error (wr.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  wait_result_clear (&wr);
  cg_test_iterate_for (MAIN_CTX, 20);
  g_assert_false (cg_future_is_cancelled (future));
  g_assert_false (cg_future_is_done (future));
  g_assert_true (cg_future_return_int (future, 2, &error));
  g_assert_no_error (error);
  g_assert_cmpint (cg_future_propagate_int (future, &error), ==, 2);
  g_assert_no_error (error);
}

/* wait_async from a thread whose own context runs: the callback comes
 * there. */
typedef struct
{
  CgFuture  *future;
  WaitResult wr;
  gint       waiting;
  gint       finished;
} OtherContextWait;

static gpointer
other_context_wait_thread (gpointer data)
{
  OtherContextWait *ow = data;
  GMainContext *context = g_main_context_get_thread_default ();

  cg_future_wait_async (ow->future, CG_TEST_TIMEOUT_S, CG_WAIT_FLAGS_NONE, NULL,
                        wait_cb, &ow->wr);
  g_atomic_int_set (&ow->waiting, 1);
  CG_TEST_ITERATE_UNTIL (context, g_atomic_int_get (&ow->wr.called));
  g_assert_true (ow->wr.thread == g_thread_self ());
  g_assert_true (ow->wr.context == context);
  g_atomic_int_set (&ow->finished, 1);
  return NULL;
}

static void
test_wait_async_other_context (void)
{
  OtherContextWait ow = { 0 };
  GThread *thread;
  GError *error = NULL;

  ow.future = cg_future_new ();
  thread = cg_test_thread_new_with_context ("test-waiter",
                                            other_context_wait_thread, &ow);
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, g_atomic_int_get (&ow.waiting));
  g_assert_true (cg_future_return_int (ow.future, 64, &error));
  g_assert_no_error (error);
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, g_atomic_int_get (&ow.finished));
  g_thread_join (thread);
  g_assert_true (ow.wr.ret);
  g_assert_no_error (ow.wr.error);
  g_object_unref (ow.future);
}

/* ------------------------------------------------------------------ */
/* wait_sync                                                           */
/* ------------------------------------------------------------------ */

static void
test_wait_sync_owner_thread (void)
{
  g_autoptr(CgFuture) future = cg_future_new ();
  GError *error = NULL;

  /* it would deadlock: refused at once, never a timeout */
  g_assert_false (cg_future_wait_sync (future, CG_TIMEOUT_INFINITE,
                                       CG_WAIT_FLAGS_NONE, NULL, &error));
  cg_test_assert_error_clear (&error, CG_CALLER_ERROR, CG_CALLER_ERROR_WRONG_THREAD);
  g_assert_false (cg_future_wait_sync (future, 0.01, CG_WAIT_FLAGS_NONE, NULL, &error));
  cg_test_assert_error_clear (&error, CG_CALLER_ERROR, CG_CALLER_ERROR_WRONG_THREAD);
  /* and the refusal does not cancel the future */
  g_assert_false (cg_future_is_cancelled (future));
  g_assert_false (cg_future_is_done (future));
  g_assert_true (cg_future_return_int (future, 1, &error));
  g_assert_no_error (error);
}

typedef struct
{
  CgFuture     *future;
  gdouble       timeout;
  CgWaitFlags   flags;
  GCancellable *cancellable;
  gboolean      ret;
  GError       *error;
} SyncWait;

static void
sync_wait_action (gpointer data)
{
  SyncWait *sw = data;

  sw->ret = cg_future_wait_sync (sw->future, sw->timeout, sw->flags,
                                 sw->cancellable, &sw->error);
}

/* Starts a thread doing @sw's wait_sync, runs @complete in this thread
 * (after @delay_ms of iterating the main context), and waits for it. */
static void
run_sync_wait (SyncWait    *sw,
               guint        delay_ms,
               ThreadAction complete,
               gpointer     complete_data)
{
  ActionThread at = { sync_wait_action, sw, 0 };
  GThread *thread;

  thread = g_thread_new ("test-sync-waiter", action_thread_func, &at);
  if (delay_ms > 0)
    cg_test_iterate_for (MAIN_CTX, delay_ms);
  if (complete != NULL)
    complete (complete_data);
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, g_atomic_int_get (&at.finished));
  g_thread_join (thread);
}

static void
test_wait_sync_other_thread (void)
{
  g_autoptr(CgFuture) future = cg_future_new ();
  CompleteIntData cd = { future, 1234 };
  SyncWait sw = { future, CG_TEST_TIMEOUT_S, CG_WAIT_FLAGS_NONE, NULL, FALSE, NULL };
  SyncWait sw2 = { future, CG_TIMEOUT_INFINITE, CG_WAIT_FLAGS_NONE, NULL, FALSE, NULL };
  GError *error = NULL;

  /* completed while the other thread waits */
  run_sync_wait (&sw, 30, complete_int_action, &cd);
  g_assert_no_error (sw.error);
  g_assert_true (sw.ret);
  g_assert_cmpint (cg_future_propagate_int (future, &error), ==, 1234);
  g_assert_no_error (error);

  /* already done */
  run_sync_wait (&sw2, 0, NULL, NULL);
  g_assert_no_error (sw2.error);
  g_assert_true (sw2.ret);
}

static void
fail_action (gpointer data)
{
  GError *error = NULL;

  g_assert_true (cg_future_return_new_error (CG_FUTURE (data), G_IO_ERROR,
                                             G_IO_ERROR_CLOSED, &error, "closed"));
  g_assert_no_error (error);
}

static void
test_wait_sync_error (void)
{
  g_autoptr(CgFuture) future = cg_future_new ();
  g_autoptr(CgFuture) cancelled = cg_future_new ();
  SyncWait sw = { future, CG_TEST_TIMEOUT_S, CG_WAIT_FLAGS_NONE, NULL, FALSE, NULL };
  SyncWait sw2 = { cancelled, CG_TEST_TIMEOUT_S, CG_WAIT_FLAGS_NONE, NULL, FALSE, NULL };
  CompleteIntData cd = { cancelled, 1 };

  run_sync_wait (&sw, 10, fail_action, future);
  g_assert_false (sw.ret);
  g_assert_error (sw.error, G_IO_ERROR, G_IO_ERROR_CLOSED);
  g_assert_cmpstr (sw.error->message, ==, "closed");
  g_clear_error (&sw.error);

  g_assert_true (cg_future_cancel (cancelled, "why"));
  run_sync_wait (&sw2, 10, complete_int_action, &cd);
  g_assert_false (sw2.ret);
  g_assert_error (sw2.error, CG_FUTURE_ERROR, CG_FUTURE_ERROR_CANCELLED);
  g_assert_cmpstr (sw2.error->message, ==, "why");
  g_clear_error (&sw2.error);
}

static void
test_wait_sync_no_result (void)
{
  g_autoptr(CgFuture) future = cg_future_new ();
  SyncWait sw = { future, CG_TEST_TIMEOUT_S, CG_WAIT_FLAGS_NO_RESULT, NULL, FALSE, NULL };

  run_sync_wait (&sw, 10, fail_action, future);
  g_assert_no_error (sw.error);
  g_assert_true (sw.ret);
}

static void
test_wait_sync_timeout (void)
{
  g_autoptr(CgFuture) future = cg_future_new ();
  SyncWait sw = { future, 0.05, CG_WAIT_FLAGS_NONE, NULL, FALSE, NULL };
  GError *error = NULL;

  run_sync_wait (&sw, 0, NULL, NULL);
  g_assert_false (sw.ret);
  g_assert_error (sw.error, CG_CALLER_ERROR, CG_CALLER_ERROR_TIMED_OUT);
  g_clear_error (&sw.error);
  g_assert_true (cg_future_is_cancelled (future));
  g_assert_true (cg_future_return_int (future, 1, &error));
  g_assert_no_error (error);
  cg_future_propagate_int (future, &error);
  cg_test_assert_error_clear (&error, CG_FUTURE_ERROR, CG_FUTURE_ERROR_CANCELLED);
}

static void
test_wait_sync_timeout_shield (void)
{
  g_autoptr(CgFuture) future = cg_future_new ();
  SyncWait sw = { future, 0.05, CG_WAIT_FLAGS_SHIELD, NULL, FALSE, NULL };
  GError *error = NULL;

  run_sync_wait (&sw, 0, NULL, NULL);
  g_assert_false (sw.ret);
  g_assert_error (sw.error, CG_CALLER_ERROR, CG_CALLER_ERROR_TIMED_OUT);
  g_clear_error (&sw.error);
  cg_test_iterate_for (MAIN_CTX, 20);
  g_assert_false (cg_future_is_cancelled (future));
  g_assert_false (cg_future_is_done (future));
  g_assert_true (cg_future_return_int (future, 5, &error));
  g_assert_no_error (error);
  g_assert_cmpint (cg_future_propagate_int (future, &error), ==, 5);
  g_assert_no_error (error);
}

static void
cancel_cancellable_action (gpointer data)
{
  g_cancellable_cancel (G_CANCELLABLE (data));
}

static void
test_wait_sync_cancellable (void)
{
  g_autoptr(CgFuture) future = cg_future_new ();
  g_autoptr(CgFuture) shielded = cg_future_new ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GCancellable) cancellable2 = g_cancellable_new ();
  SyncWait sw = { future, CG_TEST_TIMEOUT_S, CG_WAIT_FLAGS_NONE, cancellable, FALSE, NULL };
  SyncWait sw2 = { shielded, CG_TEST_TIMEOUT_S, CG_WAIT_FLAGS_SHIELD, cancellable2, FALSE, NULL };
  GError *error = NULL;

  run_sync_wait (&sw, 20, cancel_cancellable_action, cancellable);
  g_assert_false (sw.ret);
  g_assert_error (sw.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&sw.error);
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, cg_future_is_cancelled (future));
  g_assert_true (cg_future_return_int (future, 0, &error));
  g_assert_no_error (error);

  run_sync_wait (&sw2, 20, cancel_cancellable_action, cancellable2);
  g_assert_false (sw2.ret);
  g_assert_error (sw2.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&sw2.error);
  cg_test_iterate_for (MAIN_CTX, 20);
  g_assert_false (cg_future_is_cancelled (shielded));
  g_assert_true (cg_future_return_int (shielded, 0, &error));
  g_assert_no_error (error);
}

/* ------------------------------------------------------------------ */
/* Chaining: return_future                                             */
/* ------------------------------------------------------------------ */

static void
test_chain_result (void)
{
  g_autoptr(CgFuture) outer = cg_future_new ();
  g_autoptr(CgFuture) inner = cg_future_new ();
  GError *error = NULL;
  CbLog log;
  CbItem a;

  cb_log_init (&log, g_thread_self ());
  cb_item_init (&a, &log, 'a', outer);
  cg_future_add_done_callback (outer, record_cb, &a, NULL);

  g_assert_true (cg_future_return_future (outer, inner, &error));
  g_assert_no_error (error);
  cg_test_iterate_for (MAIN_CTX, 10);
  g_assert_false (cg_future_is_done (outer));
  g_assert_cmpint (g_atomic_int_get (&log.calls), ==, 0);

  g_assert_true (cg_future_return_int (inner, 7, &error));
  g_assert_no_error (error);
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, cg_future_is_done (outer) &&
                                   g_atomic_int_get (&log.calls) == 1);
  g_assert_cmpint (cg_future_propagate_int (outer, &error), ==, 7);
  g_assert_no_error (error);
  cb_log_clear (&log);
}

static void
test_chain_error (void)
{
  g_autoptr(CgFuture) outer = cg_future_new ();
  g_autoptr(CgFuture) inner = cg_future_new ();
  g_autoptr(CgFuture) outer2 = cg_future_new ();
  g_autoptr(CgFuture) inner2 = cg_future_new ();
  g_autoptr(CgFuture) outer3 = cg_future_new ();
  g_autoptr(CgFuture) inner3 = cg_future_new ();
  GError *error = NULL;
  GObject *object = g_object_new (G_TYPE_OBJECT, NULL);
  GObject *got;

  /* a failure passes through */
  g_assert_true (cg_future_return_future (outer, inner, &error));
  g_assert_no_error (error);
  g_assert_true (cg_future_return_new_error (inner, G_IO_ERROR, G_IO_ERROR_EXISTS,
                                             &error, "exists"));
  g_assert_no_error (error);
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, cg_future_is_done (outer));
  assert_failed_with (outer, G_IO_ERROR, G_IO_ERROR_EXISTS, "exists");

  /* an inner future already done: outer completes with its outcome too */
  g_assert_true (cg_future_return_object (inner2, object, &error));
  g_assert_no_error (error);
  g_assert_true (cg_future_return_future (outer2, inner2, &error));
  g_assert_no_error (error);
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, cg_future_is_done (outer2));
  got = cg_future_propagate_object (outer2, &error);
  g_assert_no_error (error);
  g_assert_true (got == object);
  g_object_unref (got);
  g_object_unref (object);

  /* a cancelled inner future: outer reports cancelled */
  g_assert_true (cg_future_return_future (outer3, inner3, &error));
  g_assert_no_error (error);
  g_assert_true (cg_future_cancel (inner3, "inner cancelled"));
  g_assert_true (cg_future_return_int (inner3, 0, &error));
  g_assert_no_error (error);
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, cg_future_is_done (outer3));
  g_assert_false (cg_future_check (outer3, &error));
  cg_test_assert_error_clear (&error, CG_FUTURE_ERROR, CG_FUTURE_ERROR_CANCELLED);
}

static void
test_chain_cross_thread (void)
{
  g_autoptr(CgFuture) outer = cg_future_new ();
  g_autoptr(CgFuture) inner = cg_future_new ();
  CompleteIntData cd = { inner, 99 };
  GError *error = NULL;

  g_assert_true (cg_future_return_future (outer, inner, &error));
  g_assert_no_error (error);
  run_in_thread_iterating (complete_int_action, &cd);
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, cg_future_is_done (outer));
  g_assert_cmpint (cg_future_propagate_int (outer, &error), ==, 99);
  g_assert_no_error (error);
}

static void
test_chain_done_refused (void)
{
  g_autoptr(CgFuture) outer = cg_future_new ();
  g_autoptr(CgFuture) inner = cg_future_new ();
  GError *error = NULL;

  g_assert_true (cg_future_return_int (outer, 1, &error));
  g_assert_no_error (error);
  g_assert_false (cg_future_return_future (outer, inner, &error));
  cg_test_assert_error_clear (&error, CG_FUTURE_ERROR, CG_FUTURE_ERROR_INVALID_STATE);
  g_assert_true (cg_future_return_int (inner, 2, &error));
  g_assert_no_error (error);
  cg_test_drain (MAIN_CTX);
  g_assert_cmpint (cg_future_propagate_int (outer, &error), ==, 1);
  g_assert_no_error (error);
}

/* The deepest chain cg_future_return_future() accepts: it refuses a link
 * when it cannot see the end of the chain within this many steps. */
#define LONG_CHAIN 100000

static CgFuture **
make_chain (guint n)
{
  CgFuture **chain = g_new (CgFuture *, n);
  GError *error = NULL;

  for (guint i = 0; i < n; i++)
    chain[i] = cg_future_new ();
  for (guint i = 0; i + 1 < n; i++)
    {
      g_assert_true (cg_future_return_future (chain[i], chain[i + 1], &error));
      g_assert_no_error (error);
    }
  return chain;
}

/* Drops the last future first: each finalization then drops the last
 * reference to the future it followed. */
static void
free_chain_from_tail (CgFuture **chain,
                      guint      n)
{
  for (guint i = n; i > 0; i--)
    g_object_unref (chain[i - 1]);
  g_free (chain);
}

static void
count_cb (CgFuture *future,
          gpointer  user_data)
{
  g_atomic_int_inc ((gint *) user_data);
}

/* Completing the far end of a chain as long as the library accepts
 * completes every future of it, without recursing once per link. */
static void
test_chain_long_complete (void)
{
  CgFuture **chain = make_chain (LONG_CHAIN);
  GError *error = NULL;
  gint head_calls = 0, tail_calls = 0;

  cg_future_add_done_callback (chain[0], count_cb, &head_calls, NULL);
  cg_future_add_done_callback (chain[LONG_CHAIN - 1], count_cb, &tail_calls, NULL);

  g_assert_true (cg_future_return_int (chain[LONG_CHAIN - 1], 42, &error));
  g_assert_no_error (error);

  for (guint i = 0; i < LONG_CHAIN; i++)
    g_assert_true (cg_future_is_done (chain[i]));
  g_assert_cmpint (cg_future_propagate_int (chain[0], &error), ==, 42);
  g_assert_no_error (error);
  g_assert_cmpint (cg_future_propagate_int (chain[LONG_CHAIN / 2], &error), ==, 42);
  g_assert_no_error (error);
  /* On the owner thread, before the completion returned. */
  g_assert_cmpint (head_calls, ==, 1);
  g_assert_cmpint (tail_calls, ==, 1);

  free_chain_from_tail (chain, LONG_CHAIN);
}

/* Cancelling the head of a long chain cancels every future of it; once
 * the tail completes, all of them are done and cancelled. */
static void
test_chain_long_cancel (void)
{
  CgFuture **chain = make_chain (LONG_CHAIN);
  GError *error = NULL;

  g_assert_true (cg_future_cancel (chain[0], "stop"));
  for (guint i = 0; i < LONG_CHAIN; i++)
    {
      g_assert_true (cg_future_is_cancelled (chain[i]));
      g_assert_false (cg_future_is_done (chain[i]));
    }

  g_assert_true (cg_future_return_int (chain[LONG_CHAIN - 1], 1, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < LONG_CHAIN; i++)
    g_assert_true (cg_future_is_done (chain[i]));
  g_assert_false (cg_future_check (chain[0], &error));
  g_assert_error (error, CG_FUTURE_ERROR, CG_FUTURE_ERROR_CANCELLED);
  g_assert_cmpstr (error->message, ==, "stop");
  g_clear_error (&error);

  free_chain_from_tail (chain, LONG_CHAIN);
}

static void
order_hook (CgFuture *future,
            gpointer  user_data)
{
  g_string_append_printf (user_data, "h%d ",
                          GPOINTER_TO_INT (g_object_get_data (G_OBJECT (future), "n")));
}

static void
order_cb (CgFuture *future,
          gpointer  user_data)
{
  g_string_append_printf (user_data, "c%d ",
                          GPOINTER_TO_INT (g_object_get_data (G_OBJECT (future), "n")));
}

/* The hooks and done callbacks along a chain run in the order of nested
 * completions: a future's completion, with its own hooks and callbacks,
 * happens where the hook that completes it runs, among the hooks of the
 * future it follows. */
static void
test_chain_order (void)
{
  CgFuture *chain[3];
  GString *order = g_string_new (NULL);
  GError *error = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (chain); i++)
    {
      chain[i] = cg_future_new ();
      g_object_set_data (G_OBJECT (chain[i]), "n", GINT_TO_POINTER (i));
      cg_future_add_completion_hook (chain[i], order_hook, order, NULL);
      cg_future_add_done_callback (chain[i], order_cb, order, NULL);
    }
  /* Each chain hook sits between two hooks of the future it waits on. */
  g_assert_true (cg_future_return_future (chain[0], chain[1], &error));
  g_assert_true (cg_future_return_future (chain[1], chain[2], &error));
  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (chain); i++)
    cg_future_add_completion_hook (chain[i], order_hook, order, NULL);

  g_assert_true (cg_future_return_int (chain[2], 5, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (order->str, ==, "h2 h1 h0 h0 c0 h1 c1 h2 c2 ");

  for (guint i = 0; i < G_N_ELEMENTS (chain); i++)
    g_object_unref (chain[i]);
  g_string_free (order, TRUE);
}

/* ------------------------------------------------------------------ */
/* GIO bridge                                                          */
/* ------------------------------------------------------------------ */

#define FILE_CONTENTS "caller-glib test contents\nline two\n"

static GFile *
make_temp_file (void)
{
  g_autofree char *dir = g_build_filename (g_get_user_cache_dir (), "cg-test", NULL);
  g_autofree char *path = g_build_filename (dir, "contents.txt", NULL);
  GError *error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (path, FILE_CONTENTS, -1, &error));
  g_assert_no_error (error);
  return g_file_new_for_path (path);
}

static void
test_gio_async_result_iface (void)
{
  g_autoptr(CgFuture) future = cg_future_new ();

  g_assert_true (G_IS_ASYNC_RESULT (future));
  g_assert_true (g_type_is_a (CG_TYPE_FUTURE, G_TYPE_ASYNC_RESULT));
}

typedef struct
{
  gint          begun;
  gint          finished;
  gint          destroyed;
  GCancellable *begin_cancellable;
  gpointer      finish_source;
  CgFuture     *finish_future;
} LoadState;

static void
load_begin (gpointer             source_object,
            GCancellable        *cancellable,
            GAsyncReadyCallback  callback,
            gpointer             callback_data,
            gpointer             user_data)
{
  LoadState *ls = user_data;

  g_assert_true (G_IS_FILE (source_object));
  ls->begun++;
  ls->begin_cancellable = cancellable;
  g_file_load_contents_async (G_FILE (source_object), cancellable, callback,
                              callback_data);
}

static void
load_finish (gpointer      source_object,
             GAsyncResult *result,
             CgFuture     *future,
             gpointer      user_data)
{
  LoadState *ls = user_data;
  GError *error = NULL;
  char *contents = NULL;
  gsize length = 0;

  g_assert_true (G_IS_ASYNC_RESULT (result));
  ls->finished++;
  ls->finish_source = source_object;
  ls->finish_future = future;
  if (g_file_load_contents_finish (G_FILE (source_object), result, &contents,
                                   &length, NULL, &error))
    g_assert_true (cg_future_return_pointer (future, contents, g_free, NULL));
  else
    g_assert_true (cg_future_return_error (future, error, NULL));
}

static void
load_state_destroy (gpointer data)
{
  LoadState *ls = data;

  ls->destroyed++;
}

static void
test_gio_new_from_async (void)
{
  g_autoptr(GFile) file = make_temp_file ();
  LoadState ls = { 0 };
  CgFuture *future;
  GError *error = NULL;

  future = cg_future_new_from_async (file, load_begin, load_finish, &ls,
                                     load_state_destroy);
  g_assert_true (CG_IS_FUTURE (future));
  /* begun at once, with the future's cancellable */
  g_assert_cmpint (ls.begun, ==, 1);
  g_assert_true (ls.begin_cancellable == cg_future_get_cancellable (future));
  g_assert_false (cg_future_is_done (future));

  CG_TEST_ITERATE_UNTIL (MAIN_CTX, cg_future_is_done (future));
  g_assert_cmpint (ls.finished, ==, 1);
  g_assert_true (ls.finish_source == (gpointer) file);
  g_assert_true (ls.finish_future == future);
  g_assert_cmpstr (cg_future_propagate_pointer (future, &error), ==, FILE_CONTENTS);
  g_assert_no_error (error);

  cg_test_unref_and_wait_finalized (MAIN_CTX, future);
  g_assert_cmpint (ls.destroyed, ==, 1);
  g_assert_cmpint (ls.begun, ==, 1);
  g_assert_cmpint (ls.finished, ==, 1);
}

static void
test_gio_new_from_async_error (void)
{
  g_autofree char *path = g_build_filename (g_get_user_cache_dir (), "does-not-exist", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  LoadState ls = { 0 };
  CgFuture *future;
  GError *error = NULL;

  future = cg_future_new_from_async (file, load_begin, load_finish, &ls,
                                     load_state_destroy);
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, cg_future_is_done (future));
  g_assert_false (cg_future_check (future, &error));
  cg_test_assert_error_clear (&error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_false (cg_future_is_cancelled (future));
  cg_test_unref_and_wait_finalized (MAIN_CTX, future);
  g_assert_cmpint (ls.destroyed, ==, 1);
}

static void
test_gio_new_from_async_cancel (void)
{
  g_autoptr(GFile) file = make_temp_file ();
  LoadState ls = { 0 };
  CgFuture *future;
  GError *error = NULL;

  future = cg_future_new_from_async (file, load_begin, load_finish, &ls,
                                     load_state_destroy);
  g_assert_true (cg_future_cancel (future, "not needed"));
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, g_cancellable_is_cancelled (ls.begin_cancellable));
  /* the operation ends (whatever its outcome), the future completes as
   * cancelled */
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, cg_future_is_done (future));
  g_assert_cmpint (ls.finished, ==, 1);
  g_assert_true (cg_future_is_cancelled (future));
  g_assert_null (cg_future_propagate_pointer (future, &error));
  g_assert_error (error, CG_FUTURE_ERROR, CG_FUTURE_ERROR_CANCELLED);
  g_assert_cmpstr (error->message, ==, "not needed");
  g_clear_error (&error);
  cg_test_unref_and_wait_finalized (MAIN_CTX, future);
  g_assert_cmpint (ls.destroyed, ==, 1);
}

static void
test_gio_async_ready_callback (void)
{
  g_autoptr(GFile) file = make_temp_file ();
  g_autoptr(CgFuture) future = cg_future_new ();
  GObject *result;
  GError *error = NULL;
  char *contents = NULL;
  gsize length = 0;

  /* user_data is the future, transfer full */
  g_file_load_contents_async (file, NULL, cg_future_async_ready_callback,
                              g_object_ref (future));
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, cg_future_is_done (future));

  result = cg_future_propagate_object (future, &error);
  g_assert_no_error (error);
  g_assert_true (G_IS_ASYNC_RESULT (result));
  g_assert_true (g_file_load_contents_finish (file, G_ASYNC_RESULT (result),
                                              &contents, &length, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (contents, ==, FILE_CONTENTS);
  g_assert_cmpuint (length, ==, strlen (FILE_CONTENTS));
  g_free (contents);
  g_object_unref (result);
}

static void
test_gio_task_to_future (void)
{
  g_autoptr(CgFuture) future = cg_future_new ();
  GTask *task;
  GObject *result;
  GError *error = NULL;

  /* a GTask completes the future */
  task = g_task_new (NULL, NULL, cg_future_async_ready_callback,
                     g_object_ref (future));
  g_task_return_int (task, 1999);
  g_object_unref (task);
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, cg_future_is_done (future));
  result = cg_future_propagate_object (future, &error);
  g_assert_no_error (error);
  g_assert_true (G_IS_TASK (result));
  g_assert_cmpint (g_task_propagate_int (G_TASK (result), &error), ==, 1999);
  g_assert_no_error (error);
  g_object_unref (result);
}

typedef enum
{
  KIND_BOOLEAN,
  KIND_INT,
  KIND_POINTER,
  KIND_VALUE,
  KIND_OBJECT,
  KIND_ERROR,
  KIND_CANCELLED,
} ResultKind;

typedef struct
{
  ResultKind kind;
  gint       called;
  GObject   *object;
  gpointer   pointer;
} TaskCheck;

static void
task_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  TaskCheck *tc = user_data;
  GTask *task = G_TASK (result);
  GError *error = NULL;
  GValue value = G_VALUE_INIT;
  gpointer ptr;

  g_assert_true (g_task_is_valid (result, source));
  switch (tc->kind)
    {
    case KIND_BOOLEAN:
      g_assert_true (g_task_propagate_boolean (task, &error));
      g_assert_no_error (error);
      break;
    case KIND_INT:
      g_assert_cmpint (g_task_propagate_int (task, &error), ==, -77);
      g_assert_no_error (error);
      break;
    case KIND_POINTER:
      /* borrowed: the future keeps it */
      ptr = g_task_propagate_pointer (task, &error);
      g_assert_no_error (error);
      g_assert_true (ptr == tc->pointer);
      break;
    case KIND_VALUE:
      g_assert_true (g_task_propagate_value (task, &value, &error));
      g_assert_no_error (error);
      g_assert_true (G_VALUE_HOLDS_STRING (&value));
      g_assert_cmpstr (g_value_get_string (&value), ==, "task value");
      g_value_unset (&value);
      break;
    case KIND_OBJECT:
      /* an object comes as a new reference, as GTask does for objects */
      ptr = g_task_propagate_pointer (task, &error);
      g_assert_no_error (error);
      g_assert_true (ptr == tc->object);
      g_object_unref (ptr);
      break;
    case KIND_ERROR:
      g_assert_false (g_task_propagate_boolean (task, &error));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_WOULD_MERGE);
      g_assert_cmpstr (error->message, ==, "merge");
      g_clear_error (&error);
      break;
    case KIND_CANCELLED:
      g_assert_false (g_task_propagate_boolean (task, &error));
      g_assert_error (error, CG_FUTURE_ERROR, CG_FUTURE_ERROR_CANCELLED);
      g_assert_cmpstr (error->message, ==, "task cancelled");
      g_clear_error (&error);
      break;
    }
  g_atomic_int_inc (&tc->called);
}

static void
check_return_to_task (ResultKind kind,
                      gboolean   from_thread)
{
  g_autoptr(CgFuture) future = cg_future_new ();
  TaskCheck tc = { kind, 0, NULL, NULL };
  GError *error = NULL;
  GValue value = G_VALUE_INIT;
  GTask *task;
  static gint pointee = 5;

  task = g_task_new (NULL, NULL, task_done_cb, &tc);
  cg_future_return_to_task (future, task);
  cg_test_drain (MAIN_CTX);
  g_assert_cmpint (tc.called, ==, 0);

  switch (kind)
    {
    case KIND_BOOLEAN:
      g_assert_true (cg_future_return_boolean (future, TRUE, &error));
      break;
    case KIND_INT:
      if (from_thread)
        {
          CompleteIntData cd = { future, -77 };
          run_in_thread_iterating (complete_int_action, &cd);
        }
      else
        g_assert_true (cg_future_return_int (future, -77, &error));
      break;
    case KIND_POINTER:
      tc.pointer = &pointee;
      g_assert_true (cg_future_return_pointer (future, &pointee, NULL, &error));
      break;
    case KIND_VALUE:
      g_value_init (&value, G_TYPE_STRING);
      g_value_set_static_string (&value, "task value");
      g_assert_true (cg_future_return_value (future, &value, &error));
      g_value_unset (&value);
      break;
    case KIND_OBJECT:
      tc.object = g_object_new (G_TYPE_OBJECT, NULL);
      g_assert_true (cg_future_return_object (future, tc.object, &error));
      break;
    case KIND_ERROR:
      g_assert_true (cg_future_return_new_error (future, G_IO_ERROR,
                                                 G_IO_ERROR_WOULD_MERGE,
                                                 &error, "merge"));
      break;
    case KIND_CANCELLED:
      g_assert_true (cg_future_cancel (future, "task cancelled"));
      g_assert_true (cg_future_return_boolean (future, TRUE, &error));
      break;
    }
  g_assert_no_error (error);

  CG_TEST_ITERATE_UNTIL (MAIN_CTX, g_atomic_int_get (&tc.called));
  cg_test_drain (MAIN_CTX);
  g_assert_cmpint (tc.called, ==, 1);
  g_object_unref (task);
  g_clear_object (&tc.object);
}

static void
test_gio_return_to_task (void)
{
  check_return_to_task (KIND_BOOLEAN, FALSE);
  check_return_to_task (KIND_INT, FALSE);
  check_return_to_task (KIND_POINTER, FALSE);
  check_return_to_task (KIND_VALUE, FALSE);
}

/* An object outcome reaches the task the way GIO _finish functions read an
 * object: g_task_propagate_pointer() gives a new reference. */
static void
test_gio_return_to_task_object (void)
{
  check_return_to_task (KIND_OBJECT, FALSE);
}

static void
test_gio_return_to_task_error (void)
{
  check_return_to_task (KIND_ERROR, FALSE);
  check_return_to_task (KIND_CANCELLED, FALSE);
}

static void
test_gio_return_to_task_thread (void)
{
  check_return_to_task (KIND_INT, TRUE);
}

/* ------------------------------------------------------------------ */
/* Bad input: criticals, never a crash                                 */
/* ------------------------------------------------------------------ */

#define EXPECT_CRITICAL() \
  g_test_expect_message (CG_TEST_LIB_DOMAIN, G_LOG_LEVEL_CRITICAL, "*assertion*failed*")

static void
test_bad_input (void)
{
  g_autoptr(CgFuture) future = cg_future_new ();
  GError *error = NULL;

  EXPECT_CRITICAL ();
  g_assert_false (cg_future_return_int (NULL, 1, &error));
  g_test_assert_expected_messages ();
  g_assert_no_error (error);

  EXPECT_CRITICAL ();
  g_assert_false (cg_future_check (NULL, &error));
  g_test_assert_expected_messages ();

  EXPECT_CRITICAL ();
  g_assert_null (cg_future_propagate_pointer (NULL, &error));
  g_test_assert_expected_messages ();

  EXPECT_CRITICAL ();
  cg_future_add_done_callback (future, NULL, NULL, NULL);
  g_test_assert_expected_messages ();

  EXPECT_CRITICAL ();
  g_assert_false (cg_future_return_future (future, NULL, &error));
  g_test_assert_expected_messages ();

  EXPECT_CRITICAL ();
  g_assert_false (cg_future_return_error (future, NULL, &error));
  g_test_assert_expected_messages ();

  EXPECT_CRITICAL ();
  g_assert_null (cg_future_new_from_async (NULL, NULL, load_finish, NULL, NULL));
  g_test_assert_expected_messages ();

  g_assert_no_error (error);
  /* the future is still usable */
  g_assert_false (cg_future_is_done (future));
  g_assert_true (cg_future_return_int (future, 1, &error));
  g_assert_no_error (error);
}

/* ------------------------------------------------------------------ */

/* Strings and doubles in and out, and a type error in between. */
static void
test_typed_string_double (void)
{
  g_autoptr(CgFuture) text = cg_future_new ();
  g_autoptr(CgFuture) number = cg_future_new ();
  g_autoptr(CgFuture) integer = cg_future_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *got = NULL;

  g_assert_true (cg_future_return_string (text, "forty-two", &error));
  g_assert_no_error (error);
  got = cg_future_propagate_string (text, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (got, ==, "forty-two");
  g_assert_cmpfloat (cg_future_propagate_double (text, &error), ==, 0);
  g_assert_error (error, CG_FUTURE_ERROR, CG_FUTURE_ERROR_INVALID_STATE);
  g_clear_error (&error);

  g_assert_true (cg_future_return_double (number, 2.5, &error));
  g_assert_cmpfloat (cg_future_propagate_double (number, &error), ==, 2.5);
  g_assert_no_error (error);
  g_assert_null (cg_future_propagate_string (number, &error));
  g_assert_error (error, CG_FUTURE_ERROR, CG_FUTURE_ERROR_INVALID_STATE);
  g_clear_error (&error);

  /* an integer reads as a double too */
  g_assert_true (cg_future_return_int (integer, 7, NULL));
  g_assert_cmpfloat (cg_future_propagate_double (integer, &error), ==, 7.0);
  g_assert_no_error (error);

  /* done already: a second string is refused */
  g_assert_false (cg_future_return_string (text, "again", &error));
  g_assert_error (error, CG_FUTURE_ERROR, CG_FUTURE_ERROR_INVALID_STATE);
}

/* Waiting and reading in one call: the value on success, the failure
 * otherwise, and NO_RESULT makes no difference. */
static void
test_wait_sync_value (void)
{
  g_autoptr(CgFuture) ok = cg_future_new_for_thread (NULL);
  g_autoptr(CgFuture) failed = cg_future_new_for_thread (NULL);
  g_auto(GValue) value = G_VALUE_INIT;
  g_auto(GValue) unset = G_VALUE_INIT;
  g_autoptr(GError) error = NULL;

  g_assert_true (cg_future_return_string (ok, "read", NULL));
  g_assert_true (cg_future_wait_sync_value (ok, 1, CG_WAIT_FLAGS_NO_RESULT, NULL, &value, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (g_value_get_string (&value), ==, "read");

  g_assert_true (cg_future_return_new_error (failed, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, NULL, "gone"));
  g_assert_false (cg_future_wait_sync_value (failed, 1, CG_WAIT_FLAGS_NONE, NULL, &unset, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_false (G_IS_VALUE (&unset));
}

int
main (int    argc,
      char **argv)
{
  cg_test_init (&argc, &argv);

  /* The main thread's caller: protected, started, bound to the default
   * context that the tests iterate. */
  cg_test_main_caller ();

  cg_test_add ("/future/new/current-thread", test_new_current_thread);
  cg_test_add ("/future/typed/string-double", test_typed_string_double);
  cg_test_add ("/future/wait/sync-value", test_wait_sync_value);
  cg_test_add ("/future/new/for-thread", test_new_for_thread);
  cg_test_add ("/future/new/thread-property", test_thread_property);

  cg_test_add ("/future/return/boolean", test_return_boolean);
  cg_test_add ("/future/return/int", test_return_int);
  cg_test_add ("/future/return/pointer", test_return_pointer);
  cg_test_add ("/future/return/object", test_return_object);
  cg_test_add ("/future/recycle/many", test_recycle_many);
  cg_test_add ("/future/return/value", test_return_value);
  cg_test_add ("/future/return/error", test_return_error);
  cg_test_add ("/future/return/new-error", test_return_new_error);
  cg_test_add ("/future/return/twice", test_return_twice);

  cg_test_add ("/future/read/not-done", test_read_not_done);
  cg_test_add ("/future/read/dup-exception", test_dup_exception);

  cg_test_add ("/future/cancel/not-done", test_cancel_not_done);
  cg_test_add ("/future/cancel/then-error", test_cancel_then_error);
  cg_test_add ("/future/cancel/done", test_cancel_done);
  cg_test_add ("/future/cancel/cancellable", test_cancel_cancellable);
  cg_test_add ("/future/cancel/other-thread", test_cancel_from_other_thread);
  cg_test_add ("/future/cancel/set-cancellable", test_set_cancellable);

  cg_test_add ("/future/callbacks/reverse-order", test_callbacks_reverse_order);
  cg_test_add ("/future/callbacks/other-thread", test_callbacks_other_thread);
  cg_test_add ("/future/callbacks/already-done", test_callbacks_already_done);
  cg_test_add ("/future/callbacks/remove", test_callbacks_remove);
  cg_test_add ("/future/callbacks/remove-by-id", test_callbacks_remove_by_id);
  cg_test_add ("/future/callbacks/cancelled", test_callbacks_cancelled);
  cg_test_add ("/future/callbacks/no-caller", test_callbacks_no_caller);

  cg_test_add ("/future/thread/results", test_thread_results);

  cg_test_add ("/future/wait-async/success", test_wait_async_success);
  cg_test_add ("/future/wait-async/already-done", test_wait_async_already_done);
  cg_test_add ("/future/wait-async/error", test_wait_async_error);
  cg_test_add ("/future/wait-async/cancelled", test_wait_async_cancelled);
  cg_test_add ("/future/wait-async/no-result", test_wait_async_no_result);
  cg_test_add ("/future/wait-async/timeout", test_wait_async_timeout);
  cg_test_add ("/future/wait-async/timeout-shield", test_wait_async_timeout_shield);
  cg_test_add ("/future/wait-async/cancellable", test_wait_async_cancellable);
  cg_test_add ("/future/wait-async/cancellable-shield", test_wait_async_cancellable_shield);
  cg_test_add ("/future/wait-async/other-context", test_wait_async_other_context);

  cg_test_add ("/future/wait-sync/owner-thread", test_wait_sync_owner_thread);
  cg_test_add ("/future/wait-sync/other-thread", test_wait_sync_other_thread);
  cg_test_add ("/future/wait-sync/error", test_wait_sync_error);
  cg_test_add ("/future/wait-sync/no-result", test_wait_sync_no_result);
  cg_test_add ("/future/wait-sync/timeout", test_wait_sync_timeout);
  cg_test_add ("/future/wait-sync/timeout-shield", test_wait_sync_timeout_shield);
  cg_test_add ("/future/wait-sync/cancellable", test_wait_sync_cancellable);

  cg_test_add ("/future/chain/result", test_chain_result);
  cg_test_add ("/future/chain/error", test_chain_error);
  cg_test_add ("/future/chain/cross-thread", test_chain_cross_thread);
  cg_test_add ("/future/chain/done-refused", test_chain_done_refused);
  cg_test_add ("/future/chain/order", test_chain_order);
  cg_test_add ("/future/chain/long-complete", test_chain_long_complete);
  cg_test_add ("/future/chain/long-cancel", test_chain_long_cancel);

  cg_test_add ("/future/gio/async-result-iface", test_gio_async_result_iface);
  cg_test_add ("/future/gio/new-from-async", test_gio_new_from_async);
  cg_test_add ("/future/gio/new-from-async-error", test_gio_new_from_async_error);
  cg_test_add ("/future/gio/new-from-async-cancel", test_gio_new_from_async_cancel);
  cg_test_add ("/future/gio/async-ready-callback", test_gio_async_ready_callback);
  cg_test_add ("/future/gio/task-to-future", test_gio_task_to_future);
  cg_test_add ("/future/gio/return-to-task", test_gio_return_to_task);
  cg_test_add ("/future/gio/return-to-task-error", test_gio_return_to_task_error);
  cg_test_add ("/future/gio/return-to-task-thread", test_gio_return_to_task_thread);
  cg_test_add ("/future/gio/return-to-task-object", test_gio_return_to_task_object);

  cg_test_add ("/future/bad-input", test_bad_input);

  return g_test_run ();
}
