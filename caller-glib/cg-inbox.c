/* cg-inbox.c: the inbox of a caller
 *
 * Copyright 2026 The caller-glib authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "cg-private.h"

#include "cg-inbox-private.h"

#define INBOX_CLOSED ((CgInboxNode *) GSIZE_TO_POINTER (1))

CgInboxPush
cg_inbox_push (CgInbox   *inbox,
               CgInboxNode *node)
{
  CgInboxNode *old = g_atomic_pointer_get (&inbox->head);

  do
    {
      if (old == INBOX_CLOSED)
        return CG_INBOX_CLOSED;
      /* Written only when it changes: a node made on the consumer's
       * thread with its link set (an answer to that thread) then stays
       * in that thread's cache, and the consumer reads it there. */
      if (node->next != old)
        node->next = old;
    }
  while (!g_atomic_pointer_compare_and_exchange_full (&inbox->head, old, node, &old));

  /* Sequentially consistent after the push: either the consumer sees the
   * node when it re-checks after announcing sleep, or we see it asleep. */
  if (g_atomic_int_get (&inbox->sleeping) && g_atomic_int_exchange (&inbox->sleeping, 0))
    return CG_INBOX_PUSHED_WAKE;

  return CG_INBOX_PUSHED;
}

gboolean
cg_inbox_has_pending (CgInbox *inbox)
{
  CgInboxNode *head = g_atomic_pointer_get (&inbox->head);

  return inbox->local_head != NULL || (head != NULL && head != INBOX_CLOSED);
}

gboolean
cg_inbox_is_closed (CgInbox *inbox)
{
  return g_atomic_pointer_get (&inbox->head) == INBOX_CLOSED;
}

void
cg_inbox_set_sleeping (CgInbox  *inbox,
                       gboolean  sleeping)
{
  g_atomic_int_set (&inbox->sleeping, sleeping ? 1 : 0);
}

static CgInboxNode *
reverse (CgInboxNode  *list,
         CgInboxNode **tail,
         guint      *length)
{
  CgInboxNode *prev = NULL;
  guint n = 0;

  if (tail != NULL)
    *tail = list;

  while (list != NULL)
    {
      CgInboxNode *next = list->next;

      list->next = prev;
      prev = list;
      list = next;
      n++;
    }

  if (length != NULL)
    *length = n;

  return prev;
}

/* Moves everything pushed so far into the consumer's FIFO; returns how many
 * nodes it moved. Consumer only. */
guint
cg_inbox_take (CgInbox *inbox)
{
  CgInboxNode *old = g_atomic_pointer_get (&inbox->head);
  CgInboxNode *first, *last;
  guint n;

  do
    {
      if (old == NULL || old == INBOX_CLOSED)
        return 0;
    }
  while (!g_atomic_pointer_compare_and_exchange_full (&inbox->head, old, NULL, &old));

  first = reverse (old, &last, &n);
  if (inbox->local_tail != NULL)
    inbox->local_tail->next = first;
  else
    inbox->local_head = first;
  inbox->local_tail = last;
  inbox->local_length += n;

  return n;
}

CgInboxNode *
cg_inbox_pop_local (CgInbox *inbox)
{
  CgInboxNode *node = inbox->local_head;

  if (node == NULL)
    return NULL;

  inbox->local_head = node->next;
  if (inbox->local_head == NULL)
    inbox->local_tail = NULL;
  inbox->local_length--;
  node->next = NULL;

  return node;
}

/* Takes the consumer's FIFO as a list, oldest first. Consumer only (or
 * once nothing consumes any more). */
CgInboxNode *
cg_inbox_steal_local (CgInbox *inbox)
{
  CgInboxNode *list = inbox->local_head;

  inbox->local_head = inbox->local_tail = NULL;
  inbox->local_length = 0;

  return list;
}

/* Closes the inbox for good and returns what was pushed and not yet
 * taken, oldest first. Any thread; later pushes fail. */
CgInboxNode *
cg_inbox_close (CgInbox *inbox)
{
  CgInboxNode *old = g_atomic_pointer_exchange (&inbox->head, INBOX_CLOSED);

  if (old == INBOX_CLOSED)
    return NULL;

  return reverse (old, NULL, NULL);
}
