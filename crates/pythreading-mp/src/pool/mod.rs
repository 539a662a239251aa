//! Python's `multiprocessing.Pool` and `concurrent.futures.ProcessPoolExecutor`.

pub(crate) mod worker;
