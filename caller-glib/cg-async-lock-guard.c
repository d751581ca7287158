/* cg-async-lock-guard.c: holding an asynchronous lock through a guard
 *
 * Copyright 2026 The caller-glib authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "cg-private.h"

/**
 * SECTION:cg-async-lock-guard
 * @title: CgAsyncLockGuard
 * @short_description: holding an asynchronous lock through a guard
 *
 * A #CgAsyncLock belongs to a context (#CgContext): acquiring it twice from
 * the same context fails with %CG_CALLER_ERROR_NOT_REENTRANT (or re-enters,
 * for a #CgReentrantAsyncLock), and two coroutines of one main loop (Vala
 * `async` methods, JavaScript `async` functions) share the context of that
 * thread. A guarded acquisition is its own owner instead: it acquires the
 * lock in a copy of the current context, so the second of two coroutines
 * waits for the first, in order, and it hands back a guard that gives the
 * lock back, from any context, when it is released or dropped.
 *
 * The rule of the whole library, in one sentence: a lock is held by the
 * context that acquired it, and by the jobs that context spawns; a guard is
 * a context of its own.
 *
 * |[<!-- language="C" -->
 * static void
 * locked (GObject *source, GAsyncResult *result, gpointer user_data)
 * {
 *   g_autoptr(GError) error = NULL;
 *   g_autoptr(CgAsyncLockGuard) guard =
 *     cg_async_lock_acquire_guarded_finish (CG_ASYNC_LOCK (source), result, &error);
 *
 *   if (guard == NULL)
 *     return;
 *   update_the_shared_table ();
 * } // the lock is given back here
 *
 * cg_async_lock_acquire_guarded_async (lock, NULL, locked, NULL);
 * ]|
 *
 * In Vala, `var guard = yield lock.acquire_guarded (null);` holds the lock
 * until `guard` goes out of scope.
 */

struct _CgAsyncLockGuard
{
  gint            ref;      /* atomic */
  gint            released;  /* atomic */
  CgAsyncLock    *lock;
  CgContext      *holder;    /* a copy of the context that holds the lock */
};

G_DEFINE_BOXED_TYPE (CgAsyncLockGuard, cg_async_lock_guard,
                     cg_async_lock_guard_ref, cg_async_lock_guard_unref)

typedef struct
{
  CgAsyncLock         *lock;
  GCancellable        *cancellable;
  GAsyncReadyCallback  callback;
  gpointer             user_data;
} Start;

static void
start_in_own_context (gpointer user_data)
{
  Start *start = user_data;

  cg_async_lock_acquire_async (start->lock, start->cancellable, start->callback,
                               start->user_data);
}

/**
 * cg_async_lock_acquire_guarded_async:
 * @self: a #CgAsyncLock
 * @cancellable: (nullable): gives up waiting
 * @callback: (scope async) (closure user_data): called once the lock is
 *   held, or could not be taken
 * @user_data: data for @callback
 *
 * Acquires the lock as an owner of its own (a copy of the current context,
 * see the section's description): it waits for any other holder, even one
 * in the current context, unless the current context holds a
 * #CgReentrantAsyncLock already (then it enters again). @callback runs in
 * the owner's context, on this thread, and calls
 * cg_async_lock_acquire_guarded_finish().
 *
 * Since: 0.1
 */
void
cg_async_lock_acquire_guarded_async (CgAsyncLock         *self,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  g_autoptr(CgContext) owner = NULL;
  Start start = { self, cancellable, callback, user_data };

  g_return_if_fail (CG_IS_ASYNC_LOCK (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  owner = cg_context_copy_current ();
  cg_context_run (owner, start_in_own_context, &start, NULL);
}

/**
 * cg_async_lock_acquire_guarded_finish:
 * @self: a #CgAsyncLock
 * @result: the result @callback got
 * @error: return location for a #GError
 *
 * Finishes cg_async_lock_acquire_guarded_async(); call it in the callback.
 * Fails as cg_async_lock_acquire_finish() does.
 *
 * Returns: (transfer full) (nullable): the guard that holds the lock, or
 *   %NULL with @error set
 *
 * Since: 0.1
 */
CgAsyncLockGuard *
cg_async_lock_acquire_guarded_finish (CgAsyncLock   *self,
                                      GAsyncResult  *result,
                                      GError       **error)
{
  CgAsyncLockGuard *guard;

  g_return_val_if_fail (CG_IS_ASYNC_LOCK (self), NULL);
  g_return_val_if_fail (G_IS_ASYNC_RESULT (result), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!cg_async_lock_acquire_finish (self, result, error))
    return NULL;

  guard = g_new0 (CgAsyncLockGuard, 1);
  g_atomic_int_set (&guard->ref, 1);
  guard->lock = g_object_ref (self);
  guard->holder = cg_context_copy_current ();  /* the callback runs in the owner's */
  return guard;
}

/**
 * cg_async_lock_guard_ref:
 * @self: a #CgAsyncLockGuard
 *
 * Takes a reference. Thread-safe.
 *
 * Returns: (transfer full): @self
 *
 * Since: 0.1
 */
CgAsyncLockGuard *
cg_async_lock_guard_ref (CgAsyncLockGuard *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_int_inc (&self->ref);
  return self;
}

typedef struct
{
  CgAsyncLock *lock;
  GError      *error;
} Release;

static void
release_in_holder (gpointer user_data)
{
  Release *release = user_data;

  cg_async_lock_release (release->lock, &release->error);
}

/**
 * cg_async_lock_guard_release:
 * @self: a #CgAsyncLockGuard
 * @error: return location for a #GError
 *
 * Gives the lock back, from any context; a second call does nothing and
 * returns %TRUE. Thread-safe.
 *
 * Returns: %TRUE unless giving it back failed (@error set)
 *
 * Since: 0.1
 */
gboolean
cg_async_lock_guard_release (CgAsyncLockGuard  *self,
                             GError           **error)
{
  Release release = { NULL, NULL };

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!g_atomic_int_compare_and_exchange (&self->released, 0, 1))
    return TRUE;

  release.lock = self->lock;
  if (!cg_context_run (self->holder, release_in_holder, &release, error))
    return FALSE;
  if (release.error != NULL)
    {
      g_propagate_error (error, release.error);
      return FALSE;
    }
  return TRUE;
}

/**
 * cg_async_lock_guard_unref:
 * @self: (transfer full): a #CgAsyncLockGuard
 *
 * Drops a reference; the last one gives the lock back if
 * cg_async_lock_guard_release() did not (a failure is logged). Thread-safe.
 *
 * Since: 0.1
 */
void
cg_async_lock_guard_unref (CgAsyncLockGuard *self)
{
  g_autoptr(GError) error = NULL;

  g_return_if_fail (self != NULL);

  if (!g_atomic_int_dec_and_test (&self->ref))
    return;
  if (!cg_async_lock_guard_release (self, &error))
    g_warning ("Could not give back an asynchronous lock: %s", error->message);
  g_object_unref (self->lock);
  cg_context_unref (self->holder);
  g_free (self);
}

/**
 * cg_async_lock_guard_get_lock:
 * @self: a #CgAsyncLockGuard
 *
 * The lock @self holds (or held).
 *
 * Returns: (transfer none): the lock
 *
 * Since: 0.1
 */
CgAsyncLock *
cg_async_lock_guard_get_lock (CgAsyncLockGuard *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->lock;
}
