//! # pythreading-mp
//!
//! Python's `multiprocessing` for pythreading. Layers, each using only the ones before it:
//!
//! 1. [`pickle`]: bytes ↔ a [`pickle::Value`] model. Never executes or imports anything.
//! 2. [`wire`]: framing and the HMAC handshake of `multiprocessing.connection`.
//! 3. [`managers`]: a `multiprocessing.managers`-compatible server and client.
//! 4. [`connection`]: `Pipe`, `Connection`, `Listener` and `Client` (`multiprocessing.connection`).
//! 5. [`synchronize`], [`queues`], [`sharedctypes`]: locks, queues and numbers shared between
//!    processes, hosted by the process that creates them (the design is in [`synchronize`]).
#![forbid(unsafe_code)]

pub mod connection;
pub mod managers;
pub mod pickle;
pub mod queues;
pub mod sharedctypes;
pub mod synchronize;
pub mod wire;
