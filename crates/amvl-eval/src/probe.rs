//! A linear probe: multinomial logistic regression from latent means to a label, fit on some
//! items and scored on the others.

/// Accuracy on the held-out half (`None` with fewer than 8 examples or a single class).
pub fn probe_accuracy(features: &[Vec<f32>], labels: &[usize], classes: usize) -> Option<f64> {
    let n = features.len();
    let fit: Vec<bool> = (0..n).map(|i| i < n / 2).collect();
    probe_accuracy_on(features, labels, classes, &fit)
}

/// Fits on the items where `fit` is true, scores on the others (`None` with fewer than 4 items
/// on either side or a single class).
pub fn probe_accuracy_on(features: &[Vec<f32>], labels: &[usize], classes: usize, fit: &[bool]) -> Option<f64> {
    let n = features.len();
    let fitted = fit.iter().filter(|&&f| f).count();
    if fitted < 4 || n - fitted < 4 || classes < 2 || labels.iter().all(|&l| l == labels[0]) {
        return None;
    }
    let dim = features[0].len();
    let (mean, std) = standardizer(features, dim);
    let x: Vec<Vec<f32>> = features
        .iter()
        .map(|f| f.iter().enumerate().map(|(j, v)| (v - mean[j]) / std[j]).collect())
        .collect();
    let mut w = vec![vec![0f32; dim + 1]; classes];
    let lr = 0.5f32;
    let l2 = 1e-3f32;
    for _ in 0..300 {
        let mut grad = vec![vec![0f32; dim + 1]; classes];
        for i in (0..n).filter(|&i| fit[i]) {
            let p = softmax(&scores(&w, &x[i]));
            for c in 0..classes {
                let err = p[c] - if labels[i] == c { 1.0 } else { 0.0 };
                for j in 0..dim {
                    grad[c][j] += err * x[i][j];
                }
                grad[c][dim] += err;
            }
        }
        for c in 0..classes {
            for j in 0..=dim {
                let reg = if j < dim { l2 * w[c][j] } else { 0.0 };
                w[c][j] -= lr * (grad[c][j] / fitted as f32 + reg);
            }
        }
    }
    let correct = (0..n)
        .filter(|&i| !fit[i] && argmax(&scores(&w, &x[i])) == labels[i])
        .count();
    Some(correct as f64 / (n - fitted) as f64)
}

fn standardizer(features: &[Vec<f32>], dim: usize) -> (Vec<f32>, Vec<f32>) {
    let n = features.len() as f32;
    let mut mean = vec![0f32; dim];
    for f in features {
        for j in 0..dim {
            mean[j] += f[j] / n;
        }
    }
    let mut std = vec![0f32; dim];
    for f in features {
        for j in 0..dim {
            std[j] += (f[j] - mean[j]).powi(2) / n;
        }
    }
    (mean, std.into_iter().map(|v| v.sqrt().max(1e-6)).collect())
}

fn scores(w: &[Vec<f32>], x: &[f32]) -> Vec<f32> {
    w.iter()
        .map(|wc| wc[..x.len()].iter().zip(x).map(|(a, b)| a * b).sum::<f32>() + wc[x.len()])
        .collect()
}

fn softmax(s: &[f32]) -> Vec<f32> {
    let max = s.iter().cloned().fold(f32::NEG_INFINITY, f32::max);
    let e: Vec<f32> = s.iter().map(|v| (v - max).exp()).collect();
    let sum: f32 = e.iter().sum();
    e.into_iter().map(|v| v / sum).collect()
}

pub fn argmax(s: &[f32]) -> usize {
    s.iter()
        .enumerate()
        .fold(
            (0, f32::NEG_INFINITY),
            |(bi, bv), (i, &v)| if v > bv { (i, v) } else { (bi, bv) },
        )
        .0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separable_labels_are_learned_and_noise_is_not() {
        let mut features = Vec::new();
        let mut labels = Vec::new();
        let mut state = 1u64;
        let mut next = || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((state >> 33) as f32 / (1u64 << 31) as f32) - 0.5
        };
        for i in 0..200 {
            let label = i % 4;
            let mut f: Vec<f32> = (0..6).map(|_| next()).collect();
            f[label] += 2.0;
            features.push(f);
            labels.push(label);
        }
        assert!(probe_accuracy(&features, &labels, 4).unwrap() > 0.95);
        let noise: Vec<Vec<f32>> = (0..200).map(|_| (0..6).map(|_| next()).collect()).collect();
        let acc = probe_accuracy(&noise, &labels, 4).unwrap();
        assert!(acc < 0.45, "probe found signal in noise: {acc}");
    }
}
