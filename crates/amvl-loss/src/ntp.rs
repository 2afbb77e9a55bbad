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

/// How NTP is averaged, against KL terms that are sums over slots and dimensions.
#[derive(serde::Serialize, serde::Deserialize, Clone, Copy, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum NtpReduction {
    /// Mean over all scored tokens of the batch: a long target weighs no more than a short one
    /// against the KL terms.
    #[default]
    Token,
    /// Sum over each sequence's scored tokens, mean over sequences: −log p(y|x,z) per item, the
    /// scale of an ELBO's reconstruction term.
    Sequence,
}

/// NTP under `reduction`; shapes as [`masked_cross_entropy`].
pub fn reduced_cross_entropy(
    logits: Tensor<3>,
    targets: Tensor<2, Int>,
    mask: Tensor<2, Bool>,
    reduction: NtpReduction,
) -> Tensor<1> {
    match reduction {
        NtpReduction::Token => masked_cross_entropy(logits, targets, mask),
        NtpReduction::Sequence => {
            let batch = logits.dims()[0] as f64;
            let tokens = mask.clone().float().cast(FloatDType::F32).sum();
            masked_cross_entropy(logits, targets, mask) * tokens / batch
        }
    }
}
