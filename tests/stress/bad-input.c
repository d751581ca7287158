/* bad-input.c: every public function, given what it should not get
 *
 * Copyright 2026 The caller-glib authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Each public function of the headers is called with NULL, with an object
 * of the wrong type (a GObject, or a CgFuture where a CgCaller belongs),
 * with negative, huge and NaN delays, sizes and timeouts, with unknown
 * names, after its caller stopped, and from the wrong thread. Each call
 * must end in a GError (programmer-independent conditions) or in a
 * g_return_if_fail() critical (programmer errors), never in a crash, a
 * hang or silent misbehaviour.
 *
 * Run with --table to print the table of docs/reliability.md (every row
 * is an input this program tried, with what it got).
 */

#include <caller-glib.h>
#include <math.h>
#include <stdio.h>

#include "../c/test-helpers.h"

#define MAIN_CTX (g_main_context_default ())
#define DOMAIN   CG_TEST_LIB_DOMAIN

/* ------------------------------------------------------------------ */
/* The table                                                           */
/* ------------------------------------------------------------------ */

static gboolean print_table;
static guint n_tried;

static void
row (const char *function,
     const char *input,
     const char *outcome)
{
  n_tried++;
  if (print_table)
    printf ("| `%s` | %s | %s |\n", function, input, outcome);
}

/* A programmer error: a critical in the library's log domain, and the
 * call returns (with its error value) without doing anything. */
#define CRITICAL(function, input, stmt)                                       \
  G_STMT_START {                                                              \
    g_test_expect_message (DOMAIN, G_LOG_LEVEL_CRITICAL, "*");               \
    stmt;                                                                     \
    g_test_assert_expected_messages ();                                       \
    row (function, input, "critical");                                        \
  } G_STMT_END

/* A runtime condition: FALSE/NULL and a GError of @domain and @code. */
#define GERROR(function, input, error, domain, code, stmt)                    \
  G_STMT_START {                                                              \
    stmt;                                                                     \
    g_assert_error ((error), (domain), (code));                               \
    g_clear_error (&(error));                                                 \
    row (function, input, "`" #domain "`, `" #code "`");                     \
  } G_STMT_END

/* Accepted: the call does what the documentation says for that input. */
#define FINE(function, input, outcome, stmt)                                  \
  G_STMT_START {                                                              \
    stmt;                                                                     \
    row (function, input, outcome);                                           \
  } G_STMT_END

/* ------------------------------------------------------------------ */
/* Helpers                                                             */
/* ------------------------------------------------------------------ */

static void
nop_job (CgFuture *future,
         gpointer  data)
{
}

/* A job function no queue was ever made for. */
static void
never_queued (CgFuture *future,
              gpointer  data)
{
}

static void
nop_direct (gpointer data)
{
}

static void
nop_callback (CgFuture *future,
              gpointer  data)
{
}

static void
count_destroy (gpointer data)
{
  g_atomic_int_inc ((gint *) data);
}

static CgFuture *
nop_generator (gpointer data)
{
  return NULL;
}

static void
nop_begin (gpointer source, GCancellable *c, GAsyncReadyCallback cb, gpointer cb_data,
           gpointer data)
{
}

static void
nop_finish (gpointer source, GAsyncResult *result, CgFuture *future, gpointer data)
{
}

static void
store_result (GObject *source, GAsyncResult *result, gpointer data)
{
  *(GAsyncResult **) data = g_object_ref (result);
}

static CgCaller *
start_new_ok (const char *name)
{
  GError *error = NULL;
  CgCaller *caller = cg_caller_start_new (name, FALSE, NULL, &error);

  g_assert_no_error (error);
  return caller;
}

/* A plain GObject where a CgFuture, a CgCaller or a lock belongs. */
static GObject *
not_ours (void)
{
  static GObject *object;

  if (object == NULL)
    object = g_object_new (G_TYPE_OBJECT, NULL);
  return object;
}

/* An instance that is not a GObject at all. */
static GObject *
not_an_object (void)
{
  static GParamSpec *pspec;

  if (pspec == NULL)
    pspec = g_param_spec_ref_sink (g_param_spec_int ("not-an-object", NULL, NULL, 0, 1, 0, 0));
  return (GObject *) pspec;
}

/* A CgFuture where something else belongs. */
static gpointer
a_future (void)
{
  static CgFuture *future;

  if (future == NULL)
    future = cg_future_new ();
  return future;
}

static gpointer
new_future_here (gpointer data)
{
  return cg_future_new ();
}

/* A GAsyncResult that no function of the library made. */
static GAsyncResult *
foreign_result (void)
{
  static GTask *task;

  if (task == NULL)
    {
      task = g_task_new (NULL, NULL, NULL, NULL);
      g_task_return_boolean (task, TRUE);
    }
  return G_ASYNC_RESULT (task);
}

static gpointer
run_in_thread (GThreadFunc func, gpointer data)
{
  GThread *thread = g_thread_new ("bad-input", func, data);

  return g_thread_join (thread);
}

/* ------------------------------------------------------------------ */
/* CgFuture                                                            */
/* ------------------------------------------------------------------ */

static gpointer
complete_from_other_thread (gpointer data)
{
  GError *error = NULL;
  gboolean ok = cg_future_return_int (data, 1, &error);

  g_assert_false (ok);
  return error;
}

static void
test_future (void)
{
  CgFuture *future = cg_future_new ();
  CgFuture *done = cg_future_new ();
  CgFuture *wrong = (CgFuture *) not_ours ();
  CgCaller *as_future = (CgCaller *) done;
  GError *error = NULL, *preset = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, "x");
  GValue value = G_VALUE_INIT, set = G_VALUE_INIT;
  gint destroyed = 0;
  GAsyncResult *result = NULL;

  g_value_init (&set, G_TYPE_INT);
  g_assert_true (cg_future_return_int (done, 7, NULL));

  CRITICAL ("cg_future_get_thread", "NULL", g_assert_null (cg_future_get_thread (NULL)));
  CRITICAL ("cg_future_get_thread", "a GObject", g_assert_null (cg_future_get_thread (wrong)));
  CRITICAL ("cg_future_get_caller", "NULL", g_assert_null (cg_future_get_caller (NULL)));
  CRITICAL ("cg_future_get_caller", "a CgCaller cast to CgFuture",
            g_assert_null (cg_future_get_caller ((CgFuture *) cg_test_main_caller ())));
  CRITICAL ("cg_future_is_done", "NULL", g_assert_false (cg_future_is_done (NULL)));
  CRITICAL ("cg_future_is_done", "a GObject", g_assert_false (cg_future_is_done (wrong)));
  CRITICAL ("cg_future_is_cancelled", "NULL", g_assert_false (cg_future_is_cancelled (NULL)));

  CRITICAL ("cg_future_return_value", "NULL future",
            g_assert_false (cg_future_return_value (NULL, &set, NULL)));
  CRITICAL ("cg_future_return_value", "NULL value",
            g_assert_false (cg_future_return_value (future, NULL, NULL)));
  CRITICAL ("cg_future_return_value", "an uninitialised GValue",
            g_assert_false (cg_future_return_value (future, &value, NULL)));
  CRITICAL ("cg_future_return_boolean", "a GObject",
            g_assert_false (cg_future_return_boolean (wrong, TRUE, NULL)));
  CRITICAL ("cg_future_return_int", "an error already set",
            g_assert_false (cg_future_return_int (future, 1, &preset)));
  CRITICAL ("cg_future_return_pointer", "NULL future (the destroy notify still runs)",
            g_assert_false (cg_future_return_pointer (NULL, &destroyed, count_destroy, NULL)));
  g_assert_cmpint (destroyed, ==, 1);
  CRITICAL ("cg_future_return_object", "a GParamSpec (not a GObject)",
            g_assert_false (cg_future_return_object (future, not_an_object (), NULL)));
  CRITICAL ("cg_future_return_error", "NULL failure",
            g_assert_false (cg_future_return_error (future, NULL, NULL)));
  CRITICAL ("cg_future_return_error", "NULL future",
            g_assert_false (cg_future_return_error (NULL, g_error_new_literal (G_IO_ERROR, 0, "x"),
                                                    NULL)));
  CRITICAL ("cg_future_return_new_error", "NULL format",
            g_assert_false (cg_future_return_new_error (future, G_IO_ERROR, 0, NULL, NULL)));
  CRITICAL ("cg_future_return_future", "NULL other",
            g_assert_false (cg_future_return_future (future, NULL, NULL)));
  CRITICAL ("cg_future_return_future", "a GObject as other",
            g_assert_false (cg_future_return_future (future, wrong, NULL)));
  GERROR ("cg_future_return_future", "itself", error, CG_FUTURE_ERROR,
          CG_FUTURE_ERROR_INVALID_STATE,
          g_assert_false (cg_future_return_future (future, future, &error)));
  GERROR ("cg_future_return_int", "a future that is done (second completion)", error,
          CG_FUTURE_ERROR, CG_FUTURE_ERROR_INVALID_STATE,
          g_assert_false (cg_future_return_int (done, 2, &error)));
  GERROR ("cg_future_return_future", "a future that is done", error, CG_FUTURE_ERROR,
          CG_FUTURE_ERROR_INVALID_STATE,
          g_assert_false (cg_future_return_future (done, future, &error)));
  {
    /* From a thread that is not the future's, when the future's thread
     * (here: a plain thread) has no caller. */
    CgFuture *orphan = NULL;
    GThread *plain = g_thread_new ("no-caller", new_future_here, NULL);

    orphan = g_thread_join (plain);
    error = complete_from_other_thread (orphan);
    GERROR ("cg_future_return_int", "from another thread, its own thread has no caller",
            error, CG_CALLER_ERROR, CG_CALLER_ERROR_NOT_FOUND, (void) 0);
    g_object_unref (orphan);
  }

  CRITICAL ("cg_future_propagate_value", "NULL value",
            g_assert_false (cg_future_propagate_value (done, NULL, NULL)));
  CRITICAL ("cg_future_propagate_value", "an initialised GValue",
            g_assert_false (cg_future_propagate_value (done, &set, NULL)));
  GERROR ("cg_future_propagate_int", "a future that is not done", error, CG_FUTURE_ERROR,
          CG_FUTURE_ERROR_INVALID_STATE,
          g_assert_cmpint (cg_future_propagate_int (future, &error), ==, -1));
  GERROR ("cg_future_propagate_boolean", "an int result", error, CG_FUTURE_ERROR,
          CG_FUTURE_ERROR_INVALID_STATE,
          g_assert_false (cg_future_propagate_boolean (done, &error)));
  GERROR ("cg_future_propagate_pointer", "an int result", error, CG_FUTURE_ERROR,
          CG_FUTURE_ERROR_INVALID_STATE,
          g_assert_null (cg_future_propagate_pointer (done, &error)));
  GERROR ("cg_future_propagate_object", "an int result", error, CG_FUTURE_ERROR,
          CG_FUTURE_ERROR_INVALID_STATE,
          g_assert_null (cg_future_propagate_object (done, &error)));
  CRITICAL ("cg_future_propagate_boolean", "NULL", g_assert_false (cg_future_propagate_boolean (
                                                    NULL, NULL)));
  CRITICAL ("cg_future_propagate_pointer", "a GObject",
            g_assert_null (cg_future_propagate_pointer (wrong, NULL)));
  CRITICAL ("cg_future_propagate_object", "NULL",
            g_assert_null (cg_future_propagate_object (NULL, NULL)));
  GERROR ("cg_future_check", "a future that is not done", error, CG_FUTURE_ERROR,
          CG_FUTURE_ERROR_INVALID_STATE, g_assert_false (cg_future_check (future, &error)));
  CRITICAL ("cg_future_check", "NULL", g_assert_false (cg_future_check (NULL, NULL)));
  GERROR ("cg_future_dup_exception", "a future that is not done", error, CG_FUTURE_ERROR,
          CG_FUTURE_ERROR_INVALID_STATE,
          g_assert_null (cg_future_dup_exception (future, &error)));
  CRITICAL ("cg_future_dup_exception", "a CgCaller cast to CgFuture",
            g_assert_null (cg_future_dup_exception ((CgFuture *) cg_test_main_caller (), NULL)));

  CRITICAL ("cg_future_cancel", "NULL", g_assert_false (cg_future_cancel (NULL, "x")));
  CRITICAL ("cg_future_cancel", "a GObject", g_assert_false (cg_future_cancel (wrong, "x")));
  FINE ("cg_future_cancel", "a future that is done", "`FALSE`, nothing changes",
        g_assert_false (cg_future_cancel (done, "late")));
  FINE ("cg_future_cancel", "NULL message", "cancelled",
        g_assert_true (cg_future_cancel (future, NULL)));
  CRITICAL ("cg_future_get_cancellable", "NULL", g_assert_null (cg_future_get_cancellable (NULL)));
  CRITICAL ("cg_future_set_cancellable", "NULL cancellable",
            g_assert_false (cg_future_set_cancellable (done, NULL, NULL)));
  CRITICAL ("cg_future_set_cancellable", "a GObject as cancellable",
            g_assert_false (cg_future_set_cancellable (done, (GCancellable *) not_ours (), NULL)));
  {
    g_autoptr(GCancellable) c = g_cancellable_new ();

    GERROR ("cg_future_set_cancellable", "a cancelled future", error, CG_FUTURE_ERROR,
            CG_FUTURE_ERROR_INVALID_STATE,
            g_assert_false (cg_future_set_cancellable (future, c, &error)));
    (void) cg_future_get_cancellable (done);
    GERROR ("cg_future_set_cancellable", "a future that has one", error, CG_FUTURE_ERROR,
            CG_FUTURE_ERROR_INVALID_STATE,
            g_assert_false (cg_future_set_cancellable (done, c, &error)));
  }

  CRITICAL ("cg_future_add_done_callback", "NULL future",
            cg_future_add_done_callback (NULL, nop_callback, NULL, NULL));
  CRITICAL ("cg_future_add_done_callback", "NULL callback",
            cg_future_add_done_callback (done, NULL, NULL, NULL));
  CRITICAL ("cg_future_remove_done_callback", "NULL callback",
            g_assert_cmpuint (cg_future_remove_done_callback (done, NULL, NULL), ==, 0));
  FINE ("cg_future_remove_done_callback", "a callback never added", "0",
        g_assert_cmpuint (cg_future_remove_done_callback (done, nop_callback, &value), ==, 0));
  CRITICAL ("cg_future_add_done_callback_full", "NULL callback",
            g_assert_cmpuint (cg_future_add_done_callback_full (done, NULL, NULL, NULL), ==, 0));
  CRITICAL ("cg_future_remove_done_callback_by_id", "id 0",
            g_assert_false (cg_future_remove_done_callback_by_id (done, 0)));
  FINE ("cg_future_remove_done_callback_by_id", "an id never given", "FALSE",
        g_assert_false (cg_future_remove_done_callback_by_id (done, G_MAXUINT)));
  CRITICAL ("cg_future_add_completion_hook", "NULL callback",
            cg_future_add_completion_hook (done, NULL, NULL, NULL));
  CRITICAL ("cg_future_add_completion_hook", "a GObject",
            cg_future_add_completion_hook (wrong, nop_callback, NULL, NULL));

  CRITICAL ("cg_future_wait_sync", "NULL",
            g_assert_false (cg_future_wait_sync (NULL, 0, 0, NULL, NULL)));
  CRITICAL ("cg_future_wait_sync", "a GObject as cancellable",
            g_assert_false (cg_future_wait_sync (done, 0, 0, (GCancellable *) not_ours (), NULL)));
  {
    CgFuture *mine = cg_future_new ();

    GERROR ("cg_future_wait_sync", "from the future's own thread", error, CG_CALLER_ERROR,
            CG_CALLER_ERROR_WRONG_THREAD,
            g_assert_false (cg_future_wait_sync (mine, CG_TIMEOUT_INFINITE, 0, NULL, &error)));
    g_assert_false (cg_future_is_cancelled (mine));
    g_object_unref (mine);
  }
  FINE ("cg_future_wait_sync", "negative timeout, a future that is done", "`TRUE` at once",
        g_assert_true (cg_future_wait_sync (done, -5.0, 0, NULL, NULL)));
  FINE ("cg_future_wait_sync", "timeout -inf, a future that is done", "`TRUE` at once",
        g_assert_true (cg_future_wait_sync (done, -INFINITY, 0, NULL, NULL)));
  CRITICAL ("cg_future_wait_async", "NULL",
            cg_future_wait_async (NULL, 0, 0, NULL, store_result, &result));
  CRITICAL ("cg_future_wait_finish", "a result of another operation",
            g_assert_false (cg_future_wait_finish (done, foreign_result (), NULL)));
  CRITICAL ("cg_future_wait_finish", "NULL future",
            g_assert_false (cg_future_wait_finish (NULL, foreign_result (), NULL)));
  cg_future_wait_async (done, 0.001, 0, NULL, store_result, &result);
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, result != NULL);
  CRITICAL ("cg_future_wait_finish", "the result with another future",
            g_assert_false (cg_future_wait_finish (future, result, NULL)));
  g_clear_object (&result);

  CRITICAL ("cg_future_set_label", "NULL", cg_future_set_label (NULL, "x"));
  CRITICAL ("cg_future_report_progress", "NULL", cg_future_report_progress (NULL, 0.5));
  FINE ("cg_future_report_progress", "-1 and 2 (out of range)",
        "accepted, clamped to [0, 1] when a job list tracks the future",
        {
          cg_future_report_progress (done, -1);
          cg_future_report_progress (done, 2);
        });
  CRITICAL ("cg_job_get_future", "NULL", g_assert_null (cg_job_get_future (NULL)));
  CRITICAL ("cg_job_get_label", "a CgFuture cast to CgJob",
            g_assert_null (cg_job_get_label ((CgJob *) done)));
  CRITICAL ("cg_job_get_state", "NULL", (void) cg_job_get_state (NULL));
  CRITICAL ("cg_job_get_progress", "NULL", (void) cg_job_get_progress (NULL));

  (void) as_future;
  g_value_unset (&set);
  g_error_free (preset);
  g_object_unref (future);
  g_object_unref (done);
}

/* ------------------------------------------------------------------ */
/* CgCaller                                                            */
/* ------------------------------------------------------------------ */

static gpointer
get_other_thread_caller (gpointer data)
{
  return NULL;
}

static gpointer
current_caller_here (gpointer data)
{
  return cg_caller_get_current ();
}

static gpointer
return_self (gpointer data)
{
  return g_thread_ref (g_thread_self ());
}

static void
test_caller (void)
{
  CgCaller *caller = start_new_ok ("bad-caller");
  CgCaller *stopped = start_new_ok ("bad-stopped");
  CgCaller *wrong = (CgCaller *) a_future ();
  GError *error = NULL, *preset = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, "x");
  gint destroyed = 0;
  GThread *other = g_thread_new ("bad-other", get_other_thread_caller, NULL);

  cg_caller_stop (stopped, FALSE);

  GERROR ("cg_caller_get", "another thread, create", error, CG_CALLER_ERROR,
          CG_CALLER_ERROR_WRONG_THREAD,
          g_assert_null (cg_caller_get (other, TRUE, FALSE, &error)));
  GERROR ("cg_caller_get", "a thread without caller, no create", error, CG_CALLER_ERROR,
          CG_CALLER_ERROR_NOT_FOUND, g_assert_null (cg_caller_get (other, FALSE, FALSE, &error)));
  CRITICAL ("cg_caller_get", "an error already set",
            g_assert_null (cg_caller_get (NULL, TRUE, FALSE, &preset)));
  g_thread_join (other);

  CRITICAL ("cg_caller_start_new", "empty name",
            g_assert_null (cg_caller_start_new ("", FALSE, NULL, NULL)));
  GERROR ("cg_caller_start_new", "a name in use", error, CG_CALLER_ERROR, CG_CALLER_ERROR_EXISTS,
          g_assert_null (cg_caller_start_new ("bad-caller", FALSE, NULL, &error)));
  CRITICAL ("cg_caller_start_new", "an error already set",
            g_assert_null (cg_caller_start_new (NULL, FALSE, NULL, &preset)));
  GERROR ("cg_caller_get_instance", "an unknown name", error, CG_CALLER_ERROR,
          CG_CALLER_ERROR_NOT_FOUND,
          g_assert_null (cg_caller_get_instance ("no-such-caller", FALSE, &error)));
  GERROR ("cg_caller_get_instance", "the name of a stopped caller", error, CG_CALLER_ERROR,
          CG_CALLER_ERROR_NOT_FOUND,
          g_assert_null (cg_caller_get_instance ("bad-stopped", FALSE, &error)));

  CRITICAL ("cg_caller_start", "NULL", g_assert_false (cg_caller_start (NULL, NULL)));
  CRITICAL ("cg_caller_start", "a CgFuture", g_assert_false (cg_caller_start (wrong, NULL)));
  GERROR ("cg_caller_start", "a stopped caller", error, CG_CALLER_ERROR, CG_CALLER_ERROR_CLOSED,
          g_assert_false (cg_caller_start (stopped, &error)));
  CRITICAL ("cg_caller_stop", "NULL", cg_caller_stop (NULL, FALSE));
  CRITICAL ("cg_caller_stop", "a CgFuture", cg_caller_stop (wrong, TRUE));
  FINE ("cg_caller_stop", "a stopped caller", "nothing (returns)", cg_caller_stop (stopped, TRUE));
  FINE ("cg_caller_stop", "a protected caller, not forced", "nothing",
        {
          cg_caller_stop (cg_test_main_caller (), FALSE);
          g_assert_true (cg_caller_get_running (cg_test_main_caller ()));
        });

  CRITICAL ("cg_caller_get_name", "NULL", g_assert_null (cg_caller_get_name (NULL)));
  CRITICAL ("cg_caller_get_context", "a CgFuture", g_assert_null (cg_caller_get_context (wrong)));
  CRITICAL ("cg_caller_get_thread", "NULL", g_assert_null (cg_caller_get_thread (NULL)));
  CRITICAL ("cg_caller_get_log_domain", "NULL", g_assert_null (cg_caller_get_log_domain (NULL)));
  CRITICAL ("cg_caller_get_protected", "NULL", g_assert_false (cg_caller_get_protected (NULL)));
  CRITICAL ("cg_caller_get_running", "a CgFuture", g_assert_false (cg_caller_get_running (wrong)));
  CRITICAL ("cg_caller_get_stopped", "NULL", g_assert_false (cg_caller_get_stopped (NULL)));
  CRITICAL ("cg_caller_get_jobs", "NULL", g_assert_null (cg_caller_get_jobs (NULL)));

  CRITICAL ("cg_caller_call_soon", "NULL caller",
            g_assert_null (cg_caller_call_soon (NULL, nop_job, NULL, NULL, NULL)));
  CRITICAL ("cg_caller_call_soon", "a CgFuture as caller",
            g_assert_null (cg_caller_call_soon (wrong, nop_job, NULL, NULL, NULL)));
  CRITICAL ("cg_caller_call_soon", "NULL func",
            g_assert_null (cg_caller_call_soon (caller, NULL, NULL, NULL, NULL)));
  GERROR ("cg_caller_call_soon", "a stopped caller (destroy runs at once)", error,
          CG_CALLER_ERROR, CG_CALLER_ERROR_CLOSED,
          g_assert_null (cg_caller_call_soon (stopped, nop_job, &destroyed, count_destroy,
                                              &error)));
  g_assert_cmpint (destroyed, ==, 1);
  CRITICAL ("cg_caller_call_later", "delay -1",
            g_assert_null (cg_caller_call_later (caller, -1, nop_job, NULL, NULL, NULL)));
  CRITICAL ("cg_caller_call_later", "delay NaN",
            g_assert_null (cg_caller_call_later (caller, NAN, nop_job, NULL, NULL, NULL)));
  CRITICAL ("cg_caller_call_later", "delay +inf",
            g_assert_null (cg_caller_call_later (caller, INFINITY, nop_job, NULL, NULL, NULL)));
  CRITICAL ("cg_caller_call_later", "delay 1e300 s",
            g_assert_null (cg_caller_call_later (caller, 1e300, nop_job, NULL, NULL, NULL)));
  {
    /* The largest delay it takes: a timer that never comes, then stop. */
    CgCaller *late = start_new_ok ("bad-late");
    CgFuture *f = cg_caller_call_later (late, 1e9, nop_job, &destroyed, count_destroy, &error);

    FINE ("cg_caller_call_later", "delay 1e9 s (31 years)", "accepted; cancelled by stop",
          {
            g_assert_no_error (error);
            cg_caller_stop (late, FALSE);
            g_assert_true (cg_future_is_cancelled (f));
          });
    g_assert_cmpint (destroyed, ==, 2);
    g_object_unref (f);
    g_object_unref (late);
  }
  GERROR ("cg_caller_call_later", "a stopped caller", error, CG_CALLER_ERROR,
          CG_CALLER_ERROR_CLOSED,
          g_assert_null (cg_caller_call_later (stopped, 0, nop_job, NULL, NULL, &error)));
  CRITICAL ("cg_caller_call_direct", "NULL func",
            g_assert_false (cg_caller_call_direct (caller, NULL, NULL, NULL, NULL)));
  CRITICAL ("cg_caller_call_direct", "NULL caller",
            g_assert_false (cg_caller_call_direct (NULL, nop_direct, NULL, NULL, NULL)));
  GERROR ("cg_caller_call_direct", "a stopped caller (destroy runs at once)", error,
          CG_CALLER_ERROR, CG_CALLER_ERROR_CLOSED,
          g_assert_false (cg_caller_call_direct (stopped, nop_direct, &destroyed, count_destroy,
                                                 &error)));
  g_assert_cmpint (destroyed, ==, 3);
  FINE ("cg_caller_current_future", "outside a job", "`NULL`",
        g_assert_null (cg_caller_current_future ()));
  FINE ("cg_caller_get_current", "on a thread without a caller", "`NULL`",
        g_assert_null (run_in_thread (current_caller_here, NULL)));
  {
    GList *all = cg_caller_all_callers (FALSE);

    FINE ("cg_caller_all_callers", "`FALSE`, with stopped callers about", "only the others",
          g_assert_null (g_list_find (all, stopped)));
    g_list_free_full (all, g_object_unref);
  }
  {
    GThread *ended = run_in_thread (return_self, NULL);
    CgFuture *f = cg_future_new_for_thread (ended);

    FINE ("cg_future_new_for_thread", "a thread that has ended",
          "a future; completing it from another thread: `CG_CALLER_ERROR_NOT_FOUND`",
          {
            g_assert_false (cg_future_return_int (f, 1, &error));
            g_assert_error (error, CG_CALLER_ERROR, CG_CALLER_ERROR_NOT_FOUND);
            g_clear_error (&error);
          });
    g_object_unref (f);
    g_thread_unref (ended);
  }

  /* Worker pool */
  CRITICAL ("cg_caller_to_thread", "NULL func",
            g_assert_null (cg_caller_to_thread (NULL, NULL, NULL, NULL)));
  CRITICAL ("cg_caller_to_thread", "an error already set",
            g_assert_null (cg_caller_to_thread (nop_job, NULL, NULL, &preset)));
  CRITICAL ("cg_caller_to_thread_by_name", "empty name",
            g_assert_null (cg_caller_to_thread_by_name ("", nop_job, NULL, NULL, NULL)));
  CRITICAL ("cg_caller_to_thread_by_name", "NULL func",
            g_assert_null (cg_caller_to_thread_by_name ("bad-by-name", NULL, NULL, NULL, NULL)));
  {
    CgFuture *f = cg_caller_to_thread_by_name ("bad-stopped", nop_job, NULL, NULL, &error);

    FINE ("cg_caller_to_thread_by_name", "the name of a stopped caller",
          "starts a new caller by that name",
          {
            g_assert_no_error (error);
            g_assert_nonnull (f);
            g_assert_true (cg_future_wait_sync (f, CG_TEST_TIMEOUT_S, 0, NULL, NULL));
          });
    g_object_unref (f);
  }
  CRITICAL ("cg_caller_set_max_idle_pool_instances", "G_MAXUINT",
            cg_caller_set_max_idle_pool_instances (G_MAXUINT));
  g_assert_cmpuint (cg_caller_get_max_idle_pool_instances (), ==,
                    CG_DEFAULT_MAX_IDLE_POOL_INSTANCES);

  cg_caller_stop_all (FALSE);
  FINE ("cg_caller_stop_all", "nothing left to stop", "returns", cg_caller_stop_all (FALSE));
  g_error_free (preset);
  g_object_unref (stopped);
  g_object_unref (caller);
}

/* ------------------------------------------------------------------ */
/* Execution queues                                                    */
/* ------------------------------------------------------------------ */

typedef struct
{
  CgCaller *caller;
  GError   *error;
  gboolean  ok;
  gint      destroyed;
} QueueTry;

static gpointer
queue_from_other_thread (gpointer data)
{
  QueueTry *t = data;

  t->ok = cg_caller_queue_call (t->caller, nop_job, NULL, &t->destroyed, count_destroy, 0,
                                &t->error);
  return NULL;
}

static void
fill_queue_job (CgFuture *future,
                gpointer  data)
{
  QueueTry *t = data;
  CgCaller *own = cg_caller_get_current ();

  /* A queue with room for 2: it takes a few calls (one goes out to the
   * caller at once), then is full. */
  for (guint i = 0; i < 10; i++)
    {
      t->ok = cg_caller_queue_call (own, nop_job, NULL, &t->destroyed, count_destroy, 2,
                                    &t->error);
      if (!t->ok)
        break;
    }
}

static void
stop_then_queue_job (CgFuture *future,
                     gpointer  data)
{
  QueueTry *t = data;
  CgCaller *own = cg_caller_get_current ();

  cg_caller_stop (own, FALSE);
  t->ok = cg_caller_queue_call (own, nop_job, NULL, &t->destroyed, count_destroy, 0, &t->error);
}

static void
test_exec_queue (void)
{
  CgCaller *main_caller = cg_test_main_caller ();
  CgCaller *caller = start_new_ok ("bad-queue");
  CgCaller *stopped = start_new_ok ("bad-queue-stopped");
  QueueTry t = { caller };
  GAsyncResult *result = NULL;
  GError *error = NULL;
  gint destroyed = 0;

  cg_caller_stop (stopped, FALSE);

  CRITICAL ("cg_caller_set_max_buffer_size", "0", cg_caller_set_max_buffer_size (0));
  CRITICAL ("cg_caller_set_max_buffer_size", "G_MAXUINT",
            cg_caller_set_max_buffer_size (G_MAXUINT));
  g_assert_cmpuint (cg_caller_get_max_buffer_size (), ==, CG_DEFAULT_MAX_BUFFER_SIZE);

  run_in_thread (queue_from_other_thread, &t);
  GERROR ("cg_caller_queue_call", "from another thread (destroy runs at once)", t.error,
          CG_CALLER_ERROR, CG_CALLER_ERROR_WRONG_THREAD, g_assert_false (t.ok));
  g_assert_cmpint (t.destroyed, ==, 1);
  {
    CgFuture *f = cg_caller_call_soon (caller, fill_queue_job, &t, NULL, &error);

    g_assert_true (cg_future_wait_sync (f, CG_TEST_TIMEOUT_S, 0, NULL, NULL));
    g_object_unref (f);
    GERROR ("cg_caller_queue_call", "a full queue (max_buffer_size 2; destroy runs at once)",
            t.error, CG_CALLER_ERROR, CG_CALLER_ERROR_WOULD_BLOCK, g_assert_false (t.ok));
    CG_TEST_POLL_UNTIL (g_atomic_int_get (&t.destroyed) >= 2);
  }
  {
    CgCaller *closing = start_new_ok ("bad-queue-closing");
    QueueTry c = { closing };
    CgFuture *f = cg_caller_call_soon (closing, stop_then_queue_job, &c, NULL, &error);

    g_assert_no_error (error);
    CG_TEST_POLL_UNTIL (cg_future_is_done (f));
    g_object_unref (f);
    cg_caller_stop (closing, FALSE);
    GERROR ("cg_caller_queue_call", "its own caller, stopped (destroy runs at once)", c.error,
            CG_CALLER_ERROR, CG_CALLER_ERROR_CLOSED, g_assert_false (c.ok));
    g_assert_cmpint (c.destroyed, ==, 1);
    g_object_unref (closing);
  }
  CRITICAL ("cg_caller_queue_call", "NULL func",
            g_assert_false (cg_caller_queue_call (main_caller, NULL, NULL, NULL, NULL, 0, NULL)));
  CRITICAL ("cg_caller_queue_call", "a GParamSpec as instance",
            g_assert_false (cg_caller_queue_call (main_caller, nop_job, not_an_object (),
                                                  NULL, NULL, 0, NULL)));
  CRITICAL ("cg_caller_queue_call", "a CgFuture as caller",
            g_assert_false (cg_caller_queue_call ((CgCaller *) a_future (), nop_job, NULL,
                                                  NULL, NULL, 0, NULL)));
  FINE ("cg_caller_queue_call", "max_buffer_size -5", "the default size",
        {
          g_assert_true (cg_caller_queue_call (main_caller, nop_job, NULL, NULL, NULL, -5, NULL));
          cg_test_drain (MAIN_CTX);
        });
  GERROR ("cg_caller_queue_call", "a stopped caller, from another thread", error, CG_CALLER_ERROR,
          CG_CALLER_ERROR_WRONG_THREAD,
          g_assert_false (cg_caller_queue_call (stopped, nop_job, NULL, &destroyed, count_destroy,
                                                0, &error)));
  g_assert_cmpint (destroyed, ==, 1);
  CRITICAL ("cg_caller_queue_call_named", "NULL name",
            g_assert_false (cg_caller_queue_call_named (main_caller, NULL, NULL, nop_job, NULL,
                                                        NULL, 0, NULL)));
  CRITICAL ("cg_caller_queue_call_named", "NULL func",
            g_assert_false (cg_caller_queue_call_named (main_caller, "q", NULL, NULL, NULL, NULL,
                                                        0, NULL)));
  cg_caller_queue_call_async (caller, nop_job, NULL, &destroyed, count_destroy, 0, NULL,
                              store_result, &result);
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, result != NULL);
  GERROR ("cg_caller_queue_call_async", "from another thread (answers with an error)", error,
          CG_CALLER_ERROR, CG_CALLER_ERROR_WRONG_THREAD,
          g_assert_false (cg_caller_queue_call_finish (caller, result, &error)));
  g_assert_cmpint (destroyed, ==, 2);
  CRITICAL ("cg_caller_queue_call_finish", "the result with another caller",
            g_assert_false (cg_caller_queue_call_finish (main_caller, result, NULL)));
  CRITICAL ("cg_caller_queue_call_finish", "a result of another operation",
            g_assert_false (cg_caller_queue_call_finish (caller, foreign_result (), NULL)));
  g_clear_object (&result);
  CRITICAL ("cg_caller_queue_call_async", "NULL func",
            cg_caller_queue_call_async (caller, NULL, NULL, NULL, NULL, 0, NULL, NULL, NULL));
  FINE ("cg_caller_queue_close", "a queue that does not exist", "`FALSE`",
        g_assert_false (cg_caller_queue_close (caller, never_queued, NULL)));
  CRITICAL ("cg_caller_queue_close", "NULL func",
            g_assert_false (cg_caller_queue_close (caller, NULL, NULL)));
  FINE ("cg_caller_queue_close_named", "an unknown name", "`FALSE`",
        g_assert_false (cg_caller_queue_close_named (caller, "no-such-queue", NULL)));
  CRITICAL ("cg_caller_queue_close_named", "NULL name",
            g_assert_false (cg_caller_queue_close_named (caller, NULL, NULL)));
  FINE ("cg_caller_queue_exists", "a queue that does not exist", "`FALSE`",
        g_assert_false (cg_caller_queue_exists (caller, never_queued, NULL)));
  CRITICAL ("cg_caller_queue_exists", "NULL caller",
            g_assert_false (cg_caller_queue_exists (NULL, nop_job, NULL)));
  FINE ("cg_caller_queue_exists_named", "an unknown name", "`FALSE`",
        g_assert_false (cg_caller_queue_exists_named (caller, "no-such-queue", NULL)));
  CRITICAL ("cg_caller_queue_exists_named", "NULL name",
            g_assert_false (cg_caller_queue_exists_named (caller, NULL, NULL)));

  cg_caller_stop (caller, FALSE);
  g_object_unref (stopped);
  g_object_unref (caller);
}

/* ------------------------------------------------------------------ */
/* as_completed and wait                                               */
/* ------------------------------------------------------------------ */

static void
test_as_completed (void)
{
  CgFuture *done = cg_future_new ();
  CgFuture *pending = cg_future_new ();
  CgFuture *with_null[2] = { NULL, NULL };
  CgFuture *with_object[2] = { NULL, NULL };
  CgFuture *futures[2] = { done, pending };
  CgAsCompleted *iter, *gen;
  GAsyncResult *result = NULL, *second = NULL;
  GPtrArray *done_set = NULL, *pending_set = NULL;
  GError *error = NULL;

  cg_test_main_caller ();
  g_assert_true (cg_future_return_int (done, 1, NULL));
  with_null[0] = done;
  with_object[0] = done;
  with_object[1] = (CgFuture *) not_ours ();

  CRITICAL ("cg_as_completed_new", "NULL array, 3 futures",
            g_assert_null (cg_as_completed_new (NULL, 3, FALSE)));
  CRITICAL ("cg_as_completed_new", "an array with a NULL",
            g_assert_null (cg_as_completed_new (with_null, 2, FALSE)));
  CRITICAL ("cg_as_completed_new", "an array with a GObject",
            g_assert_null (cg_as_completed_new (with_object, 2, FALSE)));
  CRITICAL ("cg_as_completed_new_from_generator", "NULL generator",
            g_assert_null (cg_as_completed_new_from_generator (NULL, NULL, NULL, 1, FALSE)));
  gen = cg_as_completed_new_from_generator (nop_generator, NULL, NULL, -7, FALSE);
  FINE ("cg_as_completed_new_from_generator", "max_concurrent -7",
        "the default (max idle pool instances)", g_assert_nonnull (gen));
  g_object_unref (gen);
  gen = cg_as_completed_new_from_generator (nop_generator, NULL, NULL, G_MAXINT, FALSE);
  FINE ("cg_as_completed_new_from_generator", "max_concurrent G_MAXINT", "accepted",
        g_assert_nonnull (gen));
  g_object_unref (gen);

  iter = cg_as_completed_new (futures + 1, 1, TRUE);
  CRITICAL ("cg_as_completed_next_async", "NULL",
            cg_as_completed_next_async (NULL, NULL, store_result, &result));
  CRITICAL ("cg_as_completed_next_async", "a GObject as cancellable",
            cg_as_completed_next_async (iter, (GCancellable *) not_ours (), store_result, &result));
  cg_as_completed_next_async (iter, NULL, store_result, &result);
  cg_as_completed_next_async (iter, NULL, store_result, &second);
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, second != NULL);
  GERROR ("cg_as_completed_next_async", "a second call while one is pending", error, G_IO_ERROR,
          G_IO_ERROR_PENDING, g_assert_null (cg_as_completed_next_finish (iter, second, &error)));
  CRITICAL ("cg_as_completed_next_finish", "a result of another operation",
            g_assert_null (cg_as_completed_next_finish (iter, foreign_result (), NULL)));
  CRITICAL ("cg_as_completed_next_finish", "NULL",
            g_assert_null (cg_as_completed_next_finish (NULL, second, NULL)));
  g_clear_object (&second);
  CRITICAL ("cg_as_completed_cancel", "NULL", cg_as_completed_cancel (NULL));
  cg_as_completed_cancel (iter);
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, result != NULL);
  g_clear_object (&result);
  g_object_unref (iter);

  CRITICAL ("cg_caller_wait_async", "NULL array, 2 futures",
            cg_caller_wait_async (NULL, 2, 0, CG_RETURN_WHEN_ALL_COMPLETED, NULL, store_result,
                                  &result));
  CRITICAL ("cg_caller_wait_async", "return_when 99",
            cg_caller_wait_async (futures, 2, 0, 99, NULL, store_result, &result));
  CRITICAL ("cg_caller_wait_async", "an array with a GObject",
            cg_caller_wait_async (with_object, 2, 0, CG_RETURN_WHEN_ALL_COMPLETED, NULL,
                                  store_result, &result));
  {
    struct { gdouble timeout; const char *input; } cases[] = {
      { NAN, "timeout NaN" },
      { INFINITY, "timeout +inf" },
      { 1e300, "timeout 1e300 s" },
      { -1, "timeout -1" },
    };

    for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
      {
        CgFuture *one = cg_future_new ();

        /* No limit: nothing ends the wait until the future is done. */
        cg_caller_wait_async (&one, 1, cases[i].timeout, CG_RETURN_WHEN_ALL_COMPLETED, NULL,
                              store_result, &result);
        cg_test_iterate_for (MAIN_CTX, 100);
        g_assert_null (result);
        g_assert_true (cg_future_return_int (one, 1, NULL));
        CG_TEST_ITERATE_UNTIL (MAIN_CTX, result != NULL);
        FINE ("cg_caller_wait_async", cases[i].input, "no limit",
              {
                g_assert_true (cg_caller_wait_finish (result, &done_set, &pending_set, &error));
                g_assert_cmpuint (done_set->len, ==, 1);
                g_assert_cmpuint (pending_set->len, ==, 0);
              });
        g_clear_pointer (&done_set, g_ptr_array_unref);
        g_clear_pointer (&pending_set, g_ptr_array_unref);
        g_clear_object (&result);
        g_object_unref (one);
      }
  }
  CRITICAL ("cg_caller_wait_finish", "a result of another operation",
            g_assert_false (cg_caller_wait_finish (foreign_result (), NULL, NULL, NULL)));

  g_object_unref (done);
  g_object_unref (pending);
}

/* ------------------------------------------------------------------ */
/* Locks                                                               */
/* ------------------------------------------------------------------ */

static void
test_locks (void)
{
  CgAsyncLock *lock = cg_async_lock_new ();
  GAsyncResult *result = NULL, *again = NULL;
  GError *error = NULL;

  cg_test_main_caller ();
  CRITICAL ("cg_async_lock_acquire_async", "NULL",
            cg_async_lock_acquire_async (NULL, NULL, store_result, &result));
  CRITICAL ("cg_async_lock_acquire_async", "a CgFuture as lock",
            cg_async_lock_acquire_async ((CgAsyncLock *) a_future (), NULL, store_result,
                                         &result));
  CRITICAL ("cg_async_lock_acquire_async", "a GObject as cancellable",
            cg_async_lock_acquire_async (lock, (GCancellable *) not_ours (), store_result,
                                         &result));
  CRITICAL ("cg_async_lock_acquire_finish", "a result of another operation",
            g_assert_false (cg_async_lock_acquire_finish (lock, foreign_result (), NULL)));
  GERROR ("cg_async_lock_release", "a lock nobody holds", error, CG_FUTURE_ERROR,
          CG_FUTURE_ERROR_INVALID_STATE, g_assert_false (cg_async_lock_release (lock, &error)));
  CRITICAL ("cg_async_lock_release", "NULL", g_assert_false (cg_async_lock_release (NULL, NULL)));
  CRITICAL ("cg_async_lock_is_in_context", "NULL",
            g_assert_false (cg_async_lock_is_in_context (NULL)));
  CRITICAL ("cg_async_lock_get_count", "a GObject",
            g_assert_cmpuint (cg_async_lock_get_count ((CgAsyncLock *) not_ours ()), ==, 0));
  CRITICAL ("cg_async_lock_get_reentrant", "NULL",
            g_assert_false (cg_async_lock_get_reentrant (NULL)));

  /* Acquired twice by the same context: a plain lock refuses. */
  cg_async_lock_acquire_async (lock, NULL, store_result, &result);
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, result != NULL);
  g_assert_true (cg_async_lock_acquire_finish (lock, result, NULL));
  cg_async_lock_acquire_async (lock, NULL, store_result, &again);
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, again != NULL);
  GERROR ("cg_async_lock_acquire_async", "a plain lock, again from its holder", error,
          CG_CALLER_ERROR, CG_CALLER_ERROR_NOT_REENTRANT,
          g_assert_false (cg_async_lock_acquire_finish (lock, again, &error)));
  g_clear_object (&again);
  g_clear_object (&result);
  g_assert_true (cg_async_lock_release (lock, NULL));
  g_object_unref (lock);
}

/* ------------------------------------------------------------------ */
/* Context variables                                                    */
/* ------------------------------------------------------------------ */

typedef struct
{
  CgContext *context;
  GError    *error;
} Nested;

static void
nested_run (gpointer data)
{
  Nested *n = data;

  g_assert_false (cg_context_run (n->context, nop_direct, NULL, &n->error));
}

static void
test_context (void)
{
  CgContextVar *var = cg_context_var_new ("bad", NULL);
  CgContextVar *other = cg_context_var_new ("other", NULL);
  CgContextToken *token;
  CgContext *context = cg_context_new ();
  GValue value = G_VALUE_INIT, set = G_VALUE_INIT;
  GError *error = NULL;

  g_value_init (&set, G_TYPE_INT);
  CRITICAL ("cg_context_var_new", "NULL name", g_assert_null (cg_context_var_new (NULL, NULL)));
  CRITICAL ("cg_context_var_new", "an uninitialised default",
            g_assert_null (cg_context_var_new ("x", &value)));
  CRITICAL ("cg_context_var_get_name", "a GObject",
            g_assert_null (cg_context_var_get_name ((CgContextVar *) not_ours ())));
  CRITICAL ("cg_context_var_get", "NULL value", g_assert_false (cg_context_var_get (var, NULL)));
  CRITICAL ("cg_context_var_get", "an initialised value",
            g_assert_false (cg_context_var_get (var, &set)));
  CRITICAL ("cg_context_var_set", "NULL value", g_assert_null (cg_context_var_set (var, NULL)));
  CRITICAL ("cg_context_var_set", "NULL variable",
            g_assert_null (cg_context_var_set (NULL, &set)));
  CRITICAL ("cg_context_var_get_pointer", "NULL",
            g_assert_null (cg_context_var_get_pointer (NULL)));
  CRITICAL ("cg_context_var_set_pointer", "a CgFuture",
            g_assert_null (cg_context_var_set_pointer ((CgContextVar *) a_future (), NULL)));
  token = cg_context_var_set (var, &set);
  GERROR ("cg_context_var_reset", "a token of another variable", error, CG_CALLER_ERROR,
          CG_CALLER_ERROR_INVALID_ARGUMENT,
          g_assert_false (cg_context_var_reset (other, token, &error)));
  g_assert_true (cg_context_var_reset (var, token, NULL));
  GERROR ("cg_context_var_reset", "a token used already", error, CG_FUTURE_ERROR,
          CG_FUTURE_ERROR_INVALID_STATE, g_assert_false (cg_context_var_reset (var, token, &error)));
  CRITICAL ("cg_context_var_reset", "NULL token",
            g_assert_false (cg_context_var_reset (var, NULL, NULL)));
  cg_context_token_unref (token);
  CRITICAL ("cg_context_token_ref", "NULL", g_assert_null (cg_context_token_ref (NULL)));
  CRITICAL ("cg_context_token_unref", "NULL", cg_context_token_unref (NULL));
  CRITICAL ("cg_context_copy", "NULL", g_assert_null (cg_context_copy (NULL)));
  CRITICAL ("cg_context_ref", "NULL", g_assert_null (cg_context_ref (NULL)));
  CRITICAL ("cg_context_unref", "NULL", cg_context_unref (NULL));
  CRITICAL ("cg_context_lookup", "NULL context",
            g_assert_false (cg_context_lookup (NULL, var, &value)));
  CRITICAL ("cg_context_lookup", "a GObject as variable",
            g_assert_false (cg_context_lookup (context, (CgContextVar *) not_ours (), &value)));
  CRITICAL ("cg_context_run", "NULL func",
            g_assert_false (cg_context_run (context, NULL, NULL, NULL)));
  CRITICAL ("cg_context_run", "NULL context",
            g_assert_false (cg_context_run (NULL, nop_direct, NULL, NULL)));
  {
    Nested n = { context, NULL };

    g_assert_true (cg_context_run (context, nested_run, &n, NULL));
    GERROR ("cg_context_run", "a context that is entered already", n.error, CG_FUTURE_ERROR,
            CG_FUTURE_ERROR_INVALID_STATE, (void) 0);
  }

  g_value_unset (&set);
  cg_context_unref (context);
  g_object_unref (var);
  g_object_unref (other);
}

/* ------------------------------------------------------------------ */
/* The GIO bridge                                                      */
/* ------------------------------------------------------------------ */

static void
test_gio_bridge (void)
{
  CgFuture *future = cg_future_new ();
  GTask *task = g_task_new (NULL, NULL, NULL, NULL);

  /* (cg_future_async_ready_callback() takes over the reference it is
   * given, also when it refuses it.) */
  CRITICAL ("cg_future_new_from_async", "a GParamSpec as source object",
            g_assert_null (cg_future_new_from_async (not_an_object (), nop_begin, nop_finish,
                                                     NULL, NULL)));
  CRITICAL ("cg_future_new_from_async", "NULL begin",
            g_assert_null (cg_future_new_from_async (NULL, NULL, nop_finish, NULL, NULL)));
  CRITICAL ("cg_future_new_from_async", "NULL finish",
            g_assert_null (cg_future_new_from_async (NULL, nop_begin, NULL, NULL, NULL)));
  CRITICAL ("cg_future_async_ready_callback", "a GObject as future",
            cg_future_async_ready_callback (NULL, foreign_result (), g_object_ref (not_ours ())));
  CRITICAL ("cg_future_async_ready_callback", "a GObject as result",
            cg_future_async_ready_callback (NULL, (GAsyncResult *) not_ours (),
                                            g_object_ref (future)));
  CRITICAL ("cg_future_return_to_task", "NULL task", cg_future_return_to_task (future, NULL));
  CRITICAL ("cg_future_return_to_task", "NULL future", cg_future_return_to_task (NULL, task));

  g_object_unref (task);
  g_object_unref (future);
}

/* ------------------------------------------------------------------ */
/* Inputs checked apart, each in a subprocess of its own               */
/* ------------------------------------------------------------------ */

/* The inputs that once crashed or misbehaved run in a subprocess of their
 * own, so that one that does again fails its test alone and still gets its
 * row in the table: @right is what the input gets, @wrong what it got when
 * it went wrong. */
static void
check_in_subprocess (const char *function,
                     const char *input,
                     const char *right,
                     const char *wrong)
{
  g_test_trap_subprocess (NULL, 20 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_INHERIT_STDERR);
  if (g_test_trap_has_passed ())
    {
      row (function, input, right);
      return;
    }
  {
    g_autofree char *outcome = g_strdup_printf ("**FAILS**: %s", wrong);

    row (function, input, outcome);
  }
  g_test_fail_printf ("%s, %s: failed in its subprocess (see its messages above); it should "
                      "give: %s (what went wrong before: %s)", function, input, right, wrong);
}

static void
test_cycle_of_chained_futures (void)
{
  if (g_test_subprocess ())
    {
      CgFuture *a = cg_future_new (), *b = cg_future_new ();
      GError *error = NULL;

      g_assert_true (cg_future_return_future (a, b, NULL));
      /* Either refused... */
      if (!cg_future_return_future (b, a, &error))
        {
          g_assert_error (error, CG_FUTURE_ERROR, CG_FUTURE_ERROR_INVALID_STATE);
          g_clear_error (&error);
        }
      else
        {
          /* ...or accepted, and then cancelling one must not recurse. */
          cg_future_cancel (a, "x");
          g_assert_true (cg_future_is_cancelled (b));
        }
      /* A chain that never completes holds itself: complete it (as
       * cancelled if it is), then let go. */
      g_assert_true (cg_future_return_int (b, 1, NULL));
      g_assert_true (cg_future_is_done (a));
      g_object_unref (a);
      g_object_unref (b);
      return;
    }
  check_in_subprocess ("cg_future_return_future", "a cycle (a waits for b, b for a), then cancel",
                       "refused (`CG_FUTURE_ERROR_INVALID_STATE`), or a cancel that ends",
                       "stack overflow (SIGSEGV) in cg_future_cancel()");
}

static void
wait_async_done (GObject *source, GAsyncResult *result, gpointer data)
{
  GError **error = data;

  if (!cg_future_wait_finish (CG_FUTURE (source), result, error))
    g_assert_nonnull (*error);
  else
    *error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_EXISTS, "done");
}

static void
check_wait_async_no_limit (gdouble timeout)
{
  CgFuture *future = cg_future_new ();
  GError *error = NULL;

  cg_test_main_caller ();
  /* A limit this large (or none) must not end the wait within 200 ms. */
  cg_future_wait_async (future, timeout, CG_WAIT_FLAGS_SHIELD, NULL, wait_async_done, &error);
  cg_test_iterate_for (MAIN_CTX, 200);
  g_assert_no_error (error);
  g_assert_true (cg_future_return_int (future, 1, NULL));
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, error != NULL);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS);
  g_clear_error (&error);
  g_object_unref (future);
}

static void
test_wait_async_huge_timeout (void)
{
  if (g_test_subprocess ())
    {
      check_wait_async_no_limit (1e300);
      return;
    }
  check_in_subprocess ("cg_future_wait_async", "timeout 1e300 s",
                       "no limit", "times out at once (UBSan: float-cast-overflow)");
}

static void
test_wait_async_inf_timeout (void)
{
  if (g_test_subprocess ())
    {
      check_wait_async_no_limit (INFINITY);
      return;
    }
  check_in_subprocess ("cg_future_wait_async", "timeout +inf",
                       "no limit", "times out at once (UBSan: float-cast-overflow)");
}

static void
test_wait_async_nan_timeout (void)
{
  if (g_test_subprocess ())
    {
      check_wait_async_no_limit (NAN);
      return;
    }
  check_in_subprocess ("cg_future_wait_async", "timeout NaN",
                       "no limit", "times out at once");
}

static gpointer
complete_later (gpointer data)
{
  g_usleep (100000);
  g_assert_true (cg_future_return_int (data, 1, NULL));
  return NULL;
}

static void
check_wait_sync_no_limit (gdouble timeout)
{
  CgCaller *owner = start_new_ok ("bad-wait-owner");
  CgFuture *future = cg_future_new_for_thread (cg_caller_get_thread (owner));
  GThread *thread = g_thread_new ("complete-later", complete_later, future);
  GError *error = NULL;

  /* No limit: the value, 100 ms later, not a timeout. */
  g_assert_true (cg_future_wait_sync (future, timeout, CG_WAIT_FLAGS_NONE, NULL, &error));
  g_assert_no_error (error);
  g_thread_join (thread);
  g_object_unref (future);
  cg_caller_stop (owner, FALSE);
  g_object_unref (owner);
}

static void
test_wait_sync_nan_timeout (void)
{
  if (g_test_subprocess ())
    {
      check_wait_sync_no_limit (NAN);
      return;
    }
  check_in_subprocess ("cg_future_wait_sync", "timeout NaN", "no limit",
                       "times out at once and cancels the future (UBSan: float-cast-overflow)");
}

static void
test_wait_sync_huge_timeout (void)
{
  if (g_test_subprocess ())
    {
      check_wait_sync_no_limit (1e300);
      check_wait_sync_no_limit (INFINITY);
      return;
    }
  check_in_subprocess ("cg_future_wait_sync", "timeout 1e300 s and +inf",
                       "no limit", "times out at once");
}

typedef struct
{
  CgTestGate reported;
  CgTestGate checked;
} ProgressNan;

static void
report_nan_job (CgFuture *future,
                gpointer  data)
{
  ProgressNan *p = data;

  cg_future_report_progress (future, NAN);
  cg_test_gate_open (&p->reported);
  cg_test_gate_wait (&p->checked, CG_TEST_TIMEOUT_S, NULL);
}

static void
test_report_progress_nan (void)
{
  if (g_test_subprocess ())
    {
      CgCaller *caller = start_new_ok ("bad-progress");
      GListModel *jobs = cg_caller_get_jobs (cg_test_main_caller ());
      ProgressNan p;
      CgFuture *future;
      g_autoptr(CgJob) job = NULL;

      cg_test_gate_init (&p.reported);
      cg_test_gate_init (&p.checked);
      /* A job the main thread's job list tracks reports NaN. */
      future = cg_caller_call_soon (caller, report_nan_job, &p, NULL, NULL);
      g_assert_true (cg_test_gate_wait (&p.reported, CG_TEST_TIMEOUT_S, NULL));
      cg_test_iterate_for (MAIN_CTX, 50);
      g_assert_cmpuint (g_list_model_get_n_items (jobs), ==, 1);
      job = g_list_model_get_item (jobs, 0);
      g_assert_cmpfloat (cg_job_get_progress (job), >=, 0.0);
      g_assert_cmpfloat (cg_job_get_progress (job), <=, 1.0);
      cg_test_gate_open (&p.checked);
      g_assert_true (cg_future_wait_sync (future, CG_TEST_TIMEOUT_S, 0, NULL, NULL));
      g_object_unref (future);
      g_object_unref (jobs);
      cg_caller_stop (caller, FALSE);
      g_object_unref (caller);
      return;
    }
  check_in_subprocess ("cg_future_report_progress", "NaN, for a tracked job",
                       "accepted, progress stays in [0, 1]",
                       "undefined cast (UBSan abort), progress out of [0, 1]");
}

static void
test_get_instance_empty_name (void)
{
  if (g_test_subprocess ())
    {
      g_test_expect_message (DOMAIN, G_LOG_LEVEL_CRITICAL, "*");
      g_assert_null (cg_caller_get_instance ("", TRUE, NULL));
      g_test_assert_expected_messages ();
      return;
    }
  check_in_subprocess ("cg_caller_get_instance", "empty name, create",
                       "critical", "critical, then a GLib-CRITICAL from g_propagate_error()");
}

static void
test_finish_with_other_lock (void)
{
  if (g_test_subprocess ())
    {
      CgAsyncLock *lock = cg_async_lock_new (), *other = cg_async_lock_new ();
      GAsyncResult *result = NULL;

      cg_test_main_caller ();
      cg_async_lock_acquire_async (lock, NULL, store_result, &result);
      CG_TEST_ITERATE_UNTIL (MAIN_CTX, result != NULL);
      g_test_expect_message (DOMAIN, G_LOG_LEVEL_CRITICAL, "*");
      g_assert_false (cg_async_lock_acquire_finish (other, result, NULL));
      g_test_assert_expected_messages ();
      g_assert_true (cg_async_lock_acquire_finish (lock, result, NULL));
      g_assert_true (cg_async_lock_release (lock, NULL));
      g_object_unref (result);
      g_object_unref (lock);
      g_object_unref (other);
      return;
    }
  check_in_subprocess ("cg_async_lock_acquire_finish", "the result of another lock",
                       "critical", "accepted: no critical, the other lock's answer");
}

static gpointer
set_label_elsewhere (gpointer data)
{
  cg_future_set_label (data, "from another thread");
  return NULL;
}

static void
label_job (CgFuture *future, gpointer data)
{
}

static void
test_set_label_wrong_thread (void)
{
  if (g_test_subprocess ())
    {
      CgCaller *caller = start_new_ok ("bad-label");
      GListModel *jobs = cg_caller_get_jobs (cg_test_main_caller ());
      g_autoptr(CgJob) job = NULL;
      CgFuture *future;

      /* A job submitted from the main thread is tracked there; another
       * thread labels it, which is allowed (no message: a warning or a
       * critical is fatal here). The label changes on the main thread. */
      future = cg_caller_call_later (caller, 10, label_job, NULL, NULL, NULL);
      g_assert_cmpuint (g_list_model_get_n_items (jobs), ==, 1);
      job = g_list_model_get_item (jobs, 0);
      g_assert_true (cg_job_get_future (job) == future);
      run_in_thread (set_label_elsewhere, future);
      CG_TEST_ITERATE_UNTIL (MAIN_CTX, g_strcmp0 (cg_job_get_label (job),
                                                  "from another thread") == 0);
      cg_future_cancel (future, NULL);
      g_object_unref (future);
      g_object_unref (jobs);
      cg_caller_stop (caller, FALSE);
      g_object_unref (caller);
      return;
    }
  check_in_subprocess ("cg_future_set_label", "from another thread than the submitter's",
                       "accepted: the label changes on the list's thread",
                       "a g_warning (neither a critical nor a GError)");
}

/* ------------------------------------------------------------------ */

int
main (int argc, char **argv)
{
  for (int i = 1; i < argc; i++)
    if (g_str_equal (argv[i], "--table"))
      {
        print_table = TRUE;
        g_setenv ("CG_TEST_IN_PROCESS", "1", TRUE);
        argv[i] = (char *) "--quiet";
      }

  cg_test_init (&argc, &argv);
  if (print_table)
    printf ("| function | input | gets |\n|---|---|---|\n");

  cg_test_add ("/bad-input/future", test_future);
  cg_test_add ("/bad-input/caller", test_caller);
  cg_test_add ("/bad-input/exec-queue", test_exec_queue);
  cg_test_add ("/bad-input/as-completed", test_as_completed);
  cg_test_add ("/bad-input/locks", test_locks);
  cg_test_add ("/bad-input/context", test_context);
  cg_test_add ("/bad-input/gio-bridge", test_gio_bridge);
  /* These run their body in a subprocess of their own (see
   * check_in_subprocess()): inputs that once crashed the library, or that
   * would take the rest of the program down if they did again. */
  g_test_add_func ("/bad-input/apart/chained-cycle", test_cycle_of_chained_futures);
  g_test_add_func ("/bad-input/apart/wait-async-huge-timeout", test_wait_async_huge_timeout);
  g_test_add_func ("/bad-input/apart/wait-async-inf-timeout", test_wait_async_inf_timeout);
  g_test_add_func ("/bad-input/apart/wait-async-nan-timeout", test_wait_async_nan_timeout);
  g_test_add_func ("/bad-input/apart/wait-sync-nan-timeout", test_wait_sync_nan_timeout);
  g_test_add_func ("/bad-input/apart/wait-sync-huge-timeout", test_wait_sync_huge_timeout);
  g_test_add_func ("/bad-input/apart/report-progress-nan", test_report_progress_nan);
  g_test_add_func ("/bad-input/apart/set-label-wrong-thread", test_set_label_wrong_thread);
  g_test_add_func ("/bad-input/apart/get-instance-empty-name", test_get_instance_empty_name);
  g_test_add_func ("/bad-input/apart/finish-with-other-lock", test_finish_with_other_lock);

  {
    int status = g_test_run ();

    if (print_table)
      fprintf (stderr, "%u bad inputs tried\n", n_tried);
    return status;
  }
}
