//! kconnect's native data plane.
//!
//! The core (`smt`, and later `data`, `convert`, `ring`) is plain Rust with no pyo3 types, so
//! `cargo test` and `cargo bench` run without an interpreter. Only `py/` touches pyo3; this file
//! declares the Python module `engine._native` and holds no logic.

pub mod convert;
pub mod data;
pub mod errors;
#[cfg(test)]
mod perf;
pub mod pipeline;
pub mod py;
pub mod ring;
pub mod smt;

use pyo3::prelude::*;

/// The private extension module; users import it through `engine.transforms`.
#[pymodule(gil_used = false)]
mod _native {
    #[pymodule_export]
    use crate::py::pipeline::{PyPipeline, PyRecordBatch};
    #[pymodule_export]
    use crate::py::plugins::plugins;
    #[pymodule_export]
    use crate::py::ring::PyRingBuffer;
    #[pymodule_export]
    use crate::py::smt::PyRegexRouter;

    use pyo3::prelude::*;

    #[pymodule_init]
    fn init(m: &Bound<'_, PyModule>) -> PyResult<()> {
        m.add("__version__", env!("CARGO_PKG_VERSION"))
    }
}
