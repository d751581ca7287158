/* test-pool-burst.c: the worker pool under bursts: its cap, its queue,
 * workers that block in the library's waits, options given at
 * submission, and its counts
 *
 * Copyright 2026 The caller-glib authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * No test here asserts a duration: every wait has a deadline, and what
 * is checked is counts and order. The tests that need few threads set
 * the cap low; the fixture's teardown (test-pool-helpers.h) restores it.
 */

#include <caller-glib.h>

#include "test-pool-helpers.h"

/* ------------------------------------------------------------------ */
/* The cap                                                             */
/* ------------------------------------------------------------------ */

typedef struct
{
  gint running;    /* atomic: jobs running now */
  gint high_water; /* atomic: the most that ever ran at once */
  gint ran;        /* atomic */
} Concurrency;

static void
job_count_running (CgFuture *future,
                   gpointer  user_data)
{
  Concurrency *c = user_data;
  gint now = g_atomic_int_add (&c->running, 1) + 1;
  gint seen;

  while ((seen = g_atomic_int_get (&c->high_water)) < now &&
         !g_atomic_int_compare_and_exchange (&c->high_water, seen, now))
    ;
  g_usleep (500); /* blocks, not in the library's waits */
  g_atomic_int_add (&c->running, -1);
  g_atomic_int_inc (&c->ran);
  cg_future_return_int (future, 1, NULL);
}

/* A burst of 300 blocking jobs never has more than the cap running. */
static void
test_burst_respects_cap (Fixture *fx)
{
  Concurrency c = { 0 };
  g_autoptr(GPtrArray) futures = g_ptr_array_new_with_free_func (g_object_unref);
  guint peak_threads = 0;

  cg_caller_set_max_pool_threads (4);
  g_assert_cmpuint (cg_caller_get_max_pool_threads (), ==, 4);

  for (guint i = 0; i < 300; i++)
    g_ptr_array_add (futures, to_thread_ok (job_count_running, &c, NULL));

  for (guint i = 0; i < futures->len; i++)
    {
      CgPoolStats stats;

      cg_caller_get_pool_stats (&stats);
      peak_threads = MAX (peak_threads, stats.n_threads);
      wait_done (g_ptr_array_index (futures, i));
    }

  g_assert_cmpint (g_atomic_int_get (&c.ran), ==, 300);
  g_assert_cmpint (g_atomic_int_get (&c.high_water), <=, 4);
  g_assert_cmpint (g_atomic_int_get (&c.high_water), >=, 1);
  g_assert_cmpuint (peak_threads, <=, 4);
}

static void
test_max_threads_setting (Fixture *fx)
{
  guint fallback = MIN (32, g_get_num_processors () + 4);

  g_assert_cmpuint (cg_caller_get_default_max_pool_threads (), ==, fallback);
  g_assert_cmpuint (cg_caller_get_max_pool_threads (), ==, fallback);
  cg_caller_set_max_pool_threads (1);
  g_assert_cmpuint (cg_caller_get_max_pool_threads (), ==, 1);
  cg_caller_set_max_pool_threads (CG_POOL_HARD_MAX_THREADS);
  g_assert_cmpuint (cg_caller_get_max_pool_threads (), ==, CG_POOL_HARD_MAX_THREADS);

  g_test_expect_message (CG_TEST_LIB_DOMAIN, G_LOG_LEVEL_CRITICAL, "*assertion*failed*");
  cg_caller_set_max_pool_threads (CG_POOL_HARD_MAX_THREADS + 1);
  g_test_assert_expected_messages ();
  g_assert_cmpuint (cg_caller_get_max_pool_threads (), ==, CG_POOL_HARD_MAX_THREADS);

  cg_caller_set_max_pool_threads (0);
  g_assert_cmpuint (cg_caller_get_max_pool_threads (), ==, fallback);
}

/* ------------------------------------------------------------------ */
/* Pool jobs that wait for pool jobs                                   */
/* ------------------------------------------------------------------ */

static void
job_child (CgFuture *future,
           gpointer  user_data)
{
  cg_future_return_int (future, GPOINTER_TO_INT (user_data) * 2, NULL);
}

static void
job_parent (CgFuture *future,
            gpointer  user_data)
{
  Fixture *fx = user_data;
  GError *error = NULL;
  CgFuture *child;
  gint index = g_atomic_int_add (&fx->started, 1);

  child = cg_caller_to_thread (job_child, GINT_TO_POINTER (index), NULL, &error);
  g_assert_no_error (error);
  if (cg_future_wait_sync (child, CG_TEST_TIMEOUT_S * 2, CG_WAIT_FLAGS_NONE, NULL, &error) &&
      cg_future_propagate_int (child, NULL) == index * 2)
    g_atomic_int_inc (&fx->finished);
  g_clear_error (&error);
  g_object_unref (child);
  cg_future_return_int (future, index, NULL);
}

/* 64 pool jobs, each blocked in cg_future_wait_sync() on a child pool
 * job, with a cap of 4: the blocked workers lend their places. */
static void
test_waiting_on_children (Fixture *fx)
{
  g_autoptr(GPtrArray) futures = g_ptr_array_new_with_free_func (g_object_unref);

  cg_caller_set_max_pool_threads (4);
  for (guint i = 0; i < 64; i++)
    g_ptr_array_add (futures, to_thread_ok (job_parent, fx, NULL));
  for (guint i = 0; i < futures->len; i++)
    wait_done (g_ptr_array_index (futures, i));

  g_assert_cmpint (g_atomic_int_get (&fx->started), ==, 64);
  g_assert_cmpint (g_atomic_int_get (&fx->finished), ==, 64);
}

/* ------------------------------------------------------------------ */
/* The queue: cancelling and order                                     */
/* ------------------------------------------------------------------ */

/* Blocks its worker until the gate opens. */
static CgFuture *
occupy_the_only_worker (Fixture *fx)
{
  CgFuture *blocker;

  cg_caller_set_max_pool_threads (1);
  fx->n_to_start = 0;
  blocker = to_thread_ok (job_gate, fx, NULL);
  CG_TEST_POLL_UNTIL (g_atomic_int_get (&fx->started) == 1);
  return blocker;
}

static void
test_cancel_queued (Fixture *fx)
{
  g_autoptr(CgFuture) blocker = occupy_the_only_worker (fx);
  g_autoptr(CgFuture) queued = NULL;
  g_autoptr(CgFuture) by_cancellable = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  GError *error = NULL;
  CgPoolStats stats;

  queued = to_thread_ok (job_record, fx, fixture_count_destroy);
  by_cancellable = cg_caller_to_thread_full (job_record, fx, fixture_count_destroy, NULL, G_PRIORITY_DEFAULT,
                                             cancellable, &error);
  g_assert_no_error (error);
  cg_caller_get_pool_stats (&stats);
  g_assert_cmpuint (stats.n_queued, ==, 2);

  /* Cancelled while it waits: done at once, its data freed, never run. */
  g_assert_true (cg_future_cancel (queued, "not needed"));
  g_assert_true (cg_future_is_done (queued));
  g_assert_true (cg_future_is_cancelled (queued));
  g_assert_cmpint (g_atomic_int_get (&fx->destroyed), ==, 1);

  /* The same through the cancellable given at submission. */
  g_cancellable_cancel (cancellable);
  g_assert_true (cg_future_is_done (by_cancellable));
  g_assert_true (cg_future_is_cancelled (by_cancellable));
  g_assert_cmpint (g_atomic_int_get (&fx->destroyed), ==, 2);

  cg_caller_get_pool_stats (&stats);
  g_assert_cmpuint (stats.n_queued, ==, 0);

  cg_test_gate_open (&fx->gate);
  wait_done (blocker);
  g_assert_cmpuint (n_threads (fx), ==, 1); /* only the blocker ran */
}

typedef struct
{
  GMutex  lock;
  GArray *order;
} OrderedJob;

typedef struct
{
  OrderedJob *shared;
  guint       index;
} Numbered;

static void
job_append_index (CgFuture *future,
                  gpointer  user_data)
{
  Numbered *n = user_data;

  g_mutex_lock (&n->shared->lock);
  g_array_append_val (n->shared->order, n->index);
  g_mutex_unlock (&n->shared->lock);
}

/* With a cap of one, queued jobs run in the order they were submitted. */
static void
test_fifo_order (Fixture *fx)
{
  g_autoptr(CgFuture) blocker = occupy_the_only_worker (fx);
  g_autoptr(GPtrArray) futures = g_ptr_array_new_with_free_func (g_object_unref);
  OrderedJob shared = { 0 };
  Numbered numbers[50];

  g_mutex_init (&shared.lock);
  shared.order = g_array_new (FALSE, FALSE, sizeof (guint));
  for (guint i = 0; i < G_N_ELEMENTS (numbers); i++)
    {
      numbers[i].shared = &shared;
      numbers[i].index = i;
      g_ptr_array_add (futures, to_thread_ok (job_append_index, &numbers[i], NULL));
    }

  cg_test_gate_open (&fx->gate);
  for (guint i = 0; i < futures->len; i++)
    wait_done (g_ptr_array_index (futures, i));

  g_assert_cmpuint (shared.order->len, ==, G_N_ELEMENTS (numbers));
  for (guint i = 0; i < shared.order->len; i++)
    g_assert_cmpuint (g_array_index (shared.order, guint, i), ==, i);
  wait_done (blocker);

  g_array_unref (shared.order);
  g_mutex_clear (&shared.lock);
}

/* With a cap of one, a more urgent job goes ahead of those that wait;
 * jobs of one priority keep their order. */
static void
test_priority_order (Fixture *fx)
{
  g_autoptr(CgFuture) blocker = occupy_the_only_worker (fx);
  g_autoptr(GPtrArray) futures = g_ptr_array_new_with_free_func (g_object_unref);
  static const gint priorities[] = { G_PRIORITY_LOW, G_PRIORITY_DEFAULT, G_PRIORITY_LOW,
                                     G_PRIORITY_HIGH, G_PRIORITY_DEFAULT, G_PRIORITY_HIGH };
  static const guint expected[] = { 3, 5, 1, 4, 0, 2 };
  OrderedJob shared = { 0 };
  Numbered numbers[G_N_ELEMENTS (priorities)];
  GError *error = NULL;

  g_mutex_init (&shared.lock);
  shared.order = g_array_new (FALSE, FALSE, sizeof (guint));
  for (guint i = 0; i < G_N_ELEMENTS (numbers); i++)
    {
      numbers[i].shared = &shared;
      numbers[i].index = i;
      g_ptr_array_add (futures, cg_caller_to_thread_full (job_append_index, &numbers[i], NULL,
                                                          NULL, priorities[i], NULL, &error));
      g_assert_no_error (error);
    }

  cg_test_gate_open (&fx->gate);
  for (guint i = 0; i < futures->len; i++)
    wait_done (g_ptr_array_index (futures, i));

  g_assert_cmpuint (shared.order->len, ==, G_N_ELEMENTS (expected));
  for (guint i = 0; i < shared.order->len; i++)
    g_assert_cmpuint (g_array_index (shared.order, guint, i), ==, expected[i]);
  wait_done (blocker);

  g_array_unref (shared.order);
  g_mutex_clear (&shared.lock);
}

static void
job_note_done (CgFuture *future,
               gpointer  user_data)
{
  g_atomic_int_set ((gint *) user_data, 1);
}

/* A short job queued right behind a long one runs beside it on another
 * worker (below the cap), not after it: the jobs that wait are watched
 * even when the first one went to a worker woken for it. */
static void
test_short_behind_long (Fixture *fx)
{
  g_autoptr(CgFuture) long_job = NULL;
  g_autoptr(CgFuture) short_job = NULL;
  gint short_done = 0;

  fx->n_to_start = 0; /* the gate opens when the test says so */
  for (guint round = 0; round < 20; round++)
    {
      CgPoolStats stats;

      g_clear_object (&long_job);
      g_clear_object (&short_job);
      short_done = 0;
      /* Every worker parked first (they spin a few microseconds after a
       * job): the long job then goes to a worker woken for it. */
      CG_TEST_POLL_UNTIL ((cg_caller_get_pool_stats (&stats), stats.n_idle == stats.n_threads));
      g_usleep (2000);
      long_job = to_thread_ok (job_gate, fx, NULL);
      short_job = to_thread_ok (job_note_done, &short_done, NULL);
      /* Bounded by CG_TEST_TIMEOUT_S; the long job holds its worker for
       * all that time, so the short one must have had another. */
      CG_TEST_POLL_UNTIL (g_atomic_int_get (&short_done));
      g_assert_false (cg_future_is_done (long_job));
      cg_test_gate_open (&fx->gate);
      wait_done (long_job);
      cg_test_gate_clear (&fx->gate);
      cg_test_gate_init (&fx->gate);
    }
}

/* ------------------------------------------------------------------ */
/* Options at submission                                               */
/* ------------------------------------------------------------------ */

typedef struct
{
  GCancellable *expected;
  gint          mismatches; /* atomic */
} CancellableCheck;

static void
job_check_cancellable (CgFuture *future,
                       gpointer  user_data)
{
  CancellableCheck *check = user_data;

  /* At once, as a job that hands its cancellable to GIO does. */
  if (cg_future_get_cancellable (future) != check->expected)
    g_atomic_int_inc (&check->mismatches);
}

/* The cancellable is the job's before the job can start: 2000 times
 * over, the job always finds it (linking it after cg_caller_to_thread()
 * raced with the job). */
static void
test_cancellable_at_submission (Fixture *fx)
{
  for (guint i = 0; i < 2000; i++)
    {
      g_autoptr(GCancellable) cancellable = g_cancellable_new ();
      CancellableCheck check = { cancellable, 0 };
      g_autoptr(CgFuture) future = NULL;
      GError *error = NULL;

      future = cg_caller_to_thread_full (job_check_cancellable, &check, NULL, NULL, G_PRIORITY_DEFAULT, cancellable,
                                         &error);
      g_assert_no_error (error);
      wait_done (future);
      g_assert_cmpint (g_atomic_int_get (&check.mismatches), ==, 0);
      g_assert_true (cg_future_get_cancellable (future) == cancellable);
    }

  /* Cancelling the future cancels the cancellable given. */
  {
    g_autoptr(GCancellable) cancellable = g_cancellable_new ();
    g_autoptr(CgFuture) blocker = occupy_the_only_worker (fx);
    g_autoptr(CgFuture) future = NULL;

    future = cg_caller_to_thread_full (job_record, fx, NULL, NULL, G_PRIORITY_DEFAULT, cancellable, NULL);
    cg_future_cancel (future, NULL);
    g_assert_true (g_cancellable_is_cancelled (cancellable));
    g_assert_true (cg_future_is_done (future));
    cg_test_gate_open (&fx->gate);
    wait_done (blocker);
  }

  /* A cancellable cancelled already: the job never runs. */
  {
    g_autoptr(GCancellable) cancellable = g_cancellable_new ();
    g_autoptr(CgFuture) future = NULL;
    gint destroyed = g_atomic_int_get (&fx->destroyed);

    g_cancellable_cancel (cancellable);
    future = cg_caller_to_thread_full (job_record, fx, fixture_count_destroy, NULL, G_PRIORITY_DEFAULT, cancellable,
                                       NULL);
    g_assert_true (cg_future_is_done (future));
    g_assert_true (cg_future_is_cancelled (future));
    g_assert_cmpint (g_atomic_int_get (&fx->destroyed), ==, destroyed + 1);
  }
}

static void
test_label_at_submission (Fixture *fx)
{
  CgCaller *main_caller = cg_test_main_caller ();
  g_autoptr(GListModel) jobs = cg_caller_get_jobs (main_caller);
  g_autoptr(CgFuture) blocker = occupy_the_only_worker (fx);
  g_autoptr(CgFuture) future = NULL;
  g_autoptr(CgJob) item = NULL;
  GError *error = NULL;

  future = cg_caller_to_thread_full (job_record, fx, NULL, "checksum of a file", G_PRIORITY_DEFAULT, NULL, &error);
  g_assert_no_error (error);

  /* In the list at once, with its label, while it waits for a worker. */
  g_assert_cmpuint (g_list_model_get_n_items (jobs), >=, 1);
  item = g_list_model_get_item (jobs, g_list_model_get_n_items (jobs) - 1);
  g_assert_true (cg_job_get_future (item) == future);
  g_assert_cmpstr (cg_job_get_label (item), ==, "checksum of a file");

  cg_test_gate_open (&fx->gate);
  wait_done (blocker);
  wait_done (future);
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, g_list_model_get_n_items (jobs) == 0);
}

/* ------------------------------------------------------------------ */
/* Counts                                                              */
/* ------------------------------------------------------------------ */

static void
test_stats (Fixture *fx)
{
  g_autoptr(GPtrArray) futures = g_ptr_array_new_with_free_func (g_object_unref);
  CgPoolStats before, stats;
  g_autoptr(CgPoolStats) copy = NULL;

  cg_caller_get_pool_stats (&before);
  g_assert_cmpuint (before.n_queued, ==, 0);
  g_assert_cmpuint (before.max_threads, ==, cg_caller_get_max_pool_threads ());

  /* Two workers held by the gate, three jobs queued behind them. */
  cg_caller_set_max_pool_threads (2);
  fx->n_to_start = 0;
  for (guint i = 0; i < 5; i++)
    g_ptr_array_add (futures, to_thread_ok (job_gate, fx, NULL));
  CG_TEST_POLL_UNTIL (g_atomic_int_get (&fx->started) == 2);

  cg_caller_get_pool_stats (&stats);
  g_assert_cmpuint (stats.n_threads, ==, 2);
  g_assert_cmpuint (stats.n_idle, ==, 0);
  g_assert_cmpuint (stats.n_blocked, ==, 0);
  g_assert_cmpuint (stats.n_queued, ==, 3);
  g_assert_cmpuint (stats.max_threads, ==, 2);
  g_assert_cmpint (stats.current_wait_usec, >=, 0);
  g_assert_cmpint (stats.longest_wait_usec, >=, stats.current_wait_usec);

  copy = cg_pool_stats_copy (&stats);
  g_assert_cmpuint (copy->n_queued, ==, 3);
  g_assert_true (G_TYPE_IS_BOXED (CG_TYPE_POOL_STATS));

  cg_test_gate_open (&fx->gate);
  for (guint i = 0; i < futures->len; i++)
    wait_done (g_ptr_array_index (futures, i));

  /* The workers count their jobs once they come back for more. */
  CG_TEST_POLL_UNTIL ((cg_caller_get_pool_stats (&stats),
                       stats.jobs_run >= before.jobs_run + 5 && stats.n_idle == stats.n_threads));
  g_assert_cmpuint (stats.n_queued, ==, 0);
  g_assert_cmpint (stats.current_wait_usec, ==, 0);
  g_assert_cmpuint (stats.n_threads, <=, 2);
}

/* ------------------------------------------------------------------ */

int
main (int    argc,
      char **argv)
{
  /* A pool that stays saturated starts threads past its cap after half a
   * second; a loaded machine could make the 300 short jobs look
   * saturated: none here (read once, before the pool's first use). */
  g_setenv ("CG_POOL_SATURATION_USEC", "3600000000", TRUE);
  cg_test_init (&argc, &argv);

  pool_test_add ("/pool-burst/max-threads/setting", test_max_threads_setting);
  pool_test_add ("/pool-burst/cap", test_burst_respects_cap);
  pool_test_add ("/pool-burst/wait-on-children", test_waiting_on_children);
  pool_test_add ("/pool-burst/cancel-queued", test_cancel_queued);
  pool_test_add ("/pool-burst/fifo", test_fifo_order);
  pool_test_add ("/pool-burst/priority", test_priority_order);
  pool_test_add ("/pool-burst/short-behind-long", test_short_behind_long);
  pool_test_add ("/pool-burst/options/cancellable", test_cancellable_at_submission);
  pool_test_add ("/pool-burst/options/label", test_label_at_submission);
  pool_test_add ("/pool-burst/stats", test_stats);

  return g_test_run ();
}
