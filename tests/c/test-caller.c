/* test-caller.c: tests of CgCaller
 *
 * Copyright 2026 The caller-glib authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <caller-glib.h>

#include "test-helpers.h"

#define MAIN_CTX (g_main_context_default ())

/* Ownership of what the caller getters return: cg_caller_start_new() and
 * cg_caller_all_callers() give references; cg_caller_get_current() does not.
 * cg_caller_get() and cg_caller_get_instance() give references as well (see
 * their annotations); the tests drop them with this macro. */
#define caller_release(c) g_object_unref (c)

/* ------------------------------------------------------------------ */
/* Jobs                                                                */
/* ------------------------------------------------------------------ */

typedef struct
{
  gint      ran;
  gint      destroyed;
  GThread  *thread;      /* thread the job ran on */
  CgFuture *future;      /* the future the job was given */
  CgFuture *current;     /* cg_caller_current_future() inside the job */
  CgCaller *caller;      /* cg_caller_get_current() inside the job */
  gint64    ran_at;      /* monotonic time when it ran */
  gssize    value;       /* what it returns */
  gpointer  extra;       /* for the job's own use */
} Job;

static void
job_record (CgFuture *future,
            Job      *job)
{
  job->thread = g_thread_self ();
  job->future = future;
  job->current = cg_caller_current_future ();
  job->caller = cg_caller_get_current ();
  job->ran_at = g_get_monotonic_time ();
  g_atomic_int_inc (&job->ran);
}

static void
job_return_int (CgFuture *future,
                gpointer  user_data)
{
  Job *job = user_data;
  GError *error = NULL;

  job_record (future, job);
  g_assert_true (cg_future_return_int (future, job->value, &error));
  g_assert_no_error (error);
}

static void
job_fail (CgFuture *future,
          gpointer  user_data)
{
  Job *job = user_data;
  GError *error = NULL;

  job_record (future, job);
  g_assert_true (cg_future_return_new_error (future, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE,
                                             &error, "job %d failed", 3));
  g_assert_no_error (error);
}

static void
job_nothing (CgFuture *future,
             gpointer  user_data)
{
  job_record (future, user_data);
}

static void
job_destroyed (gpointer user_data)
{
  Job *job = user_data;

  g_atomic_int_inc (&job->destroyed);
}

/* A job that blocks on a gate until it opens (or its cancellable is
 * cancelled when watch_cancellable is set, or the wait times out). */
typedef struct
{
  CgTestGate    gate;
  gdouble       max_wait;
  gboolean      watch_cancellable;
  gint          started;
  gint          saw_cancel;
  gint          finished;
  GCancellable *cancellable;
  GThread      *thread;
} GateJob;

static void
gate_job_init (GateJob  *gj,
               gdouble   max_wait,
               gboolean  watch_cancellable)
{
  memset (gj, 0, sizeof *gj);
  cg_test_gate_init (&gj->gate);
  gj->max_wait = max_wait;
  gj->watch_cancellable = watch_cancellable;
}

static void
gate_job_clear (GateJob *gj)
{
  cg_test_gate_clear (&gj->gate);
  g_clear_object (&gj->cancellable);
}

static void
job_gate (CgFuture *future,
          gpointer  user_data)
{
  GateJob *gj = user_data;

  gj->thread = g_thread_self ();
  gj->cancellable = g_object_ref (cg_future_get_cancellable (future));
  g_atomic_int_set (&gj->started, 1);
  cg_test_gate_wait (&gj->gate, gj->max_wait,
                     gj->watch_cancellable ? gj->cancellable : NULL);
  if (g_cancellable_is_cancelled (gj->cancellable))
    g_atomic_int_set (&gj->saw_cancel, 1);
  /* whatever it returns: a cancelled future stays cancelled */
  cg_future_return_int (future, 1, NULL);
  g_atomic_int_set (&gj->finished, 1);
}

static CgCaller *
start_new_ok (const char *name,
              gboolean    protected_)
{
  GError *error = NULL;
  CgCaller *caller;

  caller = cg_caller_start_new (name, protected_, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (CG_IS_CALLER (caller));
  g_assert_true (cg_caller_get_running (caller));
  g_assert_false (cg_caller_get_stopped (caller));
  return caller;
}

static CgFuture *
call_soon_ok (CgCaller       *caller,
              CgJobFunc       func,
              gpointer        data,
              GDestroyNotify  destroy)
{
  GError *error = NULL;
  CgFuture *future;

  future = cg_caller_call_soon (caller, func, data, destroy, &error);
  g_assert_no_error (error);
  g_assert_true (CG_IS_FUTURE (future));
  return future;
}

/* Waits (blocking, from a thread that is not the future's) for @future. */
static void
wait_done (CgFuture *future)
{
  GError *error = NULL;

  g_assert_true (cg_future_wait_sync (future, CG_TEST_TIMEOUT_S,
                                      CG_WAIT_FLAGS_NO_RESULT, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (cg_future_is_done (future));
}

/* Waits for @future to be done, whatever its outcome. */
static void
wait_ended (CgFuture *future)
{
  cg_future_wait_sync (future, CG_TEST_TIMEOUT_S, CG_WAIT_FLAGS_NO_RESULT | CG_WAIT_FLAGS_SHIELD,
                       NULL, NULL);
  g_assert_true (cg_future_is_done (future));
}

static gboolean
list_has (GList    *list,
          gpointer  item)
{
  return g_list_find (list, item) != NULL;
}

/* ------------------------------------------------------------------ */
/* cg_caller_get                                                       */
/* ------------------------------------------------------------------ */

static gpointer
not_found_thread (gpointer data)
{
  GError *error = NULL;
  CgCaller *caller;

  g_assert_null (cg_caller_get_current ());
  caller = cg_caller_get (NULL, FALSE, FALSE, &error);
  g_assert_null (caller);
  g_assert_error (error, CG_CALLER_ERROR, CG_CALLER_ERROR_NOT_FOUND);
  g_assert_nonnull (error->message);
  g_clear_error (&error);
  caller = cg_caller_get (g_thread_self (), FALSE, FALSE, &error);
  g_assert_null (caller);
  g_assert_error (error, CG_CALLER_ERROR, CG_CALLER_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_null (cg_caller_get_current ());
  return NULL;
}

static gpointer
idle_thread (gpointer data)
{
  g_assert_true (cg_test_gate_wait (data, CG_TEST_TIMEOUT_S, NULL));
  return NULL;
}

static void
test_get_not_found (void)
{
  GThread *thread;
  GError *error = NULL;
  CgTestGate gate;

  /* asked in a thread that has none (with or without a context of its own) */
  thread = cg_test_thread_new_with_context ("test-not-found", not_found_thread, NULL);
  g_thread_join (thread);
  thread = g_thread_new ("test-not-found-2", not_found_thread, NULL);
  g_thread_join (thread);

  /* asked from another thread about a thread without caller */
  cg_test_gate_init (&gate);
  thread = g_thread_new ("test-idle", idle_thread, &gate);
  g_assert_null (cg_caller_get (thread, FALSE, FALSE, &error));
  g_assert_error (error, CG_CALLER_ERROR, CG_CALLER_ERROR_NOT_FOUND);
  g_clear_error (&error);
  cg_test_gate_open (&gate);
  g_thread_join (thread);
  cg_test_gate_clear (&gate);

  /* and by a name nobody uses */
  g_assert_null (cg_caller_get_instance ("no-such-caller-anywhere", FALSE, &error));
  g_assert_error (error, CG_CALLER_ERROR, CG_CALLER_ERROR_NOT_FOUND);
  g_clear_error (&error);
}

/* A thread that makes its caller, lets the main thread queue jobs to it
 * before it starts, then starts and runs them. */
typedef struct
{
  CgCaller *caller;
  gint      created;
  gint      main_submitted;
  gint      finished;
  gint      running_notifies;
  gint      stopped_notifies;
  GMutex    mutex;
  GString  *order;
  Job       own[3];
  Job       from_main[2];
  CgFuture *own_futures[3];
} QueueBeforeStart;

static void
count_notify (GObject    *object,
              GParamSpec *pspec,
              gpointer    user_data)
{
  g_atomic_int_inc ((gint *) user_data);
}

static void
job_order (CgFuture *future,
           gpointer  user_data)
{
  Job *job = user_data;
  QueueBeforeStart *qs = job->extra;

  job_record (future, job);
  g_mutex_lock (&qs->mutex);
  g_string_append_printf (qs->order, "%" G_GSSIZE_FORMAT, job->value);
  g_mutex_unlock (&qs->mutex);
}

static gpointer
queue_before_start_thread (gpointer data)
{
  QueueBeforeStart *qs = data;
  GMainContext *context = g_main_context_get_thread_default ();
  GError *error = NULL;
  CgCaller *caller;
  GList *all;
  guint i;

  caller = cg_caller_get (NULL, TRUE, FALSE, &error);
  g_assert_no_error (error);
  g_assert_true (CG_IS_CALLER (caller));
  qs->caller = caller;

  /* bound to this thread and its thread-default context, not running */
  g_assert_true (cg_caller_get_context (caller) == context);
  g_assert_true (cg_caller_get_thread (caller) == g_thread_self ());
  g_assert_false (cg_caller_get_running (caller));
  g_assert_false (cg_caller_get_stopped (caller));
  g_assert_false (cg_caller_get_protected (caller));
  g_assert_true (cg_caller_get_current () == caller);

  /* one caller per thread */
  {
    CgCaller *again = cg_caller_get (NULL, TRUE, FALSE, &error);
    g_assert_no_error (error);
    g_assert_true (again == caller);
    caller_release (again);
    again = cg_caller_get (NULL, FALSE, FALSE, &error);
    g_assert_no_error (error);
    g_assert_true (again == caller);
    caller_release (again);
    again = cg_caller_get (g_thread_self (), FALSE, FALSE, &error);
    g_assert_no_error (error);
    g_assert_true (again == caller);
    caller_release (again);
  }

  /* listed, but not as running */
  all = cg_caller_all_callers (FALSE);
  g_assert_true (list_has (all, caller));
  g_list_free_full (all, g_object_unref);
  all = cg_caller_all_callers (TRUE);
  g_assert_false (list_has (all, caller));
  g_list_free_full (all, g_object_unref);

  g_signal_connect (caller, "notify::running", G_CALLBACK (count_notify),
                    &qs->running_notifies);
  g_signal_connect (caller, "notify::stopped", G_CALLBACK (count_notify),
                    &qs->stopped_notifies);

  /* jobs queued from this thread before start */
  for (i = 0; i < G_N_ELEMENTS (qs->own); i++)
    {
      qs->own[i].value = i;
      qs->own[i].extra = qs;
      qs->own_futures[i] = call_soon_ok (caller, job_order, &qs->own[i], job_destroyed);
    }

  /* and from the main thread */
  g_atomic_int_set (&qs->created, 1);
  CG_TEST_POLL_UNTIL (g_atomic_int_get (&qs->main_submitted));

  /* nothing runs before start, even when the context is iterated */
  cg_test_iterate_for (context, 50);
  for (i = 0; i < G_N_ELEMENTS (qs->own); i++)
    {
      g_assert_cmpint (g_atomic_int_get (&qs->own[i].ran), ==, 0);
      g_assert_false (cg_future_is_done (qs->own_futures[i]));
    }
  for (i = 0; i < G_N_ELEMENTS (qs->from_main); i++)
    g_assert_cmpint (g_atomic_int_get (&qs->from_main[i].ran), ==, 0);
  g_assert_false (cg_caller_get_running (caller));

  /* start: they run, in submission order, once the context is iterated */
  g_assert_true (cg_caller_start (caller, &error));
  g_assert_no_error (error);
  g_assert_true (cg_caller_get_running (caller));
  CG_TEST_ITERATE_UNTIL (context, g_atomic_int_get (&qs->running_notifies) >= 1);
  all = cg_caller_all_callers (TRUE);
  g_assert_true (list_has (all, caller));
  g_list_free_full (all, g_object_unref);

  CG_TEST_ITERATE_UNTIL (context,
                         g_atomic_int_get (&qs->own[2].ran) &&
                         g_atomic_int_get (&qs->from_main[1].ran));
  for (i = 0; i < G_N_ELEMENTS (qs->own); i++)
    {
      CG_TEST_ITERATE_UNTIL (context, cg_future_is_done (qs->own_futures[i]));
      g_assert_true (qs->own[i].thread == g_thread_self ());
      g_assert_true (qs->own[i].current == qs->own_futures[i]);
      g_assert_true (qs->own[i].caller == caller);
      g_assert_cmpint (qs->own[i].ran, ==, 1);
      g_assert_true (cg_future_check (qs->own_futures[i], &error));
      g_assert_no_error (error);
    }

  /* stop from its own thread: does not block */
  cg_caller_stop (caller, FALSE);
  g_assert_true (cg_caller_get_stopped (caller));
  g_assert_false (cg_caller_get_running (caller));
  CG_TEST_ITERATE_UNTIL (context, g_atomic_int_get (&qs->stopped_notifies) >= 1);
  g_assert_null (cg_caller_call_soon (caller, job_nothing, &qs->own[0], NULL, &error));
  g_assert_error (error, CG_CALLER_ERROR, CG_CALLER_ERROR_CLOSED);
  g_clear_error (&error);
  cg_test_drain (context);

  for (i = 0; i < G_N_ELEMENTS (qs->own); i++)
    {
      g_object_unref (qs->own_futures[i]);
      CG_TEST_ITERATE_UNTIL (context, g_atomic_int_get (&qs->own[i].destroyed) == 1);
    }
  caller_release (caller);
  g_atomic_int_set (&qs->finished, 1);
  return NULL;
}

static void
test_queue_before_start (void)
{
  QueueBeforeStart qs;
  GThread *thread;
  CgFuture *futures[2];
  GError *error = NULL;
  g_autofree char *order = NULL;
  guint i;

  memset (&qs, 0, sizeof qs);
  g_mutex_init (&qs.mutex);
  qs.order = g_string_new (NULL);

  thread = cg_test_thread_new_with_context ("test-before-start",
                                            queue_before_start_thread, &qs);
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, g_atomic_int_get (&qs.created));
  g_assert_false (cg_caller_get_running (qs.caller));
  for (i = 0; i < G_N_ELEMENTS (qs.from_main); i++)
    {
      qs.from_main[i].value = 7 + i;
      qs.from_main[i].extra = &qs;
      futures[i] = call_soon_ok (qs.caller, job_order, &qs.from_main[i], job_destroyed);
      /* owned by the caller's thread, where it runs */
      g_assert_true (cg_future_get_thread (futures[i]) == cg_caller_get_thread (qs.caller));
    }
  g_atomic_int_set (&qs.main_submitted, 1);

  for (i = 0; i < G_N_ELEMENTS (qs.from_main); i++)
    wait_done (futures[i]);
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, g_atomic_int_get (&qs.finished));
  g_thread_join (thread);

  for (i = 0; i < G_N_ELEMENTS (qs.from_main); i++)
    {
      g_assert_cmpint (qs.from_main[i].ran, ==, 1);
      g_assert_true (qs.from_main[i].current == futures[i]);
      g_assert_true (cg_future_check (futures[i], &error));
      g_assert_no_error (error);
      g_object_unref (futures[i]);
    }

  /* each submitter's jobs in its own order */
  order = g_strdup (qs.order->str);
  g_assert_cmpuint (strlen (order), ==, 5);
  g_assert_true (strstr (order, "0") < strstr (order, "1"));
  g_assert_true (strstr (order, "1") < strstr (order, "2"));
  g_assert_true (strstr (order, "7") < strstr (order, "8"));

  g_string_free (qs.order, TRUE);
  g_mutex_clear (&qs.mutex);
}

static void
test_get_main_thread (void)
{
  CgCaller *main_caller = cg_test_main_caller ();
  GError *error = NULL;
  CgCaller *caller;

  g_assert_true (cg_caller_get_current () == main_caller);
  g_assert_true (cg_caller_get_context (main_caller) == g_main_context_default ());
  g_assert_true (cg_caller_get_thread (main_caller) == g_thread_self ());
  g_assert_true (cg_caller_get_protected (main_caller));
  g_assert_true (cg_caller_get_running (main_caller));

  caller = cg_caller_get_instance (CG_CALLER_MAIN_THREAD, FALSE, &error);
  g_assert_no_error (error);
  g_assert_true (caller == main_caller);
  caller_release (caller);
  g_assert_cmpstr (cg_caller_get_name (main_caller), ==, CG_CALLER_MAIN_THREAD);

  caller = cg_caller_get (NULL, FALSE, FALSE, &error);
  g_assert_no_error (error);
  g_assert_true (caller == main_caller);
  caller_release (caller);
}

/* The main thread's caller is "MainThread" on any context: one an event
 * loop other than GLib's runs (see CgHostedContext), say. */
static void
test_get_main_thread_other_context (void)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  GError *error = NULL;
  CgCaller *caller, *found;

  cg_caller_stop (cg_test_main_caller (), TRUE);
  g_main_context_push_thread_default (context);
  caller = cg_caller_get (NULL, TRUE, FALSE, &error);
  g_main_context_pop_thread_default (context);
  g_assert_no_error (error);
  g_assert_true (cg_caller_get_context (caller) == context);
  g_assert_cmpstr (cg_caller_get_name (caller), ==, CG_CALLER_MAIN_THREAD);

  found = cg_caller_get_instance (NULL, FALSE, &error);
  g_assert_no_error (error);
  g_assert_true (found == caller);
  caller_release (found);

  cg_caller_stop (caller, FALSE);
  caller_release (caller);
}

/* A job that completes its own future: a second completion fails at once,
 * and the future becomes done, for waiters, done callbacks and
 * cg_future_is_done(), once the job has returned (as a GTask completed by
 * its thread function does). */
typedef struct
{
  gint      returned;          /* the job function has returned */
  gint      seen_by_callback;  /* what the done callback saw of it */
  gint      callback_ran;
  gboolean  done_inside;
  gboolean  second_failed;
} SelfCompleting;

static void
self_completing_job (CgFuture *future,
                     gpointer  user_data)
{
  SelfCompleting *state = user_data;
  g_autoptr(GError) error = NULL;

  cg_future_return_int (future, 42, NULL);
  state->done_inside = cg_future_is_done (future);
  state->second_failed = !cg_future_return_int (future, 43, &error) &&
                         g_error_matches (error, CG_FUTURE_ERROR, CG_FUTURE_ERROR_INVALID_STATE);
  g_usleep (20 * 1000);  /* a parked waiter would be woken by now, without the rule */
  g_atomic_int_set (&state->returned, 1);
}

static void
self_completing_callback (CgFuture *future,
                          gpointer  user_data)
{
  SelfCompleting *state = user_data;

  g_atomic_int_set (&state->seen_by_callback, g_atomic_int_get (&state->returned));
  g_atomic_int_set (&state->callback_ran, 1);
}

static void
sleep_job (CgFuture *future,
           gpointer  user_data)
{
  g_usleep (GPOINTER_TO_INT (user_data));
}

static void
test_job_completes_its_own_future (void)
{
  SelfCompleting state = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(CgCaller) worker = cg_caller_start_new (NULL, FALSE, NULL, &error);
  g_autoptr(CgFuture) future = NULL;
  g_autoptr(CgFuture) hold = NULL;
  GMainContext *context = g_main_context_default ();

  g_assert_no_error (error);
  cg_test_main_caller ();
  /* Keep the worker busy until the callback is in place. */
  hold = cg_caller_call_soon (worker, sleep_job, GINT_TO_POINTER (20000), NULL, NULL);
  future = cg_caller_call_soon (worker, self_completing_job, &state, NULL, NULL);
  cg_future_add_done_callback (future, self_completing_callback, &state, NULL);

  g_assert_true (cg_future_wait_sync (future, 10, CG_WAIT_FLAGS_NONE, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_atomic_int_get (&state.returned), ==, 1);
  g_assert_cmpint (cg_future_propagate_int (future, NULL), ==, 42);
  CG_TEST_ITERATE_UNTIL (context, g_atomic_int_get (&state.callback_ran));

  g_assert_false (state.done_inside);
  g_assert_true (state.second_failed);
  g_assert_cmpint (g_atomic_int_get (&state.seen_by_callback), ==, 1);
  cg_caller_stop (worker, FALSE);
}

static void
fallible_ok (CgFuture  *future,
             gpointer   user_data,
             GError   **error)
{
  cg_future_return_int (future, 7, error);
}

static void
fallible_throws (CgFuture  *future,
                 gpointer   user_data,
                 GError   **error)
{
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "no such header");
}

static void
fallible_completes_then_throws (CgFuture  *future,
                                gpointer   user_data,
                                GError   **error)
{
  cg_future_return_int (future, 1, NULL);
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "too late");
}

static void
count_destroy_atomic (gpointer user_data)
{
  g_atomic_int_inc ((gint *) user_data);
}

/* A job that throws fails its future with the error, unless it completed
 * the future first; the data is freed either way. */
static void
test_fallible_jobs (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CgCaller) worker = cg_caller_start_new (NULL, FALSE, NULL, &error);
  g_autoptr(CgFuture) ok = NULL, thrown = NULL, late = NULL, pooled = NULL;
  gint destroyed = 0;

  ok = cg_caller_call_soon_fallible (worker, fallible_ok, &destroyed, count_destroy_atomic, &error);
  thrown = cg_caller_call_soon_fallible (worker, fallible_throws, &destroyed, count_destroy_atomic,
                                         &error);
  late = cg_caller_call_soon_fallible (worker, fallible_completes_then_throws, NULL, NULL, &error);
  pooled = cg_caller_to_thread_fallible (fallible_throws, &destroyed, count_destroy_atomic, &error);
  g_assert_no_error (error);

  g_assert_true (cg_future_wait_sync (ok, 10, CG_WAIT_FLAGS_NONE, NULL, &error));
  g_assert_cmpint (cg_future_propagate_int (ok, NULL), ==, 7);
  g_assert_false (cg_future_wait_sync (thrown, 10, CG_WAIT_FLAGS_NONE, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_cmpstr (error->message, ==, "no such header");
  g_clear_error (&error);
  g_assert_true (cg_future_wait_sync (late, 10, CG_WAIT_FLAGS_NONE, NULL, &error));
  g_assert_cmpint (cg_future_propagate_int (late, NULL), ==, 1);
  g_assert_false (cg_future_wait_sync (pooled, 10, CG_WAIT_FLAGS_NONE, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_clear_error (&error);

  CG_TEST_ITERATE_UNTIL (NULL, g_atomic_int_get (&destroyed) == 3);
  cg_caller_stop (worker, FALSE);
  cg_caller_stop_all (FALSE);  /* the pool's workers */
}

/* Token jobs: one runner, called once per job, to run it or to forget it. */
typedef struct
{
  GMutex   lock;
  GArray  *ran;       /* gsize tokens */
  GArray  *dropped;   /* gsize tokens */
} TokenLog;

static void
token_runner (CgFuture *future,
              gsize     token,
              gpointer  user_data)
{
  TokenLog *log = user_data;

  g_mutex_lock (&log->lock);
  g_array_append_val (future != NULL ? log->ran : log->dropped, token);
  g_mutex_unlock (&log->lock);
  if (future != NULL)
    cg_future_return_int (future, (gssize) token * 10, NULL);
}

static guint
token_count (TokenLog *log,
             GArray   *array)
{
  guint n;

  g_mutex_lock (&log->lock);
  n = array->len;
  g_mutex_unlock (&log->lock);
  return n;
}

static void
test_token_jobs (void)
{
  TokenLog log;
  g_autoptr(GError) error = NULL;
  g_autoptr(CgCaller) worker = cg_caller_start_new (NULL, FALSE, NULL, &error);
  g_autoptr(CgCaller) idle = NULL;
  g_autoptr(CgFuture) first = NULL, pooled = NULL, never = NULL, refused = NULL;
  g_autoptr(CgFuture) blocker = NULL;

  g_mutex_init (&log.lock);
  log.ran = g_array_new (FALSE, FALSE, sizeof (gsize));
  log.dropped = g_array_new (FALSE, FALSE, sizeof (gsize));
  cg_set_token_runner (token_runner, &log, NULL);

  first = cg_caller_call_soon_token (worker, 1, &error);
  pooled = cg_caller_to_thread_token (2, &error);
  g_assert_no_error (error);
  g_assert_true (cg_future_wait_sync (first, 10, CG_WAIT_FLAGS_NONE, NULL, &error));
  g_assert_cmpint (cg_future_propagate_int (first, NULL), ==, 10);
  g_assert_true (cg_future_wait_sync (pooled, 10, CG_WAIT_FLAGS_NONE, NULL, &error));
  g_assert_cmpint (cg_future_propagate_int (pooled, NULL), ==, 20);

  /* a caller stopped while the job waits behind a long one: the job is
   * forgotten, not run */
  idle = cg_caller_start_new ("token-busy", FALSE, NULL, &error);
  g_assert_no_error (error);
  blocker = cg_caller_call_soon (idle, sleep_job, GINT_TO_POINTER (200000), NULL, NULL);
  never = cg_caller_call_soon_token (idle, 3, &error);
  g_assert_no_error (error);
  cg_caller_stop (idle, FALSE);
  g_assert_true (cg_future_is_cancelled (never));

  /* a stopped caller refuses, and the runner forgets the token at once */
  refused = cg_caller_call_soon_token (idle, 4, &error);
  g_assert_null (refused);
  g_assert_error (error, CG_CALLER_ERROR, CG_CALLER_ERROR_CLOSED);
  g_clear_error (&error);

  CG_TEST_ITERATE_UNTIL (NULL, token_count (&log, log.dropped) == 2);
  g_assert_cmpuint (token_count (&log, log.ran), ==, 2);
  g_assert_cmpuint (g_array_index (log.dropped, gsize, 0) + g_array_index (log.dropped, gsize, 1),
                    ==, 3 + 4);

  cg_set_token_runner (NULL, NULL, NULL);
  cg_caller_stop (worker, FALSE);
  cg_caller_stop_all (FALSE);  /* the pool's workers */
  g_array_unref (log.ran);
  g_array_unref (log.dropped);
  g_mutex_clear (&log.lock);
}

/* Timeouts as futures, on a worker's caller (the current thread's caller
 * inside its jobs). */
typedef struct
{
  CgFuture *timeout;      /* cg_future_new_timeout (0.02) */
  CgFuture *cancelled;    /* cg_future_new_timeout (3600), cancelled */
  CgFuture *quick;        /* with_timeout of a done future */
  CgFuture *slow_inner;   /* never completed by anyone */
  CgFuture *slow;         /* with_timeout (slow_inner, 0.02) */
  GError   *no_caller;    /* from a thread without a caller */
} Timeouts;

static void
make_timeouts (CgFuture *future,
               gpointer  user_data)
{
  Timeouts *t = user_data;
  g_autoptr(CgFuture) done = cg_future_new ();

  t->timeout = cg_future_new_timeout (0.02, NULL);
  t->cancelled = cg_future_new_timeout (3600, NULL);
  cg_future_cancel (t->cancelled, "not needed");
  cg_future_return_int (done, 5, NULL);
  t->quick = cg_future_with_timeout (done, 3600, NULL);
  t->slow_inner = cg_future_new ();
  t->slow = cg_future_with_timeout (t->slow_inner, 0.02, NULL);
}

static gpointer
timeout_without_caller (gpointer data)
{
  Timeouts *t = data;

  g_assert_null (cg_future_new_timeout (1, &t->no_caller));
  return NULL;
}

static void
test_timeout_futures (void)
{
  Timeouts t = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(CgCaller) worker = cg_caller_start_new ("timeouts", FALSE, NULL, &error);
  g_autoptr(CgFuture) made = NULL;

  made = cg_caller_call_soon (worker, make_timeouts, &t, NULL, NULL);
  g_assert_true (cg_future_wait_sync (made, 10, CG_WAIT_FLAGS_NONE, NULL, &error));

  g_assert_false (cg_future_wait_sync (t.timeout, 10, CG_WAIT_FLAGS_SHIELD, NULL, &error));
  g_assert_error (error, CG_CALLER_ERROR, CG_CALLER_ERROR_TIMED_OUT);
  g_clear_error (&error);

  g_assert_false (cg_future_wait_sync (t.cancelled, 10, CG_WAIT_FLAGS_SHIELD, NULL, &error));
  g_assert_error (error, CG_FUTURE_ERROR, CG_FUTURE_ERROR_CANCELLED);
  g_clear_error (&error);

  g_assert_true (cg_future_wait_sync (t.quick, 10, CG_WAIT_FLAGS_NONE, NULL, &error));
  g_assert_cmpint (cg_future_propagate_int (t.quick, NULL), ==, 5);

  g_assert_false (cg_future_wait_sync (t.slow, 10, CG_WAIT_FLAGS_SHIELD, NULL, &error));
  g_assert_error (error, CG_CALLER_ERROR, CG_CALLER_ERROR_TIMED_OUT);
  g_clear_error (&error);
  CG_TEST_POLL_UNTIL (cg_future_is_cancelled (t.slow_inner));
  /* whoever owns it completes it (as cancelled, now): the result, done
   * already, keeps its TIMED_OUT */
  cg_future_return_int (t.slow_inner, 1, NULL);
  g_assert_true (cg_future_is_done (t.slow_inner));
  g_assert_false (cg_future_check (t.slow, &error));
  g_assert_error (error, CG_CALLER_ERROR, CG_CALLER_ERROR_TIMED_OUT);
  g_clear_error (&error);

  g_thread_join (g_thread_new ("no-caller", timeout_without_caller, &t));
  g_assert_error (t.no_caller, CG_CALLER_ERROR, CG_CALLER_ERROR_NOT_FOUND);
  g_clear_error (&t.no_caller);

  cg_caller_stop (worker, FALSE);
  g_object_unref (t.timeout);
  g_object_unref (t.cancelled);
  g_object_unref (t.quick);
  g_object_unref (t.slow);
  g_object_unref (t.slow_inner);
}

/* ------------------------------------------------------------------ */
/* start_new, properties                                               */
/* ------------------------------------------------------------------ */

static void
test_start_new_basic (void)
{
  CgCaller *caller;
  CgCaller *found;
  Job job = { 0 };
  CgFuture *future;
  GError *error = NULL;

  g_test_queue_destroy (cg_test_stop_unprotected, NULL);

  caller = start_new_ok ("test-basic", FALSE);
  g_assert_cmpstr (cg_caller_get_name (caller), ==, "test-basic");
  g_assert_nonnull (cg_caller_get_thread (caller));
  g_assert_true (cg_caller_get_thread (caller) != g_thread_self ());
  g_assert_nonnull (cg_caller_get_context (caller));
  g_assert_true (cg_caller_get_context (caller) != g_main_context_default ());
  g_assert_false (cg_caller_get_protected (caller));

  /* found by thread and by name */
  found = cg_caller_get (cg_caller_get_thread (caller), FALSE, FALSE, &error);
  g_assert_no_error (error);
  g_assert_true (found == caller);
  caller_release (found);
  found = cg_caller_get_instance ("test-basic", FALSE, &error);
  g_assert_no_error (error);
  g_assert_true (found == caller);
  caller_release (found);

  /* a job runs on its thread; current_future/get_current are its own */
  job.value = 42;
  future = call_soon_ok (caller, job_return_int, &job, job_destroyed);
  g_assert_true (cg_future_get_thread (future) == cg_caller_get_thread (caller));
  g_assert_true (cg_future_get_caller (future) == caller);
  wait_done (future);
  g_assert_cmpint (cg_future_propagate_int (future, &error), ==, 42);
  g_assert_no_error (error);
  g_assert_true (job.thread == cg_caller_get_thread (caller));
  g_assert_true (job.future == future);
  g_assert_true (job.current == future);
  g_assert_true (job.caller == caller);
  g_assert_cmpint (job.ran, ==, 1);
  CG_TEST_POLL_UNTIL (g_atomic_int_get (&job.destroyed) == 1);

  /* outside a job there is no current future */
  g_assert_null (cg_caller_current_future ());

  g_object_unref (future);
  cg_caller_stop (caller, FALSE);
  g_assert_true (cg_caller_get_stopped (caller));
  g_assert_false (cg_caller_get_running (caller));
  g_assert_cmpint (g_atomic_int_get (&job.destroyed), ==, 1);
  g_object_unref (caller);
}

static void
test_start_new_exists (void)
{
  CgCaller *caller;
  CgCaller *again;
  GError *error = NULL;

  g_test_queue_destroy (cg_test_stop_unprotected, NULL);

  caller = start_new_ok ("test-dup", FALSE);
  again = cg_caller_start_new ("test-dup", FALSE, NULL, &error);
  g_assert_null (again);
  g_assert_error (error, CG_CALLER_ERROR, CG_CALLER_ERROR_EXISTS);
  g_clear_error (&error);
  /* the first one is unharmed */
  g_assert_true (cg_caller_get_running (caller));

  /* MainThread is taken too */
  again = cg_caller_start_new (CG_CALLER_MAIN_THREAD, FALSE, NULL, &error);
  g_assert_null (again);
  g_assert_error (error, CG_CALLER_ERROR, CG_CALLER_ERROR_EXISTS);
  g_clear_error (&error);

  /* a stopped caller leaves the registry: the name is free again */
  cg_caller_stop (caller, FALSE);
  g_object_unref (caller);
  caller = start_new_ok ("test-dup", FALSE);
  cg_caller_stop (caller, FALSE);
  g_object_unref (caller);
}

static void
job_check_context (CgFuture *future,
                   gpointer  user_data)
{
  GMainContext *context = user_data;

  g_assert_true (g_main_context_is_owner (context));
  cg_future_return_boolean (future, TRUE, NULL);
}

static void
test_start_new_context (void)
{
  GMainContext *context = g_main_context_new ();
  CgCaller *caller;
  CgFuture *future;
  GError *error = NULL;

  g_test_queue_destroy (cg_test_stop_unprotected, NULL);

  caller = cg_caller_start_new ("test-context", FALSE, context, &error);
  g_assert_no_error (error);
  g_assert_true (cg_caller_get_context (caller) == context);
  g_assert_true (cg_test_get_pointer_property (caller, "context") == context);

  future = call_soon_ok (caller, job_check_context, context, NULL);
  wait_done (future);
  g_assert_true (cg_future_propagate_boolean (future, &error));
  g_assert_no_error (error);
  g_object_unref (future);

  cg_caller_stop (caller, FALSE);
  g_object_unref (caller);
  g_main_context_unref (context);
}

static void
test_properties (void)
{
  CgCaller *caller;
  g_autofree char *name = NULL;
  g_autofree char *log_domain = NULL;
  gboolean protected_ = TRUE, running = FALSE, stopped = TRUE;
  gint running_notifies = 0, stopped_notifies = 0;

  g_test_queue_destroy (cg_test_stop_unprotected, NULL);

  caller = start_new_ok ("test-props", FALSE);
  g_object_get (caller,
                "name", &name,
                "protected", &protected_,
                "running", &running,
                "stopped", &stopped,
                "log-domain", &log_domain,
                NULL);
  g_assert_cmpstr (name, ==, "test-props");
  g_assert_false (protected_);
  g_assert_true (running);
  g_assert_false (stopped);
  g_assert_cmpstr (log_domain, ==, cg_caller_get_log_domain (caller));
  g_assert_true (cg_test_get_pointer_property (caller, "thread") == cg_caller_get_thread (caller));
  g_assert_true (cg_test_get_pointer_property (caller, "context") == cg_caller_get_context (caller));

  /* all read-only */
  {
    const char *names[] = { "name", "context", "thread", "protected", "running",
                            "stopped", "log-domain" };
    guint i;

    for (i = 0; i < G_N_ELEMENTS (names); i++)
      {
        GParamSpec *pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (caller), names[i]);
        g_assert_nonnull (pspec);
        g_assert_true (pspec->flags & G_PARAM_READABLE);
        g_assert_false ((pspec->flags & G_PARAM_WRITABLE) &&
                        !(pspec->flags & G_PARAM_CONSTRUCT_ONLY));
      }
  }

  g_signal_connect (caller, "notify::running", G_CALLBACK (count_notify), &running_notifies);
  g_signal_connect (caller, "notify::stopped", G_CALLBACK (count_notify), &stopped_notifies);
  cg_caller_stop (caller, FALSE);
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, g_atomic_int_get (&running_notifies) >= 1 &&
                                   g_atomic_int_get (&stopped_notifies) >= 1);
  g_assert_false (cg_test_get_boolean_property (caller, "running"));
  g_assert_true (cg_test_get_boolean_property (caller, "stopped"));
  g_signal_handlers_disconnect_by_data (caller, &running_notifies);
  g_signal_handlers_disconnect_by_data (caller, &stopped_notifies);
  g_object_unref (caller);
}

/* ------------------------------------------------------------------ */
/* call_soon                                                           */
/* ------------------------------------------------------------------ */

static void
test_call_soon_outcomes (void)
{
  CgCaller *caller;
  Job ok = { 0 }, failing = { 0 }, nothing = { 0 };
  CgFuture *f_ok, *f_fail, *f_nothing;
  GError *error = NULL;

  g_test_queue_destroy (cg_test_stop_unprotected, NULL);
  caller = start_new_ok ("test-outcomes", FALSE);

  ok.value = -5;
  f_ok = call_soon_ok (caller, job_return_int, &ok, job_destroyed);
  f_fail = call_soon_ok (caller, job_fail, &failing, job_destroyed);
  f_nothing = call_soon_ok (caller, job_nothing, &nothing, job_destroyed);
  wait_done (f_ok);
  wait_done (f_fail);
  wait_done (f_nothing);

  g_assert_cmpint (cg_future_propagate_int (f_ok, &error), ==, -5);
  g_assert_no_error (error);

  g_assert_false (cg_future_check (f_fail, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE);
  g_assert_cmpstr (error->message, ==, "job 3 failed");
  g_clear_error (&error);
  g_assert_false (cg_future_is_cancelled (f_fail));

  /* a job that reports nothing completes with no value */
  g_assert_true (cg_future_check (f_nothing, &error));
  g_assert_no_error (error);
  g_assert_null (cg_future_propagate_pointer (f_nothing, &error));
  g_assert_no_error (error);

  CG_TEST_POLL_UNTIL (g_atomic_int_get (&ok.destroyed) == 1 &&
                      g_atomic_int_get (&failing.destroyed) == 1 &&
                      g_atomic_int_get (&nothing.destroyed) == 1);

  g_object_unref (f_ok);
  g_object_unref (f_fail);
  g_object_unref (f_nothing);
  cg_caller_stop (caller, FALSE);
  g_assert_cmpint (ok.ran + failing.ran + nothing.ran, ==, 3);
  g_assert_cmpint (ok.destroyed + failing.destroyed + nothing.destroyed, ==, 3);
  g_object_unref (caller);
}

/* Submission order: two submitting threads, 2000 jobs each. */
#define ORDER_JOBS 2000

typedef struct
{
  GMutex  mutex;
  GArray *seen;   /* (submitter << 16) | sequence, in the order they ran */
} OrderLog;

typedef struct
{
  OrderLog *log;
  guint     tag;
} OrderJob;

static void
job_order_log (CgFuture *future,
               gpointer  user_data)
{
  OrderJob *oj = user_data;

  g_mutex_lock (&oj->log->mutex);
  g_array_append_val (oj->log->seen, oj->tag);
  g_mutex_unlock (&oj->log->mutex);
}

typedef struct
{
  CgCaller  *caller;
  OrderLog  *log;
  guint      submitter;
  CgFuture  *last;
} Submitter;

static gpointer
submitter_thread (gpointer data)
{
  Submitter *s = data;
  guint i;

  for (i = 0; i < ORDER_JOBS; i++)
    {
      OrderJob *oj = g_new (OrderJob, 1);
      CgFuture *future;

      oj->log = s->log;
      oj->tag = (s->submitter << 16) | i;
      future = call_soon_ok (s->caller, job_order_log, oj, g_free);
      if (i == ORDER_JOBS - 1)
        s->last = future;
      else
        g_object_unref (future);
    }
  return NULL;
}

static void
test_call_soon_order (void)
{
  CgCaller *caller;
  OrderLog log;
  Submitter subs[2];
  GThread *threads[2];
  guint next[3] = { 0, 0, 0 };
  guint i;

  g_test_queue_destroy (cg_test_stop_unprotected, NULL);
  caller = start_new_ok ("test-order", FALSE);
  g_mutex_init (&log.mutex);
  log.seen = g_array_new (FALSE, FALSE, sizeof (guint));

  for (i = 0; i < 2; i++)
    {
      subs[i].caller = caller;
      subs[i].log = &log;
      subs[i].submitter = i + 1;
      subs[i].last = NULL;
      threads[i] = g_thread_new ("test-submitter", submitter_thread, &subs[i]);
    }
  for (i = 0; i < 2; i++)
    g_thread_join (threads[i]);
  for (i = 0; i < 2; i++)
    {
      wait_done (subs[i].last);
      g_object_unref (subs[i].last);
    }

  g_mutex_lock (&log.mutex);
  g_assert_cmpuint (log.seen->len, ==, 2 * ORDER_JOBS);
  for (i = 0; i < log.seen->len; i++)
    {
      guint tag = g_array_index (log.seen, guint, i);
      guint submitter = tag >> 16;
      guint seq = tag & 0xffff;

      g_assert_cmpuint (submitter, >=, 1);
      g_assert_cmpuint (submitter, <=, 2);
      /* each submitter's jobs start in its submission order */
      g_assert_cmpuint (seq, ==, next[submitter]);
      next[submitter]++;
    }
  g_mutex_unlock (&log.mutex);

  cg_caller_stop (caller, FALSE);
  g_array_unref (log.seen);
  g_mutex_clear (&log.mutex);
  g_object_unref (caller);
}

/* A job that submits another to its own caller: that one runs after. */
typedef struct
{
  gint      first_returned;
  gint      second_saw_first_returned;
  gint      second_ran;
  CgFuture *second;
} NestedJobs;

static void
job_nested_second (CgFuture *future,
                   gpointer  user_data)
{
  NestedJobs *nj = user_data;

  g_atomic_int_set (&nj->second_saw_first_returned,
                    g_atomic_int_get (&nj->first_returned));
  g_atomic_int_set (&nj->second_ran, 1);
}

static void
job_nested_first (CgFuture *future,
                  gpointer  user_data)
{
  NestedJobs *nj = user_data;

  nj->second = call_soon_ok (cg_caller_get_current (), job_nested_second, nj, NULL);
  /* never inline */
  g_assert_false (g_atomic_int_get (&nj->second_ran));
  g_atomic_int_set (&nj->first_returned, 1);
}

static void
test_call_soon_nested (void)
{
  CgCaller *caller;
  NestedJobs nj = { 0 };
  CgFuture *first;

  g_test_queue_destroy (cg_test_stop_unprotected, NULL);
  caller = start_new_ok ("test-nested", FALSE);
  first = call_soon_ok (caller, job_nested_first, &nj, NULL);
  wait_done (first);
  CG_TEST_POLL_UNTIL (g_atomic_int_get (&nj.second_ran));
  g_assert_true (g_atomic_int_get (&nj.second_saw_first_returned));
  wait_done (nj.second);
  g_object_unref (nj.second);
  g_object_unref (first);
  cg_caller_stop (caller, FALSE);
  g_object_unref (caller);
}

/* Done callbacks of a job's future run on the caller's thread; wait_async
 * from the main thread calls back on the main thread. */
typedef struct
{
  gint     called;
  GThread *thread;
} ThreadRecord;

static void
record_thread_cb (CgFuture *future,
                  gpointer  user_data)
{
  ThreadRecord *tr = user_data;

  tr->thread = g_thread_self ();
  g_atomic_int_inc (&tr->called);
}

typedef struct
{
  gint     called;
  GThread *thread;
  gboolean ret;
  GError  *error;
} WaitRecord;

static void
wait_record_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  WaitRecord *wr = user_data;

  wr->thread = g_thread_self ();
  wr->ret = cg_future_wait_finish (CG_FUTURE (source), result, &wr->error);
  g_atomic_int_inc (&wr->called);
}

static void
test_call_soon_owner_thread (void)
{
  CgCaller *caller;
  GateJob gj;
  CgFuture *future;
  ThreadRecord tr = { 0 };
  WaitRecord wr = { 0 };
  GError *error = NULL;

  g_test_queue_destroy (cg_test_stop_unprotected, NULL);
  caller = start_new_ok ("test-owner", FALSE);
  gate_job_init (&gj, CG_TEST_TIMEOUT_S, FALSE);

  future = call_soon_ok (caller, job_gate, &gj, NULL);
  CG_TEST_POLL_UNTIL (g_atomic_int_get (&gj.started));
  g_assert_true (cg_future_get_thread (future) == cg_caller_get_thread (caller));
  g_assert_true (cg_future_get_caller (future) == caller);

  /* registered from this thread, run on the caller's thread */
  cg_future_add_done_callback (future, record_thread_cb, &tr, NULL);
  cg_future_wait_async (future, CG_TEST_TIMEOUT_S, CG_WAIT_FLAGS_NONE, NULL,
                        wait_record_cb, &wr);
  /* wait_sync from this thread is fine: it is not the future's thread */
  g_assert_false (cg_future_wait_sync (future, 0.02, CG_WAIT_FLAGS_SHIELD, NULL, &error));
  g_assert_error (error, CG_CALLER_ERROR, CG_CALLER_ERROR_TIMED_OUT);
  g_clear_error (&error);
  g_assert_false (cg_future_is_cancelled (future));

  cg_test_gate_open (&gj.gate);
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, g_atomic_int_get (&tr.called) &&
                                   g_atomic_int_get (&wr.called));
  g_assert_true (tr.thread == cg_caller_get_thread (caller));
  g_assert_true (wr.thread == g_thread_self ());
  g_assert_true (wr.ret);
  g_assert_no_error (wr.error);
  g_assert_cmpint (cg_future_propagate_int (future, &error), ==, 1);
  g_assert_no_error (error);

  /* registered once it is done: scheduled on the caller's thread too */
  {
    ThreadRecord late = { 0 };

    cg_future_add_done_callback (future, record_thread_cb, &late, NULL);
    CG_TEST_POLL_UNTIL (g_atomic_int_get (&late.called));
    g_assert_true (late.thread == cg_caller_get_thread (caller));
  }

  g_object_unref (future);
  cg_caller_stop (caller, FALSE);
  gate_job_clear (&gj);
  g_object_unref (caller);
}

/* A job that returns a future: its own completes when that one does. */
typedef struct
{
  CgFuture *inner;
  gint      returned;
} ChainJob;

static void
job_return_future (CgFuture *future,
                   gpointer  user_data)
{
  ChainJob *cj = user_data;
  GError *error = NULL;

  cj->inner = cg_future_new ();
  g_assert_true (cg_future_get_thread (cj->inner) == g_thread_self ());
  g_assert_true (cg_future_return_future (future, cj->inner, &error));
  g_assert_no_error (error);
  g_atomic_int_set (&cj->returned, 1);
}

static void
test_call_soon_returns_future (void)
{
  CgCaller *caller;
  ChainJob cj = { 0 };
  CgFuture *future;
  GError *error = NULL;

  g_test_queue_destroy (cg_test_stop_unprotected, NULL);
  caller = start_new_ok ("test-chain", FALSE);

  future = call_soon_ok (caller, job_return_future, &cj, NULL);
  CG_TEST_POLL_UNTIL (g_atomic_int_get (&cj.returned));
  /* the job returned, but its future waits for the inner one */
  g_assert_false (cg_future_wait_sync (future, 0.05, CG_WAIT_FLAGS_SHIELD, NULL, &error));
  g_assert_error (error, CG_CALLER_ERROR, CG_CALLER_ERROR_TIMED_OUT);
  g_clear_error (&error);
  g_assert_false (cg_future_is_done (future));

  /* complete the inner one from here (not its thread) */
  g_assert_true (cg_future_return_int (cj.inner, 9, &error));
  g_assert_no_error (error);
  wait_done (future);
  g_assert_cmpint (cg_future_propagate_int (future, &error), ==, 9);
  g_assert_no_error (error);

  g_object_unref (future);
  g_object_unref (cj.inner);
  cg_caller_stop (caller, FALSE);
  g_object_unref (caller);
}

/* ------------------------------------------------------------------ */
/* current_future, call_direct                                         */
/* ------------------------------------------------------------------ */

typedef struct
{
  gint      ran;
  gint      destroyed;
  GThread  *thread;
  CgFuture *current;
  CgCaller *caller;
} DirectJob;

static void
direct_func (gpointer user_data)
{
  DirectJob *dj = user_data;

  dj->thread = g_thread_self ();
  dj->current = cg_caller_current_future ();
  dj->caller = cg_caller_get_current ();
  g_atomic_int_inc (&dj->ran);
}

static void
direct_destroyed (gpointer user_data)
{
  DirectJob *dj = user_data;

  g_atomic_int_inc (&dj->destroyed);
}

static void
test_current_future (void)
{
  CgCaller *caller;
  Job jobs[3] = { { 0 } };
  CgFuture *futures[3];
  DirectJob dj = { 0 };
  GError *error = NULL;
  guint i;

  g_test_queue_destroy (cg_test_stop_unprotected, NULL);
  g_assert_null (cg_caller_current_future ());

  caller = start_new_ok ("test-current", FALSE);
  for (i = 0; i < G_N_ELEMENTS (jobs); i++)
    futures[i] = call_soon_ok (caller, job_nothing, &jobs[i], NULL);
  /* a direct call after them has no future */
  g_assert_true (cg_caller_call_direct (caller, direct_func, &dj, NULL, &error));
  g_assert_no_error (error);
  for (i = 0; i < G_N_ELEMENTS (jobs); i++)
    {
      wait_done (futures[i]);
      g_assert_true (jobs[i].current == futures[i]);
      g_assert_true (jobs[i].future == futures[i]);
      g_object_unref (futures[i]);
    }
  CG_TEST_POLL_UNTIL (g_atomic_int_get (&dj.ran));
  g_assert_null (dj.current);
  g_assert_null (cg_caller_current_future ());

  cg_caller_stop (caller, FALSE);
  g_object_unref (caller);
}

static void
test_call_direct (void)
{
  CgCaller *caller;
  DirectJob dj = { 0 };
  GError *error = NULL;

  g_test_queue_destroy (cg_test_stop_unprotected, NULL);
  caller = start_new_ok ("test-direct", FALSE);

  g_assert_true (cg_caller_call_direct (caller, direct_func, &dj, direct_destroyed, &error));
  g_assert_no_error (error);
  CG_TEST_POLL_UNTIL (g_atomic_int_get (&dj.ran) == 1 &&
                      g_atomic_int_get (&dj.destroyed) == 1);
  g_assert_true (dj.thread == cg_caller_get_thread (caller));
  g_assert_true (dj.caller == caller);

  cg_caller_stop (caller, FALSE);
  g_assert_cmpint (dj.ran, ==, 1);
  g_assert_cmpint (dj.destroyed, ==, 1);

  /* closed now */
  g_assert_false (cg_caller_call_direct (caller, direct_func, &dj, NULL, &error));
  g_assert_error (error, CG_CALLER_ERROR, CG_CALLER_ERROR_CLOSED);
  g_clear_error (&error);
  g_assert_cmpint (dj.ran, ==, 1);
  g_object_unref (caller);
}

/* ------------------------------------------------------------------ */
/* call_later                                                          */
/* ------------------------------------------------------------------ */

static void
test_call_later_not_earlier (void)
{
  CgCaller *caller;
  Job job = { 0 };
  CgFuture *future;
  GError *error = NULL;
  gint64 before;

  g_test_queue_destroy (cg_test_stop_unprotected, NULL);
  caller = start_new_ok ("test-later", FALSE);

  job.value = 3;
  before = g_get_monotonic_time ();
  future = cg_caller_call_later (caller, 0.2, job_return_int, &job, job_destroyed, &error);
  g_assert_no_error (error);
  g_assert_true (CG_IS_FUTURE (future));
  g_assert_true (cg_future_get_thread (future) == cg_caller_get_thread (caller));
  wait_done (future);
  g_assert_cmpint (cg_future_propagate_int (future, &error), ==, 3);
  g_assert_no_error (error);
  g_assert_cmpint (job.ran_at - before, >=, 200 * 1000);
  g_assert_true (job.current == future);
  g_assert_true (job.thread == cg_caller_get_thread (caller));
  CG_TEST_POLL_UNTIL (g_atomic_int_get (&job.destroyed) == 1);

  g_object_unref (future);
  cg_caller_stop (caller, FALSE);
  g_object_unref (caller);
}

#define LATER_JOBS 200

typedef struct
{
  guint   index;
  gint64  earliest;   /* lower bound of its deadline */
  gint64  latest;     /* upper bound of its deadline */
  gint64  ran_at;
  GMutex *mutex;
  GArray *ran;
  gint   *destroyed;  /* counts destroy notifies, when set */
} LaterJob;

static void
later_job_destroyed (gpointer user_data)
{
  LaterJob *lj = user_data;

  g_atomic_int_inc (lj->destroyed);
}

static void
job_later (CgFuture *future,
           gpointer  user_data)
{
  LaterJob *lj = user_data;

  lj->ran_at = g_get_monotonic_time ();
  g_mutex_lock (lj->mutex);
  g_array_append_val (lj->ran, lj->index);
  g_mutex_unlock (lj->mutex);
}

static void
test_call_later_order (void)
{
  CgCaller *caller;
  LaterJob jobs[LATER_JOBS];
  CgFuture *futures[LATER_JOBS];
  GMutex mutex;
  GArray *ran;
  GRand *rand = g_rand_new_with_seed (20261125);
  GError *error = NULL;
  guint i;

  g_test_queue_destroy (cg_test_stop_unprotected, NULL);
  caller = start_new_ok ("test-later-order", FALSE);
  g_mutex_init (&mutex);
  ran = g_array_new (FALSE, FALSE, sizeof (guint));

  /* first a hand-made case: deadlines far apart, submitted out of order */
  {
    const gdouble delays[] = { 0.3, 0.1, 0.2, 0.0, 0.15 };
    const guint expected[] = { 3, 1, 4, 2, 0 };
    gint64 start = g_get_monotonic_time ();
    gint64 submitted;

    for (i = 0; i < G_N_ELEMENTS (delays); i++)
      {
        jobs[i].index = i;
        jobs[i].mutex = &mutex;
        jobs[i].ran = ran;
        jobs[i].earliest = g_get_monotonic_time () + (gint64) (delays[i] * G_USEC_PER_SEC);
        futures[i] = cg_caller_call_later (caller, delays[i], job_later, &jobs[i], NULL, &error);
        g_assert_no_error (error);
        jobs[i].latest = g_get_monotonic_time () + (gint64) (delays[i] * G_USEC_PER_SEC);
      }
    submitted = g_get_monotonic_time ();
    for (i = 0; i < G_N_ELEMENTS (delays); i++)
      {
        wait_done (futures[i]);
        g_assert_cmpint (jobs[i].ran_at, >=, jobs[i].earliest);
        g_object_unref (futures[i]);
      }
    g_mutex_lock (&mutex);
    g_assert_cmpuint (ran->len, ==, G_N_ELEMENTS (delays));
    /* the deadlines are 50 ms apart or more: unless submitting took that
     * long (a very loaded machine), their order is the one expected */
    if (submitted - start < 40 * 1000)
      for (i = 0; i < G_N_ELEMENTS (delays); i++)
        g_assert_cmpuint (g_array_index (ran, guint, i), ==, expected[i]);
    else
      g_test_message ("submitting took %" G_GINT64_FORMAT " us: exact order not checked",
                      submitted - start);
    for (i = 1; i < G_N_ELEMENTS (delays); i++)
      {
        LaterJob *prev = &jobs[g_array_index (ran, guint, i - 1)];
        LaterJob *next = &jobs[g_array_index (ran, guint, i)];

        g_assert_cmpint (next->latest, >=, prev->earliest);
      }
    g_array_set_size (ran, 0);
    g_mutex_unlock (&mutex);
  }

  /* then many timers with random delays: each runs no earlier than its
   * deadline, and they run in deadline order wherever the order of the
   * deadlines is certain */
  for (i = 0; i < LATER_JOBS; i++)
    {
      gdouble delay = g_rand_int_range (rand, 0, 300) / 1000.0;

      jobs[i].index = i;
      jobs[i].mutex = &mutex;
      jobs[i].ran = ran;
      jobs[i].earliest = g_get_monotonic_time () + (gint64) (delay * G_USEC_PER_SEC);
      futures[i] = cg_caller_call_later (caller, delay, job_later, &jobs[i], NULL, &error);
      g_assert_no_error (error);
      jobs[i].latest = g_get_monotonic_time () + (gint64) (delay * G_USEC_PER_SEC);
    }
  for (i = 0; i < LATER_JOBS; i++)
    {
      wait_done (futures[i]);
      g_assert_cmpint (jobs[i].ran_at, >=, jobs[i].earliest);
      g_object_unref (futures[i]);
    }
  g_mutex_lock (&mutex);
  g_assert_cmpuint (ran->len, ==, LATER_JOBS);
  for (i = 1; i < LATER_JOBS; i++)
    {
      LaterJob *prev = &jobs[g_array_index (ran, guint, i - 1)];
      LaterJob *next = &jobs[g_array_index (ran, guint, i)];

      /* "next" ran after "prev": its deadline cannot be surely earlier */
      if (next->latest < prev->earliest)
        g_error ("job %u (deadline <= %" G_GINT64_FORMAT ") ran after job %u "
                 "(deadline >= %" G_GINT64_FORMAT ")", next->index,
                 next->latest, prev->index, prev->earliest);
    }
  g_mutex_unlock (&mutex);

  cg_caller_stop (caller, FALSE);
  g_array_unref (ran);
  g_mutex_clear (&mutex);
  g_rand_free (rand);
  g_object_unref (caller);
}

static void
test_call_later_cancel (void)
{
  CgCaller *caller;
  Job job = { 0 };
  CgFuture *future;
  GError *error = NULL;
  gint64 deadline;

  g_test_queue_destroy (cg_test_stop_unprotected, NULL);
  caller = start_new_ok ("test-later-cancel", FALSE);

  future = cg_caller_call_later (caller, 0.5, job_nothing, &job, job_destroyed, &error);
  deadline = g_get_monotonic_time () + 500 * 1000;
  g_assert_no_error (error);
  g_assert_true (cg_future_cancel (future, "not wanted"));
  wait_done (future);
  g_assert_false (cg_future_check (future, &error));
  g_assert_error (error, CG_FUTURE_ERROR, CG_FUTURE_ERROR_CANCELLED);
  g_assert_cmpstr (error->message, ==, "not wanted");
  g_clear_error (&error);
  CG_TEST_POLL_UNTIL (g_atomic_int_get (&job.destroyed) == 1);
  /* past its deadline, it still never ran */
  while (g_get_monotonic_time () < deadline + 50 * 1000)
    g_usleep (10 * 1000);
  g_assert_cmpint (g_atomic_int_get (&job.ran), ==, 0);

  g_object_unref (future);
  cg_caller_stop (caller, FALSE);
  g_assert_cmpint (job.destroyed, ==, 1);
  g_object_unref (caller);
}

/* A cancelled delayed job completes at once, not at its deadline; its
 * data is dropped exactly once. */
static void
test_call_later_cancel_prompt (void)
{
  CgCaller *caller;
  Job job = { 0 };
  CgFuture *future;
  GError *error = NULL;

  g_test_queue_destroy (cg_test_stop_unprotected, NULL);
  caller = start_new_ok ("test-later-cancel-prompt", FALSE);

  future = cg_caller_call_later (caller, 3600.0, job_nothing, &job, job_destroyed, &error);
  g_assert_no_error (error);
  g_assert_true (cg_future_cancel (future, "not in an hour"));
  g_assert_false (cg_future_wait_sync (future, CG_TEST_TIMEOUT_S, CG_WAIT_FLAGS_NONE, NULL,
                                       &error));
  g_assert_error (error, CG_FUTURE_ERROR, CG_FUTURE_ERROR_CANCELLED);
  g_assert_cmpstr (error->message, ==, "not in an hour");
  g_clear_error (&error);
  g_assert_cmpint (g_atomic_int_get (&job.ran), ==, 0);

  g_object_unref (future);
  cg_caller_stop (caller, FALSE);
  g_assert_cmpint (g_atomic_int_get (&job.destroyed), ==, 1);
  g_assert_cmpint (g_atomic_int_get (&job.ran), ==, 0);
  g_object_unref (caller);
}

/* What a delayed job's destroy notify saw. */
typedef struct
{
  gint     destroyed;
  GThread *thread;
} Dropped;

static void
dropped_record (gpointer user_data)
{
  Dropped *dropped = user_data;

  dropped->thread = g_thread_self ();
  g_atomic_int_inc (&dropped->destroyed);
}

static void
job_never (CgFuture *future,
           gpointer  user_data)
{
  g_error ("a cancelled delayed job ran");
}

/* Cancelling a delayed job frees its data right away, on the caller's
 * thread, while the caller keeps running: not at its deadline, an hour
 * later, nor when the caller stops. */
static void
test_call_later_cancel_frees_data (void)
{
  CgCaller *caller;
  Dropped dropped = { 0 };
  CgFuture *future;
  GError *error = NULL;

  g_test_queue_destroy (cg_test_stop_unprotected, NULL);
  caller = start_new_ok ("test-later-cancel-frees", FALSE);

  future = cg_caller_call_later (caller, 3600.0, job_never, &dropped, dropped_record, &error);
  g_assert_no_error (error);
  g_assert_true (cg_future_cancel (future, NULL));
  CG_TEST_POLL_UNTIL (g_atomic_int_get (&dropped.destroyed) == 1);
  g_assert_true (dropped.thread == cg_caller_get_thread (caller));
  wait_done (future);
  g_assert_true (cg_future_is_cancelled (future));
  g_assert_true (cg_caller_get_running (caller));

  /* Cancelling again drops nothing more. */
  g_assert_true (cg_future_cancel (future, "again"));
  g_object_unref (future);
  cg_caller_stop (caller, FALSE);
  g_assert_cmpint (g_atomic_int_get (&dropped.destroyed), ==, 1);
  g_object_unref (caller);
}

/* The same on a caller bound to a main loop the test iterates, and for a
 * job cancelled before its caller had even seen it. */
static void
test_call_later_cancel_frees_data_main (void)
{
  CgCaller *caller = cg_test_main_caller ();
  Dropped first = { 0 }, second = { 0 };
  CgFuture *future;
  GError *error = NULL;

  /* Cancelled before the loop runs: the caller drops it when it gets it. */
  future = cg_caller_call_later (caller, 3600.0, job_never, &first, dropped_record, &error);
  g_assert_no_error (error);
  g_assert_true (cg_future_cancel (future, NULL));
  CG_TEST_ITERATE_UNTIL (g_main_context_default (),
                         g_atomic_int_get (&first.destroyed) == 1 && cg_future_is_done (future));
  g_assert_true (first.thread == g_thread_self ());
  g_object_unref (future);

  /* Cancelled while it waits for its deadline. */
  future = cg_caller_call_later (caller, 3600.0, job_never, &second, dropped_record, &error);
  g_assert_no_error (error);
  cg_test_drain (g_main_context_default ());
  g_assert_cmpint (g_atomic_int_get (&second.destroyed), ==, 0);
  g_assert_true (cg_future_cancel (future, NULL));
  CG_TEST_ITERATE_UNTIL (g_main_context_default (),
                         g_atomic_int_get (&second.destroyed) == 1 && cg_future_is_done (future));
  g_assert_true (second.thread == g_thread_self ());
  g_object_unref (future);
}

/* Delayed jobs cancelled anywhere in the timer heap leave it at once; the
 * others still run in the order of their deadlines. */
static void
test_call_later_cancel_some (void)
{
  CgCaller *caller;
  LaterJob jobs[LATER_JOBS];
  CgFuture *futures[LATER_JOBS];
  Dropped far[LATER_JOBS];
  CgFuture *far_futures[LATER_JOBS];
  GMutex mutex;
  GArray *ran;
  GRand *rand = g_rand_new_with_seed (20261207);
  GError *error = NULL;
  guint i, n_cancelled = 0;
  gint destroyed = 0;

  g_test_queue_destroy (cg_test_stop_unprotected, NULL);
  caller = start_new_ok ("test-later-cancel-some", FALSE);
  g_mutex_init (&mutex);
  ran = g_array_new (FALSE, FALSE, sizeof (guint));
  memset (far, 0, sizeof far);

  /* Far deadlines, interleaved with near ones, half of them cancelled. */
  for (i = 0; i < LATER_JOBS; i++)
    {
      /* The ones cancelled below are far enough off to be pending still
       * when cancelled, however slow the machine (a sanitizer build). */
      gdouble delay = i % 3 == 0 ? 60.0 + g_rand_int_range (rand, 0, 300) / 1000.0
                                 : g_rand_int_range (rand, 0, 300) / 1000.0;

      far_futures[i] = cg_caller_call_later (caller, 3600.0 + i, job_never, &far[i],
                                             dropped_record, &error);
      g_assert_no_error (error);

      jobs[i].index = i;
      jobs[i].mutex = &mutex;
      jobs[i].ran = ran;
      jobs[i].destroyed = &destroyed;
      jobs[i].earliest = g_get_monotonic_time () + (gint64) (delay * G_USEC_PER_SEC);
      futures[i] = cg_caller_call_later (caller, delay, job_later, &jobs[i],
                                         later_job_destroyed, &error);
      g_assert_no_error (error);
      jobs[i].latest = g_get_monotonic_time () + (gint64) (delay * G_USEC_PER_SEC);
    }
  for (i = 0; i < LATER_JOBS; i += 2)
    g_assert_true (cg_future_cancel (far_futures[i], NULL));
  for (i = 0; i < LATER_JOBS; i += 3)
    {
      g_assert_true (cg_future_cancel (futures[i], NULL));
      n_cancelled++;
    }

  for (i = 0; i < LATER_JOBS; i++)
    {
      wait_done (futures[i]);
      g_object_unref (futures[i]);
    }
  CG_TEST_POLL_UNTIL (g_atomic_int_get (&destroyed) == LATER_JOBS);
  for (i = 0; i < LATER_JOBS; i++)
    {
      gboolean cancelled = i % 2 == 0;

      g_assert_cmpint (g_atomic_int_get (&far[i].destroyed), ==, cancelled ? 1 : 0);
      g_assert_cmpint (cg_future_is_done (far_futures[i]), ==, cancelled);
    }

  g_mutex_lock (&mutex);
  /* The cancelled jobs never ran. */
  g_assert_cmpuint (ran->len, ==, LATER_JOBS - n_cancelled);
  for (i = 1; i < ran->len; i++)
    {
      LaterJob *prev = &jobs[g_array_index (ran, guint, i - 1)];
      LaterJob *next = &jobs[g_array_index (ran, guint, i)];

      if (next->latest < prev->earliest)
        g_error ("job %u (deadline <= %" G_GINT64_FORMAT ") ran after job %u "
                 "(deadline >= %" G_GINT64_FORMAT ")", next->index,
                 next->latest, prev->index, prev->earliest);
    }
  for (i = 0; i < ran->len; i++)
    g_assert_cmpint (jobs[g_array_index (ran, guint, i)].ran_at, >=,
                     jobs[g_array_index (ran, guint, i)].earliest);
  g_mutex_unlock (&mutex);

  cg_caller_stop (caller, FALSE);
  for (i = 0; i < LATER_JOBS; i++)
    {
      g_assert_cmpint (g_atomic_int_get (&far[i].destroyed), ==, 1);
      g_object_unref (far_futures[i]);
    }
  g_array_unref (ran);
  g_mutex_clear (&mutex);
  g_rand_free (rand);
  g_object_unref (caller);
}

/* ------------------------------------------------------------------ */
/* Cancellation of jobs                                                */
/* ------------------------------------------------------------------ */

static void
test_cancel_before_run (void)
{
  CgCaller *caller;
  GateJob gj;
  Job queued = { 0 }, after = { 0 };
  CgFuture *f_gate, *f_queued, *f_after;
  GError *error = NULL;

  g_test_queue_destroy (cg_test_stop_unprotected, NULL);
  caller = start_new_ok ("test-cancel-before", FALSE);
  gate_job_init (&gj, CG_TEST_TIMEOUT_S, FALSE);

  f_gate = call_soon_ok (caller, job_gate, &gj, NULL);
  CG_TEST_POLL_UNTIL (g_atomic_int_get (&gj.started));
  f_queued = call_soon_ok (caller, job_nothing, &queued, job_destroyed);
  after.value = 11;
  f_after = call_soon_ok (caller, job_return_int, &after, job_destroyed);

  g_assert_true (cg_future_cancel (f_queued, "skip it"));
  g_assert_true (cg_future_is_cancelled (f_queued));

  cg_test_gate_open (&gj.gate);
  wait_done (f_queued);
  wait_done (f_after);
  wait_done (f_gate);

  /* never ran, completed as cancelled, destroy notify once */
  g_assert_cmpint (g_atomic_int_get (&queued.ran), ==, 0);
  g_assert_false (cg_future_check (f_queued, &error));
  g_assert_error (error, CG_FUTURE_ERROR, CG_FUTURE_ERROR_CANCELLED);
  g_assert_cmpstr (error->message, ==, "skip it");
  g_clear_error (&error);
  CG_TEST_POLL_UNTIL (g_atomic_int_get (&queued.destroyed) == 1);

  /* the caller went on */
  g_assert_cmpint (cg_future_propagate_int (f_after, &error), ==, 11);
  g_assert_no_error (error);
  g_assert_cmpint (cg_future_propagate_int (f_gate, &error), ==, 1);
  g_assert_no_error (error);

  g_object_unref (f_gate);
  g_object_unref (f_queued);
  g_object_unref (f_after);
  cg_caller_stop (caller, FALSE);
  g_assert_cmpint (queued.destroyed, ==, 1);
  g_assert_cmpint (after.destroyed, ==, 1);
  gate_job_clear (&gj);
  g_object_unref (caller);
}

static void
test_cancel_running (void)
{
  CgCaller *caller;
  GateJob gj;
  CgFuture *future;
  GError *error = NULL;

  g_test_queue_destroy (cg_test_stop_unprotected, NULL);
  caller = start_new_ok ("test-cancel-running", FALSE);
  gate_job_init (&gj, CG_TEST_TIMEOUT_S, FALSE);

  future = call_soon_ok (caller, job_gate, &gj, NULL);
  CG_TEST_POLL_UNTIL (g_atomic_int_get (&gj.started));
  g_assert_true (cg_future_cancel (future, "midway"));
  g_assert_true (cg_future_is_cancelled (future));
  g_assert_false (cg_future_is_done (future));

  /* the job ends with a value: the future still reports cancelled */
  cg_test_gate_open (&gj.gate);
  wait_done (future);
  /* (the job completes its future just before it returns) */
  CG_TEST_POLL_UNTIL (g_atomic_int_get (&gj.finished));
  g_assert_false (cg_future_check (future, &error));
  g_assert_error (error, CG_FUTURE_ERROR, CG_FUTURE_ERROR_CANCELLED);
  g_assert_cmpstr (error->message, ==, "midway");
  g_clear_error (&error);
  /* and its cancellable was cancelled */
  CG_TEST_POLL_UNTIL (g_cancellable_is_cancelled (gj.cancellable));

  g_object_unref (future);
  cg_caller_stop (caller, FALSE);
  gate_job_clear (&gj);
  g_object_unref (caller);
}

/* A cooperative job: it returns a future that its cancellable completes. */
typedef struct
{
  gint started;
  gint handler_ran;
} CoopJob;

static void
coop_cancelled (GCancellable *cancellable,
                gpointer      user_data)
{
  CgFuture *inner = user_data;
  CoopJob *cj = g_object_get_data (G_OBJECT (inner), "coop-job");

  g_atomic_int_set (&cj->handler_ran, 1);
  cg_future_return_int (inner, 5, NULL);
}

static void
job_coop (CgFuture *future,
          gpointer  user_data)
{
  CoopJob *cj = user_data;
  GCancellable *cancellable = cg_future_get_cancellable (future);
  CgFuture *inner = cg_future_new ();
  GError *error = NULL;

  g_assert_true (G_IS_CANCELLABLE (cancellable));
  g_object_set_data (G_OBJECT (inner), "coop-job", cj);
  g_signal_connect_data (cancellable, "cancelled", G_CALLBACK (coop_cancelled),
                         g_object_ref (inner), (GClosureNotify) (void (*) (void)) g_object_unref, 0);
  g_assert_true (cg_future_return_future (future, inner, &error));
  g_assert_no_error (error);
  g_object_unref (inner);
  g_atomic_int_set (&cj->started, 1);
}

static void
test_cancel_running_cancellable (void)
{
  CgCaller *caller;
  CoopJob cj = { 0 };
  CgFuture *future;
  GError *error = NULL;

  g_test_queue_destroy (cg_test_stop_unprotected, NULL);
  caller = start_new_ok ("test-cancel-coop", FALSE);

  future = call_soon_ok (caller, job_coop, &cj, NULL);
  CG_TEST_POLL_UNTIL (g_atomic_int_get (&cj.started));
  g_assert_false (cg_future_is_done (future));
  g_assert_true (cg_future_cancel (future, "cooperate"));
  /* the job's cancellable fires, the inner future completes, the job ends */
  wait_done (future);
  g_assert_true (g_atomic_int_get (&cj.handler_ran));
  g_assert_false (cg_future_check (future, &error));
  g_assert_error (error, CG_FUTURE_ERROR, CG_FUTURE_ERROR_CANCELLED);
  g_assert_cmpstr (error->message, ==, "cooperate");
  g_clear_error (&error);

  g_object_unref (future);
  cg_caller_stop (caller, FALSE);
  g_object_unref (caller);
}

/* ------------------------------------------------------------------ */
/* stop                                                                */
/* ------------------------------------------------------------------ */

static void
test_stop_closed (void)
{
  CgCaller *caller;
  Job job = { 0 };
  DirectJob dj = { 0 };
  GError *error = NULL;
  GList *all;

  g_test_queue_destroy (cg_test_stop_unprotected, NULL);
  caller = start_new_ok ("test-closed", FALSE);
  cg_caller_stop (caller, FALSE);
  g_assert_true (cg_caller_get_stopped (caller));
  g_assert_false (cg_caller_get_running (caller));

  g_assert_null (cg_caller_call_soon (caller, job_nothing, &job, NULL, &error));
  g_assert_error (error, CG_CALLER_ERROR, CG_CALLER_ERROR_CLOSED);
  g_assert_nonnull (error->message);
  g_assert_cmpstr (error->message, !=, "");
  g_clear_error (&error);
  g_assert_null (cg_caller_call_later (caller, 0.01, job_nothing, &job, NULL, &error));
  g_assert_error (error, CG_CALLER_ERROR, CG_CALLER_ERROR_CLOSED);
  g_clear_error (&error);
  g_assert_false (cg_caller_call_direct (caller, direct_func, &dj, NULL, &error));
  g_assert_error (error, CG_CALLER_ERROR, CG_CALLER_ERROR_CLOSED);
  g_clear_error (&error);
  /* stopping twice is harmless */
  cg_caller_stop (caller, FALSE);
  cg_caller_stop (caller, TRUE);
  g_assert_true (cg_caller_get_stopped (caller));
  g_assert_cmpstr (cg_caller_get_name (caller), ==, "test-closed");

  /* it left the registry */
  g_assert_null (cg_caller_get_instance ("test-closed", FALSE, &error));
  g_assert_error (error, CG_CALLER_ERROR, CG_CALLER_ERROR_NOT_FOUND);
  g_clear_error (&error);
  all = cg_caller_all_callers (FALSE);
  g_assert_false (list_has (all, caller));
  g_list_free_full (all, g_object_unref);

  g_usleep (20 * 1000);
  g_assert_cmpint (job.ran, ==, 0);
  g_assert_cmpint (dj.ran, ==, 0);
  g_object_unref (caller);
}

static void
test_stop_protected (void)
{
  CgCaller *caller;
  Job job = { 0 };
  CgFuture *future;
  GError *error = NULL;

  g_test_queue_destroy (cg_test_stop_unprotected, NULL);
  caller = start_new_ok ("test-protected", TRUE);
  g_assert_true (cg_caller_get_protected (caller));

  /* not forced: nothing */
  cg_caller_stop (caller, FALSE);
  g_assert_true (cg_caller_get_running (caller));
  g_assert_false (cg_caller_get_stopped (caller));
  job.value = 4;
  future = call_soon_ok (caller, job_return_int, &job, NULL);
  wait_done (future);
  g_assert_cmpint (cg_future_propagate_int (future, &error), ==, 4);
  g_assert_no_error (error);
  g_object_unref (future);

  /* forced */
  cg_caller_stop (caller, TRUE);
  g_assert_false (cg_caller_get_running (caller));
  g_assert_true (cg_caller_get_stopped (caller));
  g_assert_null (cg_caller_call_soon (caller, job_nothing, &job, NULL, &error));
  g_assert_error (error, CG_CALLER_ERROR, CG_CALLER_ERROR_CLOSED);
  g_clear_error (&error);
  g_object_unref (caller);
}

#define PENDING_JOBS 10000

typedef struct
{
  gint ran;
  gint destroyed;
} Slot;

static void
job_slot (CgFuture *future,
          gpointer  user_data)
{
  g_atomic_int_inc (&((Slot *) user_data)->ran);
}

static void
slot_destroyed (gpointer user_data)
{
  g_atomic_int_inc (&((Slot *) user_data)->destroyed);
}

static void
test_stop_pending (void)
{
  CgCaller *caller;
  GateJob gj;
  Slot *slots = g_new0 (Slot, PENDING_JOBS);
  CgFuture **futures = g_new0 (CgFuture *, PENDING_JOBS);
  CgFuture *f_gate;
  GError *error = NULL;
  guint i, bad_ran = 0, bad_destroyed = 0, not_cancelled = 0;

  g_test_queue_destroy (cg_test_stop_unprotected, NULL);
  caller = start_new_ok ("test-stop-pending", FALSE);
  /* the first job blocks until the gate opens, its cancellable is
   * cancelled, or 2 s pass */
  gate_job_init (&gj, 2.0, TRUE);

  f_gate = call_soon_ok (caller, job_gate, &gj, NULL);
  CG_TEST_POLL_UNTIL (g_atomic_int_get (&gj.started));
  for (i = 0; i < PENDING_JOBS; i++)
    futures[i] = call_soon_ok (caller, job_slot, &slots[i], slot_destroyed);

  /* blocks until the caller's thread has finished */
  cg_caller_stop (caller, FALSE);
  g_assert_true (cg_caller_get_stopped (caller));
  g_assert_false (cg_caller_get_running (caller));
  g_assert_true (g_atomic_int_get (&gj.finished));

  /* the running job: its future and cancellable are cancelled */
  g_assert_true (cg_future_is_cancelled (f_gate));
  g_assert_true (g_cancellable_is_cancelled (gj.cancellable));
  g_assert_true (cg_future_is_done (f_gate));
  g_assert_false (cg_future_check (f_gate, &error));
  g_assert_error (error, CG_FUTURE_ERROR, CG_FUTURE_ERROR_CANCELLED);
  g_clear_error (&error);

  /* every pending one: never ran, cancelled, destroy notify exactly once */
  for (i = 0; i < PENDING_JOBS; i++)
    {
      if (g_atomic_int_get (&slots[i].ran) != 0)
        bad_ran++;
      if (g_atomic_int_get (&slots[i].destroyed) != 1)
        bad_destroyed++;
      if (!cg_future_is_done (futures[i]) || !cg_future_is_cancelled (futures[i]))
        not_cancelled++;
    }
  g_assert_cmpuint (bad_ran, ==, 0);
  g_assert_cmpuint (bad_destroyed, ==, 0);
  g_assert_cmpuint (not_cancelled, ==, 0);
  g_assert_false (cg_future_check (futures[0], &error));
  g_assert_error (error, CG_FUTURE_ERROR, CG_FUTURE_ERROR_CANCELLED);
  g_clear_error (&error);
  g_assert_false (cg_future_check (futures[PENDING_JOBS - 1], &error));
  g_assert_error (error, CG_FUTURE_ERROR, CG_FUTURE_ERROR_CANCELLED);
  g_clear_error (&error);

  /* closed for new work */
  g_assert_null (cg_caller_call_soon (caller, job_slot, &slots[0], NULL, &error));
  g_assert_error (error, CG_CALLER_ERROR, CG_CALLER_ERROR_CLOSED);
  g_clear_error (&error);

  for (i = 0; i < PENDING_JOBS; i++)
    g_object_unref (futures[i]);
  g_object_unref (f_gate);
  /* still exactly once */
  for (i = 0; i < PENDING_JOBS; i++)
    if (g_atomic_int_get (&slots[i].destroyed) != 1)
      bad_destroyed++;
  g_assert_cmpuint (bad_destroyed, ==, 0);

  g_test_message ("the running job %s its cancellable cancelled while it ran",
                  g_atomic_int_get (&gj.saw_cancel) ? "saw" : "did not see");

  gate_job_clear (&gj);
  g_free (futures);
  g_free (slots);
  g_object_unref (caller);
}

static void
test_stop_pending_timers (void)
{
  CgCaller *caller;
  Slot *slots = g_new0 (Slot, 100);
  CgFuture *futures[100];
  GError *error = NULL;
  guint i;

  g_test_queue_destroy (cg_test_stop_unprotected, NULL);
  caller = start_new_ok ("test-stop-timers", FALSE);
  for (i = 0; i < G_N_ELEMENTS (futures); i++)
    {
      futures[i] = cg_caller_call_later (caller, 30.0 + i, job_slot, &slots[i],
                                         slot_destroyed, &error);
      g_assert_no_error (error);
    }
  cg_caller_stop (caller, FALSE);
  for (i = 0; i < G_N_ELEMENTS (futures); i++)
    {
      g_assert_cmpint (g_atomic_int_get (&slots[i].ran), ==, 0);
      g_assert_cmpint (g_atomic_int_get (&slots[i].destroyed), ==, 1);
      g_assert_true (cg_future_is_done (futures[i]));
      g_assert_true (cg_future_is_cancelled (futures[i]));
      g_object_unref (futures[i]);
    }
  for (i = 0; i < G_N_ELEMENTS (futures); i++)
    g_assert_cmpint (g_atomic_int_get (&slots[i].destroyed), ==, 1);
  g_free (slots);
  g_object_unref (caller);
}

/* A job stops its own caller: no deadlock; the job's future is cancelled. */
typedef struct
{
  CgTestGate queued;   /* opened once the next job is queued behind it */
  gint       returned;
} SelfStop;

static void
job_stop_own_caller (CgFuture *future,
                     gpointer  user_data)
{
  SelfStop *ss = user_data;
  CgCaller *caller = cg_caller_get_current ();

  g_assert_nonnull (caller);
  g_assert_true (cg_test_gate_wait (&ss->queued, CG_TEST_TIMEOUT_S, NULL));
  cg_caller_stop (caller, FALSE);
  g_assert_true (cg_caller_get_stopped (caller));
  g_assert_true (cg_future_is_cancelled (future));
  cg_future_return_int (future, 1, NULL);
  g_atomic_int_set (&ss->returned, 1);
}

static void
test_stop_from_job (void)
{
  CgCaller *caller;
  SelfStop ss = { 0 };
  Slot slot = { 0 };
  CgFuture *future, *queued;
  GError *error = NULL;

  g_test_queue_destroy (cg_test_stop_unprotected, NULL);
  cg_test_gate_init (&ss.queued);
  caller = start_new_ok ("test-stop-from-job", FALSE);
  future = call_soon_ok (caller, job_stop_own_caller, &ss, NULL);
  queued = call_soon_ok (caller, job_slot, &slot, slot_destroyed);
  cg_test_gate_open (&ss.queued);
  wait_done (future);
  wait_done (queued);
  /* (the job completes its future just before it returns) */
  CG_TEST_POLL_UNTIL (g_atomic_int_get (&ss.returned));
  g_assert_true (cg_caller_get_stopped (caller));
  g_assert_false (cg_future_check (future, &error));
  g_assert_error (error, CG_FUTURE_ERROR, CG_FUTURE_ERROR_CANCELLED);
  g_clear_error (&error);
  /* the job queued behind it never ran */
  g_assert_true (cg_future_is_cancelled (queued));
  g_assert_cmpint (g_atomic_int_get (&slot.ran), ==, 0);
  CG_TEST_POLL_UNTIL (g_atomic_int_get (&slot.destroyed) == 1);
  /* stopping again from here is harmless and finds it finished */
  cg_caller_stop (caller, FALSE);
  g_object_unref (future);
  g_object_unref (queued);
  g_object_unref (caller);
  cg_test_gate_clear (&ss.queued);
}

/* ------------------------------------------------------------------ */
/* stop_all, get_instance, all_callers                                 */
/* ------------------------------------------------------------------ */

typedef struct
{
  GMutex   mutex;
  GString *order;
} StopOrder;

static void
record_stopped (GObject    *object,
                GParamSpec *pspec,
                gpointer    user_data)
{
  StopOrder *so = user_data;

  if (!cg_caller_get_stopped (CG_CALLER (object)))
    return;
  g_mutex_lock (&so->mutex);
  g_string_append (so->order, cg_caller_get_name (CG_CALLER (object)));
  g_string_append_c (so->order, ' ');
  g_mutex_unlock (&so->mutex);
}

static void
test_stop_all_protected (void)
{
  CgCaller *a, *b, *c, *p;
  StopOrder so;
  GList *all;
  char *order;

  g_test_queue_destroy (cg_test_stop_unprotected, NULL);
  g_mutex_init (&so.mutex);
  so.order = g_string_new (NULL);

  a = start_new_ok ("sa", FALSE);
  p = start_new_ok ("sp", TRUE);
  b = start_new_ok ("sb", FALSE);
  c = start_new_ok ("sc", FALSE);
  g_signal_connect (a, "notify::stopped", G_CALLBACK (record_stopped), &so);
  g_signal_connect (b, "notify::stopped", G_CALLBACK (record_stopped), &so);
  g_signal_connect (c, "notify::stopped", G_CALLBACK (record_stopped), &so);

  all = cg_caller_all_callers (TRUE);
  g_assert_true (list_has (all, a));
  g_assert_true (list_has (all, b));
  g_assert_true (list_has (all, c));
  g_assert_true (list_has (all, p));
  g_assert_true (list_has (all, cg_test_main_caller ()));
  g_list_free_full (all, g_object_unref);

  cg_caller_stop_all (FALSE);
  g_assert_true (cg_caller_get_stopped (a));
  g_assert_true (cg_caller_get_stopped (b));
  g_assert_true (cg_caller_get_stopped (c));
  /* protected ones survive */
  g_assert_true (cg_caller_get_running (p));
  g_assert_false (cg_caller_get_stopped (p));
  g_assert_true (cg_caller_get_running (cg_test_main_caller ()));

  /* newest first */
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, ({
    gboolean complete;
    g_mutex_lock (&so.mutex);
    complete = so.order->len >= strlen ("sc sb sa ");
    g_mutex_unlock (&so.mutex);
    complete;
  }));
  g_mutex_lock (&so.mutex);
  order = g_strdup (so.order->str);
  g_mutex_unlock (&so.mutex);
  g_assert_cmpstr (order, ==, "sc sb sa ");
  g_free (order);

  all = cg_caller_all_callers (TRUE);
  g_assert_false (list_has (all, a));
  g_assert_false (list_has (all, b));
  g_assert_false (list_has (all, c));
  g_assert_true (list_has (all, p));
  g_list_free_full (all, g_object_unref);

  cg_caller_stop (p, TRUE);
  g_assert_true (cg_caller_get_stopped (p));

  g_signal_handlers_disconnect_by_data (a, &so);
  g_signal_handlers_disconnect_by_data (b, &so);
  g_signal_handlers_disconnect_by_data (c, &so);
  g_object_unref (a);
  g_object_unref (b);
  g_object_unref (c);
  g_object_unref (p);
  g_string_free (so.order, TRUE);
  g_mutex_clear (&so.mutex);
}

/* With force, protected callers stop too, the main thread's included
 * (the next test gets a new one from cg_test_main_caller()). */
static void
test_stop_all_force (void)
{
  CgCaller *p = start_new_ok ("forced", TRUE);
  CgCaller *main_caller = g_object_ref (cg_test_main_caller ());

  cg_caller_stop_all (TRUE);
  g_assert_true (cg_caller_get_stopped (p));
  g_assert_true (cg_caller_get_stopped (main_caller));
  g_object_unref (main_caller);
  g_object_unref (p);
}

static void
test_get_instance (void)
{
  CgCaller *caller, *again;
  GError *error = NULL;
  Job job = { 0 };
  CgFuture *future;

  g_test_queue_destroy (cg_test_stop_unprotected, NULL);

  g_assert_null (cg_caller_get_instance ("test-instance", FALSE, &error));
  g_assert_error (error, CG_CALLER_ERROR, CG_CALLER_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* create: a new named caller thread, running */
  caller = cg_caller_get_instance ("test-instance", TRUE, &error);
  g_assert_no_error (error);
  g_assert_true (CG_IS_CALLER (caller));
  g_assert_cmpstr (cg_caller_get_name (caller), ==, "test-instance");
  g_assert_true (cg_caller_get_running (caller));
  g_assert_true (cg_caller_get_thread (caller) != g_thread_self ());

  again = cg_caller_get_instance ("test-instance", FALSE, &error);
  g_assert_no_error (error);
  g_assert_true (again == caller);
  caller_release (again);
  again = cg_caller_get_instance ("test-instance", TRUE, &error);
  g_assert_no_error (error);
  g_assert_true (again == caller);
  caller_release (again);

  job.value = 8;
  future = call_soon_ok (caller, job_return_int, &job, NULL);
  wait_done (future);
  g_assert_cmpint (cg_future_propagate_int (future, &error), ==, 8);
  g_assert_no_error (error);
  g_assert_true (job.thread == cg_caller_get_thread (caller));
  g_object_unref (future);

  cg_caller_stop (caller, FALSE);
  caller_release (caller);
}

static void
test_all_callers (void)
{
  CgCaller *caller;
  GList *running, *everything, *l;

  g_test_queue_destroy (cg_test_stop_unprotected, NULL);
  caller = start_new_ok ("test-all", FALSE);

  running = cg_caller_all_callers (TRUE);
  everything = cg_caller_all_callers (FALSE);
  g_assert_true (list_has (running, caller));
  g_assert_true (list_has (running, cg_test_main_caller ()));
  g_assert_true (list_has (everything, caller));
  g_assert_true (list_has (everything, cg_test_main_caller ()));
  for (l = running; l != NULL; l = l->next)
    {
      g_assert_true (CG_IS_CALLER (l->data));
      g_assert_true (cg_caller_get_running (l->data));
      g_assert_true (list_has (everything, l->data));
    }
  g_list_free_full (running, g_object_unref);
  g_list_free_full (everything, g_object_unref);

  cg_caller_stop (caller, FALSE);
  running = cg_caller_all_callers (TRUE);
  g_assert_false (list_has (running, caller));
  g_list_free_full (running, g_object_unref);
  g_object_unref (caller);
}

/* ------------------------------------------------------------------ */
/* Bad input: criticals or errors, never a crash                      */
/* ------------------------------------------------------------------ */

#define EXPECT_CRITICAL() \
  g_test_expect_message (CG_TEST_LIB_DOMAIN, G_LOG_LEVEL_CRITICAL, "*assertion*failed*")

static void
test_bad_input (void)
{
  CgCaller *caller;
  GError *error = NULL;
  Job job = { 0 };

  g_test_queue_destroy (cg_test_stop_unprotected, NULL);
  caller = start_new_ok ("test-bad-input", FALSE);

  EXPECT_CRITICAL ();
  g_assert_null (cg_caller_call_soon (caller, NULL, NULL, NULL, &error));
  g_test_assert_expected_messages ();
  g_assert_no_error (error);

  EXPECT_CRITICAL ();
  g_assert_null (cg_caller_call_soon (NULL, job_nothing, &job, NULL, &error));
  g_test_assert_expected_messages ();
  g_assert_no_error (error);

  EXPECT_CRITICAL ();
  g_assert_null (cg_caller_call_later (caller, -1.0, job_nothing, &job, NULL, &error));
  g_test_assert_expected_messages ();
  g_assert_no_error (error);

  EXPECT_CRITICAL ();
  g_assert_null (cg_caller_call_later (caller, 0.1, NULL, NULL, NULL, &error));
  g_test_assert_expected_messages ();
  g_assert_no_error (error);

  EXPECT_CRITICAL ();
  g_assert_false (cg_caller_call_direct (caller, NULL, NULL, NULL, &error));
  g_test_assert_expected_messages ();
  g_assert_no_error (error);

  EXPECT_CRITICAL ();
  g_assert_false (cg_caller_call_sync (caller, NULL, NULL, NULL, &error));
  g_test_assert_expected_messages ();
  g_assert_no_error (error);

  EXPECT_CRITICAL ();
  g_assert_false (cg_caller_call_sync (NULL, direct_func, NULL, NULL, &error));
  g_test_assert_expected_messages ();
  g_assert_no_error (error);

  EXPECT_CRITICAL ();
  g_assert_false (cg_caller_call_sync (caller, direct_func, NULL, (GCancellable *) caller, &error));
  g_test_assert_expected_messages ();
  g_assert_no_error (error);

  EXPECT_CRITICAL ();
  cg_caller_stop (NULL, FALSE);
  g_test_assert_expected_messages ();

  EXPECT_CRITICAL ();
  g_assert_null (cg_caller_get_name (NULL));
  g_test_assert_expected_messages ();

  /* runtime conditions are errors */
  g_assert_null (cg_caller_get_instance ("test-bad-input-unknown", FALSE, &error));
  g_assert_error (error, CG_CALLER_ERROR, CG_CALLER_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* the bad calls did not run anything, the caller still works */
  g_usleep (20 * 1000);
  g_assert_cmpint (job.ran, ==, 0);
  {
    CgFuture *future = call_soon_ok (caller, job_nothing, &job, NULL);
    wait_done (future);
    g_object_unref (future);
    g_assert_cmpint (job.ran, ==, 1);
  }

  /* use after stop: errors, not crashes */
  cg_caller_stop (caller, FALSE);
  g_assert_null (cg_caller_call_soon (caller, job_nothing, &job, NULL, &error));
  g_assert_error (error, CG_CALLER_ERROR, CG_CALLER_ERROR_CLOSED);
  g_clear_error (&error);
  g_object_unref (caller);
}

/* ------------------------------------------------------------------ */

/* Thread-bound callers ------------------------------------------------- */

typedef struct
{
  GThread *destroy_thread;
  gint     destroyed;   /* atomic */
  GThread *callback_thread;
  gint     called;      /* atomic */
} BoundProbe;

static void
bound_destroy (gpointer data)
{
  BoundProbe *probe = data;

  probe->destroy_thread = g_thread_self ();
  g_atomic_int_inc (&probe->destroyed);
}

static void
bound_job (CgFuture *future,
           gpointer  data)
{
  cg_future_return_int (future, 1, NULL);
}

static void
bound_direct (gpointer data)
{
}

static void
bound_done (CgFuture *future,
            gpointer  data)
{
  BoundProbe *probe = data;

  probe->callback_thread = g_thread_self ();
  g_atomic_int_inc (&probe->called);
}

static void
unbind (gpointer caller)
{
  cg_caller_set_thread_bound (caller, FALSE);
}

/* Without thread-bound, a destroy notify runs where the data was used; a
 * thread-bound caller's thread gets back the destroy notifies of what it
 * handed to other threads, and runs its done callbacks on other threads'
 * futures itself. */
static void
test_thread_bound (void)
{
  CgCaller *here = cg_test_main_caller ();
  GMainContext *context = g_main_context_default ();
  BoundProbe unbound = { 0 }, job = { 0 }, direct = { 0 }, pooled = { 0 }, done = { 0 };
  CgCaller *worker;
  CgFuture *future;
  GError *error = NULL;
  gboolean bound = FALSE;

  g_test_queue_destroy (cg_test_stop_unprotected, NULL);
  worker = start_new_ok ("test-bound", FALSE);
  g_assert_false (cg_caller_get_thread_bound (here));

  future = call_soon_ok (worker, bound_job, &unbound, bound_destroy);
  wait_done (future);
  CG_TEST_POLL_UNTIL (g_atomic_int_get (&unbound.destroyed) == 1);
  g_assert_true (unbound.destroy_thread == cg_caller_get_thread (worker));
  g_object_unref (future);

  g_test_queue_destroy (unbind, here);
  g_object_set (here, "thread-bound", TRUE, NULL);
  g_object_get (here, "thread-bound", &bound, NULL);
  g_assert_true (bound);
  g_assert_true (cg_caller_get_thread_bound (here));

  future = call_soon_ok (worker, bound_job, &job, bound_destroy);
  g_assert_true (cg_caller_call_direct (worker, bound_direct, &direct, bound_destroy, &error));
  g_assert_no_error (error);
  g_object_unref (cg_caller_to_thread (bound_job, &pooled, bound_destroy, &error));
  g_assert_no_error (error);
  cg_future_add_done_callback (future, bound_done, &done, bound_destroy);

  CG_TEST_ITERATE_UNTIL (context, g_atomic_int_get (&job.destroyed) == 1 &&
                                  g_atomic_int_get (&direct.destroyed) == 1 &&
                                  g_atomic_int_get (&pooled.destroyed) == 1 &&
                                  g_atomic_int_get (&done.destroyed) == 1);
  g_assert_true (job.destroy_thread == g_thread_self ());
  g_assert_true (direct.destroy_thread == g_thread_self ());
  g_assert_true (pooled.destroy_thread == g_thread_self ());
  g_assert_cmpint (g_atomic_int_get (&done.called), ==, 1);
  g_assert_true (done.callback_thread == g_thread_self ());
  g_assert_true (done.destroy_thread == g_thread_self ());
  g_assert_true (cg_future_get_thread (future) == cg_caller_get_thread (worker));
  g_object_unref (future);
  g_object_unref (worker);
}

/* The priority of a caller's source decides what the context runs first. */
typedef struct
{
  GString *order;
} PriorityOrder;

static void
priority_job (CgFuture *future,
              gpointer  user_data)
{
  g_string_append_c (((PriorityOrder *) user_data)->order, 'j');
}

static gboolean
priority_idle (gpointer user_data)
{
  g_string_append_c (((PriorityOrder *) user_data)->order, 'i');
  return G_SOURCE_REMOVE;
}

static void
priority_notified (GObject    *object,
                   GParamSpec *pspec,
                   gpointer    user_data)
{
  (*(guint *) user_data)++;
}

static void
run_priority_round (CgCaller      *caller,
                    PriorityOrder *po)
{
  g_autoptr(CgFuture) future = NULL;
  GError *error = NULL;

  g_string_truncate (po->order, 0);
  /* Both become ready in the same iteration. */
  g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, priority_idle, po, NULL);
  future = cg_caller_call_soon (caller, priority_job, po, NULL, &error);
  g_assert_no_error (error);
  CG_TEST_ITERATE_UNTIL (g_main_context_default (), po->order->len == 2);
}

static void
test_priority (void)
{
  CgCaller *main_caller = cg_test_main_caller ();
  PriorityOrder po = { g_string_new (NULL) };
  guint notified = 0;
  gulong id;
  gint priority;

  g_test_queue_destroy (cg_test_stop_unprotected, NULL);

  g_assert_cmpint (cg_caller_get_priority (main_caller), ==, CG_CALLER_PRIORITY_DEFAULT);
  g_assert_cmpint (CG_CALLER_PRIORITY_DEFAULT, >, G_PRIORITY_HIGH_IDLE + 20);
  g_assert_cmpint (CG_CALLER_PRIORITY_DEFAULT, <, G_PRIORITY_DEFAULT_IDLE);
  id = g_signal_connect (main_caller, "notify::priority", G_CALLBACK (priority_notified), &notified);

  /* Below the idle: the idle first. */
  cg_caller_set_priority (main_caller, G_PRIORITY_LOW);
  g_assert_cmpuint (notified, ==, 1);
  cg_caller_set_priority (main_caller, G_PRIORITY_LOW);
  g_assert_cmpuint (notified, ==, 1);
  run_priority_round (main_caller, &po);
  g_assert_cmpstr (po.order->str, ==, "ij");

  /* Above it, through the property: the job first. */
  g_object_set (main_caller, "priority", G_PRIORITY_DEFAULT, NULL);
  g_object_get (main_caller, "priority", &priority, NULL);
  g_assert_cmpint (priority, ==, G_PRIORITY_DEFAULT);
  g_assert_cmpuint (notified, ==, 2);
  run_priority_round (main_caller, &po);
  g_assert_cmpstr (po.order->str, ==, "ji");

  /* The default is above the idle too. */
  cg_caller_set_priority (main_caller, CG_CALLER_PRIORITY_DEFAULT);
  run_priority_round (main_caller, &po);
  g_assert_cmpstr (po.order->str, ==, "ji");

  g_signal_handler_disconnect (main_caller, id);
  g_string_free (po.order, TRUE);
}

/* A batch of slow calls ends once its budget (a few ms) is spent, however
 * few calls that is, and a source of GTK's redraw priority that became due
 * meanwhile runs before the rest. Each call sleeps 2 ms. */
typedef struct
{
  guint    ran;
  guint    ran_before_frame;
  gboolean frame_ran;
} SlowBatch;

static gboolean
frame_due (gpointer user_data)
{
  SlowBatch *batch = user_data;

  batch->frame_ran = TRUE;
  batch->ran_before_frame = batch->ran;
  return G_SOURCE_REMOVE;
}

static void
slow_call (gpointer user_data)
{
  ((SlowBatch *) user_data)->ran++;
  g_usleep (2000);
}

#define SLOW_CALLS 40

static gpointer
post_slow_calls (gpointer data)
{
  SlowBatch *batch = data;
  CgCaller *main_caller = cg_test_main_caller ();

  /* As completions come: from another thread, all in the inbox before
   * the loop runs. */
  for (guint i = 0; i < SLOW_CALLS; i++)
    g_assert_true (cg_caller_call_direct (main_caller, slow_call, batch, NULL, NULL));
  return NULL;
}

static void
test_batch_budget (void)
{
  SlowBatch batch = { 0 };
  GSource *frame;

  g_test_queue_destroy (cg_test_stop_unprotected, NULL);
  cg_test_main_caller ();

  g_thread_join (g_thread_new ("post-slow-calls", post_slow_calls, &batch));
  frame = g_timeout_source_new (3);
  g_source_set_priority (frame, G_PRIORITY_HIGH_IDLE + 20);
  g_source_set_callback (frame, frame_due, &batch, NULL);
  g_source_attach (frame, NULL);
  g_source_unref (frame);

  CG_TEST_ITERATE_UNTIL (g_main_context_default (), batch.ran == SLOW_CALLS && batch.frame_ran);
  g_test_message ("calls before the frame: %u", batch.ran_before_frame);
  /* Without the budget all 40 (80 ms) would run first. */
  g_assert_cmpuint (batch.ran_before_frame, <, SLOW_CALLS / 2);
}

/* Options at submission: the job finds its cancellable, a cancelled one
 * drops the job before it starts, and the label is in the job list at
 * once. */
typedef struct
{
  GCancellable *expected;
  gint          found;   /* atomic */
  gint          ran;     /* atomic */
} OptionsProbe;

static void
options_job (CgFuture *future,
             gpointer  data)
{
  OptionsProbe *probe = data;

  if (cg_future_get_cancellable (future) == probe->expected)
    g_atomic_int_inc (&probe->found);
  g_atomic_int_inc (&probe->ran);
}

static void
test_options_at_submission (void)
{
  CgCaller *here = cg_test_main_caller ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GCancellable) cancelled = g_cancellable_new ();
  g_autoptr(GListModel) jobs = cg_caller_get_jobs (here);
  OptionsProbe probe = { 0 }, dropped = { 0 }, later = { 0 };
  g_autoptr(CgJob) item = NULL;
  CgCaller *worker;
  CgFuture *future, *never, *delayed;
  GError *error = NULL;

  g_test_queue_destroy (cg_test_stop_unprotected, NULL);
  worker = start_new_ok ("test-options", FALSE);

  probe.expected = cancellable;
  future = cg_caller_call_soon_full (worker, options_job, &probe, NULL, "with options",
                                     cancellable, &error);
  g_assert_no_error (error);
  item = g_list_model_get_item (jobs, g_list_model_get_n_items (jobs) - 1);
  g_assert_true (cg_job_get_future (item) == future);
  g_assert_cmpstr (cg_job_get_label (item), ==, "with options");
  wait_done (future);
  g_assert_cmpint (g_atomic_int_get (&probe.found), ==, 1);
  g_assert_true (cg_future_get_cancellable (future) == cancellable);

  /* Cancelled before it could start: it never runs. */
  g_cancellable_cancel (cancelled);
  never = cg_caller_call_soon_full (worker, options_job, &dropped, NULL, NULL, cancelled, &error);
  g_assert_no_error (error);
  wait_ended (never);
  g_assert_true (cg_future_is_cancelled (never));
  g_assert_cmpint (g_atomic_int_get (&dropped.ran), ==, 0);

  /* A delayed job is dropped at once when its cancellable is cancelled. */
  g_cancellable_reset (cancellable);
  delayed = cg_caller_call_later_full (worker, 60, options_job, &later, NULL, NULL, cancellable,
                                       &error);
  g_assert_no_error (error);
  g_cancellable_cancel (cancellable);
  wait_ended (delayed);
  g_assert_true (cg_future_is_cancelled (delayed));
  g_assert_cmpint (g_atomic_int_get (&later.ran), ==, 0);

  CG_TEST_ITERATE_UNTIL (g_main_context_default (), g_list_model_get_n_items (jobs) == 0);
  g_object_unref (future);
  g_object_unref (never);
  g_object_unref (delayed);
  g_object_unref (worker);
}

int
main (int    argc,
      char **argv)
{
  cg_test_init (&argc, &argv);

  /* The main thread's caller: protected, started, bound to the default
   * context that the tests iterate. */
  cg_test_main_caller ();

  cg_test_add ("/caller/get/not-found", test_get_not_found);
  cg_test_add ("/caller/thread-bound", test_thread_bound);
  cg_test_add ("/caller/options-at-submission", test_options_at_submission);
  cg_test_add ("/caller/priority", test_priority);
  cg_test_add ("/caller/batch-budget", test_batch_budget);
  cg_test_add ("/caller/get/main-thread", test_get_main_thread);
  cg_test_add ("/caller/get/main-thread-other-context", test_get_main_thread_other_context);
  cg_test_add ("/caller/get/queue-before-start", test_queue_before_start);

  cg_test_add ("/caller/start-new/basic", test_start_new_basic);
  cg_test_add ("/caller/job/completes-its-own-future", test_job_completes_its_own_future);
  cg_test_add ("/caller/job/fallible", test_fallible_jobs);
  cg_test_add ("/caller/job/token", test_token_jobs);
  cg_test_add ("/caller/timeout-futures", test_timeout_futures);
  cg_test_add ("/caller/start-new/exists", test_start_new_exists);
  cg_test_add ("/caller/start-new/context", test_start_new_context);
  cg_test_add ("/caller/properties", test_properties);

  cg_test_add ("/caller/call-soon/outcomes", test_call_soon_outcomes);
  cg_test_add ("/caller/call-soon/order", test_call_soon_order);
  cg_test_add ("/caller/call-soon/nested", test_call_soon_nested);
  cg_test_add ("/caller/call-soon/owner-thread", test_call_soon_owner_thread);
  cg_test_add ("/caller/call-soon/returns-future", test_call_soon_returns_future);
  cg_test_add ("/caller/current-future", test_current_future);
  cg_test_add ("/caller/call-direct", test_call_direct);

  cg_test_add ("/caller/call-later/not-earlier", test_call_later_not_earlier);
  cg_test_add ("/caller/call-later/order", test_call_later_order);
  cg_test_add ("/caller/call-later/cancel", test_call_later_cancel);
  cg_test_add ("/caller/call-later/cancel-prompt", test_call_later_cancel_prompt);
  cg_test_add ("/caller/call-later/cancel-frees-data", test_call_later_cancel_frees_data);
  cg_test_add ("/caller/call-later/cancel-frees-data-main",
               test_call_later_cancel_frees_data_main);
  cg_test_add ("/caller/call-later/cancel-some", test_call_later_cancel_some);

  cg_test_add ("/caller/cancel/before-run", test_cancel_before_run);
  cg_test_add ("/caller/cancel/running", test_cancel_running);
  cg_test_add ("/caller/cancel/running-cancellable", test_cancel_running_cancellable);

  cg_test_add ("/caller/stop/closed", test_stop_closed);
  cg_test_add ("/caller/stop/protected", test_stop_protected);
  cg_test_add ("/caller/stop/pending", test_stop_pending);
  cg_test_add ("/caller/stop/pending-timers", test_stop_pending_timers);
  cg_test_add ("/caller/stop/from-job", test_stop_from_job);
  cg_test_add ("/caller/stop-all/protected", test_stop_all_protected);
  cg_test_add ("/caller/stop-all/force", test_stop_all_force);

  cg_test_add ("/caller/get-instance", test_get_instance);
  cg_test_add ("/caller/all-callers", test_all_callers);

  cg_test_add ("/caller/bad-input", test_bad_input);

  return g_test_run ();
}
