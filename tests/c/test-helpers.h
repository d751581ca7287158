/* test-helpers.h: shared helpers of the caller-glib C tests
 *
 * Copyright 2026 The caller-glib authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Every wait in the tests is bounded: the helpers below iterate a
 * GMainContext, or poll, until a condition holds or a deadline passes, and
 * fail the test (an assertion message naming the condition) on the deadline.
 */

#pragma once

#include <caller-glib.h>
#include <string.h>

G_BEGIN_DECLS

/* How long any single wait of a test may take, in seconds. */
#define CG_TEST_TIMEOUT_S 5.0

/* The log domain of the library (its meson.build sets G_LOG_DOMAIN). */
#define CG_TEST_LIB_DOMAIN "Cg"

/* ------------------------------------------------------------------ */
/* Bounded waits                                                       */
/* ------------------------------------------------------------------ */

static gboolean
cg_test_tick_cb (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

/* A short periodic source so that a blocking iteration wakes up often
 * enough to check the deadline. */
static inline GSource *
cg_test_tick_attach (GMainContext *context)
{
  GSource *tick = g_timeout_source_new (10);

  g_source_set_callback (tick, cg_test_tick_cb, NULL, NULL);
  g_source_set_name (tick, "cg-test-tick");
  g_source_attach (tick, context);
  return tick;
}

static inline void
cg_test_tick_detach (GSource *tick)
{
  g_source_destroy (tick);
  g_source_unref (tick);
}

static inline gint64
cg_test_deadline (gdouble seconds)
{
  return g_get_monotonic_time () + (gint64) (seconds * G_USEC_PER_SEC);
}

/* Iterates @ctx (which the calling thread must be able to acquire) until
 * @expr holds; fails the test after CG_TEST_TIMEOUT_S seconds. */
#define CG_TEST_ITERATE_UNTIL(ctx, expr)                                      \
  G_STMT_START {                                                              \
    GMainContext *cg_test_ctx_ = (ctx);                                       \
    gint64 cg_test_deadline_ = cg_test_deadline (CG_TEST_TIMEOUT_S);          \
    GSource *cg_test_tick_ = cg_test_tick_attach (cg_test_ctx_);              \
    while (!(expr))                                                           \
      {                                                                       \
        if (g_get_monotonic_time () > cg_test_deadline_)                      \
          {                                                                   \
            cg_test_tick_detach (cg_test_tick_);                              \
            g_assertion_message (G_LOG_DOMAIN, __FILE__, __LINE__, G_STRFUNC, \
                                 "timed out iterating until: " #expr);        \
          }                                                                   \
        g_main_context_iteration (cg_test_ctx_, TRUE);                        \
      }                                                                       \
    cg_test_tick_detach (cg_test_tick_);                                      \
  } G_STMT_END

/* Iterates @ctx for about @ms milliseconds, dispatching whatever is due. */
static inline void
cg_test_iterate_for (GMainContext *context,
                     guint         ms)
{
  gint64 end = g_get_monotonic_time () + (gint64) ms * 1000;
  GSource *tick = cg_test_tick_attach (context);

  while (g_get_monotonic_time () < end)
    g_main_context_iteration (context, TRUE);
  cg_test_tick_detach (tick);
}

/* Drains what is already pending on @ctx without blocking. */
static inline void
cg_test_drain (GMainContext *context)
{
  guint i;

  for (i = 0; i < 1000 && g_main_context_iteration (context, FALSE); i++)
    ;
}

/* Polls (sleeping 1 ms between checks, no main context) until @expr holds;
 * fails the test after CG_TEST_TIMEOUT_S seconds. */
#define CG_TEST_POLL_UNTIL(expr)                                              \
  G_STMT_START {                                                              \
    gint64 cg_test_deadline_ = cg_test_deadline (CG_TEST_TIMEOUT_S);          \
    while (!(expr))                                                           \
      {                                                                       \
        if (g_get_monotonic_time () > cg_test_deadline_)                      \
          g_assertion_message (G_LOG_DOMAIN, __FILE__, __LINE__, G_STRFUNC,   \
                               "timed out polling until: " #expr);            \
        g_usleep (1000);                                                      \
      }                                                                       \
  } G_STMT_END

/* ------------------------------------------------------------------ */
/* A gate: threads wait on it (with a deadline) until it is opened      */
/* ------------------------------------------------------------------ */

typedef struct
{
  GMutex   mutex;
  GCond    cond;
  gboolean open;
} CgTestGate;

static inline void
cg_test_gate_init (CgTestGate *gate)
{
  g_mutex_init (&gate->mutex);
  g_cond_init (&gate->cond);
  gate->open = FALSE;
}

static inline void
cg_test_gate_clear (CgTestGate *gate)
{
  g_mutex_clear (&gate->mutex);
  g_cond_clear (&gate->cond);
}

static inline void
cg_test_gate_open (CgTestGate *gate)
{
  g_mutex_lock (&gate->mutex);
  gate->open = TRUE;
  g_cond_broadcast (&gate->cond);
  g_mutex_unlock (&gate->mutex);
}

static inline gboolean
cg_test_gate_is_open (CgTestGate *gate)
{
  gboolean open;

  g_mutex_lock (&gate->mutex);
  open = gate->open;
  g_mutex_unlock (&gate->mutex);
  return open;
}

/* Waits until the gate opens or @seconds pass; returns whether it opened.
 * When @cancellable is given it is checked every 10 ms as well, and the
 * wait ends early (returning FALSE) once it is cancelled. */
static inline gboolean
cg_test_gate_wait (CgTestGate   *gate,
                   gdouble       seconds,
                   GCancellable *cancellable)
{
  gint64 end = cg_test_deadline (seconds);
  gboolean open;

  g_mutex_lock (&gate->mutex);
  while (!gate->open)
    {
      gint64 now = g_get_monotonic_time ();
      gint64 until = MIN (end, now + 10 * 1000);

      if (now >= end)
        break;
      if (cancellable != NULL && g_cancellable_is_cancelled (cancellable))
        break;
      g_cond_wait_until (&gate->cond, &gate->mutex, until);
    }
  open = gate->open;
  g_mutex_unlock (&gate->mutex);
  return open;
}

/* ------------------------------------------------------------------ */
/* Threads with their own thread-default main context                 */
/* ------------------------------------------------------------------ */

typedef struct
{
  GThreadFunc   func;
  gpointer      data;
  GMainContext *context;
} CgTestThreadData;

static gpointer
cg_test_thread_trampoline (gpointer user_data)
{
  CgTestThreadData *td = user_data;
  gpointer ret;

  g_main_context_push_thread_default (td->context);
  ret = td->func (td->data);
  /* Let whatever the library left for this context run before it goes. */
  cg_test_drain (td->context);
  g_main_context_pop_thread_default (td->context);
  g_main_context_unref (td->context);
  g_free (td);
  return ret;
}

/* Starts a thread that runs @func with a fresh GMainContext pushed as its
 * thread-default context. Join it with g_thread_join(). */
static inline GThread *
cg_test_thread_new_with_context (const char  *name,
                                 GThreadFunc  func,
                                 gpointer     data)
{
  CgTestThreadData *td = g_new0 (CgTestThreadData, 1);

  td->func = func;
  td->data = data;
  td->context = g_main_context_new ();
  return g_thread_new (name, cg_test_thread_trampoline, td);
}

/* ------------------------------------------------------------------ */
/* Error and property helpers                                          */
/* ------------------------------------------------------------------ */

/* Asserts @err is set to @domain/@code and clears it. */
#define cg_test_assert_error_clear(errp, domain, code)                        \
  G_STMT_START {                                                              \
    g_assert_error (*(errp), (domain), (code));                               \
    g_clear_error (errp);                                                     \
  } G_STMT_END

/* Reads a pointer-like property (boxed, object or pointer) of @object,
 * without keeping a reference; the object keeps its own. */
static inline gpointer
cg_test_get_pointer_property (gpointer    object,
                              const char *name)
{
  GParamSpec *pspec;
  GValue value = G_VALUE_INIT;
  gpointer ret;

  pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (object), name);
  g_assert_nonnull (pspec);
  g_value_init (&value, G_PARAM_SPEC_VALUE_TYPE (pspec));
  g_object_get_property (G_OBJECT (object), name, &value);
  if (G_VALUE_HOLDS_POINTER (&value))
    ret = g_value_get_pointer (&value);
  else if (G_VALUE_HOLDS_OBJECT (&value))
    ret = g_value_get_object (&value);
  else if (G_TYPE_IS_BOXED (G_VALUE_TYPE (&value)))
    ret = g_value_get_boxed (&value);
  else
    g_assert_not_reached ();
  g_value_unset (&value);
  return ret;
}

static inline gboolean
cg_test_get_boolean_property (gpointer    object,
                              const char *name)
{
  gboolean ret = FALSE;

  g_object_get (object, name, &ret, NULL);
  return ret;
}

/* A destroy notify that counts its calls in the gint it is given. */
static inline void
cg_test_count_destroy (gpointer data)
{
  g_atomic_int_inc ((gint *) data);
}

static inline void
cg_test_finalized_cb (gpointer  data,
                      GObject  *where_the_object_was)
{
  g_atomic_int_set ((gint *) data, 1);
}

/* Drops the caller's reference to @object and waits (iterating @context,
 * for finalizations the library defers to it) until @object is finalized,
 * on whichever thread; fails the test if that does not happen in time. */
static inline void
cg_test_unref_and_wait_finalized (GMainContext *context,
                                  gpointer      object)
{
  gint finalized = 0;

  g_object_weak_ref (G_OBJECT (object), cg_test_finalized_cb, &finalized);
  g_object_unref (object);
  CG_TEST_ITERATE_UNTIL (context, g_atomic_int_get (&finalized));
}

/* Set once a test program asks for the main thread's caller: from then
 * on every test starts with that caller started (see cg_test_run()). */
static gboolean cg_test_wants_main_caller;

/* The protected, started caller of the main thread (bound to
 * g_main_context_default()), made once per test program, and again after a
 * test stopped it (cg_caller_stop_all() with force, say). The tests
 * iterate the default context themselves. */
static inline CgCaller *
cg_test_main_caller (void)
{
  static CgCaller *main_caller;

  cg_test_wants_main_caller = TRUE;
  if (main_caller != NULL && cg_caller_get_stopped (main_caller))
    g_clear_object (&main_caller);
  if (main_caller == NULL)
    {
      GError *error = NULL;

      main_caller = cg_caller_get (NULL, TRUE, TRUE, &error);
      g_assert_no_error (error);
      g_assert_true (CG_IS_CALLER (main_caller));
      if (!cg_caller_get_running (main_caller))
        {
          g_assert_true (cg_caller_start (main_caller, &error));
          g_assert_no_error (error);
        }
      /* cg_caller_get() gave a reference: kept for the whole program. */
    }
  return main_caller;
}

/* A teardown for g_test_queue_destroy(): stops every unprotected caller. */
static inline void
cg_test_stop_unprotected (gpointer unused)
{
  cg_caller_stop_all (FALSE);
}

/* ------------------------------------------------------------------ */
/* Running the tests                                                   */
/* ------------------------------------------------------------------ */

/* The tests of a program run one after the other in the program itself,
 * so that what one test leaves behind is seen: after each test,
 * cg_test_check_clean() fails the test if a caller other than the main
 * thread's is still there (not stopped: a caller the test started and did
 * not stop, or a worker of the pool it did not let go), and stops those
 * callers so that the next test starts clean. A test therefore stops the
 * callers it starts, joins the threads it starts, and leaves the pool with
 * no worker (cg_caller_stop_all (FALSE) at its end does that; see
 * cg_test_stop_unprotected()).
 *
 * Tests that must crash or abort, or that change the process for good
 * (its limits, its user, a setting the library reads once), run in a
 * subprocess of their own instead: cg_test_add_isolated(). Set
 * CG_TEST_IN_PROCESS=1 to run those in the program itself too (under
 * valgrind, say), and CG_TEST_ISOLATE=1 to run every test in a subprocess
 * of its own (to find which test breaks the ones after it). */
#define CG_TEST_SUBPROCESS_TIMEOUT_S 40

/* Whether @caller is the main thread's caller of cg_test_main_caller(),
 * which stays from one test to the next. */
static inline gboolean
cg_test_is_main_caller (CgCaller *caller)
{
  return cg_test_wants_main_caller &&
         g_strcmp0 (cg_caller_get_name (caller), CG_CALLER_MAIN_THREAD) == 0 &&
         cg_caller_get_protected (caller);
}

/* A g_test_queue_destroy() notify, queued before the test runs so that it
 * runs after the test's own teardowns: fails the test (without stopping
 * the run) if it left a caller, and stops what it left, newest first. */
static inline void
cg_test_check_clean (gpointer data)
{
  char *path = data;
  GList *callers = cg_caller_all_callers (FALSE);
  GString *left = g_string_new (NULL);

  callers = g_list_reverse (callers);
  for (GList *l = callers; l != NULL; l = l->next)
    {
      CgCaller *caller = l->data;

      if (cg_caller_get_stopped (caller) || cg_test_is_main_caller (caller))
        continue;
      g_string_append_printf (left, "%s%s", left->len > 0 ? ", " : "",
                              cg_caller_get_name (caller));
      cg_caller_stop (caller, TRUE);
    }
  g_list_free_full (callers, g_object_unref);

  if (left->len > 0)
    g_test_fail_printf ("%s left callers that were not stopped: %s", path, left->str);

  if (cg_caller_get_max_idle_pool_instances () != CG_DEFAULT_MAX_IDLE_POOL_INSTANCES)
    {
      g_test_fail_printf ("%s left the pool's max-idle setting changed", path);
      cg_caller_set_max_idle_pool_instances (CG_DEFAULT_MAX_IDLE_POOL_INSTANCES);
    }

  g_string_free (left, TRUE);
  g_free (path);
}

/* What every test does first, in whichever process it runs: queue the
 * check of what it leaves, and have the main thread's caller started if
 * the program uses one (a test before may have stopped it). */
static inline void
cg_test_begin (void)
{
  g_test_queue_destroy (cg_test_check_clean, g_strdup (g_test_get_path ()));
  if (cg_test_wants_main_caller)
    cg_test_main_caller ();
}

/* In the parent: runs the current test again in a subprocess of its own
 * and fails it if the subprocess did not pass. Returns FALSE there; TRUE
 * when the caller is to run the test itself (in the subprocess, or when
 * CG_TEST_IN_PROCESS is set). */
static inline gboolean
cg_test_in_subprocess (void)
{
  if (g_test_subprocess () || g_getenv ("CG_TEST_IN_PROCESS") != NULL)
    return TRUE;

  g_test_trap_subprocess (NULL, (guint64) CG_TEST_SUBPROCESS_TIMEOUT_S * G_USEC_PER_SEC,
                          G_TEST_SUBPROCESS_INHERIT_STDERR);
  if (!g_test_trap_has_passed ())
    g_test_fail_printf ("%s failed in its subprocess (see its messages above)",
                        g_test_get_path ());
  return FALSE;
}

static inline gboolean
cg_test_isolate_all (void)
{
  return g_getenv ("CG_TEST_ISOLATE") != NULL;
}

static inline void
cg_test_run (gconstpointer data)
{
  GTestFunc func = (GTestFunc) data;

  if (cg_test_isolate_all () && !cg_test_in_subprocess ())
    return;
  cg_test_begin ();
  func ();
}

static inline void
cg_test_run_isolated (gconstpointer data)
{
  GTestFunc func = (GTestFunc) data;

  if (!cg_test_in_subprocess ())
    return;
  cg_test_begin ();
  func ();
}

/* Adds @func at @path, run in the test program itself. */
#define cg_test_add(path, func) \
  g_test_add_data_func ((path), (gconstpointer) (func), cg_test_run)

/* Adds @func at @path, run in a subprocess of its own: for a test that
 * must crash, or changes the process for good. Say why where it is used. */
#define cg_test_add_isolated(path, func) \
  g_test_add_data_func ((path), (gconstpointer) (func), cg_test_run_isolated)

/* g_test_init() with G_TEST_OPTION_ISOLATE_DIRS, and --keep-going so that
 * a test that fails without aborting (g_test_fail(), as the check of what
 * a test leaves does, or a failed subprocess) does not stop the run. */
static inline void
cg_test_init (int    *argc,
              char ***argv)
{
  static char keep_going[] = "--keep-going";
  char **args = g_new0 (char *, *argc + 2);
  int i;

  for (i = 0; i < *argc; i++)
    args[i] = (*argv)[i];
  args[(*argc)++] = keep_going;
  args[*argc] = NULL;
  *argv = args;  /* kept for the life of the program */

  g_test_init (argc, argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
}

G_END_DECLS
