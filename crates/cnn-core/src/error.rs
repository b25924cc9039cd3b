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

/// Most elements one buffer may hold: what fits the address space as f32
/// (2^30 - 1 in wasm32, where 4 GiB is all the memory there is).
pub const MAX_ELEMENTS: u64 = (usize::MAX / 4) as u64;

/// The number of elements of `dims`, multiplied in u64: fails naming `op`,
/// the shape, the count and the limit instead of wrapping around in a
/// 32-bit `usize` (which let kernels write past their buffers).
pub fn numel(op: &'static str, what: &str, dims: &[usize]) -> Result<usize> {
    let n = dims.iter().try_fold(1u64, |n, &d| n.checked_mul(d as u64));
    match n {
        Some(n) if n <= MAX_ELEMENTS => Ok(n as usize),
        _ => {
            let count = n.map_or_else(|| "more than 2^64".to_string(), |n| n.to_string());
            Err(CoreError::new(
                op,
                format!("{what} of shape {dims:?} has {count} elements, more than the limit of {MAX_ELEMENTS} (f32 in the wasm32 address space)"),
            ))
        }
    }
}

/// Fails with `op: <what> has length <actual>, expected <expected>` unless
/// the slice length is exactly `expected`.
pub fn check_len(op: &'static str, what: &str, actual: usize, expected: usize) -> Result<()> {
    if actual != expected {
        return Err(CoreError::new(op, format!("{what} has {actual} elements, expected {expected}")));
    }
    Ok(())
}

// 65536 * 65537 needs a 64-bit usize (the lib's tests also compile for
// wasm32, under scripts/test-wasm.sh).
#[cfg(all(test, target_pointer_width = "64"))]
mod tests {
    use super::*;

    #[test]
    fn numel_multiplies_without_wrapping() {
        assert_eq!(numel("matMul", "C", &[65536, 65537]).unwrap(), 65536 * 65537);
        assert_eq!(numel("fill", "y", &[]).unwrap(), 1);
        let e = numel("matMul", "C", &[usize::MAX / 2, 4]).unwrap_err();
        assert_eq!(e.op, "matMul");
        assert!(e.message.contains("more than 2^64") || e.message.contains("more than the limit"), "{}", e.message);
        let e = numel("softmax", "x", &[1 << 31, 1 << 31, 8]).unwrap_err();
        assert!(e.message.contains("x of shape [2147483648, 2147483648, 8]"), "{}", e.message);
    }
}
