use burn::prelude::*;

/// Attention mask for `seq` new queries after `cached` keys: `true` = not attended.
///
/// A query sees every earlier-or-equal real key, and always itself (so padding rows stay finite).
/// `real_all` [batch, cached + seq] → [batch, heads, seq, cached + seq]
pub fn attention_mask(real_all: Tensor<2, Bool>, cached: usize, seq: usize, heads: usize) -> Tensor<4, Bool> {
    let device = real_all.device();
    let [batch, total] = real_all.dims();
    let q_idx = Tensor::<1, Int>::arange(cached as i64..(cached + seq) as i64, &device)
        .reshape([1, seq, 1])
        .expand([batch, seq, total]);
    let k_idx = Tensor::<1, Int>::arange(0..total as i64, &device)
        .reshape([1, 1, total])
        .expand([batch, seq, total]);
    let future = k_idx.clone().greater(q_idx.clone());
    let is_self = k_idx.equal(q_idx);
    let pad = real_all
        .bool_not()
        .reshape([batch, 1, total])
        .expand([batch, seq, total]);
    let masked = future.bool_or(pad.bool_and(is_self.bool_not()));
    masked.reshape([batch, 1, seq, total]).expand([batch, heads, seq, total])
}
