/* cg-context.c: context variables, carried into jobs
 *
 * Copyright 2026 The caller-glib authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "cg-private.h"

#include "cg-context-private.h"

/**
 * SECTION:cg-context
 * @title: Context variables
 * @short_description: values that follow work from thread to thread
 *
 * A #CgContextVar is the C counterpart of Python's `contextvars.ContextVar`:
 * a variable whose value belongs to the current *context* rather than to a
 * thread. cg_caller_call_soon(), cg_caller_call_later(),
 * cg_caller_to_thread() and the execution queues capture a copy of the
 * current context when work is submitted; the job, and every callback the
 * library later runs on its behalf (the done callbacks it registers, its
 * cg_future_wait_async() and lock callbacks), run inside that copy. Changes
 * a job makes stay in its copy; the submitter never sees them.
 * cg_caller_call_direct() copies nothing.
 *
 * |[<!-- language="C" -->
 * static CgContextVar *request_id;
 *
 * static void
 * handle (CgFuture *future, gpointer user_data)
 * {
 *   // sees the value the submitter had when it called call_soon
 *   g_print ("request %s\n", (char *) cg_context_var_get_pointer (request_id));
 * }
 *
 * request_id = cg_context_var_new ("request-id", NULL);
 * g_autoptr(CgContextToken) token = cg_context_var_set_pointer (request_id, "r-42");
 * g_autoptr(CgFuture) future = cg_caller_call_soon (worker, handle, NULL, NULL, &error);
 * cg_context_var_reset (request_id, token, NULL);
 * ]|
 *
 * A context is an immutable map underneath: copying one is taking a
 * reference, so submitting work costs nothing extra when no variable is
 * set and one atomic increment when some are. Setting a variable copies
 * the map (its size is the number of variables set, usually a handful).
 *
 * Variables and contexts are thread-safe; the current context is per
 * thread.
 */

/**
 * CgContextVar:
 *
 * A context variable, the counterpart of Python's
 * `contextvars.ContextVar`: its value belongs to the current context and
 * follows the work submitted from it. Its fields are private.
 *
 * Since: 0.1
 */

/**
 * CgContext:
 *
 * A context: the values of every context variable, as captured by
 * cg_context_copy_current() or by the library when it submits work, the
 * counterpart of Python's `contextvars.Context`. A reference-counted boxed
 * type; run code inside it with cg_context_run().
 *
 * Since: 0.1
 */

/**
 * CgContextToken:
 *
 * What cg_context_var_set() returns: hand it to cg_context_var_reset() to
 * restore the value the variable had before, Python's
 * `contextvars.Token`. A reference-counted boxed type; use it once.
 *
 * Since: 0.1
 */

/* What a context map holds of a variable: a key of its own, not the
 * variable. A map holding the variable would keep it alive for as long as
 * the map lives, and the map of a thread's base context lives as long as
 * the thread: every variable ever set there, and its value, would stay,
 * and setting a variable, which copies the map, would cost more with each.
 * Once a variable is finalized nobody can read or set it, so its key is
 * marked dead and maps leave its entry out whenever they are copied. A
 * key outlives its variable while maps hold it, so a new variable never
 * takes the key of an old one. */
typedef struct
{
  gint ref_count;  /* atomic */
  gint dead;       /* atomic: the variable is finalized */
} VarKey;

typedef struct
{
  VarKey *key;
  GValue  value;
} MapEntry;

struct _CgContextMap
{
  gint     ref_count;
  guint    length;
  MapEntry entries[];
};

struct _CgContextVar
{
  GObject  parent_instance;
  char    *name;
  GValue   default_value;
  VarKey  *key;
};

struct _CgContext
{
  gint          ref_count;
  gint          entered;   /* atomic */
  CgContextMap *map;
};

struct _CgContextToken
{
  gint          ref_count;
  gint          used;      /* atomic */
  CgContextVar *var;
  gboolean      had_value;
  GValue        old_value;
};

G_DEFINE_FINAL_TYPE (CgContextVar, cg_context_var, G_TYPE_OBJECT)
G_DEFINE_BOXED_TYPE (CgContext, cg_context, cg_context_ref, cg_context_unref)
G_DEFINE_BOXED_TYPE (CgContextToken, cg_context_token, cg_context_token_ref, cg_context_token_unref)

/* The current map of each thread (a reference, or NULL when empty). A
 * thread that ever had one registers thread_map_key, whose destructor drops
 * it when the thread ends. */
static CG_THREAD_LOCAL CgContextMap *current_map;
static CG_THREAD_LOCAL gboolean thread_map_key_set; /* saves looking it up */

static void
thread_map_release (gpointer data)
{
  _cg_context_map_unref (current_map);
  current_map = NULL;
  thread_map_key_set = FALSE;
}

static GPrivate thread_map_key = G_PRIVATE_INIT (thread_map_release);

static inline void
set_current_map (CgContextMap *map)
{
  if (map != NULL && G_UNLIKELY (!thread_map_key_set))
    {
      g_private_set (&thread_map_key, GINT_TO_POINTER (1));
      thread_map_key_set = TRUE;
    }
  current_map = map;
}

/* Maps ------------------------------------------------------------------ */

static VarKey *
var_key_ref (VarKey *key)
{
  g_atomic_int_inc (&key->ref_count);
  return key;
}

static void
var_key_unref (VarKey *key)
{
  if (g_atomic_int_dec_and_test (&key->ref_count))
    g_free (key);
}

static CgContextMap *
map_ref (CgContextMap *map)
{
  if (map != NULL)
    g_atomic_int_inc (&map->ref_count);
  return map;
}

void
_cg_context_map_unref (CgContextMap *map)
{
  if (map != NULL && g_atomic_int_dec_and_test (&map->ref_count))
    {
      for (guint i = 0; i < map->length; i++)
        {
          /* A plain pointer holds nothing to free (the lock's holders). */
          if (!G_VALUE_HOLDS_POINTER (&map->entries[i].value))
            g_value_unset (&map->entries[i].value);
          var_key_unref (map->entries[i].key);
        }
      g_free (map);
    }
}

/* Copies @src into the zeroed @dest; a plain pointer without the type
 * system's copy function. */
static inline void
value_copy_into (GValue       *dest,
                 const GValue *src)
{
  g_value_init (dest, G_VALUE_TYPE (src));
  if (G_VALUE_HOLDS_POINTER (src))
    g_value_set_pointer (dest, g_value_get_pointer (src));
  else
    g_value_copy (src, dest);
}

static const MapEntry *
map_lookup (CgContextMap *map,
            CgContextVar *var)
{
  VarKey *key = var->key;
  guint lo = 0, hi;

  if (map == NULL)
    return NULL;

  hi = map->length;
  while (lo < hi)
    {
      guint mid = (lo + hi) / 2;

      if (map->entries[mid].key == key)
        return &map->entries[mid];
      if ((gconstpointer) map->entries[mid].key < (gconstpointer) key)
        lo = mid + 1;
      else
        hi = mid;
    }

  return NULL;
}

/* A new map: @map with @var set to @value, or removed when @value is NULL,
 * and without the entries of variables that are gone. */
static CgContextMap *
map_with (CgContextMap *map,
          CgContextVar *var,
          const GValue *value)
{
  guint old_length = map != NULL ? map->length : 0;
  CgContextMap *copy = g_malloc (sizeof (CgContextMap) + (old_length + 1) * sizeof (MapEntry));
  VarKey *key = var->key;
  gboolean placed = FALSE;
  guint n = 0;

  copy->ref_count = 1;

  for (guint i = 0; i <= old_length; i++)
    {
      MapEntry *old = i < old_length ? &map->entries[i] : NULL;

      if (!placed && (old == NULL || (gconstpointer) old->key >= (gconstpointer) key))
        {
          placed = TRUE;
          if (value != NULL)
            {
              MapEntry *entry = &copy->entries[n++];

              entry->key = var_key_ref (key);
              memset (&entry->value, 0, sizeof entry->value);
              value_copy_into (&entry->value, value);
            }
          if (old != NULL && old->key == key)
            continue;
        }

      if (old != NULL && !g_atomic_int_get (&old->key->dead))
        {
          MapEntry *entry = &copy->entries[n++];

          entry->key = var_key_ref (old->key);
          memset (&entry->value, 0, sizeof entry->value);
          value_copy_into (&entry->value, &old->value);
        }
    }

  copy->length = n;
  if (n == 0)
    {
      g_free (copy);
      return NULL;
    }

  return copy;
}

/* For the tests: the length of the current map, the entries of variables
 * that are gone but not left out yet included. */
guint
_cg_context_count_current_entries (void)
{
  return current_map != NULL ? current_map->length : 0;
}

CgContextMap *
_cg_context_capture (void)
{
  return map_ref (current_map);
}

/* The slot lends its reference to the current map: while a job or
 * callback runs, nothing else holds its map unless it was shared before,
 * and a variable it sets is then written in place (see
 * _cg_context_var_put_pointer()). The slot is written back only when the
 * map was replaced, so that a slot another thread frees later (with a
 * reference count GLib keeps, which ThreadSanitizer does not see) was not
 * written on this one. */
CgContextMap *
_cg_context_enter (CgContextMap **slot)
{
  CgContextMap *saved = current_map;

  set_current_map (*slot);
  return saved;
}

void
_cg_context_leave (CgContextMap **slot,
                   CgContextMap  *saved)
{
  if (*slot != current_map)
    *slot = current_map;
  set_current_map (saved);
}

/* Variables --------------------------------------------------------------- */

static void
cg_context_var_finalize (GObject *object)
{
  CgContextVar *self = CG_CONTEXT_VAR (object);

  /* Maps may still hold the key: they drop it when next copied. */
  g_atomic_int_set (&self->key->dead, 1);
  var_key_unref (self->key);
  g_free (self->name);
  if (G_IS_VALUE (&self->default_value))
    g_value_unset (&self->default_value);

  G_OBJECT_CLASS (cg_context_var_parent_class)->finalize (object);
}

static void
cg_context_var_class_init (CgContextVarClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = cg_context_var_finalize;
}

static void
cg_context_var_init (CgContextVar *self)
{
  self->key = g_new (VarKey, 1);
  self->key->ref_count = 1;
  self->key->dead = 0;
}

/**
 * cg_context_var_new:
 * @name: the variable's name, for debugging
 * @default_value: (nullable): the value the variable has in a context
 *   that never set it, or %NULL for none
 *
 * Makes a context variable. Variables are usually made once, at start-up,
 * and kept for the life of the program. A context does not keep a
 * variable alive: once the variable is finalized, the value a context had
 * for it is freed with the context, or when the context next changes.
 *
 * Returns: (transfer full): a new variable
 *
 * Since: 0.1
 */
CgContextVar *
cg_context_var_new (const char   *name,
                    const GValue *default_value)
{
  CgContextVar *self;

  g_return_val_if_fail (name != NULL, NULL);
  g_return_val_if_fail (default_value == NULL || G_IS_VALUE (default_value), NULL);

  self = g_object_new (CG_TYPE_CONTEXT_VAR, NULL);
  self->name = g_strdup (name);
  if (default_value != NULL)
    {
      g_value_init (&self->default_value, G_VALUE_TYPE (default_value));
      g_value_copy (default_value, &self->default_value);
    }

  return self;
}

/**
 * cg_context_var_get_name:
 * @self: a #CgContextVar
 *
 * Gets the name the variable was made with.
 *
 * Returns: the variable's name
 *
 * Since: 0.1
 */
const char *
cg_context_var_get_name (CgContextVar *self)
{
  g_return_val_if_fail (CG_IS_CONTEXT_VAR (self), NULL);

  return self->name;
}

static gboolean
lookup_in (CgContextMap *map,
           CgContextVar *self,
           GValue       *value)
{
  const MapEntry *entry = map_lookup (map, self);
  const GValue *found = entry != NULL ? &entry->value : NULL;

  if (found == NULL && G_IS_VALUE (&self->default_value))
    found = &self->default_value;
  if (found == NULL)
    return FALSE;

  g_value_init (value, G_VALUE_TYPE (found));
  g_value_copy (found, value);
  return TRUE;
}

/**
 * cg_context_var_get:
 * @self: a #CgContextVar
 * @value: (out caller-allocates): an uninitialised #GValue that receives
 *   the value
 *
 * Reads the variable in the current context: the value set there, else
 * its default.
 *
 * Returns: %FALSE when the variable has neither (then @value is left
 *   alone)
 *
 * Since: 0.1
 */
gboolean
cg_context_var_get (CgContextVar *self,
                    GValue       *value)
{
  g_return_val_if_fail (CG_IS_CONTEXT_VAR (self), FALSE);
  g_return_val_if_fail (value != NULL && !G_IS_VALUE (value), FALSE);

  return lookup_in (current_map, self, value);
}

/**
 * cg_context_var_set:
 * @self: a #CgContextVar
 * @value: the new value; it is copied
 *
 * Sets the variable in the current context.
 *
 * Returns: (transfer full): a token that cg_context_var_reset() takes to
 *   restore the previous value
 *
 * Since: 0.1
 */
CgContextToken *
cg_context_var_set (CgContextVar *self,
                    const GValue *value)
{
  CgContextToken *token;
  const MapEntry *entry;
  CgContextMap *next;

  g_return_val_if_fail (CG_IS_CONTEXT_VAR (self), NULL);
  g_return_val_if_fail (G_IS_VALUE (value), NULL);

  token = g_new0 (CgContextToken, 1);
  token->ref_count = 1;
  token->var = g_object_ref (self);
  entry = map_lookup (current_map, self);
  if (entry != NULL)
    {
      token->had_value = TRUE;
      g_value_init (&token->old_value, G_VALUE_TYPE (&entry->value));
      g_value_copy (&entry->value, &token->old_value);
    }

  next = map_with (current_map, self, value);
  _cg_context_map_unref (current_map);
  set_current_map (next);

  return token;
}

/**
 * cg_context_var_reset:
 * @self: a #CgContextVar
 * @token: the token that cg_context_var_set() gave
 * @error: return location for a #GError
 *
 * Restores the value the variable had before the cg_context_var_set() that
 * gave @token. Fails with %CG_CALLER_ERROR_INVALID_ARGUMENT when @token
 * belongs to another variable and with %CG_FUTURE_ERROR_INVALID_STATE when
 * it was used already.
 *
 * Returns: %TRUE when the value was restored
 *
 * Since: 0.1
 */
gboolean
cg_context_var_reset (CgContextVar    *self,
                      CgContextToken  *token,
                      GError         **error)
{
  CgContextMap *next;

  g_return_val_if_fail (CG_IS_CONTEXT_VAR (self), FALSE);
  g_return_val_if_fail (token != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (token->var != self)
    {
      g_set_error (error, CG_CALLER_ERROR, CG_CALLER_ERROR_INVALID_ARGUMENT,
                   _("The token belongs to another context variable than “%s”"),
                   self->name);
      return FALSE;
    }

  if (!g_atomic_int_compare_and_exchange (&token->used, 0, 1))
    {
      g_set_error (error, CG_FUTURE_ERROR, CG_FUTURE_ERROR_INVALID_STATE,
                   _("The token of context variable “%s” was used already"),
                   self->name);
      return FALSE;
    }

  next = map_with (current_map, self, token->had_value ? &token->old_value : NULL);
  _cg_context_map_unref (current_map);
  set_current_map (next);

  return TRUE;
}

/**
 * cg_context_var_get_pointer:
 * @self: a #CgContextVar
 *
 * A C convenience: reads a variable that holds a pointer (or an object,
 * boxed value or string).
 *
 * Returns: (transfer none) (nullable): the value, or %NULL when there is
 *   none or it is not a pointer
 *
 * Since: 0.1
 */
gpointer
cg_context_var_get_pointer (CgContextVar *self)
{
  const MapEntry *entry;
  const GValue *found;

  g_return_val_if_fail (CG_IS_CONTEXT_VAR (self), NULL);

  entry = map_lookup (current_map, self);
  found = entry != NULL ? &entry->value : NULL;
  if (found != NULL && G_VALUE_HOLDS_POINTER (found))
    return g_value_get_pointer (found);
  if (found == NULL && G_IS_VALUE (&self->default_value))
    found = &self->default_value;
  if (found == NULL || !(G_VALUE_HOLDS_POINTER (found) || G_VALUE_HOLDS_OBJECT (found) ||
                         G_VALUE_HOLDS_BOXED (found) || G_VALUE_HOLDS_STRING (found)))
    return NULL;

  /* The current map keeps the value alive until it changes. */
  return g_value_peek_pointer (found);
}

/**
 * cg_context_var_set_pointer:
 * @self: a #CgContextVar
 * @value: (nullable): the new value
 *
 * A C convenience: sets the variable to a plain pointer (%G_TYPE_POINTER);
 * the context does not own it.
 *
 * Returns: (transfer full): the token, as cg_context_var_set()
 *
 * Since: 0.1
 */
CgContextToken *
cg_context_var_set_pointer (CgContextVar *self,
                            gpointer      value)
{
  g_auto(GValue) holder = G_VALUE_INIT;

  g_return_val_if_fail (CG_IS_CONTEXT_VAR (self), NULL);

  g_value_init (&holder, G_TYPE_POINTER);
  g_value_set_pointer (&holder, value);
  return cg_context_var_set (self, &holder);
}

gpointer
_cg_context_var_peek_pointer (CgContextVar *var)
{
  const MapEntry *entry = map_lookup (current_map, var);

  if (entry != NULL && G_VALUE_HOLDS_POINTER (&entry->value))
    return g_value_get_pointer (&entry->value);
  return NULL;
}

void
_cg_context_var_put_pointer (CgContextVar *var,
                             gpointer      value)
{
  GValue holder = G_VALUE_INIT;
  CgContextMap *next;

  /* A map that no copy, job or callback shares is this thread's alone: a
   * pointer it holds already is changed in place, with no new map. No
   * other thread can take a reference meanwhile, since only a holder can
   * share it. */
  if (current_map != NULL && g_atomic_int_get (&current_map->ref_count) == 1)
    {
      MapEntry *entry = (MapEntry *) map_lookup (current_map, var);

      if (entry != NULL && G_VALUE_HOLDS_POINTER (&entry->value))
        {
          g_value_set_pointer (&entry->value, value);
          return;
        }
    }

  g_value_init (&holder, G_TYPE_POINTER);
  g_value_set_pointer (&holder, value);
  next = map_with (current_map, var, &holder);
  _cg_context_map_unref (current_map);
  set_current_map (next);
}

/**
 * cg_context_token_ref:
 * @self: a #CgContextToken
 *
 * Takes a reference to @self.
 *
 * Returns: (transfer full): @self
 *
 * Since: 0.1
 */
CgContextToken *
cg_context_token_ref (CgContextToken *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_int_inc (&self->ref_count);
  return self;
}

/**
 * cg_context_token_unref:
 * @self: (transfer full): a #CgContextToken
 *
 * Drops a reference to @self.
 *
 * Since: 0.1
 */
void
cg_context_token_unref (CgContextToken *self)
{
  g_return_if_fail (self != NULL);

  if (g_atomic_int_dec_and_test (&self->ref_count))
    {
      if (G_IS_VALUE (&self->old_value))
        g_value_unset (&self->old_value);
      g_object_unref (self->var);
      g_free (self);
    }
}

/* Contexts ---------------------------------------------------------------- */

/**
 * cg_context_new:
 *
 * Makes an empty context: every variable has its default in it.
 *
 * Returns: (transfer full): a new context
 *
 * Since: 0.1
 */
CgContext *
cg_context_new (void)
{
  CgContext *self = g_new0 (CgContext, 1);

  self->ref_count = 1;
  return self;
}

/**
 * cg_context_copy_current:
 *
 * A copy of the current context (Python's `contextvars.copy_context()`).
 * Cheap: the copy shares the current, immutable map.
 *
 * Returns: (transfer full): the copy
 *
 * Since: 0.1
 */
CgContext *
cg_context_copy_current (void)
{
  CgContext *self = cg_context_new ();

  self->map = map_ref (current_map);
  return self;
}

/**
 * cg_context_copy:
 * @self: a #CgContext
 *
 * Copies a context: the copy starts with the values of @self, and what
 * is set in one of them later is not seen in the other. Cheap, as
 * cg_context_copy_current() is.
 *
 * Returns: (transfer full): a copy of @self
 *
 * Since: 0.1
 */
CgContext *
cg_context_copy (CgContext *self)
{
  CgContext *copy;

  g_return_val_if_fail (self != NULL, NULL);

  copy = cg_context_new ();
  copy->map = map_ref (self->map);
  return copy;
}

/**
 * cg_context_ref:
 * @self: a #CgContext
 *
 * Takes a reference to @self.
 *
 * Returns: (transfer full): @self
 *
 * Since: 0.1
 */
CgContext *
cg_context_ref (CgContext *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_int_inc (&self->ref_count);
  return self;
}

/**
 * cg_context_unref:
 * @self: (transfer full): a #CgContext
 *
 * Drops a reference to @self.
 *
 * Since: 0.1
 */
void
cg_context_unref (CgContext *self)
{
  g_return_if_fail (self != NULL);

  if (g_atomic_int_dec_and_test (&self->ref_count))
    {
      _cg_context_map_unref (self->map);
      g_free (self);
    }
}

/**
 * cg_context_lookup:
 * @self: a #CgContext
 * @variable: a #CgContextVar
 * @value: (out caller-allocates): an uninitialised #GValue for the value
 *
 * Reads @variable as it is in @self, without entering it.
 *
 * Returns: %FALSE when the variable has no value there and no default
 *
 * Since: 0.1
 */
gboolean
cg_context_lookup (CgContext    *self,
                   CgContextVar *variable,
                   GValue       *value)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (CG_IS_CONTEXT_VAR (variable), FALSE);
  g_return_val_if_fail (value != NULL && !G_IS_VALUE (value), FALSE);

  return lookup_in (self->map, variable, value);
}

/**
 * cg_context_run:
 * @self: a #CgContext
 * @func: (scope call) (closure user_data): what to run
 * @user_data: data for @func
 * @error: return location for a #GError
 *
 * Runs @func inside @self (Python's `Context.run()`): it reads the
 * variables as @self has them, and what it sets stays in @self. A context
 * can be entered by one caller at a time: entering it again before it is
 * left fails with %CG_FUTURE_ERROR_INVALID_STATE.
 *
 * Returns: %TRUE when @func ran
 *
 * Since: 0.1
 */
gboolean
cg_context_run (CgContext     *self,
                CgDirectFunc   func,
                gpointer       user_data,
                GError       **error)
{
  CgContextMap *saved, *changed;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (func != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!g_atomic_int_compare_and_exchange (&self->entered, 0, 1))
    {
      g_set_error_literal (error, CG_FUTURE_ERROR, CG_FUTURE_ERROR_INVALID_STATE,
                           _("The context is entered already; copy it to run "
                             "something else in it at the same time"));
      return FALSE;
    }

  /* The context keeps its map while it runs, so that a copy made
   * meanwhile starts with the values it had when entered. */
  saved = current_map;
  set_current_map (map_ref (self->map));
  func (user_data);
  changed = current_map;
  set_current_map (saved);
  _cg_context_map_unref (self->map);
  self->map = changed;

  g_atomic_int_set (&self->entered, 0);
  return TRUE;
}

/* Tasks ------------------------------------------------------------------ */

/* Runs an async callback inside the context captured when the operation
 * began, as SPEC section 4 asks of every callback run on a job's behalf. */
typedef struct
{
  GAsyncReadyCallback  callback;
  gpointer             user_data;
  CgContextMap        *context;
} ContextCallback;

static void
context_callback_trampoline (GObject      *source_object,
                             GAsyncResult *result,
                             gpointer      data)
{
  ContextCallback *closure = data;
  CgContextMap *saved = _cg_context_enter (&closure->context);

  closure->callback (source_object, result, closure->user_data);
  _cg_context_leave (&closure->context, saved);

  _cg_context_map_unref (closure->context);
  g_free (closure);
}

/* A GTask whose callback runs inside the context current now. */
GTask *
_cg_context_task_new (gpointer             source_object,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  ContextCallback *closure;

  if (callback == NULL)
    return g_task_new (source_object, cancellable, NULL, NULL);

  closure = g_new (ContextCallback, 1);
  closure->callback = callback;
  closure->user_data = user_data;
  closure->context = _cg_context_capture ();

  return g_task_new (source_object, cancellable, context_callback_trampoline, closure);
}
