use burn::prelude::*;

/// Rotary position tables for a batch, in Hugging Face's rotate-half layout.
#[derive(Clone, Debug)]
pub struct RotaryTables {
    /// [batch, seq, 1, head_dim]
    pub cos: Tensor<4>,
    /// [batch, seq, 1, head_dim]
    pub sin: Tensor<4>,
    /// [head_dim, head_dim]: `x · rotate == rotate_half(x) = [-x₂, x₁]`, a signed permutation.
    pub rotate: Tensor<2>,
}

impl RotaryTables {
    /// `positions` [batch, seq] (per-sample, so padding never shifts a sample's positions).
    pub fn new(positions: Tensor<2, Int>, head_dim: usize, theta: f64) -> Self {
        let device = positions.device();
        let [batch, seq] = positions.dims();
        let half = head_dim / 2;
        let inv_freq: Vec<f32> = (0..half)
            .map(|i| (1.0 / theta.powf((2 * i) as f64 / head_dim as f64)) as f32)
            .collect();
        let inv_freq = Tensor::<1>::from_floats(inv_freq.as_slice(), &device).reshape([1, 1, half]);
        let angles = positions.float().reshape([batch, seq, 1]) * inv_freq;
        let angles = Tensor::cat(vec![angles.clone(), angles], 2).reshape([batch, seq, 1, head_dim]);
        Self {
            cos: angles.clone().cos(),
            sin: angles.sin(),
            rotate: rotate_half_matrix(head_dim, &device),
        }
    }

    /// The tables of positions `rows` only (for queries of some of the positions).
    pub fn rows(&self, rows: std::ops::Range<usize>) -> Self {
        let [batch, _, _, d] = self.cos.dims();
        Self {
            cos: self.cos.clone().slice([0..batch, rows.clone(), 0..1, 0..d]),
            sin: self.sin.clone().slice([0..batch, rows, 0..1, 0..d]),
            rotate: self.rotate.clone(),
        }
    }

    /// Rotates `x` [batch, seq, heads, head_dim] (heads split, not yet moved before `seq`).
    ///
    /// `rotate_half` is one product with a constant matrix rather than two slices, a negation
    /// and a concatenation: one op forward and one backward instead of about eight.
    pub fn apply(&self, x: Tensor<4>) -> Tensor<4> {
        let [b, s, h, d] = x.dims();
        // The tables are f32; follow `x` when the model runs in half precision.
        let dtype = x.dtype();
        let rotated = x
            .clone()
            .reshape([b * s * h, d])
            .matmul(self.rotate.clone().cast(dtype))
            .reshape([b, s, h, d]);
        let cos = self.cos.clone().cast(dtype).expand([b, s, h, d]);
        let sin = self.sin.clone().cast(dtype).expand([b, s, h, d]);
        x * cos + rotated * sin
    }
}

/// [d, d] with `x · R = [-x[d/2..], x[..d/2]]`.
fn rotate_half_matrix(d: usize, device: &Device) -> Tensor<2> {
    let half = d / 2;
    let mut values = vec![0f32; d * d];
    for i in 0..half {
        values[(i + half) * d + i] = -1.0;
        values[i * d + i + half] = 1.0;
    }
    Tensor::<1>::from_floats(values.as_slice(), device).reshape([d, d])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotation_matches_rotate_half_and_the_closed_form() {
        let device = Device::flex();
        let d = 8;
        let positions = Tensor::<2, Int>::from_ints([[0, 1, 2], [5, 6, 7]], &device);
        let tables = RotaryTables::new(positions, d, 10000.0);
        let x = Tensor::<4>::random([2, 3, 2, d], burn::tensor::Distribution::Normal(0.0, 1.0), &device);
        let got: Vec<f32> = tables.apply(x.clone()).into_data().try_into_vec_as::<f32>().unwrap();
        let xs: Vec<f32> = x.into_data().try_into_vec_as::<f32>().unwrap();
        let pos = [[0.0f64, 1.0, 2.0], [5.0, 6.0, 7.0]];
        for bi in 0..2 {
            for si in 0..3 {
                for hi in 0..2 {
                    let base = ((bi * 3 + si) * 2 + hi) * d;
                    for j in 0..d {
                        let freq = 1.0 / 10000f64.powf((2 * (j % (d / 2))) as f64 / d as f64);
                        let angle = pos[bi][si] * freq;
                        let rot = if j < d / 2 {
                            -xs[base + j + d / 2]
                        } else {
                            xs[base + j - d / 2]
                        } as f64;
                        let want = xs[base + j] as f64 * angle.cos() + rot * angle.sin();
                        assert!((got[base + j] as f64 - want).abs() < 1e-5, "b{bi} s{si} h{hi} j{j}");
                    }
                }
            }
        }
    }
}
