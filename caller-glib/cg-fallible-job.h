/* cg-fallible-job.h: jobs that report a failure by throwing a GError
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
 * CgFallibleJobFunc:
 * @future: the future of the job; complete it with one of the
 *   `cg_future_return_*()` functions
 * @user_data: (closure): the data given when the job was submitted
 * @error: return location for the job's failure
 *
 * A #CgJobFunc that may fail by setting @error (a Vala delegate that
 * `throws`, say): the library then fails the job's future with @error,
 * unless the job completed it already. Errors of the `return` functions it
 * calls may simply be passed on.
 *
 * Since: 0.1
 */
typedef void (*CgFallibleJobFunc) (CgFuture  *future,
                                   gpointer   user_data,
                                   GError   **error);

CG_AVAILABLE_IN_0_1
CgFuture *cg_caller_call_soon_fallible (CgCaller          *self,
                                        CgFallibleJobFunc  func,
                                        gpointer           user_data,
                                        GDestroyNotify     destroy,
                                        GError           **error);
CG_AVAILABLE_IN_0_1
CgFuture *cg_caller_to_thread_fallible (CgFallibleJobFunc  func,
                                        gpointer           user_data,
                                        GDestroyNotify     destroy,
                                        GError           **error);

G_END_DECLS
