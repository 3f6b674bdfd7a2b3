//! The pyo3 boundary: the only place Python types appear.

pub mod pipeline;
pub mod ring;
pub mod smt;
