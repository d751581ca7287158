/* test-job-list.c: the GListModel of a caller's jobs
 *
 * Copyright 2026 The caller-glib authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <caller-glib.h>

#include "test-helpers.h"

#define MAIN_CTX g_main_context_default ()

typedef struct
{
  CgTestGate gate;
  gint       started;
} Gated;

static void
cg_test_gated_job (CgFuture *future,
                   gpointer  user_data)
{
  Gated *gated = user_data;

  g_atomic_int_inc (&gated->started);
  cg_future_report_progress (future, 0.5);
  g_assert_true (cg_test_gate_wait (&gated->gate, CG_TEST_TIMEOUT_S, NULL));
  cg_future_report_progress (future, 1.0);
  cg_future_return_int (future, 7, NULL);
}

typedef struct
{
  GThread *thread;
  guint    added;
  guint    removed;
  gboolean off_thread;
} Changes;

static void
items_changed_cb (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  gpointer    user_data)
{
  Changes *changes = user_data;

  if (g_thread_self () != changes->thread)
    changes->off_thread = TRUE;
  changes->added += added;
  changes->removed += removed;
}

static void
test_job_list_lifecycle (void)
{
  CgCaller *main_caller = cg_test_main_caller ();
  g_autoptr(GListModel) jobs = cg_caller_get_jobs (main_caller);
  g_autoptr(GListModel) again = cg_caller_get_jobs (main_caller);
  Changes changes = { g_thread_self (), 0, 0, FALSE };
  g_autoptr(CgFuture) pooled = NULL;
  g_autoptr(CgFuture) named = NULL;
  g_autoptr(CgJob) first = NULL;
  g_autoptr(CgJob) second = NULL;
  GError *error = NULL;
  Gated gated = { 0 };

  g_test_queue_destroy (cg_test_stop_unprotected, NULL);
  cg_test_gate_init (&gated.gate);

  g_assert_true (jobs == again);
  g_assert_true (g_list_model_get_item_type (jobs) == CG_TYPE_JOB);
  g_assert_cmpuint (g_list_model_get_n_items (jobs), ==, 0);
  g_signal_connect (jobs, "items-changed", G_CALLBACK (items_changed_cb), &changes);

  /* Items appear on submission, on this thread. */
  pooled = cg_caller_to_thread (cg_test_gated_job, &gated, NULL, &error);
  g_assert_no_error (error);
  named = cg_caller_to_thread_by_name ("job-list-worker", cg_test_gated_job, &gated, NULL, &error);
  g_assert_no_error (error);
  cg_future_set_label (named, "the named one");
  g_assert_cmpuint (g_list_model_get_n_items (jobs), ==, 2);
  g_assert_cmpuint (changes.added, ==, 2);

  first = g_list_model_get_item (jobs, 0);
  second = g_list_model_get_item (jobs, 1);
  g_assert_true (cg_job_get_future (first) == pooled);
  g_assert_true (cg_job_get_future (second) == named);
  /* Without a label of its own, a job is labelled "job". */
  g_assert_cmpstr (cg_job_get_label (first), ==, "job");
  g_assert_cmpstr (cg_job_get_label (second), ==, "the named one");

  /* Running, with progress, reported on this thread. */
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, cg_job_get_state (first) == CG_JOB_STATE_RUNNING &&
                                   cg_job_get_state (second) == CG_JOB_STATE_RUNNING &&
                                   cg_job_get_progress (first) == 0.5 &&
                                   cg_job_get_progress (second) == 0.5);
  g_assert_cmpuint (g_list_model_get_n_items (jobs), ==, 2);

  /* Done: they leave the model. */
  cg_test_gate_open (&gated.gate);
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, g_list_model_get_n_items (jobs) == 0);
  g_assert_cmpuint (changes.removed, ==, 2);
  g_assert_cmpint (cg_job_get_state (first), ==, CG_JOB_STATE_DONE);
  g_assert_cmpint (cg_job_get_state (second), ==, CG_JOB_STATE_DONE);
  g_assert_cmpint (cg_future_propagate_int (pooled, NULL), ==, 7);
  g_assert_false (changes.off_thread);

  cg_test_gate_clear (&gated.gate);
}

static void
nothing_job (CgFuture *future,
             gpointer  user_data)
{
}

static void
test_job_list_cancelled (void)
{
  CgCaller *main_caller = cg_test_main_caller ();
  g_autoptr(GListModel) jobs = cg_caller_get_jobs (main_caller);
  g_autoptr(CgCaller) worker = NULL;
  g_autoptr(CgFuture) later = NULL;
  GError *error = NULL;

  g_test_queue_destroy (cg_test_stop_unprotected, NULL);

  worker = cg_caller_start_new ("job-list-cancel", FALSE, NULL, &error);
  g_assert_no_error (error);
  later = cg_caller_call_later (worker, 30.0, nothing_job, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (jobs), ==, 1);

  /* Stopping the worker cancels the job; it leaves the model. */
  cg_caller_stop (worker, FALSE);
  g_assert_true (cg_future_is_cancelled (later));
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, g_list_model_get_n_items (jobs) == 0);
}

static void
test_job_list_untracked (void)
{
  CgCaller *main_caller = cg_test_main_caller ();
  g_autoptr(CgFuture) future = NULL;
  GListModel *jobs;
  GError *error = NULL;

  g_test_queue_destroy (cg_test_stop_unprotected, NULL);

  /* A model that was dropped tracks nothing more, and labels and progress
   * of untracked futures are ignored. */
  jobs = cg_caller_get_jobs (main_caller);
  g_object_unref (jobs);

  future = cg_caller_to_thread (nothing_job, NULL, NULL, &error);
  g_assert_no_error (error);
  cg_future_set_label (future, "ignored");
  cg_future_report_progress (future, 0.3);
  g_assert_true (cg_future_wait_sync (future, CG_TEST_TIMEOUT_S, CG_WAIT_FLAGS_NONE, NULL,
                                      &error));
  g_assert_no_error (error);

  jobs = cg_caller_get_jobs (main_caller);
  g_assert_cmpuint (g_list_model_get_n_items (jobs), ==, 0);
  g_object_unref (jobs);
}

/* A caller watches its job list and hands a job to another caller; it is
 * stopped before that job ends. */
typedef struct
{
  CgCaller   *worker;
  Gated       gated;
  CgTestGate  hold;      /* holds the watching caller busy */
  CgFuture   *handed;    /* the job handed to the worker */
} Handover;

static void
hand_over_job (CgFuture *future,
               gpointer  user_data)
{
  Handover *ho = user_data;
  GError *error = NULL;

  /* On the watching caller's thread: the job enters its list. */
  ho->handed = cg_caller_call_soon (ho->worker, cg_test_gated_job, &ho->gated, NULL, &error);
  g_assert_no_error (error);
}

static void
hold_caller (CgFuture *future,
             gpointer  user_data)
{
  Handover *ho = user_data;

  /* Ends when the caller is stopped (its cancellable) or the gate opens. */
  cg_test_gate_wait (&ho->hold, CG_TEST_TIMEOUT_S, cg_future_get_cancellable (future));
}

static void
wait_done_sync (CgFuture *future)
{
  GError *error = NULL;

  g_assert_true (cg_future_wait_sync (future, CG_TEST_TIMEOUT_S, CG_WAIT_FLAGS_NO_RESULT, NULL,
                                      &error));
  g_assert_no_error (error);
}

/* With @busy, the watching caller is in the middle of a job when the handed
 * job ends, so the item's removal is queued to it and then dropped by the
 * stop; otherwise the caller is stopped first and refuses the removal. */
static void
run_stopped_watcher (gboolean busy)
{
  g_autoptr(CgCaller) watcher = NULL;
  g_autoptr(CgFuture) submitted = NULL;
  g_autoptr(CgFuture) held = NULL;
  GListModel *jobs;
  CgJob *item;
  Handover ho = { 0 };
  GError *error = NULL;
  gint watcher_gone = 0, jobs_gone = 0, item_gone = 0;

  g_test_queue_destroy (cg_test_stop_unprotected, NULL);
  cg_test_gate_init (&ho.gated.gate);
  cg_test_gate_init (&ho.hold);

  ho.worker = cg_caller_start_new ("job-list-worker", FALSE, NULL, &error);
  g_assert_no_error (error);
  watcher = cg_caller_start_new ("job-list-watcher", FALSE, NULL, &error);
  g_assert_no_error (error);
  jobs = cg_caller_get_jobs (watcher);

  submitted = cg_caller_call_soon (watcher, hand_over_job, &ho, NULL, &error);
  g_assert_no_error (error);
  wait_done_sync (submitted);
  g_assert_nonnull (ho.handed);
  g_assert_cmpuint (g_list_model_get_n_items (jobs), ==, 1);
  item = g_list_model_get_item (jobs, 0);
  g_assert_true (cg_job_get_future (item) == ho.handed);
  g_object_weak_ref (G_OBJECT (item), cg_test_finalized_cb, &item_gone);
  g_object_unref (item);

  if (busy)
    {
      held = cg_caller_call_soon (watcher, hold_caller, &ho, NULL, &error);
      g_assert_no_error (error);
    }
  else
    {
      cg_caller_stop (watcher, FALSE);
    }

  /* The handed job ends; stopping its caller waits until the completion
   * was dealt with on its thread. */
  cg_test_gate_open (&ho.gated.gate);
  wait_done_sync (ho.handed);
  cg_caller_stop (ho.worker, FALSE);

  if (busy)
    {
      cg_caller_stop (watcher, FALSE);
      wait_done_sync (held);
    }

  /* The stopped caller's model no longer changes: the item stays. */
  g_assert_cmpuint (g_list_model_get_n_items (jobs), ==, 1);
  g_assert_false (g_atomic_int_get (&item_gone));

  /* Dropping the model frees it, its item, the item's future and the
   * caller. */
  g_object_weak_ref (G_OBJECT (jobs), cg_test_finalized_cb, &jobs_gone);
  g_object_weak_ref (G_OBJECT (watcher), cg_test_finalized_cb, &watcher_gone);
  g_object_unref (jobs);
  g_clear_object (&ho.handed);
  g_clear_object (&submitted);
  g_clear_object (&held);
  g_clear_object (&watcher);
  CG_TEST_POLL_UNTIL (g_atomic_int_get (&jobs_gone) && g_atomic_int_get (&item_gone) &&
                      g_atomic_int_get (&watcher_gone));

  g_object_unref (ho.worker);
  cg_test_gate_clear (&ho.hold);
  cg_test_gate_clear (&ho.gated.gate);
}

static void
test_job_list_caller_stopped (void)
{
  run_stopped_watcher (FALSE);
}

static void
test_job_list_caller_stopped_busy (void)
{
  run_stopped_watcher (TRUE);
}

/* A burst of submissions and completions: a few items-changed, not one
 * per job, and a model that always matches what its signals said. */
typedef struct
{
  GPtrArray *mirror;   /* the items, as the signals tell them */
  guint      signals;
  guint      added;
  guint      removed;
  gboolean   wrong;
} Mirror;

static void
mirror_changed (GListModel *model,
                guint       position,
                guint       removed,
                guint       added,
                gpointer    user_data)
{
  Mirror *m = user_data;

  m->signals++;
  m->added += added;
  m->removed += removed;
  if (position + removed > m->mirror->len)
    {
      m->wrong = TRUE;
      return;
    }
  g_ptr_array_remove_range (m->mirror, position, removed);
  for (guint i = 0; i < added; i++)
    g_ptr_array_insert (m->mirror, position + i, g_list_model_get_item (model, position + i));
  if (m->mirror->len != g_list_model_get_n_items (model))
    m->wrong = TRUE;
}

static void
mirror_check (Mirror     *m,
              GListModel *model)
{
  g_assert_false (m->wrong);
  g_assert_cmpuint (m->mirror->len, ==, g_list_model_get_n_items (model));
  for (guint i = 0; i < m->mirror->len; i++)
    {
      g_autoptr(CgJob) job = g_list_model_get_item (model, i);

      g_assert_true (job == g_ptr_array_index (m->mirror, i));
    }
}

static void
gate_job (CgFuture *future,
          gpointer  user_data)
{
  g_assert_true (cg_test_gate_wait (user_data, CG_TEST_TIMEOUT_S, NULL));
}

#define BURST 300

static void
test_job_list_burst (void)
{
  CgCaller *main_caller = cg_test_main_caller ();
  g_autoptr(GListModel) jobs = cg_caller_get_jobs (main_caller);
  g_autoptr(CgCaller) worker = NULL;
  g_autoptr(CgFuture) held = NULL;
  CgFuture *futures[BURST];
  Mirror m = { g_ptr_array_new_with_free_func (g_object_unref), 0, 0, 0, FALSE };
  CgTestGate gate;
  GError *error = NULL;

  g_test_queue_destroy (cg_test_stop_unprotected, NULL);
  cg_test_gate_init (&gate);
  g_signal_connect (jobs, "items-changed", G_CALLBACK (mirror_changed), &m);

  worker = cg_caller_start_new ("job-list-burst", FALSE, NULL, &error);
  g_assert_no_error (error);
  held = cg_caller_call_soon (worker, gate_job, &gate, NULL, &error);
  g_assert_no_error (error);
  cg_future_set_label (held, "held");

  /* The burst: the first few items appear at once, the rest together
   * once the loop runs. */
  for (guint i = 0; i < BURST; i++)
    {
      futures[i] = cg_caller_call_soon (worker, nothing_job, NULL, NULL, &error);
      g_assert_no_error (error);
    }
  g_assert_cmpuint (g_list_model_get_n_items (jobs), >=, 1);
  g_assert_cmpuint (g_list_model_get_n_items (jobs), <, 20);
  mirror_check (&m, jobs);

  CG_TEST_ITERATE_UNTIL (MAIN_CTX, g_list_model_get_n_items (jobs) == BURST + 1);
  mirror_check (&m, jobs);
  g_assert_cmpuint (m.signals, <, 20);
  for (guint i = 0; i < BURST; i++)
    {
      g_autoptr(CgJob) job = g_list_model_get_item (jobs, i + 1);

      g_assert_true (cg_job_get_future (job) == futures[i]);
    }

  /* All complete before the loop runs again: they leave together. */
  cg_test_gate_open (&gate);
  CG_TEST_POLL_UNTIL (cg_future_is_done (futures[BURST - 1]));
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, g_list_model_get_n_items (jobs) == 0);
  mirror_check (&m, jobs);
  g_assert_cmpuint (m.added, ==, BURST + 1);
  g_assert_cmpuint (m.removed, ==, BURST + 1);
  g_assert_cmpuint (m.signals, <, 40);

  /* A burst that is done before the loop runs: in and out in a few
   * signals. */
  m.signals = m.added = m.removed = 0;
  for (guint i = 0; i < BURST; i++)
    {
      g_object_unref (futures[i]);
      futures[i] = cg_caller_call_soon (worker, nothing_job, NULL, NULL, &error);
      g_assert_no_error (error);
    }
  CG_TEST_POLL_UNTIL (cg_future_is_done (futures[BURST - 1]));
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, g_list_model_get_n_items (jobs) == 0 && m.removed == m.added);
  /* Let every posted flush run. */
  for (guint i = 0; i < 10; i++)
    g_main_context_iteration (MAIN_CTX, FALSE);
  mirror_check (&m, jobs);
  g_assert_cmpuint (g_list_model_get_n_items (jobs), ==, 0);
  g_assert_cmpuint (m.added, ==, m.removed);
  g_assert_cmpuint (m.signals, <, 20);

  for (guint i = 0; i < BURST; i++)
    g_object_unref (futures[i]);
  g_signal_handlers_disconnect_by_data (jobs, &m);
  g_ptr_array_unref (m.mirror);
  cg_caller_stop (worker, FALSE);
  cg_test_gate_clear (&gate);
}

int
main (int    argc,
      char **argv)
{
  cg_test_init (&argc, &argv);

  cg_test_add ("/job-list/lifecycle", test_job_list_lifecycle);
  cg_test_add ("/job-list/cancelled", test_job_list_cancelled);
  cg_test_add ("/job-list/untracked", test_job_list_untracked);
  cg_test_add ("/job-list/burst", test_job_list_burst);
  cg_test_add ("/job-list/caller-stopped", test_job_list_caller_stopped);
  cg_test_add ("/job-list/caller-stopped-busy", test_job_list_caller_stopped_busy);

  return g_test_run ();
}
