/* cg-task-group.h: futures that end together
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
 * CgTaskGroupFlags:
 * @CG_TASK_GROUP_FLAGS_NONE: the first failure cancels the other members
 * @CG_TASK_GROUP_FLAGS_KEEP_GOING: a failure leaves the other members
 *   running; the group still fails with the first failure
 *
 * How a #CgTaskGroup takes a failure.
 *
 * Since: 0.1
 */
typedef enum /*< flags >*/
{
  CG_TASK_GROUP_FLAGS_NONE       = 0,
  CG_TASK_GROUP_FLAGS_KEEP_GOING = 1 << 0,
} CgTaskGroupFlags;

#define CG_TYPE_TASK_GROUP (cg_task_group_get_type ())
CG_AVAILABLE_IN_0_1
G_DECLARE_FINAL_TYPE (CgTaskGroup, cg_task_group, CG, TASK_GROUP, GObject)

CG_AVAILABLE_IN_0_1
CgTaskGroup *cg_task_group_new         (CgTaskGroupFlags      flags,
                                        gdouble               timeout,
                                        GError              **error);
CG_AVAILABLE_IN_0_1
void         cg_task_group_add         (CgTaskGroup          *self,
                                        CgFuture             *future);
CG_AVAILABLE_IN_0_1
void         cg_task_group_cancel      (CgTaskGroup          *self,
                                        const char           *message);
CG_AVAILABLE_IN_0_1
void         cg_task_group_close       (CgTaskGroup          *self);
CG_AVAILABLE_IN_0_1
CgFuture    *cg_task_group_get_future  (CgTaskGroup          *self);
CG_AVAILABLE_IN_0_1
void         cg_task_group_wait_async  (CgTaskGroup          *self,
                                        GCancellable         *cancellable,
                                        GAsyncReadyCallback   callback,
                                        gpointer              user_data);
CG_AVAILABLE_IN_0_1
gboolean     cg_task_group_wait_finish (CgTaskGroup          *self,
                                        GAsyncResult         *result,
                                        GError              **error);

G_END_DECLS
