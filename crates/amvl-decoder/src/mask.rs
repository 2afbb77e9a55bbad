use burn::prelude::*;

/// Attention mask for `seq` new queries after `cached` keys: `true` = not attended.
///
/// A query sees every earlier-or-equal real key, and always itself (so padding rows stay finite).
/// `real_all` [batch, cached + seq] → [batch, 1, seq, cached + seq] (the same for every head).
pub fn attention_mask(real_all: Tensor<2, Bool>, cached: usize, seq: usize) -> Tensor<4, Bool> {
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
    masked.reshape([batch, 1, seq, total])
}

/// The mask for query heads grouped by their key/value head: `mask` [batch, 1, seq, total] →
/// [batch, kv_heads, groups · seq, total], each group's rows repeating the same `seq` rows (see
/// [`GroupedQueryAttention`](crate::GroupedQueryAttention)).
pub fn grouped_mask(mask: Tensor<4, Bool>, kv_heads: usize, groups: usize) -> Tensor<4, Bool> {
    let [batch, _, seq, total] = mask.dims();
    if kv_heads == 1 && groups == 1 {
        return mask;
    }
    mask.reshape([batch, 1, 1, seq, total])
        .expand([batch, kv_heads, groups, seq, total])
        .reshape([batch, kv_heads, groups * seq, total])
}
