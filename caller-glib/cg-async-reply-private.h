/* cg-async-reply-private.h: answering an _async call cheaply
 *
 * Copyright 2026 The caller-glib authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gio/gio.h>

#include "cg-types.h"
#include "cg-context-private.h"
#include "cg-inbox-private.h"

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

/* A boolean answer kept inside the record of the operation that waits for
 * it (a lock's waiter), for operations that answer many times a second.
 *
 * As a CgReply, it answers on the asking thread, in the context current at
 * _cg_reply_record_init(), never from inside the call that answers. On a
 * thread whose running caller runs the thread-default context, the record
 * itself goes through that caller's inbox, and the GAsyncResult is a
 * recycled CgFuture made (and, for a grant, completed) at init, so that
 * answering costs one push and nothing is made on the answering thread.
 * Elsewhere a GTask does it.
 *
 * Once answered, the record is the library's until it calls @answered on
 * it (after the callback ran, or at once for a GTask): from then on the
 * operation may reuse or free it. The record holds no reference to its
 * source object, nor to the success result it answers with: the
 * operation keeps both alive until @answered ran. The fields are private
 * to cg-async-reply.c; @caller may be read (see
 * _cg_reply_record_deliverable()).
 */
typedef struct _CgReplyRecord CgReplyRecord;
typedef void (*CgReplyRecordFunc) (CgReplyRecord *record);

struct _CgReplyRecord
{
  CgInboxNode          node;
  CgCaller            *caller;
  GTask               *task;
  CgFuture            *result;          /* borrowed */
  GError              *error;
  CgContextMap        *context;
  GAsyncReadyCallback  callback;
  gpointer             user_data;
  gpointer             source_object;
  gpointer             source_tag;
  CgReplyRecordFunc    answered;
};

void      _cg_reply_record_init        (CgReplyRecord       *record,
                                        gpointer             source_object,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data,
                                        gpointer             source_tag,
                                        CgFuture            *success,
                                        CgReplyRecordFunc    answered);
CgFuture *_cg_reply_new_success        (gpointer             source_object,
                                        gpointer             source_tag);
void      _cg_reply_record_return_true (CgReplyRecord       *record);
void      _cg_reply_record_return_error (CgReplyRecord      *record,
                                         GError             *error);
gboolean  _cg_reply_record_deliverable (CgReplyRecord       *record);
void      _cg_reply_record_clear       (CgReplyRecord       *record);

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
