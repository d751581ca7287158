/* cg-future-signal.h: futures of GObject signals and properties
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
 * CgPropertyPredicate:
 * @instance: the object
 * @value: the property's value now
 * @user_data: the data given with the predicate
 *
 * Whether @value is the one cg_future_new_for_property() waits for.
 *
 * Returns: %TRUE when the future is to complete with @value
 *
 * Since: 0.1
 */
typedef gboolean (*CgPropertyPredicate) (GObject      *instance,
                                         const GValue *value,
                                         gpointer      user_data);

CG_AVAILABLE_IN_0_1
CgFuture *cg_future_new_for_signal   (GObject              *instance,
                                      const char           *detailed_signal,
                                      GCancellable         *cancellable,
                                      GError              **error);
CG_AVAILABLE_IN_0_1
CgFuture *cg_future_new_for_property (GObject              *instance,
                                      const char           *property,
                                      CgPropertyPredicate   predicate,
                                      gpointer              user_data,
                                      GDestroyNotify        destroy,
                                      GCancellable         *cancellable,
                                      GError              **error);

G_END_DECLS
