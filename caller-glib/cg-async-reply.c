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

typedef struct
{
  GAsyncReadyCallback  callback;
  gpointer             user_data;
  GObject             *source_object;
} ReplyCallback;

typedef struct
{
  CgFuture *future;
  guint     kind;      /* 0 boolean, 1 object, 2 error */
  gboolean  boolean;
  gpointer  object;
  GError   *error;
  gboolean  delivered;
} ReplyOutcome;

static void
reply_callback_free (gpointer data)
{
  ReplyCallback *closure = data;

  g_clear_object (&closure->source_object);
  g_free (closure);
}

static void
reply_done (CgFuture *future,
            gpointer  data)
{
  ReplyCallback *closure = data;

  closure->callback (closure->source_object, G_ASYNC_RESULT (future), closure->user_data);
}

void
_cg_reply_init (CgReply             *reply,
                gpointer             source_object,
                GCancellable        *cancellable,
                GAsyncReadyCallback  callback,
                gpointer             user_data,
                gpointer             source_tag)
{
  CgCaller *here = cg_caller_get_current ();
  GMainContext *context = g_main_context_get_thread_default ();

  if (context == NULL)
    context = g_main_context_default ();

  memset (reply, 0, sizeof *reply);
  if (callback != NULL && here != NULL && cg_caller_get_running (here) &&
      cg_caller_get_context (here) == context)
    {
      ReplyCallback *closure = g_new (ReplyCallback, 1);

      closure->callback = callback;
      closure->user_data = user_data;
      closure->source_object = source_object != NULL ? g_object_ref (source_object) : NULL;
      reply->caller = g_object_ref (here);
      reply->future = cg_future_new ();
      _cg_future_set_source_tag (reply->future, source_tag);
      /* A done callback captures the current context, as it should. */
      cg_future_add_done_callback (reply->future, reply_done, closure, reply_callback_free);
      return;
    }

  reply->task = _cg_context_task_new (source_object, cancellable, callback, user_data);
  g_task_set_source_tag (reply->task, source_tag);
  g_task_set_check_cancellable (reply->task, FALSE);
}

static void
outcome_deliver (ReplyOutcome *outcome)
{
  if (outcome->delivered)
    return;
  outcome->delivered = TRUE;

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
}

static void
outcome_run (gpointer data)
{
  outcome_deliver (data);
}

static void
outcome_free (gpointer data)
{
  ReplyOutcome *outcome = data;

  /* Also when the caller stopped before running it: nothing is lost (if
   * the asker's caller is gone, the answer has nowhere to go). */
  outcome_deliver (outcome);
  g_clear_error (&outcome->error);
  g_clear_object (&outcome->object);
  g_object_unref (outcome->future);
  g_free (outcome);
}

static void
reply_finish (CgReply      *reply,
              ReplyOutcome *outcome)
{
  outcome->future = g_steal_pointer (&reply->future);

  if (_cg_caller_is_owner_thread (reply->caller))
    {
      /* On the asker's own thread, completing now would run its callback
       * inside the current call: let its loop do it. */
      cg_caller_call_direct (reply->caller, outcome_run, outcome, outcome_free, NULL);
    }
  else
    {
      /* From elsewhere the callback travels through the asker's caller. */
      outcome_deliver (outcome);
      outcome_free (outcome);
    }

  g_clear_object (&reply->caller);
}

void
_cg_reply_return_boolean (CgReply  *reply,
                          gboolean  value)
{
  ReplyOutcome *outcome;

  if (reply->task != NULL)
    {
      g_task_return_boolean (reply->task, value);
      g_clear_object (&reply->task);
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
      g_clear_object (&reply->task);
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
      g_clear_object (&reply->task);
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
  return reply->task != NULL || reply->caller == NULL || !_cg_caller_is_closed (reply->caller);
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
    return g_async_result_is_tagged (result, source_tag);
  return g_task_is_valid (result, source_object) &&
         g_task_get_source_tag (G_TASK (result)) == source_tag;
}

gboolean
_cg_reply_propagate_boolean (GAsyncResult  *result,
                             GError       **error)
{
  if (CG_IS_FUTURE (result))
    return cg_future_propagate_boolean (CG_FUTURE (result), error);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Returns a new reference (or NULL). */
gpointer
_cg_reply_propagate_object (GAsyncResult  *result,
                            GError       **error)
{
  if (CG_IS_FUTURE (result))
    return cg_future_propagate_object (CG_FUTURE (result), error);
  return g_task_propagate_pointer (G_TASK (result), error);
}
