/* test-hosted-context.c: a GMainContext run by another event loop
 *
 * Copyright 2026 The caller-glib authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The "other loop" of these tests is poll(2) on the descriptor of
 * cg_hosted_context_get_fd() with the timeout cg_hosted_context_iterate()
 * returned, as any loop that watches descriptors would do.
 */

#include <caller-glib.h>
#include <poll.h>

/* One turn of the other loop: waits for the descriptor or the timeout
 * (capped, so that a test never waits long), then iterates. */
static gint
turn (CgHostedContext *hosted,
      gint             timeout)
{
  struct pollfd fd = { .fd = cg_hosted_context_get_fd (hosted), .events = POLLIN };

  poll (&fd, 1, timeout < 0 || timeout > 2000 ? 2000 : timeout);
  return cg_hosted_context_iterate (hosted);
}

static gboolean
count_and_remove (gpointer user_data)
{
  g_atomic_int_inc ((gint *) user_data);
  return G_SOURCE_REMOVE;
}

/* g_main_context_invoke() would call @func at once: the hosting thread
 * owns the context. */
static void
attach_idle (GMainContext *context,
             GSourceFunc   func,
             gpointer      data)
{
  g_autoptr(GSource) source = g_idle_source_new ();

  g_source_set_callback (source, func, data, NULL);
  g_source_attach (source, context);
}

static GMainContext *
new_context (void)
{
  return g_main_context_new_with_flags (G_MAIN_CONTEXT_FLAGS_OWNERLESS_POLLING);
}

static void
test_timeout_source (void)
{
  g_autoptr(GMainContext) context = new_context ();
  g_autoptr(GError) error = NULL;
  g_autoptr(CgHostedContext) hosted = cg_hosted_context_new (context, &error);
  g_autoptr(GSource) source = g_timeout_source_new (30);
  gint64 start = g_get_monotonic_time ();
  gint fired = 0, timeout;

  g_assert_no_error (error);
  g_assert_true (cg_hosted_context_get_context (hosted) == context);
  g_assert_cmpint (cg_hosted_context_get_fd (hosted), >=, 0);
  g_assert_cmpint (cg_hosted_context_iterate (hosted), ==, -1);

  g_source_set_callback (source, count_and_remove, &fired, NULL);
  g_source_attach (source, context);

  timeout = cg_hosted_context_iterate (hosted);
  g_assert_cmpint (timeout, >=, 0);
  g_assert_cmpint (timeout, <=, 30);
  while (fired == 0 && g_get_monotonic_time () - start < 5 * G_USEC_PER_SEC)
    timeout = turn (hosted, timeout);

  g_assert_cmpint (fired, ==, 1);
  g_assert_cmpint (timeout, ==, -1);
}

static gpointer
attach_idle_later (gpointer user_data)
{
  GMainContext *context = user_data;
  static gint fired;

  g_usleep (20 * 1000);
  g_main_context_invoke (context, count_and_remove, &fired);
  return &fired;
}

static gboolean
thread_default_is (gpointer user_data)
{
  GMainContext **seen = user_data;

  *seen = g_main_context_ref_thread_default ();
  return G_SOURCE_REMOVE;
}

/* A source attached from another thread wakes the other loop through the
 * descriptor, and runs with the context as the thread-default one. */
static void
test_wakeup_from_another_thread (void)
{
  g_autoptr(GMainContext) context = new_context ();
  g_autoptr(CgHostedContext) hosted = cg_hosted_context_new (context, NULL);
  g_autoptr(GMainContext) seen = NULL;
  gint timeout = cg_hosted_context_iterate (hosted);  /* nothing yet: no limit */
  GThread *thread;
  gint *fired = NULL;
  gint64 start = g_get_monotonic_time ();

  g_assert_cmpint (timeout, ==, -1);
  thread = g_thread_new ("attacher", attach_idle_later, context);
  fired = g_thread_join (thread);
  while (g_atomic_int_get (fired) == 0 && g_get_monotonic_time () - start < 5 * G_USEC_PER_SEC)
    timeout = turn (hosted, timeout);
  g_assert_cmpint (g_atomic_int_get (fired), ==, 1);

  attach_idle (context, thread_default_is, &seen);
  while (seen == NULL && g_get_monotonic_time () - start < 5 * G_USEC_PER_SEC)
    timeout = turn (hosted, timeout);
  g_assert_true (seen == context);
  g_assert_true (g_main_context_get_thread_default () == NULL);
}

static gpointer
try_acquire (gpointer user_data)
{
  gboolean acquired = g_main_context_acquire (user_data);

  if (acquired)
    g_main_context_release (user_data);
  return GINT_TO_POINTER (acquired);
}

/* The hosting thread owns the context until it closes the hosted one. */
static void
test_owner_and_close (void)
{
  g_autoptr(GMainContext) context = new_context ();
  g_autoptr(CgHostedContext) hosted = cg_hosted_context_new (context, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(CgHostedContext) twice = NULL;

  g_assert_true (g_main_context_is_owner (context));
  g_assert_false (GPOINTER_TO_INT (g_thread_join (g_thread_new ("other", try_acquire, context))));

  cg_hosted_context_close (hosted);
  g_assert_cmpint (cg_hosted_context_get_fd (hosted), ==, -1);
  g_assert_cmpint (cg_hosted_context_iterate (hosted), ==, -1);
  cg_hosted_context_close (hosted);  /* again: nothing */
  g_assert_true (GPOINTER_TO_INT (g_thread_join (g_thread_new ("other", try_acquire, context))));

  /* The same thread may host it again. */
  twice = cg_hosted_context_new (context, &error);
  g_assert_no_error (error);
}

static gpointer
own_until_told (gpointer user_data)
{
  gpointer *shared = user_data;
  GMainContext *context = shared[0];

  g_main_context_acquire (context);
  g_atomic_pointer_set (&shared[1], GINT_TO_POINTER (1));
  while (g_atomic_pointer_get (&shared[2]) == NULL)
    g_usleep (1000);
  g_main_context_release (context);
  return NULL;
}

static void
test_busy_context (void)
{
  g_autoptr(GMainContext) context = new_context ();
  gpointer shared[3] = { context, NULL, NULL };
  GThread *owner = g_thread_new ("owner", own_until_told, shared);
  g_autoptr(GError) error = NULL;
  CgHostedContext *hosted;

  while (g_atomic_pointer_get (&shared[1]) == NULL)
    g_usleep (1000);
  hosted = cg_hosted_context_new (context, &error);
  g_assert_null (hosted);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_BUSY);

  g_atomic_pointer_set (&shared[2], GINT_TO_POINTER (1));
  g_thread_join (owner);
}

static gboolean
close_from_inside (gpointer user_data)
{
  CgHostedContext *hosted = user_data;

  /* Iterating from inside does nothing; closing waits for the iteration. */
  g_assert_cmpint (cg_hosted_context_iterate (hosted), ==, 0);
  cg_hosted_context_close (hosted);
  g_assert_cmpint (cg_hosted_context_get_fd (hosted), >=, 0);
  return G_SOURCE_REMOVE;
}

static void
test_close_from_a_source (void)
{
  g_autoptr(GMainContext) context = new_context ();
  g_autoptr(CgHostedContext) hosted = cg_hosted_context_new (context, NULL);
  gint64 start = g_get_monotonic_time ();
  gint timeout;

  attach_idle (context, close_from_inside, hosted);
  timeout = cg_hosted_context_iterate (hosted);
  while (cg_hosted_context_get_fd (hosted) >= 0 &&
         g_get_monotonic_time () - start < 5 * G_USEC_PER_SEC)
    timeout = turn (hosted, timeout);

  g_assert_cmpint (cg_hosted_context_get_fd (hosted), ==, -1);
  g_assert_cmpint (timeout, ==, -1);
  g_assert_true (GPOINTER_TO_INT (g_thread_join (g_thread_new ("other", try_acquire, context))));
}

static void
count_job (CgFuture *future,
           gpointer  user_data)
{
  g_atomic_int_inc ((gint *) user_data);
}

/* A caller on a hosted context: jobs sent from another thread run in the
 * hosting thread. */
static void
test_caller_on_a_hosted_context (void)
{
  g_autoptr(GMainContext) context = new_context ();
  g_autoptr(CgHostedContext) hosted = cg_hosted_context_new (context, NULL);
  g_autoptr(CgCaller) caller = NULL;
  g_autoptr(CgFuture) later = NULL;
  g_autoptr(GError) error = NULL;
  gint ran = 0, timeout;
  gint64 start = g_get_monotonic_time ();

  g_main_context_push_thread_default (context);
  caller = cg_caller_get (NULL, TRUE, FALSE, &error);
  g_main_context_pop_thread_default (context);
  g_assert_no_error (error);
  g_assert_true (cg_caller_start (caller, &error));

  for (guint i = 0; i < 10; i++)
    g_object_unref (cg_caller_call_soon (caller, count_job, &ran, NULL, NULL));
  later = cg_caller_call_later (caller, 0.02, count_job, &ran, NULL, NULL);

  timeout = cg_hosted_context_iterate (hosted);
  while (!cg_future_is_done (later) && g_get_monotonic_time () - start < 5 * G_USEC_PER_SEC)
    timeout = turn (hosted, timeout);
  g_assert_cmpint (ran, ==, 11);
  g_assert_true (cg_future_check (later, NULL));

  cg_caller_stop (caller, FALSE);
  for (guint i = 0; i < 10 && g_main_context_pending (context); i++)
    cg_hosted_context_iterate (hosted);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/hosted-context/timeout-source", test_timeout_source);
  g_test_add_func ("/hosted-context/wakeup-from-another-thread", test_wakeup_from_another_thread);
  g_test_add_func ("/hosted-context/owner-and-close", test_owner_and_close);
  g_test_add_func ("/hosted-context/busy", test_busy_context);
  g_test_add_func ("/hosted-context/close-from-a-source", test_close_from_a_source);
  g_test_add_func ("/hosted-context/caller", test_caller_on_a_hosted_context);

  return g_test_run ();
}
