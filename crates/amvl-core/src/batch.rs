use burn::prelude::*;

/// One training or evaluation batch, already on the device.
///
/// Every token sequence is right-padded; masks are `true` on real entries.
#[derive(Clone, Debug)]
pub struct AmvlBatch {
    /// [batch, images, 3, height, width], normalised as the vision config says; `images` is the
    /// most any item of the batch has (the batcher pads no further).
    pub images: Tensor<5>,
    /// [batch, images]: `true` where an image is present.
    pub image_mask: Tensor<2, Bool>,
    /// [batch, len_q]: question (with the options) token ids.
    pub question: Tensor<2, Int>,
    /// [batch, len_q]
    pub question_mask: Tensor<2, Bool>,
    /// [batch, len_t]: what the posterior sees (the answer, or rationale + answer).
    pub target: Tensor<2, Int>,
    /// [batch, len_t]
    pub target_mask: Tensor<2, Bool>,
    /// [batch, len_a]: teacher-forcing inputs, `<answer> a_0 … a_{n-1}`.
    pub answer_input: Tensor<2, Int>,
    /// [batch, len_a]: next-token targets, `a_0 … a_{n-1} <eos>`.
    pub answer_target: Tensor<2, Int>,
    /// [batch, len_a]: `true` where `answer_target` is scored.
    pub answer_mask: Tensor<2, Bool>,
}

impl AmvlBatch {
    pub fn batch_size(&self) -> usize {
        self.question.dims()[0]
    }

    /// Moves every tensor to `device` (e.g. onto an autodiff device for training, or to another
    /// backend). Masks travel as integers: Burn 0.22 cannot move a bool tensor from `flex` to a
    /// CubeCL backend directly (`bool_from_data` rejects flex's native bool storage).
    pub fn to_device(self, device: &Device) -> Self {
        let mask = |m: Tensor<2, Bool>| m.int().to_device(device).bool();
        Self {
            images: self.images.to_device(device),
            image_mask: mask(self.image_mask),
            question: self.question.to_device(device),
            question_mask: mask(self.question_mask),
            target: self.target.to_device(device),
            target_mask: mask(self.target_mask),
            answer_input: self.answer_input.to_device(device),
            answer_target: self.answer_target.to_device(device),
            answer_mask: mask(self.answer_mask),
        }
    }
}
