//! The answer logits depend on the images (image tokens reach the decoder) and only on present ones.
mod common;

use amvl::burn::prelude::*;
use amvl::burn::tensor::Distribution;
use common::*;

#[test]
fn present_images_change_the_answer_logits_and_absent_ones_do_not() {
    let device = device();
    device.seed(61);
    let model = tiny_config().init(&device);
    let batch = synthetic_batch(&device, 9);
    let z = Some(Tensor::<3>::random([3, 4, 16], Distribution::Normal(0.0, 1.0), &device));
    let logits = |b: &amvl::AmvlBatch| {
        let prefix = model.run_prefix(b, true);
        model.decode_logits(&prefix, z.clone(), b.answer_input.clone(), b.answer_mask.clone())
    };
    let base = logits(&batch);
    // Sample 1's second image is absent: changing its pixels changes nothing.
    let mut absent = batch.clone();
    let noise = Tensor::<5>::random([1, 1, 3, 32, 32], Distribution::Normal(0.0, 3.0), &device);
    absent.images = absent
        .images
        .slice_assign([1..2, 1..2, 0..3, 0..32, 0..32], noise.clone());
    assert_eq!(max_abs_diff(base.clone(), logits(&absent)), 0.0);
    // Sample 0's first image is present: changing it moves sample 0's logits only.
    let mut present = batch.clone();
    present.images = present.images.slice_assign([0..1, 0..1, 0..3, 0..32, 0..32], noise);
    let moved = logits(&present);
    let vocab = base.dims()[2];
    assert!(
        max_abs_diff(
            base.clone().slice([0..1, 0..3, 0..vocab]),
            moved.clone().slice([0..1, 0..3, 0..vocab])
        ) > 1e-5
    );
    assert_eq!(
        max_abs_diff(base.slice([1..3, 0..3, 0..vocab]), moved.slice([1..3, 0..3, 0..vocab])),
        0.0
    );
}
