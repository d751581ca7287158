/* cg-timers-private.h: the deadlines of a caller's call_later jobs
 *
 * Copyright 2026 The caller-glib authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

#include "cg-inbox-private.h"

G_BEGIN_DECLS

/* A binary min-heap of (deadline, arrival) pairs: one per caller, so a
 * caller with a million pending timers still has a single GSource, whose
 * ready time is the earliest deadline. Ties keep arrival order. A node in
 * the heap knows its place there (CgInboxNode.timer_slot), so taking it out
 * before its deadline costs what a push does. */
typedef struct
{
  gint64     deadline;
  guint64    serial;
  CgInboxNode *node;
} CgTimerEntry;

typedef struct
{
  CgTimerEntry *entries;
  guint         length;
  guint         allocated;
  guint64       next_serial;
} CgTimerHeap;

void         cg_timer_heap_push        (CgTimerHeap *heap,
                                        gint64       deadline,
                                        CgInboxNode   *node);
gint64       cg_timer_heap_next        (CgTimerHeap *heap);
CgInboxNode   *cg_timer_heap_pop_due     (CgTimerHeap *heap,
                                        gint64       now);
gboolean     cg_timer_heap_remove      (CgTimerHeap *heap,
                                        CgInboxNode   *node);
CgInboxNode   *cg_timer_heap_steal_all   (CgTimerHeap *heap);
void         cg_timer_heap_clear       (CgTimerHeap *heap);

G_END_DECLS
