//! Single-message transforms, one per module, named as Connect names them.

pub mod regex_router;

pub use regex_router::RegexRouter;
