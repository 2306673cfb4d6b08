//! pom.xml parsing (quick-xml) into a raw model that keeps each element's line and column.
