/* cg-demo.c: run jobs in a worker caller and wait for their futures
 *
 * Copyright 2026 The caller-glib authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Starts a caller named "worker" in a thread of its own, submits jobs that sum
 * the primes below a limit, plus one delayed job, and waits for each future
 * from the main thread. A delayed job cancelled before it is due never runs.
 */

#include <locale.h>
#include <stdlib.h>

#include <caller-glib.h>

#define DEFAULT_JOBS 6
#define MAX_JOBS     1000
#define LATER_DELAY  0.25 /* seconds */
#define CANCEL_DELAY 0.10 /* seconds */
#define WAIT_TIMEOUT 60.0 /* seconds */

typedef struct
{
  guint  limit;
  gint64 submitted_us; /* set by the main thread before it submits the job */
  gint64 started_us;   /* set by the worker thread */
  gint64 finished_us;
} PrimeJob;

static gint cancelled_job_ran; /* atomic */

static gssize
sum_primes_below (guint limit)
{
  g_autofree guint8 *composite = g_malloc0 (MAX (limit, 2));
  gssize sum = 0;

  for (guint i = 2; i < limit; i++)
    {
      if (composite[i])
        continue;
      sum += i;
      for (guint64 j = (guint64) i * i; j < limit; j += i)
        composite[j] = 1;
    }

  return sum;
}

/* A CgJobFunc: it runs in the worker's thread. */
static void
prime_job (CgFuture *future,
           gpointer  user_data)
{
  PrimeJob *job = user_data;
  gssize sum;

  job->started_us = g_get_monotonic_time ();
  sum = sum_primes_below (job->limit);
  job->finished_us = g_get_monotonic_time ();
  cg_future_return_int (future, sum, NULL);
}

/* A CgJobFunc that must never run: its job is cancelled before it is due. */
static void
doomed_job (CgFuture *future,
            gpointer  user_data)
{
  g_atomic_int_set (&cancelled_job_ran, 1);
}

static gboolean
report_error (const char   *what,
              const GError *error)
{
  g_printerr ("%s: %s\n", what, error->message);
  return FALSE;
}

/* Blocks the main thread until @future is done, then prints what @job did. */
static gboolean
wait_and_report (CgFuture       *future,
                 const PrimeJob *job,
                 const char     *label)
{
  g_autoptr(GError) error = NULL;
  gssize sum = 0;

  if (cg_future_wait_sync (future, WAIT_TIMEOUT, CG_WAIT_FLAGS_NONE, NULL, &error))
    sum = cg_future_propagate_int (future, &error);
  if (error != NULL)
    return report_error (label, error);

  g_print ("%-9s sum of primes below %6u = %10" G_GSSIZE_FORMAT
           "   started %7.2f ms after submission, ran %6.2f ms\n",
           label, job->limit, sum,
           (job->started_us - job->submitted_us) / 1000.0,
           (job->finished_us - job->started_us) / 1000.0);
  return TRUE;
}

/* Everything between the start and the stop of the worker; the last of the
 * @n_jobs + 1 @jobs is the delayed one. */
static gboolean
run_demo (CgCaller *worker,
          PrimeJob *jobs,
          guint     n_jobs)
{
  g_autoptr(GPtrArray) futures = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(CgFuture) later = NULL;
  g_autoptr(CgFuture) doomed = NULL;
  g_autoptr(GError) error = NULL;
  gboolean ok = TRUE;

  for (guint i = 0; i < n_jobs; i++)
    {
      CgFuture *future;

      jobs[i].limit = 25000 * (1 + i % 8); /* the sums fit in 32 bits */
      jobs[i].submitted_us = g_get_monotonic_time ();
      future = cg_caller_call_soon (worker, prime_job, &jobs[i], NULL, &error);
      if (future == NULL)
        return report_error ("Could not submit a job", error);
      g_ptr_array_add (futures, future);
    }

  jobs[n_jobs].limit = 100000;
  jobs[n_jobs].submitted_us = g_get_monotonic_time ();
  later = cg_caller_call_later (worker, LATER_DELAY, prime_job, &jobs[n_jobs], NULL, &error);
  if (later == NULL)
    return report_error ("Could not submit the delayed job", error);

  doomed = cg_caller_call_later (worker, CANCEL_DELAY, doomed_job, NULL, NULL, &error);
  if (doomed == NULL)
    return report_error ("Could not submit the job to cancel", error);
  cg_future_cancel (doomed, "The demo cancelled this job before it was due");

  for (guint i = 0; i < futures->len; i++)
    {
      g_autofree char *label = g_strdup_printf ("job %u:", i + 1);

      if (!wait_and_report (g_ptr_array_index (futures, i), &jobs[i], label))
        ok = FALSE;
    }

  g_print ("Delayed job, due %.0f ms after its submission:\n", LATER_DELAY * 1000);
  if (!wait_and_report (later, &jobs[n_jobs], "later:"))
    ok = FALSE;

  if (cg_future_wait_sync (doomed, WAIT_TIMEOUT, CG_WAIT_FLAGS_NONE, NULL, &error) ||
      !g_error_matches (error, CG_FUTURE_ERROR, CG_FUTURE_ERROR_CANCELLED))
    {
      g_printerr ("The cancelled job did not end as cancelled: %s\n",
                  error != NULL ? error->message : "it succeeded");
      return FALSE;
    }
  g_print ("Cancelled job: %s\n", error->message);

  return ok;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree PrimeJob *jobs = NULL;
  g_autoptr(CgCaller) worker = NULL;
  gint n_jobs = DEFAULT_JOBS;
  gboolean ok;
  const GOptionEntry entries[] = {
    { "jobs", 'j', 0, G_OPTION_ARG_INT, &n_jobs,
      "Number of jobs to submit, 1 to 1000 (default: 6)", "N" },
    G_OPTION_ENTRY_NULL
  };

  setlocale (LC_ALL, "");

  context = g_option_context_new ("- run jobs in a caller-glib worker thread");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s: %s\n", g_get_prgname (), error->message);
      return 2;
    }
  if (n_jobs < 1 || n_jobs > MAX_JOBS)
    {
      g_printerr ("%s: --jobs must be between 1 and %d, not %d\n",
                  g_get_prgname (), MAX_JOBS, n_jobs);
      return 2;
    }

  worker = cg_caller_start_new ("worker", FALSE, NULL, &error);
  if (worker == NULL)
    {
      report_error ("Could not start the worker caller", error);
      return EXIT_FAILURE;
    }
  g_print ("Caller “%s” runs in a thread of its own; submitting %d job%s.\n",
           cg_caller_get_name (worker), n_jobs, n_jobs == 1 ? "" : "s");

  /* The jobs point into this array: it outlives the worker's thread, which
   * cg_caller_stop() ends before it returns. */
  jobs = g_new0 (PrimeJob, n_jobs + 1);
  ok = run_demo (worker, jobs, (guint) n_jobs);
  cg_caller_stop (worker, FALSE);
  g_print ("Caller “%s” stopped.\n", cg_caller_get_name (worker));

  if (g_atomic_int_get (&cancelled_job_ran))
    {
      g_printerr ("The cancelled job ran anyway\n");
      ok = FALSE;
    }

  return ok ? EXIT_SUCCESS : EXIT_FAILURE;
}
