/* cg-as-completed.h: futures in completion order, and waiting for many
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

#define CG_TYPE_AS_COMPLETED (cg_as_completed_get_type ())

CG_AVAILABLE_IN_0_1
G_DECLARE_FINAL_TYPE (CgAsCompleted, cg_as_completed, CG, AS_COMPLETED, GObject)

/**
 * CgFutureGenerator:
 * @user_data: (closure): the data given with the generator
 *
 * Hands out the next future of a lazily drawn sequence, for
 * cg_as_completed_new_from_generator().
 *
 * Returns: (transfer full) (nullable): the next future, or %NULL when there
 *   are no more
 *
 * Since: 0.1
 */
typedef CgFuture *(*CgFutureGenerator) (gpointer user_data);

/**
 * CgReturnWhen:
 * @CG_RETURN_WHEN_ALL_COMPLETED: when every future is done
 * @CG_RETURN_WHEN_FIRST_COMPLETED: when any future is done
 * @CG_RETURN_WHEN_FIRST_EXCEPTION: when any future fails (or is
 *   cancelled), or when every future is done
 *
 * When cg_caller_wait_async() ends.
 *
 * Since: 0.1
 */
typedef enum
{
  CG_RETURN_WHEN_ALL_COMPLETED,
  CG_RETURN_WHEN_FIRST_COMPLETED,
  CG_RETURN_WHEN_FIRST_EXCEPTION,
} CgReturnWhen;

CG_AVAILABLE_IN_0_1
CgAsCompleted *cg_as_completed_new                (CgFuture          **futures,
                                                   guint               n_futures,
                                                   gboolean            shield);
CG_AVAILABLE_IN_0_1
CgAsCompleted *cg_as_completed_new_from_generator (CgFutureGenerator   generator,
                                                   gpointer            user_data,
                                                   GDestroyNotify      destroy,
                                                   gint                max_concurrent,
                                                   gboolean            shield);
CG_AVAILABLE_IN_0_1
void           cg_as_completed_next_async         (CgAsCompleted      *self,
                                                   GCancellable       *cancellable,
                                                   GAsyncReadyCallback callback,
                                                   gpointer            user_data);
CG_AVAILABLE_IN_0_1
CgFuture      *cg_as_completed_next_finish        (CgAsCompleted      *self,
                                                   GAsyncResult       *result,
                                                   GError            **error);
CG_AVAILABLE_IN_0_1
CgFuture      *cg_as_completed_try_next           (CgAsCompleted      *self,
                                                   gboolean           *finished);
CG_AVAILABLE_IN_0_1
void           cg_as_completed_cancel             (CgAsCompleted      *self);

CG_AVAILABLE_IN_0_1
void           cg_caller_wait_async               (CgFuture          **futures,
                                                   guint               n_futures,
                                                   gdouble             timeout,
                                                   CgReturnWhen        return_when,
                                                   GCancellable       *cancellable,
                                                   GAsyncReadyCallback callback,
                                                   gpointer            user_data);
CG_AVAILABLE_IN_0_1
gboolean       cg_caller_wait_finish              (GAsyncResult       *result,
                                                   GPtrArray         **done,
                                                   GPtrArray         **pending,
                                                   GError            **error);

G_END_DECLS
