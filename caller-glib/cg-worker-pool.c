/* cg-worker-pool.c: running jobs in pooled worker threads
 *
 * Copyright 2026 The caller-glib authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "cg-private.h"

#include <string.h>

#include "cg-caller-private.h"

/**
 * SECTION:cg-worker-pool
 * @title: Worker pool
 * @short_description: running blocking jobs in pooled worker threads
 *
 * cg_caller_to_thread() runs a job in a pooled worker thread, the C
 * counterpart of async_kernel's `Caller.to_thread()`. The threads are ordinary
 * #CgCaller workers, started with cg_caller_start_new() and named
 * `pool-1`, `pool-2` and so on; they show up in cg_caller_all_callers()
 * and are stopped by cg_caller_stop_all() like any other unprotected
 * caller. That stops the whole pool: once cg_caller_stop_all() returns, no
 * pool job submitted before it starts any more. The jobs waiting for a
 * worker are cancelled, so are the jobs submitted while it runs, and no
 * worker starts meanwhile; the pool serves the calls that come after it.
 *
 * The pool's rules:
 *
 * - **A cap.** At most cg_caller_get_max_pool_threads() workers run jobs
 *   at once: by default the number of processors plus 4, at most 32, as
 *   Python's `ThreadPoolExecutor`; cg_caller_set_max_pool_threads()
 *   changes it for the process.
 * - **A queue.** Jobs beyond the cap wait in one queue, first in, first
 *   out. Cancelling a waiting job's future (or the cancellable given to
 *   cg_caller_to_thread_full()) completes it at once as cancelled; it never
 *   runs and its destroy notify runs on the cancelling thread.
 * - **Workers pull their jobs.** A worker takes a small batch of jobs (a
 *   fair share of the queue, at most 32) with one lock and runs them one
 *   after the other, running its own main context (done callbacks,
 *   replies) between batches. A parked worker is woken only when no other
 *   worker is awake to see a new job, and the pool adds a thread only when
 *   no worker finished a job for a tick (1 ms) while jobs wait; a worker
 *   stuck in a long job for a tick gives back the jobs it took and has not
 *   started. A burst of tiny jobs is thus run by a thread or two, and a
 *   burst of blocking jobs grows the pool to its cap, one thread per tick.
 * - **Blocking in the library's waits.** A pool job blocked in
 *   cg_future_wait_sync() (on another pool job, say) does not count
 *   against the cap while it blocks: the pool may run one more thread past
 *   the cap meanwhile, as Go's scheduler and tokio's `block_in_place` do,
 *   so pool jobs that wait for pool jobs never deadlock a full pool. A job
 *   that blocks anywhere else keeps its place; a pool that stays
 *   saturated (no job finishing while jobs wait) for half a second adds a
 *   thread past the cap, one per half second, up to
 *   %CG_POOL_HARD_MAX_THREADS threads in all.
 * - **Idle workers.** cg_caller_get_max_idle_pool_instances() idle workers
 *   stay, as async_kernel's `MAX_IDLE_POOL_INSTANCES`; idle workers beyond
 *   that stop once they have been idle for 60 seconds, as in
 *   async_kernel's newest version.
 * - **Free at once.** A worker takes its next job as soon as its job's
 *   function returns with its future done, so whoever reacts to a
 *   completion by calling cg_caller_to_thread() again reuses that worker
 *   rather than starting a new thread. A job that returns a future not
 *   done yet (cg_future_return_future()) keeps its worker until then.
 * - **Visible.** cg_caller_get_pool_stats() reads the counts: threads, idle
 *   and blocked workers, jobs queued and run, queue waits.
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

/* How the pool works ----------------------------------------------------
 *
 * One queue of pending jobs, linked through the jobs' own inbox nodes
 * (so queueing allocates nothing), under pool_lock. Each job in it holds
 * the reference its worker will run it with, and its queueing time in
 * its node, in place of the node's function (the pool runs its jobs
 * itself; the function is set back before the job runs).
 *
 * A worker is a caller of cg_caller_start_new() whose loop asks
 * pool_worker_work() for work (_cg_caller_set_work_func()). It takes a
 * batch of jobs with one lock, keeps what it has not started in
 * worker->batch and runs them one after the other in a plain loop; its
 * loop runs its inbox (done callbacks, replies) between batches. A batch
 * never holds more than a fair share of the queue, and what a worker
 * has not started goes back to the front of the queue when the worker
 * blocks in the library's waits (pool_blocking_begin()) or when the
 * manager sees it make no progress, so no job waits behind a blocked one
 * while another thread could run it.
 *
 * worker->batch: only its worker stores a list there; anyone may take
 * the list out (an atomic exchange with NULL) to put it back in the queue,
 * and its worker takes it out before running the next job; so a job is
 * never in two places.
 *
 * An idle worker parks in its main context (the pool remembers it in
 * pool_idle); a submission wakes one (g_main_context_wakeup()) only when
 * no worker is awake to see the job. The manager thread starts workers,
 * watches for a lack of progress while jobs wait, and retires idle
 * workers beyond the limit after the idle timeout. */

typedef struct
{
  CgCaller    *caller;      /* strong while in the pool, under pool_lock */
  GList        link;        /* in pool_workers */
  GList        idle_link;   /* in pool_idle */
  gboolean     in_pool;     /* under pool_lock */
  gboolean     idle;        /* under pool_lock: in pool_idle */
  gint64       idle_since;  /* under pool_lock */
  CgInboxNode *batch;       /* atomic: taken, not started (see above) */
  gint         ran;         /* atomic: jobs run, for progress */
  gint         started;     /* atomic: jobs taken out of batch to run */
  guint        taken;       /* under pool_lock: jobs taken from the queue, not given back */
  gint         ran_seen;    /* the manager's last look at ran */
  guint        ran_counted; /* ran already added to pool_jobs_run, under pool_lock */
  guint        blocked;     /* its thread only: nested library waits */
  gboolean     blocked_counted; /* under pool_lock: in pool_blocked */
  gboolean     looked;      /* under pool_lock: its thread asked for work */
  CgFuture    *held;        /* under pool_lock: a job that returned a future
                             * not done yet keeps its worker (a reference) */
} PoolWorker;

static GMutex pool_lock;
static CgInboxNode *queue_head;         /* under pool_lock */
static CgInboxNode *queue_tail;         /* under pool_lock */
static gint queue_length;               /* written under pool_lock, read atomically */
static GQueue pool_workers = G_QUEUE_INIT; /* PoolWorker in the pool */
static GQueue pool_idle = G_QUEUE_INIT; /* PoolWorker parked, most recently parked last */
static guint pool_blocked;              /* workers blocked in library waits */
static guint pool_starting;             /* workers the manager is starting (0 or 1) */
static guint pool_extra;                /* threads allowed past the cap while saturated */
static guint pool_fresh;                /* workers started or woken that have not asked for work yet */
static GCond pool_started_cond;         /* pool_starting went 0, with pool_lock */
static GCond pool_manager_cond;         /* wakes the manager, with pool_lock */
static gboolean pool_manager_parked;    /* the manager waits without a deadline */
static gboolean pool_manager_urgent;    /* start a worker without waiting for a tick */
static GThread *pool_manager;
static gboolean pool_hooked;            /* on cg_caller_stop_all(), under pool_lock */
static guint pool_closed;               /* stop_all() calls under way, under pool_lock */
static guint pool_generation;           /* stop_all() calls begun, under pool_lock */
static guint64 pool_jobs_run;           /* under pool_lock */
static gint64 pool_longest_wait;        /* under pool_lock */
static gint pool_counter;               /* atomic */
static gint pool_max_idle = CG_DEFAULT_MAX_IDLE_POOL_INSTANCES; /* atomic */
static gint pool_max_threads;           /* atomic; 0 until first read: the default */
static gint pool_spinners;              /* atomic: workers spinning for work */
static CG_THREAD_LOCAL PoolWorker *current_worker;

/* Reads a number of microseconds from the environment once; for tests. */
static gint64
env_usec (gsize      *value,
          const char *name,
          gint64      fallback,
          gint64      max)
{
  if (g_once_init_enter (value))
    {
      const char *env = g_getenv (name);
      gint64 usec = fallback;

      if (env != NULL)
        usec = CLAMP (g_ascii_strtoll (env, NULL, 10), 0, max);
      g_once_init_leave (value, (gsize) usec + 1);
    }

  return (gint64) *value - 1;
}

/* The manager's tick while jobs wait: a worker that ran no job during a
 * tick is stuck (its unstarted jobs go back to the queue), and when no
 * worker ran one the pool grows by one thread (up to the cap).
 * CG_POOL_GROW_USEC overrides it. */
static gint64
pool_grow_usec (void)
{
  static gsize value = 0;

  return MAX (env_usec (&value, "CG_POOL_GROW_USEC", 1000, G_USEC_PER_SEC), 100);
}

/* How long the pool may stay full, no worker making progress while jobs
 * wait, before it starts a thread past its cap (one per period, up to
 * CG_POOL_HARD_MAX_THREADS). CG_POOL_SATURATION_USEC overrides it. */
static gint64
pool_saturation_usec (void)
{
  static gsize value = 0;

  return env_usec (&value, "CG_POOL_SATURATION_USEC", 500000, (gint64) 3600 * G_USEC_PER_SEC);
}

/* How long a worker beyond cg_caller_get_max_idle_pool_instances() stays
 * idle before it stops, as async_kernel does (60 s).
 * CG_POOL_IDLE_TIMEOUT_USEC overrides it. */
static gint64
pool_idle_timeout_usec (void)
{
  static gsize value = 0;

  return env_usec (&value, "CG_POOL_IDLE_TIMEOUT_USEC", 60 * G_USEC_PER_SEC,
                   (gint64) 3600 * G_USEC_PER_SEC);
}

static guint
default_max_threads (void)
{
  static gsize value = 0;

  /* g_get_num_processors() reads a file of /sys on every call. */
  if (g_once_init_enter (&value))
    g_once_init_leave (&value, (gsize) MIN (32, g_get_num_processors () + 4));
  return (guint) value;
}

static guint
max_threads (void)
{
  gint value = g_atomic_int_get (&pool_max_threads);

  return value > 0 ? (guint) value : default_max_threads ();
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

static void
pool_cancel_list (CgInboxNode *list,
                  const char  *reason)
{
  while (list != NULL)
    {
      CgInboxNode *next = list->next;

      list->next = NULL;
      pool_cancel_job (_cg_job_from_node (list), reason);
      list = next;
    }
}

/* The queue ----------------------------------------------------------------- */

/* Queues @job behind every job of its priority or a more urgent one (a
 * lower value, as for GLib's sources): in submission order within a
 * priority. Jobs of the default priority only ever go to the tail. */
static void
queue_push_tail_locked (CgFuture *job)
{
  CgInboxNode **link;

  job->node.next = NULL;
  if (queue_tail == NULL || _cg_job_from_node (queue_tail)->priority <= job->priority)
    {
      if (queue_tail != NULL)
        queue_tail->next = &job->node;
      else
        queue_head = &job->node;
      queue_tail = &job->node;
    }
  else
    {
      for (link = &queue_head; _cg_job_from_node (*link)->priority <= job->priority;
           link = &(*link)->next)
        ;
      job->node.next = *link;
      *link = &job->node;
    }
  g_atomic_int_set (&queue_length, queue_length + 1);
}

/* Puts @list (jobs taken out of the queue, in order) back in front;
 * returns how many. */
static guint
queue_push_front_locked (CgInboxNode *list)
{
  CgInboxNode *last = list;
  gint n = 1;

  if (list == NULL)
    return 0;
  while (last->next != NULL)
    last = last->next, n++;
  last->next = queue_head;
  queue_head = list;
  if (queue_tail == NULL)
    queue_tail = last;
  g_atomic_int_set (&queue_length, queue_length + n);
  return (guint) n;
}

/* Takes up to @max jobs from the front, in order; *@n_taken says how
 * many. */
static CgInboxNode *
queue_pop_locked (guint  max,
                  guint *n_taken)
{
  CgInboxNode *first = queue_head, *last = queue_head;
  gint64 now = g_get_monotonic_time ();
  guint n = 0;

  *n_taken = 0;
  if (first == NULL || max == 0)
    return NULL;
  for (;;)
    {
      pool_longest_wait = MAX (pool_longest_wait, now - last->queued_at);
      n++;
      if (n == max || last->next == NULL)
        break;
      last = last->next;
    }
  queue_head = last->next;
  if (queue_head == NULL)
    queue_tail = NULL;
  last->next = NULL;
  g_atomic_int_set (&queue_length, queue_length - (gint) n);
  *n_taken = n;
  return first;
}

/* Takes @job out of the queue; FALSE when it is not there. */
static gboolean
queue_remove_locked (CgFuture *job)
{
  CgInboxNode *prev = NULL;

  for (CgInboxNode *node = queue_head; node != NULL; prev = node, node = node->next)
    {
      if (node != &job->node)
        continue;
      if (prev != NULL)
        prev->next = node->next;
      else
        queue_head = node->next;
      if (queue_tail == node)
        queue_tail = prev;
      node->next = NULL;
      g_atomic_int_set (&queue_length, queue_length - 1);
      return TRUE;
    }
  return FALSE;
}

/* Puts back in the queue what @worker took and has not started. */
static void
pool_return_batch_locked (PoolWorker *worker)
{
  worker->taken -= queue_push_front_locked (g_atomic_pointer_exchange (&worker->batch, NULL));
}

/* Jobs workers took from the queue and have not started. */
static guint
pool_batched_locked (void)
{
  guint n = 0;

  for (GList *l = pool_workers.head; l != NULL; l = l->next)
    {
      PoolWorker *worker = l->data;

      n += worker->taken - (guint) g_atomic_int_get (&worker->started);
    }
  return n;
}

/* Workers -------------------------------------------------------------------- */

/* Workers that run jobs or will look for some: neither parked nor blocked. */
static guint
pool_awake_locked (void)
{
  return pool_workers.length + pool_starting - pool_idle.length - pool_blocked;
}

/* The cap on threads that make progress; workers blocked in the library's
 * waits do not count, and a saturated pool may have a few more, up to the
 * hard maximum. */
static guint
pool_room_locked (void)
{
  return MIN (max_threads () + pool_blocked + pool_extra, CG_POOL_HARD_MAX_THREADS);
}

static void
pool_manager_signal_locked (gboolean urgent)
{
  if (urgent)
    pool_manager_urgent = TRUE;
  if (pool_manager_parked || urgent)
    {
      pool_manager_parked = FALSE;
      g_cond_signal (&pool_manager_cond);
    }
}

/* A job waits and no worker is awake to see it: wakes an idle one (a
 * reference, to wake once the lock is released with pool_wake()) or asks
 * the manager for a new one. */
static CgCaller *
pool_kick_locked (void)
{
  PoolWorker *worker;

  if (pool_idle.length > 0)
    {
      worker = pool_idle.tail->data;
      g_queue_unlink (&pool_idle, &worker->idle_link);
      worker->idle = FALSE;
      /* Until it looks for work it counts as fresh, as a worker just
       * started: a slow wake-up is no reason to start another thread. */
      if (worker->looked)
        {
          worker->looked = FALSE;
          pool_fresh++;
        }
      return g_object_ref (worker->caller);
    }
  if (pool_workers.length + pool_starting < pool_room_locked ())
    pool_manager_signal_locked (TRUE);
  return NULL;
}

static void
pool_wake (CgCaller *caller)
{
  if (caller != NULL)
    {
      g_main_context_wakeup (cg_caller_get_context (caller));
      g_object_unref (caller);
    }
}

/* Takes @worker out of the pool; returns the pool's reference to its
 * caller, for the caller of this to drop (and stop) without the lock. */
static CgCaller *
pool_leave_locked (PoolWorker *worker)
{
  if (!worker->in_pool)
    return NULL;
  if (worker->idle)
    g_queue_unlink (&pool_idle, &worker->idle_link);
  worker->idle = FALSE;
  g_queue_unlink (&pool_workers, &worker->link);
  worker->in_pool = FALSE;
  if (!worker->looked)
    pool_fresh--;
  if (worker->blocked_counted)
    {
      worker->blocked_counted = FALSE;
      pool_blocked--;
    }
  pool_jobs_run += (guint) g_atomic_int_get (&worker->ran) - worker->ran_counted;
  worker->ran_counted = (guint) g_atomic_int_get (&worker->ran);
  pool_return_batch_locked (worker);
  return g_steal_pointer (&worker->caller);
}

static void
worker_stop_self (gpointer user_data)
{
  /* On the worker's own thread this returns at once; the thread ends once
   * this call is over. */
  cg_caller_stop (user_data, FALSE);
}

/* Stops @caller without blocking the calling thread, which may be another
 * worker, or @caller itself. Work already queued to it runs first. Drops
 * the reference given. */
static void
caller_stop_soon (CgCaller *caller)
{
  if (caller == NULL)
    return;
  if (!cg_caller_get_stopped (caller))
    cg_caller_call_direct (caller, worker_stop_self, g_object_ref (caller), g_object_unref, NULL);
  g_object_unref (caller);
}

/* Someone stopped a worker: it leaves the pool, and what it took and has
 * not started goes back to the queue. */
static void
caller_notify_stopped (GObject    *object,
                       GParamSpec *pspec,
                       gpointer    user_data)
{
  PoolWorker *worker = user_data;
  CgCaller *caller = NULL;
  CgCaller *wake = NULL;

  if (!cg_caller_get_stopped (CG_CALLER (object)))
    return;

  _cg_mutex_lock (&pool_lock);
  caller = pool_leave_locked (worker);
  if (caller != NULL && queue_length > 0 && pool_awake_locked () == 0)
    wake = pool_kick_locked ();
  _cg_mutex_unlock (&pool_lock);

  pool_wake (wake);
  g_clear_object (&caller);
}

/* How many jobs a worker takes at once: a fair share of the queue among
 * the threads there may be, at most 32, at least one. */
static guint
pool_batch_size_locked (void)
{
  guint share = (guint) queue_length / MAX (max_threads (), pool_workers.length);

  return CLAMP (share, 1, 32);
}

/* Spins a little for a job before parking, one worker at a time: a burst
 * that arrives job by job is then served without a wake-up per job. */
static gboolean
pool_spin_for_work (void)
{
  gint64 end;
  CgSpin spin;

  if (g_atomic_int_add (&pool_spinners, 1) > 0)
    {
      g_atomic_int_add (&pool_spinners, -1);
      return FALSE;
    }

  _cg_spin_init (&spin);
  end = spin.now + _cg_spin_usec ();
  while (g_atomic_int_get (&queue_length) == 0 && spin.now < end)
    _cg_spin_pause (&spin);

  g_atomic_int_add (&pool_spinners, -1);
  return g_atomic_int_get (&queue_length) > 0;
}

static void
pool_run_job (CgCaller    *caller,
              CgInboxNode *node)
{
  CgFuture *job = _cg_job_from_node (node);

  node->next = NULL;
  node->func = _cg_job_node_func; /* it held the queueing time */
  _cg_future_set_owner_caller (job, caller);
  _cg_job_node_func (node, caller, !_cg_caller_is_closed (caller));
}

/* The future that held @worker is done: it takes jobs again. */
static void
pool_held_done (CgFuture *future,
                gpointer  data)
{
  PoolWorker *worker = data;
  CgFuture *held = NULL;
  CgCaller *wake = NULL;

  _cg_mutex_lock (&pool_lock);
  if (worker->held == future)
    {
      held = g_steal_pointer (&worker->held);
      if (worker->in_pool)
        wake = g_object_ref (worker->caller);
    }
  _cg_mutex_unlock (&pool_lock);

  pool_wake (wake);
  g_clear_object (&held);
}

/* A job that returned a future (cg_future_return_future(), a coroutine
 * in Python) keeps its worker until that future is done, as in
 * async_kernel: the worker's thread serves it meanwhile and takes no
 * other job. Takes the reference given. */
static void
pool_hold_worker (PoolWorker *worker,
                  CgFuture   *job)
{
  _cg_mutex_lock (&pool_lock);
  worker->held = job;
  pool_return_batch_locked (worker);
  _cg_mutex_unlock (&pool_lock);

  _cg_future_add_hook (job, pool_held_done, worker, NULL);
}

/* The work function of a worker's loop (_cg_caller_set_work_func()): runs
 * a batch of jobs from the queue; FALSE when there is none (the worker is
 * idle then, or has left the pool). */
static gboolean
pool_worker_work (CgCaller *caller,
                  gpointer  data)
{
  PoolWorker *worker = data;
  CgInboxNode *batch;
  CgCaller *leaving = NULL;
  gboolean spun = FALSE;

  current_worker = worker;

  batch = g_atomic_pointer_exchange (&worker->batch, NULL);
  while (batch == NULL)
    {
      _cg_mutex_lock (&pool_lock);
      if (!worker->in_pool)
        {
          _cg_mutex_unlock (&pool_lock);
          return FALSE;
        }
      if (!worker->looked)
        {
          worker->looked = TRUE;
          pool_fresh--;
        }
      if (worker->held != NULL)
        {
          /* Its job waits for another future: this thread serves it. */
          _cg_mutex_unlock (&pool_lock);
          return FALSE;
        }
      if (worker->idle)
        {
          /* Woken by something else than the pool: look anyway. */
          g_queue_unlink (&pool_idle, &worker->idle_link);
          worker->idle = FALSE;
        }
      pool_jobs_run += (guint) g_atomic_int_get (&worker->ran) - worker->ran_counted;
      worker->ran_counted = (guint) g_atomic_int_get (&worker->ran);

      if (pool_workers.length + pool_starting - pool_idle.length - pool_blocked >
          pool_room_locked ())
        {
          /* Past the cap (it was lowered, or a blocked worker is back):
           * one worker less. */
          leaving = pool_leave_locked (worker);
          _cg_mutex_unlock (&pool_lock);
          caller_stop_soon (leaving);
          return FALSE;
        }

      if (queue_head != NULL)
        {
          guint n;

          batch = queue_pop_locked (pool_batch_size_locked (), &n);
          worker->taken += n;
          if (n > 1)
            pool_manager_signal_locked (FALSE); /* it watches this batch too */
          _cg_mutex_unlock (&pool_lock);
          break;
        }

      if (!spun)
        {
          _cg_mutex_unlock (&pool_lock);
          spun = TRUE;
          if (pool_spin_for_work ())
            continue;
          _cg_mutex_lock (&pool_lock);
          if (queue_head != NULL || !worker->in_pool)
            {
              _cg_mutex_unlock (&pool_lock);
              continue;
            }
        }

      if (pool_workers.length + pool_starting > pool_room_locked ())
        {
          /* Past the cap with nothing to do (threads added while the pool
           * was saturated, or the cap was lowered): one worker less. */
          leaving = pool_leave_locked (worker);
          _cg_mutex_unlock (&pool_lock);
          caller_stop_soon (leaving);
          return FALSE;
        }

      /* Nothing to do: park. The most recently parked is woken first, so
       * the others stay parked and can retire. */
      worker->idle = TRUE;
      worker->idle_since = g_get_monotonic_time ();
      g_queue_push_tail_link (&pool_idle, &worker->idle_link);
      if (pool_idle.length > (guint) g_atomic_int_get (&pool_max_idle))
        pool_manager_signal_locked (FALSE); /* it retires the surplus */
      _cg_mutex_unlock (&pool_lock);
      return FALSE;
    }

  while (batch != NULL)
    {
      CgInboxNode *node = batch;
      CgFuture *job = g_object_ref (_cg_job_from_node (node));

      g_atomic_pointer_set (&worker->batch, node->next);
      g_atomic_int_inc (&worker->started);
      pool_run_job (caller, node);
      g_atomic_int_inc (&worker->ran);
      if (G_UNLIKELY (!cg_future_is_done (job)))
        {
          pool_hold_worker (worker, job);
          return TRUE;
        }
      g_object_unref (job);
      batch = g_atomic_pointer_exchange (&worker->batch, NULL);
    }

  return TRUE;
}

/* Blocking in the library's waits (cg-future-wait.c) --------------------- */

static gpointer
pool_blocking_begin (void)
{
  PoolWorker *worker = current_worker;
  CgCaller *wake = NULL;

  if (worker == NULL)
    return NULL;
  if (worker->blocked++ > 0)
    return worker;

  _cg_mutex_lock (&pool_lock);
  if (worker->in_pool)
    {
      worker->blocked_counted = TRUE;
      pool_blocked++;
    }
  pool_return_batch_locked (worker);
  if (queue_length > 0 && pool_awake_locked () == 0)
    wake = pool_kick_locked ();
  _cg_mutex_unlock (&pool_lock);

  pool_wake (wake);
  return worker;
}

static void
pool_blocking_end (gpointer token)
{
  PoolWorker *worker = token;

  if (--worker->blocked > 0)
    return;

  _cg_mutex_lock (&pool_lock);
  if (worker->blocked_counted)
    {
      worker->blocked_counted = FALSE;
      pool_blocked--;
    }
  _cg_mutex_unlock (&pool_lock);
}

static const CgBlockingFuncs pool_blocking_funcs = {
  pool_blocking_begin,
  pool_blocking_end,
};

/* A job waiting in the queue (or taken by a worker that has not started
 * it) is cancelled: it leaves the queue and completes now. */
static void
pool_unowned_cancelled (CgFuture *job)
{
  gboolean found;

  _cg_mutex_lock (&pool_lock);
  for (GList *l = pool_workers.head; l != NULL; l = l->next)
    pool_return_batch_locked (l->data);
  found = queue_remove_locked (job);
  _cg_mutex_unlock (&pool_lock);

  if (found)
    pool_cancel_job (job, NULL);
}

/* Starting workers ----------------------------------------------------------- */

static void
pool_worker_free (gpointer data)
{
  PoolWorker *worker = data;

  g_assert (!worker->in_pool);
  g_free (worker);
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
        return caller;

      /* Someone else uses that name: take the next one. */
      if (!g_error_matches (local, CG_CALLER_ERROR, CG_CALLER_ERROR_EXISTS))
        {
          g_propagate_error (error, local);
          return NULL;
        }
      g_error_free (local);
    }
}

/* Starts one worker, with the pool lock held (released meanwhile). A
 * failure to start a thread cancels the waiting jobs with its message.
 * While cg_caller_stop_all() runs no worker starts. */
static gboolean
pool_start_worker_locked (void)
{
  GError *error = NULL;
  CgCaller *caller;
  PoolWorker *worker;
  CgInboxNode *failed;
  guint generation;

  if (pool_closed > 0)
    return TRUE;
  pool_starting++;
  generation = pool_generation;
  _cg_mutex_unlock (&pool_lock);

  caller = pool_start_caller (&error);
  if (caller != NULL)
    {
      worker = g_new0 (PoolWorker, 1);
      worker->link.data = worker;
      worker->idle_link.data = worker;
      g_object_set_data_full (G_OBJECT (caller), "cg-pool-worker", worker, pool_worker_free);

      _cg_mutex_lock (&pool_lock);
      pool_starting--;
      g_cond_broadcast (&pool_started_cond);
      if (pool_generation == generation)
        {
          worker->caller = g_object_ref (caller);
          worker->in_pool = TRUE;
          pool_fresh++;
          g_queue_push_tail_link (&pool_workers, &worker->link);
          _cg_mutex_unlock (&pool_lock);
          g_signal_connect (caller, "notify::stopped", G_CALLBACK (caller_notify_stopped), worker);
          _cg_caller_set_work_func (caller, pool_worker_work, worker);
          if (cg_caller_get_stopped (caller))
            caller_notify_stopped (G_OBJECT (caller), NULL, worker);
          g_object_unref (caller);
        }
      else
        {
          /* A cg_caller_stop_all() began meanwhile and waited for this
           * start: the worker is one of the callers it stops, and the pool
           * does not take it. */
          _cg_mutex_unlock (&pool_lock);
          caller_stop_soon (caller);
        }
      _cg_mutex_lock (&pool_lock);
      return TRUE;
    }

  _cg_mutex_lock (&pool_lock);
  pool_starting--;
  g_cond_broadcast (&pool_started_cond);
  failed = queue_head;
  queue_head = queue_tail = NULL;
  g_atomic_int_set (&queue_length, 0);
  _cg_mutex_unlock (&pool_lock);

  g_warning ("%s", error->message);
  pool_cancel_list (failed, error->message);
  g_error_free (error);

  _cg_mutex_lock (&pool_lock);
  return FALSE;
}

/* The manager --------------------------------------------------------------- */

/* Stops the idle workers beyond the limit whose idle time is over (all of
 * them with @now_too), oldest first, and at once those past the cap;
 * returns when the next one is due. */
static gint64
pool_retire_idle_locked (gboolean now_too)
{
  guint max_idle = (guint) g_atomic_int_get (&pool_max_idle);

  while (pool_idle.length > 0 && pool_workers.length + pool_starting > pool_room_locked ())
    {
      CgCaller *caller = pool_leave_locked (pool_idle.head->data);

      _cg_mutex_unlock (&pool_lock);
      caller_stop_soon (caller);
      _cg_mutex_lock (&pool_lock);
    }

  while (pool_idle.length > max_idle)
    {
      PoolWorker *worker = pool_idle.head->data;
      gint64 due = worker->idle_since + pool_idle_timeout_usec ();

      if (!now_too && due > g_get_monotonic_time ())
        return due;
      {
        CgCaller *caller = pool_leave_locked (worker);

        _cg_mutex_unlock (&pool_lock);
        caller_stop_soon (caller);
        _cg_mutex_lock (&pool_lock);
      }
    }
  return G_MAXINT64;
}

/* The pool manager: starts workers while jobs wait and no worker makes
 * progress, puts back in the queue the jobs of workers that are stuck,
 * and retires idle workers beyond the limit. Thread creation thus never
 * slows down cg_caller_to_thread() itself. */
static gpointer
pool_manager_main (gpointer data)
{
  gint64 next_tick = 0, stalled_since = 0;
  guint64 progress_seen = 0;

  _cg_mutex_lock (&pool_lock);
  for (;;)
    {
      gint64 now = g_get_monotonic_time ();
      gint64 wake_at = pool_retire_idle_locked (FALSE);
      guint64 progress = 0;
      CgCaller *wake = NULL;
      gboolean stuck = FALSE;

      if ((queue_head == NULL && pool_batched_locked () == 0) || pool_closed > 0)
        {
          /* Nothing waits (in the queue, or taken by a worker and not
           * started): the threads past the cap stop once their jobs are
           * done, those idle now. */
          if (pool_extra > 0)
            {
              pool_extra = 0;
              continue; /* the loop's top retires them, and looks again */
            }
          pool_manager_urgent = FALSE;
          stalled_since = 0;
          next_tick = 0;
          if (wake_at == G_MAXINT64)
            {
              pool_manager_parked = TRUE;
              while (pool_manager_parked)
                _cg_cond_wait (&pool_manager_cond, &pool_lock);
            }
          else
            {
              pool_manager_parked = TRUE;
              _cg_cond_wait_until (&pool_manager_cond, &pool_lock, wake_at);
              pool_manager_parked = FALSE;
            }
          continue;
        }

      if (pool_manager_urgent || pool_workers.length + pool_starting == 0)
        {
          /* Nobody is there, or every worker blocks: start one now. */
          pool_manager_urgent = FALSE;
          if (pool_awake_locked () == 0 && pool_idle.length == 0 &&
              pool_workers.length + pool_starting < pool_room_locked ())
            {
              if (!pool_start_worker_locked ())
                {
                  _cg_mutex_unlock (&pool_lock);
                  g_usleep (G_USEC_PER_SEC / 10); /* reported; do not spin */
                  _cg_mutex_lock (&pool_lock);
                }
              continue;
            }
        }

      if (next_tick == 0 || now < next_tick)
        {
          if (next_tick == 0)
            {
              next_tick = now + pool_grow_usec ();
              progress_seen = 0;
              for (GList *l = pool_workers.head; l != NULL; l = l->next)
                {
                  PoolWorker *worker = l->data;

                  worker->ran_seen = g_atomic_int_get (&worker->ran);
                  progress_seen += (guint) worker->ran_seen;
                }
            }
          _cg_cond_wait_until (&pool_manager_cond, &pool_lock, MIN (next_tick, wake_at));
          continue;
        }

      /* A tick passed with jobs waiting. A worker that ran nothing is
       * stuck in a long job: what it took goes back to the queue. */
      for (GList *l = pool_workers.head; l != NULL; l = l->next)
        {
          PoolWorker *worker = l->data;
          gint ran = g_atomic_int_get (&worker->ran);

          if (ran == worker->ran_seen && !worker->idle)
            pool_return_batch_locked (worker);
          worker->ran_seen = ran;
          progress += (guint) ran;
        }
      /* A worker that has not asked for work yet will take some. */
      stuck = progress == progress_seen && pool_fresh == 0;
      progress_seen = progress;
      next_tick = now + pool_grow_usec ();

      if (!stuck)
        {
          stalled_since = 0;
          if (pool_awake_locked () == 0)
            wake = pool_kick_locked ();
          _cg_mutex_unlock (&pool_lock);
          pool_wake (wake);
          _cg_mutex_lock (&pool_lock);
          continue;
        }

      /* No worker ran a job: wake an idle one, or start one below the cap,
       * or, once the pool has stayed full for a while, past it. */
      if (stalled_since == 0)
        stalled_since = now;
      if (pool_idle.length > 0)
        {
          wake = pool_kick_locked ();
          _cg_mutex_unlock (&pool_lock);
          pool_wake (wake);
          _cg_mutex_lock (&pool_lock);
        }
      else if (pool_workers.length + pool_starting < pool_room_locked () ||
               (now - stalled_since >= pool_saturation_usec () &&
                pool_workers.length + pool_starting < CG_POOL_HARD_MAX_THREADS))
        {
          if (pool_workers.length + pool_starting >= pool_room_locked ())
            {
              /* One more per period past the cap. */
              pool_extra++;
              stalled_since = now;
            }
          if (!pool_start_worker_locked ())
            {
              _cg_mutex_unlock (&pool_lock);
              g_usleep (G_USEC_PER_SEC / 10);
              _cg_mutex_lock (&pool_lock);
            }
        }
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

/* cg_caller_stop_all() begins (@stopping) or ends. From its beginning to
 * its end the pool is closed: the jobs waiting for a worker (and those
 * workers took and have not started) are cancelled, new ones are
 * cancelled at once and the manager starts no worker, so that no pool job
 * submitted before stop_all() returns starts after it. The workers are
 * callers: stop_all() itself stops them, including one the manager was
 * starting (waited for here, so that it is registered by then). */
static void
pool_stop_all_hook (gboolean stopping,
                    gboolean force,
                    gpointer user_data)
{
  CgInboxNode *cancelled;

  _cg_mutex_lock (&pool_lock);
  if (!stopping)
    {
      pool_closed--;
      if (pool_closed == 0 && queue_head != NULL)
        pool_manager_signal_locked (TRUE);
      _cg_mutex_unlock (&pool_lock);
      return;
    }

  pool_closed++;
  pool_generation++;
  while (pool_starting > 0)
    _cg_cond_wait (&pool_started_cond, &pool_lock);
  for (GList *l = pool_workers.head; l != NULL; l = l->next)
    pool_return_batch_locked (l->data);
  cancelled = queue_head;
  queue_head = queue_tail = NULL;
  g_atomic_int_set (&queue_length, 0);
  _cg_mutex_unlock (&pool_lock);

  pool_cancel_list (cancelled, _("The worker pool was stopped before the job ran"));
}

/* Sets up what the pool hooks into, once; with the pool lock held. */
static void
pool_hook_locked (void)
{
  if (G_LIKELY (pool_hooked))
    return;
  _cg_caller_add_stop_all_hook (pool_stop_all_hook, NULL);
  _cg_future_set_blocking_funcs (&pool_blocking_funcs);
  _cg_job_set_unowned_cancel_func (pool_unowned_cancelled);
  pool_hooked = TRUE;
}

/* Queues @job (and the reference given), or completes it as cancelled
 * when the pool is being stopped or its manager cannot start. Wakes a
 * parked worker only when no worker is awake to see the job. */
static void
pool_submit (CgFuture *job)
{
  CgCaller *wake = NULL;
  GError *local = NULL;

  job->node.queued_at = g_get_monotonic_time ();

  _cg_mutex_lock (&pool_lock);
  pool_hook_locked ();
  if (G_UNLIKELY (pool_closed > 0))
    {
      _cg_mutex_unlock (&pool_lock);
      pool_cancel_job (job, _("The worker pool is being stopped"));
      return;
    }
  if (G_UNLIKELY (pool_manager == NULL) && !pool_start_manager_locked (&local))
    {
      _cg_mutex_unlock (&pool_lock);

      /* Nothing was queued: a later call tries again. */
      g_warning ("%s", local->message);
      pool_cancel_job (job, local->message);
      g_error_free (local);
      return;
    }

  queue_push_tail_locked (job);
  if (pool_awake_locked () == 0)
    wake = pool_kick_locked ();
  /* The manager watches for progress while jobs wait: a parked one is
   * woken (once: it is no longer parked after that), also when the job
   * went to a worker woken here, which a long job could keep from the
   * others queued behind it. */
  if (pool_manager_parked)
    pool_manager_signal_locked (FALSE);
  _cg_mutex_unlock (&pool_lock);

  pool_wake (wake);
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
 * thread. cg_caller_to_thread_full() does the same with a label and a
 * cancellable given at submission.
 *
 * The job waits in the pool's queue, in the order of submission, until a
 * worker takes it; at most cg_caller_get_max_pool_threads() workers run
 * jobs at once (more only while some of them block in
 * cg_future_wait_sync(), see the section above). Cancelling the future
 * while the job waits completes it at once, as cancelled: the job never
 * runs and @destroy runs on the cancelling thread. While it waits, the
 * job's future has no thread yet (cg_future_get_thread() returns %NULL).
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
  CgFuture *job;

  g_return_val_if_fail (func != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  job = _cg_caller_make_job (NULL, func, user_data, destroy);
  pool_submit (g_object_ref (job));

  return job;
}

/**
 * cg_caller_to_thread_full:
 * @func: (scope notified) (closure user_data) (destroy destroy): the job
 * @user_data: data for @func
 * @destroy: (nullable): frees @user_data once the job has run or was
 *   dropped
 * @label: (nullable): what the job is, for people: its label in the job
 *   list of the submitting thread's caller (cg_caller_get_jobs())
 * @priority: where the job waits in the pool's queue, on GLib's scale
 *   (%G_PRIORITY_DEFAULT; a lower value is more urgent)
 * @cancellable: (nullable): cancels the job
 * @error: return location for a #GError
 *
 * cg_caller_to_thread() with options given at submission, so that nothing
 * has to be attached to the future after its job may have started.
 *
 * @label is set as cg_future_set_label() would, before this returns and
 * before the job can start: a #CgJob list of the submitting thread's
 * caller shows it.
 *
 * @cancellable becomes the future's cancellable before the job can start:
 * the job finds it with cg_future_get_cancellable(), and cancelling the
 * future cancels it (as cg_future_set_cancellable() would). Cancelling
 * @cancellable cancels the future: a job still waiting for a worker
 * completes at once as cancelled and never runs, a running job sees its
 * cancellable cancelled. A @cancellable cancelled already gives a future
 * cancelled at once. One cancellable may serve many jobs.
 *
 * While jobs wait for a worker, one of a more urgent @priority (a lower
 * value, as for #GSource priorities) goes ahead of those of a less urgent
 * one; jobs of one priority start in the order they were submitted.
 * cg_caller_to_thread() submits at %G_PRIORITY_DEFAULT. A job that runs
 * is never interrupted for a more urgent one.
 *
 * Thread-safe.
 *
 * Returns: (transfer full): the job's future, or %NULL with @error set
 *
 * Since: 0.1
 */
CgFuture *
cg_caller_to_thread_full (CgJobFunc        func,
                          gpointer         user_data,
                          GDestroyNotify   destroy,
                          const char      *label,
                          gint             priority,
                          GCancellable    *cancellable,
                          GError         **error)
{
  CgFuture *job;

  g_return_val_if_fail (func != NULL, NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  job = _cg_caller_make_job (NULL, func, user_data, destroy);
  job->priority = (gint16) CLAMP (priority, G_MININT16, G_MAXINT16);
  if (label != NULL)
    cg_future_set_label (job, label);

  if (cancellable != NULL)
    _cg_job_link_cancellable (job, cancellable);

  if (cg_future_is_cancelled (job))
    {
      pool_cancel_job (g_object_ref (job), NULL);
      return job;
    }

  pool_submit (g_object_ref (job));

  /* Cancelled while it was being queued: the cancel found no job to take
   * out of the queue. */
  if (cg_future_is_cancelled (job) && !cg_future_is_done (job))
    pool_unowned_cancelled (job);

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
 * cg_caller_to_thread(): async_kernel's `MAX_IDLE_POOL_INSTANCES`. Idle
 * workers beyond it stop once they have been idle for 60 seconds. It is
 * also the default limit of cg_as_completed_new_from_generator().
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
 *   once it has been idle for the idle timeout
 *
 * Sets the limit of cg_caller_get_max_idle_pool_instances(). Lowering it
 * stops the idle workers beyond the new limit at once (without waiting
 * for their threads to end), oldest first; busy workers are not affected
 * until they run out of jobs.
 *
 * Process-wide and thread-safe.
 *
 * Since: 0.1
 */
void
cg_caller_set_max_idle_pool_instances (guint max_idle)
{
  g_return_if_fail (max_idle <= G_MAXINT);

  g_atomic_int_set (&pool_max_idle, (gint) max_idle);

  _cg_mutex_lock (&pool_lock);
  pool_retire_idle_locked (TRUE);
  _cg_mutex_unlock (&pool_lock);
}

/**
 * cg_caller_get_default_max_pool_threads:
 *
 * The default of cg_caller_get_max_pool_threads(): the number of
 * processors (g_get_num_processors()) plus 4, at most 32, as Python's
 * `concurrent.futures.ThreadPoolExecutor` does.
 *
 * Returns: the default cap on pool threads
 *
 * Since: 0.1
 */
guint
cg_caller_get_default_max_pool_threads (void)
{
  return default_max_threads ();
}

/**
 * cg_caller_get_max_pool_threads:
 *
 * The cap on pool workers that run jobs at once: jobs beyond it wait in
 * the pool's queue, in the order they were submitted. Workers whose job
 * blocks in cg_future_wait_sync() do not count against it, and a pool
 * that stays saturated for half a second may add threads past it, one per
 * half second, up to %CG_POOL_HARD_MAX_THREADS (see the section above).
 *
 * Process-wide and thread-safe.
 *
 * Returns: the cap; cg_caller_get_default_max_pool_threads() unless
 *   changed
 *
 * Since: 0.1
 */
guint
cg_caller_get_max_pool_threads (void)
{
  return max_threads ();
}

/**
 * cg_caller_set_max_pool_threads:
 * @max_threads: the new cap, from 1 to %CG_POOL_HARD_MAX_THREADS; 0
 *   restores the default
 *
 * Sets the cap of cg_caller_get_max_pool_threads(). Raising it lets the
 * pool start workers for the jobs that wait; lowering it stops no running
 * job: workers beyond the new cap stop when they finish the job they run.
 *
 * Process-wide and thread-safe.
 *
 * Since: 0.1
 */
void
cg_caller_set_max_pool_threads (guint max_threads)
{
  g_return_if_fail (max_threads <= CG_POOL_HARD_MAX_THREADS);

  g_atomic_int_set (&pool_max_threads, (gint) max_threads);

  /* Idle workers past a lower cap stop now; the manager may start
   * workers for jobs that wait under a higher one. */
  _cg_mutex_lock (&pool_lock);
  pool_retire_idle_locked (FALSE);
  if (queue_head != NULL)
    pool_manager_signal_locked (TRUE);
  _cg_mutex_unlock (&pool_lock);
}

/**
 * cg_pool_stats_copy:
 * @stats: a #CgPoolStats
 *
 * Copies @stats.
 *
 * Returns: (transfer full): a copy, to free with cg_pool_stats_free()
 *
 * Since: 0.1
 */
CgPoolStats *
cg_pool_stats_copy (const CgPoolStats *stats)
{
  g_return_val_if_fail (stats != NULL, NULL);

  return g_memdup2 (stats, sizeof *stats);
}

/**
 * cg_pool_stats_free:
 * @stats: a #CgPoolStats from cg_pool_stats_copy()
 *
 * Frees a copy made by cg_pool_stats_copy().
 *
 * Since: 0.1
 */
void
cg_pool_stats_free (CgPoolStats *stats)
{
  g_free (stats);
}

G_DEFINE_BOXED_TYPE (CgPoolStats, cg_pool_stats, cg_pool_stats_copy, cg_pool_stats_free)

/**
 * cg_caller_get_pool_stats:
 * @stats: (out caller-allocates): where to store the counts
 *
 * Fills @stats with the worker pool's state: threads, idle and blocked
 * workers, jobs queued, jobs run and queue waits, read together. Cheap
 * enough for a status bar that polls it a few times a second; nothing is
 * notified when the counts change.
 *
 * Process-wide and thread-safe.
 *
 * Since: 0.1
 */
void
cg_caller_get_pool_stats (CgPoolStats *stats)
{
  g_return_if_fail (stats != NULL);

  memset (stats, 0, sizeof *stats);
  _cg_mutex_lock (&pool_lock);
  stats->n_threads = pool_workers.length;
  stats->n_idle = pool_idle.length;
  stats->n_blocked = pool_blocked;
  stats->n_queued = (guint) queue_length + pool_batched_locked ();
  stats->jobs_run = pool_jobs_run;
  for (GList *l = pool_workers.head; l != NULL; l = l->next)
    {
      PoolWorker *worker = l->data;

      stats->jobs_run += (guint) g_atomic_int_get (&worker->ran) - worker->ran_counted;
    }
  if (queue_head != NULL)
    stats->current_wait_usec = MAX (0, g_get_monotonic_time () -
                                       queue_head->queued_at);
  stats->longest_wait_usec = MAX (pool_longest_wait, stats->current_wait_usec);
  _cg_mutex_unlock (&pool_lock);
  stats->max_threads = max_threads ();
}
