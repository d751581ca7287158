/* cg-demo.c: caller-glib at work on a batch of blocking jobs
 *
 * Copyright 2026 The caller-glib authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The demo counts the primes in consecutive windows of the integers and
 * fingerprints each window's primes with SHA-256: blocking, CPU-bound work
 * that does not belong in a main loop. It shows, in one program:
 *
 * - the caller of the main thread ("MainThread": cg_caller_get() with
 *   create, cg_caller_start()) serving the GMainLoop that drives the demo;
 * - the jobs fanned out to pooled worker threads with cg_caller_to_thread(),
 *   drawn lazily from a CgAsCompleted generator so that at most --workers
 *   of them run at a time, and their results reported as they complete
 *   (cg_as_completed_next_async(), on the main thread);
 * - a live progress bar when stdout is a terminal, plain lines otherwise;
 * - the result lines written asynchronously to stdout (or --output FILE),
 *   kept in order by an execution queue (cg_caller_queue_call() on the main
 *   thread's caller) whose calls wait for their GIO write through
 *   cg_future_new_from_async() and cg_future_return_future();
 * - a results table that the worker threads fill, guarded by a CgAsyncLock;
 * - a deliberately slow job in a named caller ("slow-lane", started by
 *   cg_caller_to_thread_by_name()), cancelled half-way through the batch:
 *   it sees its GCancellable and stops, and its future reports CANCELLED
 *   with the demo's message;
 * - a summary with timings.
 *
 * The demo checks its own results (every job reported once, the table
 * agreeing with the futures, the lines written in order, the slow job
 * cancelled) and exits with 1 when something is wrong, 2 on bad options.
 * Every wait is bounded: a watchdog gives up after WATCHDOG_SECONDS.
 */

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gio/gio.h>
#include <gio/gunixoutputstream.h>

#include <caller-glib.h>

#define DEFAULT_JOBS       12
#define MAX_JOBS           1000
#define DEFAULT_WORKERS    4
#define MAX_WORKERS        64
#define WINDOW_UNIT        2000000  /* a window holds 1 to 7 units of integers */
#define SLOW_JOB_CHUNK     (256 * 1024)
#define SLOW_WAIT_SECONDS  10.0     /* for the slow job to end once cancelled */
#define WATCHDOG_SECONDS   120
#define BAR_WIDTH          30

/* One window of the batch: set by the main thread before the job starts,
 * read by the job. */
typedef struct
{
  guint   index;
  guint64 lo, hi;        /* the window [lo, hi) */
  gint64  submitted_us;
} JobItem;

/* What a job found: the value of its future, and a row of the table. */
typedef struct
{
  guint   index;
  guint64 lo, hi;
  guint   primes;
  char    sha256[65];
  char    worker[32];    /* the name of the pool caller that ran it */
  gint64  queued_us;     /* from submission to start */
  gint64  run_us;
} JobResult;

typedef struct _Demo Demo;

/* A line for the output stream, shared by the execution queue's call and
 * the GIO write it starts (reference-counted with g_rc_box). */
typedef struct
{
  Demo  *demo;
  guint  seq;            /* the order it was queued in */
  char  *text;
  gsize  length;
} WriteItem;

struct _Demo
{
  /* Options */
  guint          n_jobs;
  guint          n_workers;
  char          *output_path;

  GMainLoop     *loop;
  CgCaller      *main_caller;
  gboolean       failed;
  gint64         start_us;
  gint64         first_result_us;

  /* The batch */
  JobItem       *items;
  guint          n_submitted;
  guint          n_reported;
  guint          n_failed;
  guint          n_cancelled;
  guint64        primes_from_futures;
  CgAsCompleted *iteration;
  GCancellable  *watchdog_cancellable;
  guint          watchdog_id;
  gboolean       batch_over;

  /* The results table, filled by the workers; guarded by table_lock. */
  CgAsyncLock   *table_lock;
  GPtrArray     *table;          /* of JobResult, owned */
  guint64        table_primes;

  /* The slow job */
  CgFuture      *slow;
  gint           slow_saw_cancel;   /* atomic, set by the slow job */
  gint64         slow_cancel_us;
  gint64         slow_done_us;
  gboolean       slow_over;

  /* Output */
  GOutputStream *out;
  gboolean       out_is_stdout;
  gboolean       tty;               /* progress bar on stdout */
  gboolean       bar_shown;
  guint          n_queued_writes;
  guint          next_write_seq;    /* checked by the queued writes */
  guint          n_lines;
};

static Demo *the_demo;  /* for the jobs, which run in other threads */

static void output_flushed (Demo *demo);

/* Primes and fingerprints ------------------------------------------------ */

/* Counts the primes in [lo, hi) with a segmented sieve (a bit per
 * integer) and fingerprints them (each as 8 little-endian bytes) with
 * SHA-256. */
static guint
sieve_window (guint64 lo,
              guint64 hi,
              char    sha256[65])
{
  g_autofree guint8 *small = NULL;
  g_autofree guint8 *composite = g_malloc0 ((hi - lo) / 8 + 1);
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  guint64 root = 1;
  guint count = 0;

  while (root * root < hi)
    root++;
  small = g_malloc0 (root + 1);
  for (guint64 p = 2; p <= root; p++)
    {
      if (small[p])
        continue;
      for (guint64 m = p * p; m <= root; m += p)
        small[m] = 1;
      for (guint64 m = MAX (p * p, (lo + p - 1) / p * p); m < hi; m += p)
        composite[(m - lo) >> 3] |= 1 << ((m - lo) & 7);
    }

  for (guint64 n = MAX (lo, 2); n < hi; n++)
    {
      if (!(composite[(n - lo) >> 3] & (1 << ((n - lo) & 7))))
        {
          guint64 le = GUINT64_TO_LE (n);

          g_checksum_update (checksum, (const guchar *) &le, sizeof le);
          count++;
        }
    }

  g_strlcpy (sha256, g_checksum_get_string (checksum), 65);
  return count;
}

/* The jobs (worker threads) ---------------------------------------------- */

typedef struct
{
  JobResult *result;
  CgFuture  *recorded;  /* completes the job's future */
} Record;

/* In the worker thread, once the table lock is held. */
static void
record_locked (GObject      *source,
               GAsyncResult *res,
               gpointer      user_data)
{
  Record *record = user_data;
  Demo *demo = the_demo;
  g_autoptr(GError) error = NULL;

  if (!cg_async_lock_acquire_finish (demo->table_lock, res, &error))
    {
      cg_future_return_error (record->recorded, g_steal_pointer (&error), NULL);
    }
  else
    {
      /* The critical section: a row and the running total. */
      g_ptr_array_add (demo->table, g_memdup2 (record->result, sizeof *record->result));
      demo->table_primes += record->result->primes;
      cg_async_lock_release (demo->table_lock, NULL);

      cg_future_return_pointer (record->recorded, record->result, g_free, NULL);
      record->result = NULL;
    }

  g_free (record->result);
  g_object_unref (record->recorded);
  g_free (record);
}

/* A CgJobFunc, run in a pool worker: blocking work is fine here. */
static void
prime_job (CgFuture *future,
           gpointer  user_data)
{
  const JobItem *item = user_data;
  CgCaller *worker = cg_caller_get_current ();
  JobResult *result = g_new0 (JobResult, 1);
  gint64 start = g_get_monotonic_time ();
  Record *record;

  result->index = item->index;
  result->lo = item->lo;
  result->hi = item->hi;
  result->queued_us = start - item->submitted_us;
  g_strlcpy (result->worker, worker != NULL ? cg_caller_get_name (worker) : "?",
             sizeof result->worker);
  result->primes = sieve_window (item->lo, item->hi, result->sha256);
  result->run_us = g_get_monotonic_time () - start;

  /* Record the row under the lock, then complete: the job's future follows
   * `recorded`, which the lock callback completes (in this thread, from
   * its loop, once the lock is ours). */
  record = g_new0 (Record, 1);
  record->result = result;
  record->recorded = cg_future_new ();
  cg_future_return_future (future, record->recorded, NULL);
  cg_async_lock_acquire_async (the_demo->table_lock, NULL, record_locked, record);
}

/* A CgJobFunc that hashes generated data until it is cancelled (the demo
 * cancels it), or for WATCHDOG_SECONDS at most. */
static void
slow_job (CgFuture *future,
          gpointer  user_data)
{
  GCancellable *cancellable = cg_future_get_cancellable (future);
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree guint32 *block = g_new (guint32, SLOW_JOB_CHUNK / sizeof (guint32));
  gint64 deadline = g_get_monotonic_time () + WATCHDOG_SECONDS * G_USEC_PER_SEC;
  guint32 state = 2463534242u;
  guint64 rounds = 0;

  while (!g_cancellable_is_cancelled (cancellable) && g_get_monotonic_time () < deadline)
    {
      for (gsize i = 0; i < SLOW_JOB_CHUNK / sizeof (guint32); i++)
        {
          state ^= state << 13;  /* xorshift32 */
          state ^= state >> 17;
          state ^= state << 5;
          block[i] = state;
        }
      g_checksum_update (checksum, (const guchar *) block, SLOW_JOB_CHUNK);
      rounds++;
    }

  if (g_cancellable_is_cancelled (cancellable))
    g_atomic_int_set (&the_demo->slow_saw_cancel, 1);

  /* Whatever it reports, a cancelled future completes as cancelled. */
  cg_future_return_int (future, (gssize) rounds, NULL);
}

/* Output: an execution queue of asynchronous writes ------------------------ */

static void
write_item_clear (gpointer data)
{
  WriteItem *item = data;

  g_free (item->text);
}

static void
write_item_release (gpointer data)
{
  g_rc_box_release_full (data, write_item_clear);
}

/* A CgAsyncBeginFunc and CgAsyncFinishFunc around
 * g_output_stream_write_all_async(). */
static void
begin_write (gpointer             source_object,
             GCancellable        *cancellable,
             GAsyncReadyCallback  callback,
             gpointer             callback_data,
             gpointer             user_data)
{
  WriteItem *item = user_data;

  g_output_stream_write_all_async (G_OUTPUT_STREAM (source_object), item->text, item->length,
                                   G_PRIORITY_DEFAULT, cancellable, callback, callback_data);
}

static void
finish_write (gpointer      source_object,
              GAsyncResult *result,
              CgFuture     *future,
              gpointer      user_data)
{
  GError *error = NULL;

  if (g_output_stream_write_all_finish (G_OUTPUT_STREAM (source_object), result, NULL, &error))
    cg_future_return_boolean (future, TRUE, NULL);
  else
    cg_future_return_error (future, error, NULL);
}

/* The function of the execution queue: runs in the main thread, from its
 * loop, one call at a time and in order; each call lasts until its write is
 * done, so writes never overlap. */
static void
write_job (CgFuture *future,
           gpointer  user_data)
{
  WriteItem *item = user_data;
  Demo *demo = item->demo;
  g_autoptr(CgFuture) written = NULL;

  if (item->seq != demo->next_write_seq)
    {
      g_printerr ("cg-demo: line %u was written in place of line %u\n",
                  item->seq, demo->next_write_seq);
      demo->failed = TRUE;
    }
  demo->next_write_seq = item->seq + 1;

  if (item->length == 0)
    {
      /* The end marker: every line queued before it is written. */
      output_flushed (demo);
      return;
    }

  written = cg_future_new_from_async (demo->out, begin_write, finish_write,
                                      g_rc_box_acquire (item), write_item_release);
  cg_future_return_future (future, written, NULL);
}

/* Queues @text (taken) for the output stream; an empty text is the end
 * marker. */
static gboolean
queue_write (Demo *demo,
             char *text)
{
  g_autoptr(GError) error = NULL;
  WriteItem *item = g_rc_box_new0 (WriteItem);

  item->demo = demo;
  item->seq = demo->n_queued_writes++;
  item->text = text;
  item->length = strlen (text);

  /* From the caller's own thread. The first call makes the queue, with
   * room for every line of the run (a line per job, the slow job's and the
   * end marker), so it is never full: a smaller queue would fail with
   * CG_CALLER_ERROR_WOULD_BLOCK, or make cg_caller_queue_call_async() wait
   * for room. */
  if (!cg_caller_queue_call (demo->main_caller, write_job, NULL, item, write_item_release,
                             (gint) demo->n_jobs + 2, &error))
    {
      g_printerr ("cg-demo: could not queue a line: %s\n", error->message);
      demo->failed = TRUE;
      return FALSE;
    }
  return TRUE;
}

/* Progress ----------------------------------------------------------------- */

static char *
progress_bar (Demo *demo)
{
  guint filled = demo->n_jobs > 0 ? demo->n_reported * BAR_WIDTH / demo->n_jobs : BAR_WIDTH;
  GString *bar = g_string_new ("\r\033[K[");

  for (guint i = 0; i < BAR_WIDTH; i++)
    g_string_append (bar, i < filled ? "#" : ".");
  g_string_append_printf (bar, "] %u/%u jobs, %u running, %.2f s",
                          demo->n_reported, demo->n_jobs,
                          demo->n_submitted - demo->n_reported,
                          (g_get_monotonic_time () - demo->start_us) / 1e6);
  return g_string_free (bar, FALSE);
}

/* Shows one result: a line in the output, and the progress. */
static void
show_result (Demo       *demo,
             const char *line)
{
  if (demo->out_is_stdout)
    {
      /* Everything on stdout goes through the queue, in order. */
      if (demo->tty)
        {
          g_autofree char *bar = progress_bar (demo);

          queue_write (demo, g_strdup_printf ("\r\033[K%s\n%s", line, bar + 4));
          demo->bar_shown = TRUE;
        }
      else
        {
          queue_write (demo, g_strdup_printf ("%s\n", line));
        }
    }
  else
    {
      queue_write (demo, g_strdup_printf ("%s\n", line));
      if (demo->tty)
        {
          g_autofree char *bar = progress_bar (demo);

          g_print ("%s", bar);
          demo->bar_shown = TRUE;
        }
      else
        {
          g_print ("[%u/%u] %s\n", demo->n_reported, demo->n_jobs, line);
        }
      fflush (stdout);
    }
  demo->n_lines++;
}

/* The main thread: the batch, as it completes ----------------------------- */

static void maybe_finish (Demo *demo);

/* A CgFutureGenerator: called by the iteration, on the main thread, while
 * fewer than --workers jobs are outstanding. */
static CgFuture *
next_job (gpointer user_data)
{
  Demo *demo = user_data;
  g_autoptr(GError) error = NULL;
  JobItem *item;
  CgFuture *future;

  if (demo->n_submitted == demo->n_jobs)
    return NULL;

  item = &demo->items[demo->n_submitted];
  item->submitted_us = g_get_monotonic_time ();
  future = cg_caller_to_thread (prime_job, item, NULL, &error);
  if (future == NULL)
    {
      g_printerr ("cg-demo: could not submit job %u: %s\n", item->index, error->message);
      demo->failed = TRUE;
      return NULL;
    }
  demo->n_submitted++;
  return future;
}

static void slow_job_ended (GObject *source, GAsyncResult *res, gpointer user_data);

static void
cancel_slow_job (Demo *demo)
{
  g_autofree char *message = NULL;

  if (demo->slow == NULL || demo->slow_cancel_us != 0)
    return;

  message = g_strdup_printf ("the demo stopped the slow job after %u of %u jobs",
                             demo->n_reported, demo->n_jobs);
  demo->slow_cancel_us = g_get_monotonic_time ();
  cg_future_cancel (demo->slow, message);
  /* It completes once the job has seen its cancellable and returned. */
  cg_future_wait_async (demo->slow, SLOW_WAIT_SECONDS, CG_WAIT_FLAGS_NONE, NULL,
                        slow_job_ended, demo);
}

static void
next_ready (GObject      *source,
            GAsyncResult *res,
            gpointer      user_data)
{
  Demo *demo = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(CgFuture) future = NULL;
  g_autofree char *line = NULL;
  const JobResult *result;

  future = cg_as_completed_next_finish (demo->iteration, res, &error);
  if (future == NULL)
    {
      if (error != NULL)
        {
          g_printerr ("cg-demo: the batch did not finish: %s\n", error->message);
          demo->failed = TRUE;
        }
      demo->batch_over = TRUE;
      cancel_slow_job (demo);  /* when the batch was shorter than expected */
      maybe_finish (demo);
      return;
    }

  if (demo->n_reported == 0)
    demo->first_result_us = g_get_monotonic_time () - demo->start_us;
  demo->n_reported++;

  result = cg_future_propagate_pointer (future, &error);
  if (result == NULL)
    {
      if (g_error_matches (error, CG_FUTURE_ERROR, CG_FUTURE_ERROR_CANCELLED))
        demo->n_cancelled++;
      else
        demo->n_failed++;
      line = g_strdup_printf ("a job failed: %s", error->message);
    }
  else
    {
      demo->primes_from_futures += result->primes;
      line = g_strdup_printf ("job %3u  [%10" G_GUINT64_FORMAT ", %10" G_GUINT64_FORMAT ")"
                              " %7u primes  sha256 %.16s…  %6.1f ms on %s",
                              result->index + 1, result->lo, result->hi, result->primes,
                              result->sha256, result->run_us / 1000.0, result->worker);
    }
  show_result (demo, line);

  if (demo->n_reported * 2 >= demo->n_jobs)
    cancel_slow_job (demo);

  cg_as_completed_next_async (demo->iteration, demo->watchdog_cancellable, next_ready, demo);
}

static void
slow_job_ended (GObject      *source,
                GAsyncResult *res,
                gpointer      user_data)
{
  Demo *demo = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;

  demo->slow_done_us = g_get_monotonic_time ();
  demo->slow_over = TRUE;

  if (cg_future_wait_finish (CG_FUTURE (source), res, &error))
    {
      g_printerr ("cg-demo: the slow job was not cancelled\n");
      demo->failed = TRUE;
    }
  else if (!g_error_matches (error, CG_FUTURE_ERROR, CG_FUTURE_ERROR_CANCELLED))
    {
      g_printerr ("cg-demo: the slow job ended with an unexpected error: %s\n", error->message);
      demo->failed = TRUE;
    }
  else
    {
      line = g_strdup_printf ("slow job on “slow-lane”: CANCELLED: %s", error->message);
      show_result (demo, line);
    }

  maybe_finish (demo);
}

/* The end: every line written, the table read under the lock ------------- */

static void
print_summary (Demo *demo)
{
  gint64 wall_us = g_get_monotonic_time () - demo->start_us;
  g_autoptr(GHashTable) per_worker = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GString) workers = g_string_new (NULL);
  g_autoptr(GList) names = NULL;
  gint64 work_us = 0, queued_us = 0;

  for (guint i = 0; i < demo->table->len; i++)
    {
      JobResult *row = g_ptr_array_index (demo->table, i);
      guint n = GPOINTER_TO_UINT (g_hash_table_lookup (per_worker, row->worker));

      g_hash_table_insert (per_worker, row->worker, GUINT_TO_POINTER (n + 1));
      work_us += row->run_us;
      queued_us += row->queued_us;
    }
  names = g_list_sort (g_hash_table_get_keys (per_worker), (GCompareFunc) g_strcmp0);
  for (GList *l = names; l != NULL; l = l->next)
    g_string_append_printf (workers, "%s%s ×%u", l == names ? "" : ", ", (char *) l->data,
                            GPOINTER_TO_UINT (g_hash_table_lookup (per_worker, l->data)));

  g_print ("\nSummary\n");
  g_print ("  jobs         %u reported (%u failed, %u cancelled), %u rows in the table\n",
           demo->n_reported, demo->n_failed, demo->n_cancelled, demo->table->len);
  g_print ("  primes       %" G_GUINT64_FORMAT " in [0, %" G_GUINT64_FORMAT ")"
           " (table total, read under the lock)\n",
           demo->table_primes, demo->n_jobs > 0 ? demo->items[demo->n_jobs - 1].hi : 0);
  g_print ("  wall time    %.3f s; first result after %.1f ms\n",
           wall_us / 1e6, demo->first_result_us / 1000.0);
  g_print ("  work time    %.3f s inside jobs, %.2f jobs running on average"
           " (--workers %u); %.2f ms average wait for a worker\n",
           work_us / 1e6, wall_us > 0 ? (double) work_us / wall_us : 0.0, demo->n_workers,
           demo->table->len > 0 ? queued_us / 1000.0 / demo->table->len : 0.0);
  g_print ("  throughput   %.1f jobs/s\n",
           wall_us > 0 ? demo->n_reported * 1e6 / wall_us : 0.0);
  g_print ("  workers      %s\n", workers->len > 0 ? workers->str : "none");
  if (demo->slow_cancel_us != 0)
    g_print ("  slow job     cancelled after %.3f s; done %.2f ms after cg_future_cancel()\n",
             (demo->slow_cancel_us - demo->start_us) / 1e6,
             (demo->slow_done_us - demo->slow_cancel_us) / 1000.0);
  g_print ("  output       %u lines, written in order through the execution queue to %s\n",
           demo->n_lines, demo->output_path != NULL ? demo->output_path : "stdout");
}

/* Checks what the library delivered. */
static void
check_results (Demo *demo)
{
  if (demo->n_reported != demo->n_jobs || demo->table->len != demo->n_jobs - demo->n_failed)
    {
      g_printerr ("cg-demo: %u of %u jobs reported, %u rows in the table\n",
                  demo->n_reported, demo->n_jobs, demo->table->len);
      demo->failed = TRUE;
    }
  if (demo->table_primes != demo->primes_from_futures)
    {
      g_printerr ("cg-demo: the table counts %" G_GUINT64_FORMAT " primes, the futures %"
                  G_GUINT64_FORMAT "\n", demo->table_primes, demo->primes_from_futures);
      demo->failed = TRUE;
    }
  if (demo->n_failed > 0 || demo->n_cancelled > 0)
    demo->failed = TRUE;
  if (!g_atomic_int_get (&demo->slow_saw_cancel))
    {
      g_printerr ("cg-demo: the slow job never saw its cancellable cancelled\n");
      demo->failed = TRUE;
    }
}

/* In the main thread, once the table lock is held. */
static void
table_locked (GObject      *source,
              GAsyncResult *res,
              gpointer      user_data)
{
  Demo *demo = user_data;
  g_autoptr(GError) error = NULL;

  if (!cg_async_lock_acquire_finish (demo->table_lock, res, &error))
    {
      g_printerr ("cg-demo: could not lock the results table: %s\n", error->message);
      demo->failed = TRUE;
    }
  else
    {
      check_results (demo);
      print_summary (demo);
      cg_async_lock_release (demo->table_lock, NULL);
    }
  g_main_loop_quit (demo->loop);
}

/* Called by the end marker's call of write_job: every line is written. */
static void
output_flushed (Demo *demo)
{
  if (demo->bar_shown)
    {
      g_autofree char *bar = progress_bar (demo);

      g_print ("%s\n", bar);  /* the final state of the bar, kept */
    }
  /* The summary reads the table: under the lock, as the workers wrote it. */
  cg_async_lock_acquire_async (demo->table_lock, NULL, table_locked, demo);
}

static void
maybe_finish (Demo *demo)
{
  if (!demo->batch_over || !demo->slow_over)
    return;

  /* The end marker: it runs once every line queued before it is written. */
  if (!queue_write (demo, g_strdup ("")))
    g_main_loop_quit (demo->loop);
}

static gboolean
watchdog (gpointer user_data)
{
  Demo *demo = user_data;

  g_printerr ("cg-demo: gave up after %d s\n", WATCHDOG_SECONDS);
  demo->failed = TRUE;
  demo->watchdog_id = 0;
  g_cancellable_cancel (demo->watchdog_cancellable);
  g_main_loop_quit (demo->loop);
  return G_SOURCE_REMOVE;
}

/* Set-up ------------------------------------------------------------------- */

static gboolean
parse_options (Demo   *demo,
               int    *argc,
               char ***argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  gint n_jobs = DEFAULT_JOBS;
  gint n_workers = DEFAULT_WORKERS;
  const GOptionEntry entries[] = {
    { "jobs", 'j', 0, G_OPTION_ARG_INT, &n_jobs,
      "Number of prime-counting jobs, 1 to 1000 (default: 12)", "N" },
    { "workers", 'w', 0, G_OPTION_ARG_INT, &n_workers,
      "Jobs running at once, and pool workers kept idle, 1 to 64 (default: 4)", "N" },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &demo->output_path,
      "Write the result lines to FILE instead of stdout", "FILE" },
    G_OPTION_ENTRY_NULL
  };

  context = g_option_context_new ("- caller-glib at work on a batch of blocking jobs");
  g_option_context_set_summary (context,
    "Counts the primes in consecutive windows of the integers in pooled worker\n"
    "threads, reports each window as it completes, and cancels a slow job.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, argc, argv, &error))
    {
      g_printerr ("%s: %s\nTry “%s --help”.\n", g_get_prgname (), error->message,
                  g_get_prgname ());
      return FALSE;
    }
  if (*argc > 1)
    {
      g_printerr ("%s: unexpected argument “%s”\nTry “%s --help”.\n", g_get_prgname (),
                  (*argv)[1], g_get_prgname ());
      return FALSE;
    }
  if (n_jobs < 1 || n_jobs > MAX_JOBS)
    {
      g_printerr ("%s: --jobs must be between 1 and %d, not %d\n", g_get_prgname (), MAX_JOBS,
                  n_jobs);
      return FALSE;
    }
  if (n_workers < 1 || n_workers > MAX_WORKERS)
    {
      g_printerr ("%s: --workers must be between 1 and %d, not %d\n", g_get_prgname (),
                  MAX_WORKERS, n_workers);
      return FALSE;
    }

  demo->n_jobs = (guint) n_jobs;
  demo->n_workers = (guint) n_workers;
  return TRUE;
}

static gboolean
open_output (Demo *demo)
{
  g_autoptr(GError) error = NULL;

  demo->tty = isatty (STDOUT_FILENO);
  if (demo->output_path == NULL)
    {
      demo->out = g_unix_output_stream_new (STDOUT_FILENO, FALSE);
      demo->out_is_stdout = TRUE;
      return TRUE;
    }

  {
    g_autoptr(GFile) file = g_file_new_for_commandline_arg (demo->output_path);

    demo->out = G_OUTPUT_STREAM (g_file_replace (file, NULL, FALSE, G_FILE_CREATE_NONE,
                                                 NULL, &error));
  }
  if (demo->out == NULL)
    {
      g_printerr ("%s: cannot write %s: %s\n", g_get_prgname (), demo->output_path,
                  error->message);
      return FALSE;
    }
  return TRUE;
}

static void
plan_windows (Demo *demo)
{
  guint64 lo = 0;

  demo->items = g_new0 (JobItem, demo->n_jobs);
  for (guint i = 0; i < demo->n_jobs; i++)
    {
      /* Windows of different sizes, so they complete out of order. */
      guint64 size = (guint64) WINDOW_UNIT * (1 + (i * 5) % 7);

      demo->items[i].index = i;
      demo->items[i].lo = lo;
      demo->items[i].hi = lo + size;
      lo += size;
    }
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  Demo demo = { 0 };
  int status;

  setlocale (LC_ALL, "");
  the_demo = &demo;

  if (!parse_options (&demo, &argc, &argv))
    return 2;
  if (!open_output (&demo))
    return 1;

  /* The caller of the main thread: the GMainLoop below runs its jobs, the
   * calls of its execution queue and the callbacks of the demo. */
  demo.main_caller = cg_caller_get (NULL, TRUE, FALSE, &error);
  if (demo.main_caller == NULL || !cg_caller_start (demo.main_caller, &error))
    {
      g_printerr ("cg-demo: could not start the main thread's caller: %s\n", error->message);
      return 1;
    }
  demo.loop = g_main_loop_new (NULL, FALSE);

  /* --workers: how many jobs run at once (the iteration's limit), and how
   * many pool workers stay idle between jobs. */
  cg_caller_set_max_idle_pool_instances (demo.n_workers);

  demo.table_lock = cg_async_lock_new ();
  demo.table = g_ptr_array_new_with_free_func (g_free);
  demo.watchdog_cancellable = g_cancellable_new ();
  plan_windows (&demo);

  g_print ("cg-demo: %u jobs counting primes in [0, %" G_GUINT64_FORMAT "), at most %u at a"
           " time in pooled worker threads; results from caller “%s”.\n",
           demo.n_jobs, demo.items[demo.n_jobs - 1].hi, demo.n_workers,
           cg_caller_get_name (demo.main_caller));
  fflush (stdout);  /* the output stream writes to the file descriptor */

  demo.start_us = g_get_monotonic_time ();

  /* The slow job, in a named caller of its own (started on first use). */
  demo.slow = cg_caller_to_thread_by_name ("slow-lane", slow_job, NULL, NULL, &error);
  if (demo.slow == NULL)
    {
      g_printerr ("cg-demo: could not start the slow job: %s\n", error->message);
      return 1;
    }

  /* The batch: drawn lazily, at most --workers jobs outstanding. */
  demo.iteration = cg_as_completed_new_from_generator (next_job, &demo, NULL,
                                                       (gint) demo.n_workers, FALSE);
  cg_as_completed_next_async (demo.iteration, demo.watchdog_cancellable, next_ready, &demo);

  demo.watchdog_id = g_timeout_add_seconds (WATCHDOG_SECONDS, watchdog, &demo);
  g_main_loop_run (demo.loop);
  if (demo.watchdog_id != 0)
    g_source_remove (demo.watchdog_id);

  /* Stop every caller: the pool workers, "slow-lane" and "MainThread". */
  cg_caller_stop_all (FALSE);
  if (!g_output_stream_close (demo.out, NULL, &error))
    {
      g_printerr ("cg-demo: %s\n", error->message);
      demo.failed = TRUE;
    }

  status = demo.failed ? EXIT_FAILURE : EXIT_SUCCESS;

  g_clear_object (&demo.iteration);
  g_clear_object (&demo.slow);
  g_clear_object (&demo.table_lock);
  g_clear_pointer (&demo.table, g_ptr_array_unref);
  g_clear_object (&demo.watchdog_cancellable);
  g_clear_object (&demo.out);
  g_clear_object (&demo.main_caller);
  g_clear_pointer (&demo.loop, g_main_loop_unref);
  g_free (demo.items);
  g_free (demo.output_path);
  return status;
}
