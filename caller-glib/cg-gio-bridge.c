/* cg-gio-bridge.c: futures from GIO _async/_finish pairs and GTasks
 *
 * Copyright 2026 The caller-glib authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "cg-private.h"

#include "cg-future-private.h"

/**
 * SECTION:cg-gio-bridge
 * @title: GIO bridge
 * @short_description: futures from GIO asynchronous operations, and back
 *
 * GIO reports asynchronous work through a #GAsyncReadyCallback and an
 * `_finish` function; caller-glib through a #CgFuture. These functions
 * turn one into the other.
 *
 * |[<!-- language="C" -->
 * static void
 * begin_load (gpointer source, GCancellable *cancellable,
 *             GAsyncReadyCallback callback, gpointer callback_data,
 *             gpointer user_data)
 * {
 *   g_file_load_contents_async (source, cancellable, callback, callback_data);
 * }
 *
 * static void
 * finish_load (gpointer source, GAsyncResult *result, CgFuture *future,
 *              gpointer user_data)
 * {
 *   GError *error = NULL;
 *   char *contents;
 *
 *   if (g_file_load_contents_finish (source, result, &contents, NULL, NULL, &error))
 *     cg_future_return_pointer (future, contents, g_free, NULL);
 *   else
 *     cg_future_return_error (future, error, NULL);
 * }
 *
 * g_autoptr(CgFuture) future = cg_future_new_from_async (file, begin_load, finish_load,
 *                                                        NULL, NULL);
 * ]|
 *
 * The other way round, cg_future_return_to_task() completes a #GTask with
 * a future's outcome, so a future can stand behind any `_async` function
 * of your own.
 */

typedef struct
{
  CgFuture          *future;
  gpointer           source_object;
  CgAsyncFinishFunc  finish;
  gpointer           user_data;
  GDestroyNotify     destroy;
} AsyncBridge;

static void
async_bridge_free (AsyncBridge *bridge)
{
  if (bridge->destroy != NULL)
    bridge->destroy (bridge->user_data);
  g_clear_object (&bridge->source_object);
  g_clear_object (&bridge->future);
  g_free (bridge);
}

static void
async_bridge_ready (GObject      *source_object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  AsyncBridge *bridge = user_data;

  bridge->finish (bridge->source_object, result, bridge->future, bridge->user_data);

  if (!cg_future_is_done (bridge->future))
    cg_future_return_pointer (bridge->future, NULL, NULL, NULL);

  async_bridge_free (bridge);
}

/**
 * cg_future_new_from_async: (skip)
 * @source_object: (type GObject) (nullable): the object the operation works
 *   on, handed to @begin and @finish
 * @begin: (scope call): starts the operation
 * @finish: (scope async): finishes it and completes the future
 * @user_data: (closure begin): data for @begin and @finish
 * @destroy: (nullable): frees @user_data once @finish has run
 *
 * Turns a GIO `_async`/`_finish` pair into a future. @begin runs now, on
 * this thread, with the future's cancellable (cancelling the future
 * cancels the operation); once the operation calls back (in this thread's
 * thread-default context, as GIO does), @finish reads its outcome into the
 * future. The future belongs to the current thread.
 *
 * Returns: (transfer full): the future of the operation
 */
CgFuture *
cg_future_new_from_async (gpointer           source_object,
                          CgAsyncBeginFunc   begin,
                          CgAsyncFinishFunc  finish,
                          gpointer           user_data,
                          GDestroyNotify     destroy)
{
  AsyncBridge *bridge;
  CgFuture *future;

  g_return_val_if_fail (source_object == NULL || G_IS_OBJECT (source_object), NULL);
  g_return_val_if_fail (begin != NULL, NULL);
  g_return_val_if_fail (finish != NULL, NULL);

  future = cg_future_new ();

  bridge = g_new0 (AsyncBridge, 1);
  bridge->future = g_object_ref (future);
  bridge->source_object = source_object != NULL ? g_object_ref (source_object) : NULL;
  bridge->finish = finish;
  bridge->user_data = user_data;
  bridge->destroy = destroy;

  begin (source_object, cg_future_get_cancellable (future), async_bridge_ready, bridge,
         user_data);

  return future;
}

/**
 * cg_future_async_ready_callback:
 * @source_object: (nullable): the object of the operation
 * @result: the operation's result
 * @user_data: (transfer full): the #CgFuture to complete
 *
 * A #GAsyncReadyCallback that completes the future given as its user data
 * (with a reference it takes over) with @result itself as an object value:
 * hand it to any `_async` function, and call the `_finish` function on
 * cg_future_propagate_object() later.
 *
 * |[<!-- language="C" -->
 * CgFuture *future = cg_future_new ();
 * g_file_query_info_async (file, "standard::size", 0, G_PRIORITY_DEFAULT,
 *                          cg_future_get_cancellable (future),
 *                          cg_future_async_ready_callback, g_object_ref (future));
 * ]|
 *
 * Since: 0.1
 */
void
cg_future_async_ready_callback (GObject      *source_object,
                                GAsyncResult *result,
                                gpointer      user_data)
{
  g_autoptr(CgFuture) future = user_data;

  g_return_if_fail (CG_IS_FUTURE (future));
  g_return_if_fail (G_IS_ASYNC_RESULT (result));

  cg_future_return_object (future, G_OBJECT (result), NULL);
}

static void
return_to_task_cb (CgFuture *future,
                   gpointer  user_data)
{
  GTask *task = user_data;
  CgFuture *holder = future;
  GError *error = NULL;

  if (!cg_future_check (future, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  while (holder->kind == CG_OUTCOME_CHAINED)
    holder = holder->outcome.chained;

  switch ((CgOutcomeKind) holder->kind)
    {
    case CG_OUTCOME_BOOLEAN:
      g_task_return_boolean (task, holder->outcome.boolean);
      break;
    case CG_OUTCOME_INT:
      g_task_return_int (task, holder->outcome.integer);
      break;
    case CG_OUTCOME_POINTER:
    case CG_OUTCOME_OWNED_POINTER:
      /* Borrowed: the task keeps the future alive through its task data. */
      g_task_return_pointer (task, _cg_future_peek_pointer (holder), NULL);
      break;
    case CG_OUTCOME_VALUE:
      /* Objects the GTask way: a new reference the reader owns. */
      if (G_VALUE_HOLDS_OBJECT (holder->outcome.value))
        g_task_return_pointer (task, g_value_dup_object (holder->outcome.value), g_object_unref);
      else
        g_task_return_value (task, holder->outcome.value);
      break;
    case CG_OUTCOME_NONE:
    default:
      g_task_return_pointer (task, NULL, NULL);
      break;
    }
}

/**
 * cg_future_return_to_task:
 * @self: a #CgFuture
 * @task: the #GTask to complete
 *
 * Completes @task with the future's outcome once the future is done: its
 * error, or its value with the matching g_task_return function (a pointer
 * value stays owned by the future, which @task keeps alive; an object comes
 * as a new reference, read with g_task_propagate_pointer()). The task's
 * callback runs in the task's context, as GTask does.
 *
 * Since: 0.1
 */
void
cg_future_return_to_task (CgFuture *self,
                          GTask    *task)
{
  g_return_if_fail (CG_IS_FUTURE (self));
  g_return_if_fail (G_IS_TASK (task));

  g_object_set_data_full (G_OBJECT (task), "cg-future", g_object_ref (self), g_object_unref);

  _cg_future_add_hook (self, return_to_task_cb, g_object_ref (task), g_object_unref);
}
