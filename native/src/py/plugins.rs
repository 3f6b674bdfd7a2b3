//! `engine._native.plugins()`: the converter, transform and predicate classes the native registry
//! builds, for `GET /connector-plugins?connectorsOnly=false`.

use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::convert::{CONVERTER_CLASSES, HEADER_CONVERTER_CLASSES};
use crate::smt::registry::{PREDICATE_CLASSES, TRANSFORM_CLASSES};

/// `{"converter": [...], "header_converter": [...], "transformation": [...], "predicate": [...]}`,
/// each a sorted list of Connect class names.
///
/// # Errors
/// Only a Python allocation failure.
#[pyfunction]
pub fn plugins(py: Python<'_>) -> PyResult<Bound<'_, PyDict>> {
    let out = PyDict::new(py);
    out.set_item("converter", CONVERTER_CLASSES)?;
    out.set_item("header_converter", HEADER_CONVERTER_CLASSES)?;
    out.set_item("transformation", TRANSFORM_CLASSES)?;
    out.set_item("predicate", PREDICATE_CLASSES)?;
    Ok(out)
}
