//! The pyo3 boundary: the only place Python types appear.

pub mod data;
pub mod pipeline;
pub mod plugins;
pub mod ring;
pub mod smt;
