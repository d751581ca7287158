/* cg-task-group.c: futures that end together
 *
 * Copyright 2026 The caller-glib authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "cg-private.h"

#include "cg-caller-private.h"
#include "cg-future-private.h"

/**
 * SECTION:cg-task-group
 * @title: CgTaskGroup
 * @short_description: futures that end together: structured concurrency
 *
 * A #CgTaskGroup holds the futures of work started together (jobs of any
 * caller, pool jobs, any future), as asyncio's `TaskGroup` and
 * async_kernel's `PendingGroup` do. Add them with cg_task_group_add();
 * cg_task_group_wait_async() closes the group and finishes once every
 * member has ended:
 *
 * - successfully, when every member succeeded (members cancelled one by
 *   one do not count as failures);
 * - with the first failure of a member; that failure cancels the members
 *   still running, unless the group was made with
 *   %CG_TASK_GROUP_FLAGS_KEEP_GOING;
 * - with %CG_CALLER_ERROR_TIMED_OUT when the group's timeout passes first
 *   (which cancels every member);
 * - as cancelled when the group was cancelled as one
 *   (cg_task_group_cancel(), the wait's cancellable, or cancelling the
 *   group's future).
 *
 * Either way, the wait ends only once every member has ended: nothing
 * started in the group outlives it. The group's outcome is also a future,
 * cg_task_group_get_future(), for any way of waiting; it completes once
 * the group is closed (cg_task_group_close(), or the wait) and every
 * member has ended. A member added once the group is done is cancelled at
 * once.
 *
 * |[<!-- language="C" -->
 * g_autoptr(CgTaskGroup) group = cg_task_group_new (CG_TASK_GROUP_FLAGS_NONE, 30.0, &error);
 *
 * for (guint i = 0; i < n_files; i++)
 *   {
 *     g_autoptr(CgFuture) job = cg_caller_to_thread (convert_file, files[i], NULL, &error);
 *     cg_task_group_add (group, job);
 *   }
 * cg_task_group_wait_async (group, NULL, on_converted, self);
 * // on_converted: cg_task_group_wait_finish () is TRUE once every file was
 * // converted, or gives the first failure once the others were cancelled
 * ]|
 *
 * The group belongs to the thread that makes it, which needs a #CgCaller;
 * adding, cancelling and closing are thread-safe.
 */

/**
 * CgTaskGroup:
 *
 * Futures that end together; see the section's description. An opaque
 * #GObject.
 *
 * Since: 0.1
 */
struct _CgTaskGroup
{
  GObject           parent_instance;

  GMutex            lock;
  CgTaskGroupFlags  flags;
  CgFuture         *future;     /* the group's outcome; the creating thread's */
  GPtrArray        *pending;    /* members not done yet (references), under lock */
  CgFuture         *failed;     /* the first member that failed, under lock */
  gboolean          cancelled;  /* under lock */
  gboolean          timed_out;  /* under lock */
  gboolean          closed;     /* under lock */
  gboolean          finished;   /* under lock: the future is being completed */
  CgFuture         *timer;      /* the timeout's delayed job, or NULL */
};

G_DEFINE_FINAL_TYPE (CgTaskGroup, cg_task_group, G_TYPE_OBJECT)

/* Completes the group's future once it is closed and nothing is pending
 * (with the lock held: @finish is set when the caller must complete it
 * after unlocking). */
static gboolean
ready_locked (CgTaskGroup *self)
{
  if (self->finished || !self->closed || self->pending->len > 0)
    return FALSE;
  self->finished = TRUE;
  return TRUE;
}

static void
finish (CgTaskGroup *self)
{
  if (self->timer != NULL)
    cg_future_cancel (self->timer, NULL);

  if (self->timed_out)
    cg_future_return_new_error (self->future, CG_CALLER_ERROR, CG_CALLER_ERROR_TIMED_OUT, NULL,
                                "%s", _("The task group's time ran out"));
  else if (self->failed != NULL)
    cg_future_return_future (self->future, self->failed, NULL);
  else
    cg_future_return_pointer (self->future, NULL, NULL, NULL);  /* as cancelled if it is */
}

/* Cancels @members (taking the array), outside the lock. */
static void
cancel_members (GPtrArray  *members,
                const char *message)
{
  if (members == NULL)
    return;
  for (guint i = 0; i < members->len; i++)
    cg_future_cancel (g_ptr_array_index (members, i), message);
  g_ptr_array_unref (members);
}

static GPtrArray *
copy_pending_locked (CgTaskGroup *self)
{
  GPtrArray *copy = g_ptr_array_new_full (self->pending->len, g_object_unref);

  for (guint i = 0; i < self->pending->len; i++)
    g_ptr_array_add (copy, g_object_ref (g_ptr_array_index (self->pending, i)));
  return copy;
}

/* A member ended, on whichever thread completed it. */
static void
member_done (CgFuture *member,
             gpointer  user_data)
{
  CgTaskGroup *self = user_data;
  GPtrArray *to_cancel = NULL;
  gboolean failed = !cg_future_check (member, NULL) && !cg_future_is_cancelled (member);
  gboolean ready;

  g_mutex_lock (&self->lock);
  if (failed && self->failed == NULL && !self->cancelled && !self->timed_out)
    {
      self->failed = g_object_ref (member);
      if (!(self->flags & CG_TASK_GROUP_FLAGS_KEEP_GOING))
        to_cancel = copy_pending_locked (self);
    }
  g_ptr_array_remove_fast (self->pending, member);  /* drops its reference */
  ready = ready_locked (self);
  g_mutex_unlock (&self->lock);

  cancel_members (to_cancel, _("Another member of the task group failed"));
  if (ready)
    finish (self);
}

/* Cancels every member still running, as @why (the group's own
 * cancellation, or its timeout). */
static void
cancel_group (CgTaskGroup *self,
              gboolean     timed_out,
              const char  *message)
{
  GPtrArray *to_cancel = NULL;

  g_mutex_lock (&self->lock);
  if (!self->finished && !self->cancelled && !self->timed_out)
    {
      if (timed_out)
        self->timed_out = TRUE;
      else
        self->cancelled = TRUE;
      to_cancel = copy_pending_locked (self);
    }
  g_mutex_unlock (&self->lock);

  cancel_members (to_cancel, message);
}

/* The timer and the future's cancellable may outlive the group: they
 * reach it through a weak reference. */
static GWeakRef *
weak_ref_new (gpointer object)
{
  GWeakRef *ref = g_new (GWeakRef, 1);

  g_weak_ref_init (ref, object);
  return ref;
}

static void
weak_ref_free (gpointer data)
{
  g_weak_ref_clear (data);
  g_free (data);
}

/* The group's future was cancelled (on its thread): the group is. */
static void
future_cancelled (GCancellable *cancellable,
                  gpointer      user_data)
{
  g_autoptr(CgTaskGroup) self = g_weak_ref_get (user_data);
  g_autofree char *message = NULL;

  if (self == NULL)
    return;
  message = _cg_future_dup_cancel_message (self->future);
  cancel_group (self, FALSE, message);
}

static void
time_out (CgFuture *timer,
          gpointer  user_data)
{
  g_autoptr(CgTaskGroup) self = g_weak_ref_get (user_data);

  if (self != NULL)
    cancel_group (self, TRUE, _("The task group's time ran out"));
}

static void
cg_task_group_finalize (GObject *object)
{
  CgTaskGroup *self = CG_TASK_GROUP (object);

  if (self->timer != NULL)
    {
      cg_future_cancel (self->timer, NULL);
      g_object_unref (self->timer);
    }
  g_clear_object (&self->failed);
  g_ptr_array_unref (self->pending);
  g_object_unref (self->future);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (cg_task_group_parent_class)->finalize (object);
}

static void
cg_task_group_class_init (CgTaskGroupClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = cg_task_group_finalize;
}

static void
cg_task_group_init (CgTaskGroup *self)
{
  g_mutex_init (&self->lock);
  self->pending = g_ptr_array_new_with_free_func (g_object_unref);
}

/**
 * cg_task_group_new:
 * @flags: how the group takes a failure
 * @timeout: seconds the group may take from now, or a negative number for
 *   no limit
 * @error: return location for a #GError
 *
 * Makes a task group of the current thread (see the section's
 * description). Fails with %CG_CALLER_ERROR_NOT_FOUND on a thread without
 * a caller.
 *
 * Returns: (transfer full): the group, or %NULL with @error set
 *
 * Since: 0.1
 */
CgTaskGroup *
cg_task_group_new (CgTaskGroupFlags   flags,
                   gdouble            timeout,
                   GError           **error)
{
  g_autoptr(CgTaskGroup) self = NULL;
  CgCaller *caller;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  caller = _cg_caller_require_current (error);
  if (caller == NULL)
    return NULL;

  self = g_object_new (CG_TYPE_TASK_GROUP, NULL);
  self->flags = flags;
  self->future = cg_future_new ();
  if (timeout >= 0)
    {
      self->timer = cg_caller_call_later (caller, timeout, time_out, weak_ref_new (self),
                                          weak_ref_free, error);
      if (self->timer == NULL)
        return NULL;
    }
  g_cancellable_connect (cg_future_get_cancellable (self->future), G_CALLBACK (future_cancelled),
                         weak_ref_new (self), weak_ref_free);

  return g_steal_pointer (&self);
}

/**
 * cg_task_group_add:
 * @self: a #CgTaskGroup
 * @future: a future to end with the group: a job's, or any
 *
 * Makes @future a member of the group: the group is not done before it
 * is. A member added to a group that failed (without
 * %CG_TASK_GROUP_FLAGS_KEEP_GOING), was cancelled or timed out is
 * cancelled at once, and so is one added once the group is done.
 * Thread-safe.
 *
 * Since: 0.1
 */
void
cg_task_group_add (CgTaskGroup *self,
                   CgFuture    *future)
{
  gboolean cancel;

  g_return_if_fail (CG_IS_TASK_GROUP (self));
  g_return_if_fail (CG_IS_FUTURE (future));

  g_mutex_lock (&self->lock);
  cancel = self->finished || self->cancelled || self->timed_out ||
           (self->failed != NULL && !(self->flags & CG_TASK_GROUP_FLAGS_KEEP_GOING));
  if (!self->finished)
    g_ptr_array_add (self->pending, g_object_ref (future));
  g_mutex_unlock (&self->lock);

  if (cancel)
    cg_future_cancel (future, _("The task group is cancelled or done"));
  /* The group holds itself while a member is pending. */
  _cg_future_add_hook (future, member_done, g_object_ref (self), g_object_unref);
}

/**
 * cg_task_group_cancel:
 * @self: a #CgTaskGroup
 * @message: (nullable): why
 *
 * Cancels the group as one: every member still running is cancelled, and
 * the group ends as cancelled once they have ended. Thread-safe.
 *
 * Since: 0.1
 */
void
cg_task_group_cancel (CgTaskGroup *self,
                      const char  *message)
{
  g_return_if_fail (CG_IS_TASK_GROUP (self));

  cg_future_cancel (self->future, message);
  cancel_group (self, FALSE, message);
}

/**
 * cg_task_group_close:
 * @self: a #CgTaskGroup
 *
 * Says that the members are all there: the group's future completes once
 * they have ended (cg_task_group_wait_async() closes the group itself).
 * Members may still be added until then. Thread-safe.
 *
 * Since: 0.1
 */
void
cg_task_group_close (CgTaskGroup *self)
{
  gboolean ready;

  g_return_if_fail (CG_IS_TASK_GROUP (self));

  g_mutex_lock (&self->lock);
  self->closed = TRUE;
  ready = ready_locked (self);
  g_mutex_unlock (&self->lock);

  if (ready)
    finish (self);
}

/**
 * cg_task_group_get_future:
 * @self: a #CgTaskGroup
 *
 * The group's outcome as a future of the thread that made the group: it
 * completes once the group is closed and every member has ended, as the
 * section's description says. Cancelling it cancels the group.
 *
 * Returns: (transfer none): the group's future
 *
 * Since: 0.1
 */
CgFuture *
cg_task_group_get_future (CgTaskGroup *self)
{
  g_return_val_if_fail (CG_IS_TASK_GROUP (self), NULL);

  return self->future;
}

/**
 * cg_task_group_wait_async:
 * @self: a #CgTaskGroup
 * @cancellable: (nullable): cancels the group
 * @callback: (scope async): called on this thread once the group is done
 * @user_data: data for @callback
 *
 * Closes the group (cg_task_group_close()) and waits until every member
 * has ended; @cancellable cancels the group as one.
 *
 * Since: 0.1
 */
void
cg_task_group_wait_async (CgTaskGroup          *self,
                          GCancellable         *cancellable,
                          GAsyncReadyCallback   callback,
                          gpointer              user_data)
{
  g_return_if_fail (CG_IS_TASK_GROUP (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  cg_task_group_close (self);
  cg_future_wait_async (self->future, -1, CG_WAIT_FLAGS_NONE, cancellable, callback, user_data);
}

/**
 * cg_task_group_wait_finish:
 * @self: a #CgTaskGroup
 * @result: the #GAsyncResult given to the callback
 * @error: return location for a #GError
 *
 * Finishes cg_task_group_wait_async().
 *
 * Returns: %TRUE when every member succeeded; otherwise %FALSE with the
 *   first failure, %CG_CALLER_ERROR_TIMED_OUT or %CG_FUTURE_ERROR_CANCELLED
 *
 * Since: 0.1
 */
gboolean
cg_task_group_wait_finish (CgTaskGroup   *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (CG_IS_TASK_GROUP (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return cg_future_wait_finish (self->future, result, error);
}
