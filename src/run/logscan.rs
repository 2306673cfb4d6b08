//! Reading Storm's output as it streams by: where the run is (topology submitted, cluster
//! stopping) and what went wrong before the shutdown began. Storm kills the component processes
//! when it stops, and logs that as "ShellBolt died" / "Pipe to subprocess seems to be broken"; only
//! what happens before "STOPPING LOCAL MODE CLUSTER" is a problem of the topology.

/// Storm's failure messages, and what each one means for the user.
const PROBLEMS: &[(&str, &str)] = &[
    (
        "Pipe to subprocess seems to be broken",
        "a component exited or wrote something other than protocol messages to stdout \
         (log through the protocol, e.g. storm.log(), or to stderr)",
    ),
    (
        "subprocess heartbeat timeout",
        "a component stopped answering Storm's heartbeats within topology.subprocess.timeout.secs \
         (a bolt must answer every __heartbeat tuple with sync; a spout must answer next with sync)",
    ),
    (
        "Halting process: ShellBolt died",
        "a bolt's process died (its command, pid and exit code are in this line)",
    ),
    (
        "Halting process: ShellSpout died",
        "a spout's process died (its command, pid and exit code are in this line)",
    ),
    (
        "Halting process: Worker died",
        "the worker died after a component failure (the first error above is the cause)",
    ),
    (
        "Found multiple defaults.yaml resources",
        "Storm itself is shaded into the jar; give storm-client/storm-core <scope>provided</scope>",
    ),
    (
        "because \"properties\" is null",
        "the topology has a ${...} placeholder (comments count too: Flux substitutes the whole \
         file) but Flux got no --filter file, and Flux stops with a NullPointerException; pass \
         --filter FILE with the values, or remove the placeholder",
    ),
    (
        "Cannot run program",
        "a component's command could not be started (is the interpreter installed? is the \
         script or launcher under resources/?)",
    ),
];

/// The run's progress and problems, as read off the log.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct LogScan {
    /// Flux submitted the topology ("Finished submitting topology").
    pub submitted: bool,
    /// LocalCluster began its shutdown ("STOPPING LOCAL MODE CLUSTER").
    pub stopping: bool,
    /// Problem lines seen before the shutdown began, with their explanation.
    pub problems: Vec<(String, &'static str)>,
    /// Storm halted its own JVM while the shutdown was under way ("Halting process" after
    /// "STOPPING LOCAL MODE CLUSTER"): an executor thread that did not stop within 100 ms of its
    /// interruption (a busy machine) reports the closed pipe and halts with status 1. The
    /// topology had stopped by then; the status says nothing about it.
    pub halted_while_stopping: bool,
}

impl LogScan {
    pub fn observe(&mut self, line: &str) {
        if line.contains("STOPPING LOCAL MODE CLUSTER") {
            self.stopping = true;
            return;
        }
        if line.contains("Finished submitting topology") {
            self.submitted = true;
        }
        if self.stopping {
            if line.contains("Halting process") {
                self.halted_while_stopping = true;
            }
            return;
        }
        if let Some((_, meaning)) = PROBLEMS.iter().find(|(needle, _)| line.contains(needle)) {
            // Storm logs one failure several times (the error, its report, the rethrow).
            if !self.problems.iter().any(|(_, m)| m == meaning) {
                self.problems.push((line.trim().to_string(), meaning));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problems_before_the_shutdown_count_once_each() {
        let mut scan = LogScan::default();
        for line in [
            "18:04:18.782 INFO  o.a.s.StormSubmitter [main] Finished submitting topology: wc",
            "18:06:06.649 ERROR o.a.s.t.ShellBolt [Thread-46] Halting process: ShellBolt died. Command: [python3, split.py]",
            "java.lang.RuntimeException: subprocess heartbeat timeout",
            "Caused by: java.lang.RuntimeException: subprocess heartbeat timeout",
        ] {
            scan.observe(line);
        }
        assert!(scan.submitted);
        assert!(!scan.stopping);
        assert_eq!(scan.problems.len(), 2);
        assert!(scan.problems[1].1.contains("heartbeats"));
    }

    #[test]
    fn storm_killing_components_at_shutdown_is_not_a_problem() {
        let mut scan = LogScan::default();
        for line in [
            "18:04:38.782 INFO  o.a.s.LocalCluster [main] ",
            "\t\tSTOPPING LOCAL MODE CLUSTER",
            "18:04:40.050 ERROR o.a.s.t.ShellBolt [Thread-44] Halting process: ShellBolt died. Command: [python3, split.py], exitCode:143",
            "java.lang.RuntimeException: org.apache.storm.multilang.NoOutputException: Pipe to subprocess seems to be broken! No output read.",
        ] {
            scan.observe(line);
        }
        assert!(scan.stopping);
        assert!(scan.halted_while_stopping);
        assert!(scan.problems.is_empty(), "{:?}", scan.problems);
    }
}
