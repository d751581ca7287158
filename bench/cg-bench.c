/* cg-bench.c: caller-glib beside plain GLib (and libdex), same run
 *
 * Copyright 2026 The caller-glib authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Each workload runs on caller-glib and on what a GLib user would write
 * instead, in the same process, after a warm-up; the figure is the median
 * of several runs. For W1 and W2 each side also reports the CPU time the
 * whole process used per operation (getrusage, user + system, all
 * threads), since a side that spins can win on latency by burning a core.
 * See docs/performance.md for what each workload means.
 */

#include "config.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/syscall.h>

#include <caller-glib.h>

#ifdef HAVE_LIBDEX
# include <libdex.h>
#endif

static gboolean opt_quick;
static char *opt_json;
static int opt_runs = 5;
static char **opt_only;
static gboolean opt_ours_only;
static char **opt_w9_priorities;
static double opt_w9_result_ms;
static char *opt_w9_collect;
static int opt_w9_nice;
static gboolean opt_pending_child;
static int opt_pending = 1000000;
static char *self_path;

/* Sizes, scaled down by --quick. */
static guint n_round_trips = 20000;
static guint n_throughput = 400000;
static guint n_fanout = 100000;
static guint n_pending = 1000000;
static guint n_as_completed = 100000;
static guint n_lock = 100000;
static gdouble idle_seconds = 1.0;

typedef gdouble (*Measure) (void);

typedef struct
{
  const char *key;
  const char *unit;
  gboolean    lower_is_better;
  const char *what;
  gdouble     caller_glib;
  gdouble     glib;
  gdouble     libdex;
  gdouble     limit;
  const char *glib_name;
  gdouble     vs_glib;     /* median of the per-round ratios, > 1: ours better */
  gdouble     vs_dex;
  gdouble     cpu_us[4];   /* ours, glib, libdex, limit: CPU per operation, medians */
} Workload;

static gdouble
now_seconds (void)
{
  return g_get_monotonic_time () / (gdouble) G_USEC_PER_SEC;
}

/* CPU time the whole process used (all threads, user + system), in
 * seconds. A side that spins while it waits can win on latency and still
 * cost more: per operation, this shows it. */
static gdouble
process_cpu_seconds (void)
{
  struct rusage usage;

  if (getrusage (RUSAGE_SELF, &usage) != 0)
    return NAN;
  return usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6 +
         usage.ru_stime.tv_sec + usage.ru_stime.tv_usec / 1e6;
}

/* What the side that just ran measured: the process's CPU time per
 * operation in µs, over the same span as its clock. A side that does not
 * measure it leaves NAN. */
static gdouble side_cpu_us = NAN;

static void
side_cpu_done (gdouble  cpu_start,
               guint    n_ops)
{
  side_cpu_us = (process_cpu_seconds () - cpu_start) / n_ops * 1e6;
}

/* Stops the benchmark: a rival whose wait failed or whose result is
 * wrong measured something else than the workload. */
static void G_GNUC_PRINTF (1, 2) G_GNUC_NORETURN
bench_fail (const char *format,
            ...)
{
  va_list args;

  va_start (args, format);
  fprintf (stderr, "cg-bench: ");
  vfprintf (stderr, format, args);
  fprintf (stderr, "\n");
  va_end (args);
  fflush (NULL);
  abort ();
}

static int
compare_doubles (const void *a,
                 const void *b)
{
  gdouble x = *(const gdouble *) a, y = *(const gdouble *) b;

  return (x > y) - (x < y);
}

static gdouble
median_of_values (gdouble *values,
                  int      n)
{
  qsort (values, n, sizeof (gdouble), compare_doubles);
  return values[n / 2];
}

/* Runs the sides of a workload (NULL: not run) one after the other in each
 * of opt_runs rounds, after one warm-up round, so that a noisy moment of
 * this shared machine hurts them alike. Gives each side's median, and the
 * median of the per-round ratios of ours to each rival (> 1: ours is
 * better), and the median CPU per operation of the sides that measure it. */
static void
measure_interleaved (Workload *w,
                     Measure   ours,
                     Measure   glib,
                     Measure   dex,
                     Measure   limit)
{
  Measure sides[4] = { ours, glib, dex, limit };
  g_autofree gdouble *values = g_new (gdouble, 4 * opt_runs);
  g_autofree gdouble *ratios = g_new (gdouble, 2 * opt_runs);
  g_autofree gdouble *cpu = g_new (gdouble, 4 * opt_runs);
  gdouble medians[4];

  for (int side = 0; side < 4; side++)
    if (sides[side] != NULL)
      sides[side] (); /* warm-up */
  for (int i = 0; i < opt_runs; i++)
    for (int side = 0; side < 4; side++)
      {
        side_cpu_us = NAN;
        values[side * opt_runs + i] = sides[side] != NULL ? sides[side] () : NAN;
        cpu[side * opt_runs + i] = side_cpu_us;
      }

  for (int rival = 1; rival <= 2; rival++)
    for (int i = 0; i < opt_runs; i++)
      {
        gdouble a = values[i], b = values[rival * opt_runs + i];

        ratios[(rival - 1) * opt_runs + i] = w->lower_is_better ? b / a : a / b;
      }
  w->vs_glib = ours != NULL && glib != NULL ? median_of_values (ratios, opt_runs) : NAN;
  w->vs_dex = ours != NULL && dex != NULL ? median_of_values (&ratios[opt_runs], opt_runs) : NAN;

  for (int side = 0; side < 4; side++)
    medians[side] = sides[side] != NULL ? median_of_values (&values[side * opt_runs], opt_runs)
                                        : NAN;
  w->caller_glib = medians[0];
  w->glib = medians[1];
  w->libdex = medians[2];
  w->limit = medians[3];
  for (int side = 0; side < 4; side++)
    w->cpu_us[side] = sides[side] != NULL && !isnan (cpu[side * opt_runs])
                        ? median_of_values (&cpu[side * opt_runs], opt_runs) : NAN;
}


/* A worker thread that runs a plain GLib main loop, for the rivals. */
typedef struct
{
  GMainContext *context;
  GMainLoop    *loop;
  GThread      *thread;
} GlibWorker;

static gpointer
glib_worker_main (gpointer data)
{
  GlibWorker *worker = data;

  g_main_context_push_thread_default (worker->context);
  g_main_loop_run (worker->loop);
  g_main_context_pop_thread_default (worker->context);
  return NULL;
}

static GlibWorker *
glib_worker_new (void)
{
  GlibWorker *worker = g_new0 (GlibWorker, 1);

  worker->context = g_main_context_new ();
  worker->loop = g_main_loop_new (worker->context, FALSE);
  worker->thread = g_thread_new ("glib-worker", glib_worker_main, worker);
  while (!g_main_loop_is_running (worker->loop))
    g_usleep (100);
  return worker;
}

static gboolean
quit_loop (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

static void
glib_worker_free (GlibWorker *worker)
{
  g_main_context_invoke (worker->context, quit_loop, worker->loop);
  g_thread_join (worker->thread);
  g_main_loop_unref (worker->loop);
  g_main_context_unref (worker->context);
  g_free (worker);
}

/* Limits of the machine ----------------------------------------------------- */

typedef struct
{
  gint turn __attribute__ ((aligned (64)));
  guint rounds;
} PingPong;

static gpointer
pong_main (gpointer data)
{
  PingPong *pp = data;

  for (guint i = 0; i < pp->rounds; i++)
    {
      while (g_atomic_int_get (&pp->turn) != 1)
        ;
      g_atomic_int_set (&pp->turn, 0);
    }
  return NULL;
}

static gdouble
limit_ping_pong (void)
{
  PingPong pp = { 0, n_round_trips * 5 };
  GThread *thread = g_thread_new ("pong", pong_main, &pp);
  gdouble cpu = process_cpu_seconds ();
  gdouble start = now_seconds ();

  for (guint i = 0; i < pp.rounds; i++)
    {
      g_atomic_int_set (&pp.turn, 1);
      while (g_atomic_int_get (&pp.turn) != 0)
        ;
    }
  start = now_seconds () - start;
  side_cpu_done (cpu, pp.rounds);
  g_thread_join (thread);

  return start / pp.rounds * 1e6;
}

#define RING_SIZE 1024

/* The limit of W2 and W2b: a single-producer, single-consumer ring as fast
 * as such a ring gets. Each side publishes its index with a release store
 * and reads the other's with an acquire load, and only when its cached
 * copy says the ring is full (producer) or empty (consumer): no full
 * barrier per item, and no reading of the other side's cache line per
 * item. */
typedef struct
{
  gpointer slots[RING_SIZE];
  gint     head __attribute__ ((aligned (64)));   /* written by the consumer */
  gint     tail __attribute__ ((aligned (64)));   /* written by the producer */
  gint     n __attribute__ ((aligned (64)));
} Ring;

static gpointer
ring_consumer (gpointer data)
{
  Ring *ring = data;
  volatile gpointer sink;
  gint head = 0, tail_seen = 0;

  for (gint i = 0; i < ring->n; i++)
    {
      while (head == tail_seen)
        tail_seen = __atomic_load_n (&ring->tail, __ATOMIC_ACQUIRE);
      sink = ring->slots[head % RING_SIZE];
      (void) sink;
      head++;
      __atomic_store_n (&ring->head, head, __ATOMIC_RELEASE);
    }
  return NULL;
}

static gdouble
limit_ring (void)
{
  Ring *ring = g_new0 (Ring, 1);
  GThread *thread;
  gdouble cpu, start;
  gint n, tail = 0, head_seen = 0;

  ring->n = (gint) n_throughput * 4;
  thread = g_thread_new ("ring", ring_consumer, ring);
  cpu = process_cpu_seconds ();
  start = now_seconds ();
  for (gint i = 0; i < ring->n; i++)
    {
      while (tail - head_seen >= RING_SIZE)
        head_seen = __atomic_load_n (&ring->head, __ATOMIC_ACQUIRE);
      ring->slots[tail % RING_SIZE] = GINT_TO_POINTER (i);
      tail++;
      __atomic_store_n (&ring->tail, tail, __ATOMIC_RELEASE);
    }
  g_thread_join (thread);
  start = now_seconds () - start;
  side_cpu_done (cpu, ring->n);
  n = ring->n;
  g_free (ring);

  return n / start / 1e6;
}

/* W1: round trip ------------------------------------------------------------ */

static CgCaller *bench_worker;
static CgCaller *main_caller;

static void
tiny_job (CgFuture *future,
          gpointer  user_data)
{
  cg_future_return_int (future, 1, NULL);
}

static const char *
error_text (const GError *error)
{
  return error != NULL ? error->message : "no error given";
}

static void
tiny_call (gpointer user_data)
{
  *(gint *) user_data = 1;
}

/* Every side checks that its wait succeeded and that the reply is the
 * job's result, so that all of them pay for the same checks. W1 blocks on
 * a call that hands out no future, as GLib's side does; W1f makes a
 * future per call and waits for it, as libdex's side does. */
static gdouble
w1_caller_glib (void)
{
  gdouble cpu = process_cpu_seconds ();
  gdouble start = now_seconds ();

  for (guint i = 0; i < n_round_trips; i++)
    {
      g_autoptr(GError) error = NULL;
      gint reply = 0;

      if (!cg_caller_call_sync (bench_worker, tiny_call, &reply, NULL, &error))
        bench_fail ("W1 caller-glib: the call failed: %s", error_text (error));
      if (reply != 1)
        bench_fail ("W1 caller-glib: wrong reply");
    }
  start = now_seconds () - start;
  side_cpu_done (cpu, n_round_trips);

  return start / n_round_trips * 1e6;
}

static gdouble
w1f_caller_glib (void)
{
  gdouble cpu = process_cpu_seconds ();
  gdouble start = now_seconds ();

  for (guint i = 0; i < n_round_trips; i++)
    {
      g_autoptr(CgFuture) future = cg_caller_call_soon (bench_worker, tiny_job, NULL, NULL, NULL);
      g_autoptr(GError) error = NULL;

      if (!cg_future_wait_sync (future, CG_TIMEOUT_INFINITE, CG_WAIT_FLAGS_NONE, NULL, &error))
        bench_fail ("W1f caller-glib: the wait failed: %s", error_text (error));
      if (cg_future_propagate_int (future, &error) != 1)
        bench_fail ("W1f caller-glib: wrong result (%s)", error_text (error));
    }
  start = now_seconds () - start;
  side_cpu_done (cpu, n_round_trips);

  return start / n_round_trips * 1e6;
}

static GlibWorker *glib_worker;

static gboolean
glib_reply (gpointer data)
{
  g_async_queue_push (data, GINT_TO_POINTER (1));
  return G_SOURCE_REMOVE;
}

static gdouble
w1_glib (void)
{
  GAsyncQueue *replies = g_async_queue_new ();
  guint n = MAX (n_round_trips / 10, 100);
  gdouble cpu = process_cpu_seconds ();
  gdouble start = now_seconds ();

  for (guint i = 0; i < n; i++)
    {
      g_main_context_invoke (glib_worker->context, glib_reply, replies);
      if (GPOINTER_TO_INT (g_async_queue_pop (replies)) != 1)
        bench_fail ("W1 GLib: wrong reply");
    }
  start = now_seconds () - start;
  side_cpu_done (cpu, n);
  g_async_queue_unref (replies);

  return start / n * 1e6;
}

/* W1p: two threads calling each other ------------------------------------- */

/* Each hop runs on one thread and hands the next to the other: two named
 * workers that talk, with neither waiting in between. */
#define N_HOPS (opt_quick ? 20000 : 200000)

typedef struct
{
  gpointer     sides[2];   /* CgCaller or GMainContext */
  gint         hops;       /* changed by one thread at a time */
  gint         target;
  GAsyncQueue *done;
} CallerTalk;

static void
cg_hop (gpointer data)
{
  CallerTalk *p = data;
  gint n = ++p->hops;

  if (n == p->target)
    g_async_queue_push (p->done, GINT_TO_POINTER (1));
  else if (!cg_caller_call_direct (p->sides[n & 1], cg_hop, p, NULL, NULL))
    bench_fail ("W1p caller-glib: a hop was refused");
}

static gdouble
w1p_caller_glib (void)
{
  CallerTalk p = { { cg_caller_start_new ("bench-ping", FALSE, NULL, NULL),
                   cg_caller_start_new ("bench-pong", FALSE, NULL, NULL) },
                 0, N_HOPS, g_async_queue_new () };
  gdouble start = now_seconds ();

  cg_caller_call_direct (p.sides[0], cg_hop, &p, NULL, NULL);
  g_async_queue_pop (p.done);
  start = now_seconds () - start;
  if (p.hops != p.target)
    bench_fail ("W1p caller-glib: %d hops of %d", p.hops, p.target);
  for (guint i = 0; i < 2; i++)
    {
      cg_caller_stop (p.sides[i], FALSE);
      g_object_unref (p.sides[i]);
    }
  g_async_queue_unref (p.done);

  return start / p.target * 1e6;
}

static gboolean
glib_hop (gpointer data)
{
  CallerTalk *p = data;
  gint n = ++p->hops;

  if (n == p->target)
    g_async_queue_push (p->done, GINT_TO_POINTER (1));
  else
    g_main_context_invoke (p->sides[n & 1], glib_hop, p);
  return G_SOURCE_REMOVE;
}

static gdouble
w1p_glib (void)
{
  GlibWorker *workers[2] = { glib_worker_new (), glib_worker_new () };
  CallerTalk p = { { workers[0]->context, workers[1]->context }, 0, MAX (N_HOPS / 10, 1000),
                 g_async_queue_new () };
  gdouble start = now_seconds ();

  g_main_context_invoke (p.sides[0], glib_hop, &p);
  g_async_queue_pop (p.done);
  start = now_seconds () - start;
  if (p.hops != p.target)
    bench_fail ("W1p GLib: %d hops of %d", p.hops, p.target);
  glib_worker_free (workers[0]);
  glib_worker_free (workers[1]);
  g_async_queue_unref (p.done);

  return start / p.target * 1e6;
}

#ifdef HAVE_LIBDEX
/* libdex's sides push a job to libdex's thread pool scheduler; the job
 * resolves a promise, and the submitting thread blocks on it with
 * dex_thread_wait_for(). libdex refuses that wait on a thread that one of
 * its schedulers drives, and the main thread is one (dex_init(), which
 * libdex also runs from a constructor, gives it the main scheduler): there
 * the wait fails at once. So each libdex run happens on a plain thread of
 * its own, started before the clock and joined after it. */
static DexScheduler *dex_pool;

typedef struct
{
  Measure loop;
  gdouble result;
} DexRun;

static gpointer
dex_run_main (gpointer data)
{
  DexRun *run = data;

  run->result = run->loop ();
  return NULL;
}

static gdouble
dex_run_on_plain_thread (Measure loop)
{
  DexRun run = { loop, NAN };

  g_thread_join (g_thread_new ("dex-waiter", dex_run_main, &run));
  return run.result;
}

/* Blocks until @promise is resolved and checks that it holds the int 1;
 * takes no reference of the caller's. */
static void
dex_wait_checked (DexPromise *promise,
                  const char *side)
{
  g_autoptr(GError) error = NULL;
  const GValue *value;

  if (!dex_thread_wait_for (dex_ref (promise), &error))
    bench_fail ("%s: dex_thread_wait_for() failed: %s", side, error_text (error));
  value = dex_future_get_value (DEX_FUTURE (promise), &error);
  if (value == NULL || !G_VALUE_HOLDS_INT (value) || g_value_get_int (value) != 1)
    bench_fail ("%s: wrong result (%s)", side, error_text (error));
}

static void
dex_resolve (gpointer data)
{
  dex_promise_resolve_int (data, 1);
  dex_unref (data);
}

static gdouble
w1_libdex_loop (void)
{
  gdouble cpu = process_cpu_seconds ();
  gdouble start = now_seconds ();

  for (guint i = 0; i < n_round_trips; i++)
    {
      DexPromise *promise = dex_promise_new ();

      dex_scheduler_push (dex_pool, dex_resolve, dex_ref (promise));
      dex_wait_checked (promise, "W1 libdex");
      dex_unref (promise);
    }
  start = now_seconds () - start;
  side_cpu_done (cpu, n_round_trips);

  return start / n_round_trips * 1e6;
}

static gdouble
w1_libdex (void)
{
  return dex_run_on_plain_thread (w1_libdex_loop);
}
#endif

/* W2: throughput with a future per call -------------------------------------- */

static void
count_job (CgFuture *future,
           gpointer  user_data)
{
}

static gdouble
w2_caller_glib (void)
{
  g_autoptr(GError) error = NULL;
  CgFuture *last = NULL;
  gdouble cpu = process_cpu_seconds ();
  gdouble start = now_seconds ();

  for (guint i = 0; i < n_throughput; i++)
    {
      CgFuture *future = cg_caller_call_soon (bench_worker, count_job, NULL, NULL, NULL);

      if (i + 1 < n_throughput)
        g_object_unref (future);
      else
        last = future;
    }
  if (!cg_future_wait_sync (last, CG_TIMEOUT_INFINITE, CG_WAIT_FLAGS_NONE, NULL, &error))
    bench_fail ("W2 caller-glib: the wait failed: %s", error_text (error));
  start = now_seconds () - start;
  side_cpu_done (cpu, n_throughput);
  g_object_unref (last);

  return n_throughput / start / 1e6;
}

/* W2 while the main caller's job list is watched: what the GListModel of
 * cg_caller_get_jobs() costs when someone asked for it. */
static gdouble
w2m_caller_glib (void)
{
  g_autoptr(GListModel) jobs = cg_caller_get_jobs (main_caller);
  guint n = n_throughput / 4;
  CgFuture *last = NULL;
  gdouble start = now_seconds ();

  for (guint i = 0; i < n; i++)
    {
      CgFuture *future = cg_caller_call_soon (bench_worker, count_job, NULL, NULL, NULL);

      if (i + 1 < n)
        g_object_unref (future);
      else
        last = future;
    }
  cg_future_wait_sync (last, CG_TIMEOUT_INFINITE, CG_WAIT_FLAGS_NONE, NULL, NULL);
  start = now_seconds () - start;
  g_object_unref (last);

  /* Let the list empty itself before the next run. */
  while (g_list_model_get_n_items (jobs) > 0)
    g_main_context_iteration (NULL, TRUE);

  return n / start / 1e6;
}

typedef struct
{
  gint         done;
  guint        target;
  GAsyncQueue *finished;
} Counter;

static gboolean
glib_count (gpointer data)
{
  Counter *counter = data;

  if ((guint) g_atomic_int_add (&counter->done, 1) + 1 == counter->target)
    g_async_queue_push (counter->finished, GINT_TO_POINTER (1));
  return G_SOURCE_REMOVE;
}

static gdouble
w2_glib (void)
{
  Counter counter = { 0, n_throughput / 4, g_async_queue_new () };
  gdouble cpu = process_cpu_seconds ();
  gdouble start = now_seconds ();

  for (guint i = 0; i < counter.target; i++)
    g_main_context_invoke (glib_worker->context, glib_count, &counter);
  g_async_queue_pop (counter.finished);
  start = now_seconds () - start;
  side_cpu_done (cpu, counter.target);
  g_async_queue_unref (counter.finished);

  return counter.target / start / 1e6;
}

#ifdef HAVE_LIBDEX
/* W2 on libdex: like ours, a future (a promise) per call, all but the last
 * dropped at once, the last waited for and checked. The pool may run jobs
 * on several workers in any order, so the jobs also count themselves and
 * the run ends when the last promise is resolved and every job ran. */
static Counter *w2_dex_counter;

static void
dex_resolve_count (gpointer data)
{
  dex_promise_resolve_int (data, 1);
  dex_unref (data);
  glib_count (w2_dex_counter);
}

static gdouble
w2_libdex_loop (void)
{
  Counter counter = { 0, n_throughput, g_async_queue_new () };
  DexPromise *last = NULL;
  gdouble cpu, start;

  w2_dex_counter = &counter;
  cpu = process_cpu_seconds ();
  start = now_seconds ();
  for (guint i = 0; i < counter.target; i++)
    {
      DexPromise *promise = dex_promise_new ();

      dex_scheduler_push (dex_pool, dex_resolve_count, dex_ref (promise));
      if (i + 1 < counter.target)
        dex_unref (promise);
      else
        last = promise;
    }
  dex_wait_checked (last, "W2 libdex");
  g_async_queue_pop (counter.finished);
  start = now_seconds () - start;
  side_cpu_done (cpu, counter.target);
  if ((guint) g_atomic_int_get (&counter.done) != counter.target)
    bench_fail ("W2 libdex: %d of %u jobs ran", g_atomic_int_get (&counter.done), counter.target);
  dex_unref (last);
  g_async_queue_unref (counter.finished);
  w2_dex_counter = NULL;

  return counter.target / start / 1e6;
}

static gdouble
w2_libdex (void)
{
  return dex_run_on_plain_thread (w2_libdex_loop);
}
#endif

/* W2b: throughput, no future ------------------------------------------------- */

static void
direct_count (gpointer data)
{
  glib_count (data);
}

static gdouble
w2b_caller_glib (void)
{
  Counter counter = { 0, n_throughput, g_async_queue_new () };
  gdouble start = now_seconds ();

  for (guint i = 0; i < counter.target; i++)
    cg_caller_call_direct (bench_worker, direct_count, &counter, NULL, NULL);
  g_async_queue_pop (counter.finished);
  start = now_seconds () - start;
  g_async_queue_unref (counter.finished);

  return counter.target / start / 1e6;
}

static void
pool_count (gpointer data,
            gpointer user_data)
{
  glib_count (user_data);
}

static gdouble
w2b_glib (void)
{
  Counter counter = { 0, n_throughput, g_async_queue_new () };
  GThreadPool *pool = g_thread_pool_new (pool_count, &counter, 1, TRUE, NULL);
  gdouble start = now_seconds ();

  for (guint i = 0; i < counter.target; i++)
    g_thread_pool_push (pool, GINT_TO_POINTER (1), NULL);
  g_async_queue_pop (counter.finished);
  start = now_seconds () - start;
  g_thread_pool_free (pool, FALSE, TRUE);
  g_async_queue_unref (counter.finished);

  return counter.target / start / 1e6;
}

/* W3: fan-out to a pool, completing back on the main loop ------------------- */

static guint fanout_done;

static void
fanout_arrived (gpointer data)
{
  fanout_done++;
}

static void
fanout_completed (CgFuture *future,
                  gpointer  user_data)
{
  /* On the worker: hand the completion to the main loop, batched. */
  cg_caller_call_direct (main_caller, fanout_arrived, NULL, NULL, NULL);
}

static gdouble
w3_caller_glib (void)
{
  gdouble start = now_seconds ();

  fanout_done = 0;
  for (guint i = 0; i < n_fanout; i++)
    {
      g_autoptr(CgFuture) future = cg_caller_to_thread (tiny_job, NULL, NULL, NULL);

      cg_future_add_completion_hook (future, fanout_completed, NULL, NULL);
    }
  while (fanout_done < n_fanout)
    g_main_context_iteration (NULL, TRUE);

  return n_fanout / (now_seconds () - start) / 1e6;
}

static void
gtask_tiny (GTask        *task,
            gpointer      source_object,
            gpointer      task_data,
            GCancellable *cancellable)
{
  g_task_return_int (task, 1);
}

static void
gtask_done (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_task_propagate_int (G_TASK (result), NULL);
  fanout_done++;
}

static gdouble
w3_glib (void)
{
  guint n = n_fanout / 2;
  gdouble start = now_seconds ();

  fanout_done = 0;
  for (guint i = 0; i < n; i++)
    {
      GTask *task = g_task_new (NULL, NULL, gtask_done, NULL);

      g_task_run_in_thread (task, gtask_tiny);
      g_object_unref (task);
    }
  while (fanout_done < n)
    g_main_context_iteration (NULL, TRUE);

  return n / (now_seconds () - start) / 1e6;
}

/* W3w: W3 with the documented way to collect a future on the main loop,
 * cg_future_wait_async(); GTask's side is W3's, with the same number of
 * jobs. */

static void
fanout_waited (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  cg_future_wait_finish (CG_FUTURE (source), result, NULL);
  fanout_done++;
}

static gdouble
w3w_caller_glib (void)
{
  guint n = n_fanout / 2;
  gdouble start = now_seconds ();

  fanout_done = 0;
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(CgFuture) future = cg_caller_to_thread (tiny_job, NULL, NULL, NULL);

      cg_future_wait_async (future, CG_TIMEOUT_INFINITE, CG_WAIT_FLAGS_NONE, NULL,
                            fanout_waited, NULL);
    }
  while (fanout_done < n)
    g_main_context_iteration (NULL, TRUE);

  return n / (now_seconds () - start) / 1e6;
}

/* W3 has no libdex figure: libdex 1.0's continuations (dex_future_then)
 * and fibers on its thread pool scheduler, reporting back to the default
 * main context, hung or crashed in this harness. */

/* W4: an idle caller ---------------------------------------------------------- */

/* The CPU time the thread @tid has had, from the kernel's schedstat
 * (seconds); the thread's own accounting, not the measuring thread's. */
static gdouble
thread_cpu_seconds (gint tid)
{
  g_autofree char *path = g_strdup_printf ("/proc/self/task/%d/schedstat", tid);
  g_autofree char *text = NULL;
  unsigned long long on_cpu = 0;

  if (!g_file_get_contents (path, &text, NULL, NULL) || sscanf (text, "%llu", &on_cpu) != 1)
    return NAN;
  return on_cpu / 1e9;
}

static void
tid_job (CgFuture *future,
         gpointer  user_data)
{
  cg_future_return_int (future, (gssize) syscall (SYS_gettid), NULL);
}

/* The share of a core that @caller's thread uses over @seconds, fed one
 * tiny job every @period_ms (0: none). */
static gdouble
caller_cpu_share (CgCaller *caller,
                  gdouble   seconds,
                  guint     period_ms)
{
  g_autoptr(CgFuture) future = cg_caller_call_soon (caller, tid_job, NULL, NULL, NULL);
  gint tid;
  gdouble cpu, wall, end;

  cg_future_wait_sync (future, CG_TIMEOUT_INFINITE, CG_WAIT_FLAGS_NONE, NULL, NULL);
  tid = (gint) cg_future_propagate_int (future, NULL);
  g_usleep (10000); /* let it finish spinning and park */

  cpu = thread_cpu_seconds (tid);
  wall = now_seconds ();
  end = wall + seconds;
  if (period_ms == 0)
    g_usleep ((gulong) (seconds * G_USEC_PER_SEC));
  else
    while (now_seconds () < end)
      {
        g_autoptr(CgFuture) frame = cg_caller_call_soon (caller, tiny_job, NULL, NULL, NULL);

        g_usleep (period_ms * 1000);
      }
  cpu = thread_cpu_seconds (tid) - cpu;
  wall = now_seconds () - wall;

  return cpu / wall * 100.0;
}

/* W4: what an idle caller's thread costs. */
static gdouble
w4_caller_glib (void)
{
  g_autoptr(CgCaller) idle = cg_caller_start_new ("bench-idle", FALSE, NULL, NULL);
  gdouble share = caller_cpu_share (idle, idle_seconds, 0);

  cg_caller_stop (idle, FALSE);
  return share;
}

/* W4f: what a caller fed one job per 16 ms frame costs its thread. */
static gdouble
w4f_caller_glib (void)
{
  g_autoptr(CgCaller) fed = cg_caller_start_new ("bench-fed", FALSE, NULL, NULL);
  gdouble share = caller_cpu_share (fed, idle_seconds, 16);

  cg_caller_stop (fed, FALSE);
  return share;
}

/* W5: memory of a pending future ------------------------------------------------ */

static gsize
resident_bytes (void)
{
  g_autofree char *statm = NULL;
  unsigned long size = 0, resident = 0;

  if (!g_file_get_contents ("/proc/self/statm", &statm, NULL, NULL))
    return 0;
  if (sscanf (statm, "%lu %lu", &size, &resident) != 2)
    return 0;
  return resident * (gsize) sysconf (_SC_PAGESIZE);
}

typedef struct
{
  GMutex mutex;
  GCond  cond;
  gboolean open;
} Gate;

static void
gate_job (CgFuture *future,
          gpointer  user_data)
{
  Gate *gate = user_data;

  g_mutex_lock (&gate->mutex);
  while (!gate->open)
    g_cond_wait (&gate->cond, &gate->mutex);
  g_mutex_unlock (&gate->mutex);
}

static gdouble w5_measure (void);

/* Memory is measured in a fresh process: in this one, the memory that the
 * other workloads freed would be reused and the figure would say nothing. */
static gdouble
w5_caller_glib (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *count = g_strdup_printf ("%u", n_pending);
  const char *argv[] = { self_path, "--pending-child", "--pending", count, NULL };
  int status = 0;

  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, NULL, &status,
                     &error) ||
      !g_spawn_check_wait_status (status, &error))
    {
      g_printerr ("cg-bench: W5 not measured: %s\n", error->message);
      return NAN;
    }

  return g_ascii_strtod (out, NULL);
}

static gdouble
w5_measure (void)
{
  g_autoptr(CgCaller) caller = cg_caller_start_new ("bench-pending", FALSE, NULL, NULL);
  Gate gate = { 0 };
  g_autoptr(CgFuture) blocker = NULL;
  /* Zeroed, so that its pages are resident before the first reading:
   * the harness's own array (8 bytes a future) is not the library's. */
  CgFuture **futures = g_new0 (CgFuture *, n_pending);
  gsize before, after;

  for (guint i = 0; i < n_pending; i += 512)
    ((volatile gpointer *) futures)[i] = NULL;
  g_mutex_init (&gate.mutex);
  g_cond_init (&gate.cond);
  blocker = cg_caller_call_soon (caller, gate_job, &gate, NULL, NULL);

  before = resident_bytes ();
  for (guint i = 0; i < n_pending; i++)
    futures[i] = cg_caller_call_soon (caller, count_job, NULL, NULL, NULL);
  after = resident_bytes ();

  g_mutex_lock (&gate.mutex);
  gate.open = TRUE;
  g_cond_signal (&gate.cond);
  g_mutex_unlock (&gate.mutex);
  cg_future_wait_sync (futures[n_pending - 1], CG_TIMEOUT_INFINITE, CG_WAIT_FLAGS_NONE, NULL, NULL);
  for (guint i = 0; i < n_pending; i++)
    g_object_unref (futures[i]);
  g_free (futures);
  cg_caller_stop (caller, FALSE);
  g_mutex_clear (&gate.mutex);
  g_cond_clear (&gate.cond);

  return (gdouble) (after - before) / n_pending;
}

/* W6: as_completed over many futures -------------------------------------------- */

typedef struct
{
  CgAsCompleted *iteration;
  guint          seen;
  gboolean       finished;
} AsCompletedRun;

static void
as_completed_next (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  AsCompletedRun *run = user_data;
  CgFuture *future = cg_as_completed_next_finish (run->iteration, result, NULL);

  if (future == NULL)
    {
      run->finished = TRUE;
      return;
    }
  run->seen++;
  g_object_unref (future);
  cg_as_completed_next_async (run->iteration, NULL, as_completed_next, run);
}

static gdouble
w6_caller_glib (void)
{
  CgFuture **futures = g_new (CgFuture *, n_as_completed);
  AsCompletedRun run = { 0 };
  gdouble start;

  for (guint i = 0; i < n_as_completed; i++)
    futures[i] = cg_future_new ();

  start = now_seconds ();
  run.iteration = cg_as_completed_new (futures, n_as_completed, FALSE);
  cg_as_completed_next_async (run.iteration, NULL, as_completed_next, &run);
  for (guint i = 0; i < n_as_completed; i++)
    cg_future_return_int (futures[n_as_completed - 1 - i], i, NULL);
  while (!run.finished)
    g_main_context_iteration (NULL, TRUE);
  start = now_seconds () - start;

  g_object_unref (run.iteration);
  for (guint i = 0; i < n_as_completed; i++)
    g_object_unref (futures[i]);
  g_free (futures);

  return start / n_as_completed * 1e6;
}

/* W10: all() over many futures ------------------------------------------------- */

/* Per future: the combined future made over N futures (one completion
 * hook each), the N completed in reverse order on this thread, and the
 * combined one done; checked. */
static gdouble
w10_caller_glib (void)
{
  CgFuture **futures = g_new (CgFuture *, n_as_completed);
  g_autoptr(GError) error = NULL;
  CgFuture *all;
  gdouble start;

  for (guint i = 0; i < n_as_completed; i++)
    futures[i] = cg_future_new ();

  start = now_seconds ();
  all = cg_future_all (futures, n_as_completed, FALSE, &error);
  if (all == NULL)
    bench_fail ("W10: cg_future_all() failed: %s", error_text (error));
  for (guint i = 0; i < n_as_completed; i++)
    cg_future_return_int (futures[n_as_completed - 1 - i], i, NULL);
  if (!cg_future_check (all, &error))
    bench_fail ("W10: all() is not done: %s", error_text (error));
  start = now_seconds () - start;

  g_object_unref (all);
  for (guint i = 0; i < n_as_completed; i++)
    g_object_unref (futures[i]);
  g_free (futures);

  return start / n_as_completed * 1e6;
}

#ifdef HAVE_LIBDEX
/* The same with dex_future_allv() over libdex promises. */
static gdouble
w10_libdex (void)
{
  DexPromise **promises = g_new (DexPromise *, n_as_completed);
  g_autoptr(GError) error = NULL;
  DexFuture *all;
  gdouble start;

  for (guint i = 0; i < n_as_completed; i++)
    promises[i] = dex_promise_new ();

  start = now_seconds ();
  all = dex_future_allv ((DexFuture *const *) promises, n_as_completed);
  for (guint i = 0; i < n_as_completed; i++)
    dex_promise_resolve_int (promises[n_as_completed - 1 - i], (int) i);
  if (dex_future_get_value (all, &error) == NULL)
    bench_fail ("W10 libdex: dex_future_allv() is not resolved: %s", error_text (error));
  start = now_seconds () - start;

  dex_unref (all);
  for (guint i = 0; i < n_as_completed; i++)
    dex_unref (promises[i]);
  g_free (promises);

  return start / n_as_completed * 1e6;
}
#endif

/* W7: an AsyncLock handed between two callers -------------------------------------- */

typedef struct
{
  CgAsyncLock *lock;
  gint         acquisitions;
  guint        target;
  GAsyncQueue *finished;
  GThread     *last;       /* the thread of the last acquisition (under the lock) */
  guint        handoffs;   /* acquisitions on another thread than the last one */
  gint         ready;      /* atomic: callers whose first job has started */
  gpointer     start;      /* atomic: when both had (monotonic µs, as a pointer) */
} LockRun;

/* The hand-offs of the last W7 run: under load one caller may re-acquire
 * alone for a while, which is no hand-off and costs far less. */
static guint w7_handoffs, w7_acquisitions;
static gdouble w7_seconds;

static void lock_round (CgFuture *future, gpointer user_data);

static void
lock_acquired (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  LockRun *run = user_data;
  guint n;

  if (!cg_async_lock_acquire_finish (run->lock, result, NULL))
    return;
  n = (guint) g_atomic_int_add (&run->acquisitions, 1) + 1;
  if (run->last != g_thread_self ())
    {
      run->handoffs += run->last != NULL;
      run->last = g_thread_self ();
    }
  cg_async_lock_release (run->lock, NULL);
  if (n == run->target)
    g_async_queue_push (run->finished, GINT_TO_POINTER (1));
  else if (n < run->target)
    cg_async_lock_acquire_async (run->lock, NULL, lock_acquired, run);
}

/* The clock starts once both callers run: on a loaded machine a caller's
 * new thread may start late, and the other would be timed re-acquiring
 * alone, which is no hand-off. */
static void
lock_round (CgFuture *future,
            gpointer  user_data)
{
  LockRun *run = user_data;

  if (g_atomic_int_add (&run->ready, 1) == 1)
    g_atomic_pointer_set (&run->start, GSIZE_TO_POINTER ((gsize) g_get_monotonic_time ()));
  while (g_atomic_int_get (&run->ready) < 2)
    g_thread_yield ();
  cg_async_lock_acquire_async (run->lock, NULL, lock_acquired, run);
}

static gdouble
w7_caller_glib (void)
{
  g_autoptr(CgCaller) a = cg_caller_start_new ("bench-lock-a", FALSE, NULL, NULL);
  g_autoptr(CgCaller) b = cg_caller_start_new ("bench-lock-b", FALSE, NULL, NULL);
  LockRun run = { cg_async_lock_new (), 0, n_lock, g_async_queue_new (), NULL, 0, 0, NULL };
  g_autoptr(CgFuture) fa = NULL;
  g_autoptr(CgFuture) fb = NULL;
  gdouble start;

  fa = cg_caller_call_soon (a, lock_round, &run, NULL, NULL);
  fb = cg_caller_call_soon (b, lock_round, &run, NULL, NULL);
  g_async_queue_pop (run.finished);
  start = (g_get_monotonic_time () -
           (gint64) GPOINTER_TO_SIZE (g_atomic_pointer_get (&run.start))) / 1e6;

  cg_caller_stop (a, FALSE);
  cg_caller_stop (b, FALSE);
  g_async_queue_unref (run.finished);
  g_object_unref (run.lock);
  w7_handoffs = run.handoffs;
  w7_acquisitions = run.target;
  w7_seconds = start;

  return run.target / start / 1e6;
}

/* W8: the same from Python, by bench/w8.py --------------------------------------- */

typedef struct
{
  gdouble trip, trip_tpe, trip_asyncio;
  gdouble throughput, throughput_tpe;
  gdouble fanout, fanout_tpe;
} PythonFigures;

static gboolean
run_w8 (PythonFigures *figures)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *runs = g_strdup_printf ("%d", opt_runs);
  g_auto(GStrv) env = g_get_environ ();
  g_auto(GStrv) lines = NULL;
  const char *argv[] = { "/usr/bin/python3", CG_BENCH_W8_SCRIPT, "--plain", "--runs", runs,
                         opt_quick ? "--quick" : NULL, NULL };
  int status = 0;

  env = g_environ_setenv (env, "GI_TYPELIB_PATH", CG_BUILD_ROOT "/caller-glib", TRUE);
  env = g_environ_setenv (env, "LD_LIBRARY_PATH", CG_BUILD_ROOT "/caller-glib", TRUE);
  env = g_environ_setenv (env, "PYTHONPATH", CG_BUILD_ROOT "/python", TRUE);

  if (!g_spawn_sync (NULL, (char **) argv, env, G_SPAWN_DEFAULT, NULL, NULL, &out, NULL, &status,
                     &error) ||
      !g_spawn_check_wait_status (status, &error))
    {
      g_printerr ("cg-bench: W8 not run: %s\n", error->message);
      return FALSE;
    }

  lines = g_strsplit (out, "\n", -1);
  for (char **line = lines; *line != NULL; line++)
    {
      char key[64];
      gdouble value;

      if (sscanf (*line, "%63s %lf", key, &value) != 2)
        continue;
      if (g_str_equal (key, "round_trip_us.caller_glib"))
        figures->trip = value;
      else if (g_str_equal (key, "round_trip_us.thread_pool_executor"))
        figures->trip_tpe = value;
      else if (g_str_equal (key, "round_trip_us.asyncio_threadsafe"))
        figures->trip_asyncio = value;
      else if (g_str_equal (key, "throughput_k_per_s.caller_glib"))
        figures->throughput = value;
      else if (g_str_equal (key, "throughput_k_per_s.thread_pool_executor"))
        figures->throughput_tpe = value;
      else if (g_str_equal (key, "fan_out_k_per_s.caller_glib"))
        figures->fanout = value;
      else if (g_str_equal (key, "fan_out_k_per_s.thread_pool_executor"))
        figures->fanout_tpe = value;
    }

  return TRUE;
}

/* W9: a burst of CPU-bound jobs under a 60 Hz frame clock --------------------
 *
 * What a GTK application does first: hand 1000 jobs of about 5 ms of CPU
 * each to threads at once and collect the results on the main loop, while
 * the frame clock wants to run every 16.7 ms. A source of priority
 * GDK_PRIORITY_REDRAW (G_PRIORITY_HIGH_IDLE + 20) stands in for the frame
 * clock and records how late it runs; a thread samples /proc/self/task
 * for the peak number of OS threads; /proc/thread-self/schedstat says how
 * long the main thread waited for a processor. Ours: cg_caller_to_thread()
 * with a done callback (it runs on the main thread, through its caller);
 * GLib's: g_task_run_in_thread() with its callback on the main loop. Both
 * check every result. W9m is ours again with the main caller's job list
 * watched by a handler that reads what a list view would. */

#define W9_FRAME_USEC 16667
#define W9_REDRAW_PRIORITY (G_PRIORITY_HIGH_IDLE + 20)

static guint n_burst = 1000;
static gdouble burst_job_ms = 5.0;

typedef struct
{
  gdouble stall_ms;      /* the frame clock's longest lateness */
  gdouble total_ms;      /* first submission to last result */
  gdouble threads;       /* peak OS threads of the process */
  gdouble main_wait_ms;  /* the main thread's time runnable but not running */
  gdouble main_cpu_ms;   /* the main thread's time on a processor */
  gdouble signals;       /* items-changed of the job list (W9m) */
  gdouble start_threads; /* OS threads when the burst began */
  gdouble submit_ms;     /* the submitting loop alone */
  gdouble frames;        /* frames the clock ran while the burst ran */
} BurstFigures;

typedef struct
{
  GSource source;
  gint64  next;
  gint64  max_late;
  guint   frames;
} FrameSource;

static gboolean
frame_dispatch (GSource     *source,
                GSourceFunc  callback,
                gpointer     user_data)
{
  FrameSource *frame = (FrameSource *) source;
  gint64 now = g_get_monotonic_time ();

  frame->max_late = MAX (frame->max_late, now - frame->next);
  frame->frames++;
  while (frame->next <= now)
    frame->next += W9_FRAME_USEC;
  g_source_set_ready_time (source, frame->next);
  return G_SOURCE_CONTINUE;
}

static GSourceFuncs frame_funcs = { NULL, NULL, frame_dispatch, NULL, NULL, NULL };

static GSource *
frame_source_new (void)
{
  GSource *source = g_source_new (&frame_funcs, sizeof (FrameSource));
  FrameSource *frame = (FrameSource *) source;

  frame->next = g_get_monotonic_time () + W9_FRAME_USEC;
  g_source_set_priority (source, W9_REDRAW_PRIORITY);
  g_source_set_ready_time (source, frame->next);
  g_source_attach (source, NULL);
  return source;
}

typedef struct
{
  gint     stop;
  gint     peak;
  GThread *thread;
} ThreadSampler;

static gint
count_threads (void)
{
  GDir *dir = g_dir_open ("/proc/self/task", 0, NULL);
  gint n = 0;

  if (dir == NULL)
    return 0;
  while (g_dir_read_name (dir) != NULL)
    n++;
  g_dir_close (dir);
  return n;
}

static gpointer
sampler_main (gpointer data)
{
  ThreadSampler *sampler = data;

  while (!g_atomic_int_get (&sampler->stop))
    {
      /* Not counting itself. */
      gint n = count_threads () - 1;

      if (n > sampler->peak)
        sampler->peak = n;
      g_usleep (1000);
    }
  return NULL;
}

static void
sampler_start (ThreadSampler *sampler)
{
  sampler->stop = 0;
  sampler->peak = 0;
  sampler->thread = g_thread_new ("w9-sampler", sampler_main, sampler);
}

static gint
sampler_stop (ThreadSampler *sampler)
{
  g_atomic_int_set (&sampler->stop, 1);
  g_thread_join (sampler->thread);
  return sampler->peak;
}

/* Time on a processor and time waiting for one, of the calling thread. */
static void
read_schedstat (gdouble *cpu_ms,
                gdouble *wait_ms)
{
  g_autofree char *text = NULL;
  guint64 run = 0, wait = 0;

  if (g_file_get_contents ("/proc/thread-self/schedstat", &text, NULL, NULL))
    sscanf (text, "%" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT, &run, &wait);
  *cpu_ms = run / 1e6;
  *wait_ms = wait / 1e6;
}

static void
burn_cpu (gdouble ms)
{
  struct timespec ts;
  gdouble start, now;
  volatile guint sink = 0;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  start = ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
  do
    {
      for (guint i = 0; i < 10000; i++)
        sink += i;
      clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
      now = ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
    }
  while (now - start < ms);
}

typedef struct
{
  guint done;
  guint wrong;
  guint signals;
} Burst;

static GThread *bench_main_thread;

/* Results are collected on the main thread: a done callback of a pool
 * job's own future would run in the pool. */
static gboolean
on_bench_main_thread (void)
{
  return g_thread_self () == bench_main_thread;
}

/* --w9-nice: what an application can do today for its CPU-bound jobs,
 * once per thread (lowering a nice value back needs privileges). */
static void
burst_renice (void)
{
  static __thread gboolean reniced;

  if (opt_w9_nice == 0 || reniced)
    return;
  reniced = TRUE;
  if (setpriority (PRIO_PROCESS, (id_t) syscall (SYS_gettid), opt_w9_nice) != 0)
    g_printerr ("cg-bench: W9: setpriority failed\n");
}

static void
burst_job (CgFuture *future,
           gpointer  user_data)
{
  burst_renice ();
  burn_cpu (burst_job_ms);
  cg_future_return_int (future, GPOINTER_TO_UINT (user_data), NULL);
}

typedef struct
{
  Burst *burst;
  guint  index;
} BurstItem;

static void
burst_done (CgFuture *future,
            gpointer  user_data)
{
  BurstItem *item = user_data;
  GError *error = NULL;

  if (on_bench_main_thread () == FALSE ||
      cg_future_propagate_int (future, &error) != (gssize) item->index || error != NULL)
    item->burst->wrong++;
  g_clear_error (&error);
  item->burst->done++;
  if (opt_w9_result_ms > 0)
    burn_cpu (opt_w9_result_ms);
}

static void
burst_waited (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  GError *error = NULL;

  if (!cg_future_wait_finish (CG_FUTURE (source), result, &error))
    {
      ((BurstItem *) user_data)->burst->wrong++;
      g_clear_error (&error);
    }
  burst_done (CG_FUTURE (source), user_data);
}

static void
burst_items_changed (GListModel *model,
                     guint       position,
                     guint       removed,
                     guint       added,
                     gpointer    user_data)
{
  Burst *burst = user_data;

  /* What a list view does: look at the rows it shows. */
  burst->signals++;
  for (guint i = 0; i < MIN (added, 30); i++)
    {
      g_autoptr(CgJob) job = g_list_model_get_item (model, position + i);

      if (job == NULL || cg_job_get_label (job) == NULL)
        burst->wrong++;
    }
  (void) g_list_model_get_n_items (model);
}

static void
burst_gtask (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  burst_renice ();
  burn_cpu (burst_job_ms);
  g_task_return_int (task, GPOINTER_TO_UINT (task_data));
}

static void
burst_gtask_done (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  Burst *burst = user_data;
  GError *error = NULL;
  gssize value = g_task_propagate_int (G_TASK (result), &error);

  if (error != NULL || value != GPOINTER_TO_INT (g_task_get_task_data (G_TASK (result))))
    burst->wrong++;
  g_clear_error (&error);
  burst->done++;
  if (opt_w9_result_ms > 0)
    burn_cpu (opt_w9_result_ms);
}

/* One burst: 0 ours, 1 ours with the job list watched, 2 GTask. */
static BurstFigures
w9_run (guint side,
        gint  priority)
{
  BurstFigures figures = { 0 };
  g_autoptr(GListModel) jobs = NULL;
  BurstItem *items = g_new (BurstItem, n_burst);
  Burst burst = { 0 };
  ThreadSampler sampler;
  gdouble cpu0, wait0, cpu1, wait1;
  GSource *frame;
  gint old_priority = cg_caller_get_priority (main_caller);
  gint64 start;

  /* Let the loop settle: nothing pending from the last run. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  cg_caller_set_priority (main_caller, priority);
  if (side == 1)
    {
      jobs = cg_caller_get_jobs (main_caller);
      g_signal_connect (jobs, "items-changed", G_CALLBACK (burst_items_changed), &burst);
    }

  figures.start_threads = count_threads ();
  sampler_start (&sampler);
  frame = frame_source_new ();
  read_schedstat (&cpu0, &wait0);
  start = g_get_monotonic_time ();

  for (guint i = 0; i < n_burst; i++)
    {
      if (side == 2)
        {
          GTask *task = g_task_new (NULL, NULL, burst_gtask_done, &burst);

          g_task_set_task_data (task, GUINT_TO_POINTER (i), NULL);
          g_task_run_in_thread (task, burst_gtask);
          g_object_unref (task);
        }
      else
        {
          g_autoptr(CgFuture) future = cg_caller_to_thread (burst_job, GUINT_TO_POINTER (i),
                                                            NULL, NULL);

          items[i].burst = &burst;
          items[i].index = i;
          if (g_strcmp0 (opt_w9_collect, "follow") == 0)
            {
              /* A future of the main thread that follows the job: its done
               * callback comes through the main caller's inbox. */
              g_autoptr(CgFuture) here = cg_future_new ();

              cg_future_return_future (here, future, NULL);
              cg_future_add_done_callback (here, burst_done, &items[i], NULL);
            }
          else
            {
              cg_future_wait_async (future, CG_TIMEOUT_INFINITE, CG_WAIT_FLAGS_NONE, NULL,
                                    burst_waited, &items[i]);
            }
        }
    }
  figures.submit_ms = (g_get_monotonic_time () - start) / 1e3;
  while (burst.done < n_burst)
    g_main_context_iteration (NULL, TRUE);

  figures.total_ms = (g_get_monotonic_time () - start) / 1e3;
  read_schedstat (&cpu1, &wait1);
  /* A frame still waiting counts too: a clock starved to the end never
   * ran to say how late it was. */
  ((FrameSource *) frame)->max_late = MAX (((FrameSource *) frame)->max_late,
                                           g_get_monotonic_time () - ((FrameSource *) frame)->next);
  figures.stall_ms = ((FrameSource *) frame)->max_late / 1e3;
  figures.frames = ((FrameSource *) frame)->frames;
  g_source_destroy (frame);
  g_source_unref (frame);
  figures.threads = sampler_stop (&sampler);
  figures.main_cpu_ms = cpu1 - cpu0;
  figures.main_wait_ms = wait1 - wait0;

  if (jobs != NULL)
    {
      while (g_list_model_get_n_items (jobs) > 0)
        g_main_context_iteration (NULL, TRUE);
      g_signal_handlers_disconnect_by_data (jobs, &burst);
    }
  figures.signals = burst.signals;
  cg_caller_set_priority (main_caller, old_priority);

  if (burst.wrong != 0)
    {
      g_printerr ("cg-bench: W9: %u wrong results\n", burst.wrong);
      exit (1);
    }
  g_free (items);
  return figures;
}

static gdouble
median_field (BurstFigures *runs,
              guint         n,
              gsize         offset)
{
  g_autofree gdouble *values = g_new (gdouble, n);

  for (guint i = 0; i < n; i++)
    values[i] = G_STRUCT_MEMBER (gdouble, &runs[i], offset);
  qsort (values, n, sizeof (gdouble), compare_doubles);
  return values[n / 2];
}

static BurstFigures
median_figures (BurstFigures *runs,
                guint         n)
{
  BurstFigures m;

  m.stall_ms = median_field (runs, n, G_STRUCT_OFFSET (BurstFigures, stall_ms));
  m.total_ms = median_field (runs, n, G_STRUCT_OFFSET (BurstFigures, total_ms));
  m.threads = median_field (runs, n, G_STRUCT_OFFSET (BurstFigures, threads));
  m.main_wait_ms = median_field (runs, n, G_STRUCT_OFFSET (BurstFigures, main_wait_ms));
  m.main_cpu_ms = median_field (runs, n, G_STRUCT_OFFSET (BurstFigures, main_cpu_ms));
  m.signals = median_field (runs, n, G_STRUCT_OFFSET (BurstFigures, signals));
  m.frames = median_field (runs, n, G_STRUCT_OFFSET (BurstFigures, frames));
  m.submit_ms = median_field (runs, n, G_STRUCT_OFFSET (BurstFigures, submit_ms));
  m.start_threads = median_field (runs, n, G_STRUCT_OFFSET (BurstFigures, start_threads));
  return m;
}

typedef struct
{
  const char   *name;
  guint         side;
  gint          priority;
  BurstFigures  median;
} BurstRow;

static void
print_burst_row (const BurstRow *row)
{
  const BurstFigures *f = &row->median;

  printf ("     %-26s %9.1f %7.0f %9.1f %9.0f %4.0f/%-4.0f %10.0f %9.0f", row->name, f->stall_ms,
          f->frames, f->submit_ms, f->total_ms, f->threads, f->start_threads, f->main_wait_ms,
          f->main_cpu_ms);
  if (row->side == 1)
    printf (" %9.0f", f->signals);
  printf ("\n");
}

/* Runs every row opt_runs times, one row after the other in each round,
 * so that a noisy moment hurts all alike; a small warm-up round first. */
static void
w9_measure (BurstRow *rows,
            guint     n_rows)
{
  g_autofree BurstFigures *runs = g_new0 (BurstFigures, (gsize) n_rows * opt_runs);
  guint saved = n_burst;

  n_burst = MAX (10, n_burst / 10);
  for (guint r = 0; r < n_rows; r++)
    w9_run (rows[r].side, rows[r].priority);
  n_burst = saved;

  for (int i = 0; i < opt_runs; i++)
    for (guint r = 0; r < n_rows; r++)
      runs[r * opt_runs + i] = w9_run (rows[r].side, rows[r].priority);

  for (guint r = 0; r < n_rows; r++)
    rows[r].median = median_figures (&runs[r * opt_runs], opt_runs);
}

/* The table ---------------------------------------------------------------------- */

static Workload workloads[] = {
  { "W1", "us", TRUE, "round trip to another thread's loop", 0, 0, 0, 0,
    "g_main_context_invoke + GAsyncQueue" },
  { "W1f", "us", TRUE, "W1 with a future per call", 0, 0, 0, 0,
    "g_main_context_invoke + GAsyncQueue" },
  { "W1p", "us", TRUE, "two callers calling each other, per call", 0, 0, 0, 0,
    "g_main_context_invoke between two loops" },
  { "W2", "M/s", FALSE, "throughput, a future per call", 0, 0, 0, 0, "g_main_context_invoke" },
  { "W2b", "M/s", FALSE, "throughput, no future (call_direct)", 0, 0, 0, 0,
    "GThreadPool, 1 thread" },
  { "W2m", "M/s", FALSE, "W2 while a job list is watched", 0, 0, 0, 0, NULL },
  { "W3", "M/s", FALSE, "fan-out to a pool, back on the main loop", 0, 0, 0, 0,
    "GTask in a thread" },
  { "W3w", "M/s", FALSE, "W3, collected with cg_future_wait_async()", 0, 0, 0, 0,
    "GTask in a thread" },
  { "W4", "% core", TRUE, "idle caller (its thread's CPU)", 0, 0, 0, 0, NULL },
  { "W4f", "% core", TRUE, "caller fed a job per 16 ms frame", 0, 0, 0, 0, NULL },
  { "W5", "bytes", TRUE, "memory of a pending future", 0, 0, 0, 0, NULL },
  { "W6", "us", TRUE, "as_completed, per future", 0, 0, 0, 0, NULL },
  { "W7", "M/s", FALSE, "AsyncLock hand-offs between two callers", 0, 0, 0, 0, NULL },
  { "W10", "us", TRUE, "all() over 100 000 futures, per future", 0, 0, 0, 0, NULL },
};

static gboolean
wanted (const char *key)
{
  if (opt_only == NULL)
    return TRUE;
  for (char **k = opt_only; *k != NULL; k++)
    if (g_ascii_strcasecmp (*k, key) == 0)
      return TRUE;
  return FALSE;
}

static void
print_value (gdouble value)
{
  if (isnan (value))
    printf (" %12s", "-");
  else
    printf (" %12.3f", value);
}

static void
json_value (GString    *json,
            const char *key,
            gdouble     value)
{
  if (isnan (value))
    g_string_append_printf (json, ", \"%s\": null", key);
  else
    g_string_append_printf (json, ", \"%s\": %.6g", key, value);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  GOptionEntry entries[] = {
    { "quick", 'q', 0, G_OPTION_ARG_NONE, &opt_quick, "Small sizes: a second or two in all", NULL },
    { "json", 'j', 0, G_OPTION_ARG_FILENAME, &opt_json, "Also write the figures as JSON to PATH", "PATH" },
    { "runs", 'r', 0, G_OPTION_ARG_INT, &opt_runs, "Runs per figure after the warm-up (default 5)", "N" },
    { "only", 'o', 0, G_OPTION_ARG_STRING_ARRAY, &opt_only, "Run only this workload (repeatable)", "W" },
    { "ours-only", 0, 0, G_OPTION_ARG_NONE, &opt_ours_only, "Skip the rivals and limits (for profiling)", NULL },
    { "w9-priority", 0, 0, G_OPTION_ARG_STRING_ARRAY, &opt_w9_priorities,
      "W9 also with the main caller at this priority (repeatable)", "P" },
    { "w9-result-ms", 0, 0, G_OPTION_ARG_DOUBLE, &opt_w9_result_ms,
      "W9: the main thread works this long on each result (default 0)", "MS" },
    { "w9-collect", 0, 0, G_OPTION_ARG_STRING, &opt_w9_collect,
      "W9: how ours collects results on the main thread: wait (cg_future_wait_async, "
      "the default) or follow (a done callback on a main-thread future)", "HOW" },
    { "w9-nice", 0, 0, G_OPTION_ARG_INT, &opt_w9_nice,
      "W9: jobs renice their thread to this (setpriority) first", "N" },
    { "pending-child", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_NONE, &opt_pending_child, NULL, NULL },
    { "pending", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_INT, &opt_pending, NULL, NULL },
    { NULL }
  };
  gboolean have_libdex = FALSE;
  gboolean have_w8 = FALSE;
  PythonFigures w8 = { 0 };
  BurstRow burst_rows[16];
  guint n_burst_rows = 0;
  gint w9_ours = -1, w9m = -1, w9_glib = -1;

  context = g_option_context_new ("- caller-glib beside plain GLib and libdex");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("cg-bench: %s\n", error->message);
      return 2;
    }
  self_path = g_file_read_link ("/proc/self/exe", NULL);
  if (self_path == NULL)
    self_path = g_strdup (argv[0]);

  if (opt_pending_child)
    {
      /* W5 in a fresh process. */
      n_pending = (guint) CLAMP (opt_pending, 1, 10000000);
      printf ("%.3f\n", w5_measure ());
      return 0;
    }

  if (opt_runs < 1 || opt_runs > 101)
    {
      g_printerr ("cg-bench: --runs must be between 1 and 101\n");
      return 2;
    }

  if (opt_quick)
    {
      opt_runs = MIN (opt_runs, 3);
      n_round_trips = 2000;
      n_throughput = 20000;
      n_fanout = 5000;
      n_pending = 20000;
      n_as_completed = 5000;
      n_lock = 5000;
      idle_seconds = 0.1;
      n_burst = 100;
    }

#ifdef HAVE_LIBDEX
  /* This makes the main thread a libdex scheduler thread (libdex's own
   * constructor already did): the libdex sides wait on threads of their own. */
  dex_init ();
  dex_pool = dex_thread_pool_scheduler_new ();
  have_libdex = TRUE;
#endif

  bench_main_thread = g_thread_self ();
  bench_worker = cg_caller_start_new ("bench-worker", FALSE, NULL, &error);
  main_caller = cg_caller_get (NULL, TRUE, FALSE, &error);
  if (bench_worker == NULL || main_caller == NULL || !cg_caller_start (main_caller, &error))
    {
      g_printerr ("cg-bench: %s\n", error->message);
      return 1;
    }
  glib_worker = glib_worker_new ();

  for (guint i = 0; i < G_N_ELEMENTS (workloads); i++)
    {
      Workload *w = &workloads[i];
      Measure ours = NULL, glib = NULL, dex = NULL, limit = NULL;

      w->caller_glib = w->glib = w->libdex = w->limit = w->vs_glib = w->vs_dex = NAN;
      for (int side = 0; side < 4; side++)
        w->cpu_us[side] = NAN;
      if (!wanted (w->key))
        continue;

      if (g_str_equal (w->key, "W1") || g_str_equal (w->key, "W1f"))
        {
          ours = g_str_equal (w->key, "W1") ? w1_caller_glib : w1f_caller_glib;
          glib = w1_glib, limit = limit_ping_pong;
#ifdef HAVE_LIBDEX
          dex = w1_libdex;
#endif
        }
      else if (g_str_equal (w->key, "W2"))
        {
          ours = w2_caller_glib, glib = w2_glib, limit = limit_ring;
#ifdef HAVE_LIBDEX
          dex = w2_libdex;
#endif
        }
      else if (g_str_equal (w->key, "W1p"))
        ours = w1p_caller_glib, glib = w1p_glib;
      else if (g_str_equal (w->key, "W2m"))
        ours = w2m_caller_glib;
      else if (g_str_equal (w->key, "W2b"))
        ours = w2b_caller_glib, glib = w2b_glib, limit = limit_ring;
      else if (g_str_equal (w->key, "W3"))
        {
          ours = w3_caller_glib, glib = w3_glib;
        }
      else if (g_str_equal (w->key, "W3w"))
        ours = w3w_caller_glib, glib = w3_glib;  /* GTask's side is W3's: the same jobs */
      else if (g_str_equal (w->key, "W4"))
        ours = w4_caller_glib;
      else if (g_str_equal (w->key, "W4f"))
        ours = w4f_caller_glib;
      else if (g_str_equal (w->key, "W5"))
        ours = w5_caller_glib;
      else if (g_str_equal (w->key, "W6"))
        ours = w6_caller_glib;
      else if (g_str_equal (w->key, "W7"))
        ours = w7_caller_glib;
      else if (g_str_equal (w->key, "W10"))
        {
          ours = w10_caller_glib;
#ifdef HAVE_LIBDEX
          dex = w10_libdex;
#endif
        }

      if (opt_ours_only)
        glib = dex = limit = NULL;

      measure_interleaved (w, ours, glib, dex, limit);

    }

  printf ("%-4s %-42s %-7s %12s %12s %12s %12s %9s %9s\n", "", "workload", "unit", "caller-glib",
          "glib", "libdex", "limit", "vs glib", "vs dex");
  for (guint i = 0; i < G_N_ELEMENTS (workloads); i++)
    {
      Workload *w = &workloads[i];

      if (!wanted (w->key))
        continue;
      printf ("%-4s %-42s %-7s", w->key, w->what, w->unit);
      print_value (w->caller_glib);
      print_value (w->glib);
      print_value (w->libdex);
      print_value (w->limit);
      if (!isnan (w->vs_glib))
        printf (" %8.2fx", w->vs_glib);
      else
        printf (" %9s", "-");
      if (!isnan (w->vs_dex))
        printf (" %8.2fx", w->vs_dex);
      else
        printf (" %9s", "-");
      printf ("\n");
    }
  for (guint i = 0, header = 0; i < G_N_ELEMENTS (workloads); i++)
    {
      Workload *w = &workloads[i];

      if (!wanted (w->key) || (isnan (w->cpu_us[0]) && isnan (w->cpu_us[1]) &&
                               isnan (w->cpu_us[2]) && isnan (w->cpu_us[3])))
        continue;
      if (header++ == 0)
        printf ("%-4s %-42s %-7s %12s %12s %12s %12s\n", "",
                "CPU per operation (process, user+sys)", "unit", "caller-glib", "glib",
                "libdex", "limit");
      printf ("%-4s %-42s %-7s", w->key, w->what, "us cpu");
      for (int side = 0; side < 4; side++)
        print_value (w->cpu_us[side]);
      printf ("\n");
    }
  if (wanted ("W7") && w7_acquisitions > 0)
    printf ("W7: in the last run %u of %u acquisitions changed thread (%.1f %%): %.3f M real "
            "hand-offs/s\n", w7_handoffs, w7_acquisitions,
            100.0 * w7_handoffs / w7_acquisitions, w7_handoffs / w7_seconds / 1e6);
  printf ("(medians of %d interleaved runs after a warm-up; a ratio is the median of the "
          "per-run ratios, > 1 means caller-glib is better;%s)\n",
          opt_runs, have_libdex ? " libdex 1.x" : " libdex not found");

  if (wanted ("W9") || wanted ("W9m"))
    {
      gint priority = cg_caller_get_priority (main_caller);

      w9_ours = n_burst_rows;
      burst_rows[n_burst_rows++] = (BurstRow) { "caller-glib", 0, priority, { 0 } };
      for (char **p = opt_w9_priorities; p != NULL && *p != NULL && n_burst_rows < 12; p++)
        {
          gint other = (gint) g_ascii_strtoll (*p, NULL, 10);

          burst_rows[n_burst_rows++] =
            (BurstRow) { g_strdup_printf ("caller-glib, priority %d", other), 0, other, { 0 } };
        }
      w9m = n_burst_rows;
      burst_rows[n_burst_rows++] = (BurstRow) { "caller-glib, job list (W9m)", 1, priority, { 0 } };
      if (!opt_ours_only)
        {
          w9_glib = n_burst_rows;
          burst_rows[n_burst_rows++] = (BurstRow) { "GTask in a thread", 2, priority, { 0 } };
        }
      w9_measure (burst_rows, n_burst_rows);

      printf ("\nW9   a burst of %u jobs of %.0f ms of CPU, a 60 Hz frame clock (caller priority %d, results by %s)\n",
              n_burst, burst_job_ms, priority,
              g_strcmp0 (opt_w9_collect, "follow") == 0 ? "done callbacks" : "cg_future_wait_async");
      printf ("     %-26s %9s %7s %9s %9s %9s %10s %9s %9s\n", "", "stall ms", "frames", "submit ms", "total ms", "peak/start",
              "main wait", "main cpu", "signals");
      for (guint r = 0; r < n_burst_rows; r++)
        print_burst_row (&burst_rows[r]);
      if (w9_glib >= 0)
        printf ("     (stall: %.2fx GTask's; total: %.2fx; threads: %.0f vs %.0f)\n",
                burst_rows[w9_ours].median.stall_ms / burst_rows[w9_glib].median.stall_ms,
                burst_rows[w9_ours].median.total_ms / burst_rows[w9_glib].median.total_ms,
                burst_rows[w9_ours].median.threads, burst_rows[w9_glib].median.threads);
    }

  if (wanted ("W8") && !opt_ours_only)
    {
      have_w8 = run_w8 (&w8);
      if (have_w8)
        {
          printf ("\nW8   Python (PyGObject)           caller-glib  ThreadPoolExecutor  "
                  "asyncio.run_coroutine_threadsafe\n");
          printf ("     round trip (us)             %11.2f  %18.2f  %12.2f   (%.2fx TPE)\n",
                  w8.trip, w8.trip_tpe, w8.trip_asyncio, w8.trip_tpe / w8.trip);
          printf ("     throughput (k/s)            %11.2f  %18.2f  %12s   (%.2fx TPE)\n",
                  w8.throughput, w8.throughput_tpe, "-", w8.throughput / w8.throughput_tpe);
          printf ("     fan-out (k/s)               %11.2f  %18.2f  %12s   (%.2fx TPE)\n",
                  w8.fanout, w8.fanout_tpe, "-", w8.fanout / w8.fanout_tpe);
        }
    }

  if (opt_json != NULL)
    {
      GString *json = g_string_new ("{\"workloads\": {");

      for (guint i = 0; i < G_N_ELEMENTS (workloads); i++)
        {
          Workload *w = &workloads[i];

          g_string_append_printf (json, "%s\n  \"%s\": {\"unit\": \"%s\", \"lower_is_better\": %s",
                                  i > 0 ? "," : "", w->key, w->unit,
                                  w->lower_is_better ? "true" : "false");
          json_value (json, "caller_glib", w->caller_glib);
          json_value (json, "glib", w->glib);
          json_value (json, "vs_glib", w->vs_glib);
          json_value (json, "vs_libdex", w->vs_dex);
          json_value (json, "libdex", w->libdex);
          json_value (json, "limit", w->limit);
          /* The process's CPU time (user + system, all threads) per
           * operation, in µs, for the sides that measure it. */
          g_string_append (json, ", \"cpu_us\": {");
          if (isnan (w->cpu_us[0]))
            g_string_append (json, "\"caller_glib\": null");
          else
            g_string_append_printf (json, "\"caller_glib\": %.6g", w->cpu_us[0]);
          json_value (json, "glib", w->cpu_us[1]);
          json_value (json, "libdex", w->cpu_us[2]);
          json_value (json, "limit", w->cpu_us[3]);
          g_string_append (json, "}}");
        }
      if (w7_acquisitions > 0)
        g_string_append_printf (json,
                                ",\n  \"W7handoffs\": {\"unit\": \"M/s\", \"lower_is_better\": false, "
                                "\"caller_glib\": %.6g, \"share\": %.4f}",
                                w7_handoffs / w7_seconds / 1e6,
                                (gdouble) w7_handoffs / w7_acquisitions);
      if (have_w8)
        g_string_append_printf (json,
                                ",\n  \"W8\": {\"unit\": \"us\", \"lower_is_better\": true, "
                                "\"caller_glib\": %.6g, \"thread_pool_executor\": %.6g, "
                                "\"asyncio_threadsafe\": %.6g, \"glib\": null, \"libdex\": null, "
                                "\"throughput_k_per_s\": {\"caller_glib\": %.6g, "
                                "\"thread_pool_executor\": %.6g}, "
                                "\"fan_out_k_per_s\": {\"caller_glib\": %.6g, "
                                "\"thread_pool_executor\": %.6g}}",
                                w8.trip, w8.trip_tpe, w8.trip_asyncio, w8.throughput,
                                w8.throughput_tpe, w8.fanout, w8.fanout_tpe);
      else
        g_string_append (json, ",\n  \"W8\": {\"unit\": \"us\", \"lower_is_better\": true, "
                               "\"caller_glib\": null, \"thread_pool_executor\": null, "
                               "\"glib\": null, \"libdex\": null}");
      if (w9_ours >= 0)
        {
          const BurstFigures *ours = &burst_rows[w9_ours].median;
          const BurstFigures *watched = &burst_rows[w9m].median;
          gdouble nan = NAN;
          const BurstFigures *glib = w9_glib >= 0 ? &burst_rows[w9_glib].median : NULL;

          g_string_append_printf (json, ",\n  \"W9\": {\"unit\": \"ms\", \"lower_is_better\": true");
          json_value (json, "caller_glib", ours->stall_ms);
          json_value (json, "glib", glib != NULL ? glib->stall_ms : nan);
          json_value (json, "libdex", nan);
          json_value (json, "limit", nan);
          g_string_append_printf (json, ", \"jobs\": %u, \"caller_priority\": %d, \"collect\": \"%s\", \"total_ms\": {\"caller_glib\": %.6g",
                                  n_burst, burst_rows[w9_ours].priority,
                                  g_strcmp0 (opt_w9_collect, "follow") == 0 ? "done_callback" : "wait_async",
                                  ours->total_ms);
          json_value (json, "glib", glib != NULL ? glib->total_ms : nan);
          g_string_append_printf (json, "}, \"submit_ms\": {\"caller_glib\": %.6g", ours->submit_ms);
          json_value (json, "glib", glib != NULL ? glib->submit_ms : nan);
          g_string_append_printf (json, "}, \"main_thread_wait_ms\": {\"caller_glib\": %.6g",
                                  ours->main_wait_ms);
          json_value (json, "glib", glib != NULL ? glib->main_wait_ms : nan);
          g_string_append_printf (json, "}, \"main_thread_cpu_ms\": {\"caller_glib\": %.6g",
                                  ours->main_cpu_ms);
          json_value (json, "glib", glib != NULL ? glib->main_cpu_ms : nan);
          g_string_append (json, "}");
          for (gint r = w9_ours + 1; r < w9m; r++)
            g_string_append_printf (json, ", \"caller_glib_priority_%d\": {\"stall_ms\": %.6g, "
                                    "\"total_ms\": %.6g}", burst_rows[r].priority,
                                    burst_rows[r].median.stall_ms, burst_rows[r].median.total_ms);
          g_string_append_printf (json, ", \"frames\": {\"caller_glib\": %.6g", ours->frames);
          json_value (json, "glib", glib != NULL ? glib->frames : nan);
          g_string_append (json, "}}");
          g_string_append_printf (json, ",\n  \"W9threads\": {\"unit\": \"threads\", "
                                  "\"lower_is_better\": true, \"caller_glib\": %.6g", ours->threads);
          json_value (json, "glib", glib != NULL ? glib->threads : nan);
          /* The peak counts the other side's idle pool threads too when
           * they are still there: what each side started is peak - start. */
          g_string_append_printf (json, ", \"at_start\": {\"caller_glib\": %.6g", ours->start_threads);
          json_value (json, "glib", glib != NULL ? glib->start_threads : nan);
          g_string_append (json, "}}");
          g_string_append_printf (json, ",\n  \"W9m\": {\"unit\": \"ms\", \"lower_is_better\": true, "
                                  "\"caller_glib\": %.6g, \"glib\": null, \"total_ms\": %.6g, "
                                  "\"threads\": %.6g, \"items_changed\": %.6g}",
                                  watched->stall_ms, watched->total_ms, watched->threads,
                                  watched->signals);
        }
      g_string_append (json, "\n}}\n");
      if (!g_file_set_contents (opt_json, json->str, json->len, &error))
        {
          g_printerr ("cg-bench: %s\n", error->message);
          return 1;
        }
      g_string_free (json, TRUE);
    }

  glib_worker_free (glib_worker);
  cg_caller_stop_all (TRUE);
  g_clear_object (&bench_worker);
  g_clear_object (&main_caller);

  return 0;
}
