#!/usr/bin/env python3
# check-layers.py: checks that the library's files call and include only
# downwards, in the layers docs/internals.md describes.
#
# For every caller-glib/*.c it finds the functions the file defines, then
# every call a file makes to a function another file defines, and every
# private header it includes. A call or include that goes to a higher
# layer is an error, and so is a circle of files (within a layer too);
# so is a file that no layer names (add it below and to
# docs/internals.md). Prints the calls between files, layer by layer, with
# --verbose.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import os
import re
import sys

# Lowest first. A file may use its own layer and the layers before it.
LAYERS = [
    ('base', ['cg-init.c', 'cg-error.c', 'cg-inbox.c', 'cg-timers.c', 'cg-parking.c', 'cg-context.c',
              'cg-thread.c', 'cg-recycler.c'],
     ['cg-private.h', 'cg-inbox-private.h', 'cg-timers-private.h', 'cg-parking-private.h',
      'cg-context-private.h', 'cg-thread-private.h', 'cg-recycler-private.h']),
    ('future', ['cg-future.c', 'cg-future-wait.c'],
     ['cg-future-private.h']),
    ('job', ['cg-job.c'],
     ['cg-job-private.h']),
    ('caller', ['cg-caller.c', 'cg-caller-loop.c', 'cg-caller-registry.c'],
     ['cg-caller-private.h', 'cg-caller-internal.h']),
    ('reply', ['cg-async-reply.c'],
     ['cg-async-reply-private.h']),
    ('features', ['cg-future-async.c', 'cg-caller-options.c', 'cg-caller-sync.c', 'cg-worker-pool.c', 'cg-exec-queue.c',
                  'cg-async-lock.c', 'cg-async-lock-guard.c', 'cg-as-completed.c', 'cg-job-list.c',
                  'cg-gio-bridge.c', 'cg-hosted-context.c',
                  'cg-fallible-job.c', 'cg-token-job.c',
                  'cg-future-timeout.c', 'cg-future-combine.c', 'cg-future-signal.c',
                  'cg-task-group.c'],
     ['cg-job-list-private.h']),
]

# Headers only the files of one layer may include, even from above.
INTERNAL = {'cg-caller-internal.h': 'caller'}

DEFINITION = re.compile(r'^([a-z_][a-z0-9_]*) \(', re.M)
CALL = re.compile(r'(?<![\w.>])([a-z_][a-z0-9_]*) \(')
INCLUDE = re.compile(r'^#include "([^"]+)"', re.M)
COMMENT = re.compile(r'/\*.*?\*/', re.S)
STRING = re.compile(r'"(?:[^"\\\n]|\\.)*"')


def main():
    verbose = '--verbose' in sys.argv
    args = [a for a in sys.argv[1:] if a != '--verbose']
    directory = args[0] if args else os.path.join(os.path.dirname(__file__), '..', 'caller-glib')

    layer_of = {}
    header_layer = {}
    for rank, (name, sources, headers) in enumerate(LAYERS):
        for source in sources:
            layer_of[source] = rank
        for header in headers:
            header_layer[header] = rank

    errors = []
    texts = {}
    for entry in sorted(os.listdir(directory)):
        if not entry.endswith('.c'):
            continue
        if entry not in layer_of:
            errors.append(f'{entry}: in no layer (tools/check-layers.py, docs/internals.md)')
            continue
        with open(os.path.join(directory, entry), encoding='utf-8') as f:
            texts[entry] = f.read()

    # Functions other files can call: those not static (GNU style puts the
    # return type, with any "static", on the line before the name).
    defined_in = {}
    for entry, text in texts.items():
        for match in DEFINITION.finditer(text):
            start = text.rfind('\n', 0, match.start() - 1) + 1
            if 'static' not in text[start:match.start()]:
                defined_in.setdefault(match.group(1), entry)

    edges = {}
    for entry, text in texts.items():
        code = STRING.sub('""', COMMENT.sub('', text))
        rank = layer_of[entry]
        for header in INCLUDE.findall(text):
            if header in INTERNAL and LAYERS[rank][0] != INTERNAL[header]:
                errors.append(f'{entry} includes {header}, internal to the '
                              f'{INTERNAL[header]} layer')
            elif header in header_layer and header_layer[header] > rank:
                errors.append(f'{entry} ({LAYERS[rank][0]}) includes {header} '
                              f'({LAYERS[header_layer[header]][0]})')
        for name in set(CALL.findall(code)):
            target = defined_in.get(name)
            if target is None or target == entry:
                continue
            edges.setdefault((entry, target), set()).add(name)
            if layer_of[target] > rank:
                errors.append(f'{entry} ({LAYERS[rank][0]}) calls {name}() of '
                              f'{target} ({LAYERS[layer_of[target]][0]})')

    # No circle among the files either, within a layer too: every file can
    # be read knowing only the files it uses.
    graph = {}
    for source, target in edges:
        graph.setdefault(source, set()).add(target)
    state = {}

    def visit(node, path):
        state[node] = 'open'
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 'open':
                cycle = path[path.index(target):] + [target]
                errors.append('a circle: ' + ' -> '.join(cycle))
            elif target not in state:
                visit(target, path + [target])
        state[node] = 'done'

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])

    if verbose:
        for (source, target), names in sorted(edges.items(),
                                              key=lambda e: (layer_of[e[0][0]], e[0])):
            print(f'{LAYERS[layer_of[source]][0]:>8} {source} -> {target}: '
                  + ', '.join(sorted(names)))

    for error in errors:
        print(f'layering: {error}', file=sys.stderr)
    if not errors:
        print(f'layering: {len(texts)} files, {len(edges)} file-to-file uses, all downwards')
    return 1 if errors else 0


if __name__ == '__main__':
    sys.exit(main())
