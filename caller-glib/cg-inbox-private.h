/* cg-inbox-private.h: the inbox through which other threads hand work
 * to a caller
 *
 * Copyright 2026 The caller-glib authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

#include "cg-types.h"

G_BEGIN_DECLS

typedef struct _CgInboxNode CgInboxNode;

/* Runs (@run TRUE) or discards (@run FALSE: the caller is stopping) the
 * node on the caller's thread. It owns the node from then on. */
typedef void (*CgInboxNodeFunc) (CgInboxNode *node,
                               CgCaller  *caller,
                               gboolean   run);

struct _CgInboxNode
{
  union
  {
    CgInboxNode   *next;        /* in an inbox or another list of nodes */
    gsize        timer_slot;  /* in a timer heap: its index there */
  };
  union
  {
    CgInboxNodeFunc  func;
    gint64         queued_at;   /* while it waits in a queue that runs its
                                 * nodes itself (the worker pool's) */
  };
};

/* A multi-producer, single-consumer inbox.
 *
 * Producers push onto a lock-free stack (one compare-and-swap). The
 * consumer takes the whole stack with one exchange and reverses it, so
 * nodes come out in the order they were pushed; it keeps them in a private
 * FIFO it drains with a budget. Closing swaps in a sentinel that makes
 * every later push fail, so nothing can slip in after the final drain.
 *
 * `sleeping` is set by the consumer just before it may block in poll();
 * only a producer that finds it set (and clears it) wakes the context, so
 * a busy consumer is never woken once per job. */
typedef struct
{
  gint       padding_before_[14];
  /* Written by producers. */
  CgInboxNode *head;
  gint       sleeping;
  gint       padding_[13];

  /* The consumer's own FIFO. */
  CgInboxNode *local_head;
  CgInboxNode *local_tail;
  guint      local_length;
} CgInbox;

typedef enum
{
  CG_INBOX_PUSHED,
  CG_INBOX_PUSHED_WAKE,
  CG_INBOX_CLOSED,
} CgInboxPush;

CgInboxPush  cg_inbox_push           (CgInbox   *inbox,
                                      CgInboxNode *node);
gboolean     cg_inbox_has_pending    (CgInbox   *inbox);
guint        cg_inbox_take           (CgInbox   *inbox);
CgInboxNode   *cg_inbox_pop_local      (CgInbox   *inbox);
CgInboxNode   *cg_inbox_close          (CgInbox   *inbox);
CgInboxNode   *cg_inbox_steal_local    (CgInbox   *inbox);
gboolean     cg_inbox_is_closed      (CgInbox   *inbox);
void         cg_inbox_set_sleeping   (CgInbox   *inbox,
                                      gboolean   sleeping);

G_END_DECLS
