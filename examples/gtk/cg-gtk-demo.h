/* cg-gtk-demo.h: what the GTK example application and its self-test share
 *
 * Copyright 2026 The caller-glib authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include <caller-glib.h>

G_BEGIN_DECLS

#define BLOCK_SIZE     65536   /* the SHA-256 jobs hash blocks of this size */
#define CANCEL_MESSAGE "Cancelled by the user"

typedef enum
{
  WORK_PRIMES,    /* count the primes in [lo, hi) */
  WORK_SHA256,    /* SHA-256 of hi generated blocks */
} WorkKind;

typedef struct
{
  WorkKind kind;
  guint    index;
  guint64  lo, hi;
} Work;

typedef struct _Autotest Autotest;

typedef struct
{
  CgCaller       *ui;          /* the main thread's caller */
  GListModel     *jobs;        /* cg_caller_get_jobs (ui) */
  GtkWindow      *window;
  GtkDropDown    *kind;
  GtkSpinButton  *count;
  GtkWidget      *start, *cancel;
  GtkCheckButton *burst;       /* all jobs at once, or MAX_CONCURRENT at a time */
  GtkProgressBar *progress;
  GtkListBox     *results;
  GtkLabel       *summary;

  /* The batch */
  GArray         *works;       /* Work, one a job */
  GPtrArray      *futures;     /* the futures drawn so far, in the order of works */
  GHashTable     *shown;       /* the futures shown in the results */
  CgAsCompleted  *iter;
  gboolean        running, cancelling;
  gdouble         fraction;
  guint           progress_tick_id;
  gint64          started_us, finished_us;
  guint           n_completed, n_cancelled, n_failed;

  Autotest       *autotest;    /* --autotest, or NULL */
} App;

void      fill_block               (guchar     *block,
                                    guint       index,
                                    guint64     k);

/* cg-gtk-demo-autotest.c */
Autotest *autotest_new             (App        *app,
                                    const char *screenshot);
int       autotest_free            (Autotest   *test);
void      autotest_start           (Autotest   *test);
void      autotest_result          (Autotest   *test);
void      autotest_batch_finished  (Autotest   *test);

G_END_DECLS
