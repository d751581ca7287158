/* cg-timers.c: one timer heap per caller for call_later
 *
 * Copyright 2026 The caller-glib authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "cg-private.h"

#include "cg-timers-private.h"

static inline gboolean
entry_before (const CgTimerEntry *a,
              const CgTimerEntry *b)
{
  return a->deadline < b->deadline ||
         (a->deadline == b->deadline && a->serial < b->serial);
}

void
cg_timer_heap_push (CgTimerHeap *heap,
                    gint64       deadline,
                    CgJobNode   *node)
{
  CgTimerEntry entry = { deadline, heap->next_serial++, node };
  guint i;

  if (heap->length == heap->allocated)
    {
      heap->allocated = MAX (16, heap->allocated * 2);
      heap->entries = g_renew (CgTimerEntry, heap->entries, heap->allocated);
    }

  i = heap->length++;
  while (i > 0)
    {
      guint parent = (i - 1) / 2;

      if (!entry_before (&entry, &heap->entries[parent]))
        break;
      heap->entries[i] = heap->entries[parent];
      i = parent;
    }
  heap->entries[i] = entry;
}

/* The earliest deadline, or G_MAXINT64 when there is none. */
gint64
cg_timer_heap_next (CgTimerHeap *heap)
{
  return heap->length > 0 ? heap->entries[0].deadline : G_MAXINT64;
}

static void
sift_down (CgTimerHeap *heap,
           guint        i)
{
  CgTimerEntry entry = heap->entries[i];

  for (;;)
    {
      guint child = 2 * i + 1;

      if (child >= heap->length)
        break;
      if (child + 1 < heap->length &&
          entry_before (&heap->entries[child + 1], &heap->entries[child]))
        child++;
      if (!entry_before (&heap->entries[child], &entry))
        break;
      heap->entries[i] = heap->entries[child];
      i = child;
    }
  heap->entries[i] = entry;
}

/* Removes and returns the earliest node if its deadline has come. */
CgJobNode *
cg_timer_heap_pop_due (CgTimerHeap *heap,
                       gint64       now)
{
  CgJobNode *node;

  if (heap->length == 0 || heap->entries[0].deadline > now)
    return NULL;

  node = heap->entries[0].node;
  heap->length--;
  if (heap->length > 0)
    {
      heap->entries[0] = heap->entries[heap->length];
      sift_down (heap, 0);
    }

  return node;
}

/* Empties the heap and returns its nodes as a list, in deadline order. */
CgJobNode *
cg_timer_heap_steal_all (CgTimerHeap *heap)
{
  CgJobNode *first = NULL, *last = NULL, *node;

  while ((node = cg_timer_heap_pop_due (heap, G_MAXINT64)) != NULL)
    {
      node->next = NULL;
      if (last != NULL)
        last->next = node;
      else
        first = node;
      last = node;
    }

  return first;
}

void
cg_timer_heap_clear (CgTimerHeap *heap)
{
  g_clear_pointer (&heap->entries, g_free);
  heap->length = heap->allocated = 0;
}
