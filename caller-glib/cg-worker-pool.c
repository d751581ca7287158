/* cg-worker-pool.c: running jobs in pooled worker threads
 *
 * Copyright 2026 The caller-glib authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "cg-private.h"

#include "cg-caller-private.h"

/**
 * SECTION:cg-worker-pool
 * @title: Worker pool
 * @short_description: running blocking jobs in pooled worker threads
 *
 * cg_caller_to_thread() runs a job in a thread of its own, the C
 * counterpart of async_kernel's `Caller.to_thread()`. The threads are ordinary
 * #CgCaller workers, started with cg_caller_start_new() and named
 * `pool-1`, `pool-2` and so on; they show up in cg_caller_all_callers()
 * and are stopped by cg_caller_stop_all() like any other unprotected
 * caller. That stops the whole pool: once cg_caller_stop_all() returns, no
 * pool job submitted before it starts any more. The jobs waiting for a
 * worker are cancelled, so are the jobs submitted while it runs, and no
 * worker starts meanwhile; the pool serves the calls that come after it.
 *
 * A worker runs one pool job at a time. A job goes to an idle worker when
 * there is one; otherwise it waits in the pool's queue while a new worker
 * starts, so a burst of blocking jobs never waits behind one another, only
 * for threads to start. Workers start one at a time, and a worker that
 * finishes its job takes the next queued one: a burst of short jobs is
 * therefore served by the workers already there instead of a thread per
 * job. Once its job is done and nothing is queued, a worker goes back to
 * the idle pool while fewer than cg_caller_get_max_idle_pool_instances()
 * workers are idle or other pool jobs are still running (work is
 * outstanding), and stops otherwise (after the work already queued to it);
 * when the last pool job ends, the idle pool shrinks back to the limit. A
 * worker that someone else stopped leaves the pool.
 *
 * A worker counts as free from the moment its job has finished: its future
 * is done and its function has returned, before any done callback or
 * waiter learns of it when the function returned first. So whoever reacts
 * to a completion by calling cg_caller_to_thread() again reuses that worker
 * rather than starting a new thread; and a job that completes its future
 * early and goes on working keeps its worker until it returns.
 *
 * |[<!-- language="C" -->
 * static void
 * checksum_file (CgFuture *future, gpointer user_data)
 * {
 *   // runs in a pool thread: blocking is fine here
 *   g_autofree char *contents = NULL;
 *   gsize length;
 *   GError *error = NULL;
 *
 *   if (g_file_get_contents (user_data, &contents, &length, &error))
 *     cg_future_return_pointer (future,
 *                               g_compute_checksum_for_data (G_CHECKSUM_SHA256,
 *                                                            (guchar *) contents, length),
 *                               g_free, NULL);
 *   else
 *     cg_future_return_error (future, error, NULL);
 * }
 *
 * g_autoptr(CgFuture) future = cg_caller_to_thread (checksum_file, g_strdup (path),
 *                                                   g_free, &error);
 * ]|
 *
 * cg_caller_to_thread_by_name() runs a job in a named caller instead,
 * starting it on first use.
 *
 * All functions here are thread-safe.
 */

/* A pool worker (an atomic reference-counted box). The pool holds one
 * reference while the worker is in pool_idle or pool_busy, and each
 * completion hook holds one. */
typedef struct
{
  GList     link;   /* in ->queue, under pool_lock */
  GQueue   *queue;  /* &pool_idle, &pool_busy or NULL, under pool_lock */
  CgCaller *caller; /* strong */
  CgFuture *job;    /* strong, under pool_lock: the pool job it runs; NULL
                     * when idle */
} PoolWorker;

static GMutex pool_lock;
static GQueue pool_idle = G_QUEUE_INIT;    /* PoolWorker, most recently used last */
static GQueue pool_busy = G_QUEUE_INIT;    /* PoolWorker */
static GQueue pool_pending = G_QUEUE_INIT; /* PendingJob, jobs waiting for a worker */
static GCond pool_manager_cond;            /* wakes the manager, with pool_lock */
static GThread *pool_manager;
static gboolean pool_hooked;               /* on cg_caller_stop_all(), under pool_lock */
static guint pool_closed;                  /* stop_all() calls under way, under pool_lock */
static guint pool_generation;              /* stop_all() calls begun, under pool_lock */
static gboolean pool_starting;             /* the manager starts a worker, under pool_lock */
static GCond pool_started_cond;            /* pool_starting went FALSE, with pool_lock */
static guint pool_outstanding;             /* pool jobs not done yet */
static gint pool_counter;                  /* atomic */
static gint pool_max_idle = CG_DEFAULT_MAX_IDLE_POOL_INSTANCES; /* atomic */

/* A job waiting for a worker, and since when. */
typedef struct
{
  CgFuture *job;       /* a reference */
  gint64    queued_at;
} PendingJob;

/* How long the oldest waiting job waits for a busy worker to finish before
 * the manager starts another one. Short jobs are served by the workers
 * there are; a burst of blocking jobs grows the pool by a thread per
 * period until every job runs. CG_POOL_GROW_USEC overrides it. */
static gint64
pool_grow_usec (void)
{
  static gsize value = 0;

  if (g_once_init_enter (&value))
    {
      const char *env = g_getenv ("CG_POOL_GROW_USEC");
      gint64 usec = 1000;

      if (env != NULL)
        usec = CLAMP (g_ascii_strtoll (env, NULL, 10), 0, G_USEC_PER_SEC);
      g_once_init_leave (&value, (gsize) usec + 1);
    }

  return (gint64) value - 1;
}

/* Completes a pool job that will not run as cancelled with @reason (its
 * destroy notify runs) and drops the reference given. */
static void
pool_cancel_job (CgFuture   *job,
                 const char *reason)
{
  _cg_job_discard (job, reason);
  g_object_unref (job);
}

/* Workers ---------------------------------------------------------------- */

static void
pool_worker_clear (gpointer data)
{
  PoolWorker *worker = data;

  /* GLib's reference count is not instrumented: tell ThreadSanitizer
   * that the last release follows every earlier one. */
  _CG_TSAN_ACQUIRE (worker);
  g_assert (worker->queue == NULL);
  g_clear_object (&worker->job);
  g_object_unref (worker->caller);
}

static PoolWorker *
pool_worker_ref (PoolWorker *worker)
{
  return g_atomic_rc_box_acquire (worker);
}

static void
pool_worker_unref (gpointer worker)
{
  _CG_TSAN_RELEASE (worker);
  g_atomic_rc_box_release_full (worker, pool_worker_clear);
}

/* With the pool lock held. */
static void
pool_worker_move_locked (PoolWorker *worker,
                         GQueue     *queue)
{
  if (worker->queue != NULL)
    g_queue_unlink (worker->queue, &worker->link);
  worker->queue = queue;
  if (queue != NULL)
    g_queue_push_tail_link (queue, &worker->link);
}

static void
worker_stop_self (gpointer user_data)
{
  /* On the worker's own thread this returns at once; the thread ends once
   * this call is over. */
  cg_caller_stop (user_data, FALSE);
}

/* Stops @caller without blocking the calling thread, which may be another
 * worker, or @caller itself finishing a job. Work already queued to it
 * runs first. */
static void
caller_stop_soon (CgCaller *caller)
{
  if (cg_caller_get_stopped (caller))
    return;

  cg_caller_call_direct (caller, worker_stop_self, g_object_ref (caller), g_object_unref, NULL);
}

/* Takes the idle workers beyond the limit out of the pool, oldest first;
 * call with the pool lock held, then pool_drop_list() without it. */
static GSList *
pool_steal_surplus_locked (void)
{
  guint max_idle = (guint) g_atomic_int_get (&pool_max_idle);
  GSList *surplus = NULL;

  while (pool_idle.length > max_idle)
    {
      PoolWorker *worker = pool_idle.head->data;

      pool_worker_move_locked (worker, NULL);
      surplus = g_slist_prepend (surplus, worker);
    }

  return surplus;
}

/* Drops the pool's references to @workers, stopping them if @stop. */
static void
pool_drop_list (GSList   *workers,
                gboolean  stop)
{
  for (GSList *l = workers; l != NULL; l = l->next)
    {
      PoolWorker *worker = l->data;

      if (stop)
        caller_stop_soon (worker->caller);
      pool_worker_unref (worker);
    }
  g_slist_free (workers);
}

/* Someone stopped a worker: an idle one leaves the pool now, a busy one
 * when its job is over. */
static void
caller_notify_stopped (GObject    *object,
                       GParamSpec *pspec,
                       gpointer    user_data)
{
  CgCaller *caller = CG_CALLER (object);
  PoolWorker *dropped = NULL;

  if (!cg_caller_get_stopped (caller))
    return;

  _cg_mutex_lock (&pool_lock);
  for (GList *l = pool_idle.head; l != NULL; l = l->next)
    {
      PoolWorker *worker = l->data;

      if (worker->caller == caller)
        {
          pool_worker_move_locked (worker, NULL);
          dropped = worker;
          break;
        }
    }
  _cg_mutex_unlock (&pool_lock);

  if (dropped != NULL)
    pool_worker_unref (dropped);
}

static CgCaller *
pool_start_caller (GError **error)
{
  for (;;)
    {
      guint number = (guint) g_atomic_int_add (&pool_counter, 1) + 1;
      g_autofree char *name = g_strdup_printf ("pool-%u", number);
      GError *local = NULL;
      CgCaller *caller;

      caller = cg_caller_start_new (name, FALSE, NULL, &local);
      if (caller != NULL)
        {
          _cg_caller_set_idle_spin (caller, FALSE);
          g_signal_connect (caller, "notify::stopped", G_CALLBACK (caller_notify_stopped), NULL);
          return caller;
        }

      /* Someone else uses that name: take the next one. */
      if (!g_error_matches (local, CG_CALLER_ERROR, CG_CALLER_ERROR_EXISTS))
        {
          g_propagate_error (error, local);
          return NULL;
        }
      g_error_free (local);
    }
}

/* A pool job is finished when its future is done and its function has
 * returned: a job that completes its future early and goes on working
 * keeps its worker until it returns. */
static gboolean
job_finished (CgFuture *job)
{
  return _cg_job_is_finished (job);
}

/* Whether some worker runs a pool job that is not done: it will take the
 * next waiting job when it finishes. With the pool lock held. */
static gboolean
pool_has_running_locked (void)
{
  for (GList *l = pool_busy.head; l != NULL; l = l->next)
    {
      PoolWorker *worker = l->data;

      if (worker->job != NULL && !job_finished (worker->job))
        return TRUE;
    }
  return FALSE;
}

/* A free worker, in pool_busy: a busy one whose job is done already (its
 * completion hook may not have run yet, but whoever reacts to that
 * completion must find the worker free; it is awake), else, with
 * @wake_idle, an idle one (parked: waking it costs a few microseconds).
 * Never the worker of the calling thread: what runs there now would hold
 * up the new job, or wait for it forever. Stopped idle workers are moved
 * to @dropped. With the pool lock held. */
static PoolWorker *
pool_free_worker_locked (GSList   **dropped,
                         gboolean   wake_idle)
{
  GThread *self = g_thread_self ();

  for (GList *l = pool_busy.head; l != NULL; l = l->next)
    {
      PoolWorker *candidate = l->data;

      if (candidate->job != NULL && job_finished (candidate->job) &&
          !cg_caller_get_stopped (candidate->caller) &&
          cg_caller_get_thread (candidate->caller) != self)
        return candidate;
    }

  if (!wake_idle)
    return NULL;

  for (GList *l = pool_idle.tail, *prev; l != NULL; l = prev)
    {
      PoolWorker *candidate = l->data;

      prev = l->prev;
      if (cg_caller_get_stopped (candidate->caller))
        {
          pool_worker_move_locked (candidate, NULL);
          *dropped = g_slist_prepend (*dropped, candidate);
        }
      else if (cg_caller_get_thread (candidate->caller) != self)
        {
          pool_worker_move_locked (candidate, &pool_busy);
          return candidate;
        }
    }

  return NULL;
}

static void pool_job_done_hook (CgFuture *future, gpointer user_data);

/* Gives @job (and the reference given) to @worker, which the pool lock
 * reserved for it (worker->job is @job). */
static void
pool_assign (PoolWorker *worker,
             CgFuture   *job)
{
  /* The job may run, and the worker be retired, the moment it is posted. */
  g_autoptr(CgCaller) caller = g_object_ref (worker->caller);

  _cg_future_set_owner_caller (job, caller);

  /* Registered before the job can run, so the worker learns of the end of
   * its job; at once when the job was completed while it waited. */
  _cg_future_add_hook (job, pool_job_done_hook, pool_worker_ref (worker), pool_worker_unref);

  /* A worker stopped a moment ago drops the job as cancelled. */
  _cg_caller_post_job (caller, job);
}

static gboolean pool_start_worker (void);

/* Hands waiting jobs to free workers; what is left waits for a running
 * worker to finish, or for the manager.
 *
 * An idle worker is woken only when no worker runs a pool job (or by the
 * manager, for a job that waited): a burst of short jobs is then drained
 * by the workers that are awake, as a thread pool drains its queue,
 * instead of waking a parked thread for every job; a burst of blocking
 * jobs still reaches every idle worker, one each pool_grow_usec(). */
static void
pool_dispatch (gboolean from_manager)
{
  GSList *dropped = NULL;

  for (;;)
    {
      PoolWorker *worker = NULL;
      CgFuture *job, *old_job = NULL;
      PendingJob *pending;

      _cg_mutex_lock (&pool_lock);
      if (g_queue_is_empty (&pool_pending))
        {
          _cg_mutex_unlock (&pool_lock);
          break;
        }
      worker = pool_free_worker_locked (&dropped, from_manager || !pool_has_running_locked ());
      if (worker == NULL)
        {
          g_cond_signal (&pool_manager_cond);
          _cg_mutex_unlock (&pool_lock);
          break;
        }
      pending = g_queue_pop_head (&pool_pending);
      job = pending->job;
      g_free (pending);
      old_job = worker->job;
      if (old_job != NULL)
        pool_outstanding--; /* finished; its hook finds the worker taken */
      worker->job = g_object_ref (job);
      _cg_mutex_unlock (&pool_lock);

      g_clear_object (&old_job);
      pool_assign (worker, job);
    }

  pool_drop_list (dropped, FALSE);
}

/* The pool manager: starts workers, one at a time, while jobs wait. The
 * first worker starts at once; later ones once the oldest waiting job has
 * waited pool_grow_usec(). Thread creation thus never slows down
 * cg_caller_to_thread() itself. */
static gpointer
pool_manager_main (gpointer data)
{
  _cg_mutex_lock (&pool_lock);
  for (;;)
    {
      PendingJob *oldest = g_queue_peek_head (&pool_pending);
      gint64 due;

      if (oldest == NULL)
        {
          _cg_cond_wait (&pool_manager_cond, &pool_lock);
          continue;
        }

      due = oldest->queued_at;
      if (pool_idle.length + pool_busy.length > 0)
        due += pool_grow_usec ();

      if (g_get_monotonic_time () < due)
        {
          _cg_cond_wait_until (&pool_manager_cond, &pool_lock, due);
          continue;
        }

      _cg_mutex_unlock (&pool_lock);

      /* An idle worker first; a new one when none is left. */
      pool_dispatch (TRUE);
      _cg_mutex_lock (&pool_lock);
      oldest = g_queue_peek_head (&pool_pending);
      if (oldest == NULL || oldest->queued_at > g_get_monotonic_time () - pool_grow_usec ())
        continue;
      _cg_mutex_unlock (&pool_lock);

      if (!pool_start_worker ())
        g_usleep (G_USEC_PER_SEC / 10); /* the failure was reported; do not spin */
      pool_dispatch (TRUE);
      _cg_mutex_lock (&pool_lock);
    }

  return NULL;
}

/* Starts the manager thread; with the pool lock held. */
static gboolean
pool_start_manager_locked (GError **error)
{
  GError *local = NULL;

  pool_manager = g_thread_try_new ("cg-pool-manager", pool_manager_main, NULL, &local);
  if (pool_manager != NULL)
    return TRUE;

  g_set_error (error, CG_CALLER_ERROR, CG_CALLER_ERROR_FAILED,
               _("Could not start the thread of the worker pool: %s"), local->message);
  g_error_free (local);
  return FALSE;
}

/* Starts one worker and puts it in the idle pool. A failure to start a
 * thread cancels the waiting jobs with its message. While
 * cg_caller_stop_all() runs no worker starts. */
static gboolean
pool_start_worker (void)
{
  GError *error = NULL;
  CgCaller *caller;
  PoolWorker *worker = NULL;
  GQueue failed = G_QUEUE_INIT;
  PendingJob *pending;
  guint generation;
  gboolean stale;

  _cg_mutex_lock (&pool_lock);
  if (pool_closed > 0)
    {
      /* Nothing waits: stop_all() cancelled it and refuses new jobs. */
      _cg_mutex_unlock (&pool_lock);
      return TRUE;
    }
  pool_starting = TRUE;
  generation = pool_generation;
  _cg_mutex_unlock (&pool_lock);

  caller = pool_start_caller (&error);
  if (caller != NULL)
    {
      worker = g_atomic_rc_box_new0 (PoolWorker);
      worker->link.data = worker;
      worker->caller = caller;
    }

  _cg_mutex_lock (&pool_lock);
  pool_starting = FALSE;
  g_cond_broadcast (&pool_started_cond);
  stale = pool_generation != generation;
  if (worker != NULL && !stale)
    pool_worker_move_locked (worker, &pool_idle);
  _cg_mutex_unlock (&pool_lock);

  if (worker != NULL)
    {
      if (stale)
        {
          /* A cg_caller_stop_all() began meanwhile and waited for this
           * start: the worker is one of the callers it stops, and the pool
           * does not take it. */
          caller_stop_soon (caller);
          pool_worker_unref (worker);
        }
      return TRUE;
    }

  _cg_mutex_lock (&pool_lock);
  failed = pool_pending;
  g_queue_init (&pool_pending);
  pool_outstanding -= failed.length;
  _cg_mutex_unlock (&pool_lock);

  g_warning ("%s", error->message);
  while ((pending = g_queue_pop_head (&failed)) != NULL)
    {
      pool_cancel_job (pending->job, error->message);
      g_free (pending);
    }
  g_error_free (error);
  return FALSE;
}

/* cg_caller_stop_all() begins (@stopping) or ends. From its beginning to
 * its end the pool is closed: the jobs waiting for a worker are cancelled,
 * new ones are cancelled at once and the manager starts no worker, so that
 * no pool job submitted before stop_all() returns starts after it. The
 * workers are callers: stop_all() itself stops them, including one the
 * manager was starting (waited for here, so that it is registered by
 * then). Every job already handed to a worker runs before its worker
 * stops or is cancelled with it. */
static void
pool_stop_all_hook (gboolean stopping,
                    gboolean force,
                    gpointer user_data)
{
  GQueue cancelled = G_QUEUE_INIT;
  PendingJob *pending;

  _cg_mutex_lock (&pool_lock);
  if (!stopping)
    {
      pool_closed--;
      _cg_mutex_unlock (&pool_lock);
      return;
    }

  pool_closed++;
  pool_generation++;
  while (pool_starting)
    _cg_cond_wait (&pool_started_cond, &pool_lock);
  cancelled = pool_pending;
  g_queue_init (&pool_pending);
  pool_outstanding -= cancelled.length;
  _cg_mutex_unlock (&pool_lock);

  while ((pending = g_queue_pop_head (&cancelled)) != NULL)
    {
      pool_cancel_job (pending->job, _("The worker pool was stopped before the job ran"));
      g_free (pending);
    }
}

/* The job of @worker is done: the worker takes the next queued job, goes
 * back to the idle pool, or stops when enough are idle. Runs on the
 * completing thread; does nothing when a new job was handed to the worker
 * already. */
static void pool_job_release (PoolWorker *worker, CgFuture *future);

static void
pool_job_done_hook (CgFuture *future,
                    gpointer  user_data)
{
  pool_job_release (user_data, future);
}

/* Frees @worker of @future once the job is finished (its future done and
 * its function returned): from the future's completion hook and from the
 * end of the job, whichever comes last. */
static void
pool_job_release (PoolWorker *worker,
                  CgFuture   *future)
{
  guint max_idle = (guint) g_atomic_int_get (&pool_max_idle);
  GSList *surplus, *stopped = NULL;
  CgFuture *next = NULL;

  _cg_mutex_lock (&pool_lock);
  if (worker->job != future || worker->queue != &pool_busy || !job_finished (future))
    {
      _cg_mutex_unlock (&pool_lock);
      return;
    }

  g_clear_object (&worker->job); /* the hook's caller holds a reference */
  pool_outstanding--;
  if (cg_caller_get_stopped (worker->caller))
    {
      pool_worker_move_locked (worker, NULL);
      stopped = g_slist_prepend (NULL, worker);
    }
  else if (!g_queue_is_empty (&pool_pending))
    {
      /* Work is outstanding: serve it. */
      PendingJob *pending = g_queue_pop_head (&pool_pending);

      next = pending->job;
      g_free (pending);
      worker->job = g_object_ref (next);
    }
  else if (pool_idle.length < max_idle || pool_outstanding > 0)
    {
      /* While other pool jobs run, a burst is still going on: stay. */
      pool_worker_move_locked (worker, &pool_idle);
    }
  else
    {
      pool_worker_move_locked (worker, NULL);
      stopped = g_slist_prepend (NULL, worker);
    }
  surplus = pool_outstanding == 0 ? pool_steal_surplus_locked () : NULL;
  _cg_mutex_unlock (&pool_lock);

  if (next != NULL)
    pool_assign (worker, next);
  pool_drop_list (stopped, TRUE);
  pool_drop_list (surplus, TRUE);
}

static void pool_job_returned (CgFuture *future);

static const CgJobObserver pool_observer = {
  NULL,
  NULL,
  pool_job_returned,
};

/* The pool's mark on its jobs, registered on first use. */
static guint
pool_observer_mark (void)
{
  static gsize mark = 0;

  if (g_once_init_enter (&mark))
    g_once_init_leave (&mark, _cg_job_add_observer (&pool_observer) + 1);
  return (guint) mark - 1;
}

/* The function of pool job @future returned (an observer of cg-job.c). */
static void
pool_job_returned (CgFuture *future)
{
  PoolWorker *worker = NULL;

  _cg_mutex_lock (&pool_lock);
  for (GList *l = pool_busy.head; l != NULL; l = l->next)
    if (((PoolWorker *) l->data)->job == future)
      {
        worker = pool_worker_ref (l->data);
        break;
      }
  _cg_mutex_unlock (&pool_lock);

  if (worker != NULL)
    {
      pool_job_release (worker, future);
      pool_worker_unref (worker);
    }
}

/* Public API ------------------------------------------------------------- */

/**
 * cg_caller_to_thread:
 * @func: (scope notified) (closure user_data) (destroy destroy): the job
 * @user_data: data for @func
 * @destroy: (nullable): frees @user_data once the job has run or was
 *   dropped
 * @error: return location for a #GError
 *
 * Runs @func in a pooled worker thread, async_kernel's `Caller.to_thread()`,
 * and returns the future of its outcome, as cg_caller_call_soon() does for
 * one caller. The future belongs to the worker's thread: its done callbacks
 * run there unless you wait with cg_future_wait_async() from your own
 * thread.
 *
 * The job goes to an idle worker (or one whose job's future is done);
 * when there is none it waits in the pool's queue while a new worker (a
 * #CgCaller named `pool-N`) starts, or until a worker finishes, whichever
 * comes first. It never waits behind another pool job that is not done.
 * Once the job's future is done and no job waits, its worker goes back to
 * the idle pool while fewer than cg_caller_get_max_idle_pool_instances()
 * workers are idle or other pool jobs still run; otherwise the worker
 * stops after the work already queued to it. A job that completes through cg_future_return_future()
 * keeps its worker until then.
 *
 * While it waits for a worker, the job's future has no thread yet
 * (cg_future_get_thread() returns %NULL).
 *
 * cg_caller_stop_all() (with or without force: the workers are not
 * protected) cancels the jobs waiting for a worker and the jobs submitted
 * while it runs, and stops the workers with their running jobs; after it
 * returns no pool job submitted before starts, and later calls are served
 * by new workers.
 *
 * The pool starts threads as it needs them: a manager thread on first use,
 * then the workers. When the system refuses a thread (a limit on threads
 * or memory), nothing aborts: a warning with the reason is logged once for
 * that failure, and the jobs that needed the thread (this one when the
 * manager cannot start, every job waiting for a worker when a worker
 * cannot) complete as cancelled with that reason (waiting for them fails
 * with %CG_FUTURE_ERROR_CANCELLED), their destroy notifies run and none
 * stays queued. The future is still returned, not an error; a later call
 * tries to start the thread again.
 *
 * Thread-safe.
 *
 * Returns: (transfer full): the job's future, or %NULL with @error set
 *
 * Since: 0.1
 */
CgFuture *
cg_caller_to_thread (CgJobFunc        func,
                     gpointer         user_data,
                     GDestroyNotify   destroy,
                     GError         **error)
{
  PendingJob *pending;
  CgFuture *job;
  GError *local = NULL;

  g_return_val_if_fail (func != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  job = _cg_caller_make_job (NULL, func, user_data, destroy);
  _cg_job_observe (job, pool_observer_mark ());

  pending = g_new (PendingJob, 1);
  pending->job = g_object_ref (job);
  pending->queued_at = g_get_monotonic_time ();

  _cg_mutex_lock (&pool_lock);
  if (G_UNLIKELY (!pool_hooked))
    {
      _cg_caller_add_stop_all_hook (pool_stop_all_hook, NULL);
      pool_hooked = TRUE;
    }
  if (G_UNLIKELY (pool_closed > 0))
    {
      _cg_mutex_unlock (&pool_lock);
      g_free (pending);
      pool_cancel_job (job, _("The worker pool is being stopped"));
      return job;
    }
  if (G_UNLIKELY (pool_manager == NULL) && !pool_start_manager_locked (&local))
    {
      _cg_mutex_unlock (&pool_lock);
      g_free (pending);

      /* Nothing was queued: a later call tries again. */
      g_warning ("%s", local->message);
      pool_cancel_job (job, local->message);
      g_error_free (local);
      return job;
    }
  g_queue_push_tail (&pool_pending, pending);
  pool_outstanding++;
  _cg_mutex_unlock (&pool_lock);

  pool_dispatch (FALSE);

  return job;
}

/**
 * cg_caller_to_thread_by_name:
 * @name: (nullable): the name of the caller to run @func in, or %NULL for
 *   a pooled worker
 * @func: (scope notified) (closure user_data) (destroy destroy): the job
 * @user_data: data for @func
 * @destroy: (nullable): frees @user_data once the job has run or was
 *   dropped
 * @error: return location for a #GError
 *
 * Runs @func in the caller named @name, async_kernel's
 * `Caller.to_thread_by_name()`: the caller is found with
 * cg_caller_get_instance() and started when there is none by that name
 * (%CG_CALLER_MAIN_THREAD is the caller of g_main_context_default()). Later
 * calls with the same name run in the same thread, in submission order. A
 * %NULL @name is cg_caller_to_thread().
 *
 * Fails as cg_caller_get_instance() and cg_caller_call_soon() do, for
 * instance with %CG_CALLER_ERROR_CLOSED when that caller is being stopped;
 * then @destroy runs at once.
 *
 * Thread-safe.
 *
 * Returns: (transfer full): the job's future, or %NULL with @error set
 *
 * Since: 0.1
 */
CgFuture *
cg_caller_to_thread_by_name (const char      *name,
                             CgJobFunc        func,
                             gpointer         user_data,
                             GDestroyNotify   destroy,
                             GError         **error)
{
  g_autoptr(CgCaller) caller = NULL;

  g_return_val_if_fail (name == NULL || *name != '\0', NULL);
  g_return_val_if_fail (func != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (name == NULL)
    return cg_caller_to_thread (func, user_data, destroy, error);

  caller = cg_caller_get_instance (name, TRUE, error);
  if (caller == NULL)
    {
      if (destroy != NULL)
        destroy (user_data);
      return NULL;
    }

  return cg_caller_call_soon (caller, func, user_data, destroy, error);
}

/**
 * cg_caller_get_max_idle_pool_instances:
 *
 * How many pool workers stay idle at most, waiting for the next
 * cg_caller_to_thread(): async_kernel's `MAX_IDLE_POOL_INSTANCES`. It is also
 * the default limit of cg_as_completed_new_from_generator().
 *
 * Process-wide and thread-safe.
 *
 * Returns: the limit; %CG_DEFAULT_MAX_IDLE_POOL_INSTANCES unless changed
 *
 * Since: 0.1
 */
guint
cg_caller_get_max_idle_pool_instances (void)
{
  return (guint) g_atomic_int_get (&pool_max_idle);
}

/**
 * cg_caller_set_max_idle_pool_instances:
 * @max_idle: how many pool workers may stay idle; 0 stops every worker
 *   once its job is over
 *
 * Sets the limit of cg_caller_get_max_idle_pool_instances(). Lowering it
 * stops the idle workers beyond the new limit at once (without waiting
 * for their threads to end), oldest first; busy workers are not affected
 * until their jobs are over.
 *
 * Process-wide and thread-safe.
 *
 * Since: 0.1
 */
void
cg_caller_set_max_idle_pool_instances (guint max_idle)
{
  GSList *surplus;

  g_return_if_fail (max_idle <= G_MAXINT);

  g_atomic_int_set (&pool_max_idle, (gint) max_idle);

  _cg_mutex_lock (&pool_lock);
  surplus = pool_steal_surplus_locked ();
  _cg_mutex_unlock (&pool_lock);

  pool_drop_list (surplus, TRUE);
}
