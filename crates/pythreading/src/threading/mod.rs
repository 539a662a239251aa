//! Python's `threading` and `_thread`: threads, and every synchronization primitive.
//!
//! (Being built: see the foundation issue.)

// ---------------------------------------------------------------------------------------------
// Threads: spawning, the registry, excepthook, exit semantics, Local, Timer, `_thread`.
// ---------------------------------------------------------------------------------------------

// (threads section)

// ---------------------------------------------------------------------------------------------
// Synchronization primitives: Lock, RLock, Condition, Semaphore, BoundedSemaphore, Event, Barrier.
// ---------------------------------------------------------------------------------------------

// (primitives section)
