/* cg-job-list.h: a list model of the jobs a thread has under way
 *
 * Copyright 2026 The caller-glib authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(CALLER_GLIB_INSIDE) && !defined(CG_COMPILATION)
# error "Only <caller-glib.h> can be included directly."
#endif

#include <gio/gio.h>

#include "cg-types.h"

G_BEGIN_DECLS

/**
 * CgJobState:
 * @CG_JOB_STATE_PENDING: submitted, not started yet
 * @CG_JOB_STATE_RUNNING: its function runs (or it waits for the future
 *   it returned)
 * @CG_JOB_STATE_DONE: its future is done; the job leaves the model
 *
 * Where a #CgJob stands.
 *
 * Since: 0.1
 */
typedef enum
{
  CG_JOB_STATE_PENDING,
  CG_JOB_STATE_RUNNING,
  CG_JOB_STATE_DONE,
} CgJobState;

#define CG_TYPE_JOB (cg_job_get_type ())

CG_AVAILABLE_IN_0_1
G_DECLARE_FINAL_TYPE (CgJob, cg_job, CG, JOB, GObject)

CG_AVAILABLE_IN_0_1
CgFuture    *cg_job_get_future          (CgJob       *self);
CG_AVAILABLE_IN_0_1
const char  *cg_job_get_label           (CgJob       *self);
CG_AVAILABLE_IN_0_1
CgJobState   cg_job_get_state           (CgJob       *self);
CG_AVAILABLE_IN_0_1
gdouble      cg_job_get_progress        (CgJob       *self);

CG_AVAILABLE_IN_0_1
GListModel  *cg_caller_get_jobs         (CgCaller    *self);

CG_AVAILABLE_IN_0_1
void         cg_future_set_label        (CgFuture    *self,
                                         const char  *label);
CG_AVAILABLE_IN_0_1
void         cg_future_report_progress  (CgFuture    *self,
                                         gdouble      fraction);

G_END_DECLS
