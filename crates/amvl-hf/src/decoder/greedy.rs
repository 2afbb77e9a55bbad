//! Greedy decoding through the KV cache, one token per step.

use amvl_core::LanguageModel;
use amvl_decoder::Decoder;
use burn::prelude::*;

/// Appends `new_tokens` greedy (arg-max) tokens to `prompt`.
///
/// The prompt runs once through [`LanguageModel::forward_embeds`]; each further token is fed
/// alone with the cache the previous step returned, as incremental generation does.
///
/// `prompt` [batch, prompt_len ≥ 1] (all real tokens) → [batch, prompt_len + new_tokens]
pub fn greedy_decode(model: &Decoder, prompt: Tensor<2, Int>, new_tokens: usize) -> Tensor<2, Int> {
    let [batch, len] = prompt.dims();
    assert!(len > 0, "greedy_decode needs a non-empty prompt");
    let device = prompt.device();
    let real = Tensor::<2, Bool>::full([batch, len], true, &device);
    let (hidden, mut cache) = model.forward_embeds(model.embed_tokens(prompt.clone()), real, None);
    let mut last = hidden.narrow(1, len - 1, 1);
    let mut tokens = vec![prompt];
    for step in 0..new_tokens {
        // [batch, 1, vocab] → [batch, 1]
        let next = model.logits(last).argmax(2).reshape([batch, 1]);
        tokens.push(next.clone());
        if step + 1 == new_tokens {
            break;
        }
        let real = Tensor::<2, Bool>::full([batch, 1], true, &device);
        let (hidden, extended) = model.forward_embeds(model.embed_tokens(next), real, Some(cache));
        cache = extended;
        last = hidden;
    }
    Tensor::cat(tokens, 1)
}
