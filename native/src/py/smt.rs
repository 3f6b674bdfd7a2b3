//! Python classes for the single-message transforms.

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyList, PyString};

use crate::smt::RegexRouter;

/// `RegexRouter` compiled once; `route_batch` renames many topics in one call.
#[pyclass(name = "RegexRouter", module = "engine._native", frozen)]
pub struct PyRegexRouter {
    inner: RegexRouter,
    regex: String,
    replacement: String,
}

#[pymethods]
impl PyRegexRouter {
    #[new]
    #[pyo3(signature = (*, regex, replacement))]
    fn py_new(regex: &str, replacement: &str) -> PyResult<Self> {
        let inner = RegexRouter::new(regex, replacement).map_err(|e| PyValueError::new_err(e.to_string()))?;
        Ok(Self { inner, regex: regex.to_owned(), replacement: replacement.to_owned() })
    }

    /// Routes every topic of `topics`; an unchanged topic is returned as the same object.
    fn route_batch<'py>(&self, py: Python<'py>, topics: &Bound<'py, PyList>) -> PyResult<Bound<'py, PyList>> {
        let out = PyList::empty(py);
        for item in topics.iter() {
            let topic = item.cast::<PyString>()?;
            let text = topic.to_str()?;
            match self.inner.route(text) {
                std::borrow::Cow::Borrowed(_) => out.append(&item)?,
                std::borrow::Cow::Owned(routed) => out.append(PyString::new(py, &routed))?,
            }
        }
        Ok(out)
    }

    fn __repr__(&self) -> String {
        format!("RegexRouter(regex={:?}, replacement={:?})", self.regex, self.replacement)
    }
}
