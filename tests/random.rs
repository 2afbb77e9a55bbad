//! Seeded randomness stays reproducible when threads share the backend's one generator.
use amvl::burn::prelude::*;
use amvl::burn::tensor::Distribution;
use amvl::core::random::{materialize, standard_normal, with_seed};

fn values<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.into_data().try_into_vec_as::<f32>().unwrap()
}

#[test]
fn host_normals_depend_on_the_seed_only_and_are_standard() {
    let device = Device::flex();
    let a = values(standard_normal([100, 100], 3, &device));
    assert_eq!(a, values(standard_normal([100, 100], 3, &device)));
    assert_ne!(a, values(standard_normal([100, 100], 4, &device)));
    let n = a.len() as f64;
    let mean = a.iter().map(|&x| x as f64).sum::<f64>() / n;
    let var = a.iter().map(|&x| (x as f64 - mean).powi(2)).sum::<f64>() / n;
    // 10,000 draws: the standard error of the mean is 0.01, of the variance about 0.014.
    assert!(mean.abs() < 0.04, "mean {mean}");
    assert!((var - 1.0).abs() < 0.06, "variance {var}");
}

#[test]
fn seeded_sections_in_many_threads_draw_the_same_values() {
    let device = Device::flex();
    let draw = |device: &Device| {
        with_seed(device, 7, || {
            values(Tensor::<1>::random([512], Distribution::Default, device))
        })
    };
    let reference = draw(&device);
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let device = device.clone();
            std::thread::spawn(move || (0..25).map(|_| draw(&device)).collect::<Vec<_>>())
        })
        .collect();
    for handle in handles {
        for v in handle.join().unwrap() {
            assert_eq!(v, reference);
        }
    }
}

#[test]
fn parameters_are_drawn_on_first_use_unless_materialized() {
    let device = Device::flex();
    let linear = |device: &Device| amvl::burn::nn::LinearConfig::new(8, 8).init(device);
    let weights = |l: &amvl::burn::nn::Linear| values(l.weight.val());
    let eager = with_seed(&device, 1, || {
        let l = linear(&device);
        materialize(&l);
        l
    });
    let lazy = with_seed(&device, 1, || linear(&device));
    let other = with_seed(&device, 2, || {
        values(Tensor::<1>::random([4], Distribution::Default, &device))
    });
    assert_eq!(other.len(), 4);
    let eager_again = with_seed(&device, 1, || {
        let l = linear(&device);
        materialize(&l);
        l
    });
    assert_eq!(weights(&eager), weights(&eager_again));
    assert_ne!(
        weights(&lazy),
        weights(&eager),
        "a lazy parameter drew after the section ended"
    );
}
