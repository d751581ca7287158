/* cg-future-combine.h: futures made of other futures
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
 * CgContinuationFunc:
 * @future: the continuation's own future, to complete as a job's
 * @input: the future the continuation follows, done
 * @user_data: the data given with the function
 *
 * The function of cg_future_and_then(), cg_future_catch() and
 * cg_future_finally(): a job, run by a caller, that reports its outcome
 * into @future as a #CgJobFunc does, knowing the outcome of @input.
 *
 * Since: 0.1
 */
typedef void (*CgContinuationFunc) (CgFuture *future,
                                    CgFuture *input,
                                    gpointer  user_data);

CG_AVAILABLE_IN_0_1
CgFuture *cg_future_all     (CgFuture           **futures,
                             guint                n_futures,
                             gboolean             shield,
                             GError             **error);
CG_AVAILABLE_IN_0_1
CgFuture *cg_future_any     (CgFuture           **futures,
                             guint                n_futures,
                             gboolean             shield,
                             GError             **error);
CG_AVAILABLE_IN_0_1
CgFuture *cg_future_first   (CgFuture           **futures,
                             guint                n_futures,
                             gboolean             shield,
                             GError             **error);
CG_AVAILABLE_IN_0_1
CgFuture *cg_future_and_then    (CgFuture            *self,
                             CgCaller            *caller,
                             CgContinuationFunc   func,
                             gpointer             user_data,
                             GDestroyNotify       destroy,
                             GError             **error);
CG_AVAILABLE_IN_0_1
CgFuture *cg_future_catch   (CgFuture            *self,
                             CgCaller            *caller,
                             CgContinuationFunc   func,
                             gpointer             user_data,
                             GDestroyNotify       destroy,
                             GError             **error);
CG_AVAILABLE_IN_0_1
CgFuture *cg_future_finally (CgFuture            *self,
                             CgCaller            *caller,
                             CgContinuationFunc   func,
                             gpointer             user_data,
                             GDestroyNotify       destroy,
                             GError             **error);

G_END_DECLS
