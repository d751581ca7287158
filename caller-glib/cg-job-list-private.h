/* cg-job-list-private.h: the job list's model type
 *
 * Copyright 2026 The caller-glib authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "cg-job-list.h"

G_BEGIN_DECLS

#define CG_TYPE_JOB_LIST (cg_job_list_get_type ())
G_DECLARE_FINAL_TYPE (CgJobList, cg_job_list, CG, JOB_LIST, GObject)

G_END_DECLS
