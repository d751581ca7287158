/* test-thread.c: a thread spawner installed with cg_set_thread_spawner()
 *
 * Copyright 2026 The caller-glib authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The spawner of these tests starts its own GLib threads and remembers
 * them, as a binding's would start the threads of its runtime.
 */

#include <caller-glib.h>

typedef struct
{
  GMutex     lock;
  GPtrArray *threads;   /* the GThreads the spawner started */
  GPtrArray *names;
  gboolean   refuse;
  gint       destroyed;
} Spawner;

static gpointer
spawned_main (gpointer data)
{
  CgThreadStart *start = data;

  cg_thread_start_run (start);
  cg_thread_start_unref (start);
  return NULL;
}

static gboolean
spawn (CgThreadStart *start,
       gpointer       user_data)
{
  Spawner *spawner = user_data;
  GThread *thread;

  if (spawner->refuse)
    return FALSE;
  thread = g_thread_new ("spawned", spawned_main, cg_thread_start_ref (start));
  g_mutex_lock (&spawner->lock);
  g_ptr_array_add (spawner->threads, thread);
  g_ptr_array_add (spawner->names, g_strdup (cg_thread_start_get_name (start)));
  g_mutex_unlock (&spawner->lock);
  return TRUE;
}

static void
spawner_destroyed (gpointer user_data)
{
  ((Spawner *) user_data)->destroyed++;
}

static void
spawner_init (Spawner *spawner)
{
  g_mutex_init (&spawner->lock);
  spawner->threads = g_ptr_array_new ();
  spawner->names = g_ptr_array_new_with_free_func (g_free);
  cg_set_thread_spawner (spawn, spawner, spawner_destroyed);
}

static void
spawner_free (Spawner *spawner)
{
  for (guint i = 0; i < spawner->threads->len; i++)
    g_thread_join (g_ptr_array_index (spawner->threads, i));
  g_ptr_array_unref (spawner->threads);
  g_ptr_array_unref (spawner->names);
  g_mutex_clear (&spawner->lock);
}

static void
spawner_clear (Spawner *spawner)
{
  cg_set_thread_spawner (NULL, NULL, NULL);
  g_assert_cmpint (spawner->destroyed, ==, 1);
  spawner_free (spawner);
}

static gboolean
is_spawned (Spawner *spawner,
            GThread *thread)
{
  gboolean found;

  g_mutex_lock (&spawner->lock);
  found = g_ptr_array_find (spawner->threads, thread, NULL);
  g_mutex_unlock (&spawner->lock);
  return found;
}

static void
return_thread (CgFuture *future,
               gpointer  user_data)
{
  cg_future_return_pointer (future, g_thread_self (), NULL, NULL);
}

static GThread *
run_on (CgCaller *caller)
{
  g_autoptr(CgFuture) future = cg_caller_call_soon (caller, return_thread, NULL, NULL, NULL);
  g_autoptr(GError) error = NULL;

  g_assert_true (cg_future_wait_sync (future, 10, CG_WAIT_FLAGS_NONE, NULL, &error));
  g_assert_no_error (error);
  return cg_future_propagate_pointer (future, NULL);
}

/* A caller of cg_caller_start_new() runs on a thread of the spawner, named
 * as the caller, and stop() waits for it. */
static void
test_start_new (void)
{
  Spawner spawner = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(CgCaller) caller = NULL;
  GThread *ran_on;

  spawner_init (&spawner);
  caller = cg_caller_start_new ("spawned-caller", FALSE, NULL, &error);
  g_assert_no_error (error);

  ran_on = run_on (caller);
  g_assert_true (is_spawned (&spawner, ran_on));
  g_assert_true (cg_caller_get_thread (caller) == ran_on);
  g_assert_cmpuint (spawner.names->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (spawner.names, 0), ==, "spawned-caller");

  cg_caller_stop (caller, FALSE);
  g_assert_true (cg_caller_get_stopped (caller));
  spawner_clear (&spawner);
}

typedef struct
{
  CgThreadStart *start;
  GThread       *thread;
} Kept;

static gboolean
start_and_keep (CgThreadStart *start,
                gpointer       user_data)
{
  Kept *kept = user_data;

  kept->start = cg_thread_start_ref (start);
  kept->thread = g_thread_new ("runner", (GThreadFunc) cg_thread_start_run, start);
  return TRUE;
}

/* Running a start twice is a programmer error: the second does nothing. */
static void
test_run_twice (void)
{
  Kept kept = { NULL, NULL };
  g_autoptr(CgCaller) caller = NULL;

  cg_set_thread_spawner (start_and_keep, &kept, NULL);
  caller = cg_caller_start_new ("run-twice", FALSE, NULL, NULL);
  cg_set_thread_spawner (NULL, NULL, NULL);
  g_assert_nonnull (kept.start);

  g_assert_true (run_on (caller) == kept.thread);
  cg_caller_stop (caller, FALSE);
  g_thread_join (kept.thread);

  g_test_expect_message ("Cg", G_LOG_LEVEL_CRITICAL, "*assertion*first*");
  cg_thread_start_run (kept.start);
  g_test_assert_expected_messages ();
  cg_thread_start_unref (kept.start);
}

/* Pool workers come from the spawner too. */
static void
test_pool (void)
{
  Spawner spawner = { 0 };
  g_autoptr(CgFuture) future = NULL;
  g_autoptr(GError) error = NULL;

  spawner_init (&spawner);
  future = cg_caller_to_thread (return_thread, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (cg_future_wait_sync (future, 10, CG_WAIT_FLAGS_NONE, NULL, &error));
  g_assert_true (is_spawned (&spawner, cg_future_propagate_pointer (future, NULL)));

  cg_caller_stop_all (TRUE);
  spawner_clear (&spawner);
}

/* A spawner that declines leaves the library to start a GLib thread. */
static void
test_declined (void)
{
  Spawner spawner = { .refuse = TRUE };
  g_autoptr(GError) error = NULL;
  g_autoptr(CgCaller) caller = NULL;

  spawner_init (&spawner);
  caller = cg_caller_start_new ("glib-thread", FALSE, NULL, &error);
  g_assert_no_error (error);
  g_assert_false (is_spawned (&spawner, run_on (caller)));
  g_assert_cmpuint (spawner.threads->len, ==, 0);

  cg_caller_stop (caller, FALSE);
  spawner_clear (&spawner);
}

/* Replacing the spawner frees the old one's data; none means GLib threads. */
static void
test_replace (void)
{
  Spawner first = { 0 }, second = { 0 };
  g_autoptr(CgCaller) caller = NULL;

  spawner_init (&first);
  spawner_init (&second);
  g_assert_cmpint (first.destroyed, ==, 1);
  g_assert_cmpint (second.destroyed, ==, 0);

  caller = cg_caller_start_new (NULL, FALSE, NULL, NULL);
  g_assert_true (is_spawned (&second, run_on (caller)));
  cg_caller_stop (caller, FALSE);
  g_clear_object (&caller);

  cg_set_thread_spawner (NULL, NULL, NULL);
  g_assert_cmpint (second.destroyed, ==, 1);
  caller = cg_caller_start_new (NULL, FALSE, NULL, NULL);
  g_assert_false (is_spawned (&second, run_on (caller)));
  g_assert_false (is_spawned (&first, run_on (caller)));
  cg_caller_stop (caller, FALSE);

  spawner_free (&first);
  spawner_free (&second);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/thread/spawner/start-new", test_start_new);
  g_test_add_func ("/thread/spawner/run-twice", test_run_twice);
  g_test_add_func ("/thread/spawner/pool", test_pool);
  g_test_add_func ("/thread/spawner/declined", test_declined);
  g_test_add_func ("/thread/spawner/replace", test_replace);

  return g_test_run ();
}
