/* cg-context-private.h: capturing and entering contexts inside the library
 *
 * Copyright 2026 The caller-glib authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gio/gio.h>

#include "cg-context.h"

G_BEGIN_DECLS

/* An immutable map of variables to values; NULL is the empty map. A
 * "copy" of the current context is a reference to the current map, so
 * capturing costs one atomic increment, or nothing when no variable was
 * ever set on the thread. */
typedef struct _CgContextMap CgContextMap;

CgContextMap *_cg_context_capture      (void);
/* cg_context_var_set_pointer() for the library's own variables, with no
 * token to make and drop. */
void          _cg_context_var_put_pointer (CgContextVar *var,
                                           gpointer      value);
/* The plain pointer _cg_context_var_put_pointer() set in the current
 * context, or NULL. */
gpointer      _cg_context_var_peek_pointer (CgContextVar *var);
void          _cg_context_map_unref    (CgContextMap  *map);

/* Makes *@slot the current map until _cg_context_leave(), which puts the
 * map back into *@slot with whatever the code in between set. Meanwhile
 * *@slot lends its reference to the current map: nothing may use it. */
CgContextMap *_cg_context_enter        (CgContextMap **slot);
void          _cg_context_leave        (CgContextMap **slot,
                                        CgContextMap  *saved);

/* Exported for the tests only: how many entries the current context's map
 * holds, those of finalized variables not yet left out included. */
CG_AVAILABLE_IN_0_1
guint         _cg_context_count_current_entries (void);

GTask        *_cg_context_task_new     (gpointer             source_object,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data);

G_END_DECLS
