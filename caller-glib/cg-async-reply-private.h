/* cg-async-reply-private.h: answering an _async call cheaply
 *
 * Copyright 2026 The caller-glib authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gio/gio.h>

#include "cg-types.h"

G_BEGIN_DECLS

/* The answer to an `_async` call of the library (acquiring a lock, the
 * next future of an iteration, the end of a wait).
 *
 * On a thread whose running caller runs the thread-default context, the
 * GAsyncResult is a recycled CgFuture and the callback its done callback,
 * which reaches the thread through the caller's inbox: no GTask and no
 * GSource per answer. Elsewhere a GTask does it. Either way the callback
 * runs in the context current when the call was made, and never from
 * inside the call that answers.
 *
 * @caller is the caller whose thread the answer goes to (also a stopped
 * one), or NULL. When it has stopped, the operation should not wait any
 * more (_cg_reply_deliverable() is FALSE) but answer with an error; the
 * thread of that caller stays until the answer has run. */
typedef struct
{
  GTask    *task;
  CgFuture *future;
  CgCaller *caller;
} CgReply;

void      _cg_reply_init               (CgReply             *reply,
                                        gpointer             source_object,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data,
                                        gpointer             source_tag);
void      _cg_reply_return_boolean     (CgReply             *reply,
                                        gboolean             value);
void      _cg_reply_return_object      (CgReply             *reply,
                                        gpointer             object);
void      _cg_reply_return_error       (CgReply             *reply,
                                        GError              *error);
gboolean  _cg_reply_deliverable        (CgReply             *reply);
void      _cg_reply_clear              (CgReply             *reply);

GTask    *_cg_reply_task_new           (gpointer             source_object,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data,
                                        gpointer             source_tag);
GSource  *_cg_reply_task_watch_stop    (GTask                  *task,
                                        GSourceFunc             func,
                                        gpointer                data,
                                        GDestroyNotify          destroy);
GSource  *_cg_reply_watch_stop         (CgReply                *reply,
                                        GSourceFunc             func,
                                        gpointer                data,
                                        GDestroyNotify          destroy);
GError   *_cg_reply_new_closed_error   (void);

gboolean  _cg_reply_is_valid           (GAsyncResult        *result,
                                        gpointer             source_object,
                                        gpointer             source_tag);
gboolean  _cg_reply_propagate_boolean  (GAsyncResult        *result,
                                        GError             **error);
gpointer  _cg_reply_propagate_object   (GAsyncResult        *result,
                                        GError             **error);

void      _cg_reply_task_watch_limits (GTask         *task,
                                       gdouble        timeout,
                                       GSourceFunc    timeout_func,
                                       GCancellable  *cancellable,
                                       GSourceFunc    cancel_func,
                                       GSource      **timeout_source,
                                       GSource      **cancel_source);

G_END_DECLS
