/* cg-job-private.h: a job, the function a caller runs for a future
 *
 * Copyright 2026 The caller-glib authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "cg-context-private.h"
#include "cg-future-private.h"

G_BEGIN_DECLS

/* A job is a CgFuture made by _cg_job_new(): the future carries the job's
 * function, data and destroy notify, and its node goes into a caller's
 * inbox, so that submitting a job costs one allocation (a copy of the
 * submitter's context, when there is one, takes a record of its own:
 * _cg_job_set_context()). The job layer runs it (_cg_job_node_func()), drops it when
 * it will never run (_cg_job_discard()), and tells its observers. */

CgFuture   *_cg_job_new             (CgCaller        *caller,
                                     CgJobFunc        func,
                                     gpointer         user_data,
                                     GDestroyNotify   destroy);
void        _cg_job_node_func       (CgInboxNode     *node,
                                     CgCaller        *caller,
                                     gboolean         run);
void        _cg_job_discard         (CgFuture        *job,
                                     const char      *reason);
void        _cg_job_abandon         (CgFuture        *job,
                                     const char      *reason);
CgFuture   *_cg_job_current         (void);
gboolean    _cg_job_is_finished     (CgFuture        *job);
/* Drops the reference to the job this thread ran last, which the job
 * layer keeps until the next one: for a thread about to wait for work, or
 * to end. */
void        _cg_job_release_held    (void);
/* On the thread running @job: its function took its data, so no destroy
 * notify runs when it returns. */
void        _cg_job_keep_data       (CgFuture        *job);
/* Before @job is posted: it runs in @context (a copy of the submitter's
 * context, taken; NULL: an empty one). */
void        _cg_job_set_context     (CgFuture        *job,
                                     CgContextMap    *context);
void        _cg_job_link_cancellable (CgFuture       *job,
                                     GCancellable    *cancellable);

static inline CgFuture *
_cg_job_from_node (CgInboxNode *node)
{
  return (CgFuture *) ((guint8 *) node - G_STRUCT_OFFSET (CgFuture, node));
}

/* What the job layer needs from the caller that runs a job; cg-caller.c
 * fills it in when the CgCaller class is made, before any job exists. */
typedef struct
{
  /* Around the job's function, on the caller's thread. */
  void      (*enter)         (CgCaller *caller,
                              CgFuture *job);
  void      (*leave)         (CgCaller *caller,
                              CgFuture *job);
  gboolean  (*is_closed)     (CgCaller *caller);
  /* Hands @node to the caller's thread; FALSE once it is stopped. */
  gboolean  (*post_node)     (CgCaller    *caller,
                              CgInboxNode *node);
  /* On the caller's thread: takes a delayed job out of its timer heap;
   * FALSE when it is not there. */
  gboolean  (*drop_timer)    (CgCaller *caller,
                              CgFuture *job);
  /* A job whose future follows another future is still in flight: the
   * caller cancels it when it stops. */
  void      (*track_chained) (CgCaller *caller,
                              CgFuture *job);
} CgJobRunnerFuncs;

void        _cg_job_set_runner_funcs (const CgJobRunnerFuncs *funcs);

/* A job made without a caller (a pool job waiting for a worker) is
 * cancelled for the first time before it has one: the feature that keeps
 * such jobs waiting (the pool) may drop it at once. On the cancelling
 * thread, with no lock of the library held. Set once. */
typedef void (*CgJobUnownedCancelFunc) (CgFuture *job);
void        _cg_job_set_unowned_cancel_func (CgJobUnownedCancelFunc func);

/* Observers: features that want to know when some jobs start and return
 * (the job list, the pool). An observer gets a mark; only jobs given that
 * mark (before they are posted) are reported to it, so a job nobody
 * observes costs one bit test. At most eight observers; they cannot be
 * removed. Both calls run on the job's thread, around its function. */
typedef struct
{
  /* On the submitting thread, for every job that _cg_job_announce() is
   * called with, before it can start (nullable). */
  void (*submitted) (CgFuture *job);
  /* On the job's thread, before its function (nullable). */
  void (*started)  (CgFuture *job);
  /* After the function returned, before the future completes (nullable). */
  void (*returned) (CgFuture *job);
} CgJobObserver;

guint       _cg_job_add_observer    (const CgJobObserver *observer);
void        _cg_job_announce        (CgFuture        *job);
void        _cg_job_observe         (CgFuture        *job,
                                     guint            mark);
gboolean    _cg_job_is_observed     (CgFuture        *job,
                                     guint            mark);

G_END_DECLS
