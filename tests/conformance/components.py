"""Conformance test components written with Storm's own storm.py (the known-good peer).

Each mode mirrors a mode of crates/multilang/examples/conformance.rs; tests/conformance.rs
drives both with the same Storm-side driver. Usage: python3 components.py <mode>
"""
import sys

import storm


def context_line(conf, context):
    tasks = sorted(int(t) for t, c in context["task->component"].items() if c == "count")
    fields = context.get("stream->outputfields", {}).get("default", [])
    return "context componentid=%s taskid=%s marker=%s count-tasks=%s fields=%s" % (
        context["componentid"], context["taskid"], conf.get("test.marker"),
        ",".join(str(t) for t in tasks), ",".join(fields))


class Split(storm.BasicBolt):
    def initialize(self, conf, context):
        storm.logInfo(context_line(conf, context))

    def process(self, tup):
        sentence = tup.values[0]
        if sentence == "boom":
            raise Exception("cannot split boom")
        for word in sentence.split():
            storm.emit([word])


class Ids(storm.Bolt):
    def initialize(self, conf, context):
        self.direct_task = min(int(t) for t, c in context["task->component"].items() if c == "count")

    def process(self, tup):
        word = tup.values[0]
        ids = storm.emit([word], anchors=[tup])
        storm.logInfo("task ids %s: %s" % (tup.id, ",".join(str(i) for i in ids)))
        storm.emitDirect(self.direct_task, [word], stream="direct", anchors=[tup])
        storm.emit([len(word)], stream="lengths", anchors=[tup])
        storm.ack(tup)


class Logger(storm.Bolt):
    def process(self, tup):
        for level in range(5):
            storm.log("level %d" % level, level)
        storm.reportError("reported problem")
        storm.rpcMetrics("counter", {"n": 1})
        storm.ack(tup)


class Crash(storm.Bolt):
    def process(self, tup):
        raise Exception("crash on %s" % tup.values[0])


class Print(storm.BasicBolt):
    def process(self, tup):
        print("debug print from execute")
        storm.emit([tup.values[0]])


class Sentences(storm.Spout):
    def initialize(self, conf, context):
        self.n = 0

    def activate(self):
        storm.logInfo("activated")

    def deactivate(self):
        storm.logInfo("deactivated")

    def nextTuple(self):
        self.n += 1
        storm.emit(["sentence %d" % self.n], id=self.n)

    def ack(self, id):
        storm.logInfo("acked %s" % id)

    def fail(self, id):
        storm.logInfo("failed %s" % id)


MODES = {
    "split": Split,
    "ids": Ids,
    "logger": Logger,
    "crash": Crash,
    "panic": Crash,
    "print": Print,
    "spout": Sentences,
}

if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "banner":
        print("Starting word splitter...")
        mode = "split"
    MODES[mode]().run()
