/* cg-context.h: context variables, carried into jobs
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

#define CG_TYPE_CONTEXT_VAR (cg_context_var_get_type ())
#define CG_TYPE_CONTEXT (cg_context_get_type ())
#define CG_TYPE_CONTEXT_TOKEN (cg_context_token_get_type ())

CG_AVAILABLE_IN_0_1
G_DECLARE_FINAL_TYPE (CgContextVar, cg_context_var, CG, CONTEXT_VAR, GObject)

typedef struct _CgContext CgContext;
typedef struct _CgContextToken CgContextToken;

CG_AVAILABLE_IN_0_1
GType           cg_context_get_type          (void) G_GNUC_CONST;
CG_AVAILABLE_IN_0_1
GType           cg_context_token_get_type    (void) G_GNUC_CONST;

CG_AVAILABLE_IN_0_1
CgContextVar   *cg_context_var_new           (const char     *name,
                                              const GValue   *default_value);
CG_AVAILABLE_IN_0_1
const char     *cg_context_var_get_name      (CgContextVar   *self);
CG_AVAILABLE_IN_0_1
gboolean        cg_context_var_get           (CgContextVar   *self,
                                              GValue         *value);
CG_AVAILABLE_IN_0_1
CgContextToken *cg_context_var_set           (CgContextVar   *self,
                                              const GValue   *value);
CG_AVAILABLE_IN_0_1
gboolean        cg_context_var_reset         (CgContextVar   *self,
                                              CgContextToken *token,
                                              GError        **error);
CG_AVAILABLE_IN_0_1
gpointer        cg_context_var_get_pointer   (CgContextVar   *self);
CG_AVAILABLE_IN_0_1
CgContextToken *cg_context_var_set_pointer   (CgContextVar   *self,
                                              gpointer        value);

CG_AVAILABLE_IN_0_1
CgContextToken *cg_context_token_ref         (CgContextToken *self);
CG_AVAILABLE_IN_0_1
void            cg_context_token_unref       (CgContextToken *self);

CG_AVAILABLE_IN_0_1
CgContext      *cg_context_new               (void);
CG_AVAILABLE_IN_0_1
CgContext      *cg_context_copy_current      (void);
CG_AVAILABLE_IN_0_1
CgContext      *cg_context_copy              (CgContext      *self);
CG_AVAILABLE_IN_0_1
CgContext      *cg_context_ref               (CgContext      *self);
CG_AVAILABLE_IN_0_1
void            cg_context_unref             (CgContext      *self);
CG_AVAILABLE_IN_0_1
gboolean        cg_context_lookup            (CgContext      *self,
                                              CgContextVar   *variable,
                                              GValue         *value);
CG_AVAILABLE_IN_0_1
gboolean        cg_context_run               (CgContext      *self,
                                              CgDirectFunc    func,
                                              gpointer        user_data,
                                              GError        **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CgContext, cg_context_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CgContextToken, cg_context_token_unref)

G_END_DECLS
