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

    /// Items `start..start + len` of the batch (every tensor narrowed along its batch axis).
    pub fn rows(&self, start: usize, len: usize) -> Self {
        Self {
            images: self.images.clone().narrow(0, start, len),
            image_mask: self.image_mask.clone().narrow(0, start, len),
            question: self.question.clone().narrow(0, start, len),
            question_mask: self.question_mask.clone().narrow(0, start, len),
            target: self.target.clone().narrow(0, start, len),
            target_mask: self.target_mask.clone().narrow(0, start, len),
            answer_input: self.answer_input.clone().narrow(0, start, len),
            answer_target: self.answer_target.clone().narrow(0, start, len),
            answer_mask: self.answer_mask.clone().narrow(0, start, len),
        }
    }

    /// `parts` consecutive slices of (nearly) equal size covering the batch in order; the first
    /// `batch % parts` slices have one item more. Empty slices are left out.
    pub fn split(&self, parts: usize) -> Vec<Self> {
        let n = self.batch_size();
        let parts = parts.max(1);
        let (base, extra) = (n / parts, n % parts);
        let mut start = 0;
        let mut out = Vec::with_capacity(parts);
        for i in 0..parts {
            let len = base + usize::from(i < extra);
            if len > 0 {
                out.push(self.rows(start, len));
            }
            start += len;
        }
        out
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

#[cfg(test)]
mod tests {
    use super::*;

    fn numbered(n: usize, device: &Device) -> AmvlBatch {
        let ids = |len: usize| Tensor::<1, Int>::arange(0..(n * len) as i64, device).reshape([n, len]);
        let all = |len: usize| Tensor::<2, Bool>::full([n, len], true, device);
        AmvlBatch {
            images: Tensor::<1, Int>::arange(0..(n * 3 * 2 * 2) as i64, device)
                .float()
                .reshape([n, 1, 3, 2, 2]),
            image_mask: all(1),
            question: ids(3),
            question_mask: all(3),
            target: ids(2),
            target_mask: all(2),
            answer_input: ids(2),
            answer_target: ids(2),
            answer_mask: all(2),
        }
    }

    #[test]
    fn split_covers_the_batch_in_order() {
        let device = Device::flex();
        let batch = numbered(5, &device);
        let parts = batch.split(2);
        assert_eq!(parts.iter().map(AmvlBatch::batch_size).collect::<Vec<_>>(), vec![3, 2]);
        let question: Vec<i64> = Tensor::cat(parts.iter().map(|p| p.question.clone()).collect(), 0)
            .into_data()
            .try_into_vec_as::<i64>()
            .unwrap();
        assert_eq!(question, (0..15).collect::<Vec<i64>>());
        let images: Vec<f32> = parts[1].images.clone().into_data().try_into_vec_as::<f32>().unwrap();
        assert_eq!(images[0], 36.0);
        assert_eq!(parts[1].images.dims(), [2, 1, 3, 2, 2]);
        assert_eq!(batch.split(8).len(), 5);
    }
}
