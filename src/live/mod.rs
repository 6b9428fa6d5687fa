//! The live review rooms (API.md section 9) over WebSockets.
//!
//! - `protocol`: parsing client frames and writing server messages (pure).
//! - `connection`: one task per socket (reader) plus a writer with a bounded queue.
//! - `conn`: a connection's handle, queue and close codes.
//! - `hub` / `room`: per instance, one task per session that delivers events in `seq` order;
//!   a room knows the hub only as its `RoomHost`.
//! - `commands`: translating each command into its use case (`usecase::room`, `usecase::votes`,
//!   `usecase::review`).
//! - `view`: the presenter's `view` relay: a trailing-edge throttle per room (at most 10 views
//!   a second, always the latest) and the latest view of each session for `welcome`.
//! - `welcome`: what a joining connection is told.
//! - `bus`: how commits reach other instances (PostgreSQL LISTEN/NOTIFY) and heartbeats.

pub mod admission;
pub mod bus;
pub mod commands;
pub mod conn;
pub mod connection;
pub mod hub;
pub mod inbox;
pub mod metrics;
pub mod presence;
pub mod protocol;
pub mod rate;
pub mod registry;
pub mod room;
pub mod settings;
pub mod view;
pub mod welcome;

pub use hub::{Hub, LiveSettings};
