/* cg-hosted-context.h: a GMainContext run by another event loop
 *
 * Copyright 2026 The caller-glib authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(CALLER_GLIB_INSIDE) && !defined(CG_COMPILATION)
# error "Only <caller-glib.h> can be included directly."
#endif

#include <glib-object.h>

#include "cg-types.h"

G_BEGIN_DECLS

#define CG_TYPE_HOSTED_CONTEXT (cg_hosted_context_get_type ())

CG_AVAILABLE_IN_0_1
G_DECLARE_FINAL_TYPE (CgHostedContext, cg_hosted_context, CG, HOSTED_CONTEXT, GObject)

CG_AVAILABLE_IN_0_1
CgHostedContext *cg_hosted_context_new         (GMainContext     *context,
                                                GError          **error);
CG_AVAILABLE_IN_0_1
GMainContext    *cg_hosted_context_get_context (CgHostedContext  *self);
CG_AVAILABLE_IN_0_1
gint             cg_hosted_context_get_fd      (CgHostedContext  *self);
CG_AVAILABLE_IN_0_1
gint             cg_hosted_context_iterate     (CgHostedContext  *self);
CG_AVAILABLE_IN_0_1
void             cg_hosted_context_close       (CgHostedContext  *self);

G_END_DECLS
