//! `stormpack.lock`: every resolved coordinate and its sha256; `--locked` compares against it.
