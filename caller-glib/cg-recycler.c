/* cg-recycler.c: items kept for reuse, per thread and shared
 *
 * Copyright 2026 The caller-glib authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "cg-private.h"

#include "cg-recycler-private.h"

typedef struct
{
  CgRecycler *recycler;  /* set on first use */
  gpointer    head;
  guint       count;
} Magazine;

typedef struct _Batch Batch;
struct _Batch
{
  Batch    *next;
  gpointer  head;
  guint     count;
};

static CG_THREAD_LOCAL gboolean thread_exiting;
static CG_THREAD_LOCAL Magazine *magazines_here;

static inline gpointer *
link_of (CgRecycler *self,
         gpointer    item)
{
  return (gpointer *) ((guint8 *) item + self->link_offset);
}

static void
magazines_free (gpointer data)
{
  Magazine *magazines = data;

  /* What the drops give back is not kept any more. */
  thread_exiting = TRUE;
  magazines_here = NULL;
  for (guint slot = 0; slot < CG_RECYCLER_SLOTS; slot++)
    {
      CgRecycler *recycler = magazines[slot].recycler;
      gpointer item = magazines[slot].head;

      while (item != NULL)
        {
          gpointer next = *link_of (recycler, item);

          *link_of (recycler, item) = NULL;
          recycler->drop (item);
          item = next;
        }
    }
  g_free (magazines);
}

/* The GPrivate drops the magazines when the thread ends; the thread-local
 * pointer is the fast way to them. */
static GPrivate magazines_key = G_PRIVATE_INIT (magazines_free);

static Magazine *
magazine_for (CgRecycler *self)
{
  Magazine *magazines = magazines_here;

  if (G_UNLIKELY (magazines == NULL))
    {
      if (thread_exiting)
        return NULL;
      magazines = g_new0 (Magazine, CG_RECYCLER_SLOTS);
      g_private_set (&magazines_key, magazines);
      magazines_here = magazines;
    }
  if (G_UNLIKELY (magazines[self->slot].recycler == NULL))
    magazines[self->slot].recycler = self;
  return &magazines[self->slot];
}

/* Takes an item kept before, or NULL. */
gpointer
_cg_recycler_take (CgRecycler *self)
{
  Magazine *magazine = magazine_for (self);
  gpointer item;

  if (G_UNLIKELY (magazine == NULL))
    return NULL;

  if (magazine->head == NULL && g_atomic_pointer_get (&self->depot) != NULL)
    {
      Batch *batch = NULL;

      _cg_mutex_lock (&self->depot_lock);
      batch = self->depot;
      if (batch != NULL)
        {
          g_atomic_pointer_set (&self->depot, batch->next);
          g_atomic_int_set (&self->depot_count, self->depot_count - 1);
        }
      _cg_mutex_unlock (&self->depot_lock);

      if (batch != NULL)
        {
          magazine->head = batch->head;
          magazine->count = batch->count;
          g_free (batch);
        }
    }

  item = magazine->head;
  if (item != NULL)
    {
      magazine->head = *link_of (self, item);
      magazine->count--;
      *link_of (self, item) = NULL;
    }

  return item;
}

/* Whether this thread can keep one more item (for _cg_recycler_put(),
 * with nothing in between on this thread): a full magazine goes to the
 * depot as a batch; when the depot is full too, there is no room. */
gboolean
_cg_recycler_reserve (CgRecycler *self)
{
  Magazine *magazine = magazine_for (self);
  Batch *batch;
  gboolean stored = FALSE;

  if (G_UNLIKELY (magazine == NULL))
    return FALSE;
  if (magazine->count < CG_RECYCLER_MAGAZINE)
    return TRUE;
  if (g_atomic_int_get (&self->depot_count) >= CG_RECYCLER_DEPOT)
    return FALSE;

  batch = g_new (Batch, 1);
  batch->head = magazine->head;
  batch->count = magazine->count;

  _cg_mutex_lock (&self->depot_lock);
  if (self->depot_count < CG_RECYCLER_DEPOT)
    {
      batch->next = self->depot;
      g_atomic_pointer_set (&self->depot, batch);
      g_atomic_int_set (&self->depot_count, self->depot_count + 1);
      stored = TRUE;
    }
  _cg_mutex_unlock (&self->depot_lock);

  if (!stored)
    {
      g_free (batch);
      return FALSE;
    }

  magazine->head = NULL;
  magazine->count = 0;
  return TRUE;
}

/* Keeps @item, after a _cg_recycler_reserve() that gave room. */
void
_cg_recycler_put (CgRecycler *self,
                  gpointer    item)
{
  Magazine *magazine = &magazines_here[self->slot];

  *link_of (self, item) = magazine->head;
  magazine->head = item;
  magazine->count++;
}

/* Keeps @item if there is room; FALSE when the caller must free it. */
gboolean
_cg_recycler_give (CgRecycler *self,
                   gpointer    item)
{
  if (!_cg_recycler_reserve (self))
    return FALSE;
  _cg_recycler_put (self, item);
  return TRUE;
}
