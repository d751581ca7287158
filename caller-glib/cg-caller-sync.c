/* cg-caller-sync.c: calling a function in a caller's thread and blocking
 * until it returned
 *
 * Copyright 2026 The caller-glib authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "cg-private.h"

#include "cg-caller-private.h"
#include "cg-future-private.h"
#include "cg-parking-private.h"
#include "cg-recycler-private.h"

/* Bits of SyncCall.state. The caller's thread sets STARTED before it runs
 * the function and FINISHED (with RAN) after it; a waiter that gives up
 * sets ABANDONED. Both sides set their bit with one atomic OR and look at
 * what was there before: a waiter that abandons the call before it
 * started leaves its record to the caller's thread, which then neither
 * runs the function nor answers; otherwise the waiter waits for FINISHED
 * and keeps the record. */
enum
{
  SYNC_STARTED   = 1 << 0,
  SYNC_FINISHED  = 1 << 1,
  SYNC_RAN       = 1 << 2,
  SYNC_ABANDONED = 1 << 3,
  SYNC_WAITERS   = 1 << 4,   /* the waiter may be parked */
};

typedef struct
{
  CgInboxNode  node;
  CgDirectFunc func;
  gpointer     data;
  gint         state;   /* atomic, SYNC_* bits */
} SyncCall;


/* Records are kept for reuse: a thread that makes one such call usually
 * makes many. */
static CgRecycler sync_call_recycler =
  CG_RECYCLER_INIT (G_STRUCT_OFFSET (SyncCall, node) + G_STRUCT_OFFSET (CgInboxNode, next),
                    g_free, CG_RECYCLER_SLOT_SYNC_CALLS);

static void
sync_call_free (SyncCall *call)
{
  if (!_cg_recycler_give (&sync_call_recycler, call))
    g_free (call);
}

static void
sync_node_func (CgInboxNode *node,
                CgCaller    *caller,
                gboolean     run)
{
  SyncCall *call = (SyncCall *) node;
  gint old;

  if (run)
    {
      if (g_atomic_int_or (&call->state, SYNC_STARTED) & SYNC_ABANDONED)
        {
          sync_call_free (call);
          return;
        }
      call->func (call->data);
    }

  /* Once FINISHED is set the waiter may free the record at any moment:
   * only its address is used after this. */
  old = g_atomic_int_or (&call->state, SYNC_FINISHED | (run ? SYNC_RAN : 0));
  if (old & SYNC_ABANDONED)
    sync_call_free (call);
  else if (old & SYNC_WAITERS)
    _cg_parking_wake (call);
}

/* Gives the call up unless it started; TRUE when it did. Waiting thread. */
static gboolean
abandon (SyncCall *call)
{
  gint old = g_atomic_int_get (&call->state);

  while (!(old & SYNC_STARTED) && !(old & SYNC_FINISHED))
    {
      if (g_atomic_int_compare_and_exchange_full (&call->state, old, old | SYNC_ABANDONED, &old))
        return TRUE;
    }
  return FALSE;
}

/**
 * cg_caller_call_sync:
 * @self: a #CgCaller
 * @func: (scope call) (closure user_data): the function to run
 * @user_data: data for @func
 * @cancellable: (nullable): gives up on the call if it has not started
 * @error: return location for a #GError
 *
 * Runs @func in the caller's thread and blocks the calling thread until it
 * has returned: the blocking counterpart of cg_caller_call_direct(), with
 * no future and no context copy. @func hands back what it computes
 * through @user_data, which may live on the calling thread's stack. The
 * calling thread spins for a few microseconds before it parks, so a call
 * to a caller that is idle or busy with small jobs costs no sleep and
 * wake-up.
 *
 * On the caller's own thread @func runs at once, before any job already
 * queued (waiting for the caller's loop there would never end), as
 * g_main_context_invoke() does. Elsewhere it runs after the jobs that this
 * thread queued before.
 *
 * Fails with %CG_CALLER_ERROR_CLOSED when the caller is stopped before
 * @func could run. Cancelling @cancellable before @func started makes the
 * call fail with %G_IO_ERROR_CANCELLED, and @func then never runs; once
 * @func has started, the call waits for it to return whatever happens.
 * Called from a job, the job's own cancellation (which cg_caller_stop()
 * does to the running job of the caller it stops) counts as @cancellable
 * does.
 *
 * Safe to call from any thread. A function that blocks on the calling
 * thread's own caller, or on a lock the calling thread holds, deadlocks.
 *
 * Returns: %TRUE when @func ran
 *
 * Since: 0.1
 */
gboolean
cg_caller_call_sync (CgCaller      *self,
                     CgDirectFunc   func,
                     gpointer       user_data,
                     GCancellable  *cancellable,
                     GError       **error)
{
  SyncCall *call;
  CgBlockEnd outcome;
  gint state;

  g_return_val_if_fail (CG_IS_CALLER (self), FALSE);
  g_return_val_if_fail (func != NULL, FALSE);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;

  if (_cg_caller_is_closed (self))
    goto refused;

  if (_cg_caller_is_owner_thread (self))
    {
      func (user_data);
      return TRUE;
    }

  call = _cg_recycler_take (&sync_call_recycler);
  if (call == NULL)
    call = g_new (SyncCall, 1);
  call->node.next = NULL;
  call->node.func = sync_node_func;
  call->func = func;
  call->data = user_data;
  call->state = 0;

  if (G_UNLIKELY (!_cg_caller_post_node (self, &call->node)))
    {
      sync_call_free (call);
      goto refused;
    }

  outcome = _cg_block_on_word (&call->state, SYNC_FINISHED, SYNC_WAITERS, call, G_MAXINT64,
                               cancellable, NULL);
  if (outcome != CG_BLOCK_DONE)
    {
      if (abandon (call))
        {
          /* The record is the caller thread's to free now. */
          if (outcome == CG_BLOCK_CANCELLED)
            g_cancellable_set_error_if_cancelled (cancellable, error);
          else
            g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                 _("The job that made the call was cancelled"));
          return FALSE;
        }
      /* @func runs: its data may be on this stack, so wait it out. */
      _cg_block_on_word (&call->state, SYNC_FINISHED, SYNC_WAITERS, call, G_MAXINT64,
                         NULL, _cg_future_current_job ());
    }

  state = g_atomic_int_get (&call->state);
  sync_call_free (call);
  if (state & SYNC_RAN)
    return TRUE;

  g_set_error (error, CG_CALLER_ERROR, CG_CALLER_ERROR_CLOSED,
               _("Caller “%s” was stopped before the call ran"), cg_caller_get_name (self));
  return FALSE;

refused:
  g_set_error (error, CG_CALLER_ERROR, CG_CALLER_ERROR_CLOSED,
               _("Caller “%s” is stopped and takes no new jobs"), cg_caller_get_name (self));
  return FALSE;
}
