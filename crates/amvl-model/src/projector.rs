use burn::module::Param;
use burn::nn::{Initializer, Linear, LinearConfig};
use burn::prelude::*;
use burn::tensor::activation::gelu;

/// Two-layer MLP from vision width to decoder width, optionally followed by a learned
/// image-slot embedding.
#[derive(Module, Debug)]
pub struct Projector {
    pub linear_1: Linear,
    pub linear_2: Linear,
    /// Present when `model.image_slot_embeddings > 0`.
    pub image_slots: Option<ImageSlots>,
    /// Subtract each image's mean vision feature from its tokens before projecting
    /// (`model.center_image_tokens`).
    #[module(skip)]
    pub center_tokens: Option<usize>,
}

/// One learned vector per image slot, added to every projected token of that image, so the
/// decoder can tell "image 1" from "image 3" by content (image tokens are otherwise identical in
/// form across slots: the vision tower gives every image the same position embeddings).
#[derive(Module, Debug)]
pub struct ImageSlots {
    /// [slots, d_model]; row k is added to the tokens of the item's k-th image.
    pub embedding: Param<Tensor<2>>,
    #[module(skip)]
    pub tokens_per_image: usize,
}

impl ImageSlots {
    /// `slots` rows of width `d_model`, N(0, 0.02²), for images of `tokens_per_image` tokens.
    pub fn new(slots: usize, d_model: usize, tokens_per_image: usize, device: &Device) -> Self {
        Self {
            embedding: Initializer::Normal { mean: 0.0, std: 0.02 }.init([slots, d_model], device),
            tokens_per_image,
        }
    }

    /// [batch, images·tokens_per_image, d] → the same plus row k on image k's tokens.
    ///
    /// # Panics
    /// If the length is not a whole number of images, or there are more images than slots.
    pub fn forward(&self, x: Tensor<3>) -> Tensor<3> {
        let [_, len, d] = x.dims();
        let [slots, d_slot] = self.embedding.dims();
        let per = self.tokens_per_image;
        assert!(
            per > 0 && len.is_multiple_of(per) && d == d_slot,
            "image-slot embedding: {len} tokens of width {d} are not whole images of {per} tokens of width {d_slot}"
        );
        let images = len / per;
        assert!(
            images <= slots,
            "{images} images per item but model.image_slot_embeddings = {slots}; raise it to at least data.max_images"
        );
        let rows = self
            .embedding
            .val()
            .narrow(0, 0, images)
            .reshape([1, images, 1, d])
            .expand([1, images, per, d])
            .reshape([1, len, d]);
        x + rows
    }
}

impl Projector {
    /// Random initialisation: `d_vision → hidden → d_model`, with `image_slots` slot embeddings
    /// for images of `tokens_per_image` tokens (none when `image_slots = 0`).
    pub fn new(
        d_vision: usize,
        hidden: usize,
        d_model: usize,
        image_slots: usize,
        tokens_per_image: usize,
        device: &Device,
    ) -> Self {
        Self {
            linear_1: LinearConfig::new(d_vision, hidden).init(device),
            linear_2: LinearConfig::new(hidden, d_model).init(device),
            image_slots: (image_slots > 0).then(|| ImageSlots::new(image_slots, d_model, tokens_per_image, device)),
            center_tokens: None,
        }
    }

    /// Centre each image's `tokens_per_image` vision features on their mean before projecting:
    /// what is shared by every token of an image (a direction a tower trained from scratch can
    /// collapse into, drowning what varies across the image) never reaches the decoder.
    pub fn with_centered_tokens(mut self, tokens_per_image: Option<usize>) -> Self {
        self.center_tokens = tokens_per_image;
        self
    }

    /// [batch, images·tokens, d_vision] → [batch, images·tokens, d_model]
    pub fn forward(&self, x: Tensor<3>) -> Tensor<3> {
        let x = match self.center_tokens {
            Some(per) => center_per_image(x, per),
            None => x,
        };
        let x = self.linear_2.forward(gelu(self.linear_1.forward(x)));
        match &self.image_slots {
            Some(slots) => slots.forward(x),
            None => x,
        }
    }
}

/// [batch, images·per, d] → the same with each image's mean over its `per` tokens subtracted.
fn center_per_image(x: Tensor<3>, per: usize) -> Tensor<3> {
    let [batch, len, d] = x.dims();
    assert!(
        per > 0 && len.is_multiple_of(per),
        "{len} image tokens are not whole images of {per}"
    );
    let images = x.reshape([batch * len / per, per, d]);
    let mean = images.clone().mean_dim(1);
    (images - mean).reshape([batch, len, d])
}
