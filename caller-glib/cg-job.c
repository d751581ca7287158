/* cg-job.c: running a job and telling its observers
 *
 * Copyright 2026 The caller-glib authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "cg-private.h"

#include "cg-context-private.h"
#include "cg-job-private.h"

static const CgJobRunnerFuncs *runner_funcs;
static CgJobUnownedCancelFunc unowned_cancel_func;
static const CgJobObserver *observers[8];
static guint n_observers;
static GMutex observers_lock;
static CG_THREAD_LOCAL CgFuture *current_job;

/* The job this thread ran last, with the reference its caller's inbox
 * held: kept until the thread runs its next job, or until it stops
 * looking for work (_cg_job_release_held()). The thread that submitted
 * the job has usually dropped its own reference by then, so its drop is
 * a plain decrement and the GObject teardown of the future (about a
 * thousand instructions) runs here, off the submitter's path. */
static CG_THREAD_LOCAL CgFuture *held_job;

static inline const CgJobRunnerFuncs *
runner (void)
{
  return g_atomic_pointer_get (&runner_funcs);
}

void
_cg_job_set_runner_funcs (const CgJobRunnerFuncs *funcs)
{
  g_atomic_pointer_set (&runner_funcs, funcs);
}

void
_cg_job_set_unowned_cancel_func (CgJobUnownedCancelFunc func)
{
  g_atomic_pointer_set (&unowned_cancel_func, func);
}

CgFuture *
_cg_job_current (void)
{
  return current_job;
}

/* On the owner thread: a cancelled job that waits for its deadline leaves
 * the timer heap now, and is dropped as a cancelled job is when its caller
 * reaches it: its data is freed and its future completes. */
typedef struct
{
  CgInboxNode  node;
  CgFuture    *job;
} CancelReach;

static void
cancel_reach_node_func (CgInboxNode *node,
                        CgCaller    *caller,
                        gboolean     run)
{
  CancelReach *reach = (CancelReach *) node;
  CgFuture *job = reach->job;

  if (!runner ()->drop_timer (caller, job) &&
      !(g_atomic_int_get (&job->state) & CG_FUTURE_RUNNING))
    _cg_future_settle (job);

  g_object_unref (job);
  g_free (reach);
}

/* A delayed job that has not started: its caller reaches it now rather
 * than at its deadline, so whoever waits for it is not kept waiting, and
 * drops it, so its data does not wait either. A job without a caller yet
 * goes to whoever keeps it (the pool's queue). */
static void
job_cancelled (CgFuture *job)
{
  CgCaller *caller = _cg_future_peek_owner_caller (job);
  CancelReach *reach;

  if (caller == NULL)
    {
      /* Not handed to a caller yet: whoever keeps it may drop it now. */
      CgJobUnownedCancelFunc func = g_atomic_pointer_get (&unowned_cancel_func);

      if (func != NULL)
        func (job);
      return;
    }
  if (!(g_atomic_int_get (&job->state) & CG_FUTURE_DELAYED))
    return;

  reach = g_new (CancelReach, 1);
  reach->node.next = NULL;
  reach->node.func = cancel_reach_node_func;
  reach->job = g_object_ref (job);
  if (!runner ()->post_node (caller, &reach->node))
    {
      g_object_unref (reach->job);
      g_free (reach);
    }
}

static void
job_chained (CgFuture *job)
{
  CgCaller *caller = _cg_future_peek_owner_caller (job);

  if (caller != NULL)
    runner ()->track_chained (caller, job);
}

static const CgFutureJobFuncs future_job_funcs = {
  _cg_job_current,
  job_cancelled,
  job_chained,
};

/* A job for @caller (NULL: a pool job, whose caller is set when a worker
 * takes it) running @func; its node, once posted, holds no reference:
 * the poster gives one. */
CgFuture *
_cg_job_new (CgCaller       *caller,
             CgJobFunc       func,
             gpointer        user_data,
             GDestroyNotify  destroy)
{
  static gsize funcs_set = 0;
  CgFuture *self;

  if (G_UNLIKELY (g_once_init_enter (&funcs_set)))
    {
      _cg_future_set_job_funcs (&future_job_funcs);
      g_once_init_leave (&funcs_set, 1);
    }

  self = _cg_future_new_for_caller (caller);
  g_atomic_int_or (&self->state, CG_FUTURE_HAS_JOB);
  self->node.func = _cg_job_node_func;
  self->func = func;
  self->func_data = user_data;
  self->func_destroy = destroy;

  return self;
}

/* Observers ------------------------------------------------------------ */

guint
_cg_job_add_observer (const CgJobObserver *observer)
{
  guint mark;

  _cg_mutex_lock (&observers_lock);
  g_assert (n_observers < G_N_ELEMENTS (observers));
  mark = n_observers;
  g_atomic_pointer_set (&observers[mark], observer);
  g_atomic_int_set (&n_observers, n_observers + 1);
  _cg_mutex_unlock (&observers_lock);

  return mark;
}

void
_cg_job_observe (CgFuture *job,
                 guint     mark)
{
  g_atomic_int_or (&job->state, 1 << (CG_FUTURE_JOB_BITS_SHIFT + mark));
}

gboolean
_cg_job_is_observed (CgFuture *job,
                     guint     mark)
{
  return (g_atomic_int_get (&job->state) & (1 << (CG_FUTURE_JOB_BITS_SHIFT + mark))) != 0;
}

/* Tells the observers that want to hear of every submission about @job,
 * on the submitting thread, before it is posted. */
void
_cg_job_announce (CgFuture *job)
{
  guint n = g_atomic_int_get (&n_observers);

  for (guint mark = 0; mark < n; mark++)
    {
      const CgJobObserver *observer = g_atomic_pointer_get (&observers[mark]);

      if (observer->submitted != NULL)
        observer->submitted (job);
    }
}

static void
tell_observers (CgFuture *job,
                gint      state,
                gboolean  started)
{
  guint marks = ((guint) state & CG_FUTURE_JOB_BITS_MASK) >> CG_FUTURE_JOB_BITS_SHIFT;

  for (guint mark = 0; marks != 0; mark++, marks >>= 1)
    {
      const CgJobObserver *observer;

      if (!(marks & 1))
        continue;
      observer = g_atomic_pointer_get (&observers[mark]);
      if (started && observer->started != NULL)
        observer->started (job);
      else if (!started && observer->returned != NULL)
        observer->returned (job);
    }
}

/* Contexts -------------------------------------------------------------- *
 *
 * Most jobs are submitted outside any context (cg-context.c) and run in an
 * empty one; the few that carry a copy of their submitter's context keep
 * it with their data, in a record that takes the data's place, so that
 * the future has no field for it. */

typedef struct
{
  gpointer        data;
  GDestroyNotify  destroy;
  CgContextMap   *context;
} ContextJob;

static void
context_job_free (gpointer user_data)
{
  ContextJob *wrapped = user_data;

  if (wrapped->destroy != NULL)
    wrapped->destroy (wrapped->data);
  _cg_context_map_unref (wrapped->context);
  g_free (wrapped);
}

void
_cg_job_set_context (CgFuture     *self,
                     CgContextMap *context)
{
  ContextJob *wrapped;

  if (context == NULL)
    return;

  wrapped = g_new (ContextJob, 1);
  wrapped->data = self->func_data;
  wrapped->destroy = self->func_destroy;
  wrapped->context = context;
  self->func_data = wrapped;
  self->func_destroy = context_job_free;
}

/* Running --------------------------------------------------------------- */

static void
drop_function (CgFuture *self)
{
  GDestroyNotify destroy = self->func_destroy;
  gpointer data = self->func_data;

  self->func = NULL;
  self->func_data = NULL;
  self->func_destroy = NULL;

  if (destroy != NULL)
    destroy (data);
}

void
_cg_job_keep_data (CgFuture *self)
{
  g_return_if_fail (self == current_job);

  if (self->func_destroy == context_job_free)
    ((ContextJob *) self->func_data)->destroy = NULL;
  else
    self->func_destroy = NULL;
}

/* Whether the job's future is done and its function not executing. */
gboolean
_cg_job_is_finished (CgFuture *self)
{
  return (g_atomic_int_get (&self->state) & (CG_FUTURE_DONE | CG_FUTURE_RUNNING)) == CG_FUTURE_DONE;
}

/* Completes a job's future as cancelled without touching its job: for a
 * job that returned a future, when its caller stops. A job still executing
 * is only cancelled; it completes when it returns (see run_job()). */
void
_cg_job_abandon (CgFuture   *self,
                 const char *reason)
{
  cg_future_cancel (self, reason);
  if (!(g_atomic_int_get (&self->state) & CG_FUTURE_RUNNING))
    _cg_future_settle (self);
}

/* Drops a job that will never run and completes its future as cancelled. */
void
_cg_job_discard (CgFuture   *self,
                 const char *reason)
{
  drop_function (self);
  if (!cg_future_is_done (self))
    {
      cg_future_cancel (self, reason);
      _cg_future_settle (self);
    }
}

static void
run_job (CgFuture *self,
         CgCaller *caller)
{
  CgFuture *previous = current_job;
  CgContextMap *none = NULL, **context = &none, *saved_context;
  gpointer data = self->func_data;
  gint state = g_atomic_int_get (&self->state);
  guint old;

  if (G_UNLIKELY (self->func_destroy == context_job_free))
    {
      ContextJob *wrapped = data;

      context = &wrapped->context;
      data = wrapped->data;
    }

  current_job = self;
  runner ()->enter (caller, self);
  if (G_UNLIKELY (state & CG_FUTURE_JOB_BITS_MASK))
    tell_observers (self, state, TRUE);
  saved_context = _cg_context_enter (context);

  self->func (self, data);

  _cg_context_leave (context, saved_context);
  _cg_context_map_unref (none); /* what the job set in an empty context */
  runner ()->leave (caller, self);
  current_job = previous;

  drop_function (self);

  old = g_atomic_int_and (&self->state, ~CG_FUTURE_RUNNING);
  if (G_UNLIKELY (old & CG_FUTURE_JOB_BITS_MASK))
    tell_observers (self, old, FALSE);
  /* Only now, with the library's own bookkeeping done (a pool worker is
   * free again, say), do waiters learn of what the job completed. */
  _cg_future_publish (self);
  /* A job that returned a future completes with it, unless its caller was
   * stopped meanwhile: what it waits for may need this caller, so the job
   * gives up as cancelled and cancels what it waits for, as the stop does
   * to the jobs it finds waiting (it may not find this one: the stop marks
   * the caller closed before it looks). */
  if (!(old & (CG_FUTURE_DONE | CG_FUTURE_DEFERRED)))
    {
      if (!(old & CG_FUTURE_CHAINED))
        _cg_future_settle (self);
      else if (runner ()->is_closed (caller))
        _cg_job_abandon (self, _("The caller was stopped"));
    }
}

/* Marks the job running, unless it is done or cancelled (FALSE then). */
static gboolean
mark_running (CgFuture *self)
{
  gint state = g_atomic_int_get (&self->state);
  gboolean ok;

  /* Usually without the future's lock: one compare-and-swap, which fails
   * if the lock is held or the state changed meanwhile, where taking the
   * lock would have waited or seen the change. */
  if (!(state & (CG_FUTURE_DONE | CG_FUTURE_CANCELLED | (1 << CG_FUTURE_LOCK_BIT))) &&
      g_atomic_int_compare_and_exchange (&self->state, state, state | CG_FUTURE_RUNNING))
    {
      _CG_TSAN_ACQUIRE (&self->state); /* as the lock would */
      return TRUE;
    }

  _cg_future_lock (self);
  state = g_atomic_int_get (&self->state);
  ok = !(state & (CG_FUTURE_DONE | CG_FUTURE_CANCELLED));
  if (ok)
    g_atomic_int_or (&self->state, CG_FUTURE_RUNNING);
  _cg_future_unlock (self);

  return ok;
}

/* The inbox function of a job: runs it on its caller's thread, or drops
 * it (@run FALSE: the caller is stopping). Takes the inbox's reference. */
void
_cg_job_node_func (CgInboxNode *node,
                   CgCaller    *caller,
                   gboolean     run)
{
  CgFuture *self = _cg_job_from_node (node), *previous;

  if (run && mark_running (self))
    run_job (self, caller);
  else if (run)
    _cg_job_discard (self, NULL);
  else
    _cg_job_discard (self, _("The caller was stopped before the job ran"));

  /* The reference the inbox held: kept until the next job. */
  previous = held_job;
  held_job = self;
  if (previous != NULL)
    g_object_unref (previous);
}

void
_cg_job_release_held (void)
{
  CgFuture *held = held_job;

  held_job = NULL;
  if (held != NULL)
    g_object_unref (held);
}

/* A cancellable given at submission ---------------------------------------- */

/* Cancelling it cancels the job; the link goes once the job is done. */
typedef struct
{
  GMutex        lock;
  CgFuture     *job;         /* under lock: no reference, NULL once done */
  gulong        handler;     /* under lock */
} CancelLink;

static void
cancel_link_clear (gpointer data)
{
  CancelLink *link = data;

  g_mutex_clear (&link->lock);
}

static void
cancel_link_release (gpointer data)
{
  _CG_TSAN_RELEASE (data);
  g_atomic_rc_box_release_full (data, cancel_link_clear);
}

static void
cancel_link_cancelled (GCancellable *cancellable,
                       gpointer      data)
{
  CancelLink *link = data;
  CgFuture *job;

  _cg_mutex_lock (&link->lock);
  job = link->job != NULL ? g_object_ref (link->job) : NULL;
  _cg_mutex_unlock (&link->lock);

  if (job != NULL)
    {
      cg_future_cancel (job, _("The job's cancellable was cancelled"));
      g_object_unref (job);
    }
}

static void
cancel_link_done (CgFuture *job,
                  gpointer  data)
{
  CancelLink *link = data;
  GCancellable *cancellable = cg_future_get_cancellable (job); /* the one given */
  gulong handler;

  _cg_mutex_lock (&link->lock);
  link->job = NULL;
  handler = link->handler;
  link->handler = 0;
  _cg_mutex_unlock (&link->lock);

  /* A cancelled cancellable never calls its handlers again (unless reset,
   * which finds the job gone): the handler's data goes with it. Not
   * disconnected then, since this may run inside that very handler. */
  if (handler != 0 && !g_cancellable_is_cancelled (cancellable))
    g_cancellable_disconnect (cancellable, handler);
}

/* Makes @cancellable the job's (cg_future_set_cancellable()) and cancels
 * the job when it is cancelled, now if it is already: before the job is
 * posted, so that the job cannot start without it. */
void
_cg_job_link_cancellable (CgFuture     *job,
                          GCancellable *cancellable)
{
  CancelLink *link = g_atomic_rc_box_new0 (CancelLink);
  gulong handler;

  g_mutex_init (&link->lock);
  link->job = job;
  cg_future_set_cancellable (job, cancellable, NULL);
  /* One reference for the hook, one for the handler. */
  _cg_future_add_hook (job, cancel_link_done, g_atomic_rc_box_acquire (link),
                       cancel_link_release);
  /* Cancelled already: the handler runs now and cancels the job. */
  handler = g_cancellable_connect (cancellable, G_CALLBACK (cancel_link_cancelled),
                                   link, cancel_link_release);
  _cg_mutex_lock (&link->lock);
  link->handler = handler;
  _cg_mutex_unlock (&link->lock);
}
