/* vapi-queue-close.vala: Vala code that closes and looks up execution
 * queues as caller-glib-1.vapi declares them. Vala names a queue with the
 * _named functions (a delegate cannot stand for a C function pointer, so
 * the vapi leaves out queue_close() and queue_exists()). It must compile
 * and run; vapi-check.sh builds it. */

static void item (Cg.Future future) {
}

int main () {
    var owner = new Object ();
    try {
        var main = Cg.Caller.@get (null, true, false);
        main.queue_call_named ("items", owner, item, 0);
        bool exists = main.queue_exists_named ("items", owner);
        bool closed = main.queue_close_named ("items", owner);
        bool gone = !main.queue_exists_named ("items", owner);
        Cg.Caller.stop_all (true);
        return exists && closed && gone ? 0 : 1;
    } catch (Error e) {
        return 1;
    }
}
