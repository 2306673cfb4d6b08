//! Staging that survives the supervisor: Storm extracts `resources/` without permissions, so each
//! component gets a POSIX `sh` launcher that picks the binary for `uname -m`, restores the exec
//! bit on its own copy, and `exec`s it. Binaries go under `resources/<arch>/`.
