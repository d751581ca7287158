// main.js: awaits the native helper's future from JavaScript.
//
//   GI_TYPELIB_PATH=build LD_LIBRARY_PATH=build gjs -m main.js FILE
//
// SPDX-License-Identifier: LGPL-2.1-or-later

import GLib from 'gi://GLib';
import Cg from 'gi://Cg';
import WordCount from 'gi://WordCount';
import System from 'system';

const main = Cg.Caller.get(null, true, false);
main.thread_bound = true; // JS functions run and are freed on this thread only
main.start();

const loop = new GLib.MainLoop(null, false);
const [path] = ARGV;
const future = WordCount.file(path);
let status = 0;
future.wait_async(10, Cg.WaitFlags.NONE, null, (_, result) => {
    try {
        future.wait_finish(result);
        print(`${path}: ${future.propagate_int()} words`);
    } catch (e) {
        printerr(`${path}: ${e.message}`);
        status = 1;
    }
    loop.quit();
});
loop.run();
Cg.Caller.stop_all(true);
System.exit(status);
