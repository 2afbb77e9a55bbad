use crate::config::TrainConfig;

/// Linear warm-up to `learning_rate`, then cosine decay to `learning_rate · min_lr_ratio`
/// at the last step. A pure function of the step, so a resumed run needs no scheduler state.
pub fn learning_rate(config: &TrainConfig, step: u64) -> f64 {
    let peak = config.learning_rate;
    if step < config.lr_warmup_steps {
        return peak * (step + 1) as f64 / config.lr_warmup_steps as f64;
    }
    let decay_steps = config.steps.saturating_sub(config.lr_warmup_steps).max(1);
    let progress = ((step - config.lr_warmup_steps) as f64 / decay_steps as f64).min(1.0);
    let floor = peak * config.min_lr_ratio;
    floor + (peak - floor) * 0.5 * (1.0 + (std::f64::consts::PI * progress).cos())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warmup_then_cosine_to_the_floor() {
        let config = TrainConfig {
            steps: 110,
            lr_warmup_steps: 10,
            learning_rate: 1.0,
            min_lr_ratio: 0.1,
            ..TrainConfig::default()
        };
        assert!((learning_rate(&config, 0) - 0.1).abs() < 1e-12);
        assert!((learning_rate(&config, 9) - 1.0).abs() < 1e-12);
        assert!((learning_rate(&config, 10) - 1.0).abs() < 1e-12);
        assert!((learning_rate(&config, 60) - 0.55).abs() < 1e-12);
        assert!((learning_rate(&config, 110) - 0.1).abs() < 1e-12);
    }
}
