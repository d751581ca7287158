/* test-lock.c: tests of CgAsyncLock and CgReentrantAsyncLock
 *
 * Copyright 2026 The caller-glib authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A lock is held by a context: the tests make distinct holders with
 * cg_context_run() on fresh cg_context_new() contexts, or with jobs
 * submitted from a context that never acquired the lock (each job runs in
 * its own copy).
 */

#include <caller-glib.h>

#include "test-helpers.h"

/* _cg_context_count_current_entries(), exported for the tests. */
#include "cg-context-private.h"

#define MAIN_CTX (g_main_context_default ())

/* cg_caller_to_thread() may not be implemented yet (cg-worker-pool.c is
 * being written): a weak reference lets the tests link either way and
 * skip what needs it. */
#pragma weak cg_caller_to_thread

/* ------------------------------------------------------------------ */
/* Acquisitions                                                        */
/* ------------------------------------------------------------------ */

/* One acquisition and what its callback saw. */
typedef struct
{
  gint      calls;        /* atomic, set last */
  gboolean  ok;
  GError   *error;
  guint     count_seen;   /* cg_async_lock_get_count() in the callback */
  gboolean  in_context;   /* cg_async_lock_is_in_context() in the callback */
  GThread  *thread;
  gboolean  release;      /* release in the callback */
  gboolean  released_ok;
  GString  *order;        /* when set, the tag is appended to it */
  char      tag;
} Acq;

static void
acq_cb (GObject      *source,
        GAsyncResult *result,
        gpointer      user_data)
{
  CgAsyncLock *lock = CG_ASYNC_LOCK (source);
  Acq *acq = user_data;

  g_assert_cmpint (g_atomic_int_get (&acq->calls), ==, 0);
  acq->ok = cg_async_lock_acquire_finish (lock, result, &acq->error);
  acq->count_seen = cg_async_lock_get_count (lock);
  acq->in_context = cg_async_lock_is_in_context (lock);
  acq->thread = g_thread_self ();
  if (acq->order != NULL)
    g_string_append_c (acq->order, acq->tag);
  if (acq->ok && acq->release)
    {
      GError *error = NULL;

      acq->released_ok = cg_async_lock_release (lock, &error);
      g_assert_no_error (error);
    }
  g_atomic_int_set (&acq->calls, 1);
}

static void
acq_clear (Acq *acq)
{
  g_clear_error (&acq->error);
}

typedef struct
{
  CgAsyncLock  *lock;
  GCancellable *cancellable;
  Acq          *acq;
  guint         times;
} AcqRequest;

static void
acquire_in (gpointer user_data)
{
  AcqRequest *req = user_data;

  for (guint i = 0; i < MAX (req->times, 1); i++)
    cg_async_lock_acquire_async (req->lock, req->cancellable, acq_cb, &req->acq[i]);
}

/* Starts acquisitions of @lock from inside @ctx, one per element of @acqs. */
static void
acquire_in_context_n (CgContext    *ctx,
                      gpointer      lock,
                      GCancellable *cancellable,
                      Acq          *acqs,
                      guint         times)
{
  AcqRequest req = { CG_ASYNC_LOCK (lock), cancellable, acqs, times };
  GError *error = NULL;

  g_assert_true (cg_context_run (ctx, acquire_in, &req, &error));
  g_assert_no_error (error);
}

static void
acquire_in_context (CgContext    *ctx,
                    gpointer      lock,
                    GCancellable *cancellable,
                    Acq          *acq)
{
  acquire_in_context_n (ctx, lock, cancellable, acq, 1);
}

typedef struct
{
  CgAsyncLock *lock;
  gboolean     ok;
  GError      *error;
  gboolean     in_context;
} LockQuery;

static void
release_in (gpointer user_data)
{
  LockQuery *q = user_data;

  q->ok = cg_async_lock_release (q->lock, &q->error);
}

static void
in_context_in (gpointer user_data)
{
  LockQuery *q = user_data;

  q->in_context = cg_async_lock_is_in_context (q->lock);
}

/* Releases @lock from inside @ctx; returns what release returned. */
static gboolean
release_in_context (CgContext  *ctx,
                    gpointer    lock,
                    GError    **error)
{
  LockQuery q = { CG_ASYNC_LOCK (lock), FALSE, NULL, FALSE };
  GError *run_error = NULL;

  g_assert_true (cg_context_run (ctx, release_in, &q, &run_error));
  g_assert_no_error (run_error);
  if (q.error != NULL)
    g_propagate_error (error, q.error);
  return q.ok;
}

static gboolean
is_in_context_of (CgContext *ctx,
                  gpointer   lock)
{
  LockQuery q = { CG_ASYNC_LOCK (lock), FALSE, NULL, FALSE };
  GError *run_error = NULL;

  g_assert_true (cg_context_run (ctx, in_context_in, &q, &run_error));
  g_assert_no_error (run_error);
  return q.in_context;
}

static CgAsyncLock *
new_lock (gboolean reentrant)
{
  CgAsyncLock *lock;

  lock = reentrant ? CG_ASYNC_LOCK (cg_reentrant_async_lock_new ()) : cg_async_lock_new ();
  g_assert_true (CG_IS_ASYNC_LOCK (lock));
  g_assert_cmpint (cg_async_lock_get_reentrant (lock), ==, reentrant);
  g_assert_cmpint (CG_IS_REENTRANT_ASYNC_LOCK (lock), ==, reentrant);
  g_assert_cmpuint (cg_async_lock_get_count (lock), ==, 0);
  g_assert_false (cg_async_lock_is_in_context (lock));
  return lock;
}

/* Drops the test's reference and checks that nothing else holds the lock
 * (no waiter or pending callback left behind). */
static void
free_lock (CgAsyncLock *lock)
{
  g_assert_cmpuint (cg_async_lock_get_count (lock), ==, 0);
  cg_test_unref_and_wait_finalized (MAIN_CTX, lock);
}

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

/* ------------------------------------------------------------------ */
/* Contention: jobs that each acquire the lock twice                   */
/* ------------------------------------------------------------------ */

typedef struct
{
  CgAsyncLock *lock;
  gint         inside;        /* atomic: holders inside now */
  gint         overlaps;      /* atomic: times two were inside at once */
  gint         acquisitions;  /* atomic */
  gint         finished;      /* atomic: contenders done */
  gint         errors;        /* atomic: unexpected failures */
  guint        rounds_each;
} Contend;

typedef struct
{
  Contend *c;
  guint    rounds;
} Contender;

static void contend_acquired (GObject *source, GAsyncResult *result, gpointer user_data);

/* Runs in a copy of the acquisition callback's context: it holds the
 * lock, releases it, and acquires it again for the next round. */
static void
contend_release_job (CgFuture *future,
                     gpointer  user_data)
{
  Contender *k = user_data;
  Contend *c = k->c;
  GError *error = NULL;

  g_atomic_int_add (&c->inside, -1);
  if (!cg_async_lock_release (c->lock, &error))
    {
      g_printerr ("contender: release failed: %s\n", error->message);
      g_atomic_int_inc (&c->errors);
      g_clear_error (&error);
    }
  k->rounds++;
  if (k->rounds < c->rounds_each)
    cg_async_lock_acquire_async (c->lock, NULL, contend_acquired, k);
  else
    g_atomic_int_inc (&c->finished);
}

static void
contend_acquired (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  Contender *k = user_data;
  Contend *c = k->c;
  GError *error = NULL;
  CgFuture *release;

  if (!cg_async_lock_acquire_finish (c->lock, result, &error))
    {
      g_printerr ("contender: acquire failed: %s\n", error->message);
      g_clear_error (&error);
      g_atomic_int_inc (&c->errors);
      g_atomic_int_inc (&c->finished);
      return;
    }
  if (g_atomic_int_add (&c->inside, 1) != 0)
    g_atomic_int_inc (&c->overlaps);
  g_atomic_int_inc (&c->acquisitions);
  if (!cg_async_lock_is_in_context (c->lock) || cg_async_lock_get_count (c->lock) != 1)
    g_atomic_int_inc (&c->errors);

  /* Hold it across main-loop iterations; the release job copies this
   * context, so it holds the lock too. */
  release = cg_caller_call_later (cg_caller_get_current (), 0.002, contend_release_job, k,
                                  NULL, &error);
  g_assert_no_error (error);
  g_object_unref (release);
}

static void
contend_job (CgFuture *future,
             gpointer  user_data)
{
  Contender *k = user_data;

  cg_async_lock_acquire_async (k->c->lock, NULL, contend_acquired, k);
}

static void
check_contention (Contend *c,
                  guint    contenders)
{
  g_assert_cmpint (g_atomic_int_get (&c->errors), ==, 0);
  g_assert_cmpint (g_atomic_int_get (&c->overlaps), ==, 0);
  g_assert_cmpint (g_atomic_int_get (&c->acquisitions), ==, contenders * c->rounds_each);
  g_assert_cmpint (g_atomic_int_get (&c->inside), ==, 0);
  g_assert_cmpuint (cg_async_lock_get_count (c->lock), ==, 0);
}

/* Three jobs of the main thread's caller, twice each. */
static void
test_mutex_contention_one_thread (void)
{
  CgCaller *main_caller = cg_test_main_caller ();
  Contend c = { 0 };
  Contender k[3];
  GError *error = NULL;

  c.lock = new_lock (FALSE);
  c.rounds_each = 2;
  for (guint i = 0; i < G_N_ELEMENTS (k); i++)
    {
      CgFuture *job;

      k[i].c = &c;
      k[i].rounds = 0;
      job = cg_caller_call_soon (main_caller, contend_job, &k[i], NULL, &error);
      g_assert_no_error (error);
      g_object_unref (job);
    }

  CG_TEST_ITERATE_UNTIL (MAIN_CTX, g_atomic_int_get (&c.finished) == 3);
  check_contention (&c, 3);
  g_assert_cmpint (g_atomic_int_get (&c.acquisitions), ==, 6);
  free_lock (c.lock);
}

/* Three jobs on three threads, twice each. */
static void
test_mutex_contention_threads (void)
{
  Contend c = { 0 };
  Contender k[3];
  CgCaller *workers[3];
  GError *error = NULL;

  g_test_queue_destroy (cg_test_stop_unprotected, NULL);
  c.lock = new_lock (FALSE);
  c.rounds_each = 2;
  for (guint i = 0; i < G_N_ELEMENTS (k); i++)
    {
      char *name = g_strdup_printf ("lock-contend-%u", i);

      workers[i] = start_new_ok (name);
      g_free (name);
    }
  for (guint i = 0; i < G_N_ELEMENTS (k); i++)
    {
      CgFuture *job;

      k[i].c = &c;
      k[i].rounds = 0;
      job = cg_caller_call_soon (workers[i], contend_job, &k[i], NULL, &error);
      g_assert_no_error (error);
      g_object_unref (job);
    }

  CG_TEST_POLL_UNTIL (g_atomic_int_get (&c.finished) == 3);
  check_contention (&c, 3);
  g_assert_cmpint (g_atomic_int_get (&c.acquisitions), ==, 6);

  for (guint i = 0; i < G_N_ELEMENTS (k); i++)
    stop_caller (workers[i]);
  free_lock (c.lock);
}

/* Two sibling jobs submitted from a context that held the mutex before
 * (and released it): they are two contexts, and must take turns rather
 * than be refused. */
typedef struct
{
  CgCaller  *caller;
  Contender *k;
  guint      n;
} SubmitSiblings;

static void
submit_siblings (gpointer user_data)
{
  SubmitSiblings *s = user_data;
  GError *error = NULL;

  for (guint i = 0; i < s->n; i++)
    {
      CgFuture *job = cg_caller_call_soon (s->caller, contend_job, &s->k[i], NULL, &error);

      g_assert_no_error (error);
      g_object_unref (job);
    }
}

static void
test_mutex_siblings_contend (void)
{
  Contend c = { 0 };
  Contender k[2];
  Acq first = { 0 };
  SubmitSiblings s;
  CgContext *ctx;
  GError *error = NULL;

  c.lock = new_lock (FALSE);
  c.rounds_each = 1;
  ctx = cg_context_new ();

  /* the parent context takes the lock and gives it back */
  first.release = TRUE;
  acquire_in_context (ctx, c.lock, NULL, &first);
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, g_atomic_int_get (&first.calls));
  g_assert_true (first.ok);
  g_assert_true (first.released_ok);
  g_assert_cmpuint (cg_async_lock_get_count (c.lock), ==, 0);
  g_assert_false (is_in_context_of (ctx, c.lock));

  /* then spawns two jobs that contend for it */
  for (guint i = 0; i < G_N_ELEMENTS (k); i++)
    {
      k[i].c = &c;
      k[i].rounds = 0;
    }
  s.caller = cg_test_main_caller ();
  s.k = k;
  s.n = G_N_ELEMENTS (k);
  g_assert_true (cg_context_run (ctx, submit_siblings, &s, &error));
  g_assert_no_error (error);

  CG_TEST_ITERATE_UNTIL (MAIN_CTX, g_atomic_int_get (&c.finished) == 2);
  check_contention (&c, 2);

  acq_clear (&first);
  cg_context_unref (ctx);
  free_lock (c.lock);
}

/* ------------------------------------------------------------------ */
/* Mutex: re-acquiring from the holder                                 */
/* ------------------------------------------------------------------ */

typedef struct
{
  CgAsyncLock *lock;
  gboolean     first_ok;
  guint        first_count;
  gint         first_calls;
  gboolean     second_ok;
  GError      *second_error;
  guint        second_count;
  gboolean     second_in_context;
  gint         second_calls;   /* atomic, set last */
  /* a call_soon child of the holder */
  gint         child_calls;    /* atomic, set last */
  gboolean     child_ok;
  GError      *child_error;
} Reacquire;

static void
reacquire_child_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  Reacquire *r = user_data;

  r->child_ok = cg_async_lock_acquire_finish (r->lock, result, &r->child_error);
  g_atomic_int_set (&r->child_calls, 1);
}

static void
reacquire_child_job (CgFuture *future,
                     gpointer  user_data)
{
  Reacquire *r = user_data;

  cg_async_lock_acquire_async (r->lock, NULL, reacquire_child_cb, r);
}

static void
reacquire_second_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  Reacquire *r = user_data;

  r->second_ok = cg_async_lock_acquire_finish (r->lock, result, &r->second_error);
  r->second_count = cg_async_lock_get_count (r->lock);
  r->second_in_context = cg_async_lock_is_in_context (r->lock);
  g_atomic_int_set (&r->second_calls, 1);
}

static void
reacquire_first_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  Reacquire *r = user_data;
  GError *error = NULL;
  CgFuture *child;

  r->first_ok = cg_async_lock_acquire_finish (r->lock, result, &error);
  g_assert_no_error (error);
  r->first_count = cg_async_lock_get_count (r->lock);
  r->first_calls++;

  /* a job it spawns copies its context, and so is refused as well */
  child = cg_caller_call_soon (cg_test_main_caller (), reacquire_child_job, r, NULL, &error);
  g_assert_no_error (error);
  g_object_unref (child);

  cg_async_lock_acquire_async (r->lock, NULL, reacquire_second_cb, r);
}

static void
reacquire_start (gpointer user_data)
{
  Reacquire *r = user_data;

  cg_async_lock_acquire_async (r->lock, NULL, reacquire_first_cb, r);
}

static void
test_mutex_not_reentrant (void)
{
  Reacquire r = { 0 };
  Acq again = { 0 }, refused = { 0 };
  CgContext *ctx;
  GError *error = NULL;

  r.lock = new_lock (FALSE);
  ctx = cg_context_new ();
  g_assert_true (cg_context_run (ctx, reacquire_start, &r, &error));
  g_assert_no_error (error);
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, g_atomic_int_get (&r.second_calls) &&
                                   g_atomic_int_get (&r.child_calls));

  g_assert_true (r.first_ok);
  g_assert_cmpint (r.first_calls, ==, 1);
  g_assert_cmpuint (r.first_count, ==, 1);
  g_assert_false (r.second_ok);
  g_assert_error (r.second_error, CG_CALLER_ERROR, CG_CALLER_ERROR_NOT_REENTRANT);
  g_assert_cmpuint (r.second_count, ==, 1);
  g_assert_true (r.second_in_context);
  g_assert_false (r.child_ok);
  g_assert_error (r.child_error, CG_CALLER_ERROR, CG_CALLER_ERROR_NOT_REENTRANT);
  g_assert_cmpuint (cg_async_lock_get_count (r.lock), ==, 1);
  /* the refusals changed nothing: the holder still holds it, once */
  g_assert_true (is_in_context_of (ctx, r.lock));
  g_assert_true (release_in_context (ctx, r.lock, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (cg_async_lock_get_count (r.lock), ==, 0);
  g_assert_false (cg_async_lock_is_in_context (r.lock));

  /* once free, the same context takes it again; while it holds it, a
   * second acquisition from it is refused and changes nothing */
  acquire_in_context (ctx, r.lock, NULL, &again);
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, g_atomic_int_get (&again.calls));
  g_assert_true (again.ok);
  g_assert_true (is_in_context_of (ctx, r.lock));
  acquire_in_context (ctx, r.lock, NULL, &refused);
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, g_atomic_int_get (&refused.calls));
  g_assert_false (refused.ok);
  g_assert_error (refused.error, CG_CALLER_ERROR, CG_CALLER_ERROR_NOT_REENTRANT);
  g_assert_cmpuint (cg_async_lock_get_count (r.lock), ==, 1);
  g_assert_true (release_in_context (ctx, r.lock, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (cg_async_lock_get_count (r.lock), ==, 0);

  g_clear_error (&r.second_error);
  g_clear_error (&r.child_error);
  acq_clear (&again);
  acq_clear (&refused);
  cg_context_unref (ctx);
  free_lock (r.lock);
}

/* ------------------------------------------------------------------ */
/* A waiter cancelled while queued                                     */
/* ------------------------------------------------------------------ */

static void
check_cancel_waiter (gboolean reentrant)
{
  CgAsyncLock *lock = new_lock (reentrant);
  CgContext *holder = cg_context_new ();
  CgContext *cancelled_ctx = cg_context_new ();
  CgContext *other = cg_context_new ();
  GCancellable *cancellable = g_cancellable_new ();
  Acq h = { 0 }, w1 = { 0 }, w2 = { 0 }, w1_again = { 0 };
  GError *error = NULL;

  acquire_in_context (holder, lock, NULL, &h);
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, g_atomic_int_get (&h.calls));
  g_assert_true (h.ok);

  acquire_in_context (cancelled_ctx, lock, cancellable, &w1);
  acquire_in_context (other, lock, NULL, &w2);
  cg_test_drain (MAIN_CTX);
  g_assert_false (g_atomic_int_get (&w1.calls));
  g_assert_false (g_atomic_int_get (&w2.calls));

  /* the cancelled waiter fails at once and leaves the queue */
  g_cancellable_cancel (cancellable);
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, g_atomic_int_get (&w1.calls));
  g_assert_false (w1.ok);
  g_assert_error (w1.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_false (g_atomic_int_get (&w2.calls));
  g_assert_cmpuint (cg_async_lock_get_count (lock), ==, 1);
  g_assert_true (is_in_context_of (holder, lock));
  g_assert_false (is_in_context_of (cancelled_ctx, lock));

  /* the hand-off goes to the next waiter, as if it had never been there */
  g_assert_true (release_in_context (holder, lock, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (cg_async_lock_get_count (lock), ==, 1);
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, g_atomic_int_get (&w2.calls));
  g_assert_true (w2.ok);
  g_assert_cmpuint (w2.count_seen, ==, 1);
  g_assert_true (w2.in_context);
  g_assert_true (is_in_context_of (other, lock));
  g_assert_false (is_in_context_of (cancelled_ctx, lock));
  g_assert_false (is_in_context_of (holder, lock));

  g_assert_true (release_in_context (other, lock, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (cg_async_lock_get_count (lock), ==, 0);

  /* the cancelled context is free to try again, and gets it */
  acquire_in_context (cancelled_ctx, lock, NULL, &w1_again);
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, g_atomic_int_get (&w1_again.calls));
  g_assert_true (w1_again.ok);
  g_assert_cmpuint (cg_async_lock_get_count (lock), ==, 1);
  g_assert_true (release_in_context (cancelled_ctx, lock, &error));
  g_assert_no_error (error);

  acq_clear (&h);
  acq_clear (&w1);
  acq_clear (&w2);
  acq_clear (&w1_again);
  g_object_unref (cancellable);
  cg_context_unref (holder);
  cg_context_unref (cancelled_ctx);
  cg_context_unref (other);
  free_lock (lock);
}

static void
test_mutex_cancel_waiter (void)
{
  check_cancel_waiter (FALSE);
}

static void
test_reentrant_cancel_waiter (void)
{
  check_cancel_waiter (TRUE);
}

/* ------------------------------------------------------------------ */
/* Releasing without holding                                           */
/* ------------------------------------------------------------------ */

static void
check_release_not_held (gboolean reentrant)
{
  CgAsyncLock *lock = new_lock (reentrant);
  CgContext *holder = cg_context_new ();
  CgContext *stranger = cg_context_new ();
  Acq h = { 0 };
  GError *error = NULL;

  /* a free lock */
  g_assert_false (cg_async_lock_release (lock, &error));
  cg_test_assert_error_clear (&error, CG_FUTURE_ERROR, CG_FUTURE_ERROR_INVALID_STATE);
  g_assert_cmpuint (cg_async_lock_get_count (lock), ==, 0);

  acquire_in_context (holder, lock, NULL, &h);
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, g_atomic_int_get (&h.calls));
  g_assert_true (h.ok);

  /* neither this thread's own context nor another context may release */
  g_assert_false (cg_async_lock_release (lock, &error));
  cg_test_assert_error_clear (&error, CG_FUTURE_ERROR, CG_FUTURE_ERROR_INVALID_STATE);
  g_assert_false (release_in_context (stranger, lock, &error));
  cg_test_assert_error_clear (&error, CG_FUTURE_ERROR, CG_FUTURE_ERROR_INVALID_STATE);
  g_assert_cmpuint (cg_async_lock_get_count (lock), ==, 1);
  g_assert_true (is_in_context_of (holder, lock));

  /* the holder may, once */
  g_assert_true (release_in_context (holder, lock, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (cg_async_lock_get_count (lock), ==, 0);
  g_assert_false (release_in_context (holder, lock, &error));
  cg_test_assert_error_clear (&error, CG_FUTURE_ERROR, CG_FUTURE_ERROR_INVALID_STATE);
  g_assert_cmpuint (cg_async_lock_get_count (lock), ==, 0);

  acq_clear (&h);
  cg_context_unref (holder);
  cg_context_unref (stranger);
  free_lock (lock);
}

/* The result an acquisition's callback gets stays valid when the callback
 * keeps it: it finishes with TRUE again, stays tagged, and outlives the
 * lock, after which it names no source object. */
typedef struct
{
  GAsyncResult *kept;
  gboolean      ok;
  gint          calls;   /* atomic, set last */
} KeptAcq;

static void
kept_acq_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  CgAsyncLock *lock = CG_ASYNC_LOCK (source);
  KeptAcq *acq = user_data;
  GError *error = NULL;

  acq->ok = cg_async_lock_acquire_finish (lock, result, &error);
  g_assert_no_error (error);
  acq->kept = g_object_ref (result);
  g_assert_true (cg_async_lock_release (lock, &error));
  g_assert_no_error (error);
  g_atomic_int_set (&acq->calls, 1);
}

typedef struct
{
  CgAsyncLock         *lock;
  GAsyncReadyCallback  callback;
  gpointer             data;
} FnRequest;

static void
acquire_with_fn (gpointer user_data)
{
  FnRequest *req = user_data;

  cg_async_lock_acquire_async (req->lock, NULL, req->callback, req->data);
}

static void
acquire_in_context_fn (CgContext           *ctx,
                       CgAsyncLock         *lock,
                       GAsyncReadyCallback  callback,
                       gpointer             data)
{
  FnRequest req = { lock, callback, data };
  GError *error = NULL;

  g_assert_true (cg_context_run (ctx, acquire_with_fn, &req, &error));
  g_assert_no_error (error);
}

static void
test_mutex_kept_result (void)
{
  CgAsyncLock *lock = new_lock (FALSE);
  CgContext *first = cg_context_new (), *second = cg_context_new ();
  KeptAcq a = { NULL, FALSE, 0 }, b = { NULL, FALSE, 0 };
  GObject *source;
  GError *error = NULL;

  acquire_in_context_fn (first, lock, kept_acq_cb, &a);
  acquire_in_context_fn (second, lock, kept_acq_cb, &b);
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, g_atomic_int_get (&a.calls) && g_atomic_int_get (&b.calls));
  g_assert_true (a.ok);
  g_assert_true (b.ok);

  for (guint i = 0; i < 2; i++)
    {
      GAsyncResult *kept = i == 0 ? a.kept : b.kept;

      g_assert_true (g_async_result_is_tagged (kept, cg_async_lock_acquire_async));
      source = g_async_result_get_source_object (kept);
      g_assert_true (source == G_OBJECT (lock));
      g_object_unref (source);
      g_assert_true (cg_async_lock_acquire_finish (lock, kept, &error));
      g_assert_no_error (error);
    }

  g_object_unref (lock);
  g_assert_null (g_async_result_get_source_object (a.kept));
  g_assert_true (cg_future_propagate_boolean (CG_FUTURE (a.kept), &error));
  g_assert_no_error (error);

  g_object_unref (a.kept);
  g_object_unref (b.kept);
  cg_context_unref (first);
  cg_context_unref (second);
}

/* A pending acquisition keeps its lock alive: the program may drop its
 * reference while a waiter is queued, and the callback still gets the
 * lock as its source; the lock goes once the last answer is done. */
typedef struct
{
  gint     calls;        /* atomic */
  gboolean alive_in_callback;
  gboolean released;
  gboolean *finalized;
} Orphan;

static void
orphan_acquired (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Orphan *o = user_data;
  CgAsyncLock *lock = CG_ASYNC_LOCK (source);
  GError *error = NULL;

  o->alive_in_callback = !*o->finalized && CG_IS_ASYNC_LOCK (lock);
  g_assert_true (cg_async_lock_acquire_finish (lock, result, &error));
  o->released = cg_async_lock_release (lock, &error);
  g_assert_no_error (error);
  g_atomic_int_set (&o->calls, 1);
}

static void
note_finalized (gpointer  data,
                GObject  *where_the_object_was)
{
  *(gboolean *) data = TRUE;
}

static void
test_mutex_pending_acquisition_keeps_the_lock (void)
{
  CgAsyncLock *lock = new_lock (FALSE);
  CgContext *holder = cg_context_new (), *other = cg_context_new ();
  gboolean finalized = FALSE;
  Orphan o = { 0, FALSE, FALSE, &finalized };
  Acq first = { 0 };
  GError *error = NULL;

  g_object_weak_ref (G_OBJECT (lock), note_finalized, &finalized);
  acquire_in_context (holder, lock, NULL, &first);
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, g_atomic_int_get (&first.calls));
  g_assert_true (first.ok);
  acquire_in_context_fn (other, lock, orphan_acquired, &o);

  /* The program lets go of the lock while the other context waits. */
  g_object_unref (lock);
  g_assert_false (finalized);
  g_assert_true (release_in_context (holder, lock, &error));
  g_assert_no_error (error);
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, finalized);
  g_assert_true (g_atomic_int_get (&o.calls));
  g_assert_true (o.alive_in_callback);
  g_assert_true (o.released);

  acq_clear (&first);
  cg_context_unref (holder);
  cg_context_unref (other);
}

static void
test_mutex_release_not_held (void)
{
  check_release_not_held (FALSE);
}

static void
test_reentrant_release_not_held (void)
{
  check_release_not_held (TRUE);
}

/* ------------------------------------------------------------------ */
/* FIFO hand-off between contexts                                      */
/* ------------------------------------------------------------------ */

static void
check_fifo (gboolean reentrant)
{
  CgAsyncLock *lock = new_lock (reentrant);
  CgContext *holder = cg_context_new ();
  CgContext *ctxs[5];
  Acq h = { 0 }, w[5];
  GString *order = g_string_new (NULL);
  GError *error = NULL;

  acquire_in_context (holder, lock, NULL, &h);
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, g_atomic_int_get (&h.calls));
  g_assert_true (h.ok);

  memset (w, 0, sizeof w);
  for (guint i = 0; i < G_N_ELEMENTS (w); i++)
    {
      ctxs[i] = cg_context_new ();
      w[i].order = order;
      w[i].tag = (char) ('0' + i);
      w[i].release = TRUE;  /* each passes it on from its callback */
      acquire_in_context (ctxs[i], lock, NULL, &w[i]);
    }
  cg_test_drain (MAIN_CTX);
  g_assert_cmpstr (order->str, ==, "");

  g_assert_true (release_in_context (holder, lock, &error));
  g_assert_no_error (error);
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, g_atomic_int_get (&w[G_N_ELEMENTS (w) - 1].calls));
  g_assert_cmpstr (order->str, ==, "01234");
  for (guint i = 0; i < G_N_ELEMENTS (w); i++)
    {
      g_assert_true (w[i].ok);
      g_assert_cmpuint (w[i].count_seen, ==, 1);
      g_assert_true (w[i].in_context);
      g_assert_true (w[i].released_ok);
      acq_clear (&w[i]);
      cg_context_unref (ctxs[i]);
    }
  g_assert_cmpuint (cg_async_lock_get_count (lock), ==, 0);

  acq_clear (&h);
  g_string_free (order, TRUE);
  cg_context_unref (holder);
  free_lock (lock);
}

static void
test_mutex_fifo (void)
{
  check_fifo (FALSE);
}

static void
test_reentrant_fifo (void)
{
  check_fifo (TRUE);
}

/* ------------------------------------------------------------------ */
/* Reentrant: the holder re-enters                                     */
/* ------------------------------------------------------------------ */

static void
test_reentrant_reenter (void)
{
  CgAsyncLock *lock = new_lock (TRUE);
  CgContext *holder = cg_context_new ();
  CgContext *outsider = cg_context_new ();
  Acq h[3], o = { 0 };
  GError *error = NULL;

  memset (h, 0, sizeof h);
  acquire_in_context (holder, lock, NULL, &h[0]);
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, g_atomic_int_get (&h[0].calls));
  g_assert_true (h[0].ok);
  g_assert_cmpuint (h[0].count_seen, ==, 1);

  /* an outsider queues; the holder still gets in again, ahead of it */
  acquire_in_context (outsider, lock, NULL, &o);
  acquire_in_context (holder, lock, NULL, &h[1]);
  acquire_in_context (holder, lock, NULL, &h[2]);
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, g_atomic_int_get (&h[1].calls) &&
                                   g_atomic_int_get (&h[2].calls));
  g_assert_true (h[1].ok);
  g_assert_true (h[2].ok);
  g_assert_true (h[1].in_context);
  g_assert_cmpuint (cg_async_lock_get_count (lock), ==, 3);
  g_assert_false (g_atomic_int_get (&o.calls));

  /* it passes on only when every acquisition was given back */
  g_assert_true (release_in_context (holder, lock, &error));
  g_assert_no_error (error);
  g_assert_true (release_in_context (holder, lock, &error));
  g_assert_no_error (error);
  cg_test_drain (MAIN_CTX);
  g_assert_cmpuint (cg_async_lock_get_count (lock), ==, 1);
  g_assert_false (g_atomic_int_get (&o.calls));
  g_assert_true (is_in_context_of (holder, lock));

  g_assert_true (release_in_context (holder, lock, &error));
  g_assert_no_error (error);
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, g_atomic_int_get (&o.calls));
  g_assert_true (o.ok);
  g_assert_cmpuint (o.count_seen, ==, 1);
  g_assert_false (is_in_context_of (holder, lock));
  g_assert_true (release_in_context (outsider, lock, &error));
  g_assert_no_error (error);

  for (guint i = 0; i < G_N_ELEMENTS (h); i++)
    acq_clear (&h[i]);
  acq_clear (&o);
  cg_context_unref (holder);
  cg_context_unref (outsider);
  free_lock (lock);
}

/* ------------------------------------------------------------------ */
/* Reentrant: a job spawned by one holding keeps that holding only      */
/* ------------------------------------------------------------------ */

/* The context a lock callback runs in is its own while it runs, and a
 * fresh acquisition there may write the new holder into it in place; but
 * once a job spawned there shares it, the job must keep the holder it
 * was given. */
typedef struct
{
  CgAsyncLock *lock;
  gint         phase;       /* 1: first grant, 2: second grant */
  gboolean     child_in_context;
  gint         child_ran;   /* atomic */
  gint         done;        /* atomic */
} Respawn;

static void
respawn_child (CgFuture *future,
               gpointer  user_data)
{
  Respawn *r = user_data;

  r->child_in_context = cg_async_lock_is_in_context (r->lock);
  g_atomic_int_set (&r->child_ran, 1);
}

static void
respawn_acquired (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  Respawn *r = user_data;
  g_autoptr(GError) error = NULL;

  g_assert_true (cg_async_lock_acquire_finish (r->lock, result, &error));
  g_assert_no_error (error);
  g_assert_true (cg_async_lock_is_in_context (r->lock));
  if (++r->phase == 1)
    {
      g_autoptr(CgFuture) child = NULL;

      /* The child copies this context, holder and all, and runs once
       * this callback is over: after the lock was given back and taken
       * again, by a new holding of this context. */
      child = cg_caller_call_soon (cg_caller_get_current (), respawn_child, r, NULL, &error);
      g_assert_no_error (error);
      g_assert_true (cg_async_lock_release (r->lock, &error));
      g_assert_no_error (error);
      cg_async_lock_acquire_async (r->lock, NULL, respawn_acquired, r);
      return;
    }
  g_assert_true (cg_async_lock_release (r->lock, &error));
  g_assert_no_error (error);
  g_atomic_int_set (&r->done, 1);
}

static void
respawn_start (CgFuture *future,
               gpointer  user_data)
{
  Respawn *r = user_data;

  cg_async_lock_acquire_async (r->lock, NULL, respawn_acquired, r);
}

static void
test_reentrant_spawned_job_keeps_its_holding (void)
{
  Respawn r = { new_lock (TRUE), 0, TRUE, 0, 0 };
  g_autoptr(CgFuture) start = NULL;
  g_autoptr(GError) error = NULL;

  start = cg_caller_call_soon (cg_caller_get_current (), respawn_start, &r, NULL, &error);
  g_assert_no_error (error);
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, g_atomic_int_get (&r.done) && g_atomic_int_get (&r.child_ran));
  g_assert_cmpint (r.phase, ==, 2);
  /* The child ran while the second holding held the lock (or after it
   * ended): either way it is not that holding. */
  g_assert_false (r.child_in_context);
  free_lock (r.lock);
}

/* ------------------------------------------------------------------ */
/* Reentrant: nesting to depth 3 through call_soon                     */
/* ------------------------------------------------------------------ */

#define NEST_DEPTH 3

typedef struct
{
  CgAsyncLock *lock;
  CgCaller    *caller;
  guint        counts[NEST_DEPTH + 1];
  gboolean     in_context[NEST_DEPTH + 1];
  gint         reached;  /* deepest level entered */
  gint         errors;
} Nest;

typedef struct
{
  Nest     *n;
  guint     depth;
  CgFuture *level;       /* completes once this level released */
} Level;

typedef struct
{
  Nest  *n;
  guint  depth;
} LevelArgs;

static void level_job (CgFuture *future, gpointer user_data);

static void
level_finish (Level *lv)
{
  GError *error = NULL;

  if (!cg_async_lock_release (lv->n->lock, &error))
    {
      g_printerr ("level %u: release failed: %s\n", lv->depth, error->message);
      g_clear_error (&error);
      lv->n->errors++;
    }
  g_assert_true (cg_future_return_int (lv->level, lv->depth, NULL));
  g_object_unref (lv->level);
  g_free (lv);
}

/* A done callback added in the level's callback: runs in its context. */
static void
level_child_done (CgFuture *child,
                  gpointer  user_data)
{
  level_finish (user_data);
}

static void
level_acquired (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  Level *lv = user_data;
  Nest *n = lv->n;
  GError *error = NULL;

  if (!cg_async_lock_acquire_finish (n->lock, result, &error))
    {
      g_printerr ("level %u: acquire failed: %s\n", lv->depth, error->message);
      g_clear_error (&error);
      n->errors++;
      g_assert_true (cg_future_return_int (lv->level, 0, NULL));
      g_object_unref (lv->level);
      g_free (lv);
      return;
    }

  n->counts[lv->depth] = cg_async_lock_get_count (n->lock);
  n->in_context[lv->depth] = cg_async_lock_is_in_context (n->lock);
  n->reached = MAX (n->reached, (gint) lv->depth);

  if (lv->depth < NEST_DEPTH)
    {
      LevelArgs *args = g_new0 (LevelArgs, 1);
      CgFuture *child;

      args->n = n;
      args->depth = lv->depth + 1;
      child = cg_caller_call_soon (n->caller, level_job, args, g_free, &error);
      g_assert_no_error (error);
      cg_future_add_done_callback (child, level_child_done, lv, NULL);
      g_object_unref (child);
    }
  else
    {
      level_finish (lv);
    }
}

static void
level_job (CgFuture *future,
           gpointer  user_data)
{
  LevelArgs *args = user_data;
  Level *lv = g_new0 (Level, 1);
  GError *error = NULL;

  lv->n = args->n;
  lv->depth = args->depth;
  lv->level = cg_future_new ();
  cg_async_lock_acquire_async (lv->n->lock, NULL, level_acquired, lv);
  g_assert_true (cg_future_return_future (future, lv->level, &error));
  g_assert_no_error (error);
}

static void
test_reentrant_nesting (void)
{
  Nest n = { 0 };
  LevelArgs *args = g_new0 (LevelArgs, 1);
  CgFuture *top;
  GError *error = NULL;

  n.lock = new_lock (TRUE);
  n.caller = cg_test_main_caller ();
  args->n = &n;
  args->depth = 1;
  top = cg_caller_call_soon (n.caller, level_job, args, g_free, &error);
  g_assert_no_error (error);

  CG_TEST_ITERATE_UNTIL (MAIN_CTX, cg_future_is_done (top));
  g_assert_true (cg_future_check (top, &error));
  g_assert_no_error (error);
  g_assert_cmpint (n.errors, ==, 0);
  g_assert_cmpint (n.reached, ==, NEST_DEPTH);
  for (guint d = 1; d <= NEST_DEPTH; d++)
    {
      g_assert_cmpuint (n.counts[d], ==, d);
      g_assert_true (n.in_context[d]);
    }
  g_assert_cmpuint (cg_async_lock_get_count (n.lock), ==, 0);
  g_assert_false (cg_async_lock_is_in_context (n.lock));

  g_object_unref (top);
  free_lock (n.lock);
}

/* ------------------------------------------------------------------ */
/* Reentrant: the holder's children enter while it holds the lock      */
/* ------------------------------------------------------------------ */

#define MAX_KIDS 2

typedef enum
{
  KIDS_CALL_SOON_AND_LATER,
  KIDS_TO_THREAD,
} KidsMode;

typedef struct
{
  CgAsyncLock *lock;
  KidsMode     mode;
  CgCaller    *worker;
  guint        n_kids;
  gint         remaining;          /* atomic: children not done */
  gint         kids_in;            /* atomic */
  gint         kids_released;      /* atomic */
  gint         holder_released;    /* atomic */
  gint         errors;             /* atomic */
  guint        kid_counts[MAX_KIDS];
  gboolean     kid_in_context[MAX_KIDS];
  GThread     *kid_threads[MAX_KIDS];
  CgContext   *outsider_ctx;
  Acq          outsider;
  gint         outsider_saw_holder_released;
  gint         outsider_saw_kids_released;
} Kids;

typedef struct
{
  Kids     *k;
  guint     index;
  CgFuture *done;
} Kid;

static void
kid_acquired (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Kid *kid = user_data;
  Kids *k = kid->k;
  GError *error = NULL;

  if (!cg_async_lock_acquire_finish (k->lock, result, &error))
    {
      g_printerr ("kid %u: acquire failed: %s\n", kid->index, error->message);
      g_clear_error (&error);
      g_atomic_int_inc (&k->errors);
    }
  else
    {
      /* in while the holder still holds it */
      if (g_atomic_int_get (&k->holder_released))
        g_atomic_int_inc (&k->errors);
      k->kid_counts[kid->index] = cg_async_lock_get_count (k->lock);
      k->kid_in_context[kid->index] = cg_async_lock_is_in_context (k->lock);
      k->kid_threads[kid->index] = g_thread_self ();
      g_atomic_int_inc (&k->kids_in);
      if (!cg_async_lock_release (k->lock, &error))
        {
          g_printerr ("kid %u: release failed: %s\n", kid->index, error->message);
          g_clear_error (&error);
          g_atomic_int_inc (&k->errors);
        }
      g_atomic_int_inc (&k->kids_released);
    }

  g_assert_true (cg_future_return_int (kid->done, 1, NULL));
  g_object_unref (kid->done);
  g_free (kid);
}

static void
kid_job (CgFuture *future,
         gpointer  user_data)
{
  Kid *kid = g_new0 (Kid, 1);
  GError *error = NULL;

  *kid = *(Kid *) user_data;
  kid->done = cg_future_new ();
  cg_async_lock_acquire_async (kid->k->lock, NULL, kid_acquired, kid);
  g_assert_true (cg_future_return_future (future, kid->done, &error));
  g_assert_no_error (error);
}

static Kid *
kid_args (Kids  *k,
          guint  index)
{
  Kid *kid = g_new0 (Kid, 1);

  kid->k = k;
  kid->index = index;
  return kid;
}

/* Added in the holder's acquisition callback, so it runs in (a copy of)
 * the holder's context, on whichever thread the child's future belongs. */
static void
holder_kid_done (CgFuture *child,
                 gpointer  user_data)
{
  Kids *k = user_data;
  GError *error = NULL;

  if (!g_atomic_int_dec_and_test (&k->remaining))
    return;
  /* set first: the release may hand the lock over to another thread's
   * waiter, which may run before release returns here */
  g_atomic_int_set (&k->holder_released, 1);
  if (!cg_async_lock_release (k->lock, &error))
    {
      g_printerr ("holder: release failed: %s\n", error->message);
      g_clear_error (&error);
      g_atomic_int_inc (&k->errors);
    }
}

static void
outsider_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  Kids *k = user_data;

  k->outsider_saw_holder_released = g_atomic_int_get (&k->holder_released);
  k->outsider_saw_kids_released = g_atomic_int_get (&k->kids_released);
  acq_cb (source, result, &k->outsider);
}

static void
outsider_acquire (gpointer user_data)
{
  Kids *k = user_data;

  cg_async_lock_acquire_async (k->lock, NULL, outsider_cb, k);
}

static void
holder_acquired (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Kids *k = user_data;
  GError *error = NULL;
  CgFuture *kids[MAX_KIDS] = { NULL, };

  g_assert_true (cg_async_lock_acquire_finish (k->lock, result, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (cg_async_lock_get_count (k->lock), ==, 1);

  /* another context queues for the lock first */
  g_assert_true (cg_context_run (k->outsider_ctx, outsider_acquire, k, &error));
  g_assert_no_error (error);

  /* then the holder's children ask for it: they copy its context */
  switch (k->mode)
    {
    case KIDS_CALL_SOON_AND_LATER:
      k->n_kids = 2;
      g_atomic_int_set (&k->remaining, 2);
      kids[0] = cg_caller_call_soon (k->worker, kid_job, kid_args (k, 0), g_free, &error);
      g_assert_no_error (error);
      kids[1] = cg_caller_call_later (cg_test_main_caller (), 0.001, kid_job, kid_args (k, 1),
                                      g_free, &error);
      g_assert_no_error (error);
      break;
    case KIDS_TO_THREAD:
      k->n_kids = 1;
      g_atomic_int_set (&k->remaining, 1);
      kids[0] = cg_caller_to_thread (kid_job, kid_args (k, 0), g_free, &error);
      g_assert_no_error (error);
      g_assert_nonnull (kids[0]);
      break;
    default:
      g_assert_not_reached ();
    }

  for (guint i = 0; i < k->n_kids; i++)
    {
      cg_future_add_done_callback (kids[i], holder_kid_done, k, NULL);
      g_object_unref (kids[i]);
    }
}

static void
holder_job (CgFuture *future,
            gpointer  user_data)
{
  Kids *k = user_data;

  cg_async_lock_acquire_async (k->lock, NULL, holder_acquired, k);
}

static void
check_kids (KidsMode mode)
{
  Kids k = { 0 };
  CgFuture *holder;
  GError *error = NULL;

  g_test_queue_destroy (cg_test_stop_unprotected, NULL);
  k.lock = new_lock (TRUE);
  k.mode = mode;
  k.outsider_ctx = cg_context_new ();
  if (mode == KIDS_CALL_SOON_AND_LATER)
    k.worker = start_new_ok ("lock-kids");

  holder = cg_caller_call_soon (cg_test_main_caller (), holder_job, &k, NULL, &error);
  g_assert_no_error (error);

  CG_TEST_ITERATE_UNTIL (MAIN_CTX, g_atomic_int_get (&k.outsider.calls));
  g_assert_cmpint (g_atomic_int_get (&k.errors), ==, 0);
  g_assert_cmpint (g_atomic_int_get (&k.kids_in), ==, k.n_kids);
  for (guint i = 0; i < k.n_kids; i++)
    {
      /* the holder and at least this child were in */
      g_assert_cmpuint (k.kid_counts[i], >=, 2);
      g_assert_true (k.kid_in_context[i]);
    }
  if (mode == KIDS_CALL_SOON_AND_LATER)
    {
      g_assert_true (k.kid_threads[0] == cg_caller_get_thread (k.worker));
      g_assert_true (k.kid_threads[1] == g_thread_self ());
    }
  else
    {
      g_assert_true (k.kid_threads[0] != g_thread_self ());
    }

  /* the outsider, queued before the children, got in only after them
   * and after the holder */
  g_assert_true (k.outsider.ok);
  g_assert_cmpuint (k.outsider.count_seen, ==, 1);
  g_assert_true (k.outsider.in_context);
  g_assert_true (k.outsider_saw_holder_released);
  g_assert_cmpint (k.outsider_saw_kids_released, ==, k.n_kids);
  g_assert_true (release_in_context (k.outsider_ctx, k.lock, &error));
  g_assert_no_error (error);

  CG_TEST_ITERATE_UNTIL (MAIN_CTX, cg_future_is_done (holder));
  g_object_unref (holder);
  acq_clear (&k.outsider);
  cg_context_unref (k.outsider_ctx);
  if (k.worker != NULL)
    stop_caller (k.worker);
  cg_caller_stop_all (FALSE);
  free_lock (k.lock);
}

static void
test_reentrant_kids_call_soon (void)
{
  check_kids (KIDS_CALL_SOON_AND_LATER);
}

static void
noop_job (CgFuture *future,
          gpointer  user_data)
{
}

static void
test_reentrant_kids_to_thread (void)
{
  CgFuture *probe;
  GError *error = NULL;

  if (cg_caller_to_thread == NULL)
    {
      g_test_skip ("cg_caller_to_thread() is not implemented yet");
      return;
    }

  g_test_queue_destroy (cg_test_stop_unprotected, NULL);
  probe = cg_caller_to_thread (noop_job, NULL, NULL, &error);
  if (probe == NULL)
    {
      g_test_skip_printf ("cg_caller_to_thread() does not work yet: %s",
                          error != NULL ? error->message : "(no error)");
      g_clear_error (&error);
      return;
    }
  g_assert_true (cg_future_wait_sync (probe, CG_TEST_TIMEOUT_S, CG_WAIT_FLAGS_NO_RESULT,
                                      NULL, &error));
  g_assert_no_error (error);
  g_object_unref (probe);

  check_kids (KIDS_TO_THREAD);
}

/* ------------------------------------------------------------------ */
/* Reentrant: the waiters of one context get in together               */
/* ------------------------------------------------------------------ */

static void
test_reentrant_same_context_waiters (void)
{
  CgAsyncLock *lock = new_lock (TRUE);
  CgContext *holder = cg_context_new ();
  CgContext *group = cg_context_new ();
  CgContext *other = cg_context_new ();
  Acq h = { 0 }, g[10], o = { 0 };
  GError *error = NULL;

  memset (g, 0, sizeof g);
  acquire_in_context (holder, lock, NULL, &h);
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, g_atomic_int_get (&h.calls));
  g_assert_true (h.ok);

  /* five of the group, one of another context, five more of the group */
  acquire_in_context_n (group, lock, NULL, &g[0], 5);
  acquire_in_context (other, lock, NULL, &o);
  acquire_in_context_n (group, lock, NULL, &g[5], 5);
  cg_test_drain (MAIN_CTX);
  for (guint i = 0; i < G_N_ELEMENTS (g); i++)
    g_assert_false (g_atomic_int_get (&g[i].calls));
  g_assert_cmpuint (cg_async_lock_get_count (lock), ==, 1);

  /* the hand-off admits the whole group at once */
  g_assert_true (release_in_context (holder, lock, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (cg_async_lock_get_count (lock), ==, 10);
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, ({
    gboolean all = TRUE;
    for (guint i = 0; i < G_N_ELEMENTS (g); i++)
      all = all && g_atomic_int_get (&g[i].calls);
    all;
  }));
  for (guint i = 0; i < G_N_ELEMENTS (g); i++)
    {
      g_assert_true (g[i].ok);
      g_assert_true (g[i].in_context);
      g_assert_cmpuint (g[i].count_seen, ==, 10);
    }
  g_assert_false (g_atomic_int_get (&o.calls));
  g_assert_true (is_in_context_of (group, lock));
  g_assert_false (is_in_context_of (other, lock));

  /* the other context waits until the group gave back all ten */
  for (guint i = 0; i < 9; i++)
    {
      g_assert_true (release_in_context (group, lock, &error));
      g_assert_no_error (error);
    }
  cg_test_drain (MAIN_CTX);
  g_assert_cmpuint (cg_async_lock_get_count (lock), ==, 1);
  g_assert_false (g_atomic_int_get (&o.calls));
  g_assert_true (release_in_context (group, lock, &error));
  g_assert_no_error (error);
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, g_atomic_int_get (&o.calls));
  g_assert_true (o.ok);
  g_assert_cmpuint (o.count_seen, ==, 1);
  g_assert_true (o.in_context);
  g_assert_true (release_in_context (other, lock, &error));
  g_assert_no_error (error);

  for (guint i = 0; i < G_N_ELEMENTS (g); i++)
    acq_clear (&g[i]);
  acq_clear (&h);
  acq_clear (&o);
  cg_context_unref (holder);
  cg_context_unref (group);
  cg_context_unref (other);
  free_lock (lock);
}

/* ------------------------------------------------------------------ */
/* A waiter whose caller stops                                         */
/* ------------------------------------------------------------------ */

typedef struct
{
  CgAsyncLock *lock;
  Acq         *acq;
  GThread     *thread;   /* the job's thread */
  gint         asked;    /* atomic */
} AskJob;

static void
ask_job (CgFuture *future,
         gpointer  user_data)
{
  AskJob *job = user_data;

  job->thread = g_thread_self ();
  cg_async_lock_acquire_async (job->lock, NULL, acq_cb, job->acq);
  g_atomic_int_set (&job->asked, 1);
}

static void
ask_on (CgCaller *caller,
        AskJob   *job)
{
  GError *error = NULL;
  CgFuture *future = cg_caller_call_soon (caller, ask_job, job, NULL, &error);

  g_assert_no_error (error);
  g_object_unref (future);
  CG_TEST_POLL_UNTIL (g_atomic_int_get (&job->asked));
}

/* A caller stops while its thread waits for the lock: that waiter is
 * answered with CG_CALLER_ERROR_CLOSED on its thread, once, and leaves the
 * queue; the next release hands the lock to the waiter behind it. */
static void
check_stopped_waiter (gboolean reentrant)
{
  CgAsyncLock *lock = new_lock (reentrant);
  CgContext *holder = cg_context_new ();
  CgCaller *first = start_new_ok ("lock-stopped-first");
  CgCaller *second = start_new_ok ("lock-stopped-second");
  Acq h = { 0 }, a1 = { 0 }, a2 = { 0 };
  AskJob j1 = { lock, &a1, NULL, 0 }, j2 = { lock, &a2, NULL, 0 };
  GError *error = NULL;

  g_test_queue_destroy (cg_test_stop_unprotected, NULL);
  acquire_in_context (holder, lock, NULL, &h);
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, g_atomic_int_get (&h.calls));
  g_assert_true (h.ok);

  a2.release = TRUE;
  ask_on (first, &j1);
  ask_on (second, &j2);
  g_assert_false (g_atomic_int_get (&a1.calls));
  g_assert_false (g_atomic_int_get (&a2.calls));

  stop_caller (first);
  CG_TEST_POLL_UNTIL (g_atomic_int_get (&a1.calls));
  g_assert_false (a1.ok);
  g_assert_error (a1.error, CG_CALLER_ERROR, CG_CALLER_ERROR_CLOSED);
  g_assert_true (a1.thread == j1.thread);
  g_assert_cmpuint (cg_async_lock_get_count (lock), ==, 1);
  g_assert_false (g_atomic_int_get (&a2.calls));

  g_assert_true (release_in_context (holder, lock, &error));
  g_assert_no_error (error);
  CG_TEST_POLL_UNTIL (g_atomic_int_get (&a2.calls));
  g_assert_true (a2.ok);
  g_assert_true (a2.released_ok);
  g_assert_true (a2.thread == j2.thread);
  g_assert_cmpuint (a2.count_seen, ==, 1);
  g_assert_cmpuint (g_atomic_int_get (&a1.calls), ==, 1);

  stop_caller (second);
  acq_clear (&h);
  acq_clear (&a1);
  acq_clear (&a2);
  cg_context_unref (holder);
  free_lock (lock);
}

static void
test_mutex_stopped_waiter (void)
{
  check_stopped_waiter (FALSE);
}

static void
test_reentrant_stopped_waiter (void)
{
  check_stopped_waiter (TRUE);
}

/* ------------------------------------------------------------------ */
/* A waiter's record is reused: an old cancellable has no hold on it   */
/* ------------------------------------------------------------------ */

/* A thread reuses the record of its last answered waiter for its next
 * one; cancelling the cancellable of an acquisition that was answered
 * must not touch the waiter that now lives in its record. */
static void
test_mutex_recycled_waiter (void)
{
  CgAsyncLock *lock = new_lock (FALSE);
  CgContext *holder = cg_context_new ();
  CgContext *first = cg_context_new ();
  CgContext *second = cg_context_new ();
  GCancellable *cancellable = g_cancellable_new ();
  Acq h = { 0 }, h2 = { 0 }, w1 = { 0 }, w2 = { 0 };
  GError *error = NULL;

  acquire_in_context (holder, lock, NULL, &h);
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, g_atomic_int_get (&h.calls));
  w1.release = TRUE;
  acquire_in_context (first, lock, cancellable, &w1);
  cg_test_drain (MAIN_CTX);
  g_assert_true (release_in_context (holder, lock, &error));
  g_assert_no_error (error);
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, g_atomic_int_get (&w1.calls));
  g_assert_true (w1.ok);
  g_assert_true (w1.released_ok);

  /* the holder again, and a waiter behind it without a cancellable */
  acquire_in_context (holder, lock, NULL, &h2);
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, g_atomic_int_get (&h2.calls));
  g_assert_true (h2.ok);
  acquire_in_context (second, lock, NULL, &w2);
  g_cancellable_cancel (cancellable);
  cg_test_drain (MAIN_CTX);
  g_assert_false (g_atomic_int_get (&w2.calls));
  g_assert_cmpuint (cg_async_lock_get_count (lock), ==, 1);

  g_assert_true (release_in_context (holder, lock, &error));
  g_assert_no_error (error);
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, g_atomic_int_get (&w2.calls));
  g_assert_true (w2.ok);
  g_assert_no_error (w2.error);
  g_assert_true (release_in_context (second, lock, &error));
  g_assert_no_error (error);

  acq_clear (&h);
  acq_clear (&h2);
  acq_clear (&w1);
  acq_clear (&w2);
  g_object_unref (cancellable);
  cg_context_unref (holder);
  cg_context_unref (first);
  cg_context_unref (second);
  free_lock (lock);
}

/* ------------------------------------------------------------------ */
/* Many hand-offs between threads                                      */
/* ------------------------------------------------------------------ */

#define CHURN_THREADS 4
#define CHURN_ROUNDS 400

typedef struct
{
  CgAsyncLock *lock;
  gint         inside;     /* atomic */
  gint         overlaps;   /* atomic */
  gint         granted;    /* atomic */
  gint         refused;    /* atomic: cancelled acquisitions */
  gint         errors;     /* atomic */
  gint         finished;   /* atomic: contenders done */
} Churn;

typedef struct
{
  Churn        *churn;
  guint         asked;
  guint         answered;
  GCancellable *cancellable;
} Churner;

static void churn_ask (Churner *k);

static void
churn_acquired (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  Churner *k = user_data;
  Churn *c = k->churn;
  GError *error = NULL;

  k->answered++;
  if (k->answered != k->asked)
    g_atomic_int_inc (&c->errors);
  if (cg_async_lock_acquire_finish (c->lock, result, &error))
    {
      if (g_atomic_int_add (&c->inside, 1) != 0)
        g_atomic_int_inc (&c->overlaps);
      if (!cg_async_lock_is_in_context (c->lock) || cg_async_lock_get_count (c->lock) != 1)
        g_atomic_int_inc (&c->errors);
      g_atomic_int_inc (&c->granted);
      g_atomic_int_add (&c->inside, -1);
      if (!cg_async_lock_release (c->lock, NULL))
        g_atomic_int_inc (&c->errors);
    }
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_atomic_int_inc (&c->refused);
      g_clear_error (&error);
    }
  else
    {
      g_printerr ("churn: %s\n", error->message);
      g_atomic_int_inc (&c->errors);
      g_clear_error (&error);
    }
  g_clear_object (&k->cancellable);

  if (k->asked < CHURN_ROUNDS)
    churn_ask (k);
  else
    g_atomic_int_inc (&c->finished);
}

/* Every fifth acquisition is cancelled as soon as it is made: it is
 * either granted first or refused, and answered once either way. */
static void
churn_ask (Churner *k)
{
  k->asked++;
  if (k->asked % 5 == 0)
    k->cancellable = g_cancellable_new ();
  cg_async_lock_acquire_async (k->churn->lock, k->cancellable, churn_acquired, k);
  if (k->cancellable != NULL)
    g_cancellable_cancel (k->cancellable);
}

static void
churn_job (CgFuture *future,
           gpointer  user_data)
{
  churn_ask (user_data);
}

static void
check_churn (gboolean reentrant)
{
  Churn c = { 0 };
  Churner k[CHURN_THREADS];
  CgCaller *workers[CHURN_THREADS];
  GError *error = NULL;

  g_test_queue_destroy (cg_test_stop_unprotected, NULL);
  c.lock = new_lock (reentrant);
  memset (k, 0, sizeof k);
  for (guint i = 0; i < CHURN_THREADS; i++)
    {
      char *name = g_strdup_printf ("lock-churn-%u", i);

      workers[i] = start_new_ok (name);
      g_free (name);
      k[i].churn = &c;
    }
  for (guint i = 0; i < CHURN_THREADS; i++)
    {
      CgFuture *job = cg_caller_call_soon (workers[i], churn_job, &k[i], NULL, &error);

      g_assert_no_error (error);
      g_object_unref (job);
    }

  CG_TEST_POLL_UNTIL (g_atomic_int_get (&c.finished) == CHURN_THREADS);
  g_assert_cmpint (g_atomic_int_get (&c.errors), ==, 0);
  g_assert_cmpint (g_atomic_int_get (&c.overlaps), ==, 0);
  g_assert_cmpint (g_atomic_int_get (&c.granted) + g_atomic_int_get (&c.refused), ==,
                   CHURN_THREADS * CHURN_ROUNDS);
  g_assert_cmpint (g_atomic_int_get (&c.granted), >=, CHURN_THREADS * CHURN_ROUNDS * 4 / 5);
  g_assert_cmpuint (cg_async_lock_get_count (c.lock), ==, 0);

  for (guint i = 0; i < CHURN_THREADS; i++)
    {
      g_assert_cmpuint (k[i].answered, ==, CHURN_ROUNDS);
      stop_caller (workers[i]);
    }
  free_lock (c.lock);
}

static void
test_mutex_churn (void)
{
  check_churn (FALSE);
}

static void
test_reentrant_churn (void)
{
  check_churn (TRUE);
}

/* ------------------------------------------------------------------ */
/* A thread without a caller                                           */
/* ------------------------------------------------------------------ */

typedef struct
{
  CgAsyncLock  *lock;
  Acq           granted;
  Acq           cancelled;
  GCancellable *cancellable;
  gint          asked;     /* atomic */
  gint          go;        /* atomic: the main thread released */
  GThread      *thread;
} Plain;

/* Runs on a thread of its own, whose thread-default context no caller
 * runs: the answers come through that context. */
static gpointer
plain_thread (gpointer user_data)
{
  Plain *p = user_data;
  GMainContext *context = g_main_context_get_thread_default ();

  p->thread = g_thread_self ();
  p->granted.release = TRUE;
  cg_async_lock_acquire_async (p->lock, NULL, acq_cb, &p->granted);
  cg_async_lock_acquire_async (p->lock, p->cancellable, acq_cb, &p->cancelled);
  /* Cancelled here, on the thread of its source: GLib 2.74 leaks a
   * cancellable source that another thread disposes of while
   * g_cancellable_cancel() still runs. */
  g_cancellable_cancel (p->cancellable);
  g_atomic_int_set (&p->asked, 1);

  CG_TEST_ITERATE_UNTIL (context, g_atomic_int_get (&p->cancelled.calls));
  CG_TEST_ITERATE_UNTIL (context, g_atomic_int_get (&p->granted.calls));
  return NULL;
}

static void
test_thread_without_caller (void)
{
  Plain p = { 0 };
  CgContext *holder = cg_context_new ();
  Acq h = { 0 };
  GThread *thread;
  GError *error = NULL;

  p.lock = new_lock (FALSE);
  p.cancellable = g_cancellable_new ();
  acquire_in_context (holder, p.lock, NULL, &h);
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, g_atomic_int_get (&h.calls));

  thread = cg_test_thread_new_with_context ("lock-plain", plain_thread, &p);
  CG_TEST_POLL_UNTIL (g_atomic_int_get (&p.asked));
  CG_TEST_POLL_UNTIL (g_atomic_int_get (&p.cancelled.calls));
  g_assert_false (g_atomic_int_get (&p.granted.calls));
  g_assert_true (release_in_context (holder, p.lock, &error));
  g_assert_no_error (error);
  g_thread_join (thread);

  g_assert_true (p.granted.ok);
  g_assert_true (p.granted.released_ok);
  g_assert_true (p.granted.thread == p.thread);
  g_assert_false (p.cancelled.ok);
  g_assert_error (p.cancelled.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_true (p.cancelled.thread == p.thread);

  acq_clear (&h);
  acq_clear (&p.granted);
  acq_clear (&p.cancelled);
  g_object_unref (p.cancellable);
  cg_context_unref (holder);
  free_lock (p.lock);
}

/* The test program's argv, kept reachable for leak checkers. */
static char **volatile test_argv;

/* ------------------------------------------------------------------ */
/* Locks used outside any job                                          */
/* ------------------------------------------------------------------ */

/* Locks acquired and released by the thread's own context, outside any
 * job (as a GTK main loop does), leave nothing behind in that context once
 * they are freed: it does not grow with the number of locks ever used. */
static void
test_base_context_forgets_locks (void)
{
  guint after_first = 0;

  for (guint i = 0; i < 200; i++)
    {
      CgAsyncLock *lock = i % 2 == 0 ? cg_async_lock_new ()
                                     : CG_ASYNC_LOCK (cg_reentrant_async_lock_new ());
      Acq acq = { 0 };
      gint finalized = 0;

      acq.release = TRUE;
      g_object_weak_ref (G_OBJECT (lock), cg_test_finalized_cb, &finalized);
      cg_async_lock_acquire_async (lock, NULL, acq_cb, &acq);
      CG_TEST_ITERATE_UNTIL (MAIN_CTX, g_atomic_int_get (&acq.calls) == 1);
      g_assert_true (acq.ok);
      g_assert_true (acq.released_ok);
      g_object_unref (lock);
      CG_TEST_ITERATE_UNTIL (MAIN_CTX, g_atomic_int_get (&finalized));
      acq_clear (&acq);

      if (i == 0)
        after_first = _cg_context_count_current_entries ();
    }

  /* The first lock named this context with a variable of its own. */
  g_assert_cmpuint (after_first, ==, 1);
  g_assert_cmpuint (_cg_context_count_current_entries (), <=, after_first);
}

/* ------------------------------------------------------------------ */
/* Guards                                                              */
/* ------------------------------------------------------------------ */

typedef struct
{
  CgAsyncLock      *lock;
  CgAsyncLockGuard *guard;
  GError           *error;
  gint              calls;   /* atomic, set last */
} Guarded;

static void
guarded_ready (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  Guarded *guarded = user_data;

  guarded->guard = cg_async_lock_acquire_guarded_finish (CG_ASYNC_LOCK (source), result,
                                                         &guarded->error);
  g_atomic_int_set (&guarded->calls, 1);
}

/* Two guarded acquisitions from one context (two coroutines of one main
 * loop): the second waits for the first instead of failing, and a guard
 * gives the lock back from any context, once, when released or dropped. */
static void
test_guard_siblings_wait (void)
{
  g_autoptr(CgAsyncLock) lock = new_lock (FALSE);
  Guarded first = { 0 }, second = { 0 };
  GError *error = NULL;

  cg_async_lock_acquire_guarded_async (lock, NULL, guarded_ready, &first);
  cg_async_lock_acquire_guarded_async (lock, NULL, guarded_ready, &second);
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, g_atomic_int_get (&first.calls));
  g_assert_no_error (first.error);
  g_assert_nonnull (first.guard);
  g_assert_true (cg_async_lock_guard_get_lock (first.guard) == lock);
  /* a second reference keeps it held; dropping that one gives nothing back */
  cg_async_lock_guard_unref (cg_async_lock_guard_ref (first.guard));
  g_assert_cmpuint (cg_async_lock_get_count (lock), ==, 1);
  g_assert_cmpuint (cg_async_lock_get_count (lock), ==, 1);
  /* the guard is a context of its own: the thread's context does not hold it */
  g_assert_false (cg_async_lock_is_in_context (lock));

  /* the second waits, it does not fail */
  for (guint i = 0; i < 5; i++)
    g_main_context_iteration (MAIN_CTX, FALSE);
  g_assert_cmpint (g_atomic_int_get (&second.calls), ==, 0);

  g_assert_true (cg_async_lock_guard_release (first.guard, &error));
  g_assert_no_error (error);
  g_assert_true (cg_async_lock_guard_release (first.guard, &error));  /* again: nothing */
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, g_atomic_int_get (&second.calls));
  g_assert_no_error (second.error);
  g_assert_nonnull (second.guard);
  g_assert_cmpuint (cg_async_lock_get_count (lock), ==, 1);

  /* dropping the last reference gives it back */
  g_clear_pointer (&second.guard, cg_async_lock_guard_unref);
  g_assert_cmpuint (cg_async_lock_get_count (lock), ==, 0);
  cg_async_lock_guard_unref (first.guard);
  g_assert_cmpuint (cg_async_lock_get_count (lock), ==, 0);
}

/* A context that holds a reentrant lock enters it again through a guard;
 * the lock is free once both are given back. */
static void
guard_in_context_start (gpointer user_data)
{
  Guarded *guarded = user_data;

  cg_async_lock_acquire_guarded_async (guarded->lock, NULL, guarded_ready, guarded);
}

static void
test_guard_reentrant_holder (void)
{
  g_autoptr(CgAsyncLock) lock = new_lock (TRUE);
  CgContext *ctx = cg_context_new ();
  Acq held = { 0 };
  Guarded inner = { lock, NULL, NULL, 0 };
  GError *error = NULL;

  acquire_in_context (ctx, lock, NULL, &held);
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, g_atomic_int_get (&held.calls));
  g_assert_true (held.ok);

  g_assert_true (cg_context_run (ctx, guard_in_context_start, &inner, &error));
  g_assert_no_error (error);
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, g_atomic_int_get (&inner.calls));
  g_assert_no_error (inner.error);
  g_assert_cmpuint (cg_async_lock_get_count (lock), ==, 2);

  g_clear_pointer (&inner.guard, cg_async_lock_guard_unref);
  g_assert_cmpuint (cg_async_lock_get_count (lock), ==, 1);
  g_assert_true (release_in_context (ctx, lock, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (cg_async_lock_get_count (lock), ==, 0);
  acq_clear (&held);
  cg_context_unref (ctx);
}

int
main (int    argc,
      char **argv)
{
  cg_test_init (&argc, &argv);
  test_argv = argv;
  cg_test_main_caller ();

  cg_test_add ("/lock/mutex/contention/one-thread", test_mutex_contention_one_thread);
  cg_test_add ("/lock/mutex/contention/threads", test_mutex_contention_threads);
  cg_test_add ("/lock/mutex/contention/siblings", test_mutex_siblings_contend);
  cg_test_add ("/lock/mutex/not-reentrant", test_mutex_not_reentrant);
  cg_test_add ("/lock/guard/siblings-wait", test_guard_siblings_wait);
  cg_test_add ("/lock/guard/reentrant-holder", test_guard_reentrant_holder);
  cg_test_add ("/lock/mutex/cancel-waiter", test_mutex_cancel_waiter);
  cg_test_add ("/lock/mutex/release-not-held", test_mutex_release_not_held);
  cg_test_add ("/lock/mutex/kept-result", test_mutex_kept_result);
  cg_test_add ("/lock/mutex/pending-acquisition-keeps-the-lock",
               test_mutex_pending_acquisition_keeps_the_lock);
  cg_test_add ("/lock/mutex/fifo", test_mutex_fifo);
  cg_test_add ("/lock/mutex/stopped-waiter", test_mutex_stopped_waiter);
  cg_test_add ("/lock/mutex/recycled-waiter", test_mutex_recycled_waiter);
  cg_test_add ("/lock/mutex/churn", test_mutex_churn);

  cg_test_add ("/lock/reentrant/reenter", test_reentrant_reenter);
  cg_test_add ("/lock/reentrant/nesting", test_reentrant_nesting);
  cg_test_add ("/lock/reentrant/spawned-job-keeps-its-holding",
               test_reentrant_spawned_job_keeps_its_holding);
  cg_test_add ("/lock/reentrant/children/call-soon", test_reentrant_kids_call_soon);
  /* without cg_caller_to_thread() at all, skip in this process so that
   * the skip shows in the results */
  if (cg_caller_to_thread == NULL)
    g_test_add_func ("/lock/reentrant/children/to-thread", test_reentrant_kids_to_thread);
  else
    cg_test_add ("/lock/reentrant/children/to-thread", test_reentrant_kids_to_thread);
  cg_test_add ("/lock/reentrant/same-context-waiters", test_reentrant_same_context_waiters);
  cg_test_add ("/lock/reentrant/cancel-waiter", test_reentrant_cancel_waiter);
  cg_test_add ("/lock/reentrant/release-not-held", test_reentrant_release_not_held);
  cg_test_add ("/lock/reentrant/fifo", test_reentrant_fifo);
  cg_test_add ("/lock/reentrant/stopped-waiter", test_reentrant_stopped_waiter);
  cg_test_add ("/lock/reentrant/churn", test_reentrant_churn);
  cg_test_add ("/lock/thread-without-caller", test_thread_without_caller);
  cg_test_add ("/lock/base-context-forgets-locks", test_base_context_forgets_locks);

  return g_test_run ();
}
