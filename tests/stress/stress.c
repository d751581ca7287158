/* stress.c: many callers, many jobs, chaos, and nothing lost
 *
 * Copyright 2026 The caller-glib authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Eight named callers take a mix of work from submitter threads:
 * cg_caller_call_soon(), cg_caller_call_later(), cg_caller_call_direct(),
 * cg_caller_to_thread(), cg_caller_queue_call() and
 * cg_caller_queue_call_named() (from the caller's own thread, inside a
 * job), and jobs that take a contended CgAsyncLock or CgReentrantAsyncLock.
 * Meanwhile futures are cancelled at random, waited for from other threads
 * (cg_future_wait_sync() and cg_future_wait_async(), with short timeouts
 * that cancel unless shielded), and a chaos thread stops callers and starts
 * new ones under the same name while their work is in flight; now and then
 * a job stops its own caller.
 *
 * The work goes in rounds. At the end of each round every record is
 * checked:
 *
 *  - every future completed exactly once (its completion hook and its done
 *    callback each ran once, and the outcome is a value, an error or a
 *    cancellation that matches what the job did);
 *  - every destroy notify (job data, hook data, callback data) ran once;
 *  - every done callback ran on the future's own thread (or, once that
 *    thread's caller is stopped, wherever the library had to run it);
 *  - no job ran twice, on the wrong thread, or after its caller stopped;
 *  - a job that never ran was refused at submission, cancelled, or
 *    dropped by the stop of its caller: submitted = ran + refused +
 *    dropped, and futures accepted = values + errors + cancellations;
 *  - the locks were never held by two at once and are free at the end.
 *
 * Callers 0-3 are never stopped; 4-7 are stopped and restarted (see
 * STABLE_SLOTS for why the reentrant lock jobs go to the first four).
 *
 * Every wait is bounded. The figures are printed at the end.
 *
 * Soak mode (--duration S) runs rounds for S seconds instead of a number
 * of jobs, samples the resident set size of the process on the way, and
 * fails if it keeps growing once warmed up (see soak_check()).
 *
 * Usage: stress [--long] [--jobs N] [--duration S] [--seed S] [--verbose]
 *   default 100 000 jobs; --long runs 1 000 000. CG_STRESS_JOBS,
 *   CG_STRESS_DURATION and CG_STRESS_SEED do the same as --jobs,
 *   --duration and --seed.
 */

#include <caller-glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#define N_SLOTS        8
#define N_SUBMITTERS   4
#define N_WAITERS      2
#define ROUND_JOBS     25000
#define QUEUE_BATCH    8
/* Slots below this are never stopped; the others are stopped and
 * restarted. Every kind of job goes to every slot, except the jobs that
 * take the CgReentrantAsyncLock: its holder spans two main-loop turns (its
 * re-entry answers later), and a caller stopped in between would keep the
 * lock for ever, as any holder that never releases does. */
#define STABLE_SLOTS   4
#define WAIT_RING      256

/* How long the end of a round may take to settle, in seconds. Generous:
 * sanitizer builds are slow. */
#define SETTLE_TIMEOUT_S 120.0

typedef enum
{
  K_SOON,
  K_LATER,
  K_DIRECT,
  K_THREAD,
  K_QUEUE,
  K_QUEUE_NAMED,
  K_LOCK,
  K_RLOCK,
  N_KINDS
} Kind;

static const char *kind_names[N_KINDS] = {
  "call_soon", "call_later", "call_direct", "to_thread",
  "queue_call", "queue_call_named", "async_lock", "reentrant_lock",
};

static const gboolean kind_has_future[N_KINDS] = {
  TRUE, TRUE, FALSE, TRUE, FALSE, FALSE, TRUE, TRUE,
};

typedef enum
{
  OUT_NONE,
  OUT_VALUE,
  OUT_ERROR,
  OUT_CANCELLED,
} Outcome;

#define STRESS_ERROR (g_quark_from_static_string ("stress-error"))

/* One caller of a slot: a new generation each time the slot restarts. */
typedef struct
{
  CgCaller *caller;      /* strong, kept until no job can refer to it */
  GThread  *thread;
  guint     slot;
  guint     number;
  gint64    stopped_at;  /* atomic (set once): when its stop returned */
} Gen;

typedef struct
{
  GMutex  lock;
  Gen    *gen;           /* current generation */
  guint   n_gens;
} Slot;

/* One unit of work and everything that happened to it. */
typedef struct
{
  guint     id;
  guint8    kind;
  guint8    want_error;
  guint8    stop_own;      /* the job stops its own caller */
  guint8    slow;
  guint8    slot;
  Gen      *gen;           /* where it was sent; NULL for to_thread */
  CgFuture *future;        /* strong until the round ends */

  gint      rejected;      /* atomic: submission failed */
  gint      queued;        /* atomic: queue jobs: handed over, or dropped */
  gint      ran;           /* atomic */
  gint      destroyed;     /* atomic */
  gint      hooks;         /* atomic */
  gint      hook_destroyed;
  gint      dones;
  gint      done_destroyed;
  gint      done_off_owner;       /* ran off its owner thread, owner stopped */
  gint      done_wrong_thread;    /* ran off its owner thread, owner running */
  gint      outcome;       /* set by the hook */
  gint      bad_outcome;   /* the hook saw something that does not fit */
  gint      wrong_thread;  /* the job ran on another thread */
  gint      lock_state;    /* 0 none, 1 granted, 2 refused */
  gint64    started_at;
  Gen      *ran_gen;       /* the generation whose thread ran it */
} Job;

typedef struct
{
  Job      *jobs[QUEUE_BATCH];
  guint     n;
  gboolean  named;
  gint      handed[QUEUE_BATCH];
} QueueBatch;

/* ------------------------------------------------------------------ */
/* Global state                                                        */
/* ------------------------------------------------------------------ */

static Slot slots[N_SLOTS];
static GPtrArray *all_gens;          /* Gen, every generation still kept */
static guint n_gens_started;
static GMutex gens_lock;

static CgAsyncLock *plain_lock;
static CgAsyncLock *reentrant_lock;
static gint lock_inside;             /* atomic: holders inside now */
static gint rlock_inside;
static gint lock_overlaps;           /* atomic: violations */

static Job *round_jobs;
static guint round_n;
static gint next_job;                /* atomic: next record to submit */
static gint submitting;              /* atomic: submitters still at work */

static GMutex ring_lock;
static CgFuture *ring[WAIT_RING];    /* strong */
static guint ring_head;

static gint chaos_running;
static gint waiters_running;

/* Figures */
static guint64 total_jobs;
static guint64 per_kind_submitted[N_KINDS];
static guint64 per_kind_rejected[N_KINDS];
static guint64 per_kind_ran[N_KINDS];
static guint64 per_kind_dropped[N_KINDS];
static guint64 per_outcome[4];
static guint64 done_off_owner_total;
static gint stats_restarts;          /* atomic */
static gint stats_self_stops;        /* atomic */
static gint stats_stops;             /* atomic: from outside and from jobs */
static gint64 stats_submitted;       /* atomic: records taken by submitters */
static gint stats_cancels;           /* atomic */
static gint stats_wait_sync;         /* atomic */
static gint stats_wait_async;        /* atomic */
static gint stats_wait_timeouts;     /* atomic */
static gint stats_lock_granted;      /* atomic */
static gint stats_lock_refused;      /* atomic */
static gint failures;             /* atomic */
static gboolean verbose;

#define FAIL(...)                                                    \
  G_STMT_START {                                                     \
    if (g_atomic_int_add (&failures, 1) < 20)                        \
      {                                                              \
        fprintf (stderr, "stress: FAIL: ");                          \
        fprintf (stderr, __VA_ARGS__);                               \
        fprintf (stderr, "\n");                                      \
      }                                                              \
  } G_STMT_END

/* A small per-thread random generator (xorshift), seeded per thread. */
static guint64 seed;
static GPrivate rng_key = G_PRIVATE_INIT (g_free);
static gint rng_counter;

static guint32
rnd (void)
{
  guint64 *state = g_private_get (&rng_key);

  if (state == NULL)
    {
      state = g_new (guint64, 1);
      *state = seed ^ (0x9E3779B97F4A7C15ull * (guint64) (g_atomic_int_add (&rng_counter, 1) + 1));
      if (*state == 0)
        *state = 1;
      g_private_set (&rng_key, state);
    }
  *state ^= *state << 13;
  *state ^= *state >> 7;
  *state ^= *state << 17;
  return (guint32) (*state >> 16);
}

static gboolean
chance (guint per_10000)
{
  return rnd () % 10000 < per_10000;
}

/* ------------------------------------------------------------------ */
/* Generations                                                         */
/* ------------------------------------------------------------------ */

static Gen *
gen_start (guint slot)
{
  char name[32];
  GError *error = NULL;
  Gen *gen = g_new0 (Gen, 1);
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  g_snprintf (name, sizeof name, "stress-%u", slot);
  /* The old caller leaves the registry when its stop begins; a caller
   * stopping itself from a job may take a moment. */
  while ((gen->caller = cg_caller_start_new (name, FALSE, NULL, &error)) == NULL)
    {
      if (!g_error_matches (error, CG_CALLER_ERROR, CG_CALLER_ERROR_EXISTS) ||
          g_get_monotonic_time () > deadline)
        g_error ("stress: cannot start %s: %s", name, error->message);
      g_clear_error (&error);
      g_usleep (100);
    }
  gen->thread = cg_caller_get_thread (gen->caller);
  gen->slot = slot;

  g_mutex_lock (&gens_lock);
  gen->number = n_gens_started++;
  g_ptr_array_add (all_gens, gen);
  g_mutex_unlock (&gens_lock);

  return gen;
}

static gint64
gen_stopped_at (Gen *gen)
{
  return __atomic_load_n (&gen->stopped_at, __ATOMIC_SEQ_CST);
}

static void
gen_set_stopped (Gen *gen)
{
  __atomic_store_n (&gen->stopped_at, g_get_monotonic_time (), __ATOMIC_SEQ_CST);
}

static gboolean
gen_is_stopped (Gen *gen)
{
  return gen_stopped_at (gen) != 0 || cg_caller_get_stopped (gen->caller);
}

static Gen *
gen_for_thread (GThread *thread)
{
  Gen *found = NULL;

  g_mutex_lock (&gens_lock);
  for (guint i = all_gens->len; i-- > 0;)
    {
      Gen *gen = g_ptr_array_index (all_gens, i);

      if (gen->thread == thread)
        {
          found = gen;
          break;
        }
    }
  g_mutex_unlock (&gens_lock);
  return found;
}

/* The current generation of @slot, with a reference to its caller. */
static Gen *
slot_get (guint slot, CgCaller **caller)
{
  Gen *gen;

  g_mutex_lock (&slots[slot].lock);
  gen = slots[slot].gen;
  *caller = g_object_ref (gen->caller);
  g_mutex_unlock (&slots[slot].lock);
  return gen;
}

static void
slot_restart (guint slot, gboolean stop_first)
{
  Gen *old, *gen;

  g_mutex_lock (&slots[slot].lock);
  old = slots[slot].gen;
  if (stop_first)
    {
      /* From another thread: returns once the caller's thread ended. */
      cg_caller_stop (old->caller, FALSE);
      gen_set_stopped (old);
      g_atomic_int_inc (&stats_stops);
    }
  else if (!cg_caller_get_stopped (old->caller))
    {
      g_mutex_unlock (&slots[slot].lock);
      return;
    }
  gen = gen_start (slot);
  slots[slot].gen = gen;
  slots[slot].n_gens++;
  g_mutex_unlock (&slots[slot].lock);
  g_atomic_int_inc (&stats_restarts);
}

static void
gen_free (Gen *gen)
{
  g_object_unref (gen->caller);
  g_free (gen);
}

/* Between rounds, once every job of the round is checked: the generations
 * that were replaced are stopped, and no job refers to them any more. They
 * go, so that memory does not grow with the length of the run. The chaos
 * thread may restart a slot meanwhile: a generation is kept unless it is
 * stopped and was not current when this began. */
static void
gens_prune (void)
{
  Gen *current[N_SLOTS];
  guint kept = 0;

  for (guint i = 0; i < N_SLOTS; i++)
    {
      g_mutex_lock (&slots[i].lock);
      current[i] = slots[i].gen;
      g_mutex_unlock (&slots[i].lock);
    }

  g_mutex_lock (&gens_lock);
  for (guint i = 0; i < all_gens->len; i++)
    {
      Gen *gen = g_ptr_array_index (all_gens, i);

      if (gen != current[gen->slot] && gen_is_stopped (gen))
        gen_free (gen);
      else
        all_gens->pdata[kept++] = gen;
    }
  g_ptr_array_set_size (all_gens, kept);
  g_mutex_unlock (&gens_lock);
}

/* ------------------------------------------------------------------ */
/* Jobs                                                                */
/* ------------------------------------------------------------------ */

static void
job_destroy (gpointer data)
{
  Job *job = data;

  g_atomic_int_inc (&job->destroyed);
}

static void
job_record_run (Job *job)
{
  GThread *self = g_thread_self ();

  job->started_at = g_get_monotonic_time ();
  if (g_atomic_int_add (&job->ran, 1) != 0)
    return; /* counted as a double run at the end */

  if (job->gen != NULL)
    {
      job->ran_gen = job->gen;
      if (job->gen->thread != self)
        g_atomic_int_set (&job->wrong_thread, 1);
    }
  else
    {
      job->ran_gen = gen_for_thread (self); /* NULL for a pool worker */
    }
}

static void
job_finish (CgFuture *future,
            Job      *job)
{
  if (job->slow)
    g_usleep (100);

  if (job->stop_own && job->gen != NULL)
    {
      CgCaller *own = cg_caller_get_current ();

      if (own == job->gen->caller)
        {
          /* Returns at once: the thread ends after this job. */
          cg_caller_stop (own, FALSE);
          gen_set_stopped (job->gen);
          g_atomic_int_inc (&stats_self_stops);
          g_atomic_int_inc (&stats_stops);
        }
    }

  if (future == NULL)
    return;
  if (job->want_error)
    cg_future_return_new_error (future, STRESS_ERROR, 7, NULL, "job %u failed", job->id);
  else
    cg_future_return_int (future, job->id, NULL);
}

static void
job_func (CgFuture *future,
          gpointer  data)
{
  Job *job = data;

  job_record_run (job);
  job_finish (future, job);
}

static void
direct_func (gpointer data)
{
  Job *job = data;

  job_record_run (job);
  job_finish (NULL, job);
}

static void
queue_item_func (CgFuture *future,
                 gpointer  data)
{
  Job *job = data;

  job_record_run (job);
  if (job->slow)
    g_usleep (100);
  /* A failing queued call is logged by the library; keep the log quiet. */
  cg_future_return_int (future, job->id, NULL);
}

/* Locks ------------------------------------------------------------------- */

static void
plain_lock_acquired (GObject      *source,
                     GAsyncResult *result,
                     gpointer      data)
{
  Job *job = data;
  GError *error = NULL;

  if (!cg_async_lock_acquire_finish (plain_lock, result, &error))
    {
      g_atomic_int_set (&job->lock_state, 2);
      g_atomic_int_inc (&stats_lock_refused);
      g_error_free (error);
      return;
    }

  if (g_atomic_int_add (&lock_inside, 1) != 0)
    g_atomic_int_inc (&lock_overlaps);
  g_atomic_int_add (&lock_inside, -1);

  if (!cg_async_lock_release (plain_lock, &error))
    {
      FAIL ("job %u: release of the async lock failed: %s", job->id, error->message);
      g_error_free (error);
    }
  g_atomic_int_set (&job->lock_state, 1);
  g_atomic_int_inc (&stats_lock_granted);
}

static void
reentrant_inner_acquired (GObject      *source,
                          GAsyncResult *result,
                          gpointer      data)
{
  Job *job = data;
  GError *error = NULL;

  if (!cg_async_lock_acquire_finish (reentrant_lock, result, &error))
    {
      FAIL ("job %u: reentrant acquisition refused: %s", job->id, error->message);
      g_error_free (error);
    }
  else if (cg_async_lock_get_count (reentrant_lock) < 2)
    {
      FAIL ("job %u: reentrant lock count %u inside a re-entry", job->id,
            cg_async_lock_get_count (reentrant_lock));
    }
  else if (!cg_async_lock_release (reentrant_lock, &error))
    {
      FAIL ("job %u: inner release failed: %s", job->id, error->message);
      g_clear_error (&error);
    }

  g_atomic_int_add (&rlock_inside, -1);
  if (!cg_async_lock_release (reentrant_lock, &error))
    {
      FAIL ("job %u: outer release failed: %s", job->id, error->message);
      g_error_free (error);
    }
  g_atomic_int_set (&job->lock_state, 1);
  g_atomic_int_inc (&stats_lock_granted);
}

static void
reentrant_acquired (GObject      *source,
                    GAsyncResult *result,
                    gpointer      data)
{
  Job *job = data;
  GError *error = NULL;

  if (!cg_async_lock_acquire_finish (reentrant_lock, result, &error))
    {
      g_atomic_int_set (&job->lock_state, 2);
      g_atomic_int_inc (&stats_lock_refused);
      g_error_free (error);
      return;
    }

  if (g_atomic_int_add (&rlock_inside, 1) != 0)
    g_atomic_int_inc (&lock_overlaps);

  /* The holding context enters again; released in the inner callback. */
  cg_async_lock_acquire_async (reentrant_lock, NULL, reentrant_inner_acquired, job);
}

static void
lock_job_func (CgFuture *future,
               gpointer  data)
{
  Job *job = data;

  job_record_run (job);
  if (job->kind == K_LOCK)
    cg_async_lock_acquire_async (plain_lock, NULL, plain_lock_acquired, job);
  else
    cg_async_lock_acquire_async (reentrant_lock, NULL, reentrant_acquired, job);
  /* The job's future completes with no value when it returns. */
}

/* Execution queues --------------------------------------------------------- */

static void
queue_batch_free (gpointer data)
{
  QueueBatch *batch = data;

  /* Records the caller never got to hand over are dropped here. */
  for (guint i = 0; i < batch->n; i++)
    if (!batch->handed[i])
      {
        job_destroy (batch->jobs[i]);
        g_atomic_int_set (&batch->jobs[i]->queued, 1);
      }
  g_free (batch);
}

/* Runs on the caller's own thread (a call_direct), as queue_call wants.
 * The caller is the one the batch was sent to, not cg_caller_get_current(),
 * which has no caller to give once another thread has stopped this one:
 * the queue calls are then refused as closed. */
static void
queue_spawner (gpointer data)
{
  QueueBatch *batch = data;
  CgCaller *own = batch->jobs[0]->gen->caller;

  for (guint i = 0; i < batch->n; i++)
    {
      Job *job = batch->jobs[i];
      GError *error = NULL;
      gboolean ok;

      batch->handed[i] = TRUE; /* from here the library owns its destroy */
      if (batch->named)
        ok = cg_caller_queue_call_named (own, job->id % 2 ? "stress-a" : "stress-b", NULL,
                                         queue_item_func, job, job_destroy, 256, &error);
      else
        ok = cg_caller_queue_call (own, queue_item_func, NULL, job, job_destroy, 256, &error);
      if (!ok)
        {
          if (!g_error_matches (error, CG_CALLER_ERROR, CG_CALLER_ERROR_CLOSED) &&
              !g_error_matches (error, CG_CALLER_ERROR, CG_CALLER_ERROR_WOULD_BLOCK))
            FAIL ("job %u: queue_call failed unexpectedly: %s", job->id,
                  error != NULL ? error->message : "no error");
          g_atomic_int_set (&job->rejected, 1);
          g_error_free (error);
        }
      g_atomic_int_set (&job->queued, 1);
    }
}

/* Futures: hooks and done callbacks --------------------------------------- */

static void
hook_destroy (gpointer data)
{
  Job *job = data;

  g_atomic_int_inc (&job->hook_destroyed);
}

static void
done_destroy (gpointer data)
{
  Job *job = data;

  g_atomic_int_inc (&job->done_destroyed);
}

static void
completion_hook (CgFuture *future,
                 gpointer  data)
{
  Job *job = data;
  GError *error = NULL;
  Outcome outcome;

  if (!cg_future_is_done (future))
    g_atomic_int_set (&job->bad_outcome, 1);

  if (cg_future_is_cancelled (future))
    {
      outcome = OUT_CANCELLED;
      if (cg_future_check (future, &error) ||
          !g_error_matches (error, CG_FUTURE_ERROR, CG_FUTURE_ERROR_CANCELLED))
        g_atomic_int_set (&job->bad_outcome, 2);
    }
  else if (!cg_future_check (future, &error))
    {
      outcome = OUT_ERROR;
      if (!g_error_matches (error, STRESS_ERROR, 7))
        g_atomic_int_set (&job->bad_outcome, 3);
    }
  else
    {
      outcome = OUT_VALUE;
      if ((job->kind == K_SOON || job->kind == K_LATER || job->kind == K_THREAD) &&
          cg_future_propagate_int (future, NULL) != (gssize) job->id)
        g_atomic_int_set (&job->bad_outcome, 4);
    }
  g_clear_error (&error);

  g_atomic_int_set (&job->outcome, outcome);
  g_atomic_int_inc (&job->hooks);
}

static void
done_callback (CgFuture *future,
               gpointer  data)
{
  Job *job = data;
  GThread *owner = cg_future_get_thread (future);

  if (!cg_future_is_done (future))
    g_atomic_int_set (&job->bad_outcome, 5);

  if (owner != NULL && owner != g_thread_self ())
    {
      CgCaller *caller = cg_future_get_caller (future);

      /* Once the owner's caller is stopped nothing can run there any
       * more: the library runs the callback where it can. */
      if (caller == NULL || cg_caller_get_stopped (caller))
        g_atomic_int_inc (&job->done_off_owner);
      else
        g_atomic_int_inc (&job->done_wrong_thread);
    }

  g_atomic_int_inc (&job->dones);
}

/* ------------------------------------------------------------------ */
/* Waiters                                                             */
/* ------------------------------------------------------------------ */

static void
ring_put (CgFuture *future)
{
  CgFuture *old;

  g_mutex_lock (&ring_lock);
  old = ring[ring_head % WAIT_RING];
  ring[ring_head % WAIT_RING] = g_object_ref (future);
  ring_head++;
  g_mutex_unlock (&ring_lock);
  g_clear_object (&old);
}

static CgFuture *
ring_take (void)
{
  CgFuture *future;
  guint i = rnd () % WAIT_RING;

  g_mutex_lock (&ring_lock);
  future = ring[i];
  ring[i] = NULL;
  g_mutex_unlock (&ring_lock);
  return future;
}

static void
ring_clear (void)
{
  g_mutex_lock (&ring_lock);
  for (guint i = 0; i < WAIT_RING; i++)
    g_clear_object (&ring[i]);
  g_mutex_unlock (&ring_lock);
}

typedef struct
{
  gint     finished;
  gboolean ok;
  GError  *error;
} AsyncWait;

static void
wait_async_done (GObject      *source,
                 GAsyncResult *result,
                 gpointer      data)
{
  AsyncWait *wait = data;

  wait->ok = cg_future_wait_finish (CG_FUTURE (source), result, &wait->error);
  wait->finished++;
}

static gpointer
waiter_thread (gpointer data)
{
  GMainContext *context = g_main_context_new ();

  g_main_context_push_thread_default (context);
  while (g_atomic_int_get (&waiters_running))
    {
      CgFuture *future = ring_take ();
      gdouble timeout = (rnd () % 3000) / 1e6;  /* up to 3 ms */
      CgWaitFlags flags = chance (5000) ? CG_WAIT_FLAGS_SHIELD : CG_WAIT_FLAGS_NONE;
      GError *error = NULL;

      if (future == NULL)
        {
          g_usleep (200);
          continue;
        }

      if (chance (5000))
        {
          g_atomic_int_inc (&stats_wait_sync);
          if (!cg_future_wait_sync (future, timeout, flags, NULL, &error))
            {
              if (g_error_matches (error, CG_CALLER_ERROR, CG_CALLER_ERROR_TIMED_OUT))
                g_atomic_int_inc (&stats_wait_timeouts);
              else if (g_error_matches (error, CG_CALLER_ERROR, CG_CALLER_ERROR_WRONG_THREAD))
                FAIL ("wait_sync from a waiter thread: wrong thread");
              g_clear_error (&error);
            }
          else if (!cg_future_is_done (future))
            FAIL ("wait_sync succeeded on a future that is not done");
        }
      else
        {
          AsyncWait wait = { 0 };
          gint64 deadline = g_get_monotonic_time () + (gint64) (SETTLE_TIMEOUT_S * G_USEC_PER_SEC);

          g_atomic_int_inc (&stats_wait_async);
          cg_future_wait_async (future, timeout, flags, NULL, wait_async_done, &wait);
          while (wait.finished == 0 && g_get_monotonic_time () < deadline)
            if (!g_main_context_iteration (context, FALSE))
              g_usleep (50);
          if (wait.finished != 1)
            FAIL ("wait_async: callback ran %d times", wait.finished);
          if (!wait.ok && g_error_matches (wait.error, CG_CALLER_ERROR, CG_CALLER_ERROR_TIMED_OUT))
            g_atomic_int_inc (&stats_wait_timeouts);
          g_clear_error (&wait.error);
        }

      /* Some waiters give up on the future outright. */
      if (chance (1000) && cg_future_cancel (future, "stress: waiter cancels"))
        g_atomic_int_inc (&stats_cancels);
      g_object_unref (future);
    }

  /* Whatever the library left for this context runs before it goes. */
  while (g_main_context_iteration (context, FALSE))
    ;
  g_main_context_pop_thread_default (context);
  g_main_context_unref (context);
  return NULL;
}

/* ------------------------------------------------------------------ */
/* Chaos                                                               */
/* ------------------------------------------------------------------ */

/* Stops a caller and starts a new one under its name every
 * CHAOS_EVERY jobs or so (and every few milliseconds on a slow build), so
 * that a fast run and a slow one see about as many restarts per job. */
#define CHAOS_EVERY 1500

static gpointer
chaos_thread (gpointer data)
{
  gint last = 0;
  gint64 last_time = g_get_monotonic_time ();

  while (g_atomic_int_get (&chaos_running))
    {
      gint now_job = g_atomic_int_get (&next_job);
      gint64 now = g_get_monotonic_time ();

      g_usleep (100 + rnd () % 400);

      /* Slots whose caller stopped itself get a new one. */
      for (guint i = 0; i < N_SLOTS; i++)
        slot_restart (i, FALSE);

      if (now_job < last)
        last = 0; /* a new round */
      if (now_job - last >= CHAOS_EVERY || now - last_time > 20000)
        {
          last = now_job;
          last_time = now;
          slot_restart (STABLE_SLOTS + rnd () % (N_SLOTS - STABLE_SLOTS), TRUE);
        }
    }
  return NULL;
}

/* ------------------------------------------------------------------ */
/* Submitters                                                          */
/* ------------------------------------------------------------------ */

static guint kinds_allowed = (1u << N_KINDS) - 1;
static Kind pick_kind_weighted (void);

static Kind
pick_kind (void)
{
  for (;;)
    {
      Kind kind = pick_kind_weighted ();

      if (kinds_allowed & (1u << kind))
        return kind;
    }
}

static Kind
pick_kind_weighted (void)
{
  /* Weights out of 100 */
  guint r = rnd () % 100;

  if (r < 30) return K_SOON;
  if (r < 42) return K_LATER;
  if (r < 54) return K_DIRECT;
  if (r < 70) return K_THREAD;
  if (r < 78) return K_QUEUE;
  if (r < 86) return K_QUEUE_NAMED;
  if (r < 93) return K_LOCK;
  return K_RLOCK;
}

static void
track_future (Job *job, CgFuture *future)
{
  job->future = future; /* the reference submission gave */
  cg_future_add_completion_hook (future, completion_hook, job, hook_destroy);
  cg_future_add_done_callback (future, done_callback, job, done_destroy);

  if (chance (300) && cg_future_cancel (future, "stress: submitter cancels"))
    g_atomic_int_inc (&stats_cancels);
  else if (chance (500))
    ring_put (future);
}

static void
submit_queue_batch (QueueBatch *batch)
{
  CgCaller *caller;
  Gen *gen = slot_get (batch->jobs[0]->slot, &caller);
  GError *error = NULL;

  Job *jobs[QUEUE_BATCH];
  guint n = batch->n;

  for (guint i = 0; i < n; i++)
    {
      jobs[i] = batch->jobs[i];
      jobs[i]->gen = gen;
    }
  /* Once handed over, the batch belongs to the caller's thread. */
  if (!cg_caller_call_direct (caller, queue_spawner, batch, queue_batch_free, &error))
    {
      /* queue_batch_free ran: each record was dropped once. */
      for (guint i = 0; i < n; i++)
        g_atomic_int_set (&jobs[i]->rejected, 1);
      g_error_free (error);
    }
  g_object_unref (caller);
}

static gpointer
submitter_thread (gpointer data)
{
  QueueBatch *batches[N_SLOTS][2] = { { NULL } };

  for (;;)
    {
      gint index = g_atomic_int_add (&next_job, 1);
      Job *job;
      CgCaller *caller = NULL;
      CgFuture *future = NULL;
      GError *error = NULL;
      guint slot;

      if (index >= (gint) round_n)
        break;
      __atomic_add_fetch (&stats_submitted, 1, __ATOMIC_RELAXED);

      job = &round_jobs[index];
      job->kind = pick_kind ();
      job->want_error = chance (1000);
      job->slow = chance (50);
      slot = rnd () % N_SLOTS;

      switch (job->kind)
        {
        case K_SOON:
          job->stop_own = slot >= STABLE_SLOTS && chance (10);
          job->gen = slot_get (slot, &caller);
          future = cg_caller_call_soon (caller, job_func, job, job_destroy, &error);
          break;
        case K_LATER:
          job->gen = slot_get (slot, &caller);
          future = cg_caller_call_later (caller, (rnd () % 2000) / 1e6, job_func, job,
                                         job_destroy, &error);
          break;
        case K_DIRECT:
          job->gen = slot_get (slot, &caller);
          if (!cg_caller_call_direct (caller, direct_func, job, job_destroy, &error))
            g_atomic_int_set (&job->rejected, 1);
          break;
        case K_THREAD:
          future = cg_caller_to_thread (job_func, job, job_destroy, &error);
          break;
        case K_LOCK:
        case K_RLOCK:
          if (job->kind == K_RLOCK)
            slot %= STABLE_SLOTS;
          job->gen = slot_get (slot, &caller);
          future = cg_caller_call_soon (caller, lock_job_func, job, job_destroy, &error);
          break;
        case K_QUEUE:
        case K_QUEUE_NAMED:
          {
            guint named = job->kind == K_QUEUE_NAMED;
            QueueBatch *batch;

            batch = batches[slot][named];

            if (batch == NULL)
              {
                batch = batches[slot][named] = g_new0 (QueueBatch, 1);
                batch->named = named;
              }
            job->slot = slot; /* its generation is set when the batch goes */
            batch->jobs[batch->n++] = job;
            if (batch->n == QUEUE_BATCH)
              {
                batches[slot][named] = NULL;
                submit_queue_batch (batch);
              }
          }
          break;
        default:
          g_assert_not_reached ();
        }

      if (kind_has_future[job->kind])
        {
          if (future != NULL)
            track_future (job, future);
          else
            {
              if (!g_error_matches (error, CG_CALLER_ERROR, CG_CALLER_ERROR_CLOSED))
                FAIL ("job %u (%s): refused with %s", job->id, kind_names[job->kind],
                      error != NULL ? error->message : "no error");
              g_atomic_int_set (&job->rejected, 1);
            }
        }
      else if (job->kind == K_DIRECT && g_atomic_int_get (&job->rejected) &&
               !g_error_matches (error, CG_CALLER_ERROR, CG_CALLER_ERROR_CLOSED))
        {
          FAIL ("job %u (call_direct): refused with %s", job->id,
                error != NULL ? error->message : "no error");
        }
      g_clear_error (&error);
      g_clear_object (&caller);
    }

  for (guint s = 0; s < N_SLOTS; s++)
    for (guint n = 0; n < 2; n++)
      if (batches[s][n] != NULL)
        submit_queue_batch (batches[s][n]);

  g_atomic_int_add (&submitting, -1);
  return NULL;
}

/* ------------------------------------------------------------------ */
/* Rounds                                                              */
/* ------------------------------------------------------------------ */

static gboolean
round_settled (guint *what)
{
  for (guint i = 0; i < round_n; i++)
    {
      Job *job = &round_jobs[i];

      if (g_atomic_int_get (&job->destroyed) == 0)
        {
          *what = i;
          return FALSE;
        }
      if ((job->kind == K_QUEUE || job->kind == K_QUEUE_NAMED) &&
          g_atomic_int_get (&job->queued) == 0)
        {
          *what = i;
          return FALSE;
        }
      if (job->future != NULL &&
          (!cg_future_is_done (job->future) || g_atomic_int_get (&job->hooks) == 0 ||
           g_atomic_int_get (&job->dones) == 0 || g_atomic_int_get (&job->done_destroyed) == 0 ||
           g_atomic_int_get (&job->hook_destroyed) == 0))
        {
          *what = i;
          return FALSE;
        }
      /* Every acquisition answers, also when the caller stops. */
      if ((job->kind == K_LOCK || job->kind == K_RLOCK) && job->future != NULL &&
          g_atomic_int_get (&job->ran) && g_atomic_int_get (&job->lock_state) == 0)
        {
          *what = i;
          return FALSE;
        }
    }
  return TRUE;
}

static void
check_job (Job *job)
{
  gint ran = g_atomic_int_get (&job->ran);
  gint destroyed = g_atomic_int_get (&job->destroyed);
  Kind kind = job->kind;

  per_kind_submitted[kind]++;
  if (job->rejected)
    per_kind_rejected[kind]++;
  else if (ran)
    per_kind_ran[kind]++;
  else
    per_kind_dropped[kind]++;

  if (ran > 1)
    FAIL ("job %u (%s) ran %d times", job->id, kind_names[kind], ran);
  if (destroyed != 1)
    FAIL ("job %u (%s): destroy notify ran %d times", job->id, kind_names[kind], destroyed);
  if (job->rejected && ran)
    FAIL ("job %u (%s) was refused and ran", job->id, kind_names[kind]);
  if (job->wrong_thread)
    FAIL ("job %u (%s) ran on another thread than its caller's", job->id, kind_names[kind]);
  if (ran && job->ran_gen != NULL)
    {
      gint64 stopped = gen_stopped_at (job->ran_gen);

      if (stopped != 0 && job->started_at > stopped)
        FAIL ("job %u (%s) started %" G_GINT64_FORMAT " us after its caller %s#%u stopped",
              job->id, kind_names[kind], job->started_at - stopped,
              cg_caller_get_name (job->ran_gen->caller), job->ran_gen->number);
    }

  if (kind_has_future[kind] && !job->rejected)
    {
      gint outcome = g_atomic_int_get (&job->outcome);

      if (job->hooks != 1)
        FAIL ("job %u (%s): completion hook ran %d times", job->id, kind_names[kind], job->hooks);
      if (job->hook_destroyed != 1)
        FAIL ("job %u (%s): hook destroy ran %d times", job->id, kind_names[kind],
              job->hook_destroyed);
      if (job->dones != 1)
        FAIL ("job %u (%s): done callback ran %d times", job->id, kind_names[kind], job->dones);
      if (job->done_destroyed != 1)
        FAIL ("job %u (%s): done destroy ran %d times", job->id, kind_names[kind],
              job->done_destroyed);
      if (job->done_wrong_thread)
        FAIL ("job %u (%s): done callback ran off its owner thread while that caller ran",
              job->id, kind_names[kind]);
      if (job->bad_outcome)
        FAIL ("job %u (%s): inconsistent outcome (%d)", job->id, kind_names[kind],
              job->bad_outcome);
      if (!ran && outcome != OUT_CANCELLED)
        FAIL ("job %u (%s) never ran but its future did not complete as cancelled (%d)",
              job->id, kind_names[kind], outcome);
      if (ran && outcome == OUT_ERROR && !job->want_error)
        FAIL ("job %u (%s) failed without being asked to", job->id, kind_names[kind]);
      if (ran && outcome == OUT_VALUE && job->want_error &&
          (kind == K_SOON || kind == K_LATER || kind == K_THREAD))
        FAIL ("job %u (%s) should have failed", job->id, kind_names[kind]);
      per_outcome[outcome]++;
      done_off_owner_total += job->done_off_owner;
    }
  else if (!kind_has_future[kind] && !ran && !job->rejected &&
           (job->gen == NULL || !gen_is_stopped (job->gen)))
    {
      FAIL ("job %u (%s) was dropped although its caller runs", job->id, kind_names[kind]);
    }

  if ((kind == K_LOCK || kind == K_RLOCK) && ran && job->lock_state == 0)
    FAIL ("job %u (%s): its lock acquisition never answered%s", job->id, kind_names[kind],
          gen_is_stopped (job->gen) ? " (its caller was stopped)" : "");
}

static void
run_round (guint first_id, guint n)
{
  GThread *submitters[N_SUBMITTERS];
  gint64 deadline;
  guint what = 0;
  gboolean settled;

  memset (round_jobs, 0, sizeof (Job) * n);
  for (guint i = 0; i < n; i++)
    round_jobs[i].id = first_id + i;
  round_n = n;
  g_atomic_int_set (&next_job, 0);
  g_atomic_int_set (&submitting, N_SUBMITTERS);

  for (guint i = 0; i < N_SUBMITTERS; i++)
    submitters[i] = g_thread_new ("stress-submit", submitter_thread, NULL);
  for (guint i = 0; i < N_SUBMITTERS; i++)
    g_thread_join (submitters[i]);

  deadline = g_get_monotonic_time () + (gint64) (SETTLE_TIMEOUT_S * G_USEC_PER_SEC);
  while (!(settled = round_settled (&what)))
    {
      if (g_get_monotonic_time () > deadline)
        {
          Job *job = &round_jobs[what];

          FAIL ("round did not settle in %.0f s: job %u (%s) ran=%d destroyed=%d done=%d "
                "hooks=%d dones=%d rejected=%d lock=%d",
                SETTLE_TIMEOUT_S, job->id, kind_names[job->kind], job->ran, job->destroyed,
                job->future ? cg_future_is_done (job->future) : -1, job->hooks, job->dones,
                job->rejected, job->lock_state);
          break;
        }
      g_usleep (1000);
    }

  for (guint i = 0; i < n; i++)
    check_job (&round_jobs[i]);

  ring_clear ();
  for (guint i = 0; i < n; i++)
    g_clear_object (&round_jobs[i].future);
  total_jobs += n;
  /* Work of a round that did not settle may still refer to anything. */
  if (settled)
    gens_prune ();
}

/* The locks are free at the end: a fresh context takes each at once. */
static void
lock_taken (GObject *source, GAsyncResult *result, gpointer data)
{
  *(gint *) data = cg_async_lock_acquire_finish (CG_ASYNC_LOCK (source), result, NULL) ? 1 : 2;
  if (*(gint *) data == 1)
    cg_async_lock_release (CG_ASYNC_LOCK (source), NULL);
}

static void
take_lock_in_context (gpointer data)
{
  gpointer *args = data;

  cg_async_lock_acquire_async (args[0], NULL, lock_taken, args[1]);
}

static void
check_lock_free (CgAsyncLock *lock, const char *name)
{
  g_autoptr(CgContext) context = cg_context_new ();
  gint state = 0;
  gpointer args[2] = { lock, &state };
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  if (cg_async_lock_get_count (lock) != 0)
    FAIL ("%s: held (count %u) once all work is over", name, cg_async_lock_get_count (lock));
  cg_context_run (context, take_lock_in_context, args, NULL);
  while (state == 0 && g_get_monotonic_time () < deadline)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (1000);
  if (state != 1)
    FAIL ("%s: a fresh context cannot take it at the end (%s)", name,
          state == 0 ? "no answer in 10 s" : "refused");
}

/* ------------------------------------------------------------------ */
/* Soak: the resident set size over a long run                          */
/* ------------------------------------------------------------------ */

/* The run is cut in windows of soak_window seconds (a minute in a run of
 * five minutes or more). The first soak_warmup seconds are a warm-up
 * (caches, thread stacks, malloc's arenas and, under ASan, its quarantine
 * fill up); the first window after it is the baseline. The run fails if
 * both
 *
 *  - the median RSS of the last window exceeds the baseline's median by
 *    more than SOAK_MARGIN_PERCENT percent and SOAK_MARGIN_MIB MiB (in
 *    a run with windows shorter than a minute, that much less in
 *    proportion, but at least SOAK_MIN_MARGIN_MIB MiB), and
 *  - the median of each of the last SOAK_GROWING_WINDOWS windows exceeds
 *    the one before by more than SOAK_STEP_KIB KiB,
 *
 * that is, if memory keeps growing up to the end. A heap that grows in the
 * warm-up, or later, and then stays level passes; so does the noise of a
 * level heap, which rarely rises window after window, and then by little.
 * Medians, not means: a sample taken in a burst does not move them.
 *
 * Callers and their threads come and go a hundred times a second, and
 * glibc gives threads arenas of their own, up to eight per core: spread
 * over that many arenas, freed memory fragments, and the RSS creeps up by
 * a MiB a minute or more while the memory in use stays level. A soak
 * therefore limits malloc to two arenas (soak_limit_arenas()), which
 * keeps the RSS level when the heap is, and still shows a heap that
 * grows. */
#define SOAK_MARGIN_PERCENT   5
#define SOAK_MARGIN_MIB       4
#define SOAK_MIN_MARGIN_MIB   1.5
#define SOAK_STEP_KIB         256
#define SOAK_GROWING_WINDOWS  4
#define SOAK_MAX_WINDOW_S     60.0
#define SOAK_MAX_SAMPLE_S     5.0

typedef struct
{
  gdouble elapsed;       /* seconds since the soak began */
  guint64 rss;           /* bytes */
} SoakSample;

static gdouble soak_duration;        /* seconds; 0: not a soak */
static gdouble soak_warmup;
static gdouble soak_window;
static gdouble soak_every;           /* seconds between samples */
static GArray *soak_samples;         /* SoakSample, the sampler's until joined */
static gint64 soak_start;
static GMutex soak_lock;
static GCond soak_cond;
static gboolean soak_running;        /* under soak_lock */

/* The resident set size of this process, from /proc/self/statm (its second
 * field, in pages); 0 if it cannot be read. */
static guint64
rss_bytes (void)
{
  g_autofree char *contents = NULL;
  unsigned long size, resident;

  if (!g_file_get_contents ("/proc/self/statm", &contents, NULL, NULL) ||
      sscanf (contents, "%lu %lu", &size, &resident) != 2)
    return 0;
  return (guint64) resident * (guint64) sysconf (_SC_PAGESIZE);
}

static gdouble
mib (guint64 bytes)
{
  return bytes / (1024.0 * 1024.0);
}

static void
soak_sample (void)
{
  SoakSample sample;

  sample.elapsed = (g_get_monotonic_time () - soak_start) / 1e6;
  sample.rss = rss_bytes ();
  g_array_append_val (soak_samples, sample);
  printf ("# soak: %7.1f s  jobs %10" G_GINT64_FORMAT "  cancels %8d  stops %6d  restarts %6d"
          "  rss %8.1f MiB\n", sample.elapsed,
          (gint64) __atomic_load_n (&stats_submitted, __ATOMIC_RELAXED),
          g_atomic_int_get (&stats_cancels), g_atomic_int_get (&stats_stops),
          g_atomic_int_get (&stats_restarts), mib (sample.rss));
  fflush (stdout);
}

/* Samples every soak_every seconds until soak_stop(). */
static gpointer
soak_thread (gpointer data)
{
  gint64 next = soak_start;

  g_mutex_lock (&soak_lock);
  while (soak_running)
    {
      if (g_get_monotonic_time () >= next)
        {
          g_mutex_unlock (&soak_lock);
          soak_sample ();
          g_mutex_lock (&soak_lock);
          next += (gint64) (soak_every * G_USEC_PER_SEC);
          continue;
        }
      g_cond_wait_until (&soak_cond, &soak_lock, next);
    }
  g_mutex_unlock (&soak_lock);
  return NULL;
}

/* Before any thread is started: see the top of this section. */
static void
soak_limit_arenas (void)
{
#if defined(__GLIBC__) && defined(M_ARENA_MAX)
  if (mallopt (M_ARENA_MAX, 2) != 1)
    printf ("# soak: cannot limit malloc's arenas; the RSS may creep up\n");
#endif
}

static GThread *
soak_begin (void)
{
  soak_warmup = MIN (SOAK_MAX_WINDOW_S, soak_duration / 5);
  soak_window = MIN (SOAK_MAX_WINDOW_S, (soak_duration - soak_warmup) / SOAK_GROWING_WINDOWS);
  soak_every = MIN (SOAK_MAX_SAMPLE_S, soak_window / 10);
  soak_samples = g_array_new (FALSE, FALSE, sizeof (SoakSample));
  printf ("# soak: %.0f s, a sample every %.1f s, warm-up %.0f s, windows of %.0f s\n",
          soak_duration, soak_every, soak_warmup, soak_window);
  soak_start = g_get_monotonic_time ();
  soak_running = TRUE;
  return g_thread_new ("stress-soak", soak_thread, NULL);
}

static void
soak_stop (GThread *sampler)
{
  g_mutex_lock (&soak_lock);
  soak_running = FALSE;
  g_cond_signal (&soak_cond);
  g_mutex_unlock (&soak_lock);
  g_thread_join (sampler);
  soak_sample (); /* the last one, at the end */
}

static gboolean
soak_over (void)
{
  return g_get_monotonic_time () - soak_start >= (gint64) (soak_duration * G_USEC_PER_SEC);
}

static int
compare_guint64 (gconstpointer a, gconstpointer b)
{
  guint64 x = *(const guint64 *) a, y = *(const guint64 *) b;

  return x < y ? -1 : x > y;
}

/* The median RSS of the samples taken in [from, to); 0 and *n = 0 when
 * there is none. */
static guint64
soak_median (gdouble from, gdouble to, guint *n)
{
  g_autoptr(GArray) values = g_array_new (FALSE, FALSE, sizeof (guint64));
  guint64 median;

  for (guint i = 0; i < soak_samples->len; i++)
    {
      SoakSample *sample = &g_array_index (soak_samples, SoakSample, i);

      if (sample->elapsed >= from && sample->elapsed < to)
        g_array_append_val (values, sample->rss);
    }
  *n = values->len;
  if (values->len == 0)
    return 0;
  g_array_sort (values, compare_guint64);
  median = g_array_index (values, guint64, values->len / 2);
  if (values->len % 2 == 0)
    median = (median + g_array_index (values, guint64, values->len / 2 - 1)) / 2;
  return median;
}

/* The verdict on the samples (see the top of this section), and the
 * summary. */
static void
soak_check (guint64 jobs)
{
  gdouble elapsed = g_array_index (soak_samples, SoakSample, soak_samples->len - 1).elapsed;
  gdouble end = elapsed + 1e-3; /* the windows include the last sample */
  guint64 baseline, last, allowed, medians[SOAK_GROWING_WINDOWS];
  guint n_baseline, n_last, n;
  gboolean growing = TRUE;

  baseline = soak_median (soak_warmup, soak_warmup + soak_window, &n_baseline);
  last = soak_median (end - soak_window, end, &n_last);
  /* The last windows, oldest first, ending with the last one. */
  for (guint i = 0; i < SOAK_GROWING_WINDOWS; i++)
    {
      gdouble to = end - (SOAK_GROWING_WINDOWS - 1 - i) * soak_window;

      medians[i] = soak_median (to - soak_window, to, &n);
      if (n == 0)
        growing = FALSE;
      if (i > 0 && medians[i] <= medians[i - 1] + SOAK_STEP_KIB * 1024)
        growing = FALSE;
    }
  allowed = baseline + MAX (baseline * SOAK_MARGIN_PERCENT / 100,
                            (guint64) (MAX (SOAK_MIN_MARGIN_MIB, SOAK_MARGIN_MIB * soak_window /
                                                                 SOAK_MAX_WINDOW_S) *
                                       1024 * 1024));

  printf ("# soak summary: %.0f s, %" G_GUINT64_FORMAT " jobs, %d cancels, %d stops "
          "(%d from inside a job), %d restarts\n", elapsed, jobs,
          g_atomic_int_get (&stats_cancels), g_atomic_int_get (&stats_stops),
          g_atomic_int_get (&stats_self_stops), g_atomic_int_get (&stats_restarts));
  printf ("# soak summary: RSS median %.1f MiB in the first window after the warm-up "
          "(%.0f-%.0f s, %u samples), %.1f MiB in the last (%.0f-%.0f s, %u samples), "
          "%+.1f %%\n", mib (baseline), soak_warmup, soak_warmup + soak_window, n_baseline,
          mib (last), MAX (0, end - soak_window), elapsed, n_last,
          baseline ? 100.0 * ((gdouble) last - (gdouble) baseline) / baseline : 0.0);
  printf ("# soak summary: window medians (MiB), last %d:", SOAK_GROWING_WINDOWS);
  for (guint i = 0; i < SOAK_GROWING_WINDOWS; i++)
    printf (" %.1f", mib (medians[i]));
  printf ("; %s\n", growing ? "growing at each window" : "not growing at each window");
  printf ("# soak summary: RSS over the whole run: %.1f MiB at the start, %.1f MiB at the "
          "end\n", mib (g_array_index (soak_samples, SoakSample, 0).rss),
          mib (g_array_index (soak_samples, SoakSample, soak_samples->len - 1).rss));

  if (n_baseline < 3 || n_last < 3)
    {
      printf ("# soak summary: too short to judge the RSS (fewer than 3 samples a window)\n");
      return;
    }
  fflush (stdout); /* the summary before the failure, also in a log */
  if (last > allowed && growing)
    FAIL ("soak: the RSS keeps growing: %.1f MiB at the end against %.1f MiB after the "
          "warm-up (%.1f MiB allowed), higher at each of the last %d windows", mib (last),
          mib (baseline), mib (allowed), SOAK_GROWING_WINDOWS);
  else
    printf ("# soak summary: the RSS does not keep growing (fails only above %.1f MiB and "
            "growing at each window)\n", mib (allowed));
}

int
main (int argc, char **argv)
{
  guint64 n_jobs = 100000;
  const char *env;
  GThread *chaos, *waiters[N_WAITERS];
  CgCaller *main_caller;
  GThread *sampler = NULL;
  GError *error = NULL;
  gint64 start, elapsed;
  guint64 done_jobs = 0;

  if ((env = g_getenv ("CG_STRESS_JOBS")) != NULL)
    n_jobs = g_ascii_strtoull (env, NULL, 10);
  if ((env = g_getenv ("CG_STRESS_DURATION")) != NULL)
    soak_duration = g_ascii_strtod (env, NULL);
  seed = (guint64) g_get_real_time ();
  if ((env = g_getenv ("CG_STRESS_SEED")) != NULL)
    seed = g_ascii_strtoull (env, NULL, 10);
  /* For debugging: a comma-separated list of kinds to run, say
   * CG_STRESS_KINDS=async_lock,call_soon */
  if ((env = g_getenv ("CG_STRESS_KINDS")) != NULL)
    {
      g_auto(GStrv) names = g_strsplit (env, ",", -1);

      kinds_allowed = 0;
      for (guint i = 0; names[i] != NULL; i++)
        for (guint k = 0; k < N_KINDS; k++)
          if (g_str_equal (names[i], kind_names[k]))
            kinds_allowed |= 1u << k;
      if (kinds_allowed == 0)
        g_error ("CG_STRESS_KINDS names no kind");
    }

  for (int i = 1; i < argc; i++)
    {
      if (g_str_equal (argv[i], "--long"))
        n_jobs = 1000000;
      else if (g_str_equal (argv[i], "--jobs") && i + 1 < argc)
        n_jobs = g_ascii_strtoull (argv[++i], NULL, 10);
      else if (g_str_equal (argv[i], "--seed") && i + 1 < argc)
        seed = g_ascii_strtoull (argv[++i], NULL, 10);
      else if (g_str_equal (argv[i], "--duration") && i + 1 < argc)
        soak_duration = g_ascii_strtod (argv[++i], NULL);
      else if (g_str_equal (argv[i], "--verbose"))
        verbose = TRUE;
      else if (g_str_equal (argv[i], "--tap") || g_str_equal (argv[i], "-k"))
        ; /* meson's arguments */
      else
        {
          fprintf (stderr, "usage: %s [--long] [--jobs N] [--duration SECONDS] [--seed S] "
                   "[--verbose]\n", argv[0]);
          return 2;
        }
    }
  if (n_jobs == 0)
    n_jobs = 1;
  if (!(soak_duration >= 0))  /* NaN too */
    soak_duration = 0;
  if (soak_duration > 0)
    {
      n_jobs = ROUND_JOBS;  /* the size of a round; the rounds go on for the duration */
      soak_limit_arenas ();
    }

  printf ("1..1\n");
  if (soak_duration > 0)
    printf ("# stress: soak for %.0f s, %d callers, %d submitters, %d waiters, "
            "seed %" G_GUINT64_FORMAT "\n", soak_duration, N_SLOTS, N_SUBMITTERS, N_WAITERS, seed);
  else
    printf ("# stress: %" G_GUINT64_FORMAT " jobs, %d callers, %d submitters, %d waiters, "
            "seed %" G_GUINT64_FORMAT "\n", n_jobs, N_SLOTS, N_SUBMITTERS, N_WAITERS, seed);
  fflush (stdout);

  /* The main thread's caller delivers what the main context must run. */
  main_caller = cg_caller_get (NULL, TRUE, TRUE, &error);
  g_assert_no_error (error);
  cg_caller_start (main_caller, &error);
  g_assert_no_error (error);

  all_gens = g_ptr_array_new ();
  plain_lock = cg_async_lock_new ();
  reentrant_lock = CG_ASYNC_LOCK (cg_reentrant_async_lock_new ());
  for (guint i = 0; i < N_SLOTS; i++)
    {
      g_mutex_init (&slots[i].lock);
      slots[i].gen = gen_start (i);
      slots[i].n_gens = 1;
    }

  round_jobs = g_new0 (Job, MIN (n_jobs, ROUND_JOBS));
  /* For debugging: CG_STRESS_CHAOS=0 keeps every caller running,
   * CG_STRESS_WAITERS=0 waits for nothing from other threads. */
  g_atomic_int_set (&chaos_running, g_strcmp0 (g_getenv ("CG_STRESS_CHAOS"), "0") != 0);
  g_atomic_int_set (&waiters_running, g_strcmp0 (g_getenv ("CG_STRESS_WAITERS"), "0") != 0);
  chaos = g_thread_new ("stress-chaos", chaos_thread, NULL);
  for (guint i = 0; i < N_WAITERS; i++)
    waiters[i] = g_thread_new ("stress-wait", waiter_thread, NULL);

  start = g_get_monotonic_time ();
  if (soak_duration > 0)
    sampler = soak_begin ();
  while (sampler != NULL ? !soak_over () : done_jobs < n_jobs)
    {
      guint n = (guint) (sampler != NULL ? ROUND_JOBS : MIN (n_jobs - done_jobs, ROUND_JOBS));

      run_round ((guint) done_jobs, n);
      done_jobs += n;
      while (g_main_context_iteration (NULL, FALSE))
        ;
      if (verbose)
        fprintf (stderr, "stress: %" G_GUINT64_FORMAT " jobs, %d failures\n", done_jobs,
                 g_atomic_int_get (&failures));
    }

  if (sampler != NULL)
    soak_stop (sampler);
  g_atomic_int_set (&waiters_running, 0);
  for (guint i = 0; i < N_WAITERS; i++)
    g_thread_join (waiters[i]);
  g_atomic_int_set (&chaos_running, 0);
  g_thread_join (chaos);
  ring_clear ();

  if (verbose)
    fprintf (stderr, "stress: lock counts at the end: %u, %u\n",
             cg_async_lock_get_count (plain_lock), cg_async_lock_get_count (reentrant_lock));
  check_lock_free (plain_lock, "CgAsyncLock");
  check_lock_free (reentrant_lock, "CgReentrantAsyncLock");
  if (g_atomic_int_get (&lock_overlaps) != 0)
    FAIL ("a lock was held by two holders at once (%d times)", lock_overlaps);

  elapsed = g_get_monotonic_time () - start;

  /* The counts add up. */
  {
    guint64 submitted = 0, accounted = 0, accepted_futures = 0;

    for (guint k = 0; k < N_KINDS; k++)
      {
        submitted += per_kind_submitted[k];
        accounted += per_kind_ran[k] + per_kind_rejected[k] + per_kind_dropped[k];
        if (kind_has_future[k])
          accepted_futures += per_kind_submitted[k] - per_kind_rejected[k];
      }
    if (submitted != total_jobs || accounted != submitted)
      FAIL ("counts: %" G_GUINT64_FORMAT " jobs, %" G_GUINT64_FORMAT " submitted, %"
            G_GUINT64_FORMAT " ran + refused + dropped", total_jobs, submitted, accounted);
    if (per_outcome[OUT_VALUE] + per_outcome[OUT_ERROR] + per_outcome[OUT_CANCELLED] !=
        accepted_futures || per_outcome[OUT_NONE] != 0)
      FAIL ("counts: %" G_GUINT64_FORMAT " futures accepted, %" G_GUINT64_FORMAT
            " completed", accepted_futures,
            per_outcome[OUT_VALUE] + per_outcome[OUT_ERROR] + per_outcome[OUT_CANCELLED]);
  }

  printf ("# %-18s %10s %10s %10s %10s\n", "kind", "submitted", "ran", "refused", "dropped");
  for (guint k = 0; k < N_KINDS; k++)
    printf ("# %-18s %10" G_GUINT64_FORMAT " %10" G_GUINT64_FORMAT " %10" G_GUINT64_FORMAT
            " %10" G_GUINT64_FORMAT "\n", kind_names[k], per_kind_submitted[k], per_kind_ran[k],
            per_kind_rejected[k], per_kind_dropped[k]);
  printf ("# futures: %" G_GUINT64_FORMAT " values, %" G_GUINT64_FORMAT " errors, %"
          G_GUINT64_FORMAT " cancelled; done callbacks off a stopped owner: %" G_GUINT64_FORMAT "\n",
          per_outcome[OUT_VALUE], per_outcome[OUT_ERROR], per_outcome[OUT_CANCELLED],
          done_off_owner_total);
  printf ("# cancels %d, wait_sync %d, wait_async %d (timed out %d), lock grants %d "
          "(refused %d)\n", stats_cancels, stats_wait_sync, stats_wait_async,
          stats_wait_timeouts, stats_lock_granted, stats_lock_refused);
  printf ("# caller restarts %d (stops from inside a job %d), generations %u\n",
          stats_restarts, stats_self_stops, n_gens_started);
  if (sampler != NULL)
    {
      soak_check (total_jobs);
      g_array_unref (soak_samples);
    }
  printf ("# %" G_GUINT64_FORMAT " jobs in %.2f s (%.0f jobs/s), %d failures\n", total_jobs,
          elapsed / 1e6, total_jobs / (elapsed / 1e6), g_atomic_int_get (&failures));

  cg_caller_stop_all (FALSE);
  for (guint i = 0; i < all_gens->len; i++)
    gen_free (g_ptr_array_index (all_gens, i));
  g_ptr_array_unref (all_gens);
  for (guint i = 0; i < N_SLOTS; i++)
    g_mutex_clear (&slots[i].lock);
  g_object_unref (plain_lock);
  g_object_unref (reentrant_lock);
  g_free (round_jobs);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  cg_caller_stop (main_caller, TRUE);
  g_object_unref (main_caller);

  printf ("%s 1 stress: %" G_GUINT64_FORMAT " jobs, %s\n", failures == 0 ? "ok" : "not ok",
          total_jobs, failures == 0 ? "nothing lost" : "see the failures above");
  return failures == 0 ? 0 : 1;
}
