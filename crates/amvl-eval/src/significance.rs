//! Whether an accuracy is above chance: the exact one-sided binomial test.

/// The significance level below which a task counts as "above chance" in reports.
pub const ABOVE_CHANCE_LEVEL: f64 = 0.01;

/// P[X ≥ `correct`] for X ~ Binomial(`n`, `chance`): the probability that a model answering at
/// random (right with probability `chance` on each of `n` items) gets at least `correct` right.
///
/// Exact (terms summed in log space, so large `n` neither overflows nor underflows to a wrong
/// answer). `correct = 0` gives 1; `correct > n` gives 0.
pub fn binomial_upper_tail(correct: usize, n: usize, chance: f64) -> f64 {
    assert!(
        (0.0..=1.0).contains(&chance),
        "chance must be a probability, got {chance}"
    );
    if correct == 0 {
        return 1.0;
    }
    if correct > n {
        return 0.0;
    }
    if chance <= 0.0 {
        return 0.0;
    }
    if chance >= 1.0 {
        return 1.0;
    }
    let (ln_p, ln_q) = (chance.ln(), (1.0 - chance).ln());
    // ln C(n, j) for j = correct, then updated term by term: C(n, j+1) = C(n, j)·(n−j)/(j+1).
    let mut ln_choose: f64 = (0..correct)
        .map(|i| ((n - i) as f64).ln() - ((i + 1) as f64).ln())
        .sum();
    let terms: Vec<f64> = (correct..=n)
        .map(|j| {
            let term = ln_choose + j as f64 * ln_p + (n - j) as f64 * ln_q;
            if j < n {
                ln_choose += ((n - j) as f64).ln() - ((j + 1) as f64).ln();
            }
            term
        })
        .collect();
    let max = terms.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    (max.exp() * terms.iter().map(|t| (t - max).exp()).sum::<f64>()).min(1.0)
}

#[cfg(test)]
mod tests {
    use super::binomial_upper_tail;

    #[test]
    fn closed_forms() {
        // Fair coin, 10 tosses: P[X ≥ 8] = (45 + 10 + 1) / 1024.
        assert!((binomial_upper_tail(8, 10, 0.5) - 56.0 / 1024.0).abs() < 1e-12);
        // All right: p^n.
        assert!((binomial_upper_tail(5, 5, 0.25) - 0.25f64.powi(5)).abs() < 1e-15);
        assert_eq!(binomial_upper_tail(0, 7, 0.3), 1.0);
        assert_eq!(binomial_upper_tail(8, 7, 0.3), 0.0);
        // P[X ≥ 1] = 1 − q^n.
        assert!((binomial_upper_tail(1, 20, 0.1) - (1.0 - 0.9f64.powi(20))).abs() < 1e-12);
    }

    #[test]
    fn large_n_stays_finite_and_monotone() {
        let at_chance = binomial_upper_tail(250, 1000, 0.25);
        assert!((0.45..0.55).contains(&at_chance), "{at_chance}");
        let far = binomial_upper_tail(400, 1000, 0.25);
        assert!(far > 0.0 && far < 1e-20, "{far}");
        let mut last = 1.0;
        for k in 0..=100 {
            let p = binomial_upper_tail(k, 100, 1.0 / 3.0);
            assert!(p <= last + 1e-15, "not monotone at {k}");
            last = p;
        }
    }
}
