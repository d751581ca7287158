/* test-context.c: tests of context variables and contexts carried into jobs
 *
 * Copyright 2026 The caller-glib authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <caller-glib.h>

#include "test-helpers.h"

#define MAIN_CTX (g_main_context_default ())

/* ------------------------------------------------------------------ */
/* Helpers                                                             */
/* ------------------------------------------------------------------ */

/* The string value of @var in the current context, or NULL when it has
 * none (and no default). */
static char *
var_dup_string (CgContextVar *var)
{
  GValue value = G_VALUE_INIT;
  char *ret;

  if (!cg_context_var_get (var, &value))
    return NULL;
  g_assert_true (G_VALUE_HOLDS_STRING (&value));
  ret = g_value_dup_string (&value);
  g_value_unset (&value);
  return ret;
}

static CgContextToken *
var_set_string (CgContextVar *var,
                const char   *str)
{
  GValue value = G_VALUE_INIT;
  CgContextToken *token;

  g_value_init (&value, G_TYPE_STRING);
  g_value_set_string (&value, str);
  token = cg_context_var_set (var, &value);
  g_value_unset (&value);
  g_assert_nonnull (token);
  return token;
}

/* Sets @var and drops the token: the value stays until set again. */
static void
var_put_string (CgContextVar *var,
                const char   *str)
{
  cg_context_token_unref (var_set_string (var, str));
}

static CgContextToken *
var_set_int (CgContextVar *var,
             gint          v)
{
  GValue value = G_VALUE_INIT;
  CgContextToken *token;

  g_value_init (&value, G_TYPE_INT);
  g_value_set_int (&value, v);
  token = cg_context_var_set (var, &value);
  g_value_unset (&value);
  g_assert_nonnull (token);
  return token;
}

/* The int value of @var, or G_MININT when it has none. */
static gint
var_get_int (CgContextVar *var)
{
  GValue value = G_VALUE_INIT;
  gint ret;

  if (!cg_context_var_get (var, &value))
    return G_MININT;
  g_assert_true (G_VALUE_HOLDS_INT (&value));
  ret = g_value_get_int (&value);
  g_value_unset (&value);
  return ret;
}

static char *
context_dup_string (CgContext    *context,
                    CgContextVar *var)
{
  GValue value = G_VALUE_INIT;
  char *ret;

  if (!cg_context_lookup (context, var, &value))
    return NULL;
  g_assert_true (G_VALUE_HOLDS_STRING (&value));
  ret = g_value_dup_string (&value);
  g_value_unset (&value);
  return ret;
}

#define assert_var_string(var, expected)                                      \
  G_STMT_START {                                                              \
    char *got_ = var_dup_string (var);                                        \
    g_assert_cmpstr (got_, ==, (expected));                                   \
    g_free (got_);                                                            \
  } G_STMT_END

#define assert_context_string(ctx, var, expected)                             \
  G_STMT_START {                                                              \
    char *got_ = context_dup_string ((ctx), (var));                           \
    g_assert_cmpstr (got_, ==, (expected));                                   \
    g_free (got_);                                                            \
  } G_STMT_END

static CgCaller *
start_new_ok (const char *name)
{
  GError *error = NULL;
  CgCaller *caller;

  caller = cg_caller_start_new (name, FALSE, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (CG_IS_CALLER (caller));
  return caller;
}

static void
stop_caller (CgCaller *caller)
{
  cg_caller_stop (caller, FALSE);
  g_assert_true (cg_caller_get_stopped (caller));
  g_object_unref (caller);
}

static void
wait_done (CgFuture *future)
{
  GError *error = NULL;

  g_assert_true (cg_future_wait_sync (future, CG_TEST_TIMEOUT_S,
                                      CG_WAIT_FLAGS_NO_RESULT, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (cg_future_is_done (future));
}

/* What a job or a callback saw of a variable. */
typedef struct
{
  CgContextVar *var;
  CgTestGate   *gate;       /* when set, wait for it before reading */
  const char   *set_to;     /* when set, set the variable after reading */
  char         *seen;       /* the value read (NULL: none) */
  char         *seen_after; /* the value read back after setting it */
  gboolean      keep_token; /* keep the token of the set (else dropped) */
  CgContextToken *token;
  GThread      *thread;
  gint          ran;        /* atomic, set last */
} Probe;

static void
probe_init (Probe        *probe,
            CgContextVar *var)
{
  memset (probe, 0, sizeof *probe);
  probe->var = var;
}

static void
probe_clear (Probe *probe)
{
  g_clear_pointer (&probe->token, cg_context_token_unref);
  g_clear_pointer (&probe->seen, g_free);
  g_clear_pointer (&probe->seen_after, g_free);
}

static void
probe_run (Probe *probe)
{
  g_assert_cmpint (g_atomic_int_get (&probe->ran), ==, 0);
  if (probe->gate != NULL)
    g_assert_true (cg_test_gate_wait (probe->gate, CG_TEST_TIMEOUT_S, NULL));
  probe->thread = g_thread_self ();
  probe->seen = var_dup_string (probe->var);
  if (probe->set_to != NULL)
    {
      CgContextToken *token = var_set_string (probe->var, probe->set_to);

      if (probe->keep_token)
        probe->token = token;
      else
        cg_context_token_unref (token);
      probe->seen_after = var_dup_string (probe->var);
    }
  g_atomic_int_set (&probe->ran, 1);
}

/* Resets what a probe set with keep_token, in the current context. */
typedef struct
{
  Probe   *probe;
  gboolean ok;
  gint     done;   /* atomic */
} ProbeReset;

static void
probe_reset_direct (gpointer user_data)
{
  ProbeReset *pr = user_data;
  GError *error = NULL;

  pr->ok = cg_context_var_reset (pr->probe->var, pr->probe->token, &error);
  g_assert_no_error (error);
  g_atomic_int_set (&pr->done, 1);
}

static void
probe_job (CgFuture *future,
           gpointer  user_data)
{
  probe_run (user_data);
}

static void
probe_direct (gpointer user_data)
{
  probe_run (user_data);
}

static void
probe_done_cb (CgFuture *future,
               gpointer  user_data)
{
  g_assert_true (cg_future_is_done (future));
  probe_run (user_data);
}

/* ------------------------------------------------------------------ */
/* Variables                                                           */
/* ------------------------------------------------------------------ */

static void
test_var_basics (void)
{
  GValue def = G_VALUE_INIT;
  GValue value = G_VALUE_INIT;
  CgContextVar *with_default, *no_default, *strings;
  CgContextToken *t1, *t2, *t3, *ta, *tb;
  GError *error = NULL;
  int marker;

  g_value_init (&def, G_TYPE_INT);
  g_value_set_int (&def, 7);
  with_default = cg_context_var_new ("with-default", &def);
  no_default = cg_context_var_new ("no-default", NULL);
  g_assert_true (CG_IS_CONTEXT_VAR (with_default));
  g_assert_cmpstr (cg_context_var_get_name (with_default), ==, "with-default");
  g_assert_cmpstr (cg_context_var_get_name (no_default), ==, "no-default");

  /* the default is copied: changing the GValue afterwards changes nothing */
  g_value_set_int (&def, 99);
  g_assert_cmpint (var_get_int (with_default), ==, 7);

  /* no value and no default: FALSE, value left alone */
  g_assert_false (cg_context_var_get (no_default, &value));
  g_assert_false (G_IS_VALUE (&value));
  g_assert_null (cg_context_var_get_pointer (no_default));

  /* set and reset restore the previous value */
  t1 = var_set_int (with_default, 1);
  g_assert_cmpint (var_get_int (with_default), ==, 1);
  t2 = var_set_int (with_default, 2);
  g_assert_cmpint (var_get_int (with_default), ==, 2);
  g_assert_true (cg_context_var_reset (with_default, t2, &error));
  g_assert_no_error (error);
  g_assert_cmpint (var_get_int (with_default), ==, 1);

  /* a token works once */
  g_assert_false (cg_context_var_reset (with_default, t2, &error));
  cg_test_assert_error_clear (&error, CG_FUTURE_ERROR, CG_FUTURE_ERROR_INVALID_STATE);
  g_assert_cmpint (var_get_int (with_default), ==, 1);

  /* a token of another variable is refused and stays usable */
  g_assert_false (cg_context_var_reset (no_default, t1, &error));
  cg_test_assert_error_clear (&error, CG_CALLER_ERROR, CG_CALLER_ERROR_INVALID_ARGUMENT);
  g_assert_cmpint (var_get_int (with_default), ==, 1);
  g_assert_false (cg_context_var_get (no_default, &value));

  /* resetting the first token brings the default back */
  g_assert_true (cg_context_var_reset (with_default, t1, &error));
  g_assert_no_error (error);
  g_assert_cmpint (var_get_int (with_default), ==, 7);

  /* pointer conveniences, and a reset back to "no value at all" */
  t3 = cg_context_var_set_pointer (no_default, &marker);
  g_assert_true (cg_context_var_get_pointer (no_default) == &marker);
  g_assert_true (cg_context_var_get (no_default, &value));
  g_assert_true (G_VALUE_HOLDS_POINTER (&value));
  g_assert_true (g_value_get_pointer (&value) == &marker);
  g_value_unset (&value);
  g_assert_true (cg_context_var_reset (no_default, t3, &error));
  g_assert_no_error (error);
  g_assert_false (cg_context_var_get (no_default, &value));
  g_assert_null (cg_context_var_get_pointer (no_default));

  /* get_pointer of a non-pointer value is NULL */
  g_assert_null (cg_context_var_get_pointer (with_default));

  /* tokens reset out of order: each restores what was there before it */
  ta = var_set_int (with_default, 10);
  tb = var_set_int (with_default, 20);
  g_assert_true (cg_context_var_reset (with_default, ta, &error));
  g_assert_no_error (error);
  g_assert_cmpint (var_get_int (with_default), ==, 7);
  g_assert_true (cg_context_var_reset (with_default, tb, &error));
  g_assert_no_error (error);
  g_assert_cmpint (var_get_int (with_default), ==, 10);

  /* values are copied when set; strings are readable as pointers */
  strings = cg_context_var_new ("strings", NULL);
  {
    char *buffer = g_strdup ("abc");
    CgContextToken *ts = var_set_string (strings, buffer);

    buffer[0] = 'X';
    g_free (buffer);
    assert_var_string (strings, "abc");
    g_assert_cmpstr (cg_context_var_get_pointer (strings), ==, "abc");
    /* a token can be referenced and outlive its use */
    cg_context_token_ref (ts);
    g_assert_true (cg_context_var_reset (strings, ts, &error));
    g_assert_no_error (error);
    cg_context_token_unref (ts);
    cg_context_token_unref (ts);
    g_assert_null (var_dup_string (strings));
  }

  cg_context_token_unref (t1);
  cg_context_token_unref (t2);
  cg_context_token_unref (t3);
  cg_context_token_unref (ta);
  cg_context_token_unref (tb);
  g_object_unref (strings);
  g_object_unref (with_default);
  g_object_unref (no_default);
  g_value_unset (&def);
}

/* ------------------------------------------------------------------ */
/* cg_context_run                                                      */
/* ------------------------------------------------------------------ */

typedef struct
{
  CgContextVar *var;
  CgContext    *ctx;       /* the context being run */
  CgContext    *other;     /* a second context */
  char         *seen;
  gint          calls;
  gint          never;     /* calls of a func that must not run */
  gboolean      nested_ok;
  GError       *nested_error;
  char         *seen_in_other;
  char         *seen_after_other;
} RunState;

static void
run_read (gpointer user_data)
{
  RunState *rs = user_data;

  g_free (rs->seen);
  rs->seen = var_dup_string (rs->var);
  rs->calls++;
}

static void
run_set_inner (gpointer user_data)
{
  RunState *rs = user_data;

  run_read (rs);
  var_put_string (rs->var, "inner");
}

static void
run_set_changed (gpointer user_data)
{
  RunState *rs = user_data;

  run_read (rs);
  var_put_string (rs->var, "changed");
}

static void
run_never (gpointer user_data)
{
  RunState *rs = user_data;

  rs->never++;
}

static void
run_in_other (gpointer user_data)
{
  RunState *rs = user_data;

  rs->seen_in_other = var_dup_string (rs->var);
  var_put_string (rs->var, "other-set");
}

static void
run_nested (gpointer user_data)
{
  RunState *rs = user_data;
  GError *error = NULL;

  /* entering the context that is entered now is refused */
  rs->nested_ok = cg_context_run (rs->ctx, run_never, rs, &rs->nested_error);
  /* entering another one works, and leaving it brings this one back */
  g_assert_true (cg_context_run (rs->other, run_in_other, rs, &error));
  g_assert_no_error (error);
  rs->seen_after_other = var_dup_string (rs->var);
}

static gpointer
run_from_thread (gpointer user_data)
{
  RunState *rs = user_data;
  GError *error = NULL;
  char *seen;

  g_assert_true (cg_context_run (rs->ctx, run_read, rs, &error));
  g_assert_no_error (error);
  /* this thread's own context is left alone */
  seen = var_dup_string (rs->var);
  g_assert_null (seen);
  return NULL;
}

static void
test_context_run (void)
{
  CgContextVar *var = cg_context_var_new ("run-var", NULL);
  RunState rs = { 0 };
  CgContext *copy, *copy2, *dup;
  GError *error = NULL;
  GThread *thread;

  rs.var = var;
  var_put_string (var, "outer");

  /* a new context is empty */
  rs.ctx = cg_context_new ();
  g_assert_null (context_dup_string (rs.ctx, var));

  /* what func sets stays in the context; the thread keeps its value */
  g_assert_true (cg_context_run (rs.ctx, run_set_inner, &rs, &error));
  g_assert_no_error (error);
  g_assert_cmpint (rs.calls, ==, 1);
  g_assert_null (rs.seen);
  assert_var_string (var, "outer");
  assert_context_string (rs.ctx, var, "inner");

  /* running it again sees what the first run left */
  g_assert_true (cg_context_run (rs.ctx, run_read, &rs, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (rs.seen, ==, "inner");
  assert_var_string (var, "outer");

  /* a copy of the current context has its values and is independent */
  copy = cg_context_copy_current ();
  assert_context_string (copy, var, "outer");
  g_assert_true (cg_context_run (copy, run_set_changed, &rs, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (rs.seen, ==, "outer");
  assert_context_string (copy, var, "changed");
  assert_var_string (var, "outer");
  copy2 = cg_context_copy_current ();
  var_put_string (var, "outer-2");
  assert_context_string (copy2, var, "outer");
  assert_context_string (copy, var, "changed");
  assert_var_string (var, "outer-2");

  /* cg_context_copy: a copy of a context, independent of it */
  dup = cg_context_copy (rs.ctx);
  assert_context_string (dup, var, "inner");
  g_assert_true (cg_context_run (dup, run_set_changed, &rs, &error));
  g_assert_no_error (error);
  assert_context_string (dup, var, "changed");
  assert_context_string (rs.ctx, var, "inner");

  /* entering an entered context is refused; another one can be nested */
  rs.other = cg_context_new ();
  g_assert_true (cg_context_run (rs.ctx, run_nested, &rs, &error));
  g_assert_no_error (error);
  g_assert_false (rs.nested_ok);
  g_assert_error (rs.nested_error, CG_FUTURE_ERROR, CG_FUTURE_ERROR_INVALID_STATE);
  g_clear_error (&rs.nested_error);
  g_assert_cmpint (rs.never, ==, 0);
  g_assert_null (rs.seen_in_other);
  g_assert_cmpstr (rs.seen_after_other, ==, "inner");
  assert_context_string (rs.other, var, "other-set");
  assert_context_string (rs.ctx, var, "inner");
  assert_var_string (var, "outer-2");

  /* after the refusal, the context can be entered again */
  g_assert_true (cg_context_run (rs.ctx, run_read, &rs, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (rs.seen, ==, "inner");

  /* and from another thread */
  g_free (rs.seen);
  rs.seen = NULL;
  thread = g_thread_new ("ctx-run", run_from_thread, &rs);
  g_thread_join (thread);
  g_assert_cmpstr (rs.seen, ==, "inner");

  cg_context_unref (copy);
  cg_context_unref (copy2);
  cg_context_unref (dup);
  cg_context_unref (rs.other);
  cg_context_unref (rs.ctx);
  g_free (rs.seen);
  g_free (rs.seen_in_other);
  g_free (rs.seen_after_other);
  g_object_unref (var);
}

/* ------------------------------------------------------------------ */
/* Contexts seen by jobs                                               */
/* ------------------------------------------------------------------ */

typedef struct
{
  CgContextVar *var;
  Probe        *child;
  CgCaller     *target;
  CgFuture     *child_future;
} Parent;

static void
parent_job (CgFuture *future,
            gpointer  user_data)
{
  Parent *p = user_data;
  GError *error = NULL;

  var_put_string (p->var, "parent-set");
  p->child_future = cg_caller_call_soon (p->target, probe_job, p->child, NULL, &error);
  g_assert_no_error (error);
  /* changed after submitting: the child does not see it */
  var_put_string (p->var, "parent-later");
}

static void
test_jobs_see_submission_time (void)
{
  CgContextVar *var = cg_context_var_new ("submit-var", NULL);
  CgCaller *worker;
  CgTestGate gate;
  Probe p1, p2, p3, p4, child;
  Parent parent = { 0 };
  CgFuture *f1, *f2, *f3, *fp;
  GError *error = NULL;

  g_test_queue_destroy (cg_test_stop_unprotected, NULL);
  worker = start_new_ok ("ctx-submit");
  cg_test_gate_init (&gate);

  probe_init (&p1, var);
  probe_init (&p2, var);
  probe_init (&p3, var);
  probe_init (&p4, var);
  probe_init (&child, var);

  /* job 1 reads only after the submitter changed the variable */
  var_put_string (var, "A");
  p1.gate = &gate;
  p1.set_to = "job-1";
  f1 = cg_caller_call_soon (worker, probe_job, &p1, NULL, &error);
  g_assert_no_error (error);

  var_put_string (var, "B");
  p2.set_to = "job-2";
  f2 = cg_caller_call_later (worker, 0.01, probe_job, &p2, NULL, &error);
  g_assert_no_error (error);

  var_put_string (var, "C");
  cg_test_gate_open (&gate);
  wait_done (f1);
  wait_done (f2);

  g_assert_true (p1.thread == cg_caller_get_thread (worker));
  g_assert_cmpstr (p1.seen, ==, "A");
  g_assert_cmpstr (p1.seen_after, ==, "job-1");
  g_assert_cmpstr (p2.seen, ==, "B");
  g_assert_cmpstr (p2.seen_after, ==, "job-2");
  /* what the jobs set is not seen by the submitter */
  assert_var_string (var, "C");

  /* nor by the next job of the same thread */
  f3 = cg_caller_call_soon (worker, probe_job, &p3, NULL, &error);
  g_assert_no_error (error);
  wait_done (f3);
  g_assert_cmpstr (p3.seen, ==, "C");

  /* the worker thread's own context was left alone by the jobs */
  g_assert_true (cg_caller_call_direct (worker, probe_direct, &p4, NULL, &error));
  g_assert_no_error (error);
  CG_TEST_POLL_UNTIL (g_atomic_int_get (&p4.ran));
  g_assert_null (p4.seen);

  /* a job submitted from a job sees the parent job's values at submission */
  parent.var = var;
  parent.child = &child;
  parent.target = worker;
  fp = cg_caller_call_soon (worker, parent_job, &parent, NULL, &error);
  g_assert_no_error (error);
  wait_done (fp);
  g_assert_nonnull (parent.child_future);
  wait_done (parent.child_future);
  g_assert_cmpstr (child.seen, ==, "parent-set");
  assert_var_string (var, "C");

  /* queue_call captures the context too (main thread, its own caller) */
  {
    CgCaller *main_caller = cg_test_main_caller ();
    Probe q1, q2;

    probe_init (&q1, var);
    probe_init (&q2, var);
    q1.set_to = "item-1";
    var_put_string (var, "Q1");
    g_assert_true (cg_caller_queue_call (main_caller, probe_job, NULL, &q1, NULL, -1, &error));
    g_assert_no_error (error);
    var_put_string (var, "Q2");
    g_assert_true (cg_caller_queue_call (main_caller, probe_job, NULL, &q2, NULL, -1, &error));
    g_assert_no_error (error);
    var_put_string (var, "Q3");
    CG_TEST_ITERATE_UNTIL (MAIN_CTX, g_atomic_int_get (&q1.ran) && g_atomic_int_get (&q2.ran));
    g_assert_cmpstr (q1.seen, ==, "Q1");
    g_assert_cmpstr (q2.seen, ==, "Q2");
    assert_var_string (var, "Q3");
    g_assert_true (cg_caller_queue_close (main_caller, probe_job, NULL));
    probe_clear (&q1);
    probe_clear (&q2);
  }

  g_object_unref (f1);
  g_object_unref (f2);
  g_object_unref (f3);
  g_object_unref (fp);
  g_object_unref (parent.child_future);
  probe_clear (&p1);
  probe_clear (&p2);
  probe_clear (&p3);
  probe_clear (&p4);
  probe_clear (&child);
  stop_caller (worker);
  cg_test_gate_clear (&gate);
  g_object_unref (var);
}

/* ------------------------------------------------------------------ */
/* Callbacks                                                           */
/* ------------------------------------------------------------------ */

typedef struct
{
  CgFuture *future;
  Probe    *probe;
} AddInContext;

static void
add_callback_in_context (gpointer user_data)
{
  AddInContext *a = user_data;

  var_put_string (a->probe->var, "in-ctx");
  cg_future_add_done_callback (a->future, probe_done_cb, a->probe, NULL);
}

static void
gate_job (CgFuture *future,
          gpointer  user_data)
{
  g_assert_true (cg_test_gate_wait (user_data, CG_TEST_TIMEOUT_S, NULL));
  cg_future_return_int (future, 5, NULL);
}

/* Jobs submitted from an empty context run in an empty one, and what they
 * set leaves with them; token jobs, on a caller and in the pool, run in
 * their submitter's context, and the token runner keeping the job's data
 * keeps nothing else alive (the context copy is freed either way). */
typedef struct
{
  CgContextVar *var;
  CgCaller     *worker;
  Probe        *setter, *after;
  CgFuture     *futures[2];
} EmptySubmitter;

static gpointer
submit_from_empty_context (gpointer data)
{
  EmptySubmitter *submitter = data;
  GError *error = NULL;

  submitter->futures[0] = cg_caller_call_soon (submitter->worker, probe_job,
                                               submitter->setter, NULL, &error);
  g_assert_no_error (error);
  submitter->futures[1] = cg_caller_call_soon (submitter->worker, probe_job,
                                               submitter->after, NULL, &error);
  g_assert_no_error (error);
  return NULL;
}

typedef struct
{
  CgContextVar *var;
  char         *seen[3];
} TokenSeen;

static void
token_seen_runner (CgFuture *future,
                   gsize     token,
                   gpointer  user_data)
{
  TokenSeen *seen = user_data;

  if (future != NULL && token < G_N_ELEMENTS (seen->seen))
    seen->seen[token] = var_dup_string (seen->var);
}

static void
test_jobs_empty_and_token_contexts (void)
{
  CgContextVar *var = cg_context_var_new ("wrapped-var", NULL);
  CgCaller *worker;
  Probe setter, after;
  EmptySubmitter submitter = { var, NULL, &setter, &after, { NULL, NULL } };
  TokenSeen seen = { var, { NULL, NULL, NULL } };
  CgFuture *on_caller, *pooled;
  GError *error = NULL;

  g_test_queue_destroy (cg_test_stop_unprotected, NULL);
  worker = start_new_ok ("ctx-wrapped");
  submitter.worker = worker;
  probe_init (&setter, var);
  probe_init (&after, var);
  setter.set_to = "set-in-job";

  g_thread_join (g_thread_new ("empty-submitter", submit_from_empty_context, &submitter));
  wait_done (submitter.futures[0]);
  wait_done (submitter.futures[1]);
  g_assert_null (setter.seen);
  g_assert_cmpstr (setter.seen_after, ==, "set-in-job");
  g_assert_null (after.seen);

  cg_set_token_runner (token_seen_runner, &seen, NULL);
  var_put_string (var, "T");
  on_caller = cg_caller_call_soon_token (worker, 1, &error);
  g_assert_no_error (error);
  pooled = cg_caller_to_thread_token (2, &error);
  g_assert_no_error (error);
  wait_done (on_caller);
  wait_done (pooled);
  g_assert_cmpstr (seen.seen[1], ==, "T");
  g_assert_cmpstr (seen.seen[2], ==, "T");
  cg_set_token_runner (NULL, NULL, NULL);

  g_object_unref (on_caller);
  g_object_unref (pooled);
  g_object_unref (submitter.futures[0]);
  g_object_unref (submitter.futures[1]);
  for (guint i = 0; i < G_N_ELEMENTS (seen.seen); i++)
    g_free (seen.seen[i]);
  probe_clear (&setter);
  probe_clear (&after);
  stop_caller (worker);
  g_object_unref (var);
}

static void
test_done_callbacks_context (void)
{
  CgContextVar *var = cg_context_var_new ("done-var", NULL);
  Probe on_main, in_ctx, cross, already;
  AddInContext add;
  CgContext *ctx;
  CgFuture *future, *job;
  CgCaller *worker;
  CgTestGate gate;
  GError *error = NULL;

  g_test_queue_destroy (cg_test_stop_unprotected, NULL);
  probe_init (&on_main, var);
  probe_init (&in_ctx, var);
  probe_init (&cross, var);
  probe_init (&already, var);

  /* 1. a future of this thread, completed here: the callbacks run inline,
   *    each in the context current when it was added */
  future = cg_future_new ();
  var_put_string (var, "registered");
  on_main.set_to = "callback-set";
  cg_future_add_done_callback (future, probe_done_cb, &on_main, NULL);

  ctx = cg_context_new ();
  add.future = future;
  add.probe = &in_ctx;
  in_ctx.set_to = "callback-set-2";
  g_assert_true (cg_context_run (ctx, add_callback_in_context, &add, &error));
  g_assert_no_error (error);

  var_put_string (var, "later");
  g_assert_true (cg_future_return_int (future, 1, &error));
  g_assert_no_error (error);
  g_assert_true (g_atomic_int_get (&on_main.ran));
  g_assert_true (g_atomic_int_get (&in_ctx.ran));
  g_assert_cmpstr (on_main.seen, ==, "registered");
  g_assert_cmpstr (on_main.seen_after, ==, "callback-set");
  g_assert_cmpstr (in_ctx.seen, ==, "in-ctx");
  /* what the callbacks set stays with them */
  assert_var_string (var, "later");
  assert_context_string (ctx, var, "in-ctx");

  /* 2. added to a future that is done already: scheduled, same context */
  var_put_string (var, "registered-done");
  cg_future_add_done_callback (future, probe_done_cb, &already, NULL);
  g_assert_false (g_atomic_int_get (&already.ran));
  var_put_string (var, "later-2");
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, g_atomic_int_get (&already.ran));
  g_assert_cmpstr (already.seen, ==, "registered-done");

  /* 3. a job future of another thread: the callback runs there, in the
   *    context of the thread that added it */
  worker = start_new_ok ("ctx-done");
  cg_test_gate_init (&gate);
  job = cg_caller_call_soon (worker, gate_job, &gate, NULL, &error);
  g_assert_no_error (error);
  var_put_string (var, "main-registered");
  cg_future_add_done_callback (job, probe_done_cb, &cross, NULL);
  var_put_string (var, "main-later");
  cg_test_gate_open (&gate);
  CG_TEST_POLL_UNTIL (g_atomic_int_get (&cross.ran));
  g_assert_true (cross.thread == cg_caller_get_thread (worker));
  g_assert_cmpstr (cross.seen, ==, "main-registered");
  assert_var_string (var, "main-later");

  g_object_unref (future);
  g_object_unref (job);
  cg_context_unref (ctx);
  probe_clear (&on_main);
  probe_clear (&in_ctx);
  probe_clear (&cross);
  probe_clear (&already);
  stop_caller (worker);
  cg_test_gate_clear (&gate);
  g_object_unref (var);
}

typedef struct
{
  Probe    probe;
  gboolean ok;
  gssize   value;
} WaitProbe;

static void
wait_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  WaitProbe *wp = user_data;
  GError *error = NULL;

  wp->ok = cg_future_wait_finish (CG_FUTURE (source), result, &error);
  g_assert_no_error (error);
  wp->value = cg_future_propagate_int (CG_FUTURE (source), &error);
  g_assert_no_error (error);
  probe_run (&wp->probe);
}

typedef struct
{
  CgFuture  *future;
  WaitProbe *wp;
} WaitInContext;

static void
wait_in_context (gpointer user_data)
{
  WaitInContext *w = user_data;

  var_put_string (w->wp->probe.var, "wait-ctx");
  cg_future_wait_async (w->future, CG_TEST_TIMEOUT_S, CG_WAIT_FLAGS_NONE, NULL,
                        wait_cb, w->wp);
}

static void
test_wait_async_context (void)
{
  CgContextVar *var = cg_context_var_new ("wait-var", NULL);
  WaitProbe top = { 0 }, nested = { 0 };
  WaitInContext w;
  CgCaller *worker;
  CgTestGate gate;
  CgFuture *job;
  CgContext *ctx;
  GError *error = NULL;

  g_test_queue_destroy (cg_test_stop_unprotected, NULL);
  probe_init (&top.probe, var);
  probe_init (&nested.probe, var);
  worker = start_new_ok ("ctx-wait");
  cg_test_gate_init (&gate);

  job = cg_caller_call_soon (worker, gate_job, &gate, NULL, &error);
  g_assert_no_error (error);

  var_put_string (var, "waiter");
  top.probe.set_to = "wait-cb-set";
  cg_future_wait_async (job, CG_TEST_TIMEOUT_S, CG_WAIT_FLAGS_NONE, NULL, wait_cb, &top);

  ctx = cg_context_new ();
  w.future = job;
  w.wp = &nested;
  g_assert_true (cg_context_run (ctx, wait_in_context, &w, &error));
  g_assert_no_error (error);

  var_put_string (var, "after");
  cg_test_gate_open (&gate);
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, g_atomic_int_get (&top.probe.ran) &&
                                   g_atomic_int_get (&nested.probe.ran));
  g_assert_true (top.ok);
  g_assert_cmpint (top.value, ==, 5);
  g_assert_true (top.probe.thread == g_thread_self ());
  g_assert_cmpstr (top.probe.seen, ==, "waiter");
  g_assert_cmpstr (top.probe.seen_after, ==, "wait-cb-set");
  g_assert_true (nested.ok);
  g_assert_cmpstr (nested.probe.seen, ==, "wait-ctx");
  assert_var_string (var, "after");

  g_object_unref (job);
  cg_context_unref (ctx);
  probe_clear (&top.probe);
  probe_clear (&nested.probe);
  stop_caller (worker);
  cg_test_gate_clear (&gate);
  g_object_unref (var);
}

/* ------------------------------------------------------------------ */
/* call_direct copies nothing                                          */
/* ------------------------------------------------------------------ */

static void
test_call_direct_copies_nothing (void)
{
  CgContextVar *var = cg_context_var_new ("direct-var", NULL);
  Probe first, second, job_probe, third;
  CgCaller *worker;
  CgFuture *job;
  GError *error = NULL;

  g_test_queue_destroy (cg_test_stop_unprotected, NULL);
  worker = start_new_ok ("ctx-direct");
  probe_init (&first, var);
  probe_init (&second, var);
  probe_init (&job_probe, var);
  probe_init (&third, var);

  var_put_string (var, "main");

  /* the direct call sees the worker thread's own context (nothing set),
   * and what it sets stays in that thread's context */
  first.set_to = "worker-own";
  first.keep_token = TRUE;
  g_assert_true (cg_caller_call_direct (worker, probe_direct, &first, NULL, &error));
  g_assert_no_error (error);
  CG_TEST_POLL_UNTIL (g_atomic_int_get (&first.ran));
  g_assert_true (first.thread == cg_caller_get_thread (worker));
  g_assert_null (first.seen);

  g_assert_true (cg_caller_call_direct (worker, probe_direct, &second, NULL, &error));
  g_assert_no_error (error);
  CG_TEST_POLL_UNTIL (g_atomic_int_get (&second.ran));
  g_assert_cmpstr (second.seen, ==, "worker-own");

  /* a call_soon job sees the submitter's value instead */
  job_probe.set_to = "job-set";
  job = cg_caller_call_soon (worker, probe_job, &job_probe, NULL, &error);
  g_assert_no_error (error);
  wait_done (job);
  g_assert_cmpstr (job_probe.seen, ==, "main");

  /* and the job did not leak into the thread's context */
  g_assert_true (cg_caller_call_direct (worker, probe_direct, &third, NULL, &error));
  g_assert_no_error (error);
  CG_TEST_POLL_UNTIL (g_atomic_int_get (&third.ran));
  g_assert_cmpstr (third.seen, ==, "worker-own");

  assert_var_string (var, "main");

  /* put the worker thread's context back as it was */
  {
    ProbeReset pr = { &first, FALSE, 0 };

    g_assert_true (cg_caller_call_direct (worker, probe_reset_direct, &pr, NULL, &error));
    g_assert_no_error (error);
    CG_TEST_POLL_UNTIL (g_atomic_int_get (&pr.done));
    g_assert_true (pr.ok);
  }

  g_object_unref (job);
  probe_clear (&first);
  probe_clear (&second);
  probe_clear (&job_probe);
  probe_clear (&third);
  stop_caller (worker);
  g_object_unref (var);
}

/* ------------------------------------------------------------------ */
/* A thread's own context goes with the thread                         */
/* ------------------------------------------------------------------ */

typedef struct
{
  CgContextVar *var;
  GObject      *value;
} VarAndValue;

static gpointer
set_and_exit_thread (gpointer user_data)
{
  VarAndValue *pair = user_data;
  g_auto(GValue) value = G_VALUE_INIT;

  /* set at the thread's top level and never reset */
  g_value_init (&value, G_TYPE_OBJECT);
  g_value_set_object (&value, pair->value);
  cg_context_token_unref (cg_context_var_set (pair->var, &value));
  g_assert_true (cg_context_var_get_pointer (pair->var) == pair->value);
  return NULL;
}

static void
test_thread_exit_releases_values (void)
{
  VarAndValue pair;
  GThread *thread;

  pair.var = cg_context_var_new ("thread-exit-var", NULL);
  pair.value = g_object_new (G_TYPE_OBJECT, NULL);
  thread = g_thread_new ("ctx-exit", set_and_exit_thread, &pair);
  g_thread_join (thread);

  /* the ended thread's context held a reference to the value; it must
   * have been dropped with the thread */
  g_assert_finalize_object (pair.value);
  g_assert_finalize_object (pair.var);
}

static void
weak_notify_count (gpointer  data,
                   GObject  *where_the_object_was)
{
  g_atomic_int_inc ((gint *) data);
}

/* A context does not keep a variable alive: one made for a while, set in
 * the thread's own context and dropped, is finalized, and the context
 * lets go of its value the next time it changes. A copy taken before
 * keeps the value until the copy goes. */
static void
test_var_dropped_leaves_context (void)
{
  CgContextVar *var = cg_context_var_new ("short-lived", NULL);
  CgContextVar *other = cg_context_var_new ("other", NULL);
  GObject *object = g_object_new (G_TYPE_OBJECT, NULL);
  g_auto(GValue) value = G_VALUE_INIT;
  CgContextToken *token;
  CgContext *copy;
  GError *error = NULL;
  gint var_gone = 0, object_gone = 0;

  g_object_weak_ref (G_OBJECT (var), weak_notify_count, &var_gone);
  g_object_weak_ref (object, weak_notify_count, &object_gone);

  g_value_init (&value, G_TYPE_OBJECT);
  g_value_set_object (&value, object);
  cg_context_token_unref (cg_context_var_set (var, &value));
  g_value_unset (&value);
  g_object_unref (object);
  copy = cg_context_copy_current ();
  g_assert_cmpint (object_gone, ==, 0);

  g_object_unref (var);
  g_assert_cmpint (var_gone, ==, 1);
  g_assert_cmpint (object_gone, ==, 0);

  /* The next change of the context leaves the dead entry out. */
  token = cg_context_var_set_pointer (other, other);
  g_assert_true (cg_context_var_get_pointer (other) == other);
  g_assert_cmpint (object_gone, ==, 0); /* the copy holds it */
  cg_context_unref (copy);
  g_assert_cmpint (object_gone, ==, 1);

  g_assert_true (cg_context_var_reset (other, token, &error));
  g_assert_no_error (error);
  cg_context_token_unref (token);
  g_assert_null (cg_context_var_get_pointer (other));
  g_object_unref (other);
}

/* The test programs' argv, kept reachable for leak checkers. */
static char **volatile test_argv;

int
main (int    argc,
      char **argv)
{
  cg_test_init (&argc, &argv);
  test_argv = argv;
  cg_test_main_caller ();

  cg_test_add ("/context/var/basics", test_var_basics);
  cg_test_add ("/context/run", test_context_run);
  cg_test_add ("/context/jobs/submission-time", test_jobs_see_submission_time);
  cg_test_add ("/context/jobs/empty-and-token", test_jobs_empty_and_token_contexts);
  cg_test_add ("/context/callbacks/done", test_done_callbacks_context);
  cg_test_add ("/context/callbacks/wait-async", test_wait_async_context);
  cg_test_add ("/context/call-direct", test_call_direct_copies_nothing);
  cg_test_add ("/context/thread-exit-releases-values", test_thread_exit_releases_values);
  cg_test_add ("/context/var/dropped-leaves-context", test_var_dropped_leaves_context);

  return g_test_run ();
}
