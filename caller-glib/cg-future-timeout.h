/* cg-future-timeout.h: timeouts as futures
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

CG_AVAILABLE_IN_0_1
CgFuture *cg_future_new_timeout  (gdouble    seconds,
                                  GError   **error);
CG_AVAILABLE_IN_0_1
CgFuture *cg_future_with_timeout (CgFuture  *future,
                                  gdouble    seconds,
                                  GError   **error);

G_END_DECLS
