//! HF tensor names → [`VisionTransformer`] parameters. Names are identical; only layouts
//! differ (PyTorch `Linear.weight` is [out, in], burn's is [in, out]).

use amvl_vision::{AttentionPoolingHead, EncoderLayer, Mlp, SelfAttention, VisionEmbeddings, VisionTransformer};
use burn::module::Param;
use burn::nn::conv::Conv2d;
use burn::nn::{LayerNorm, Linear};
use burn::prelude::*;

use crate::HfError;
use crate::safetensors_io::Checkpoint;

/// Replaces every parameter of `model` by the checkpoint tensor of the same name, claiming it.
/// Tensors the checkpoint lacks or shapes it disagrees on are errors; leftovers are the
/// caller's to reject with [`Checkpoint::finish`].
pub fn load_vision_weights(
    model: &mut VisionTransformer,
    checkpoint: &mut Checkpoint,
    device: &Device,
) -> Result<(), HfError> {
    let mut l = Loader { checkpoint, device };
    l.embeddings("embeddings", &mut model.embeddings)?;
    if let Some(norm) = &mut model.pre_layrnorm {
        l.layer_norm("pre_layrnorm", norm)?;
    }
    for (i, layer) in model.encoder.layers.iter_mut().enumerate() {
        l.encoder_layer(&format!("encoder.layers.{i}"), layer)?;
    }
    l.layer_norm("post_layernorm", &mut model.post_layernorm)?;
    if let Some(head) = &mut model.head {
        l.head("head", head)?;
    }
    Ok(())
}

struct Loader<'a> {
    checkpoint: &'a mut Checkpoint,
    device: &'a Device,
}

impl Loader<'_> {
    fn embeddings(&mut self, p: &str, e: &mut VisionEmbeddings) -> Result<(), HfError> {
        self.conv(&format!("{p}.patch_embedding"), &mut e.patch_embedding)?;
        self.param(
            &format!("{p}.position_embedding.weight"),
            &mut e.position_embedding.weight,
        )?;
        if let Some(class) = &mut e.class_embedding {
            self.param(&format!("{p}.class_embedding"), class)?;
        }
        self.checkpoint.discard(&format!("{p}.position_ids"));
        Ok(())
    }

    fn encoder_layer(&mut self, p: &str, layer: &mut EncoderLayer) -> Result<(), HfError> {
        self.layer_norm(&format!("{p}.layer_norm1"), &mut layer.layer_norm1)?;
        self.self_attn(&format!("{p}.self_attn"), &mut layer.self_attn)?;
        self.layer_norm(&format!("{p}.layer_norm2"), &mut layer.layer_norm2)?;
        self.mlp(&format!("{p}.mlp"), &mut layer.mlp)
    }

    fn self_attn(&mut self, p: &str, a: &mut SelfAttention) -> Result<(), HfError> {
        self.linear(&format!("{p}.q_proj"), &mut a.q_proj)?;
        self.linear(&format!("{p}.k_proj"), &mut a.k_proj)?;
        self.linear(&format!("{p}.v_proj"), &mut a.v_proj)?;
        self.linear(&format!("{p}.out_proj"), &mut a.out_proj)
    }

    fn mlp(&mut self, p: &str, m: &mut Mlp) -> Result<(), HfError> {
        self.linear(&format!("{p}.fc1"), &mut m.fc1)?;
        self.linear(&format!("{p}.fc2"), &mut m.fc2)
    }

    fn head(&mut self, p: &str, h: &mut AttentionPoolingHead) -> Result<(), HfError> {
        self.param(&format!("{p}.probe"), &mut h.probe)?;
        let a = &mut h.attention;
        self.param(&format!("{p}.attention.in_proj_weight"), &mut a.in_proj_weight)?;
        self.param(&format!("{p}.attention.in_proj_bias"), &mut a.in_proj_bias)?;
        self.linear(&format!("{p}.attention.out_proj"), &mut a.out_proj)?;
        self.layer_norm(&format!("{p}.layernorm"), &mut h.layernorm)?;
        self.mlp(&format!("{p}.mlp"), &mut h.mlp)
    }

    fn linear(&mut self, p: &str, linear: &mut Linear) -> Result<(), HfError> {
        let [d_in, d_out] = linear.weight.lazy_shape().dims::<2>();
        let weight = self.take(&format!("{p}.weight"), [d_out, d_in])?;
        assign(&mut linear.weight, weight.transpose());
        if let Some(bias) = &mut linear.bias {
            self.param(&format!("{p}.bias"), bias)?;
        }
        Ok(())
    }

    fn layer_norm(&mut self, p: &str, norm: &mut LayerNorm) -> Result<(), HfError> {
        self.param(&format!("{p}.weight"), &mut norm.gamma)?;
        if let Some(beta) = &mut norm.beta {
            self.param(&format!("{p}.bias"), beta)?;
        }
        Ok(())
    }

    fn conv(&mut self, p: &str, conv: &mut Conv2d) -> Result<(), HfError> {
        self.param(&format!("{p}.weight"), &mut conv.weight)?;
        if let Some(bias) = &mut conv.bias {
            self.param(&format!("{p}.bias"), bias)?;
        }
        Ok(())
    }

    /// A parameter stored in the same layout as PyTorch's.
    fn param<const D: usize>(&mut self, name: &str, param: &mut Param<Tensor<D>>) -> Result<(), HfError> {
        let tensor = self.take(name, param.lazy_shape().dims::<D>())?;
        assign(param, tensor);
        Ok(())
    }

    fn take<const D: usize>(&mut self, name: &str, shape: [usize; D]) -> Result<Tensor<D>, HfError> {
        self.checkpoint.take(name, shape, self.device)
    }
}

fn assign<const D: usize>(param: &mut Param<Tensor<D>>, tensor: Tensor<D>) {
    let id = param.id;
    *param = param.clone().transform_for_load(tensor, id);
}
