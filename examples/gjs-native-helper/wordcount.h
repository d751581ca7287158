/* wordcount.h: the smallest native helper for GJS */
#pragma once

#include <caller-glib.h>

CgFuture *word_count_file (const char *path);
