use serde::{Deserialize, Serialize};

/// A weight as a function of the optimizer step.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Schedule {
    Constant {
        value: f64,
    },
    /// 0 before `start`, then a linear ramp to `max` over `warmup` steps.
    Linear {
        start: u64,
        warmup: u64,
        max: f64,
    },
    /// 0 before `start`; then every `period` steps, ramp linearly to `max` over the first
    /// `ramp` fraction of the period and hold (Fu et al.'s cyclical annealing).
    Cyclical {
        start: u64,
        period: u64,
        ramp: f64,
        max: f64,
    },
}

impl Schedule {
    pub fn zero() -> Self {
        Schedule::Constant { value: 0.0 }
    }

    pub fn value(&self, step: u64) -> f64 {
        match *self {
            Schedule::Constant { value } => value,
            Schedule::Linear { start, warmup, max } => {
                if step < start {
                    0.0
                } else if warmup == 0 {
                    max
                } else {
                    max * ((step - start) as f64 / warmup as f64).min(1.0)
                }
            }
            Schedule::Cyclical {
                start,
                period,
                ramp,
                max,
            } => {
                if step < start || period == 0 {
                    return 0.0;
                }
                let phase = ((step - start) % period) as f64 / period as f64;
                if ramp <= 0.0 {
                    max
                } else {
                    max * (phase / ramp).min(1.0)
                }
            }
        }
    }

    /// True when the weight is 0 at every step.
    pub fn is_zero(&self) -> bool {
        match *self {
            Schedule::Constant { value } => value == 0.0,
            Schedule::Linear { max, .. } | Schedule::Cyclical { max, .. } => max == 0.0,
        }
    }

    pub fn validate(&self, name: &str) -> Result<(), String> {
        if let Schedule::Cyclical { ramp, period, .. } = *self {
            if !(0.0..=1.0).contains(&ramp) {
                return Err(format!("loss.{name}.ramp must be in [0, 1], got {ramp}"));
            }
            if period == 0 {
                return Err(format!("loss.{name}.period must be positive"));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linear_warmup() {
        let s = Schedule::Linear {
            start: 10,
            warmup: 10,
            max: 2.0,
        };
        assert_eq!(s.value(0), 0.0);
        assert_eq!(s.value(10), 0.0);
        assert_eq!(s.value(15), 1.0);
        assert_eq!(s.value(100), 2.0);
    }

    #[test]
    fn cyclical_repeats() {
        let s = Schedule::Cyclical {
            start: 0,
            period: 10,
            ramp: 0.5,
            max: 1.0,
        };
        assert_eq!(s.value(0), 0.0);
        assert!((s.value(2) - 0.4).abs() < 1e-12);
        assert_eq!(s.value(7), 1.0);
        assert_eq!(s.value(10), 0.0);
        assert!((s.value(12) - 0.4).abs() < 1e-12);
    }
}
