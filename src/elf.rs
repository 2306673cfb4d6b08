//! Reads just enough of an ELF header to tell a binary's architecture, class and static/dynamic
//! linking, so a staged binary is proven to match the target it was built for.
