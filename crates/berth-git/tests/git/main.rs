//! Integration tests of berth-git against real repositories made with the git
//! command, served from local paths, `file://`, `git daemon` and smart HTTP.

#![allow(clippy::unwrap_used)]
mod http;
mod mirror;
mod remote;
mod support;
mod workdir;
