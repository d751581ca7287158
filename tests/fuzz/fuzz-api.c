/* fuzz-api.c: random sequences of API calls, driven by libFuzzer
 *
 * Copyright 2026 The caller-glib authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Each input is read as a program of at most MAX_OPS operations over a
 * few callers, futures, locks and iterations: start_new, call_soon,
 * call_later, call_direct, to_thread, cancel, wait_sync and wait_async
 * with short timeouts, stop, queue_call from inside jobs, lock
 * acquisitions, as_completed, cg_caller_wait_async, chained futures,
 * completions from other threads, stop_all... Every wait is bounded (10 ms
 * at most, and the settling at the end); after the program, everything is
 * cancelled and stopped (stop_all), and the harness checks that nothing
 * was lost: every future is done, every destroy notify ran once, every
 * answer of an _async call came. A violation traps, which libFuzzer
 * reports as a crash, with the input that did it.
 *
 * Build: meson setup build-fuzz -Dfuzzing=true -Db_sanitize=address,undefined
 * with clang (tests/fuzz/meson.build). Run: see tests/fuzz/run.sh and
 * docs/reliability.md.
 */

#include <caller-glib.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define MAX_OPS       64
#define N_SLOTS       4
#define N_FUTURES     16
#define MAX_WAIT_S    0.010
#define SETTLE_USEC   (5 * G_USEC_PER_SEC)

#define FUZZ_ERROR (g_quark_from_static_string ("fuzz-error"))

#define CHECK(cond)                                                          \
  G_STMT_START {                                                             \
    if (G_UNLIKELY (!(cond)))                                                \
      {                                                                      \
        fprintf (stderr, "fuzz-api: check failed: %s (%s:%d)\n", #cond,      \
                 __FILE__, __LINE__);                                        \
        __builtin_trap ();                                                   \
      }                                                                      \
  } G_STMT_END

/* The input, read a byte at a time (zeros once it runs out). */
typedef struct
{
  const uint8_t *data;
  size_t         size;
  size_t         pos;
} Input;

static guint
next (Input *in)
{
  return in->pos < in->size ? in->data[in->pos++] : 0;
}

/* Accounting: everything handed to the library comes back exactly once. */
static gint data_made;       /* atomic: job data given with a destroy notify */
static gint data_freed;      /* atomic */
static gint answers_wanted;  /* atomic: _async calls made */
static gint answers_got;     /* atomic */
static gint lock_inside;     /* atomic */

typedef struct
{
  gint   freed;      /* atomic: must end at 1 */
  guint  action;
  guint  arg;
  gint   slot;       /* where it was sent, for queue_call */
} JobData;

static CgCaller *slots[N_SLOTS];
/* Lock acquisitions happen only in this protected caller, which nothing
 * stops: a lock handed to a waiter whose caller has stopped is lost for
 * good (a known library bug, tests/stress/faults.c), and the fuzzer would
 * find it again and again instead of something new. */
static CgCaller *lock_caller;
static CgFuture *futures[N_FUTURES];
static CgAsyncLock *plain_lock;
static CgAsyncLock *reentrant_lock;
static CgContextVar *var;

static JobData *
job_data_new (guint action, guint arg, gint slot)
{
  JobData *d = g_new0 (JobData, 1);

  d->action = action;
  d->arg = arg;
  d->slot = slot;
  g_atomic_int_inc (&data_made);
  return d;
}

static void
job_data_free (gpointer data)
{
  JobData *d = data;

  CHECK (g_atomic_int_add (&d->freed, 1) == 0);
  g_atomic_int_inc (&data_freed);
  g_free (d);
}

/* Jobs ------------------------------------------------------------------- */

static void
lock_acquired (GObject      *source,
               GAsyncResult *result,
               gpointer      data)
{
  CgAsyncLock *lock = CG_ASYNC_LOCK (source);

  if (cg_async_lock_acquire_finish (lock, result, NULL))
    {
      if (lock == plain_lock)
        {
          CHECK (g_atomic_int_add (&lock_inside, 1) == 0);
          g_atomic_int_add (&lock_inside, -1);
        }
      CHECK (cg_async_lock_release (lock, NULL));
    }
  g_atomic_int_inc (&answers_got);
}

static void
queued_item (CgFuture *future,
             gpointer  data)
{
  JobData *d = data;

  if (d->arg & 1)
    cg_future_return_new_error (future, FUZZ_ERROR, 1, NULL, "queued item failed");
}

static void
fuzz_job (CgFuture *future,
          gpointer  data)
{
  JobData *d = data;
  CgCaller *own = cg_caller_get_current ();

  switch (d->action % 10)
    {
    case 0:
      cg_future_return_int (future, d->arg, NULL);
      break;
    case 1:
      cg_future_return_new_error (future, FUZZ_ERROR, 2, NULL, "job %u failed", d->arg);
      break;
    case 2:
      g_usleep (d->arg * 4); /* up to 1 ms */
      break;
    case 3:
      /* queue_call, from the caller's own thread */
      if (own != NULL)
        for (guint i = 0; i < 1 + d->arg % 4; i++)
          {
            JobData *item = job_data_new (0, d->arg + i, d->slot);

            if (d->arg & 4)
              cg_caller_queue_call_named (own, "fuzz", NULL, queued_item, item, job_data_free,
                                          2 + d->arg % 3, NULL);
            else
              cg_caller_queue_call (own, queued_item, NULL, item, job_data_free,
                                    2 + d->arg % 3, NULL);
          }
      break;
    case 4:
      if (own != NULL)
        cg_caller_stop (own, FALSE);
      break;
    case 5:
      if (own != lock_caller)
        break;
      g_atomic_int_inc (&answers_wanted);
      cg_async_lock_acquire_async ((d->arg & 1) ? reentrant_lock : plain_lock, NULL,
                                   lock_acquired, NULL);
      break;
    case 6:
      cg_future_cancel (future, "the job cancels itself");
      cg_future_return_int (future, 1, NULL);
      break;
    case 7:
      {
        /* A job that returns a future: a new pool job's. */
        JobData *inner = job_data_new (d->arg % 2, d->arg, -1);
        CgFuture *f = cg_caller_to_thread (fuzz_job, inner, job_data_free, NULL);

        if (f != NULL)
          {
            cg_future_return_future (future, f, NULL);
            g_object_unref (f);
          }
      }
      break;
    case 8:
      {
        GValue value = G_VALUE_INIT;

        g_value_init (&value, G_TYPE_INT);
        g_value_set_int (&value, (gint) d->arg);
        cg_context_token_unref (cg_context_var_set (var, &value));
        g_value_unset (&value);
      }
      break;
    default:
      cg_future_report_progress (future, (d->arg % 11) / 10.0);
      break;
    }
}

static void
fuzz_direct (gpointer data)
{
  JobData *d = data;

  if (d->arg % 16 == 0)
    g_usleep (200);
}

/* Futures ---------------------------------------------------------------- */

static void
future_put (CgFuture *future,
            guint     index)
{
  CgFuture **slot = &futures[index % N_FUTURES];

  if (future == NULL)
    return;
  if (*slot != NULL)
    g_object_unref (*slot);
  *slot = future;
}

static CgFuture *
future_get (guint index)
{
  return futures[index % N_FUTURES];
}

static void
count_callback (CgFuture *future,
                gpointer  data)
{
  CHECK (cg_future_is_done (future));
  g_atomic_int_inc ((gint *) data);
}

static void
count_answer (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  GAsyncResult **out = data;

  *out = g_object_ref (result);
  g_atomic_int_inc (&answers_got);
}

/* Iterates the main context until @flag is set, 1 s at most. */
static gboolean
iterate_until (GAsyncResult **flag)
{
  gint64 end = g_get_monotonic_time () + G_USEC_PER_SEC;

  while (*flag == NULL && g_get_monotonic_time () < end)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (100);
  return *flag != NULL;
}

typedef struct
{
  CgFuture *future;
  guint     how;
} Completion;

static gpointer
complete_elsewhere (gpointer data)
{
  Completion *c = data;

  if (c->how & 1)
    cg_future_return_new_error (c->future, FUZZ_ERROR, 3, NULL, "completed elsewhere");
  else
    cg_future_return_int (c->future, 9, NULL);
  return NULL;
}

/* The program ------------------------------------------------------------ */

static void
op_submit (Input *in,
           guint  kind)
{
  guint slot = next (in) % N_SLOTS;
  JobData *d = job_data_new (next (in), next (in), (gint) slot);
  guint where = next (in);
  CgFuture *f = NULL;

  switch (kind)
    {
    case 0:
      if (slots[slot] != NULL)
        f = cg_caller_call_soon (slots[slot], fuzz_job, d, job_data_free, NULL);
      else
        job_data_free (d);
      break;
    case 1:
      if (slots[slot] != NULL)
        f = cg_caller_call_later (slots[slot], (where % 11) / 1000.0, fuzz_job, d, job_data_free,
                                  NULL);
      else
        job_data_free (d);
      break;
    case 2:
      if (slots[slot] != NULL)
        cg_caller_call_direct (slots[slot], fuzz_direct, d, job_data_free, NULL);
      else
        job_data_free (d);
      break;
    case 3:
      f = cg_caller_to_thread (fuzz_job, d, job_data_free, NULL);
      break;
    default:
      {
        char name[16];

        g_snprintf (name, sizeof name, "fz-%u", slot);
        f = cg_caller_to_thread_by_name (name, fuzz_job, d, job_data_free, NULL);
      }
      break;
    }
  future_put (f, where);
}

static void
run_program (Input *in)
{
  for (guint op = 0; op < MAX_OPS && in->pos < in->size; op++)
    {
      guint code = next (in);

      switch (code % 20)
        {
        case 0:
          {
            guint slot = next (in) % N_SLOTS;
            char name[16];

            if (slots[slot] != NULL && !cg_caller_get_stopped (slots[slot]))
              break;
            g_clear_object (&slots[slot]);
            g_snprintf (name, sizeof name, "fz-%u", slot);
            slots[slot] = cg_caller_start_new (name, FALSE, NULL, NULL);
            if (slots[slot] == NULL)
              slots[slot] = cg_caller_get_instance (name, FALSE, NULL);
          }
          break;
        case 1: case 2: case 3: case 4: case 5:
          op_submit (in, (code % 20) - 1);
          break;
        case 6:
          {
            CgFuture *f = future_get (next (in));

            if (f != NULL)
              cg_future_cancel (f, "fuzz");
          }
          break;
        case 7:
          {
            CgFuture *f = future_get (next (in));
            guint t = next (in);

            if (f != NULL)
              {
                GError *error = NULL;

                if (!cg_future_wait_sync (f, (t % 11) / 1000.0,
                                          (t & 16) ? CG_WAIT_FLAGS_SHIELD : CG_WAIT_FLAGS_NONE,
                                          NULL, &error))
                  {
                    CHECK (error != NULL);
                    g_error_free (error);
                  }
              }
          }
          break;
        case 8:
          {
            CgFuture *f = future_get (next (in));
            guint t = next (in);
            GAsyncResult *result = NULL;

            if (f != NULL)
              {
                g_atomic_int_inc (&answers_wanted);
                cg_future_wait_async (f, (t % 11) / 1000.0,
                                      (t & 16) ? CG_WAIT_FLAGS_SHIELD : CG_WAIT_FLAGS_NONE,
                                      NULL, count_answer, &result);
                CHECK (iterate_until (&result));
                cg_future_wait_finish (f, result, NULL);
                g_object_unref (result);
              }
          }
          break;
        case 9:
          {
            guint slot = next (in) % N_SLOTS;

            if (slots[slot] != NULL)
              cg_caller_stop (slots[slot], FALSE);
          }
          break;
        case 10:
          {
            /* queue_call from a job, on its caller */
            guint slot = next (in) % N_SLOTS;
            JobData *d = job_data_new (3, next (in), (gint) slot);

            if (slots[slot] != NULL)
              future_put (cg_caller_call_soon (slots[slot], fuzz_job, d, job_data_free, NULL),
                          next (in));
            else
              job_data_free (d);
          }
          break;
        case 11:
          {
            /* A lock taken by a job */
            JobData *d = job_data_new (5, next (in), -1);

            future_put (cg_caller_call_soon (lock_caller, fuzz_job, d, job_data_free, NULL),
                        next (in));
          }
          break;
        case 12:
          {
            /* as_completed over the futures there are, drawn to the end
             * or cancelled after the first */
            CgFuture *list[N_FUTURES];
            guint n = 0, how = next (in);
            CgAsCompleted *iter;

            for (guint i = 0; i < N_FUTURES; i++)
              if (futures[i] != NULL)
                list[n++] = futures[i];
            iter = cg_as_completed_new (list, n, how & 1);
            for (guint i = 0; i <= n; i++)
              {
                GAsyncResult *result = NULL;
                g_autoptr(GCancellable) cancel = g_cancellable_new ();
                CgFuture *out;

                g_atomic_int_inc (&answers_wanted);
                cg_as_completed_next_async (iter, cancel, count_answer, &result);
                /* Bounded: what is not done in 10 ms is given up. */
                {
                  gint64 end = g_get_monotonic_time () + 10000;

                  while (result == NULL && g_get_monotonic_time () < end)
                    if (!g_main_context_iteration (NULL, FALSE))
                      g_usleep (100);
                }
                if (result == NULL)
                  g_cancellable_cancel (cancel);
                CHECK (iterate_until (&result));
                out = cg_as_completed_next_finish (iter, result, NULL);
                g_object_unref (result);
                if (out == NULL)
                  break;
                CHECK (cg_future_is_done (out));
                g_object_unref (out);
                if (how & 2)
                  {
                    cg_as_completed_cancel (iter);
                    break;
                  }
              }
            g_object_unref (iter);
          }
          break;
        case 13:
          {
            CgFuture *list[N_FUTURES];
            guint n = 0;
            GAsyncResult *result = NULL;

            for (guint i = 0; i < N_FUTURES; i++)
              if (futures[i] != NULL)
                list[n++] = futures[i];
            g_atomic_int_inc (&answers_wanted);
            cg_caller_wait_async (list, n, (next (in) % 11) / 1000.0,
                                  next (in) % 3, NULL, count_answer, &result);
            CHECK (iterate_until (&result));
            {
              GPtrArray *done = NULL, *pending = NULL;

              if (cg_caller_wait_finish (result, &done, &pending, NULL))
                {
                  CHECK (done->len + pending->len <= n);
                  g_ptr_array_unref (done);
                  g_ptr_array_unref (pending);
                }
            }
            g_object_unref (result);
          }
          break;
        case 14:
          /* A future of the main thread, completed by another thread */
          {
            CgFuture *f = cg_future_new ();
            Completion c = { f, next (in) };

            g_thread_join (g_thread_new ("fuzz-complete", complete_elsewhere, &c));
            future_put (f, next (in));
          }
          break;
        case 15:
          {
            /* A future that waits for an older one (never a cycle) */
            CgFuture *older = future_get (next (in));
            CgFuture *f = cg_future_new ();

            if (older != NULL)
              cg_future_return_future (f, older, NULL);
            else
              cg_future_return_int (f, 0, NULL);
            future_put (f, next (in));
          }
          break;
        case 16:
          cg_caller_stop_all (FALSE);
          break;
        case 17:
          cg_caller_set_max_idle_pool_instances (next (in) % 4);
          break;
        case 18:
          {
            /* a done callback and a completion hook on some future */
            CgFuture *f = future_get (next (in));

            if (f != NULL)
              {
                g_atomic_int_add (&answers_wanted, 2);
                cg_future_add_done_callback (f, count_callback, &answers_got, NULL);
                cg_future_add_completion_hook (f, count_callback, &answers_got, NULL);
              }
          }
          break;
        default:
          /* Let the main context and the callers run a little. */
          for (guint i = 0; i < next (in) % 8; i++)
            g_main_context_iteration (NULL, FALSE);
          break;
        }
    }
}

/* Everything is cancelled and stopped; nothing may be lost. */
static void
settle (void)
{
  gint64 end;

  for (guint i = 0; i < N_FUTURES; i++)
    if (futures[i] != NULL)
      cg_future_cancel (futures[i], "the input is over");
  for (guint i = 0; i < N_SLOTS; i++)
    if (slots[i] != NULL)
      cg_caller_stop (slots[i], FALSE);

  /* stop_all() at any time, the pool's work in flight included. */
  cg_caller_stop_all (FALSE);

  end = g_get_monotonic_time () + SETTLE_USEC;
  for (;;)
    {
      gboolean all_done = TRUE;

      for (guint i = 0; i < N_FUTURES; i++)
        if (futures[i] != NULL && !cg_future_is_done (futures[i]))
          all_done = FALSE;
      if (all_done && g_atomic_int_get (&data_freed) == g_atomic_int_get (&data_made) &&
          g_atomic_int_get (&answers_got) >= g_atomic_int_get (&answers_wanted))
        break;
      if (g_get_monotonic_time () > end)
        {
          for (guint i = 0; i < N_FUTURES; i++)
            if (futures[i] != NULL && !cg_future_is_done (futures[i]))
              fprintf (stderr, "fuzz-api: future %u never completed\n", i);
          fprintf (stderr, "fuzz-api: data made %d freed %d, answers wanted %d got %d\n",
                   data_made, data_freed, answers_wanted, answers_got);
          CHECK (!"everything settles after stop_all");
        }
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (200);
    }

  /* Done callbacks were counted once each, hooks too: never more. */
  CHECK (g_atomic_int_get (&answers_got) == g_atomic_int_get (&answers_wanted));
  CHECK (g_atomic_int_get (&lock_inside) == 0);
  CHECK (cg_async_lock_get_count (plain_lock) == 0);
  CHECK (cg_async_lock_get_count (reentrant_lock) == 0);

  for (guint i = 0; i < N_FUTURES; i++)
    g_clear_object (&futures[i]);
  for (guint i = 0; i < N_SLOTS; i++)
    g_clear_object (&slots[i]);
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static void
quiet_queue_warnings (const char     *domain,
                      GLogLevelFlags  level,
                      const char     *message,
                      gpointer        data)
{
  if (strstr (message, "queued call") == NULL)
    g_log_default_handler (domain, level, message, data);
}

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  CgCaller *main_caller = cg_caller_get (NULL, TRUE, TRUE, NULL);

  /* The main thread's caller: kept for the whole run, protected. */
  cg_caller_start (main_caller, NULL);
  lock_caller = cg_caller_start_new ("fz-lock", TRUE, NULL, NULL);
  plain_lock = cg_async_lock_new ();
  reentrant_lock = CG_ASYNC_LOCK (cg_reentrant_async_lock_new ());
  var = cg_context_var_new ("fuzz", NULL);
  /* Queued calls that fail are logged: keep the output readable. A
   * critical is a bug the fuzzer should report: make it fatal. */
  g_log_set_handler ("Cg", G_LOG_LEVEL_WARNING, quiet_queue_warnings, NULL);
  g_log_set_always_fatal (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL);
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  Input in = { data, size, 0 };

  cg_caller_set_max_idle_pool_instances (CG_DEFAULT_MAX_IDLE_POOL_INSTANCES);
  run_program (&in);
  settle ();
  return 0;
}
