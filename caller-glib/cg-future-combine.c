/* cg-future-combine.c: futures made of other futures
 *
 * Copyright 2026 The caller-glib authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "cg-private.h"

#include "cg-caller-private.h"

#include "cg-future-private.h"

/**
 * SECTION:cg-future-combine
 * @title: Combining futures
 * @short_description: all, any, first; then, catch, finally
 *
 * These functions make a future out of others, as GNOME libdex's
 * `dex_future_all`, `dex_future_any`, `dex_future_first`,
 * `dex_future_then`, `dex_future_catch` and `dex_future_finally` do:
 *
 * - cg_future_all() succeeds, with no value, once every future succeeded,
 *   and fails as soon as one fails, with its failure;
 * - cg_future_any() completes with the outcome of the first future that
 *   succeeds, or of the last one when none does;
 * - cg_future_first() completes with the outcome of the first future that
 *   completes;
 * - cg_future_and_then(), cg_future_catch() and cg_future_finally() run a
 *   continuation as a job of a caller once a future succeeded, failed, or
 *   either, and complete with the continuation's outcome (finally: with
 *   the first future's, unless the continuation fails).
 *
 * The futures they make belong to the current thread, which needs a
 * #CgCaller (%CG_CALLER_ERROR_NOT_FOUND otherwise): the futures they
 * follow complete on other threads. The futures given keep their own
 * outcomes; read them there. Cancelling a combined future cancels the
 * futures it still waits for, unless it was made with @shield (all, any,
 * first); cancelling a continuation's future cancels the future it waits
 * for, or the continuation's job once it is submitted. A combined future
 * holds the futures it waits for weakly, and is held by them only until
 * they complete: nothing keeps a cycle alive. Each costs one completion
 * hook per future given, and no #GSource.
 *
 * |[<!-- language="C" -->
 * CgFuture *parts[] = { fetch_header, fetch_body };
 * g_autoptr(CgFuture) both = cg_future_all (parts, 2, FALSE, &error);
 * // done once both succeeded; failed as soon as one failed
 *
 * g_autoptr(CgFuture) shown = cg_future_and_then (both, NULL, show_page, page, NULL, &error);
 * // show_page (future, both, page) runs on this thread's caller once both succeeded
 * ]|
 *
 * All functions here are thread-safe. A continuation runs on its caller's
 * thread, and its destroy notify where its job ran or was dropped; when
 * the job is never submitted (then after a failure, catch after a
 * success, a result nobody holds any more), on its caller's thread too
 * (at once when that caller is stopped).
 */

/* all, any, first ----------------------------------------------------------- */

typedef enum
{
  COMBINE_ALL,
  COMBINE_ANY,
  COMBINE_FIRST,
} CombineKind;

typedef struct
{
  gint        ref;
  CombineKind kind;
  gboolean    shield;
  gint        decided;   /* atomic: the result was completed, or is done */
  gint        pending;   /* atomic: inputs not done yet */
  GWeakRef    result;
  guint       n_inputs;
  GWeakRef    inputs[];  /* for cancelling them */
} Combine;

static Combine *
combine_ref (Combine *self)
{
  g_atomic_int_inc (&self->ref);
  return self;
}

static void
combine_unref (gpointer data)
{
  Combine *self = data;

  if (!g_atomic_int_dec_and_test (&self->ref))
    return;
  g_weak_ref_clear (&self->result);
  for (guint i = 0; i < self->n_inputs; i++)
    g_weak_ref_clear (&self->inputs[i]);
  g_free (self);
}

/* Completes the result with @input's outcome (or, without @input, with no
 * value), unless it is decided already. */
static void
combine_decide (Combine  *self,
                CgFuture *input)
{
  g_autoptr(CgFuture) result = NULL;

  if (!g_atomic_int_compare_and_exchange (&self->decided, FALSE, TRUE))
    return;
  result = g_weak_ref_get (&self->result);
  if (result == NULL)
    return; /* nobody wants it any more */
  if (input != NULL)
    cg_future_return_future (result, input, NULL);
  else
    cg_future_return_pointer (result, NULL, NULL, NULL);
}

/* An input completed, on whichever thread completed it. */
static void
combine_input_done (CgFuture *input,
                    gpointer  user_data)
{
  Combine *self = user_data;
  gboolean succeeded, last;

  if (g_atomic_int_get (&self->decided))
    return;
  succeeded = cg_future_check (input, NULL);
  last = g_atomic_int_dec_and_test (&self->pending);

  switch (self->kind)
    {
    case COMBINE_ALL:
      if (!succeeded)
        combine_decide (self, input);
      else if (last)
        combine_decide (self, NULL);
      break;
    case COMBINE_ANY:
      if (succeeded || last)
        combine_decide (self, input);
      break;
    case COMBINE_FIRST:
    default:
      combine_decide (self, input);
      break;
    }
}

/* The result was cancelled (on its thread): it is decided, the inputs
 * still pending are cancelled too (unless shielded), and the result
 * completes as cancelled. */
static void
combine_result_cancelled (GCancellable *cancellable,
                          gpointer      user_data)
{
  Combine *self = user_data;
  g_autoptr(CgFuture) result = g_weak_ref_get (&self->result);
  g_autofree char *message = NULL;

  if (result == NULL || !g_atomic_int_compare_and_exchange (&self->decided, FALSE, TRUE))
    return;

  if (!self->shield)
    {
      message = _cg_future_dup_cancel_message (result);
      for (guint i = 0; i < self->n_inputs; i++)
        {
          g_autoptr(CgFuture) input = g_weak_ref_get (&self->inputs[i]);

          if (input != NULL && !cg_future_is_done (input))
            cg_future_cancel (input, message);
        }
    }
  cg_future_return_pointer (result, NULL, NULL, NULL);  /* as cancelled */
}

static CgFuture *
combine (CombineKind   kind,
         CgFuture    **futures,
         guint         n_futures,
         gboolean      shield,
         GError      **error)
{
  CgFuture *result;
  Combine *self;

  g_return_val_if_fail (n_futures == 0 || futures != NULL, NULL);
  for (guint i = 0; i < n_futures; i++)
    g_return_val_if_fail (CG_IS_FUTURE (futures[i]), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!_cg_caller_require_current (error))
    return NULL;

  result = cg_future_new ();
  if (n_futures == 0)
    {
      if (kind == COMBINE_ALL)
        cg_future_return_pointer (result, NULL, NULL, NULL);
      else
        cg_future_return_new_error (result, CG_FUTURE_ERROR, CG_FUTURE_ERROR_INVALID_STATE, NULL,
                                    "%s", _("There is no future to wait for"));
      return result;
    }

  self = g_malloc0 (sizeof (Combine) + n_futures * sizeof (GWeakRef));
  self->ref = 1;
  self->kind = kind;
  self->shield = shield;
  self->pending = (gint) n_futures;
  self->n_inputs = n_futures;
  g_weak_ref_init (&self->result, result);
  for (guint i = 0; i < n_futures; i++)
    g_weak_ref_init (&self->inputs[i], futures[i]);

  g_cancellable_connect (cg_future_get_cancellable (result), G_CALLBACK (combine_result_cancelled),
                         combine_ref (self), combine_unref);
  for (guint i = 0; i < n_futures && !g_atomic_int_get (&self->decided); i++)
    _cg_future_add_hook (futures[i], combine_input_done, combine_ref (self), combine_unref);
  combine_unref (self);

  return result;
}

/**
 * cg_future_all:
 * @futures: (array length=n_futures): the futures to wait for
 * @n_futures: how many
 * @shield: whether cancelling the result leaves @futures alone
 * @error: return location for a #GError
 *
 * A future that succeeds, with no value, once every one of @futures
 * succeeded, and fails as soon as one of them fails or is cancelled, with
 * that one's outcome: asyncio's `gather()` and libdex's `dex_future_all`.
 * No future given: it succeeds at once. See the section's description for
 * the thread it belongs to and for cancellation. Fails with
 * %CG_CALLER_ERROR_NOT_FOUND on a thread without a caller.
 *
 * Returns: (transfer full): the future, or %NULL with @error set
 *
 * Since: 0.1
 */
CgFuture *
cg_future_all (CgFuture **futures,
               guint      n_futures,
               gboolean   shield,
               GError   **error)
{
  return combine (COMBINE_ALL, futures, n_futures, shield, error);
}

/**
 * cg_future_any:
 * @futures: (array length=n_futures): the futures to wait for
 * @n_futures: how many
 * @shield: whether cancelling the result leaves @futures alone
 * @error: return location for a #GError
 *
 * A future that completes with the outcome of the first of @futures to
 * succeed, or, when none does, with the outcome of the last to complete:
 * libdex's `dex_future_any`. No future given: it fails at once with
 * %CG_FUTURE_ERROR_INVALID_STATE. See cg_future_all() for the rest.
 *
 * Returns: (transfer full): the future, or %NULL with @error set
 *
 * Since: 0.1
 */
CgFuture *
cg_future_any (CgFuture **futures,
               guint      n_futures,
               gboolean   shield,
               GError   **error)
{
  return combine (COMBINE_ANY, futures, n_futures, shield, error);
}

/**
 * cg_future_first:
 * @futures: (array length=n_futures): the futures to wait for
 * @n_futures: how many
 * @shield: whether cancelling the result leaves @futures alone
 * @error: return location for a #GError
 *
 * A future that completes with the outcome of the first of @futures to
 * complete, whatever it is: libdex's `dex_future_first`. No future
 * given: it fails at once with %CG_FUTURE_ERROR_INVALID_STATE. See
 * cg_future_all() for the rest.
 *
 * Returns: (transfer full): the future, or %NULL with @error set
 *
 * Since: 0.1
 */
CgFuture *
cg_future_first (CgFuture **futures,
                 guint      n_futures,
                 gboolean   shield,
                 GError   **error)
{
  return combine (COMBINE_FIRST, futures, n_futures, shield, error);
}

/* then, catch, finally -------------------------------------------------------- */

typedef enum
{
  CONTINUE_THEN,
  CONTINUE_CATCH,
  CONTINUE_FINALLY,
} ContinueKind;

typedef struct
{
  gint                ref;
  ContinueKind        kind;
  CgCaller           *caller;
  CgContinuationFunc  func;
  gpointer            user_data;  /* until a job takes it (data_taken) */
  GDestroyNotify      destroy;
  gint                data_taken; /* atomic */
  GWeakRef            result;
  GWeakRef            input;
  CgFuture           *done_input; /* finally: the input, once done (a reference) */
  CgFuture           *job;        /* once submitted (atomic), a reference */
} Continuation;

static Continuation *
continuation_ref (Continuation *self)
{
  g_atomic_int_inc (&self->ref);
  return self;
}

static void
do_nothing (gpointer user_data)
{
}

/* Gives up the continuation's data, unless its job took it: freed on the
 * continuation's caller's thread, where the job would have run (or at
 * once, when that caller is stopped). */
static void
continuation_drop_data (Continuation *self)
{
  if (!g_atomic_int_compare_and_exchange (&self->data_taken, FALSE, TRUE))
    return;
  if (self->destroy != NULL)
    cg_caller_call_direct (self->caller, do_nothing, self->user_data, self->destroy, NULL);
}

static void
continuation_unref (gpointer data)
{
  Continuation *self = data;
  CgFuture *job;

  if (!g_atomic_int_dec_and_test (&self->ref))
    return;
  continuation_drop_data (self);
  job = g_atomic_pointer_get (&self->job);
  g_clear_object (&job);
  g_clear_object (&self->done_input);
  g_object_unref (self->caller);
  g_weak_ref_clear (&self->result);
  g_weak_ref_clear (&self->input);
  g_free (self);
}

/* What a continuation's job gets: its data is the job's from then on. */
typedef struct
{
  CgContinuationFunc  func;
  gpointer            user_data;
  GDestroyNotify      destroy;
  CgFuture           *input;
} ContinuationJob;

static void
continuation_job_free (gpointer data)
{
  ContinuationJob *job = data;

  if (job->destroy != NULL)
    job->destroy (job->user_data);
  g_object_unref (job->input);
  g_free (job);
}

static void
continuation_job_run (CgFuture *future,
                      gpointer  data)
{
  ContinuationJob *job = data;

  job->func (future, job->input, job->user_data);
}

/* finally: once its job is done, the result follows the input, or the
 * job when the job failed. */
static void
finally_job_done (CgFuture *job,
                  gpointer  user_data)
{
  Continuation *self = user_data;
  g_autoptr(CgFuture) result = g_weak_ref_get (&self->result);

  if (result == NULL)
    return;
  if (cg_future_check (job, NULL))
    cg_future_return_future (result, self->done_input, NULL);
  else
    cg_future_return_future (result, job, NULL);
}

/* The input completed, on whichever thread completed it. */
static void
continuation_input_done (CgFuture *input,
                         gpointer  user_data)
{
  Continuation *self = user_data;
  g_autoptr(CgFuture) result = g_weak_ref_get (&self->result);
  ContinuationJob *data;
  gboolean succeeded;
  GError *error = NULL;
  CgFuture *job;

  succeeded = cg_future_check (input, NULL);
  if (result == NULL || cg_future_is_done (result) || cg_future_is_cancelled (result) ||
      (self->kind == CONTINUE_THEN && !succeeded) ||
      (self->kind == CONTINUE_CATCH && succeeded))
    {
      if (result != NULL)
        cg_future_return_future (result, input, NULL);
      continuation_drop_data (self);
      return;
    }
  if (!g_atomic_int_compare_and_exchange (&self->data_taken, FALSE, TRUE))
    return;

  if (self->kind == CONTINUE_FINALLY)
    self->done_input = g_object_ref (input);
  data = g_new (ContinuationJob, 1);
  data->func = self->func;
  data->user_data = self->user_data;
  data->destroy = self->destroy;
  data->input = g_object_ref (input);
  job = cg_caller_call_soon (self->caller, continuation_job_run, data, continuation_job_free,
                             &error);
  if (job == NULL)
    {
      cg_future_return_error (result, error, NULL);
      return;
    }
  g_atomic_pointer_set (&self->job, g_object_ref (job));
  if (self->kind == CONTINUE_FINALLY)
    _cg_future_add_hook (job, finally_job_done, continuation_ref (self), continuation_unref);
  else
    cg_future_return_future (result, job, NULL);
  g_object_unref (job);
}

/* The result was cancelled (on its thread): it cancels what it waits for,
 * the input, or the continuation's job once there is one; waiting for
 * the input, it completes as cancelled at once. */
static void
continuation_result_cancelled (GCancellable *cancellable,
                               gpointer      user_data)
{
  Continuation *self = user_data;
  g_autoptr(CgFuture) result = g_weak_ref_get (&self->result);
  g_autoptr(CgFuture) input = NULL;
  g_autofree char *message = NULL;
  CgFuture *job;

  if (result == NULL)
    return;
  message = _cg_future_dup_cancel_message (result);
  job = g_atomic_pointer_get (&self->job);
  if (job != NULL)
    {
      cg_future_cancel (job, message);  /* the result follows it */
      return;
    }
  input = g_weak_ref_get (&self->input);
  if (input != NULL && !cg_future_is_done (input))
    cg_future_cancel (input, message);
  cg_future_return_pointer (result, NULL, NULL, NULL);  /* as cancelled */
  continuation_drop_data (self);  /* it will not run */
}

static CgFuture *
continue_with (ContinueKind         kind,
               CgFuture            *input,
               CgCaller            *caller,
               CgContinuationFunc   func,
               gpointer             user_data,
               GDestroyNotify       destroy,
               GError             **error)
{
  Continuation *self;
  CgFuture *result;

  g_return_val_if_fail (CG_IS_FUTURE (input), NULL);
  g_return_val_if_fail (caller == NULL || CG_IS_CALLER (caller), NULL);
  g_return_val_if_fail (func != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!_cg_caller_require_current (error))
    {
      if (destroy != NULL)
        destroy (user_data);
      return NULL;
    }

  result = cg_future_new ();
  self = g_new0 (Continuation, 1);
  self->ref = 1;
  self->kind = kind;
  self->caller = g_object_ref (caller != NULL ? caller : cg_caller_get_current ());
  self->func = func;
  self->user_data = user_data;
  self->destroy = destroy;
  g_weak_ref_init (&self->result, result);
  g_weak_ref_init (&self->input, input);

  g_cancellable_connect (cg_future_get_cancellable (result),
                         G_CALLBACK (continuation_result_cancelled), continuation_ref (self),
                         continuation_unref);
  _cg_future_add_hook (input, continuation_input_done, self, continuation_unref); /* takes it */

  return result;
}

/**
 * cg_future_and_then:
 * @self: the future to follow
 * @caller: (nullable): the caller that runs @func; %NULL: the current
 *   thread's
 * @func: (scope notified) (closure user_data) (destroy destroy): the
 *   continuation
 * @user_data: data for @func
 * @destroy: (nullable): frees @user_data once @func ran or will not run
 * @error: return location for a #GError
 *
 * A future that, once @self succeeded, completes as a job of @caller that
 * runs @func (with @self as its input) does; when @self fails or is
 * cancelled, it fails so too, and @func does not run: libdex's
 * `dex_future_then`, named so because in JavaScript an object with a
 * `then` method is taken for a promise by `await`. See the section's
 * description for the thread it belongs to and for cancellation. Fails with %CG_CALLER_ERROR_NOT_FOUND
 * on a thread without a caller (then @destroy runs at once); a stopped
 * @caller fails the result with %CG_CALLER_ERROR_CLOSED.
 *
 * Returns: (transfer full): the future, or %NULL with @error set
 *
 * Since: 0.1
 */
CgFuture *
cg_future_and_then (CgFuture            *self,
                CgCaller            *caller,
                CgContinuationFunc   func,
                gpointer             user_data,
                GDestroyNotify       destroy,
                GError             **error)
{
  return continue_with (CONTINUE_THEN, self, caller, func, user_data, destroy, error);
}

/**
 * cg_future_catch:
 * @self: the future to follow
 * @caller: (nullable): the caller that runs @func; %NULL: the current
 *   thread's
 * @func: (scope notified) (closure user_data) (destroy destroy): the
 *   continuation
 * @user_data: data for @func
 * @destroy: (nullable): frees @user_data once @func ran or will not run
 * @error: return location for a #GError
 *
 * As cg_future_and_then(), the other way round: @func runs once @self failed
 * or was cancelled (its input tells how: cg_future_check()), and when
 * @self succeeds the result completes with its outcome: libdex's
 * `dex_future_catch`.
 *
 * Returns: (transfer full): the future, or %NULL with @error set
 *
 * Since: 0.1
 */
CgFuture *
cg_future_catch (CgFuture            *self,
                 CgCaller            *caller,
                 CgContinuationFunc   func,
                 gpointer             user_data,
                 GDestroyNotify       destroy,
                 GError             **error)
{
  return continue_with (CONTINUE_CATCH, self, caller, func, user_data, destroy, error);
}

/**
 * cg_future_finally:
 * @self: the future to follow
 * @caller: (nullable): the caller that runs @func; %NULL: the current
 *   thread's
 * @func: (scope notified) (closure user_data) (destroy destroy): the
 *   continuation
 * @user_data: data for @func
 * @destroy: (nullable): frees @user_data once @func ran or will not run
 * @error: return location for a #GError
 *
 * As cg_future_and_then(), but @func runs whatever the outcome of @self, and
 * the result completes with the outcome of @self once @func's job is done,
 * unless that job fails: then with the job's failure. libdex's
 * `dex_future_finally`; a `finally:` clause.
 *
 * Returns: (transfer full): the future, or %NULL with @error set
 *
 * Since: 0.1
 */
CgFuture *
cg_future_finally (CgFuture            *self,
                   CgCaller            *caller,
                   CgContinuationFunc   func,
                   gpointer             user_data,
                   GDestroyNotify       destroy,
                   GError             **error)
{
  return continue_with (CONTINUE_FINALLY, self, caller, func, user_data, destroy, error);
}
