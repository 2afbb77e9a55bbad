use burn::prelude::*;
use burn::tensor::FloatDType;
use burn::tensor::activation::log_softmax;

/// Mean next-token cross-entropy over the scored positions.
///
/// `logits` [batch, seq, vocab], `targets` [batch, seq], `mask` [batch, seq] (`true` = scored) → [1]
pub fn masked_cross_entropy(logits: Tensor<3>, targets: Tensor<2, Int>, mask: Tensor<2, Bool>) -> Tensor<1> {
    let [batch, seq, _] = logits.dims();
    let log_probs = log_softmax(logits.cast(FloatDType::F32), 2);
    let picked = log_probs
        .gather(2, targets.reshape([batch, seq, 1]))
        .reshape([batch, seq]);
    let weights = mask.float().cast(FloatDType::F32);
    let count = weights.clone().sum().clamp_min(1.0);
    (picked * weights).sum().neg() / count
}
