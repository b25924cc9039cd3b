//! The one error type of the core: every failure names the op and says what
//! was expected and what was given, in the style of TensorFlow's messages.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoreError {
    /// Public name of the op or kernel that refused its arguments (`conv2d`).
    pub op: &'static str,
    pub message: String,
}

impl CoreError {
    pub fn new(op: &'static str, message: impl Into<String>) -> Self {
        CoreError { op, message: message.into() }
    }
}

impl fmt::Display for CoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.op, self.message)
    }
}

impl std::error::Error for CoreError {}

pub type Result<T> = std::result::Result<T, CoreError>;

/// Fails with `op: <what> has length <actual>, expected <expected>` unless
/// the slice length is exactly `expected`.
pub fn check_len(op: &'static str, what: &str, actual: usize, expected: usize) -> Result<()> {
    if actual != expected {
        return Err(CoreError::new(
            op,
            format!("{what} has {actual} elements, expected {expected}"),
        ));
    }
    Ok(())
}
