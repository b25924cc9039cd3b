//! Global max and average pooling over NHWC, forward and backward:
//! `x [n, h, w, c] -> y [n, c]` (Keras `GlobalMaxPooling2D`,
//! `GlobalAveragePooling2D`). `dims` is `[n, h, w, c]`; backward functions
//! take the forward arguments with `dy [n, c]` in place of `y` and overwrite
//! `dx [n, h, w, c]`.
//!
//! As in [`crate::pool`]: vectorised over channels with a scalar tail, the
//! first maximal pixel (row-major, strict `>`) wins the max and its gradient,
//! SIMD and scalar versions agree bit for bit, and threads split the images
//! (each output element is computed by one task, in pixel order).

use crate::error::{check_len, numel, CoreError, Result};
use crate::par;
use crate::simd::F32x4;

/// Pixel indices travel through `F32x4` lanes as f32, exact below 2^24;
/// beyond that the SIMD backward hands over to the scalar twin.
const F32_EXACT: usize = 1 << 24;

/// Rough floats touched per parallel task below which splitting costs more
/// than it saves.
const MIN_TASK_WORK: usize = 1 << 14;

/// Fails unless global pooling over `dims = [n, h, w, c]` is defined.
fn check_global(op: &'static str, dims: [usize; 4]) -> Result<()> {
    let [_, h, w, c] = dims;
    if h == 0 || w == 0 || c == 0 {
        return Err(CoreError::new(op, format!("height, width and channels must be at least 1, got [{h}, {w}] x {c}")));
    }
    Ok(())
}

/// Runs `f(b, y_row)` for every image `b` in parallel; `y_row` is its `[c]`
/// output row.
fn per_image_out(dims: [usize; 4], y: &mut [f32], f: impl Fn(usize, &mut [f32]) + Sync + Send) {
    let [n, h, w, c] = dims;
    if n == 0 {
        return;
    }
    let chunk = par::chunk_size(n, MIN_TASK_WORK / (h * w * c));
    par::for_each_out_chunk(y, c, chunk, |first, piece| {
        for (i, row) in piece.chunks_mut(c).enumerate() {
            f(first + i, row);
        }
    });
}

/// Runs `f(b, dx_image)` for every image in parallel.
fn per_image_dx(dims: [usize; 4], dx: &mut [f32], f: impl Fn(usize, &mut [f32]) + Sync + Send) {
    let [n, h, w, c] = dims;
    if n == 0 {
        return;
    }
    let img = h * w * c;
    let chunk = par::chunk_size(n, MIN_TASK_WORK / img);
    par::for_each_out_chunk(dx, img, chunk, |first, piece| {
        for (i, d) in piece.chunks_mut(img).enumerate() {
            f(first + i, d);
        }
    });
}

fn check_global_forward(op: &'static str, dims: [usize; 4], x: &[f32], y: &[f32]) -> Result<()> {
    check_global(op, dims)?;
    let [n, h, w, c] = dims;
    check_len(op, "x", x.len(), numel(op, "x", &[n, h, w, c])?)?;
    check_len(op, "y", y.len(), numel(op, "y", &[n, c])?)
}

/// `y[b, c]` = mean over all pixels of `x[b, .., .., c]` (Keras
/// `GlobalAveragePooling2D`): summed in pixel order, divided by `h * w`.
pub fn global_avg_pool(dims: [usize; 4], x: &[f32], y: &mut [f32]) -> Result<()> {
    check_global_forward("globalAvgPool", dims, x, y)?;
    let [_, h, w, c] = dims;
    let hw = h * w;
    per_image_out(dims, y, |b, out| {
        let img = &x[b * hw * c..][..hw * c];
        let count = hw as f32;
        let mut ch = 0;
        while ch + 4 <= c {
            // SAFETY: pixel < hw and ch + 4 <= c.
            unsafe {
                let mut vacc = F32x4::zero();
                for px in 0..hw {
                    vacc = vacc.add(F32x4::load(img.as_ptr().add(px * c + ch)));
                }
                vacc.div(F32x4::splat(count)).store(out.as_mut_ptr().add(ch));
            }
            ch += 4;
        }
        for ch in ch..c {
            let mut s = 0.0f32;
            for px in 0..hw {
                s += img[px * c + ch];
            }
            out[ch] = s / count;
        }
    });
    Ok(())
}

/// Scalar reference of [`global_avg_pool`].
pub fn global_avg_pool_ref(dims: [usize; 4], x: &[f32], y: &mut [f32]) -> Result<()> {
    check_global_forward("globalAvgPool", dims, x, y)?;
    let [n, h, w, c] = dims;
    for b in 0..n {
        for ch in 0..c {
            let mut s = 0.0f32;
            for px in 0..h * w {
                s += x[(b * h * w + px) * c + ch];
            }
            y[b * c + ch] = s / (h * w) as f32;
        }
    }
    Ok(())
}

fn check_global_avg_backward(op: &'static str, dims: [usize; 4], dy: &[f32], dx: &[f32]) -> Result<()> {
    check_global(op, dims)?;
    let [n, h, w, c] = dims;
    check_len(op, "dy", dy.len(), numel(op, "dy", &[n, c])?)?;
    check_len(op, "dx", dx.len(), numel(op, "dx", &[n, h, w, c])?)
}

/// `dx[b, .., .., c] = dy[b, c] / (h * w)`.
pub fn global_avg_pool_backward(dims: [usize; 4], dy: &[f32], dx: &mut [f32]) -> Result<()> {
    check_global_avg_backward("globalAvgPoolBackward", dims, dy, dx)?;
    let [_, h, w, c] = dims;
    let count = (h * w) as f32;
    per_image_dx(dims, dx, |b, d| {
        let g = &dy[b * c..][..c];
        for px in d.chunks_mut(c) {
            let mut ch = 0;
            while ch + 4 <= c {
                // SAFETY: ch + 4 <= c for both `g` and `px`.
                unsafe { F32x4::load(g.as_ptr().add(ch)).div(F32x4::splat(count)).store(px.as_mut_ptr().add(ch)) };
                ch += 4;
            }
            for ch in ch..c {
                px[ch] = g[ch] / count;
            }
        }
    });
    Ok(())
}

/// Scalar reference of [`global_avg_pool_backward`].
pub fn global_avg_pool_backward_ref(dims: [usize; 4], dy: &[f32], dx: &mut [f32]) -> Result<()> {
    check_global_avg_backward("globalAvgPoolBackward", dims, dy, dx)?;
    let [n, h, w, c] = dims;
    for b in 0..n {
        for px in 0..h * w {
            for ch in 0..c {
                dx[(b * h * w + px) * c + ch] = dy[b * c + ch] / (h * w) as f32;
            }
        }
    }
    Ok(())
}

/// `y[b, c]` = maximum over all pixels of `x[b, .., .., c]`.
pub fn global_max_pool(dims: [usize; 4], x: &[f32], y: &mut [f32]) -> Result<()> {
    check_global_forward("globalMaxPool", dims, x, y)?;
    let [_, h, w, c] = dims;
    let hw = h * w;
    per_image_out(dims, y, |b, out| {
        let img = &x[b * hw * c..][..hw * c];
        let mut ch = 0;
        while ch + 4 <= c {
            // SAFETY: pixel < hw and ch + 4 <= c.
            unsafe {
                let mut vmax = F32x4::load(img.as_ptr().add(ch));
                for px in 1..hw {
                    vmax = vmax.max(F32x4::load(img.as_ptr().add(px * c + ch)));
                }
                vmax.store(out.as_mut_ptr().add(ch));
            }
            ch += 4;
        }
        for ch in ch..c {
            let mut m = img[ch];
            for px in 1..hw {
                let v = img[px * c + ch];
                if v > m {
                    m = v;
                }
            }
            out[ch] = m;
        }
    });
    Ok(())
}

/// Scalar reference of [`global_max_pool`].
pub fn global_max_pool_ref(dims: [usize; 4], x: &[f32], y: &mut [f32]) -> Result<()> {
    check_global_forward("globalMaxPool", dims, x, y)?;
    let [n, h, w, c] = dims;
    for b in 0..n {
        for ch in 0..c {
            let mut m = x[b * h * w * c + ch];
            for px in 1..h * w {
                let v = x[(b * h * w + px) * c + ch];
                if v > m {
                    m = v;
                }
            }
            y[b * c + ch] = m;
        }
    }
    Ok(())
}

fn check_global_max_backward(op: &'static str, dims: [usize; 4], x: &[f32], dy: &[f32], dx: &[f32]) -> Result<()> {
    check_global(op, dims)?;
    let [n, h, w, c] = dims;
    check_len(op, "x", x.len(), numel(op, "x", &[n, h, w, c])?)?;
    check_len(op, "dy", dy.len(), numel(op, "dy", &[n, c])?)?;
    check_len(op, "dx", dx.len(), numel(op, "dx", &[n, h, w, c])?)
}

/// `dx` of global max pooling: `dy[b, c]` goes to the first maximal pixel
/// (row-major) of channel `c`, every other cell is zero.
pub fn global_max_pool_backward(dims: [usize; 4], x: &[f32], dy: &[f32], dx: &mut [f32]) -> Result<()> {
    const OP: &str = "globalMaxPoolBackward";
    check_global_max_backward(OP, dims, x, dy, dx)?;
    let [_, h, w, c] = dims;
    let hw = h * w;
    if hw >= F32_EXACT {
        return global_max_pool_backward_ref(dims, x, dy, dx);
    }
    per_image_dx(dims, dx, |b, d| {
        d.fill(0.0);
        let img = &x[b * hw * c..][..hw * c];
        let g = &dy[b * c..][..c];
        let mut ch = 0;
        while ch + 4 <= c {
            // SAFETY: pixel < hw and ch + 4 <= c. `vidx` holds the pixel of
            // the running maximum, moved only on a strictly greater value.
            let vidx = unsafe {
                let mut vmax = F32x4::load(img.as_ptr().add(ch));
                let mut vidx = F32x4::zero();
                let mut vpx = F32x4::zero();
                let vone = F32x4::splat(1.0);
                for px in 1..hw {
                    vpx = vpx.add(vone);
                    let vx = F32x4::load(img.as_ptr().add(px * c + ch));
                    vidx = vx.select_gt(vmax, vpx, vidx);
                    vmax = vmax.max(vx);
                }
                vidx.to_array()
            };
            for (lane, px) in vidx.iter().enumerate() {
                d[*px as usize * c + ch + lane] = g[ch + lane];
            }
            ch += 4;
        }
        for ch in ch..c {
            let (mut m, mut arg) = (img[ch], 0);
            for px in 1..hw {
                if img[px * c + ch] > m {
                    (m, arg) = (img[px * c + ch], px);
                }
            }
            d[arg * c + ch] = g[ch];
        }
    });
    Ok(())
}

/// Scalar reference of [`global_max_pool_backward`].
pub fn global_max_pool_backward_ref(dims: [usize; 4], x: &[f32], dy: &[f32], dx: &mut [f32]) -> Result<()> {
    check_global_max_backward("globalMaxPoolBackward", dims, x, dy, dx)?;
    let [n, h, w, c] = dims;
    dx.fill(0.0);
    for b in 0..n {
        for ch in 0..c {
            let mut arg = b * h * w * c + ch;
            for px in 1..h * w {
                let i = (b * h * w + px) * c + ch;
                if x[i] > x[arg] {
                    arg = i;
                }
            }
            dx[arg] = dy[b * c + ch];
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
