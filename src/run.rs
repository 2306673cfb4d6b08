//! `stormpack run`: resolves storm-server, starts `org.apache.storm.LocalCluster` running Flux on
//! the jar (jar first on the classpath, `-Dstorm.jar` set), streams the logs, and stops cleanly
//! after the duration or Ctrl-C.
