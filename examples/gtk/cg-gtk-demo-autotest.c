/* cg-gtk-demo-autotest.c: the self-test of the GTK example application
 *
 * Copyright 2026 The caller-glib authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * With --autotest (or CG_GTK_DEMO_AUTOTEST=1) cg-gtk-demo drives its own
 * window, through its real widgets:
 *
 * 1. a batch of 12 SHA-256 jobs, run to the end;
 * 2. a batch of 40 primes jobs; once 10 came out, the Cancel button.
 *
 * After each batch it waits for the job list to empty and checks that every
 * future drawn is done (completed or cancelled with the Cancel message),
 * that the counts add up, and each result against one computed another way
 * (a sieve; one checksum over all the data). While a batch is in flight a
 * 5 ms timeout records the gaps between its runs: the longest is the
 * longest main-loop stall. CG_GTK_DEMO_SCREENSHOT=FILE.png saves a
 * screenshot taken during the primes batch. It prints one line of JSON and
 * exits 0 on success, 1 on failure or after AUTOTEST_SECONDS.
 */

#include <stdarg.h>
#include <string.h>

#include "cg-gtk-demo.h"

#define TICK_MS          5
#define AUTOTEST_SECONDS 90
#define CANCEL_AFTER     10    /* results of the primes batch */

struct _Autotest
{
  App        *app;
  char       *screenshot;
  int         status;
  guint       phase;            /* 1: hashing, to the end; 2: primes, cancelled */
  GString    *report;
  GArray     *gaps;             /* gint64 µs between ticks while a batch runs */
  gint64      last_tick_us, cancel_us, emptied_us;
  gboolean    shot_requested, shot_done, cancel_queued;
  gulong      after_paint_id;
  guint       tick_id, watchdog_id;
};

static gboolean
fail (Autotest   *test,
      const char *format,
      ...) G_GNUC_PRINTF (2, 3);

/* Ends the test with a failure; returns FALSE. */
static gboolean
fail (Autotest   *test,
      const char *format,
      ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_printerr ("cg-gtk-demo: autotest failed: %s\n", message);
  test->status = 1;
  g_application_quit (g_application_get_default ());
  return FALSE;
}

static void
click (GtkWidget *button)
{
  g_signal_emit_by_name (button, "clicked");
}

static gboolean
tick (gpointer user_data)
{
  Autotest *test = user_data;
  gint64 now = g_get_monotonic_time ();

  if (test->app->running)
    {
      gint64 gap = now - test->last_tick_us;

      g_array_append_val (test->gaps, gap);
    }
  test->last_tick_us = now;
  return G_SOURCE_CONTINUE;
}

static gboolean
watchdog (gpointer user_data)
{
  Autotest *test = user_data;

  test->watchdog_id = 0;
  fail (test, "not finished after %d s", AUTOTEST_SECONDS);
  return G_SOURCE_REMOVE;
}

static gboolean
next_batch (gpointer user_data)
{
  Autotest *test = user_data;
  App *app = test->app;

  test->phase++;
  gtk_drop_down_set_selected (app->kind, test->phase == 1 ? 1 : 0);
  gtk_spin_button_set_value (app->count, test->phase == 1 ? 12 : 40);
  g_array_set_size (test->gaps, 0);
  test->last_tick_us = g_get_monotonic_time ();
  click (app->start);
  return G_SOURCE_REMOVE;
}

/* What a job should have found, computed another way: a sieve, or one
 * checksum over all of the job's data at once. */
static char *
expected_result (const Work *work)
{
  if (work->kind == WORK_PRIMES)
    {
      g_autofree guint8 *composite = g_malloc0 (work->hi - work->lo);
      guint64 count = 0;

      for (guint64 p = 2; p * p < work->hi; p++)
        for (guint64 m = MAX (p * p, (work->lo + p - 1) / p * p); m < work->hi; m += p)
          composite[m - work->lo] = 1;
      for (guint64 n = MAX (work->lo, 2); n < work->hi; n++)
        count += !composite[n - work->lo];
      return g_strdup_printf ("%" G_GUINT64_FORMAT " primes", count);
    }
  else
    {
      g_autofree guchar *data = g_malloc (work->hi * BLOCK_SIZE);

      for (guint64 k = 0; k < work->hi; k++)
        fill_block (data + k * BLOCK_SIZE, work->index, k);
      return g_compute_checksum_for_data (G_CHECKSUM_SHA256, data, work->hi * BLOCK_SIZE);
    }
}

static gint
compare_gaps (gconstpointer a,
              gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return (x > y) - (x < y);
}

/* Checks the batch that just ended; adds it to the report. */
static gboolean
check_batch (Autotest *test)
{
  App *app = test->app;
  guint n_futures = app->futures->len;
  gint64 max = 0, p99 = 0, sum = 0;

  for (guint i = 0; i < n_futures; i++)
    {
      CgFuture *future = app->futures->pdata[i];
      g_autoptr(GError) error = NULL;

      if (!cg_future_is_done (future))
        return fail (test, "job %u has not ended", i);
      if (cg_future_check (future, &error))
        {
          g_autofree char *expected = expected_result (&g_array_index (app->works, Work, i));
          const char *found = cg_future_propagate_pointer (future, NULL);

          if (g_strcmp0 (found, expected) != 0)
            return fail (test, "job %u found %s, not %s", i, found, expected);
        }
      else if (!g_error_matches (error, CG_FUTURE_ERROR, CG_FUTURE_ERROR_CANCELLED) ||
               strstr (error->message, CANCEL_MESSAGE) == NULL)
        return fail (test, "job %u failed: %s", i, error->message);
    }
  if (app->n_completed + app->n_cancelled + app->n_failed != n_futures || app->n_failed != 0 ||
      g_hash_table_size (app->shown) != n_futures || n_futures > app->works->len)
    return fail (test, "the counts do not add up");
  if (test->phase == 1 && app->n_completed != app->works->len)
    return fail (test, "the hashing batch did not complete");
  if (test->phase == 2 && (!app->cancelling || app->n_completed < CANCEL_AFTER ||
                           app->n_cancelled == 0))
    return fail (test, "the primes batch was not cancelled half-way: %u completed, %u cancelled",
                 app->n_completed, app->n_cancelled);

  g_array_sort (test->gaps, compare_gaps);
  for (guint i = 0; i < test->gaps->len; i++)
    sum += g_array_index (test->gaps, gint64, i);
  if (test->gaps->len > 0)
    {
      max = g_array_index (test->gaps, gint64, test->gaps->len - 1);
      p99 = g_array_index (test->gaps, gint64, test->gaps->len * 99 / 100);
    }
  g_string_append_printf (test->report,
                          ", \"%s\": {\"jobs\": %u, \"completed\": %u, \"cancelled\": %u, "
                          "\"not_started\": %u, \"elapsed_ms\": %.1f, \"ticks\": %u, "
                          "\"max_gap_ms\": %.1f, \"p99_gap_ms\": %.1f, \"mean_gap_ms\": %.2f, "
                          "\"list_empty_ms\": %.1f",
                          test->phase == 1 ? "sha256" : "primes", app->works->len,
                          app->n_completed, app->n_cancelled, app->works->len - n_futures,
                          (app->finished_us - app->started_us) / 1e3, test->gaps->len,
                          max / 1e3, p99 / 1e3,
                          test->gaps->len > 0 ? sum / 1e3 / test->gaps->len : 0.0,
                          (test->emptied_us - app->finished_us) / 1e3);
  if (test->phase == 2)
    g_string_append_printf (test->report, ", \"cancel_to_end_ms\": %.1f",
                            (app->finished_us - test->cancel_us) / 1e3);
  g_string_append (test->report, "}");
  return TRUE;
}

static gboolean
until_jobs_empty (gpointer user_data)
{
  Autotest *test = user_data;
  App *app = test->app;

  if (g_list_model_get_n_items (app->jobs) != 0)
    return G_SOURCE_CONTINUE;
  if (test->emptied_us == 0)
    test->emptied_us = g_get_monotonic_time ();
  if (test->shot_requested && !test->shot_done)
    return G_SOURCE_CONTINUE;    /* the screenshot waits for a frame */
  if (!check_batch (test))
    return G_SOURCE_REMOVE;
  if (test->phase == 1)
    {
      g_timeout_add (100, next_batch, test);
      return G_SOURCE_REMOVE;
    }
  g_string_append_printf (test->report, ", \"renderer\": \"%s\", \"ok\": true}",
                          G_OBJECT_TYPE_NAME (gtk_native_get_renderer (GTK_NATIVE (app->window))));
  g_print ("%s\n", test->report->str);
  test->status = 0;
  g_application_quit (g_application_get_default ());
  return G_SOURCE_REMOVE;
}

static gboolean
click_cancel (gpointer user_data)
{
  Autotest *test = user_data;
  GPtrArray *futures = test->app->futures;

  test->cancel_queued = FALSE;
  /* Only while some job is under way, so that there is something to cancel. */
  for (guint i = 0; i < futures->len; i++)
    if (!cg_future_is_done (futures->pdata[i]))
      {
        test->cancel_us = g_get_monotonic_time ();
        click (test->app->cancel);
        break;
      }
  return G_SOURCE_REMOVE;
}

static void
maybe_cancel (Autotest *test)
{
  if (!test->cancel_queued && test->cancel_us == 0 &&
      g_hash_table_size (test->app->shown) >= CANCEL_AFTER)
    {
      test->cancel_queued = TRUE;
      /* At the priority of the jobs: a lower one could wait for the whole batch. */
      g_idle_add_full (G_PRIORITY_DEFAULT, click_cancel, test, NULL);
    }
}

static gboolean
save_screenshot (GtkWidget  *widget,
                 const char *path)
{
  int width = gtk_widget_get_width (widget), height = gtk_widget_get_height (widget);
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;

  gdk_paintable_snapshot (paintable, snapshot, width, height);
  node = gtk_snapshot_free_to_node (snapshot);
  if (node == NULL)
    return FALSE;
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (widget)), node,
                                         &GRAPHENE_RECT_INIT (0, 0, width, height));
  return gdk_texture_save_to_png (texture, path);
}

/* Right after a frame was drawn, when the layout is valid. */
static void
after_paint (GdkFrameClock *clock,
             Autotest      *test)
{
  gint64 shot_us = g_get_monotonic_time ();

  g_clear_signal_handler (&test->after_paint_id, clock);
  if (test->screenshot != NULL &&
      !save_screenshot (GTK_WIDGET (test->app->window), test->screenshot))
    {
      fail (test, "could not save the screenshot %s", test->screenshot);
      return;
    }
  /* The screenshot is the test's work, not a stall of the app. */
  test->last_tick_us = g_get_monotonic_time ();
  g_string_append_printf (test->report, ", \"screenshot_ms\": %.1f, \"screenshot_in_flight\": %s",
                          (test->last_tick_us - shot_us) / 1e3,
                          test->cancel_us == 0 ? "true" : "false");
  test->shot_done = TRUE;
}

void
autotest_result (Autotest *test)
{
  GtkWidget *window = GTK_WIDGET (test->app->window);

  if (test->phase != 2)
    return;
  if (!test->shot_requested && g_hash_table_size (test->app->shown) >= CANCEL_AFTER / 2)
    {
      test->shot_requested = TRUE;
      test->after_paint_id = g_signal_connect (gtk_widget_get_frame_clock (window), "after-paint",
                                               G_CALLBACK (after_paint), test);
      gtk_widget_queue_draw (window);
    }
  maybe_cancel (test);
}

void
autotest_batch_finished (Autotest *test)
{
  /* The job list empties from the main loop, right after. */
  test->emptied_us = 0;
  g_timeout_add (1, until_jobs_empty, test);
}

void
autotest_start (Autotest *test)
{
  test->tick_id = g_timeout_add (TICK_MS, tick, test);
  test->watchdog_id = g_timeout_add_seconds (AUTOTEST_SECONDS, watchdog, test);
  g_timeout_add (300, next_batch, test);
}

Autotest *
autotest_new (App        *app,
              const char *screenshot)
{
  Autotest *test = g_new0 (Autotest, 1);

  test->app = app;
  test->screenshot = g_strdup (screenshot);
  test->status = 1;
  test->report = g_string_new ("{\"app\": \"cg-gtk-demo\"");
  test->gaps = g_array_new (FALSE, FALSE, sizeof (gint64));
  return test;
}

int
autotest_free (Autotest *test)
{
  int status = test->status;

  g_clear_handle_id (&test->tick_id, g_source_remove);
  g_clear_handle_id (&test->watchdog_id, g_source_remove);
  g_string_free (test->report, TRUE);
  g_array_unref (test->gaps);
  g_free (test->screenshot);
  g_free (test);
  return status;
}
