//! `~/.m2/settings.xml`: localRepository, mirrors, offline.
