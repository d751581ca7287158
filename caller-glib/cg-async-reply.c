/* cg-async-reply.c: answering an _async call cheaply
 *
 * Copyright 2026 The caller-glib authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "cg-private.h"

#include "cg-async-reply-private.h"
#include "cg-caller-private.h"
#include "cg-context-private.h"
#include "cg-future-private.h"
#include "cg-inbox-private.h"

typedef struct
{
  GAsyncReadyCallback  callback;
  gpointer             user_data;
  GObject             *source_object;
  CgCaller            *home;     /* a hold on it until the callback ran */
} ReplyCallback;

typedef struct
{
  CgInboxNode  node;
  CgFuture  *future;
  CgCaller  *caller;
  guint      kind;      /* 0 boolean, 1 object, 2 error */
  gboolean   boolean;
  gpointer   object;
  GError    *error;
} ReplyOutcome;

static GQuark
held_task_quark (void)
{
  static gsize quark = 0;

  if (g_once_init_enter (&quark))
    g_once_init_leave (&quark, g_quark_from_static_string ("cg-reply-held-task"));
  return (GQuark) quark;
}

static ReplyCallback *
reply_callback_new (gpointer             source_object,
                    GAsyncReadyCallback  callback,
                    gpointer             user_data,
                    CgCaller            *home)
{
  ReplyCallback *closure = g_new (ReplyCallback, 1);

  closure->callback = callback;
  closure->user_data = user_data;
  closure->source_object = source_object != NULL ? g_object_ref (source_object) : NULL;
  closure->home = home;
  if (home != NULL)
    _cg_caller_hold (home);
  return closure;
}

static void
reply_callback_release (ReplyCallback *closure)
{
  if (closure->home != NULL)
    {
      _cg_caller_release (closure->home);
      g_clear_object (&closure->home);
    }
}

static void
reply_callback_free (gpointer data)
{
  ReplyCallback *closure = data;

  reply_callback_release (closure);
  g_clear_object (&closure->source_object);
  g_free (closure);
}

static void
reply_done (CgFuture *future,
            gpointer  data)
{
  ReplyCallback *closure = data;

  closure->callback (closure->source_object, G_ASYNC_RESULT (future), closure->user_data);
  reply_callback_release (closure);
}

static void
held_task_done (GObject      *source_object,
                GAsyncResult *result,
                gpointer      data)
{
  ReplyCallback *closure = g_object_get_qdata (G_OBJECT (result), held_task_quark ());

  closure->callback (source_object, result, closure->user_data);
  reply_callback_release (closure);
}

/* A GTask for an `_async` call of the library: its callback runs in the
 * context current now (cg-context.c), and a caller whose context this
 * thread runs keeps its thread until the callback ran, also when it stops
 * meanwhile. The answer must come: every `_async` call answers once.
 */
GTask *
_cg_reply_task_new (gpointer             source_object,
                    GCancellable        *cancellable,
                    GAsyncReadyCallback  callback,
                    gpointer             user_data,
                    gpointer             source_tag)
{
  ReplyCallback *closure;
  GTask *task;

  if (callback == NULL)
    {
      task = g_task_new (source_object, cancellable, NULL, NULL);
      g_task_set_source_tag (task, source_tag);
      return task;
    }

  closure = reply_callback_new (NULL, callback, user_data, _cg_caller_dup_serving_here ());
  task = _cg_context_task_new (source_object, cancellable, held_task_done, NULL);
  g_object_set_qdata_full (G_OBJECT (task), held_task_quark (), closure, reply_callback_free);
  g_task_set_source_tag (task, source_tag);
  /* An answer from another thread comes through an idle source of the
   * task's priority: that of the caller it answers through, as its other
   * work, so that a burst of answers lets a GTK loop draw. */
  if (closure->home != NULL)
    g_task_set_priority (task, cg_caller_get_priority (closure->home));
  return task;
}

static GSource *
watch_stop (CgCaller               *home,
            GSourceFunc             func,
            gpointer                data,
            GDestroyNotify          destroy)
{
  GSource *source;

  if (home == NULL)
    {
      if (destroy != NULL)
        destroy (data);
      return NULL;
    }

  source = _cg_caller_stop_source_new (home);
  g_source_set_callback (source, func, data, destroy);
  g_source_attach (source, cg_caller_get_context (home));
  return source;
}

/* When the caller that @task answers through stops before @task is
 * answered, calls @func (on that caller's thread, in its context) so that
 * the operation can give up and answer with %CG_CALLER_ERROR_CLOSED.
 * Returns the attached source (destroy it once answered), or %NULL when
 * no caller stands behind @task (then @destroy ran).
 */
GSource *
_cg_reply_task_watch_stop (GTask                  *task,
                           GSourceFunc             func,
                           gpointer                data,
                           GDestroyNotify          destroy)
{
  ReplyCallback *closure = g_object_get_qdata (G_OBJECT (task), held_task_quark ());

  return watch_stop (closure != NULL ? closure->home : NULL, func, data, destroy);
}

/* The sources that end a wait of @task early, in the thread-default
 * context (whose thread answers): after @timeout seconds (NaN or negative:
 * none; past what a GSource can wait: none either), and when @cancellable
 * (nullable) is cancelled. @timeout_func (a GSourceFunc) and @cancel_func
 * (a GCancellableSourceFunc) get a reference to @task. *@timeout_source and
 * *@cancel_source receive the attached sources, or NULL; destroy them
 * once the wait is over. */
void
_cg_reply_task_watch_limits (GTask         *task,
                             gdouble        timeout,
                             GSourceFunc    timeout_func,
                             GCancellable  *cancellable,
                             GSourceFunc    cancel_func,
                             GSource      **timeout_source,
                             GSource      **cancel_source)
{
  g_autoptr(GMainContext) context = g_main_context_ref_thread_default ();

  *timeout_source = NULL;
  *cancel_source = NULL;

  /* Clamped in floating point before it becomes an integer. */
  if (timeout >= 0 && timeout * 1000.0 < (gdouble) G_MAXUINT)
    {
      *timeout_source = g_timeout_source_new ((guint) (timeout * 1000.0 + 0.5));
      g_source_set_callback (*timeout_source, timeout_func, g_object_ref (task), g_object_unref);
      g_source_set_static_name (*timeout_source, "[caller-glib] wait timeout");
      g_source_attach (*timeout_source, context);
    }

  if (cancellable != NULL)
    {
      *cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_callback (*cancel_source, cancel_func, g_object_ref (task), g_object_unref);
      g_source_set_static_name (*cancel_source, "[caller-glib] wait cancelled");
      g_source_attach (*cancel_source, context);
    }
}

/* As _cg_reply_task_watch_stop(), for a reply. */
GSource *
_cg_reply_watch_stop (CgReply                *reply,
                      GSourceFunc             func,
                      gpointer                data,
                      GDestroyNotify          destroy)
{
  return watch_stop (reply->caller, func, data, destroy);
}

/* The error of an operation given up because the asking thread's caller
 * stopped. */
GError *
_cg_reply_new_closed_error (void)
{
  return g_error_new_literal (CG_CALLER_ERROR, CG_CALLER_ERROR_CLOSED,
                              _("The caller of the waiting thread was stopped"));
}

void
_cg_reply_init (CgReply             *reply,
                gpointer             source_object,
                GCancellable        *cancellable,
                GAsyncReadyCallback  callback,
                gpointer             user_data,
                gpointer             source_tag)
{
  g_autoptr(CgCaller) here = callback != NULL ? _cg_caller_dup_serving_here () : NULL;

  memset (reply, 0, sizeof *reply);
  if (here != NULL && !_cg_caller_is_closed (here))
    {
      /* The answer reaches this thread through its caller's inbox: no
       * GTask and no GSource. */
      reply->caller = g_object_ref (here);
      reply->future = cg_future_new ();
      _cg_future_set_source_tag (reply->future, source_tag);
      _cg_future_set_source_object (reply->future, source_object);
      /* A done callback captures the current context, as it should. */
      cg_future_add_done_callback (reply->future, reply_done,
                                   reply_callback_new (source_object, callback, user_data,
                                                       g_steal_pointer (&here)),
                                   reply_callback_free);
      return;
    }

  reply->caller = g_steal_pointer (&here);
  reply->task = _cg_reply_task_new (source_object, cancellable, callback, user_data, source_tag);
  g_task_set_check_cancellable (reply->task, FALSE);
}

static void
outcome_deliver (ReplyOutcome *outcome)
{
  switch (outcome->kind)
    {
    case 0:
      cg_future_return_boolean (outcome->future, outcome->boolean, NULL);
      break;
    case 1:
      cg_future_return_object (outcome->future, outcome->object, NULL);
      break;
    default:
      cg_future_return_error (outcome->future, g_steal_pointer (&outcome->error), NULL);
      break;
    }

  g_clear_error (&outcome->error);
  g_clear_object (&outcome->object);
  g_object_unref (outcome->future);
  g_object_unref (outcome->caller);
  g_free (outcome);
}

/* Runs on the asker's thread: from its caller's inbox, or from the
 * discarding of that inbox when the caller stops (nothing is lost). */
static void
outcome_node_func (CgInboxNode *node,
                   CgCaller  *caller,
                   gboolean   run)
{
  outcome_deliver ((ReplyOutcome *) node);
}

static gboolean
outcome_late (gpointer data)
{
  /* Paired with the release in reply_finish(): the context's lock orders
   * the two, but TSan cannot see inside an uninstrumented iteration. */
  _CG_TSAN_ACQUIRE (data);
  outcome_deliver (data);
  return G_SOURCE_REMOVE;
}

static void
reply_finish (CgReply      *reply,
              ReplyOutcome *outcome)
{
  outcome->future = g_steal_pointer (&reply->future);
  outcome->caller = g_steal_pointer (&reply->caller);
  outcome->node.func = outcome_node_func;

  /* The callback runs on the asker's thread, never inside the call that
   * answers: through its caller's inbox, or once that caller has stopped,
   * through its context, which its thread keeps running until then. */
  if (!_cg_caller_post_node (outcome->caller, &outcome->node))
    {
      GMainContext *context = cg_caller_get_context (outcome->caller);
      GSource *source = g_idle_source_new ();

      g_source_set_callback (source, outcome_late, outcome, NULL);
      g_source_set_static_name (source, "[caller-glib] answer after stop");
      /* Nothing here reads @outcome after this: from the attach on, the
       * asker's thread may deliver and free it. */
      _CG_TSAN_RELEASE (outcome);
      g_source_attach (source, context);
      g_source_unref (source);
    }
}

void
_cg_reply_return_boolean (CgReply  *reply,
                          gboolean  value)
{
  ReplyOutcome *outcome;

  if (reply->task != NULL)
    {
      g_task_return_boolean (reply->task, value);
      _cg_reply_clear (reply);
      return;
    }

  outcome = g_new0 (ReplyOutcome, 1);
  outcome->kind = 0;
  outcome->boolean = value;
  reply_finish (reply, outcome);
}

/* Takes @object (transfer full, nullable). */
void
_cg_reply_return_object (CgReply  *reply,
                         gpointer  object)
{
  ReplyOutcome *outcome;

  if (reply->task != NULL)
    {
      g_task_return_pointer (reply->task, object, object != NULL ? g_object_unref : NULL);
      _cg_reply_clear (reply);
      return;
    }

  outcome = g_new0 (ReplyOutcome, 1);
  outcome->kind = 1;
  outcome->object = object;
  reply_finish (reply, outcome);
}

/* Takes @error. */
void
_cg_reply_return_error (CgReply *reply,
                        GError  *error)
{
  ReplyOutcome *outcome;

  if (reply->task != NULL)
    {
      g_task_return_error (reply->task, error);
      _cg_reply_clear (reply);
      return;
    }

  outcome = g_new0 (ReplyOutcome, 1);
  outcome->kind = 2;
  outcome->error = error;
  reply_finish (reply, outcome);
}

/* Whether an answer can still reach the asker: FALSE once the caller of
 * the asking thread has stopped (nothing would run its callback). */
gboolean
_cg_reply_deliverable (CgReply *reply)
{
  return reply->caller == NULL || !_cg_caller_is_closed (reply->caller);
}

/* Drops a reply that was never answered. */
void
_cg_reply_clear (CgReply *reply)
{
  g_clear_object (&reply->task);
  g_clear_object (&reply->future);
  g_clear_object (&reply->caller);
}

gboolean
_cg_reply_is_valid (GAsyncResult *result,
                    gpointer      source_object,
                    gpointer      source_tag)
{
  if (CG_IS_FUTURE (result))
    return _cg_future_answers ((CgFuture *) result, source_object, source_tag);
  return g_task_is_valid (result, source_object) &&
         g_task_get_source_tag (G_TASK (result)) == source_tag;
}

gboolean
_cg_reply_propagate_boolean (GAsyncResult  *result,
                             GError       **error)
{
  if (CG_IS_FUTURE (result))
    return cg_future_propagate_boolean ((CgFuture *) result, error);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Returns a new reference (or NULL). */
gpointer
_cg_reply_propagate_object (GAsyncResult  *result,
                            GError       **error)
{
  if (CG_IS_FUTURE (result))
    return cg_future_propagate_object ((CgFuture *) result, error);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Records ----------------------------------------------------------------- */

/* A done result of %TRUE for the _async call @source_tag of
 * @source_object, which may keep it and answer every successful call with
 * it: the result holds its source weakly, so the two make no cycle, and
 * nothing in it changes once made, so whoever keeps it past the callback
 * reads the same answer. */
CgFuture *
_cg_reply_new_success (gpointer source_object,
                       gpointer source_tag)
{
  CgFuture *result = cg_future_new ();

  _cg_future_set_source_tag (result, source_tag);
  _cg_future_set_source_object_weak (result, source_object);
  cg_future_return_boolean (result, TRUE, NULL);
  return result;
}

static void record_node_func (CgInboxNode *node,
                              CgCaller    *caller,
                              gboolean     run);

/* @success: the result to answer %TRUE with, from _cg_reply_new_success(),
 * which the operation keeps (the record borrows it). */
void
_cg_reply_record_init (CgReplyRecord       *record,
                       gpointer             source_object,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data,
                       gpointer             source_tag,
                       CgFuture            *success,
                       CgReplyRecordFunc    answered)
{
  g_autoptr(CgCaller) here = callback != NULL ? _cg_caller_dup_serving_here () : NULL;

  memset (record, 0, sizeof *record);
  record->node.func = record_node_func;
  record->source_object = source_object;
  record->answered = answered;
  if (here != NULL && !_cg_caller_is_closed (here))
    {
      /* The likely answer is ready: a grant then costs the answering
       * thread one push into this thread's inbox. */
      record->result = success;
      record->context = _cg_context_capture ();
      record->callback = callback;
      record->user_data = user_data;
      record->source_tag = source_tag;
      /* The thread runs its context until the callback ran. */
      _cg_caller_hold (here);
      record->caller = g_steal_pointer (&here);
      return;
    }

  record->caller = g_steal_pointer (&here);
  record->task = _cg_reply_task_new (source_object, cancellable, callback, user_data, source_tag);
  g_task_set_check_cancellable (record->task, FALSE);
}

/* On the asking thread: the callback, in the context of the call. It
 * reads, and does not write, the fields the answering thread read (the
 * node, @caller, @task) before the callback: the line they share is then
 * still in this thread's cache, shared, and a write would have to take
 * it back from the answering thread first. */
static void
record_deliver (CgReplyRecord *record)
{
  CgCaller *caller = record->caller;
  CgFuture *result = record->result;  /* borrowed, see _cg_reply_record_init() */
  gboolean owned = record->error != NULL;
  gpointer source_object = record->source_object;
  CgContextMap *saved;

  if (owned)
    {
      result = cg_future_new ();
      _cg_future_set_source_tag (result, record->source_tag);
      _cg_future_set_source_object (result, source_object);
      cg_future_return_error (result, g_steal_pointer (&record->error), NULL);
    }

  saved = _cg_context_enter (&record->context);
  /* A CgFuture is a GAsyncResult: no checked cast on this path. */
  record->callback (source_object, (GAsyncResult *) result, record->user_data);
  _cg_context_leave (&record->context, saved);
  g_clear_pointer (&record->context, _cg_context_map_unref);

  record->answered (record);

  if (owned)
    g_object_unref (result);
  _cg_caller_release (caller);
  g_object_unref (caller);
}

static void
record_node_func (CgInboxNode *node,
                  CgCaller    *caller,
                  gboolean     run)
{
  /* From the inbox, or from its discarding when the caller stops: the
   * answer is owed either way. */
  record_deliver ((CgReplyRecord *) node);
}

static gboolean
record_late (gpointer data)
{
  /* Paired with the release in record_post(). */
  _CG_TSAN_ACQUIRE (data);
  record_deliver (data);
  return G_SOURCE_REMOVE;
}

/* Writes nothing into the record before the push (see record_deliver()). */
static void
record_post (CgReplyRecord *record)
{
  CgCaller *caller = record->caller;

  /* Through the caller's inbox, or once it has stopped, through its
   * context, which its thread keeps running until the answer has run. */
  if (!_cg_caller_post_node (caller, &record->node))
    {
      GMainContext *context = cg_caller_get_context (caller);
      GSource *source = g_idle_source_new ();

      g_source_set_callback (source, record_late, record, NULL);
      g_source_set_static_name (source, "[caller-glib] answer after stop");
      /* From the attach on, the asker's thread may deliver the record and
       * drop the caller it holds: nothing here reads either after it. */
      _CG_TSAN_RELEASE (record);
      g_source_attach (source, context);
      g_source_unref (source);
    }
}

/* Answers %TRUE. */
void
_cg_reply_record_return_true (CgReplyRecord *record)
{
  if (record->task != NULL)
    {
      GTask *task = g_steal_pointer (&record->task);

      g_clear_object (&record->caller);
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      record->answered (record);
      return;
    }

  record_post (record);
}

/* Takes @error. */
void
_cg_reply_record_return_error (CgReplyRecord *record,
                               GError        *error)
{
  if (record->task != NULL)
    {
      GTask *task = g_steal_pointer (&record->task);

      g_clear_object (&record->caller);
      g_task_return_error (task, error);
      g_object_unref (task);
      record->answered (record);
      return;
    }

  record->error = error;
  record_post (record);
}

/* Whether an answer can still reach the asker: FALSE once the caller of
 * the asking thread has stopped. */
gboolean
_cg_reply_record_deliverable (CgReplyRecord *record)
{
  return record->caller == NULL || !_cg_caller_is_closed (record->caller);
}

/* Drops a record that was never answered (its operation was not made
 * after all); @answered is not called. */
void
_cg_reply_record_clear (CgReplyRecord *record)
{
  g_clear_object (&record->task);
  record->result = NULL;
  g_clear_pointer (&record->context, _cg_context_map_unref);
  if (record->caller != NULL && record->callback != NULL)
    _cg_caller_release (record->caller);
  g_clear_object (&record->caller);
}
