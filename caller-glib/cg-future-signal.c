/* cg-future-signal.c: futures of GObject signals and properties
 *
 * Copyright 2026 The caller-glib authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "cg-private.h"

#include "cg-caller-private.h"

/**
 * SECTION:cg-future-signal
 * @title: Signals and properties
 * @short_description: a future of a signal's next emission, or of a
 *   property reaching a value
 *
 * cg_future_new_for_signal() makes a future that completes the first time
 * an object emits a signal, with its arguments, and cg_future_new_for_property() one that
 * completes once a property has a value a predicate accepts: code that
 * awaits "the dialog answered" or "the download's state became done"
 * reads as a sequence, in any language.
 *
 * The future belongs to the current thread, which needs a #CgCaller
 * (%CG_CALLER_ERROR_NOT_FOUND otherwise); it completes on the thread that
 * emits the signal (or notifies the property), through that caller when
 * it is another thread. Its handler is disconnected as soon as it
 * completes, when it is cancelled (cg_future_cancel(), or @cancellable),
 * and when the object is finalized first, which completes it as
 * cancelled. The future holds the object weakly: waiting for a signal
 * keeps nothing alive.
 *
 * |[<!-- language="C" -->
 * // completes with the response id, the dialog's first "response"
 * g_autoptr(CgFuture) answered = cg_future_new_for_signal (G_OBJECT (dialog), "response",
 *                                                          NULL, &error);
 * ]|
 *
 * Thread-safe; the predicate of cg_future_new_for_property() runs where
 * the property is notified, its destroy notify on the thread that made the
 * future.
 */

typedef struct
{
  gint                  ref;
  gint                  done;          /* atomic: completed or given up */
  GWeakRef              result;
  GWeakRef              instance;
  gulong                handler;       /* on the instance */
  GCancellable         *cancellable;   /* the user's, or NULL */
  gulong                cancel_handler;
  GParamSpec           *pspec;         /* for a property */
  CgPropertyPredicate   predicate;
  gpointer              user_data;
  GDestroyNotify        destroy;
  gint                  data_dropped;  /* atomic */
  CgCaller             *home;          /* where @destroy runs */
} Watch;

static Watch *
watch_ref (Watch *self)
{
  g_atomic_int_inc (&self->ref);
  return self;
}

static void
do_nothing (gpointer user_data)
{
}

/* Once done, the predicate's data is not needed: freed on the thread that
 * made the future (at once if its caller is stopped). */
static void
watch_drop_data (Watch *self)
{
  if (!g_atomic_int_compare_and_exchange (&self->data_dropped, FALSE, TRUE))
    return;
  if (self->destroy != NULL)
    cg_caller_call_direct (self->home, do_nothing, self->user_data, self->destroy, NULL);
}

static void
watch_unref (gpointer data)
{
  Watch *self = data;

  if (!g_atomic_int_dec_and_test (&self->ref))
    return;
  watch_drop_data (self);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->pspec, g_param_spec_unref);
  g_weak_ref_clear (&self->result);
  g_weak_ref_clear (&self->instance);
  g_object_unref (self->home);
  g_free (self);
}

static void instance_gone (gpointer data, GObject *where_the_object_was);

static void
closure_gone (gpointer  data,
              GClosure *closure)
{
  watch_unref (data);
}

/* Once done: the signal handler and the weak reference go (unless the
 * object is being finalized, which takes care of both), and so does the
 * handler on the user's cancellable (unless that handler runs now). */
static void
watch_detach (Watch    *self,
              gboolean  from_cancellable)
{
  g_autoptr(GObject) instance = g_weak_ref_get (&self->instance);

  if (instance != NULL)
    {
      g_signal_handler_disconnect (instance, self->handler);
      g_object_weak_unref (instance, instance_gone, self);
      watch_unref (self);  /* the weak reference's */
    }
  if (self->cancellable != NULL && !from_cancellable)
    g_cancellable_disconnect (self->cancellable, self->cancel_handler);
}

/* Completes the future as cancelled, with @message, unless it is done. */
static void
watch_give_up (Watch      *self,
               const char *message)
{
  g_autoptr(CgFuture) result = g_weak_ref_get (&self->result);

  if (result == NULL)
    return;
  cg_future_cancel (result, message);
  cg_future_return_pointer (result, NULL, NULL, NULL);  /* as cancelled */
}

static void
instance_gone (gpointer  data,
               GObject  *where_the_object_was)
{
  Watch *self = data;

  if (g_atomic_int_compare_and_exchange (&self->done, FALSE, TRUE))
    {
      watch_give_up (self, _("The object was finalized first"));
      if (self->cancellable != NULL)
        g_cancellable_disconnect (self->cancellable, self->cancel_handler);
      watch_drop_data (self);
    }
  watch_unref (self);  /* the weak reference's */
}

static void
watch_cancelled (GCancellable *cancellable,
                 gpointer      data)
{
  Watch *self = data;

  if (!g_atomic_int_compare_and_exchange (&self->done, FALSE, TRUE))
    return;
  watch_detach (self, cancellable == self->cancellable);
  watch_give_up (self, _("The wait for a signal was cancelled"));
  watch_drop_data (self);
}

/* Whether the property's value now is the one waited for; @value is set. */
static gboolean
property_matches (Watch   *self,
                  GObject *instance,
                  GValue  *value)
{
  g_value_init (value, self->pspec->value_type);
  g_object_get_property (instance, self->pspec->name, value);
  return self->predicate == NULL || self->predicate (instance, value, self->user_data);
}

/* Completes @result with the @n arguments of a signal as one value: a
 * #GValueArray, the one container of #GValues that GObject-Introspection
 * and the bindings read (PyGObject as a list). Its functions are
 * deprecated in favour of a #GArray, which no binding can read out of a
 * #GValue. */
static void
return_arguments (CgFuture     *result,
                  guint         n,
                  const GValue *arguments)
{
  g_auto(GValue) value = G_VALUE_INIT;
  GValueArray *array;

  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  array = g_value_array_new (n);
  for (guint i = 0; i < n; i++)
    g_value_array_append (array, &arguments[i]);
  g_value_init (&value, g_value_array_get_type ());
  G_GNUC_END_IGNORE_DEPRECATIONS
  g_value_take_boxed (&value, array);
  cg_future_return_value (result, &value, NULL);
}

/* The signal's marshaller: the first emission (for a property, the first
 * notification of a value the predicate accepts) completes the future. */
static void
watch_marshal (GClosure     *closure,
               GValue       *return_value,
               guint         n_param_values,
               const GValue *param_values,
               gpointer      invocation_hint,
               gpointer      marshal_data)
{
  Watch *self = closure->data;
  g_auto(GValue) value = G_VALUE_INIT;
  g_autoptr(CgFuture) result = NULL;
  GObject *instance = g_value_get_object (&param_values[0]);

  if (g_atomic_int_get (&self->done))
    return;
  if (self->pspec != NULL && !property_matches (self, instance, &value))
    return;
  if (!g_atomic_int_compare_and_exchange (&self->done, FALSE, TRUE))
    return;

  watch_detach (self, FALSE);
  watch_drop_data (self);
  result = g_weak_ref_get (&self->result);
  if (result == NULL)
    return;
  if (self->pspec != NULL)
    cg_future_return_value (result, &value, NULL);
  else if (n_param_values == 2)
    cg_future_return_value (result, &param_values[1], NULL);
  else if (n_param_values > 2)
    return_arguments (result, n_param_values - 1, &param_values[1]);
  else
    cg_future_return_pointer (result, NULL, NULL, NULL);
}

static CgFuture *
watch_start (GObject       *instance,
             guint          signal_id,
             GQuark         detail,
             GParamSpec    *pspec,
             CgPropertyPredicate predicate,
             gpointer       user_data,
             GDestroyNotify destroy,
             GCancellable  *cancellable)
{
  g_auto(GValue) value = G_VALUE_INIT;
  CgFuture *result = cg_future_new ();
  GClosure *closure;
  Watch *self;

  self = g_new0 (Watch, 1);
  self->ref = 1;
  self->home = g_object_ref (cg_caller_get_current ());
  self->pspec = pspec != NULL ? g_param_spec_ref (pspec) : NULL;
  self->predicate = predicate;
  self->user_data = user_data;
  self->destroy = destroy;
  g_weak_ref_init (&self->result, result);
  g_weak_ref_init (&self->instance, instance);

  /* A property may have the value already. */
  if (pspec != NULL && predicate != NULL && property_matches (self, instance, &value))
    {
      self->done = TRUE;
      cg_future_return_value (result, &value, NULL);
      watch_unref (self);
      return result;
    }

  closure = g_closure_new_simple (sizeof (GClosure), watch_ref (self));
  g_closure_set_marshal (closure, watch_marshal);
  g_closure_add_finalize_notifier (closure, self, closure_gone);
  g_object_weak_ref (instance, instance_gone, watch_ref (self));
  self->handler = g_signal_connect_closure_by_id (instance, signal_id, detail, closure, FALSE);

  g_cancellable_connect (cg_future_get_cancellable (result), G_CALLBACK (watch_cancelled),
                         watch_ref (self), watch_unref);
  if (cancellable != NULL)
    {
      self->cancellable = g_object_ref (cancellable);
      self->cancel_handler = g_cancellable_connect (cancellable, G_CALLBACK (watch_cancelled),
                                                    watch_ref (self), watch_unref);
    }

  watch_unref (self);
  return result;
}

/**
 * cg_future_new_for_signal:
 * @instance: the object that emits the signal
 * @detailed_signal: the signal's name, with a detail if it has one
 *   (`"notify::title"`)
 * @cancellable: (nullable): gives up the wait
 * @error: return location for a #GError
 *
 * A future that completes the first time @instance emits @detailed_signal,
 * with the signal's arguments after the instance: none, no value; one, that
 * value; several, a #GValueArray of them (a list in Python). A signal that
 * returns a value gets the default one from this handler. See the section's description for threads, cancellation
 * and the object's finalization.
 *
 * Fails with %G_IO_ERROR_INVALID_ARGUMENT when @instance has no such
 * signal, and with %CG_CALLER_ERROR_NOT_FOUND on a thread without a
 * caller.
 *
 * Returns: (transfer full): the future, or %NULL with @error set
 *
 * Since: 0.1
 */
CgFuture *
cg_future_new_for_signal (GObject       *instance,
                          const char    *detailed_signal,
                          GCancellable  *cancellable,
                          GError       **error)
{
  guint signal_id;
  GQuark detail;

  g_return_val_if_fail (G_IS_OBJECT (instance), NULL);
  g_return_val_if_fail (detailed_signal != NULL, NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!g_signal_parse_name (detailed_signal, G_OBJECT_TYPE (instance), &signal_id, &detail,
                            TRUE))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("An object of type %s has no signal “%s”"),
                   G_OBJECT_TYPE_NAME (instance), detailed_signal);
      return NULL;
    }
  if (!_cg_caller_require_current (error))
    return NULL;

  return watch_start (instance, signal_id, detail, NULL, NULL, NULL, NULL, cancellable);
}

/**
 * cg_future_new_for_property:
 * @instance: the object
 * @property: the name of a readable property of @instance
 * @predicate: (nullable) (scope notified) (closure user_data) (destroy destroy):
 *   whether a value is the one waited for; %NULL: any change
 * @user_data: data for @predicate
 * @destroy: (nullable): frees @user_data once the future no longer needs it
 * @cancellable: (nullable): gives up the wait
 * @error: return location for a #GError
 *
 * A future that completes with the value of @property once @predicate
 * accepts it: at once when it accepts the value the property has now,
 * otherwise at the first notification (`notify::property`) of a value it
 * accepts. Without @predicate, at the first notification. See the
 * section's description for threads, cancellation and the object's
 * finalization; @destroy runs on this thread.
 *
 * Fails with %G_IO_ERROR_INVALID_ARGUMENT when @instance has no such
 * readable property, and with %CG_CALLER_ERROR_NOT_FOUND on a thread
 * without a caller; @destroy runs at once then.
 *
 * Returns: (transfer full): the future, or %NULL with @error set
 *
 * Since: 0.1
 */
CgFuture *
cg_future_new_for_property (GObject              *instance,
                            const char           *property,
                            CgPropertyPredicate   predicate,
                            gpointer              user_data,
                            GDestroyNotify        destroy,
                            GCancellable         *cancellable,
                            GError              **error)
{
  GParamSpec *pspec;

  g_return_val_if_fail (G_IS_OBJECT (instance), NULL);
  g_return_val_if_fail (property != NULL, NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (instance), property);
  if (pspec == NULL || !(pspec->flags & G_PARAM_READABLE))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("An object of type %s has no readable property “%s”"),
                   G_OBJECT_TYPE_NAME (instance), property);
      if (destroy != NULL)
        destroy (user_data);
      return NULL;
    }
  if (!_cg_caller_require_current (error))
    {
      if (destroy != NULL)
        destroy (user_data);
      return NULL;
    }

  return watch_start (instance, g_signal_lookup ("notify", G_TYPE_OBJECT),
                      g_param_spec_get_name_quark (pspec), pspec, predicate, user_data,
                      destroy, cancellable);
}
