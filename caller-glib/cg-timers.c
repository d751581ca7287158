/* cg-timers.c: one timer heap per caller for call_later
 *
 * Copyright 2026 The caller-glib authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "cg-private.h"

#include "cg-timers-private.h"

/* The heap keeps at least this many entries of room, and gives back half
 * of its room when three quarters of it are unused. */
#define MIN_ALLOCATED 16

static inline gboolean
entry_before (const CgTimerEntry *a,
              const CgTimerEntry *b)
{
  return a->deadline < b->deadline ||
         (a->deadline == b->deadline && a->serial < b->serial);
}

static inline void
place (CgTimerHeap        *heap,
       guint               i,
       const CgTimerEntry *entry)
{
  heap->entries[i] = *entry;
  entry->node->timer_slot = i;
}

/* Puts @entry at @i or above, moving later entries down. */
static void
sift_up (CgTimerHeap        *heap,
         guint               i,
         const CgTimerEntry *entry)
{
  while (i > 0)
    {
      guint parent = (i - 1) / 2;

      if (!entry_before (entry, &heap->entries[parent]))
        break;
      place (heap, i, &heap->entries[parent]);
      i = parent;
    }
  place (heap, i, entry);
}

/* Puts @entry at @i or below, moving earlier entries up. */
static void
sift_down (CgTimerHeap        *heap,
           guint               i,
           const CgTimerEntry *entry)
{
  for (;;)
    {
      guint child = 2 * i + 1;

      if (child >= heap->length)
        break;
      if (child + 1 < heap->length &&
          entry_before (&heap->entries[child + 1], &heap->entries[child]))
        child++;
      if (!entry_before (&heap->entries[child], entry))
        break;
      place (heap, i, &heap->entries[child]);
      i = child;
    }
  place (heap, i, entry);
}

void
cg_timer_heap_push (CgTimerHeap *heap,
                    gint64       deadline,
                    CgInboxNode   *node)
{
  CgTimerEntry entry = { deadline, heap->next_serial++, node };

  if (heap->length == heap->allocated)
    {
      heap->allocated = MAX (MIN_ALLOCATED, heap->allocated * 2);
      heap->entries = g_renew (CgTimerEntry, heap->entries, heap->allocated);
    }

  sift_up (heap, heap->length++, &entry);
}

/* The earliest deadline, or G_MAXINT64 when there is none. */
gint64
cg_timer_heap_next (CgTimerHeap *heap)
{
  return heap->length > 0 ? heap->entries[0].deadline : G_MAXINT64;
}

/* Takes out the entry at @i, filling its place with the last entry. */
static CgInboxNode *
remove_at (CgTimerHeap *heap,
           guint        i)
{
  CgInboxNode *node = heap->entries[i].node;

  heap->length--;
  if (i < heap->length)
    {
      CgTimerEntry last = heap->entries[heap->length];

      if (i > 0 && entry_before (&last, &heap->entries[(i - 1) / 2]))
        sift_up (heap, i, &last);
      else
        sift_down (heap, i, &last);
    }

  /* Memory held for a burst of timers that are gone comes back. */
  if (heap->allocated > MIN_ALLOCATED && heap->length < heap->allocated / 4)
    {
      heap->allocated /= 2;
      heap->entries = g_renew (CgTimerEntry, heap->entries, heap->allocated);
    }

  return node;
}

/* Removes and returns the earliest node if its deadline has come. */
CgInboxNode *
cg_timer_heap_pop_due (CgTimerHeap *heap,
                       gint64       now)
{
  if (heap->length == 0 || heap->entries[0].deadline > now)
    return NULL;

  return remove_at (heap, 0);
}

/* Takes @node out of the heap before its deadline; FALSE when it is not
 * there (not pushed yet, or popped already). */
gboolean
cg_timer_heap_remove (CgTimerHeap *heap,
                      CgInboxNode   *node)
{
  gsize i = node->timer_slot;

  /* Outside the heap the slot holds a list link, which cannot pass for
   * the place of this node. */
  if (i >= heap->length || heap->entries[i].node != node)
    return FALSE;

  remove_at (heap, (guint) i);
  return TRUE;
}

/* Empties the heap and returns its nodes as a list, in deadline order. */
CgInboxNode *
cg_timer_heap_steal_all (CgTimerHeap *heap)
{
  CgInboxNode *first = NULL, *last = NULL, *node;

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
