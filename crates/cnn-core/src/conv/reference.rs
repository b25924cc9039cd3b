//! Scalar references: the convolution sums written out as loops, straight
//! from the definition, no packing, no threads. Slow and obviously right;
//! every fast path is tested against these.

use crate::gemm::Activation;
use crate::shape::Conv2d;

/// Visits every (output pixel, tap, input pixel) triple that contributes.
/// `f(out_offset_without_channel, filter_tap_offset, input_offset_without_channel)`.
fn for_each_contribution(p: &Conv2d, mut f: impl FnMut(usize, usize, usize)) {
    for n in 0..p.n {
        for oy in 0..p.y.output {
            for ox in 0..p.x.output {
                let o = ((n * p.y.output + oy) * p.x.output + ox) * p.cout;
                for ky in 0..p.y.kernel {
                    let iy = p.y.input_index(oy, ky);
                    if iy < 0 || iy as usize >= p.y.input {
                        continue;
                    }
                    for kx in 0..p.x.kernel {
                        let ix = p.x.input_index(ox, kx);
                        if ix < 0 || ix as usize >= p.x.input {
                            continue;
                        }
                        let i = ((n * p.y.input + iy as usize) * p.x.input + ix as usize) * p.cin;
                        let t = (ky * p.x.kernel + kx) * p.cin * p.cout;
                        f(o, t, i);
                    }
                }
            }
        }
    }
}

/// `y = act(conv(x, w) + bias)`.
pub fn conv2d_ref(p: &Conv2d, x: &[f32], w: &[f32], bias: Option<&[f32]>, act: Activation, y: &mut [f32]) {
    y.fill(0.0);
    for_each_contribution(p, |o, t, i| {
        for ci in 0..p.cin {
            let xv = x[i + ci];
            for co in 0..p.cout {
                y[o + co] += xv * w[t + ci * p.cout + co];
            }
        }
    });
    for px in y.chunks_mut(p.cout) {
        for (co, v) in px.iter_mut().enumerate() {
            if let Some(b) = bias {
                *v += b[co];
            }
            *v = act.apply(*v);
        }
    }
}

/// `dx = d(sum(dy * conv(x, w))) / dx`.
pub fn conv2d_backward_input_ref(p: &Conv2d, dy: &[f32], w: &[f32], dx: &mut [f32]) {
    dx.fill(0.0);
    for_each_contribution(p, |o, t, i| {
        for ci in 0..p.cin {
            let mut s = 0.0;
            for co in 0..p.cout {
                s += dy[o + co] * w[t + ci * p.cout + co];
            }
            dx[i + ci] += s;
        }
    });
}

/// `dw = d(sum(dy * conv(x, w))) / dw`.
pub fn conv2d_backward_filter_ref(p: &Conv2d, x: &[f32], dy: &[f32], dw: &mut [f32]) {
    dw.fill(0.0);
    for_each_contribution(p, |o, t, i| {
        for ci in 0..p.cin {
            let xv = x[i + ci];
            for co in 0..p.cout {
                dw[t + ci * p.cout + co] += xv * dy[o + co];
            }
        }
    });
}

/// `db[co] = sum over pixels of dy[.., co]`.
pub fn bias_grad_ref(dy: &[f32], c: usize, db: &mut [f32]) {
    db.fill(0.0);
    for px in dy.chunks(c) {
        for (d, v) in db.iter_mut().zip(px) {
            *d += *v;
        }
    }
}
