/* test-pool.c: tests of the worker pool (cg_caller_to_thread() and
 * cg_caller_to_thread_by_name())
 *
 * Copyright 2026 The caller-glib authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The tests of CgAsCompleted and cg_caller_wait_async() are in
 * test-as-completed.c; both files share test-pool-helpers.h.
 */

#include <caller-glib.h>

#include <grp.h>
#include <sys/resource.h>
#include <unistd.h>

#include "test-pool-helpers.h"

/* ------------------------------------------------------------------ */
/* Worker pool                                                         */
/* ------------------------------------------------------------------ */

static void
test_max_idle_setting (Fixture *fx)
{
  g_assert_cmpuint (cg_caller_get_max_idle_pool_instances (), ==,
                    CG_DEFAULT_MAX_IDLE_POOL_INSTANCES);
  g_assert_cmpuint (CG_DEFAULT_MAX_IDLE_POOL_INSTANCES, ==, 10);
  cg_caller_set_max_idle_pool_instances (3);
  g_assert_cmpuint (cg_caller_get_max_idle_pool_instances (), ==, 3);
  cg_caller_set_max_idle_pool_instances (0);
  g_assert_cmpuint (cg_caller_get_max_idle_pool_instances (), ==, 0);
}

static void
test_to_thread_basic (Fixture *fx)
{
  GError *error = NULL;
  CgFuture *future;
  CgCaller *caller;
  GThread *thread;

  future = to_thread_ok (job_note_current, fx, fixture_count_destroy);
  wait_done (future);
  g_assert_true (cg_future_check (future, &error));
  g_assert_no_error (error);

  /* the job ran in a pool worker, not here, and saw its own future */
  g_assert_cmpuint (n_threads (fx), ==, 1);
  thread = cg_future_get_thread (future);
  g_assert_true (g_hash_table_contains (fx->threads, thread));
  g_assert_true (thread != g_thread_self ());
  g_assert_true (fx->job_future == future);
  caller = cg_future_get_caller (future);
  g_assert_nonnull (caller);
  g_assert_true (g_str_has_prefix (cg_caller_get_name (caller), "pool-"));
  g_assert_false (cg_caller_get_protected (caller));

  /* the destroy notify ran exactly once */
  CG_TEST_POLL_UNTIL (g_atomic_int_get (&fx->destroyed) == 1);
  g_assert_cmpint (g_atomic_int_get (&fx->destroyed), ==, 1);

  g_object_unref (future);
}

static void
test_to_thread_reuse (Fixture *fx)
{
  GThread *first = NULL;
  guint on_first = 0;

  /* One job after the other: the worker that ran one runs the next, not a
   * thread a job. (On a machine busy enough that a queued job waits longer
   * than the pool's growth tick, the pool may add one worker: allowed.) */
  for (guint i = 0; i < 10; i++)
    {
      CgFuture *future = to_thread_ok (job_record, fx, NULL);

      wait_done (future);
      g_assert_cmpint (cg_future_propagate_int (future, NULL), ==, 7);
      if (first == NULL)
        first = cg_future_get_thread (future);
      if (cg_future_get_thread (future) == first)
        on_first++;
      g_object_unref (future);
    }

  g_assert_cmpuint (on_first, >=, 5);
  g_assert_cmpuint (n_threads (fx), <=, 2);
  g_assert_cmpuint (count_callers ("pool-"), <=, 2);
}

/* 40 jobs that all block until all 40 have started: only a pool that
 * gives each its own thread lets the gate open before the deadline. */
static void
run_blocking_burst (Fixture  *fx,
                    guint     n,
                    GPtrArray **out_futures)
{
  GPtrArray *futures = g_ptr_array_new_with_free_func (g_object_unref);

  fx->n_to_start = (gint) n;
  for (guint i = 0; i < n; i++)
    g_ptr_array_add (futures, to_thread_ok (job_gate, fx, NULL));

  *out_futures = futures;
}

static void
test_to_thread_burst (Fixture *fx)
{
  g_autoptr(GPtrArray) futures = NULL;
  g_autoptr(GPtrArray) out = NULL;
  g_autoptr(CgAsCompleted) iter = NULL;

  /* 40 jobs that wait for one another need 40 threads: a cap that allows
   * them (the default is the processors plus 4). */
  cg_caller_set_max_pool_threads (40);
  run_blocking_burst (fx, 40, &futures);
  iter = cg_as_completed_new ((CgFuture **) futures->pdata, futures->len, FALSE);
  out = drain_all (iter, 40, NULL);

  g_assert_cmpuint (out->len, ==, 40);
  g_assert_cmpint (g_atomic_int_get (&fx->started), ==, 40);
  /* every job was running at the same time as the others */
  g_assert_true (cg_test_gate_is_open (&fx->gate));
  g_assert_cmpuint (n_threads (fx), >, 2);
  g_assert_cmpuint (n_threads (fx), ==, 40);
  for (guint i = 0; i < out->len; i++)
    g_assert_cmpint (cg_future_propagate_int (g_ptr_array_index (out, i), NULL), ==, 1);
}

/* Two jobs that wait for each other (outside the library's waits) with a
 * cap of one: only the saturation rule, a thread past the cap once no job
 * finished for half a second, lets the second one start. */
static void
test_saturation_past_cap (Fixture *fx)
{
  g_autoptr(GPtrArray) futures = NULL;
  CgPoolStats stats;

  cg_caller_set_max_pool_threads (1);
  run_blocking_burst (fx, 2, &futures);
  for (guint i = 0; i < futures->len; i++)
    wait_done (g_ptr_array_index (futures, i));
  g_assert_true (cg_test_gate_is_open (&fx->gate));
  g_assert_cmpuint (n_threads (fx), ==, 2);

  /* Once nothing waits, the pool goes back under its cap. */
  CG_TEST_POLL_UNTIL ((cg_caller_get_pool_stats (&stats), stats.n_threads <= 1));
}

static void
test_pool_shrinks (Fixture *fx)
{
  g_autoptr(GPtrArray) futures = NULL;
  GThread *kept;
  CgFuture *future;

  cg_caller_set_max_idle_pool_instances (1);
  cg_caller_set_max_pool_threads (12);
  run_blocking_burst (fx, 12, &futures);
  for (guint i = 0; i < futures->len; i++)
    wait_done (g_ptr_array_index (futures, i));
  g_assert_cmpuint (n_threads (fx), ==, 12);

  /* once the work is over, only one worker stays (the others stop after
   * the idle timeout, shortened in main()) */
  CG_TEST_POLL_UNTIL (count_callers ("pool-") == 1);

  /* and it is the one the next job gets */
  future = to_thread_ok (job_record, fx, NULL);
  wait_done (future);
  kept = cg_future_get_thread (future);
  g_assert_true (g_hash_table_contains (fx->threads, kept));
  g_assert_cmpuint (count_callers ("pool-"), ==, 1);
  g_object_unref (future);
}

static void
test_pool_lower_limit (Fixture *fx)
{
  g_autoptr(GPtrArray) futures = NULL;

  cg_caller_set_max_pool_threads (5);
  run_blocking_burst (fx, 5, &futures);
  for (guint i = 0; i < futures->len; i++)
    wait_done (g_ptr_array_index (futures, i));

  /* five idle workers, under the default limit of ten */
  CG_TEST_POLL_UNTIL (count_callers ("pool-") == 5);

  /* lowering the limit stops the idle workers beyond it */
  cg_caller_set_max_idle_pool_instances (2);
  CG_TEST_POLL_UNTIL (count_callers ("pool-") == 2);

  cg_caller_set_max_idle_pool_instances (0);
  CG_TEST_POLL_UNTIL (count_callers ("pool-") == 0);
}

static void
test_pool_worker_stopped_by_others (Fixture *fx)
{
  CgFuture *future;
  CgCaller *worker;

  future = to_thread_ok (job_record, fx, NULL);
  wait_done (future);
  worker = g_object_ref (cg_future_get_caller (future));
  g_object_unref (future);

  /* someone stops the idle worker: the pool drops it and starts another
   * (compare callers, kept alive, not GThread addresses, which a new
   * thread may reuse) */
  cg_caller_stop (worker, FALSE);
  g_assert_true (cg_caller_get_stopped (worker));

  future = to_thread_ok (job_record, fx, NULL);
  wait_done (future);
  g_assert_cmpint (cg_future_propagate_int (future, NULL), ==, 7);
  g_assert_true (cg_future_get_caller (future) != worker);
  g_assert_true (cg_caller_get_running (cg_future_get_caller (future)));
  g_object_unref (future);
  g_object_unref (worker);

  /* stop_all stops the pool workers, and the pool copes */
  cg_caller_stop_all (FALSE);
  g_assert_cmpuint (count_callers ("pool-"), ==, 0);
  future = to_thread_ok (job_record, fx, NULL);
  wait_done (future);
  g_assert_cmpint (cg_future_propagate_int (future, NULL), ==, 7);
  g_assert_cmpuint (count_callers ("pool-"), ==, 1);
  g_object_unref (future);
}

/* ------------------------------------------------------------------ */
/* cg_caller_stop_all() and the pool                                   */
/* ------------------------------------------------------------------ */

/* Runs in another caller until that caller is stopped (stop_all() is under
 * way then), and only then hands a job to the pool, into fx->job_future. */
static void
job_submit_when_stopped (CgFuture *future,
                         gpointer  user_data)
{
  Fixture *fx = user_data;
  GCancellable *cancellable = cg_future_get_cancellable (future);
  GError *error = NULL;
  CgFuture *late;

  g_atomic_int_inc (&fx->waiting);
  cg_test_gate_wait (&fx->gate, CG_TEST_TIMEOUT_S, cancellable);
  g_assert_true (g_cancellable_is_cancelled (cancellable));

  late = cg_caller_to_thread (job_gate, fx, fixture_count_destroy, &error);
  g_assert_no_error (error);
  g_mutex_lock (&fx->lock);
  fx->job_future = late;
  g_mutex_unlock (&fx->lock);
}

/* Jobs run, wait for a worker, and come in while cg_caller_stop_all()
 * runs: once it returns, every one of them is over (run, or cancelled
 * with its destroy notify run), no pool worker is left, and the pool
 * serves the next job. */
static void
run_stop_all_with_pool (Fixture  *fx,
                        gboolean  force)
{
  const guint n = 8;
  g_autoptr(GPtrArray) futures = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(CgCaller) submitter = NULL;
  g_autoptr(CgFuture) submitting = NULL;
  g_autoptr(CgFuture) again = NULL;
  GError *error = NULL;

  /* The manager starts a worker a second at most: while the first one
   * runs its job, the other jobs wait for a worker. */
  g_setenv ("CG_POOL_GROW_USEC", "1000000", TRUE);
  fx->n_to_start = 0; /* the gate opens at the teardown */

  submitter = cg_caller_start_new ("stop-all-submitter", FALSE, NULL, &error);
  g_assert_no_error (error);
  submitting = cg_caller_call_soon (submitter, job_submit_when_stopped, fx, NULL, &error);
  g_assert_no_error (error);

  for (guint i = 0; i < n; i++)
    g_ptr_array_add (futures, to_thread_ok (job_gate, fx, fixture_count_destroy));
  CG_TEST_POLL_UNTIL (g_atomic_int_get (&fx->started) >= 1 &&
                      g_atomic_int_get (&fx->waiting) == 1);

  cg_caller_stop_all (force);

  for (guint i = 0; i < n; i++)
    g_assert_true (cg_future_is_done (g_ptr_array_index (futures, i)));
  g_assert_true (cg_future_is_done (submitting));
  g_mutex_lock (&fx->lock);
  g_assert_nonnull (fx->job_future);
  g_assert_true (cg_future_is_cancelled (fx->job_future));
  g_mutex_unlock (&fx->lock);
  g_assert_cmpint (g_atomic_int_get (&fx->destroyed), ==, n + 1);
  g_assert_cmpuint (count_callers ("pool-"), ==, 0);

  /* The pool is there for later jobs. */
  again = to_thread_ok (job_record, fx, NULL);
  wait_done (again);
  g_assert_cmpint (cg_future_propagate_int (again, &error), ==, 7);
  g_assert_no_error (error);
}

static void
test_stop_all_force_stops_pool (Fixture *fx)
{
  run_stop_all_with_pool (fx, TRUE);
}

static void
test_stop_all_stops_pool (Fixture *fx)
{
  run_stop_all_with_pool (fx, FALSE);
}

/* ------------------------------------------------------------------ */
/* When no thread can be started                                       */
/* ------------------------------------------------------------------ */

static gpointer
probe_thread (gpointer data)
{
  return NULL;
}

/* Whether a new thread can be started in this process now. */
static gboolean
threads_start (void)
{
  GThread *probe = g_thread_try_new ("probe", probe_thread, NULL, NULL);

  if (probe == NULL)
    return FALSE;
  g_thread_join (probe);
  return TRUE;
}

/* Makes the start of new threads fail in this process: RLIMIT_NPROC down
 * to one (the hard limit stays, so allow_new_threads() can raise it again).
 * The limit does not hold for root, so a root process becomes the user
 * nobody (65534) first. Call it in a test subprocess only; FALSE when
 * threads still start. */
static gboolean
forbid_new_threads (void)
{
  struct rlimit limit;

  if (getrlimit (RLIMIT_NPROC, &limit) != 0)
    return FALSE;
  limit.rlim_cur = 1;
  if (setrlimit (RLIMIT_NPROC, &limit) != 0)
    return FALSE;
  if (geteuid () == 0 &&
      (setgroups (0, NULL) != 0 || setgid (65534) != 0 || setuid (65534) != 0))
    return FALSE;

  return !threads_start ();
}

static void
allow_new_threads (void)
{
  struct rlimit limit;

  g_assert_cmpint (getrlimit (RLIMIT_NPROC, &limit), ==, 0);
  limit.rlim_cur = limit.rlim_max;
  g_assert_cmpint (setrlimit (RLIMIT_NPROC, &limit), ==, 0);
  g_assert_true (threads_start ());
}

static void
job_return_seven (CgFuture *future,
                  gpointer  user_data)
{
  cg_future_return_int (future, 7, NULL);
}

/* cg_caller_to_thread() when the thread it needs cannot start: a warning,
 * the job's future is cancelled with the reason and its destroy notify
 * runs, at once; nothing stays queued. */
static void
assert_to_thread_cancelled (gint       *destroyed,
                            gint        expected_destroyed,
                            const char *reason_pattern)
{
  GError *error = NULL;
  CgFuture *future;

  g_test_expect_message (CG_TEST_LIB_DOMAIN, G_LOG_LEVEL_WARNING, reason_pattern);
  future = cg_caller_to_thread (job_return_seven, destroyed, cg_test_count_destroy, &error);
  g_assert_no_error (error);
  g_assert_nonnull (future);

  g_assert_false (cg_future_wait_sync (future, CG_TEST_TIMEOUT_S, CG_WAIT_FLAGS_NONE, NULL,
                                       &error));
  g_assert_error (error, CG_FUTURE_ERROR, CG_FUTURE_ERROR_CANCELLED);
  g_assert_true (g_pattern_match_simple (reason_pattern, error->message));
  g_clear_error (&error);
  g_assert_true (cg_future_is_cancelled (future));
  g_test_assert_expected_messages ();
  CG_TEST_POLL_UNTIL (g_atomic_int_get (destroyed) == expected_destroyed);
  g_assert_cmpuint (count_callers ("pool-"), ==, 0);
  g_object_unref (future);
}

static void
assert_to_thread_runs (gint *destroyed,
                       gint  expected_destroyed)
{
  GError *error = NULL;
  CgFuture *future;

  future = cg_caller_to_thread (job_return_seven, destroyed, cg_test_count_destroy, &error);
  g_assert_no_error (error);
  wait_done (future);
  g_assert_cmpint (cg_future_propagate_int (future, &error), ==, 7);
  g_assert_no_error (error);
  CG_TEST_POLL_UNTIL (g_atomic_int_get (destroyed) == expected_destroyed);
  g_object_unref (future);
}

static void
test_no_thread_probe (void)
{
  if (!forbid_new_threads ())
    g_test_fail ();
}

static void
test_no_thread_run (void)
{
  gint destroyed = 0;

  g_assert_true (forbid_new_threads ());

  /* The pool's manager thread cannot start; a later call tries again. */
  assert_to_thread_cancelled (&destroyed, 1, "*worker pool*");
  assert_to_thread_cancelled (&destroyed, 2, "*worker pool*");

  allow_new_threads ();
  assert_to_thread_runs (&destroyed, 3);

  /* With the manager running but no worker able to start. */
  cg_caller_stop_all (TRUE);
  g_assert_true (forbid_new_threads ());
  assert_to_thread_cancelled (&destroyed, 4, "*thread*");

  allow_new_threads ();
  assert_to_thread_runs (&destroyed, 5);
  cg_caller_stop_all (TRUE);
}

/* Thread creation fails for real, in a subprocess under RLIMIT_NPROC;
 * skipped where that limit cannot be imposed. */
static void
test_to_thread_no_thread (void)
{
  const guint64 timeout = (guint64) CG_TEST_SUBPROCESS_TIMEOUT_S * G_USEC_PER_SEC;

  g_test_trap_subprocess ("/pool/to-thread/no-thread/subprocess/probe", timeout,
                          G_TEST_SUBPROCESS_DEFAULT);
  if (!g_test_trap_has_passed ())
    {
      g_test_skip ("thread creation cannot be made to fail here (RLIMIT_NPROC)");
      return;
    }

  g_test_trap_subprocess ("/pool/to-thread/no-thread/subprocess/run", timeout,
                          G_TEST_SUBPROCESS_INHERIT_STDERR);
  if (!g_test_trap_has_passed ())
    g_test_fail_printf ("%s failed in its subprocess (see its messages above)",
                        g_test_get_path ());
}

/* Completes its future first, then hands work to the pool and blocks on
 * it: the pool must not queue that work behind this very job. */
static void
job_early_then_spawn (CgFuture *future,
                      gpointer  user_data)
{
  Fixture *fx = user_data;
  GError *error = NULL;
  CgFuture *inner;

  g_assert_true (cg_future_return_int (future, 3, NULL));
  inner = cg_caller_to_thread (job_record, fx, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (cg_future_get_thread (inner) != g_thread_self ());
  g_assert_true (cg_future_wait_sync (inner, CG_TEST_TIMEOUT_S, CG_WAIT_FLAGS_NONE, NULL,
                                      &error));
  g_assert_no_error (error);
  g_object_unref (inner);
  g_atomic_int_inc (&fx->finished);
}

static void
test_to_thread_from_pool_job (Fixture *fx)
{
  CgFuture *future = to_thread_ok (job_early_then_spawn, fx, NULL);

  wait_done (future);
  g_assert_cmpint (cg_future_propagate_int (future, NULL), ==, 3);
  CG_TEST_POLL_UNTIL (g_atomic_int_get (&fx->finished) == 1);
  g_object_unref (future);
}

static void
test_to_thread_by_name (Fixture *fx)
{
  GError *error = NULL;
  CgFuture *a1, *a2, *b, *pooled, *main_job;
  CgCaller *caller;

  a1 = cg_caller_to_thread_by_name ("named-a", job_note_current, fx, NULL, &error);
  g_assert_no_error (error);
  wait_done (a1);
  g_assert_cmpuint (count_callers ("named-a"), ==, 1);

  a2 = cg_caller_to_thread_by_name ("named-a", job_note_current, fx, NULL, &error);
  g_assert_no_error (error);
  wait_done (a2);
  /* reused, not started again */
  g_assert_cmpuint (count_callers ("named-a"), ==, 1);
  g_assert_true (cg_future_get_thread (a1) == cg_future_get_thread (a2));
  g_assert_true (cg_future_get_thread (a1) != g_thread_self ());
  caller = cg_future_get_caller (a1);
  g_assert_cmpstr (cg_caller_get_name (caller), ==, "named-a");

  b = cg_caller_to_thread_by_name ("named-b", job_note_current, fx, NULL, &error);
  g_assert_no_error (error);
  wait_done (b);
  g_assert_cmpuint (count_callers ("named-b"), ==, 1);
  g_assert_true (cg_future_get_thread (b) != cg_future_get_thread (a1));

  /* no name: the pool */
  pooled = cg_caller_to_thread_by_name (NULL, job_note_current, fx, NULL, &error);
  g_assert_no_error (error);
  wait_done (pooled);
  g_assert_true (g_str_has_prefix (cg_caller_get_name (cg_future_get_caller (pooled)), "pool-"));

  /* "MainThread" is the caller of the default main context */
  main_job = cg_caller_to_thread_by_name (CG_CALLER_MAIN_THREAD, job_note_current, fx, NULL,
                                          &error);
  g_assert_no_error (error);
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, cg_future_is_done (main_job));
  g_assert_true (cg_future_get_thread (main_job) == g_thread_self ());
  g_assert_true (g_hash_table_contains (fx->threads, g_thread_self ()));

  g_assert_cmpuint (n_threads (fx), ==, 4);

  g_object_unref (a1);
  g_object_unref (a2);
  g_object_unref (b);
  g_object_unref (pooled);
  g_object_unref (main_job);
}


/* ------------------------------------------------------------------ */
/* Bad input                                                           */
/* ------------------------------------------------------------------ */

#define EXPECT_CRITICAL()                                                      \
  g_test_expect_message (CG_TEST_LIB_DOMAIN, G_LOG_LEVEL_CRITICAL, "*assertion*failed*")

static void
test_bad_input (Fixture *fx)
{
  GError *error = NULL;

  EXPECT_CRITICAL ();
  g_assert_null (cg_caller_to_thread (NULL, NULL, NULL, &error));
  g_test_assert_expected_messages ();

  EXPECT_CRITICAL ();
  g_assert_null (cg_caller_to_thread_by_name ("", job_record, fx, NULL, &error));
  g_test_assert_expected_messages ();

  g_assert_no_error (error);
}

/* ------------------------------------------------------------------ */

int
main (int    argc,
      char **argv)
{
  /* Idle workers beyond the limit stop after 0.2 s instead of 60 s (read
   * once, before the pool's first use). */
  g_setenv ("CG_POOL_IDLE_TIMEOUT_USEC", "200000", TRUE);
  cg_test_init (&argc, &argv);

  pool_test_add ("/pool/max-idle/setting", test_max_idle_setting);
  pool_test_add ("/pool/to-thread/basic", test_to_thread_basic);
  pool_test_add ("/pool/to-thread/reuse", test_to_thread_reuse);
  pool_test_add ("/pool/to-thread/burst", test_to_thread_burst);
  pool_test_add ("/pool/shrinks", test_pool_shrinks);
  pool_test_add ("/pool/saturation/past-cap", test_saturation_past_cap);
  pool_test_add ("/pool/max-idle/lower", test_pool_lower_limit);
  pool_test_add ("/pool/worker-stopped-by-others", test_pool_worker_stopped_by_others);
  pool_test_add ("/pool/to-thread/from-pool-job", test_to_thread_from_pool_job);
  pool_test_add ("/pool/to-thread-by-name", test_to_thread_by_name);
  /* These two set CG_POOL_GROW_USEC, which the library reads once per
   * process: in the test program itself the setting would come too late
   * for them, or slow every pool test after them. */
  pool_test_add_isolated ("/pool/stop-all/force", test_stop_all_force_stops_pool);
  pool_test_add_isolated ("/pool/stop-all/unprotected", test_stop_all_stops_pool);
  g_test_add_func ("/pool/to-thread/no-thread", test_to_thread_no_thread);
  g_test_add_func ("/pool/to-thread/no-thread/subprocess/probe", test_no_thread_probe);
  g_test_add_func ("/pool/to-thread/no-thread/subprocess/run", test_no_thread_run);

  pool_test_add ("/pool/bad-input", test_bad_input);

  return g_test_run ();
}
