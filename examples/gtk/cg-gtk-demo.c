/* cg-gtk-demo.c: caller-glib in a GTK 4 window
 *
 * Copyright 2026 The caller-glib authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A batch of CPU-bound jobs (counting the primes of consecutive ranges, or
 * SHA-256 of generated data) handed to pool threads with
 * cg_caller_to_thread(): all at once, as a burst (the default), or
 * MAX_CONCURRENT at a time drawn from a CgAsCompleted generator. The window
 * shows the overall progress, the live jobs (a GtkListView bound to
 * cg_caller_get_jobs() of the main thread's caller), the results as they
 * complete (cg_as_completed_next_async()) and a summary; Cancel cancels
 * every outstanding job.
 *
 * A burst is safe for the window: the main thread's caller delivers the
 * completions in batches of a few milliseconds at CG_CALLER_PRIORITY_DEFAULT,
 * below GTK's redraw, so a frame is drawn between two batches and a click
 * on Cancel is seen at once; the job list sends a few items-changed per
 * batch, not one per job. See docs/gtk.md.
 *
 * --autotest (or CG_GTK_DEMO_AUTOTEST=1) makes the program drive itself and
 * check what it did: see cg-gtk-demo-autotest.c.
 */

#include "cg-gtk-demo.h"

#ifdef __linux__
# include <sys/resource.h>
# include <sys/syscall.h>
# include <unistd.h>
#endif

#define MAX_CONCURRENT 4
#define PRIMES_BASE    G_GUINT64_CONSTANT (1000000000)
#define PRIMES_WINDOW  40000    /* a job counts 2 to 5 windows */

/* The work, in pool threads ----------------------------------------------- */

static gboolean
is_prime (guint64 n)
{
  if (n < 2 || n % 2 == 0)
    return n == 2;
  for (guint64 d = 3; d * d <= n; d += 2)
    if (n % d == 0)
      return FALSE;
  return TRUE;
}

/* Block k of job i holds the bytes (j + 131 i + 7 k) mod 256. */
void
fill_block (guchar  *block,
            guint    index,
            guint64  k)
{
  for (guint j = 0; j < BLOCK_SIZE; j++)
    block[j] = (guchar) (j + 131 * index + 7 * k);
}

/* CPU-bound jobs yield the processors to the main thread: on Linux the nice
 * value is a thread's own, and a pool thread that runs such a job lowers
 * its priority once, so that however many jobs run, the kernel runs the
 * main thread (which draws the window and takes the Cancel click) as soon
 * as it wakes. The pool thread keeps the lower priority for the other
 * jobs it runs later, which suits an application whose pool jobs are all
 * background work; lowering it again needs privileges. */
static void
lower_thread_priority (void)
{
#ifdef __linux__
  static __thread gboolean lowered;

  if (!lowered)
    {
      lowered = TRUE;
      setpriority (PRIO_PROCESS, (id_t) syscall (SYS_gettid), 19);
    }
#endif
}

/* A CgJobFunc: blocking is fine here, widgets are off limits. It reports
 * its progress to the job list and stops once it is cancelled. */
static void
run_work (CgFuture *future,
          gpointer  user_data)
{
  const Work *work = user_data;
  GCancellable *cancellable = cg_future_get_cancellable (future);
  guint64 span = work->hi - work->lo;
  char *result;

  lower_thread_priority ();

  if (work->kind == WORK_PRIMES)
    {
      guint64 count = 0;

      for (guint64 n = work->lo; n < work->hi; n++)
        {
          if ((n - work->lo) % 1024 == 0)
            {
              if (g_cancellable_is_cancelled (cancellable))
                return;    /* whatever it returns, the future completes as cancelled */
              cg_future_report_progress (future, (gdouble) (n - work->lo) / span);
            }
          count += is_prime (n);
        }
      result = g_strdup_printf ("%" G_GUINT64_FORMAT " primes", count);
    }
  else
    {
      g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
      g_autofree guchar *block = g_malloc (BLOCK_SIZE);

      for (guint64 k = 0; k < span; k++)
        {
          if (g_cancellable_is_cancelled (cancellable))
            return;
          fill_block (block, work->index, k);
          g_checksum_update (checksum, block, BLOCK_SIZE);
          cg_future_report_progress (future, (gdouble) (k + 1) / span);
        }
      result = g_strdup (g_checksum_get_string (checksum));
    }
  cg_future_return_pointer (future, result, g_free, NULL);
}

static char *
work_label (const Work *work)
{
  if (work->kind == WORK_PRIMES)
    return g_strdup_printf ("#%02u primes in [%" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT ")",
                            work->index, work->lo, work->hi);
  return g_strdup_printf ("#%02u SHA-256 of %" G_GUINT64_FORMAT " MiB", work->index,
                          work->hi * BLOCK_SIZE / (1024 * 1024));
}

/* The batch, on the main thread ------------------------------------------- */

static void
update_summary (App *app)
{
  gint64 end = app->running ? g_get_monotonic_time () : app->finished_us;
  guint total = app->works->len;
  g_autofree char *text = NULL;

  text = g_strdup_printf ("%s: %u of %u done, %u cancelled, %u failed, %u not started · %.2f s",
                          !app->running ? "Finished" : app->cancelling ? "Cancelling" : "Running",
                          app->n_completed, total, app->n_cancelled, app->n_failed,
                          total - app->futures->len, (end - app->started_us) / 1e6);
  gtk_label_set_text (app->summary, text);
}

/* Overall progress: the jobs that came out plus the progress of live ones. */
static void
update_progress (App *app)
{
  guint total = app->works->len;
  gdouble sum = g_hash_table_size (app->shown);
  g_autofree char *text = NULL;

  for (guint i = 0; i < g_list_model_get_n_items (app->jobs); i++)
    {
      g_autoptr(CgJob) job = g_list_model_get_item (app->jobs, i);

      if (!cg_future_is_done (cg_job_get_future (job)))
        sum += cg_job_get_progress (job);
    }
  app->fraction = MAX (app->fraction, total > 0 ? MIN (sum / total, 1.0) : 1.0);
  gtk_progress_bar_set_fraction (app->progress, app->fraction);
  text = g_strdup_printf ("%.0f %%", 100 * app->fraction);
  gtk_progress_bar_set_text (app->progress, text);
}

/* A tick callback: the overall progress once a frame while the batch runs. */
static gboolean
progress_tick (GtkWidget     *widget,
               GdkFrameClock *clock,
               gpointer       user_data)
{
  App *app = user_data;

  update_progress (app);
  if (app->running)
    return G_SOURCE_CONTINUE;
  app->progress_tick_id = 0;
  return G_SOURCE_REMOVE;
}

static void
show_result (App      *app,
             CgFuture *future)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *label = NULL;
  g_autofree char *text = NULL;
  guint i = 0;
  GtkWidget *row;

  if (!g_hash_table_add (app->shown, future))
    return;
  g_ptr_array_find (app->futures, future, &i);
  label = work_label (&g_array_index (app->works, Work, i));

  if (cg_future_check (future, &error))
    {
      app->n_completed++;
      text = g_strdup_printf ("%s: %s", label, (char *) cg_future_propagate_pointer (future, NULL));
    }
  else
    {
      if (g_error_matches (error, CG_FUTURE_ERROR, CG_FUTURE_ERROR_CANCELLED))
        app->n_cancelled++;
      else
        app->n_failed++;
      text = g_strdup_printf ("%s: %s", label, error->message);
    }
  row = gtk_label_new (text);
  gtk_label_set_xalign (GTK_LABEL (row), 0);
  gtk_label_set_ellipsize (GTK_LABEL (row), PANGO_ELLIPSIZE_END);
  gtk_list_box_prepend (app->results, row);
}

/* Submits the next job of the batch; a new reference, or NULL. */
static CgFuture *
submit_next (App *app)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *label = NULL;
  const Work *work;
  CgFuture *future;

  if (app->futures->len == app->works->len)
    return NULL;
  work = &g_array_index (app->works, Work, app->futures->len);
  future = cg_caller_to_thread (run_work, g_memdup2 (work, sizeof *work), g_free, &error);
  if (future == NULL)
    {
      g_warning ("Cannot start job %u: %s", work->index, error->message);
      return NULL;
    }
  label = work_label (work);
  cg_future_set_label (future, label);    /* for the job list */
  g_ptr_array_add (app->futures, g_object_ref (future));
  return future;
}

/* The CgFutureGenerator of the one-by-one mode: called on the main thread
 * whenever fewer than MAX_CONCURRENT jobs are outstanding. */
static CgFuture *
draw_next (gpointer user_data)
{
  return submit_next (user_data);
}

static void
batch_finished (App *app)
{
  app->running = FALSE;
  app->finished_us = g_get_monotonic_time ();
  /* Futures done when Cancel was pressed, never handed out. */
  for (guint i = 0; i < app->futures->len; i++)
    show_result (app, app->futures->pdata[i]);
  g_clear_object (&app->iter);
  update_progress (app);
  update_summary (app);
  gtk_widget_set_sensitive (app->start, TRUE);
  gtk_widget_set_sensitive (app->cancel, FALSE);
  if (app->autotest != NULL)
    autotest_batch_finished (app->autotest);
}

static void
next_ready (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  App *app = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(CgFuture) future = cg_as_completed_next_finish (CG_AS_COMPLETED (source), result,
                                                            &error);

  if (CG_AS_COMPLETED (source) != app->iter || app->cancelling)
    return;    /* cancelled: all_ended () finishes the batch */
  if (future == NULL)
    {
      batch_finished (app);
      return;
    }
  show_result (app, future);
  update_summary (app);
  cg_as_completed_next_async (app->iter, NULL, next_ready, app);
  if (app->autotest != NULL)
    autotest_result (app->autotest);
}

static void
start_clicked (GtkButton *button,
               App       *app)
{
  guint n = gtk_spin_button_get_value_as_int (app->count);
  WorkKind kind = gtk_drop_down_get_selected (app->kind) == 0 ? WORK_PRIMES : WORK_SHA256;
  guint64 lo = PRIMES_BASE;
  GtkWidget *row;

  if (app->running)
    return;
  g_array_set_size (app->works, 0);
  for (guint i = 0; i < n; i++)
    {
      Work work = { kind, i, 0, 128 * (1 + (i * 5) % 6) };

      if (kind == WORK_PRIMES)
        {
          work.lo = lo;
          work.hi = lo += PRIMES_WINDOW * (2 + (i * 7) % 4);
        }
      g_array_append_val (app->works, work);
    }
  g_ptr_array_set_size (app->futures, 0);
  g_hash_table_remove_all (app->shown);
  while ((row = gtk_widget_get_first_child (GTK_WIDGET (app->results))) != NULL)
    gtk_list_box_remove (app->results, row);
  app->n_completed = app->n_cancelled = app->n_failed = 0;
  app->fraction = 0;
  app->running = TRUE;
  app->cancelling = FALSE;
  app->started_us = g_get_monotonic_time ();
  gtk_widget_set_sensitive (app->start, FALSE);
  gtk_widget_set_sensitive (app->cancel, TRUE);
  if (app->progress_tick_id == 0)
    app->progress_tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (app->progress),
                                                          progress_tick, app, NULL);

  /* Shielded: Cancel cancels the futures itself, with its own message. */
  if (gtk_check_button_get_active (app->burst))
    {
      CgFuture *future;

      /* The burst: every job at once; the results come back in order of
       * completion. */
      while ((future = submit_next (app)) != NULL)
        g_object_unref (future);
      app->iter = cg_as_completed_new ((CgFuture **) app->futures->pdata, app->futures->len, TRUE);
    }
  else
    {
      app->iter = cg_as_completed_new_from_generator (draw_next, app, NULL, MAX_CONCURRENT, TRUE);
    }
  cg_as_completed_next_async (app->iter, NULL, next_ready, app);
  update_summary (app);
}

static void
all_ended (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  cg_caller_wait_finish (result, NULL, NULL, NULL);
  batch_finished (user_data);
}

static void
cancel_clicked (GtkButton *button,
                App       *app)
{
  g_autoptr(GPtrArray) outstanding = g_ptr_array_new ();

  if (!app->running || app->cancelling)
    return;
  app->cancelling = TRUE;
  gtk_widget_set_sensitive (app->cancel, FALSE);
  for (guint i = 0; i < app->futures->len; i++)
    if (cg_future_cancel (app->futures->pdata[i], CANCEL_MESSAGE))
      g_ptr_array_add (outstanding, app->futures->pdata[i]);
  /* No more jobs are drawn; the pending next_async () fails. */
  cg_as_completed_cancel (app->iter);
  /* A cancelled job's future is done once the job returned. */
  cg_caller_wait_async ((CgFuture **) outstanding->pdata, outstanding->len, CG_TIMEOUT_INFINITE,
                        CG_RETURN_WHEN_ALL_COMPLETED, NULL, all_ended, app);
  update_summary (app);
}

/* The live jobs: rows bound to CgJob items ---------------------------------- */

static gboolean
state_to_text (GBinding     *binding,
               const GValue *from,
               GValue       *to,
               gpointer      user_data)
{
  static const char *const states[] = { "pending", "running", "done" };

  g_value_set_string (to, states[g_value_get_enum (from)]);
  return TRUE;
}

static void
row_setup (GtkSignalListItemFactory *factory,
           GtkListItem              *item)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *label = gtk_label_new (NULL);
  GtkWidget *state = gtk_label_new (NULL);
  GtkWidget *bar = gtk_progress_bar_new ();

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_widget_set_hexpand (label, TRUE);
  gtk_label_set_width_chars (GTK_LABEL (state), 8);
  gtk_widget_set_size_request (bar, 140, -1);
  gtk_widget_set_valign (bar, GTK_ALIGN_CENTER);
  gtk_box_append (GTK_BOX (box), label);
  gtk_box_append (GTK_BOX (box), state);
  gtk_box_append (GTK_BOX (box), bar);
  gtk_list_item_set_child (item, box);
}

static void
unbind_all (gpointer data)
{
  g_autoptr(GPtrArray) bindings = data;

  for (guint i = 0; i < bindings->len; i++)
    g_binding_unbind (bindings->pdata[i]);
}

/* The row follows the job's notify::label, notify::state and
 * notify::progress through property bindings. */
static void
row_bind (GtkSignalListItemFactory *factory,
          GtkListItem              *item)
{
  CgJob *job = gtk_list_item_get_item (item);
  GtkWidget *label = gtk_widget_get_first_child (gtk_list_item_get_child (item));
  GtkWidget *state = gtk_widget_get_next_sibling (label);
  GtkWidget *bar = gtk_widget_get_next_sibling (state);
  GPtrArray *bindings = g_ptr_array_new_with_free_func (g_object_unref);

  g_ptr_array_add (bindings, g_object_ref (g_object_bind_property (job, "label", label, "label",
                                                                   G_BINDING_SYNC_CREATE)));
  g_ptr_array_add (bindings, g_object_ref (g_object_bind_property_full (job, "state",
                                                                        state, "label",
                                                                        G_BINDING_SYNC_CREATE,
                                                                        state_to_text, NULL,
                                                                        NULL, NULL)));
  g_ptr_array_add (bindings, g_object_ref (g_object_bind_property (job, "progress", bar, "fraction",
                                                                   G_BINDING_SYNC_CREATE)));
  g_object_set_data_full (G_OBJECT (item), "cg-gtk-demo-bindings", bindings, unbind_all);
}

static void
row_unbind (GtkSignalListItemFactory *factory,
            GtkListItem              *item)
{
  g_object_set_data (G_OBJECT (item), "cg-gtk-demo-bindings", NULL);
}

/* The window ---------------------------------------------------------------- */

static GtkWidget *
framed (const char *title,
        GtkWidget  *child,
        gboolean    expand)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
  GtkWidget *heading = gtk_label_new (title);
  GtkWidget *scrolled = gtk_scrolled_window_new ();

  gtk_label_set_xalign (GTK_LABEL (heading), 0);
  gtk_widget_add_css_class (heading, "heading");
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), child);
  gtk_scrolled_window_set_has_frame (GTK_SCROLLED_WINDOW (scrolled), TRUE);
  gtk_scrolled_window_set_min_content_height (GTK_SCROLLED_WINDOW (scrolled), 130);
  gtk_widget_set_vexpand (box, expand);
  gtk_widget_set_vexpand (scrolled, TRUE);
  gtk_box_append (GTK_BOX (box), heading);
  gtk_box_append (GTK_BOX (box), scrolled);
  return box;
}

static void
activate (GtkApplication *application,
          App            *app)
{
  static const char *const kinds[] = { "Primes in ranges", "SHA-256 of generated data", NULL };
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 10);
  GtkWidget *bar = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 8);
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
  GtkWidget *list;

  app->window = GTK_WINDOW (gtk_application_window_new (application));
  gtk_window_set_title (app->window, "caller-glib: jobs in pool threads");
  gtk_window_set_default_size (app->window, 720, 600);

  app->kind = GTK_DROP_DOWN (gtk_drop_down_new_from_strings (kinds));
  app->count = GTK_SPIN_BUTTON (gtk_spin_button_new_with_range (1, 400, 1));
  gtk_spin_button_set_value (app->count, 40);
  app->start = gtk_button_new_with_label ("Start");
  app->cancel = gtk_button_new_with_label ("Cancel");
  gtk_widget_set_sensitive (app->cancel, FALSE);
  gtk_widget_add_css_class (app->start, "suggested-action");
  g_signal_connect (app->start, "clicked", G_CALLBACK (start_clicked), app);
  g_signal_connect (app->cancel, "clicked", G_CALLBACK (cancel_clicked), app);
  gtk_box_append (GTK_BOX (bar), gtk_label_new ("Work"));
  gtk_box_append (GTK_BOX (bar), GTK_WIDGET (app->kind));
  gtk_box_append (GTK_BOX (bar), gtk_label_new ("Jobs"));
  gtk_box_append (GTK_BOX (bar), GTK_WIDGET (app->count));
  app->burst = GTK_CHECK_BUTTON (gtk_check_button_new_with_label ("All at once"));
  gtk_check_button_set_active (app->burst, TRUE);
  gtk_widget_set_tooltip_text (GTK_WIDGET (app->burst),
                               "Submit every job at once (a burst), or "
                               G_STRINGIFY (MAX_CONCURRENT) " at a time");
  gtk_box_append (GTK_BOX (bar), GTK_WIDGET (app->burst));
  gtk_box_append (GTK_BOX (bar), app->start);
  gtk_box_append (GTK_BOX (bar), app->cancel);

  app->progress = GTK_PROGRESS_BAR (gtk_progress_bar_new ());
  gtk_progress_bar_set_show_text (app->progress, TRUE);

  /* The live jobs: the job list of the main thread's caller, as it is. */
  g_signal_connect (factory, "setup", G_CALLBACK (row_setup), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (row_bind), NULL);
  g_signal_connect (factory, "unbind", G_CALLBACK (row_unbind), NULL);
  list = gtk_list_view_new (GTK_SELECTION_MODEL (gtk_no_selection_new (g_object_ref (app->jobs))),
                            factory);

  app->results = GTK_LIST_BOX (gtk_list_box_new ());
  gtk_list_box_set_selection_mode (app->results, GTK_SELECTION_NONE);
  app->summary = GTK_LABEL (gtk_label_new ("Choose the work and press Start"));
  gtk_label_set_xalign (app->summary, 0);

  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 12);
  gtk_widget_set_margin_top (box, 12);
  gtk_widget_set_margin_bottom (box, 12);
  gtk_box_append (GTK_BOX (box), bar);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (app->progress));
  gtk_box_append (GTK_BOX (box), framed ("Live jobs (cg_caller_get_jobs)", list, FALSE));
  gtk_box_append (GTK_BOX (box), framed ("Results, as they complete",
                                         GTK_WIDGET (app->results), TRUE));
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (app->summary));
  gtk_window_set_child (app->window, box);
  gtk_window_present (app->window);

  if (app->autotest != NULL)
    autotest_start (app->autotest);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GtkApplication) application = NULL;
  g_autoptr(GError) error = NULL;
  App app = { 0 };
  int status;

  if (argc > 1 && g_str_equal (argv[1], "--autotest"))
    {
      g_setenv ("CG_GTK_DEMO_AUTOTEST", "1", TRUE);
      argv[1] = argv[0];
      argv++, argc--;
    }
  if (g_strcmp0 (g_getenv ("CG_GTK_DEMO_AUTOTEST"), "1") == 0)
    app.autotest = autotest_new (&app, g_getenv ("CG_GTK_DEMO_SCREENSHOT"));

  /* The main thread's caller, on g_main_context_default (), which GTK runs. */
  app.ui = cg_caller_get (NULL, TRUE, FALSE, &error);
  if (app.ui == NULL || !cg_caller_start (app.ui, &error))
    {
      g_printerr ("cg-gtk-demo: %s\n", error->message);
      return 1;
    }
  /* Completions, job-list changes and the callbacks of _async calls reach
   * the main loop at this priority, in batches of a few milliseconds:
   * below GDK_PRIORITY_REDRAW, so that GTK draws between two batches of a
   * burst. It is the default, set here to show where it is chosen;
   * G_PRIORITY_DEFAULT would let a steady flow of completions hold
   * frames back. */
  cg_caller_set_priority (app.ui, CG_CALLER_PRIORITY_DEFAULT);
  app.jobs = cg_caller_get_jobs (app.ui);
  app.works = g_array_new (FALSE, FALSE, sizeof (Work));
  app.futures = g_ptr_array_new_with_free_func (g_object_unref);
  app.shown = g_hash_table_new (NULL, NULL);

  application = gtk_application_new ("org.caller_glib.GtkDemo", G_APPLICATION_NON_UNIQUE);
  g_signal_connect (application, "activate", G_CALLBACK (activate), &app);
  status = g_application_run (G_APPLICATION (application), argc, argv);

  /* Cancels the jobs still running and ends the pool threads. */
  g_clear_object (&app.iter);
  cg_caller_stop_all (FALSE);
  if (app.autotest != NULL)
    status = autotest_free (app.autotest);
  g_clear_object (&app.jobs);
  g_clear_object (&app.ui);
  g_ptr_array_unref (app.futures);
  g_hash_table_unref (app.shown);
  g_array_unref (app.works);
  return status;
}
