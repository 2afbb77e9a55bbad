use burn::prelude::*;

/// Rotary position tables for a batch, in Hugging Face's rotate-half layout.
#[derive(Clone, Debug)]
pub struct RotaryTables {
    /// [batch, 1, seq, head_dim]
    pub cos: Tensor<4>,
    /// [batch, 1, seq, head_dim]
    pub sin: Tensor<4>,
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
        let angles = Tensor::cat(vec![angles.clone(), angles], 2).reshape([batch, 1, seq, head_dim]);
        Self {
            cos: angles.clone().cos(),
            sin: angles.sin(),
        }
    }

    /// Rotates `x` [batch, heads, seq, head_dim].
    pub fn apply(&self, x: Tensor<4>) -> Tensor<4> {
        let [b, h, s, d] = x.dims();
        let half = d / 2;
        let x1 = x.clone().narrow(3, 0, half);
        let x2 = x.clone().narrow(3, half, half);
        let rotated = Tensor::cat(vec![x2.neg(), x1], 3);
        // The tables are f32; follow `x` when the model runs in half precision.
        let dtype = x.dtype();
        let cos = self.cos.clone().cast(dtype).expand([b, h, s, d]);
        let sin = self.sin.clone().cast(dtype).expand([b, h, s, d]);
        x * cos + rotated * sin
    }
}
