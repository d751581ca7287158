/* test-combine.c: tests of cg_future_all/any/first/and_then/catch/finally
 * and of futures of signals and properties, and of the report of
 * failures nobody read
 *
 * Copyright 2026 The caller-glib authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The combined futures belong to the thread that makes them, which needs
 * a caller: each test makes them in a job of a worker caller, completes
 * the inputs from the test's thread, and waits for the results there.
 */

#include <caller-glib.h>

#include "test-helpers.h"

#define N_INPUTS 3

typedef struct
{
  CgCaller  *worker;
  CgFuture  *inputs[N_INPUTS];  /* made on the worker, completed by the test */
  CgFuture  *result;
  CgFuture  *extra;             /* a second result, when a test needs one */
  gboolean   shield;
  GThread   *ran_on;            /* where the continuation ran */
  CgFuture  *seen_input;        /* the input the continuation got */
  gint       runs;
  gint       destroyed;
} Combo;

static void
combo_setup (Combo *c)
{
  g_autoptr(GError) error = NULL;

  c->worker = cg_caller_start_new ("combine", FALSE, NULL, &error);
  g_assert_no_error (error);
}

static void
combo_teardown (Combo *c)
{
  cg_caller_stop (c->worker, FALSE);
  g_clear_object (&c->worker);
  for (guint i = 0; i < N_INPUTS; i++)
    g_clear_object (&c->inputs[i]);
  g_clear_object (&c->result);
  g_clear_object (&c->extra);
  g_clear_object (&c->seen_input);
}

/* Runs @make in a job of the worker and waits for it. */
static void
on_worker (Combo     *c,
           CgJobFunc  make)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CgFuture) made = cg_caller_call_soon (c->worker, make, c, NULL, &error);

  g_assert_no_error (error);
  g_assert_true (cg_future_wait_sync (made, CG_TEST_TIMEOUT_S, CG_WAIT_FLAGS_NONE, NULL, &error));
}

/* Runs @make (with @data) in a job of the worker and waits for it. */
static void
on_worker_with (Combo     *c,
                CgJobFunc  make,
                gpointer   data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CgFuture) made = cg_caller_call_soon (c->worker, make, data, NULL, &error);

  g_assert_no_error (error);
  g_assert_true (cg_future_wait_sync (made, CG_TEST_TIMEOUT_S, CG_WAIT_FLAGS_NONE, NULL, &error));
}

static void
make_inputs (Combo *c)
{
  for (guint i = 0; i < N_INPUTS; i++)
    c->inputs[i] = cg_future_new ();
}

static void
fail_input (CgFuture *input)
{
  g_assert_true (cg_future_return_new_error (input, G_IO_ERROR, G_IO_ERROR_FAILED, NULL,
                                             "input failed"));
}

static void
assert_result_pending (CgFuture *result)
{
  /* the inputs' completions reach the result at once, on this thread */
  g_assert_false (cg_future_is_done (result));
}

static void
make_all (CgFuture *future,
          gpointer  user_data)
{
  Combo *c = user_data;

  make_inputs (c);
  c->result = cg_future_all (c->inputs, N_INPUTS, c->shield, NULL);
}

static void
test_all_succeeds_once_every_input_did (void)
{
  Combo c = { 0 };
  g_autoptr(GError) error = NULL;

  combo_setup (&c);
  on_worker (&c, make_all);
  g_assert_true (cg_future_return_int (c.inputs[0], 1, NULL));
  g_assert_true (cg_future_return_int (c.inputs[2], 3, NULL));
  assert_result_pending (c.result);
  g_assert_true (cg_future_return_int (c.inputs[1], 2, NULL));
  g_assert_true (cg_future_wait_sync (c.result, CG_TEST_TIMEOUT_S, CG_WAIT_FLAGS_NONE, NULL,
                                      &error));
  /* the inputs keep their own results */
  g_assert_cmpint (cg_future_propagate_int (c.inputs[1], NULL), ==, 2);
  combo_teardown (&c);
}

static void
test_all_fails_with_the_first_failure (void)
{
  Combo c = { 0 };
  g_autoptr(GError) error = NULL;

  combo_setup (&c);
  on_worker (&c, make_all);
  g_assert_true (cg_future_return_int (c.inputs[0], 1, NULL));
  fail_input (c.inputs[2]);
  /* failed while input 1 is still pending, which is left alone */
  g_assert_false (cg_future_wait_sync (c.result, CG_TEST_TIMEOUT_S, CG_WAIT_FLAGS_SHIELD, NULL,
                                       &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_FAILED);
  g_assert_false (cg_future_is_done (c.inputs[1]));
  g_assert_true (cg_future_return_int (c.inputs[1], 2, NULL));
  combo_teardown (&c);
}

static void
test_all_cancelled_cancels_its_inputs_unless_shielded (void)
{
  for (guint shield = 0; shield < 2; shield++)
    {
      Combo c = { 0 };

      c.shield = shield;
      combo_setup (&c);
      on_worker (&c, make_all);
      g_assert_true (cg_future_return_int (c.inputs[0], 1, NULL));
      cg_future_cancel (c.result, "enough");
      CG_TEST_POLL_UNTIL (cg_future_is_done (c.result));
      g_assert_true (cg_future_is_cancelled (c.result));
      g_assert_false (cg_future_is_cancelled (c.inputs[0]));  /* done before */
      g_assert_true (cg_future_is_cancelled (c.inputs[1]) == !shield);
      g_assert_true (cg_future_is_cancelled (c.inputs[2]) == !shield);
      combo_teardown (&c);
    }
}

static void
make_empty (CgFuture *future,
            gpointer  user_data)
{
  Combo *c = user_data;

  c->result = cg_future_all (NULL, 0, FALSE, NULL);
  c->extra = cg_future_any (NULL, 0, FALSE, NULL);
}

static void
test_no_inputs (void)
{
  Combo c = { 0 };
  g_autoptr(GError) error = NULL;

  combo_setup (&c);
  on_worker (&c, make_empty);
  g_assert_true (cg_future_check (c.result, NULL));
  g_assert_false (cg_future_check (c.extra, &error));
  g_assert_error (error, CG_FUTURE_ERROR, CG_FUTURE_ERROR_INVALID_STATE);
  combo_teardown (&c);
}

static void
make_any_first (CgFuture *future,
                gpointer  user_data)
{
  Combo *c = user_data;

  make_inputs (c);
  c->result = cg_future_any (c->inputs, N_INPUTS, FALSE, NULL);
  c->extra = cg_future_first (c->inputs, N_INPUTS, FALSE, NULL);
}

static void
test_any_takes_the_first_success_first_the_first_outcome (void)
{
  Combo c = { 0 };
  g_autoptr(GError) error = NULL;

  combo_setup (&c);
  on_worker (&c, make_any_first);
  fail_input (c.inputs[1]);
  /* first: that failure; any: still waiting */
  g_assert_false (cg_future_wait_sync (c.extra, CG_TEST_TIMEOUT_S, CG_WAIT_FLAGS_SHIELD, NULL,
                                       &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_FAILED);
  g_clear_error (&error);
  assert_result_pending (c.result);
  g_assert_true (cg_future_return_int (c.inputs[2], 7, NULL));
  g_assert_true (cg_future_wait_sync (c.result, CG_TEST_TIMEOUT_S, CG_WAIT_FLAGS_NONE, NULL,
                                      &error));
  g_assert_cmpint (cg_future_propagate_int (c.result, NULL), ==, 7);
  g_assert_true (cg_future_return_int (c.inputs[0], 1, NULL));
  combo_teardown (&c);
}

static void
test_any_fails_when_every_input_failed (void)
{
  Combo c = { 0 };
  g_autoptr(GError) error = NULL;

  combo_setup (&c);
  on_worker (&c, make_any_first);
  for (guint i = 0; i < N_INPUTS; i++)
    fail_input (c.inputs[i]);
  g_assert_false (cg_future_wait_sync (c.result, CG_TEST_TIMEOUT_S, CG_WAIT_FLAGS_SHIELD, NULL,
                                       &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_FAILED);
  combo_teardown (&c);
}

/* Continuations ------------------------------------------------------------ */

static void
continuation (CgFuture *future,
              CgFuture *input,
              gpointer  user_data)
{
  Combo *c = user_data;
  g_autoptr(GError) error = NULL;

  c->runs++;
  c->ran_on = g_thread_self ();
  g_set_object (&c->seen_input, input);
  if (cg_future_check (input, &error))
    cg_future_return_int (future, cg_future_propagate_int (input, NULL) * 10, NULL);
  else
    cg_future_return_int (future, -1, NULL);
}

static void
failing_continuation (CgFuture *future,
                      CgFuture *input,
                      gpointer  user_data)
{
  Combo *c = user_data;

  c->runs++;
  cg_future_return_new_error (future, G_IO_ERROR, G_IO_ERROR_BUSY, NULL, "cleanup failed");
}

static void
count_destroy (gpointer user_data)
{
  Combo *c = user_data;

  g_atomic_int_inc (&c->destroyed);
}

static void
make_then_catch (CgFuture *future,
                 gpointer  user_data)
{
  Combo *c = user_data;

  make_inputs (c);
  c->result = cg_future_and_then (c->inputs[0], NULL, continuation, c, count_destroy, NULL);
  c->extra = cg_future_catch (c->inputs[1], NULL, continuation, c, count_destroy, NULL);
}

static void
test_then_and_catch (void)
{
  Combo c = { 0 };
  g_autoptr(GError) error = NULL;

  combo_setup (&c);
  on_worker (&c, make_then_catch);

  /* then after a success: runs on the worker with the input */
  g_assert_true (cg_future_return_int (c.inputs[0], 4, NULL));
  g_assert_true (cg_future_wait_sync (c.result, CG_TEST_TIMEOUT_S, CG_WAIT_FLAGS_NONE, NULL,
                                      &error));
  g_assert_cmpint (cg_future_propagate_int (c.result, NULL), ==, 40);
  g_assert_true (c.ran_on == cg_caller_get_thread (c.worker));
  g_assert_true (c.seen_input == c.inputs[0]);

  /* catch after a failure: runs, and its outcome is the result's */
  fail_input (c.inputs[1]);
  g_assert_true (cg_future_wait_sync (c.extra, CG_TEST_TIMEOUT_S, CG_WAIT_FLAGS_NONE, NULL,
                                      &error));
  g_assert_cmpint (cg_future_propagate_int (c.extra, NULL), ==, -1);
  g_assert_cmpint (c.runs, ==, 2);
  CG_TEST_POLL_UNTIL (g_atomic_int_get (&c.destroyed) == 2);
  combo_teardown (&c);
}

static void
test_then_after_failure_and_catch_after_success_pass_through (void)
{
  Combo c = { 0 };
  g_autoptr(GError) error = NULL;

  combo_setup (&c);
  on_worker (&c, make_then_catch);
  fail_input (c.inputs[0]);
  g_assert_true (cg_future_return_int (c.inputs[1], 6, NULL));

  g_assert_false (cg_future_wait_sync (c.result, CG_TEST_TIMEOUT_S, CG_WAIT_FLAGS_SHIELD, NULL,
                                       &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_FAILED);
  g_assert_true (cg_future_wait_sync (c.extra, CG_TEST_TIMEOUT_S, CG_WAIT_FLAGS_NONE, NULL,
                                      NULL));
  g_assert_cmpint (cg_future_propagate_int (c.extra, NULL), ==, 6);
  /* neither ran; both data were freed */
  CG_TEST_POLL_UNTIL (g_atomic_int_get (&c.destroyed) == 2);
  g_assert_cmpint (c.runs, ==, 0);
  combo_teardown (&c);
}

static void
make_finally (CgFuture *future,
              gpointer  user_data)
{
  Combo *c = user_data;

  make_inputs (c);
  c->result = cg_future_finally (c->inputs[0], NULL, continuation, c, NULL, NULL);
  c->extra = cg_future_finally (c->inputs[1], NULL, failing_continuation, c, NULL, NULL);
}

static void
test_finally_keeps_the_outcome_unless_it_fails (void)
{
  Combo c = { 0 };
  g_autoptr(GError) error = NULL;

  combo_setup (&c);
  on_worker (&c, make_finally);
  fail_input (c.inputs[0]);
  g_assert_true (cg_future_return_int (c.inputs[1], 9, NULL));

  /* ran, and the result is the input's failure */
  g_assert_false (cg_future_wait_sync (c.result, CG_TEST_TIMEOUT_S, CG_WAIT_FLAGS_SHIELD, NULL,
                                       &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_FAILED);
  g_clear_error (&error);
  /* a continuation that fails: its failure */
  g_assert_false (cg_future_wait_sync (c.extra, CG_TEST_TIMEOUT_S, CG_WAIT_FLAGS_SHIELD, NULL,
                                       &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_BUSY);
  g_assert_cmpint (c.runs, ==, 2);
  combo_teardown (&c);
}

static void
make_then_pending (CgFuture *future,
                   gpointer  user_data)
{
  Combo *c = user_data;

  make_inputs (c);
  c->result = cg_future_and_then (c->inputs[0], NULL, continuation, c, count_destroy, NULL);
}

static void
test_cancelling_a_continuation_cancels_its_input (void)
{
  Combo c = { 0 };

  combo_setup (&c);
  on_worker (&c, make_then_pending);
  cg_future_cancel (c.result, "not needed");
  CG_TEST_POLL_UNTIL (cg_future_is_done (c.result));
  g_assert_true (cg_future_is_cancelled (c.inputs[0]));
  CG_TEST_POLL_UNTIL (g_atomic_int_get (&c.destroyed) == 1);
  g_assert_cmpint (c.runs, ==, 0);
  combo_teardown (&c);
}

typedef struct
{
  Combo  *combo;
  GError *all_error;
  GError *then_error;
} NoCaller;

static gpointer
combine_without_caller (gpointer data)
{
  NoCaller *n = data;
  g_autoptr(CgFuture) input = cg_future_new ();

  g_assert_null (cg_future_all (&input, 1, FALSE, &n->all_error));
  g_assert_null (cg_future_and_then (input, n->combo->worker, continuation, n->combo, count_destroy,
                                 &n->then_error));
  return NULL;
}

static void
test_a_thread_without_a_caller_is_told (void)
{
  Combo c = { 0 };
  NoCaller n = { &c, NULL, NULL };

  combo_setup (&c);
  g_thread_join (g_thread_new ("no-caller", combine_without_caller, &n));
  g_assert_error (n.all_error, CG_CALLER_ERROR, CG_CALLER_ERROR_NOT_FOUND);
  g_assert_error (n.then_error, CG_CALLER_ERROR, CG_CALLER_ERROR_NOT_FOUND);
  g_assert_cmpint (c.destroyed, ==, 1);
  g_clear_error (&n.all_error);
  g_clear_error (&n.then_error);
  combo_teardown (&c);
}

/* Signals and properties ----------------------------------------------------- */

typedef struct
{
  Combo           *combo;
  GSimpleAction   *action;     /* "activate" (a GVariant), "enabled" */
  GCancellable    *cancellable;
  CgFuture        *activated;
  CgFuture        *disabled;   /* "enabled" becomes FALSE */
  CgFuture        *enabled;    /* "enabled" is TRUE already */
  CgFuture        *already;    /* a property that never changes */
  CgFuture        *cancelled;
  CgFuture        *orphan;     /* its object is finalized first */
  GError          *no_signal;
  GError          *no_property;
} Watching;

static gboolean
is_true (GObject      *instance,
         const GValue *value,
         gpointer      user_data)
{
  return g_value_get_boolean (value);
}

static gboolean
is_false (GObject      *instance,
          const GValue *value,
          gpointer      user_data)
{
  return !g_value_get_boolean (value);
}

static void
make_watches (CgFuture *future,
              gpointer  user_data)
{
  Watching *w = user_data;
  g_autoptr(GSimpleAction) doomed = g_simple_action_new ("doomed", NULL);

  w->activated = cg_future_new_for_signal (G_OBJECT (w->action), "activate", NULL, NULL);
  w->disabled = cg_future_new_for_property (G_OBJECT (w->action), "enabled", is_false,
                                            w->combo, count_destroy, NULL, NULL);
  w->enabled = cg_future_new_for_property (G_OBJECT (w->action), "enabled", is_true, NULL, NULL,
                                           NULL, NULL);
  w->already = cg_future_new_for_property (G_OBJECT (w->action), "name", NULL, NULL, NULL, NULL,
                                           NULL);
  w->cancelled = cg_future_new_for_signal (G_OBJECT (w->action), "change-state",
                                           w->cancellable, NULL);
  w->orphan = cg_future_new_for_signal (G_OBJECT (doomed), "activate", NULL, NULL);
  g_assert_null (cg_future_new_for_signal (G_OBJECT (w->action), "no-such-signal", NULL,
                                           &w->no_signal));
  g_assert_null (cg_future_new_for_property (G_OBJECT (w->action), "no-such-property", NULL,
                                             NULL, NULL, NULL, &w->no_property));
}

static void
make_changed_watch (CgFuture *future,
                    gpointer  user_data)
{
  g_object_set_data_full (user_data, "changed",
                          cg_future_new_for_signal (user_data, "items-changed", NULL, NULL),
                          g_object_unref);
}

static void
test_signals_and_properties (void)
{
  Combo c = { 0 };
  Watching w = { &c, g_simple_action_new ("go", G_VARIANT_TYPE_INT32), g_cancellable_new () };
  g_autoptr(GError) error = NULL;
  GVariant *parameter;
  GValue value = G_VALUE_INIT;

  combo_setup (&c);
  on_worker_with (&c, make_watches, &w);

  g_assert_error (w.no_signal, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_assert_error (w.no_property, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&w.no_signal);
  g_clear_error (&w.no_property);

  /* emitted on this thread: completes with the signal's argument, once */
  g_action_activate (G_ACTION (w.action), g_variant_new_int32 (42));
  g_assert_true (cg_future_wait_sync (w.activated, CG_TEST_TIMEOUT_S, CG_WAIT_FLAGS_NONE, NULL,
                                      &error));
  g_assert_true (cg_future_propagate_value (w.activated, &value, NULL));
  parameter = g_value_get_variant (&value);
  g_assert_cmpint (g_variant_get_int32 (parameter), ==, 42);
  g_value_unset (&value);
  g_action_activate (G_ACTION (w.action), g_variant_new_int32 (43));  /* disconnected */

  /* several arguments: a GValueArray of them */
  {
    g_autoptr(GListStore) store = g_list_store_new (G_TYPE_SIMPLE_ACTION);
    g_autoptr(CgFuture) changed = NULL;
    GValueArray *arguments;

    on_worker_with (&c, make_changed_watch, store);
    changed = g_object_steal_data (G_OBJECT (store), "changed");
    g_list_store_append (store, w.action);
    g_assert_true (cg_future_wait_sync (changed, CG_TEST_TIMEOUT_S, CG_WAIT_FLAGS_NONE, NULL,
                                        &error));
    g_assert_true (cg_future_propagate_value (changed, &value, NULL));
    arguments = g_value_get_boxed (&value);
    G_GNUC_BEGIN_IGNORE_DEPRECATIONS
    g_assert_cmpuint (arguments->n_values, ==, 3);
    g_assert_cmpuint (g_value_get_uint (g_value_array_get_nth (arguments, 2)), ==, 1);
    G_GNUC_END_IGNORE_DEPRECATIONS
    g_value_unset (&value);
  }

  /* a property that has the value already: done at once */
  g_assert_true (cg_future_is_done (w.enabled));
  g_assert_true (cg_future_propagate_boolean (w.enabled, NULL));

  /* otherwise only a value the predicate accepts completes it */
  g_assert_false (cg_future_is_done (w.disabled));
  g_simple_action_set_enabled (w.action, FALSE);
  g_assert_true (cg_future_wait_sync (w.disabled, CG_TEST_TIMEOUT_S, CG_WAIT_FLAGS_NONE, NULL,
                                      &error));
  g_assert_false (cg_future_propagate_boolean (w.disabled, NULL));
  CG_TEST_POLL_UNTIL (g_atomic_int_get (&c.destroyed) == 1);

  /* without a predicate: the next change */
  g_assert_false (cg_future_is_done (w.already));

  /* cancelled through its cancellable */
  g_cancellable_cancel (w.cancellable);
  g_assert_false (cg_future_wait_sync (w.cancelled, CG_TEST_TIMEOUT_S, CG_WAIT_FLAGS_SHIELD, NULL,
                                       &error));
  g_assert_error (error, CG_FUTURE_ERROR, CG_FUTURE_ERROR_CANCELLED);
  g_clear_error (&error);

  /* its object went away first */
  g_assert_false (cg_future_wait_sync (w.orphan, CG_TEST_TIMEOUT_S, CG_WAIT_FLAGS_SHIELD, NULL,
                                       &error));
  g_assert_error (error, CG_FUTURE_ERROR, CG_FUTURE_ERROR_CANCELLED);
  g_clear_error (&error);

  /* cancelling the future disconnects it: the action can go */
  cg_future_cancel (w.already, "not needed");
  g_assert_false (cg_future_wait_sync (w.already, CG_TEST_TIMEOUT_S, CG_WAIT_FLAGS_SHIELD, NULL,
                                       &error));
  g_assert_error (error, CG_FUTURE_ERROR, CG_FUTURE_ERROR_CANCELLED);
  g_clear_error (&error);
  g_object_add_weak_pointer (G_OBJECT (w.action), (gpointer *) &w.action);
  g_object_unref (w.action);
  g_assert_null (w.action);

  g_object_unref (w.cancellable);
  g_object_unref (w.activated);
  g_object_unref (w.disabled);
  g_object_unref (w.enabled);
  g_object_unref (w.already);
  g_object_unref (w.cancelled);
  g_object_unref (w.orphan);
  combo_teardown (&c);
}

/* Task groups ----------------------------------------------------------------- */

typedef struct
{
  CgTaskGroupFlags  flags;
  gdouble           timeout;
  CgTaskGroup      *group;
  CgFuture         *members[N_INPUTS];   /* plain futures, completed by the test */
  GAsyncResult     *result;             /* of the wait, on the worker */
  gboolean          waited;
} Group;

static void
group_waited (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Group *g = user_data;

  g->result = g_object_ref (result);
  g_atomic_int_set (&g->waited, TRUE);
}

static void
make_group (CgFuture *future,
            gpointer  user_data)
{
  Group *g = user_data;

  g->group = cg_task_group_new (g->flags, g->timeout, NULL);
  for (guint i = 0; i < N_INPUTS; i++)
    {
      g->members[i] = cg_future_new ();
      cg_task_group_add (g->group, g->members[i]);
    }
  cg_task_group_wait_async (g->group, NULL, group_waited, g);
}

/* The wait's outcome, read on the worker (its callback ran there). */
static void
read_wait (CgFuture *future,
           gpointer  user_data)
{
  Group *g = user_data;
  GError *error = NULL;

  if (cg_task_group_wait_finish (g->group, g->result, &error))
    cg_future_return_boolean (future, TRUE, NULL);
  else
    cg_future_return_error (future, error, NULL);
}

static gboolean
group_outcome (Combo   *c,
               Group   *g,
               GError **error)
{
  g_autoptr(CgFuture) read = NULL;

  CG_TEST_POLL_UNTIL (g_atomic_int_get (&g->waited));
  read = cg_caller_call_soon (c->worker, read_wait, g, NULL, NULL);
  return cg_future_wait_sync (read, CG_TEST_TIMEOUT_S, CG_WAIT_FLAGS_SHIELD, NULL, error);
}

static void
group_clear (Group *g)
{
  for (guint i = 0; i < N_INPUTS; i++)
    g_clear_object (&g->members[i]);
  g_clear_object (&g->result);
  g_clear_object (&g->group);
}

static void
test_task_group (void)
{
  Combo c = { 0 };
  g_autoptr(GError) error = NULL;

  combo_setup (&c);

  /* every member succeeded: the wait ends with the last */
  {
    Group g = { CG_TASK_GROUP_FLAGS_NONE, -1 };

    on_worker_with (&c, make_group, &g);
    g_assert_true (cg_future_return_int (g.members[0], 1, NULL));
    g_assert_true (cg_future_return_int (g.members[2], 3, NULL));
    g_usleep (G_USEC_PER_SEC / 100);
    g_assert_false (g_atomic_int_get (&g.waited));
    g_assert_true (cg_future_return_int (g.members[1], 2, NULL));
    g_assert_true (group_outcome (&c, &g, &error));
    group_clear (&g);
  }

  /* the first failure cancels the rest; the wait ends once they ended */
  {
    Group g = { CG_TASK_GROUP_FLAGS_NONE, -1 };

    on_worker_with (&c, make_group, &g);
    fail_input (g.members[1]);
    CG_TEST_POLL_UNTIL (cg_future_is_cancelled (g.members[0]) &&
                        cg_future_is_cancelled (g.members[2]));
    g_assert_false (g_atomic_int_get (&g.waited));
    cg_future_return_int (g.members[0], 0, NULL);   /* as cancelled */
    cg_future_return_int (g.members[2], 0, NULL);
    g_assert_false (group_outcome (&c, &g, &error));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_FAILED);
    g_clear_error (&error);
    group_clear (&g);
  }

  /* keep going: the others run on; the group still fails */
  {
    Group g = { CG_TASK_GROUP_FLAGS_KEEP_GOING, -1 };

    on_worker_with (&c, make_group, &g);
    fail_input (g.members[1]);
    g_usleep (G_USEC_PER_SEC / 100);
    g_assert_false (cg_future_is_cancelled (g.members[0]));
    g_assert_true (cg_future_return_int (g.members[0], 1, NULL));
    g_assert_true (cg_future_return_int (g.members[2], 3, NULL));
    g_assert_false (group_outcome (&c, &g, &error));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_FAILED);
    g_clear_error (&error);
    group_clear (&g);
  }

  /* a timeout cancels every member and the group fails with TIMED_OUT */
  {
    Group g = { CG_TASK_GROUP_FLAGS_NONE, 0.02 };

    on_worker_with (&c, make_group, &g);
    CG_TEST_POLL_UNTIL (cg_future_is_cancelled (g.members[0]));
    for (guint i = 0; i < N_INPUTS; i++)
      cg_future_return_int (g.members[i], 0, NULL);
    g_assert_false (group_outcome (&c, &g, &error));
    g_assert_error (error, CG_CALLER_ERROR, CG_CALLER_ERROR_TIMED_OUT);
    g_clear_error (&error);
    group_clear (&g);
  }

  /* cancelled as one; a member added afterwards is cancelled at once */
  {
    Group g = { CG_TASK_GROUP_FLAGS_NONE, -1 };
    g_autoptr(CgFuture) late = cg_future_new ();

    on_worker_with (&c, make_group, &g);
    cg_task_group_cancel (g.group, "stop");
    cg_task_group_add (g.group, late);
    g_assert_true (cg_future_is_cancelled (late));
    cg_future_return_int (late, 0, NULL);
    for (guint i = 0; i < N_INPUTS; i++)
      {
        g_assert_true (cg_future_is_cancelled (g.members[i]));
        cg_future_return_int (g.members[i], 0, NULL);
      }
    g_assert_false (group_outcome (&c, &g, &error));
    g_assert_error (error, CG_FUTURE_ERROR, CG_FUTURE_ERROR_CANCELLED);
    g_clear_error (&error);
    group_clear (&g);
  }

  combo_teardown (&c);
}

/* Unretrieved failures ------------------------------------------------------- */

typedef struct
{
  GPtrArray *messages;
} Reports;

static void
record_report (const GError *error,
               const char   *label,
               gpointer      user_data)
{
  Reports *reports = user_data;

  g_ptr_array_add (reports->messages, g_strdup (error->message));
}

static CgFuture *
failed_future (const char *message)
{
  CgFuture *future = cg_future_new ();

  g_assert_true (cg_future_return_new_error (future, G_IO_ERROR, G_IO_ERROR_FAILED, NULL,
                                             "%s", message));
  return future;
}

static void
return_failed (CgFuture *future,
               gpointer  user_data)
{
  g_autoptr(CgFuture) failed = failed_future ("followed");

  g_assert_true (cg_future_return_future (future, failed, NULL));
}

static void
ignore_done (CgFuture *future,
             gpointer  user_data)
{
}

/* Changes the process's handler for good: isolated. */
static void
test_unretrieved_failures_are_reported_once (void)
{
  Reports reports = { g_ptr_array_new_with_free_func (g_free) };
  g_autoptr(GError) error = NULL;
  g_autoptr(CgCaller) worker = cg_caller_start_new ("unretrieved", FALSE, NULL, &error);
  CgFuture *future;

  cg_set_unretrieved_failure_handler (record_report, &reports, NULL);

  /* dropped unread: reported, once */
  g_object_unref (failed_future ("dropped"));
  /* read, or listened to: not */
  future = failed_future ("read");
  g_assert_false (cg_future_check (future, NULL));
  g_object_unref (future);
  future = failed_future ("listened");
  cg_future_add_done_callback (future, ignore_done, NULL, NULL);
  g_object_unref (future);
  /* cancelled: not */
  future = cg_future_new ();
  cg_future_cancel (future, "no");
  cg_future_return_int (future, 1, NULL);
  g_object_unref (future);
  /* a job that completes with a failed future: read through the job's
   * future, not reported; dropped unread, reported once */
  future = cg_caller_call_soon (worker, return_failed, NULL, NULL, &error);
  g_assert_false (cg_future_wait_sync (future, CG_TEST_TIMEOUT_S, CG_WAIT_FLAGS_SHIELD, NULL,
                                       &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_FAILED);
  g_clear_error (&error);
  g_object_unref (future);
  future = cg_caller_call_soon (worker, return_failed, NULL, NULL, &error);
  g_assert_true (cg_future_wait_sync (future, CG_TEST_TIMEOUT_S, CG_WAIT_FLAGS_NO_RESULT, NULL,
                                      &error));
  g_object_unref (future);

  cg_caller_stop (worker, FALSE);
  CG_TEST_POLL_UNTIL (reports.messages->len == 2);
  g_assert_cmpstr (g_ptr_array_index (reports.messages, 0), ==, "dropped");
  g_assert_cmpstr (g_ptr_array_index (reports.messages, 1), ==, "followed");

  /* silenced */
  cg_set_unretrieved_failure_handler (NULL, NULL, NULL);
  g_object_unref (failed_future ("silenced"));
  g_assert_cmpuint (reports.messages->len, ==, 2);
  g_ptr_array_unref (reports.messages);
}

int
main (int    argc,
      char **argv)
{
  cg_test_init (&argc, &argv);

  cg_test_add ("/combine/all/succeeds", test_all_succeeds_once_every_input_did);
  cg_test_add ("/combine/all/first-failure", test_all_fails_with_the_first_failure);
  cg_test_add ("/combine/all/cancel", test_all_cancelled_cancels_its_inputs_unless_shielded);
  cg_test_add ("/combine/no-inputs", test_no_inputs);
  cg_test_add ("/combine/any-first", test_any_takes_the_first_success_first_the_first_outcome);
  cg_test_add ("/combine/any/all-failed", test_any_fails_when_every_input_failed);
  cg_test_add ("/combine/then-catch", test_then_and_catch);
  cg_test_add ("/combine/pass-through",
               test_then_after_failure_and_catch_after_success_pass_through);
  cg_test_add ("/combine/finally", test_finally_keeps_the_outcome_unless_it_fails);
  cg_test_add ("/combine/cancel-continuation", test_cancelling_a_continuation_cancels_its_input);
  cg_test_add ("/combine/no-caller", test_a_thread_without_a_caller_is_told);
  cg_test_add ("/combine/signals-and-properties", test_signals_and_properties);
  cg_test_add ("/combine/task-group", test_task_group);
  cg_test_add_isolated ("/combine/unretrieved-failures", test_unretrieved_failures_are_reported_once);

  return g_test_run ();
}
