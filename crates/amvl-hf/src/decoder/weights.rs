//! HF tensor names → [`Decoder`] parameters.
//!
//! `LlamaForCausalLM`/`Qwen2ForCausalLM` keep the decoder under `model.` and the head at
//! `lm_head.weight`; below that the names are `amvl-decoder`'s field names. Only layouts differ:
//! PyTorch `Linear.weight` is [out, in], burn's is [in, out]; `RmsNorm.gamma` is HF's `weight`.

use amvl_decoder::{Decoder, DecoderLayer, GroupedQueryAttention, SwiGlu};
use burn::module::Param;
use burn::nn::{Linear, RmsNorm};
use burn::prelude::*;
use burn::tensor::FloatDType;

use crate::HfError;
use crate::safetensors_io::Checkpoint;

/// Prefix of the decoder body in a `*ForCausalLM` checkpoint.
pub const MODEL_PREFIX: &str = "model.";
/// The untied LM head.
pub const LM_HEAD: &str = "lm_head.weight";
/// The token embedding table, [vocab, hidden].
pub const EMBED_TOKENS: &str = "model.embed_tokens.weight";

/// Replaces every parameter of `model` by the checkpoint tensor of the same HF name, claiming
/// it, converted to `dtype`. Tensors the checkpoint lacks or shapes it disagrees on are errors;
/// leftovers are the caller's to reject with [`Checkpoint::finish`].
///
/// A tied model (`lm_head: None`) accepts an `lm_head.weight` only if it is a byte-identical copy
/// of `model.embed_tokens.weight`; a different one is left over, i.e. reported as unexpected.
/// Rotary `inv_freq` buffers, which older checkpoints carry, are dropped (they are recomputed).
pub fn load_decoder_weights(
    model: &mut Decoder,
    checkpoint: &mut Checkpoint,
    dtype: FloatDType,
    device: &Device,
) -> Result<(), HfError> {
    let mut l = Loader {
        checkpoint,
        dtype,
        device,
    };
    // Before `embed_tokens` is claimed, while both can still be compared.
    if model.lm_head.is_none() && l.checkpoint.same_bytes(LM_HEAD, EMBED_TOKENS) {
        l.checkpoint.discard(LM_HEAD);
    }
    l.param(EMBED_TOKENS, &mut model.embed_tokens.weight)?;
    for (i, layer) in model.layers.iter_mut().enumerate() {
        l.layer(&format!("{MODEL_PREFIX}layers.{i}"), layer)?;
    }
    l.rms_norm(&format!("{MODEL_PREFIX}norm"), &mut model.norm)?;
    if let Some(head) = &mut model.lm_head {
        l.linear("lm_head", head)?;
    }
    Ok(())
}

struct Loader<'a> {
    checkpoint: &'a mut Checkpoint,
    dtype: FloatDType,
    device: &'a Device,
}

impl Loader<'_> {
    fn layer(&mut self, p: &str, layer: &mut DecoderLayer) -> Result<(), HfError> {
        self.rms_norm(&format!("{p}.input_layernorm"), &mut layer.input_layernorm)?;
        self.self_attn(&format!("{p}.self_attn"), &mut layer.self_attn)?;
        self.rms_norm(
            &format!("{p}.post_attention_layernorm"),
            &mut layer.post_attention_layernorm,
        )?;
        self.mlp(&format!("{p}.mlp"), &mut layer.mlp)
    }

    fn self_attn(&mut self, p: &str, a: &mut GroupedQueryAttention) -> Result<(), HfError> {
        self.linear(&format!("{p}.q_proj"), &mut a.q_proj)?;
        self.linear(&format!("{p}.k_proj"), &mut a.k_proj)?;
        self.linear(&format!("{p}.v_proj"), &mut a.v_proj)?;
        self.linear(&format!("{p}.o_proj"), &mut a.o_proj)?;
        self.checkpoint.discard(&format!("{p}.rotary_emb.inv_freq"));
        Ok(())
    }

    fn mlp(&mut self, p: &str, m: &mut SwiGlu) -> Result<(), HfError> {
        self.linear(&format!("{p}.gate_proj"), &mut m.gate_proj)?;
        self.linear(&format!("{p}.up_proj"), &mut m.up_proj)?;
        self.linear(&format!("{p}.down_proj"), &mut m.down_proj)
    }

    /// `{p}.weight` [d_out, d_in] (transposed on load) and, if the layer has one, `{p}.bias`.
    fn linear(&mut self, p: &str, linear: &mut Linear) -> Result<(), HfError> {
        let [d_in, d_out] = linear.weight.lazy_shape().dims::<2>();
        let weight = self.take(&format!("{p}.weight"), [d_out, d_in])?;
        assign(&mut linear.weight, weight.transpose(), self.dtype);
        if let Some(bias) = &mut linear.bias {
            self.param(&format!("{p}.bias"), bias)?;
        }
        Ok(())
    }

    fn rms_norm(&mut self, p: &str, norm: &mut RmsNorm) -> Result<(), HfError> {
        self.param(&format!("{p}.weight"), &mut norm.gamma)
    }

    /// A parameter stored in the same layout as PyTorch's.
    fn param<const D: usize>(&mut self, name: &str, param: &mut Param<Tensor<D>>) -> Result<(), HfError> {
        let tensor = self.take(name, param.lazy_shape().dims::<D>())?;
        assign(param, tensor, self.dtype);
        Ok(())
    }

    fn take<const D: usize>(&mut self, name: &str, shape: [usize; D]) -> Result<Tensor<D>, HfError> {
        self.checkpoint.take(name, shape, self.device)
    }
}

fn assign<const D: usize>(param: &mut Param<Tensor<D>>, tensor: Tensor<D>, dtype: FloatDType) {
    let tensor = if dtype == FloatDType::F32 {
        tensor
    } else {
        tensor.cast(dtype)
    };
    let id = param.id;
    *param = param.clone().transform_for_load(tensor, id);
}
