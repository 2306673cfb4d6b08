//! The log4j2 configuration `stormpack run` hands Storm (`-Dlog4j.configurationFile`): what the
//! components say reaches the terminal — their `log` messages (ShellSpout/ShellBolt "ShellLog"
//! lines), their stderr (logged under the component id), LogInfoBolt's tuples, the user's own
//! Java classes — plus Storm's warnings and errors and the few lines that frame a run
//! (LocalCluster start/stop, submission). Storm's own INFO chatter (ZooKeeper, Nimbus,
//! supervisors, worker configuration dumps) stays out.

/// The configuration file's text.
pub const CONFIG: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<!-- Written by `stormpack run` (regenerated on every run; edits are lost). -->
<Configuration status="WARN" shutdownHook="disable">
  <Appenders>
    <Console name="console" target="SYSTEM_OUT">
      <PatternLayout pattern="%d{HH:mm:ss.SSS} %-5level %c{1.} [%t] %msg%n"/>
    </Console>
  </Appenders>
  <Loggers>
    <!-- Storm itself: warnings and errors only ... -->
    <Logger name="org.apache.storm" level="WARN"/>
    <!-- ... except what a run is about: the multilang components' log messages and deaths, -->
    <Logger name="org.apache.storm.spout.ShellSpout" level="INFO"/>
    <Logger name="org.apache.storm.task.ShellBolt" level="INFO"/>
    <Logger name="org.apache.storm.utils.ShellProcess" level="INFO"/>
    <!-- Flux (the topology it builds) and its wrappers (LogInfoBolt prints every tuple), -->
    <Logger name="org.apache.storm.flux" level="INFO"/>
    <!-- and the lines that frame the run: cluster start/stop, topology submission. -->
    <Logger name="org.apache.storm.LocalCluster" level="INFO"/>
    <Logger name="org.apache.storm.StormSubmitter" level="INFO"/>
    <!-- Shutdown waits Storm reports as warnings while it stops workers on purpose. -->
    <Logger name="org.apache.storm.daemon.supervisor.ReadClusterState" level="ERROR"/>
    <Logger name="org.apache.storm.shade.org.apache.zookeeper" level="ERROR"/>
    <Logger name="org.apache.storm.shade.org.apache.curator" level="ERROR"/>
    <!-- Everything else (the topology's own classes; component stderr, logged under the
         component id) at INFO. -->
    <Root level="INFO">
      <AppenderRef ref="console"/>
    </Root>
  </Loggers>
</Configuration>
"#;
